"""Staff who sign in to the pages: a user per role and an HTTP session holding its cookie."""

from __future__ import annotations

import re
from collections.abc import AsyncIterator, Awaitable, Callable

import aiohttp
import pytest

from ivr.app import Hotline
from ivr.db.session import Database
from ivr.services.users import Users

PASSWORD = "correct horse battery"
ROLES = ("agent", "supervisor", "survey", "dispatch", "admin")
SignIn = Callable[[str], Awaitable[aiohttp.ClientSession]]


def csrf_of(html: str) -> str:
    found = re.search(r'name="csrf" value="([^"]+)"', html)
    assert found, "the page has no CSRF field"
    return found.group(1)


@pytest.fixture
async def staff(db: Database) -> None:
    """A user per role, named after the role (the agent is agent 1001, as the demo's)."""
    users = Users(db)
    for role in ROLES:
        await users.add("1001" if role == "agent" else role, role, PASSWORD)


@pytest.fixture
async def sign_in(hotline: Hotline, staff: None) -> AsyncIterator[SignIn]:
    """`await sign_in(role)`: an aiohttp session signed in as that role's user."""
    sessions: list[aiohttp.ClientSession] = []
    base = f"http://127.0.0.1:{hotline.http_port}"

    async def go(role: str) -> aiohttp.ClientSession:
        client = aiohttp.ClientSession(base, cookie_jar=aiohttp.CookieJar(unsafe=True))
        sessions.append(client)
        async with client.get("/signin") as resp:
            csrf = csrf_of(await resp.text())
        form = {"name": "1001" if role == "agent" else role, "password": PASSWORD, "csrf": csrf}
        async with client.post("/signin", data=form, allow_redirects=False) as resp:
            assert resp.status == 303, await resp.text()
        return client

    yield go
    for client in sessions:
        await client.close()
