"""caller ids as long as a trunk sends them (SIP trunks put no limit on them)

Revision ID: 0003
Revises: 0002
Create Date: 2026-11-25 23:05:00
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0003"
down_revision: str | None = "0002"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

_COLUMNS = (("tickets", 32), ("calls", 32), ("pbx_calls", 64))


def upgrade() -> None:
    for table, old in _COLUMNS:
        with op.batch_alter_table(table) as batch:
            batch.alter_column("caller", type_=sa.String(length=128),
                               existing_type=sa.String(length=old))


def downgrade() -> None:
    for table, old in _COLUMNS:
        with op.batch_alter_table(table) as batch:
            batch.alter_column("caller", type_=sa.String(length=old),
                               existing_type=sa.String(length=128))
