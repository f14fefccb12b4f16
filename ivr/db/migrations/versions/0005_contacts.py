"""contacts: each call's contact type; callers' voice messages kept with their work orders

Revision ID: 0005
Revises: 0004
Create Date: 2026-12-02 06:00:00
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0005"
down_revision: str | None = "0004"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

_CONTACT_TYPES = ("outage_info", "repair", "complaint", "report", "account_query", "enquiry",
                  "application", "suggestion", "praise")


def upgrade() -> None:
    op.create_table(
        "voice_messages",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("ticket_id", sa.Integer(), nullable=False),
        sa.Column("call_uniqueid", sa.String(length=64), nullable=True),
        sa.Column("path", sa.String(length=500), nullable=False),
        sa.Column("language", sa.String(length=8), nullable=False),
        sa.Column("seconds", sa.Float(), nullable=False),
        sa.Column("transcript", sa.Text(), nullable=True),
        sa.Column("recorded_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["ticket_id"],
            ["tickets.id"],
            name=op.f("fk_voice_messages_ticket_id_tickets"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_voice_messages")),
    )
    with op.batch_alter_table("voice_messages", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_voice_messages_ticket_id"), ["ticket_id"], unique=False
        )
        batch_op.create_index(
            batch_op.f("ix_voice_messages_call_uniqueid"), ["call_uniqueid"], unique=False
        )

    with op.batch_alter_table("calls", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column(
                "contact_type",
                sa.Enum(
                    *_CONTACT_TYPES,
                    name="contact_type",
                    native_enum=False,
                    create_constraint=True,
                    length=32,
                ),
                nullable=True,
            )
        )
        batch_op.create_index(batch_op.f("ix_calls_contact_type"), ["contact_type"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("calls", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_calls_contact_type"))
        batch_op.drop_constraint(batch_op.f("ck_calls_contact_type"), type_="check")
        batch_op.drop_column("contact_type")
    with op.batch_alter_table("voice_messages", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_voice_messages_call_uniqueid"))
        batch_op.drop_index(batch_op.f("ix_voice_messages_ticket_id"))
    op.drop_table("voice_messages")
