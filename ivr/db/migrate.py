"""Schema migrations (Alembic), callable from code and from `ivr db upgrade`."""

from __future__ import annotations

import asyncio
from pathlib import Path

from alembic import command
from alembic.config import Config
from alembic.script import ScriptDirectory

from ivr.db.session import ensure_sqlite_dir

MIGRATIONS = Path(__file__).parent / "migrations"


def alembic_config(url: str | None = None) -> Config:
    """An Alembic configuration for the packaged migrations; `url` is an async SQLAlchemy URL."""
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS))
    if url is not None:
        # `%` would be read as interpolation by configparser.
        config.set_main_option("sqlalchemy.url", url.replace("%", "%%"))
    return config


def head_revision() -> str:
    head = ScriptDirectory.from_config(alembic_config()).get_current_head()
    assert head is not None, "no migrations packaged"
    return head


def upgrade_database(url: str) -> None:
    """Bring the database at `url` to the newest schema. Must not be called from a running loop."""
    ensure_sqlite_dir(url)
    command.upgrade(alembic_config(url), "head")


async def upgrade_database_async(url: str) -> None:
    """`upgrade_database` from async code: migrations run their own loop, so in a thread."""
    await asyncio.to_thread(upgrade_database, url)
