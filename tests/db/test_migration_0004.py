"""Migration 0004 on a database holding work orders from before it, on SQLite and PostgreSQL:
the history keeps every entry and gains its kinds; the way back works too."""

from __future__ import annotations

import asyncio
import os
import secrets
from collections.abc import AsyncIterator
from pathlib import Path

import pytest
from alembic import command
from sqlalchemy import text
from sqlalchemy.engine import make_url
from sqlalchemy.ext.asyncio import create_async_engine

from ivr.config import Settings
from ivr.db.migrate import alembic_config
from tests.conftest import POSTGRES_ENV

TICKET = (
    "INSERT INTO tickets (id, number, type, status, description, priority, created_at) "
    "VALUES (1, 'C20261125-0001', 'complaint', 'closed', 'x', 0, '2026-11-25 02:00:00+00')"
)
EVENTS = (
    "INSERT INTO ticket_events (ticket_id, at, by, from_status, to_status, note) VALUES "
    "(1, '2026-11-25 02:00:00+00', 'ivr', NULL, 'open', 'opened'), "
    "(1, '2026-11-25 03:00:00+00', 'a1', 'open', 'in_progress', ''), "
    "(1, '2026-11-25 04:00:00+00', 'a1', 'in_progress', 'closed', 'answered')"
)


async def _admin(url: str, statement: str) -> None:
    engine = create_async_engine(url, isolation_level="AUTOCOMMIT")
    try:
        async with engine.connect() as conn:
            await conn.execute(text(statement))
    finally:
        await engine.dispose()


@pytest.fixture(params=["sqlite", pytest.param("postgresql", marks=pytest.mark.postgres)])
async def empty_url(request: pytest.FixtureRequest, tmp_path: Path) -> AsyncIterator[str]:
    if request.param == "sqlite":
        yield f"sqlite+aiosqlite:///{tmp_path / 'old.db'}"
        return
    raw = os.environ.get(POSTGRES_ENV)
    if not raw:
        pytest.skip(f"{POSTGRES_ENV} is not set")
    admin = Settings(database_url=raw).sqlalchemy_url
    name = f"ivr_mig_{os.getpid()}_{secrets.token_hex(3)}"
    await _admin(admin, f'CREATE DATABASE "{name}"')
    try:
        yield make_url(admin).set(database=name).render_as_string(hide_password=False)
    finally:
        await _admin(admin, f'DROP DATABASE "{name}" WITH (FORCE)')


async def _rows(url: str, query: str) -> list[tuple[object, ...]]:
    engine = create_async_engine(url)
    try:
        async with engine.connect() as conn:
            return [tuple(row) for row in await conn.execute(text(query))]
    finally:
        await engine.dispose()


async def _execute(url: str, *statements: str) -> None:
    engine = create_async_engine(url)
    try:
        async with engine.begin() as conn:
            for statement in statements:
                await conn.execute(text(statement))
    finally:
        await engine.dispose()


async def test_0004_keeps_the_history_and_gives_it_kinds(empty_url: str) -> None:
    config = alembic_config(empty_url)
    await asyncio.to_thread(command.upgrade, config, "0003")
    await _execute(empty_url, TICKET, EVENTS)
    await asyncio.to_thread(command.upgrade, config, "0004")
    assert await _rows(empty_url, "SELECT kind, by FROM ticket_events ORDER BY id") == [
        ("opened", "ivr"), ("status", "a1"), ("closed", "a1")]
    assert await _rows(
        empty_url, "SELECT number, owner, deadline_provisional FROM tickets"
    ) == [("C20261125-0001", None, False)]
    with pytest.raises(Exception, match=r"(?i)check"):  # the kinds are a closed set
        await _execute(empty_url, "UPDATE ticket_events SET kind = 'gossip'")
    await asyncio.to_thread(command.downgrade, config, "0003")
    assert await _rows(empty_url, "SELECT count(*) FROM ticket_events") == [(3,)]
