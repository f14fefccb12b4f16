"""voice messages written down after the call: the dictation state and its attempts

Revision ID: 0009
Revises: 0008
Create Date: 2026-12-02 09:50:00
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0009"
down_revision: str | None = "0008"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("voice_messages") as batch:  # SQLite: the table is rebuilt
        batch.add_column(sa.Column("dictation", sa.String(length=12), nullable=True))
        batch.add_column(sa.Column("dictation_attempts", sa.Integer(), nullable=False,
                                   server_default="0"))
        batch.add_column(sa.Column("dictation_claimed_at", sa.DateTime(timezone=True),
                                   nullable=True))
        batch.create_index("ix_voice_messages_dictation", ["dictation"])


def downgrade() -> None:
    with op.batch_alter_table("voice_messages") as batch:
        batch.drop_index("ix_voice_messages_dictation")
        batch.drop_column("dictation_claimed_at")
        batch.drop_column("dictation_attempts")
        batch.drop_column("dictation")
