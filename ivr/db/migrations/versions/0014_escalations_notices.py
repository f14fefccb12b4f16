"""dialer2: escalation work orders linked to the order followed up; the notice period of each
outage notice and whether the outage was posted too late to meet it

Revision ID: 0014
Revises: 0013
Create Date: 2026-12-02 10:00:00
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0014"
down_revision: str | None = "0013"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

_OLD_TYPES = ("repair", "complaint", "report", "enquiry", "suggestion", "praise",
              "application", "meter_check", "reading_dispute")
_NEW_TYPES = (*_OLD_TYPES, "escalation")


def _types_check(values: tuple[str, ...], column: str) -> str:
    return f"{column} IN ({', '.join(repr(v) for v in values)})"


def _retype(values: tuple[str, ...]) -> None:
    # The CHECK constraints holding the ticket types (named by the metadata's convention).
    for table, column in (("tickets", "type"), ("dial_targets", "ticket_type")):
        with op.batch_alter_table(table, recreate="always" if _sqlite() else "auto") as batch:
            batch.drop_constraint(op.f(f"ck_{table}_{column}"), type_="check")
            batch.create_check_constraint(op.f(f"ck_{table}_{column}"),
                                          _types_check(values, column))


def _sqlite() -> bool:
    return op.get_bind().dialect.name == "sqlite"


def upgrade() -> None:
    with op.batch_alter_table("tickets", schema=None) as batch_op:
        batch_op.add_column(sa.Column("escalates_id", sa.Integer(), nullable=True))
        batch_op.create_index(batch_op.f("ix_tickets_escalates_id"), ["escalates_id"],
                              unique=False)
        batch_op.create_foreign_key(batch_op.f("fk_tickets_escalates_id_tickets"), "tickets",
                                    ["escalates_id"], ["id"])
    with op.batch_alter_table("dial_targets", schema=None) as batch_op:
        batch_op.add_column(sa.Column("notice_due", sa.DateTime(timezone=True), nullable=True))
        batch_op.add_column(sa.Column("notice_late", sa.Boolean(), nullable=True))
    _retype(_NEW_TYPES)


def downgrade() -> None:
    _retype(_OLD_TYPES)
    with op.batch_alter_table("dial_targets", schema=None) as batch_op:
        batch_op.drop_column("notice_late")
        batch_op.drop_column("notice_due")
    with op.batch_alter_table("tickets", schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f("fk_tickets_escalates_id_tickets"),
                                 type_="foreignkey")
        batch_op.drop_index(batch_op.f("ix_tickets_escalates_id"))
        batch_op.drop_column("escalates_id")
