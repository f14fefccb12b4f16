"""work orders owned to closure (owner, contact, provisional deadlines, history kinds); the
official holiday schedule loaded by hand; failed verifications counted across calls

Revision ID: 0004
Revises: 0003
Create Date: 2026-12-02 06:00:00
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0004"
down_revision: str | None = "0003"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

_EVENT_KINDS = ("opened", "status", "assigned", "note", "contacted", "closed", "reopened")


def _enum(name: str, *values: str) -> sa.Enum:
    return sa.Enum(*values, name=name, native_enum=False, create_constraint=True, length=32)


def upgrade() -> None:
    with op.batch_alter_table("tickets", schema=None) as batch_op:
        batch_op.add_column(sa.Column("owner", sa.String(length=100), nullable=True))
        batch_op.add_column(sa.Column("contacted_at", sa.DateTime(timezone=True), nullable=True))
        batch_op.add_column(
            sa.Column(
                "deadline_provisional", sa.Boolean(), server_default=sa.false(), nullable=False
            )
        )
        batch_op.create_index(batch_op.f("ix_tickets_owner"), ["owner"], unique=False)

    with op.batch_alter_table("ticket_events", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column(
                "kind", _enum("kind", *_EVENT_KINDS), server_default="status", nullable=False
            )
        )
        batch_op.add_column(sa.Column("owner", sa.String(length=100), nullable=True))
    # History written before kinds existed: its first entry opened the order, a close closed it.
    op.execute("UPDATE ticket_events SET kind = 'opened' WHERE from_status IS NULL")
    op.execute("UPDATE ticket_events SET kind = 'closed' WHERE to_status = 'closed'")

    op.create_table(
        "calendar_days",
        sa.Column("day", sa.Date(), nullable=False),
        sa.Column("kind", _enum("kind", "holiday", "workday"), nullable=False),
        sa.Column("name", sa.String(length=100), nullable=False),
        sa.Column("loaded_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("day", name=op.f("pk_calendar_days")),
    )

    op.create_table(
        "verify_failures",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("account", sa.String(length=10), nullable=True),
        sa.Column("caller", sa.String(length=128), nullable=True),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_verify_failures")),
    )
    with op.batch_alter_table("verify_failures", schema=None) as batch_op:
        batch_op.create_index("ix_verify_failures_account_at", ["account", "at"], unique=False)
        batch_op.create_index("ix_verify_failures_caller_at", ["caller", "at"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("verify_failures", schema=None) as batch_op:
        batch_op.drop_index("ix_verify_failures_caller_at")
        batch_op.drop_index("ix_verify_failures_account_at")
    op.drop_table("verify_failures")
    op.drop_table("calendar_days")
    with op.batch_alter_table("ticket_events", schema=None) as batch_op:
        # SQLite's table copy would otherwise keep the CHECK on the dropped column.
        batch_op.drop_constraint(op.f("ck_ticket_events_kind"), type_="check")
        batch_op.drop_column("owner")
        batch_op.drop_column("kind")
    with op.batch_alter_table("tickets", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_tickets_owner"))
        batch_op.drop_column("deadline_provisional")
        batch_op.drop_column("contacted_at")
        batch_op.drop_column("owner")
