"""queue records and ring attempts from AMI; agents' skill order (primary first)

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-25 21:42:56.482682
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0002"
down_revision: str | None = "0001"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "pbx_calls",
        sa.Column("uniqueid", sa.String(length=64), nullable=False),
        sa.Column("channel", sa.String(length=200), nullable=False),
        sa.Column("caller", sa.String(length=64), nullable=False),
        sa.Column("started_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("answered_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("ended_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("pickup_seconds", sa.Float(), nullable=True),
        sa.Column("hangup_cause", sa.String(length=100), nullable=False),
        sa.PrimaryKeyConstraint("uniqueid", name=op.f("pk_pbx_calls")),
    )
    with op.batch_alter_table("pbx_calls", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_pbx_calls_started_at"), ["started_at"], unique=False)

    op.create_table(
        "queue_legs",
        sa.Column("uniqueid", sa.String(length=64), nullable=False),
        sa.Column("seq", sa.Integer(), nullable=False),
        sa.Column("queue", sa.String(length=64), nullable=False),
        sa.Column("joined_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("position", sa.Integer(), nullable=False),
        sa.Column("left_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("connected_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("completed_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("wait_seconds", sa.Float(), nullable=True),
        sa.Column("agent", sa.String(length=64), nullable=True),
        sa.Column("agent_interface", sa.String(length=100), nullable=True),
        sa.Column(
            "outcome",
            sa.Enum(
                "answered",
                "abandoned",
                "timeout",
                name="outcome",
                native_enum=False,
                create_constraint=True,
                length=32,
            ),
            nullable=False,
        ),
        sa.Column("within_three_rings", sa.Boolean(), nullable=False),
        sa.ForeignKeyConstraint(
            ["uniqueid"],
            ["pbx_calls.uniqueid"],
            name=op.f("fk_queue_legs_uniqueid_pbx_calls"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("uniqueid", "seq", name=op.f("pk_queue_legs")),
    )
    with op.batch_alter_table("queue_legs", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_queue_legs_agent"), ["agent"], unique=False)
        batch_op.create_index(batch_op.f("ix_queue_legs_joined_at"), ["joined_at"], unique=False)
        batch_op.create_index("ix_queue_legs_queue_joined_at", ["queue", "joined_at"], unique=False)

    op.create_table(
        "ring_attempts",
        sa.Column("uniqueid", sa.String(length=64), nullable=False),
        sa.Column("leg_seq", sa.Integer(), nullable=False),
        sa.Column("seq", sa.Integer(), nullable=False),
        sa.Column("interface", sa.String(length=100), nullable=False),
        sa.Column("member", sa.String(length=64), nullable=False),
        sa.Column("started_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("ended_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("ring_seconds", sa.Float(), nullable=True),
        sa.Column("answered", sa.Boolean(), nullable=False),
        sa.ForeignKeyConstraint(
            ["uniqueid", "leg_seq"],
            ["queue_legs.uniqueid", "queue_legs.seq"],
            name=op.f("fk_ring_attempts_uniqueid_queue_legs"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("uniqueid", "leg_seq", "seq", name=op.f("pk_ring_attempts")),
    )
    with op.batch_alter_table("agent_skills", schema=None) as batch_op:
        # Existing rows get 0: their order is unknown until the agents file is imported again.
        batch_op.add_column(sa.Column("position", sa.Integer(), server_default="0", nullable=False))


def downgrade() -> None:
    with op.batch_alter_table("agent_skills", schema=None) as batch_op:
        batch_op.drop_column("position")

    op.drop_table("ring_attempts")
    with op.batch_alter_table("queue_legs", schema=None) as batch_op:
        batch_op.drop_index("ix_queue_legs_queue_joined_at")
        batch_op.drop_index(batch_op.f("ix_queue_legs_joined_at"))
        batch_op.drop_index(batch_op.f("ix_queue_legs_agent"))

    op.drop_table("queue_legs")
    with op.batch_alter_table("pbx_calls", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_pbx_calls_started_at"))

    op.drop_table("pbx_calls")
