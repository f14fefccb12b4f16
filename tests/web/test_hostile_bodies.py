"""Bodies built to break the JSON reader get a 400 that names the problem, never a 500."""

from __future__ import annotations

import aiohttp
import pytest

from ivr.app import Hotline
from ivr.db.session import Database
from ivr.services.tokens import Tokens

CASES = [
    (b"[" * 100_000 + b"]" * 100_000, "application/json", "nested too deeply"),
    (b'{"a": ' * 5000 + b"1" + b"}" * 5000, "application/json", "nested too deeply"),
    (b'{"id": "F-1", "n": ' + b"9" * 5000 + b"}", "application/json", "more than 18 digits"),
    (b'{"id": "F-1", "n": -' + b"9" * 30 + b"}", "application/json", "more than 18 digits"),
    (b'{"id": "F-1"}', "application/json; charset=x-no-such-charset", "unknown charset"),
    (b'{"id": "\xff"}', "application/json; charset=utf-8", "not valid utf-8"),
]


@pytest.mark.parametrize("body,content_type,problem", CASES,
                         ids=["deep-list", "deep-object", "5000-digits", "negative-30-digits",
                              "charset", "bad-utf8"])
@pytest.mark.parametrize("path", ["/api/outages", "/api/tickets/R20261125-0001/close"])
async def test_a_hostile_body_is_a_400_naming_the_problem(
    hotline: Hotline, db: Database, path: str, body: bytes, content_type: str, problem: str
) -> None:
    token = await Tokens(db).create("admin", "test-admin")
    url = f"http://127.0.0.1:{hotline.http_port}{path}"
    headers = {"Authorization": f"Bearer {token}", "Content-Type": content_type}
    async with aiohttp.ClientSession() as session, session.post(
        url, data=body, headers=headers
    ) as resp:
        assert resp.status == 400
        answer = await resp.json()
    assert problem in answer["error"].lower()
