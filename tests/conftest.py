"""Shared fixtures: a migrated database, on SQLite always and on PostgreSQL when available.

`db` is parametrized, so every test that uses it runs once per database. SQLite: each test gets
a copy of one file migrated with Alembic at the start of the session. PostgreSQL (set
IVR_TEST_POSTGRES_URL, e.g. postgresql://postgres@127.0.0.1:5432/test): a fresh database is
created and migrated for the session, emptied before each test, and dropped at the end.
"""

from __future__ import annotations

import asyncio
import os
import secrets
import shutil
from collections.abc import AsyncIterator, Awaitable, Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import text
from sqlalchemy.engine import make_url
from sqlalchemy.ext.asyncio import create_async_engine

from ivr.config import Settings
from ivr.db.migrate import upgrade_database
from ivr.db.models import Base, Customer
from ivr.db.session import Database

POSTGRES_ENV = "IVR_TEST_POSTGRES_URL"
# A running hotline and the PBX simulator to call it, for the flow and API tests.
pytest_plugins = ["tests.hotline", "tests.ami_hotline", "tests.faults.spawn"]


@pytest.fixture(scope="session")
def sqlite_template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("db-template") / "ivr.db"
    upgrade_database(f"sqlite+aiosqlite:///{path}")
    return path


async def _admin(url: str, statement: str) -> None:
    engine = create_async_engine(url, isolation_level="AUTOCOMMIT")
    try:
        async with engine.connect() as conn:
            await conn.execute(text(statement))
    finally:
        await engine.dispose()


@pytest.fixture(scope="session")
def postgres_url() -> Iterator[str]:
    raw = os.environ.get(POSTGRES_ENV)
    if not raw:
        pytest.skip(f"{POSTGRES_ENV} is not set: the PostgreSQL variant is not run")
    admin_url = Settings(database_url=raw).sqlalchemy_url
    name = f"ivr_test_{os.getpid()}_{secrets.token_hex(3)}"
    asyncio.run(_admin(admin_url, f'CREATE DATABASE "{name}"'))
    url = make_url(admin_url).set(database=name).render_as_string(hide_password=False)
    try:
        upgrade_database(url)
        yield url
    finally:
        asyncio.run(_admin(admin_url, f'DROP DATABASE "{name}" WITH (FORCE)'))


@pytest.fixture(params=["sqlite", pytest.param("postgresql", marks=pytest.mark.postgres)])
def database_url(request: pytest.FixtureRequest, tmp_path: Path) -> str:
    """The async URL of a migrated, empty database (a fresh one per test)."""
    if request.param == "sqlite":
        path = tmp_path / "ivr.db"
        shutil.copyfile(request.getfixturevalue("sqlite_template"), path)
        return f"sqlite+aiosqlite:///{path}"
    url: str = request.getfixturevalue("postgres_url")
    return url


@pytest.fixture
async def db(database_url: str) -> AsyncIterator[Database]:
    database = Database.from_url(database_url)
    if database.dialect == "postgresql":
        tables = ", ".join(f'"{t.name}"' for t in Base.metadata.sorted_tables)
        async with database.engine.begin() as conn:
            await conn.execute(text(f"TRUNCATE {tables} RESTART IDENTITY CASCADE"))
    yield database
    await database.close()


CustomerFactory = Callable[..., Awaitable[Customer]]


@pytest.fixture
def add_customer(db: Database) -> CustomerFactory:
    """Insert a customer; keyword arguments override the defaults."""

    async def add(**overrides: Any) -> Customer:
        values: dict[str, Any] = {
            "account": "5100012345",
            "name": "张伟",
            "phone": "+8613800138000",
            "address": "江宁市城东建设路12号",
            "area": "城东",
            "transformer": "城东-1号变",
            "customer_class": "residential",
            "key_customer": False,
            "manager_phone": None,
            "language": "zh-CN",
        } | overrides
        customer = Customer(**values)
        async with db.sessionmaker() as session, session.begin():
            session.add(customer)
        return customer

    return add
