"""Calling the running hotline's API over real HTTP, with a token per role."""

from __future__ import annotations

from collections.abc import AsyncIterator, Awaitable, Callable
from typing import Any

import aiohttp
import pytest

from ivr.app import Hotline
from ivr.db.session import Database
from ivr.services.tokens import Tokens

Request = Callable[..., Awaitable[tuple[int, Any]]]


@pytest.fixture
async def api(hotline: Hotline, db: Database) -> AsyncIterator[Request]:
    """`await api(method, path, role=None, json=None)` -> (status, body)."""
    tokens = {
        role: await Tokens(db).create(role, f"test-{role}")
        for role in ("agent", "supervisor", "survey", "dispatch", "admin")
    }
    base = f"http://127.0.0.1:{hotline.http_port}"
    async with aiohttp.ClientSession() as session:

        async def request(
            method: str, path: str, role: str | None = None, token: str | None = None, **kwargs: Any
        ) -> tuple[int, Any]:
            headers = {}
            if role or token:
                headers["Authorization"] = f"Bearer {token or tokens[role or '']}"
            async with session.request(method, base + path, headers=headers, **kwargs) as resp:
                body = await resp.json() if resp.content_type == "application/json" else None
                return resp.status, body

        yield request
