"""calls: the `interrupted` outcome and the instance that ran each call (crash recovery)

Revision ID: 0006
Revises: 0005
Create Date: 2026-12-02 06:00:00
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0006"
down_revision: str | None = "0005"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

_OLD = ("self_served", "transferred", "caller_hung_up", "error")
_NEW = (*_OLD, "interrupted")


def _outcome(values: tuple[str, ...]) -> sa.Enum:
    return sa.Enum(*values, name="outcome", native_enum=False, create_constraint=True, length=32)


def _set_outcomes(old: tuple[str, ...], new: tuple[str, ...]) -> None:
    """Replace the CHECK constraint on calls.outcome (the column stays VARCHAR(32))."""
    if op.get_context().dialect.name == "postgresql":
        op.drop_constraint(op.f("ck_calls_outcome"), "calls", type_="check")
        op.create_check_constraint("outcome", "calls", sa.column("outcome").in_(new))
        return
    with op.batch_alter_table("calls") as batch:  # SQLite: the table is rebuilt
        batch.drop_constraint(op.f("ck_calls_outcome"), type_="check")
        batch.alter_column("outcome", type_=_outcome(new), existing_type=_outcome(old),
                           existing_nullable=True)


def upgrade() -> None:
    with op.batch_alter_table("calls") as batch:
        batch.add_column(sa.Column("instance", sa.String(length=128), nullable=True))
    _set_outcomes(_OLD, _NEW)


def downgrade() -> None:
    op.execute("UPDATE calls SET outcome = 'error' WHERE outcome = 'interrupted'")
    _set_outcomes(_NEW, _OLD)
    with op.batch_alter_table("calls") as batch:
        batch.drop_column("instance")
