"""web users: staff who sign in to the pages with a name and a password; agents' wrap-ups

Revision ID: 0007
Revises: 0006
Create Date: 2026-12-02 06:40:00
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0007"
down_revision: str | None = "0006"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

_ROLES = ("agent", "supervisor", "survey", "dispatch", "admin")


def upgrade() -> None:
    op.create_table(
        "web_users",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("name", sa.String(length=100), nullable=False),
        sa.Column(
            "role",
            sa.Enum(*_ROLES, name="role", native_enum=False, create_constraint=True, length=32),
            nullable=False,
        ),
        sa.Column("password_hash", sa.String(length=200), nullable=False),
        sa.Column("language", sa.String(length=8), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("disabled_at", sa.DateTime(timezone=True), nullable=True),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_web_users")),
        sa.UniqueConstraint("name", name=op.f("uq_web_users_name")),
    )
    op.create_table(
        "call_wrapups",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("call_uniqueid", sa.String(length=64), nullable=False),
        sa.Column("agent", sa.String(length=100), nullable=False),
        sa.Column("code", sa.String(length=32), nullable=False),
        sa.Column("note", sa.Text(), nullable=False),
        sa.Column("callback_number", sa.String(length=32), nullable=True),
        sa.Column("callback_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_call_wrapups")),
    )
    with op.batch_alter_table("call_wrapups", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_call_wrapups_call_uniqueid"), ["call_uniqueid"], unique=False
        )
        batch_op.create_index(
            batch_op.f("ix_call_wrapups_callback_at"), ["callback_at"], unique=False
        )


def downgrade() -> None:
    op.drop_table("call_wrapups")
    op.drop_table("web_users")
