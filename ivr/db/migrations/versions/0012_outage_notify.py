"""cluster: every change to the outages (any writer: API, CLI, import, SQL by hand) notifies
the IVR processes on PostgreSQL (NOTIFY ivr_outages, sent at commit), so each forgets its
cached outage answers at once; nothing on SQLite (one process)

Revision ID: 0012
Revises: 0011
Create Date: 2026-12-02 10:00:00
"""

from __future__ import annotations

from collections.abc import Sequence

from alembic import op

revision: str = "0012"
down_revision: str | None = "0011"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

_TABLES = ("outages", "outage_areas", "outage_transformers")
_CHANNEL = "ivr_outages"  # ivr/services/outage_cache.py OUTAGES_CHANNEL


def upgrade() -> None:
    if op.get_bind().dialect.name != "postgresql":
        return
    op.execute(f"""
        CREATE FUNCTION ivr_outages_changed() RETURNS trigger LANGUAGE plpgsql AS $$
        BEGIN
            PERFORM pg_notify('{_CHANNEL}', TG_TABLE_NAME);
            RETURN NULL;
        END $$""")
    for table in _TABLES:
        op.execute(f"""
            CREATE TRIGGER {table}_notify AFTER INSERT OR UPDATE OR DELETE OR TRUNCATE
            ON {table} FOR EACH STATEMENT EXECUTE FUNCTION ivr_outages_changed()""")


def downgrade() -> None:
    if op.get_bind().dialect.name != "postgresql":
        return
    for table in _TABLES:
        op.execute(f"DROP TRIGGER IF EXISTS {table}_notify ON {table}")
    op.execute("DROP FUNCTION IF EXISTS ivr_outages_changed()")
