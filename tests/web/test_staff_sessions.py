"""Staff sessions kept in the database: a restart of `ivr serve` signs nobody out, a shift idle
ends a session, signing out deletes it, and the table never holds a usable session id."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path

import aiohttp
from sqlalchemy import select

from ivr.app import Hotline, start_hotline
from ivr.db.models import StaffSession
from ivr.db.session import Database
from ivr.services.staff_sessions import StaffSessions
from ivr.services.users import Users
from ivr.speech.tts import SilentSynthesizer
from tests.hotline import hotline_settings
from tests.web.staff import PASSWORD, csrf_of, staff

__all__ = ["staff"]

T0 = datetime(2026, 12, 2, 8, 0, tzinfo=UTC)


class Clock:
    def __init__(self, now: datetime) -> None:
        self.now = now

    def __call__(self) -> datetime:
        return self.now


async def _rows(db: Database) -> list[StaffSession]:
    async with db.sessionmaker() as session:
        return list(await session.scalars(select(StaffSession)))


async def test_a_session_ends_after_a_shift_idle_and_at_sign_out(db: Database) -> None:
    await Users(db).add("duty", "supervisor", PASSWORD)
    clock = Clock(T0)
    store = StaffSessions(db, clock=clock)
    sid, signed = await store.create("duty")
    assert (signed.user, signed.role) == ("duty", "supervisor")
    (row,) = await _rows(db)
    assert row.id_sha256 != sid and sid not in row.id_sha256  # only a hash is kept

    clock.now += timedelta(hours=7, minutes=59)
    assert await store.get(sid) is not None
    clock.now += timedelta(hours=7, minutes=59)  # idle time counts from the last use
    again = await store.get(sid)
    assert again is not None and again.csrf == signed.csrf
    clock.now += timedelta(hours=8, minutes=1)
    assert await store.get(sid) is None
    assert await _rows(db) == []  # an expired session is deleted when met

    sid, _ = await store.create("duty")
    await store.drop(sid)
    assert await store.get(sid) is None and await _rows(db) == []
    assert await store.get("forged") is None and await store.get(None) is None

    for _ in range(2):
        await store.create("duty")
    clock.now += timedelta(hours=9)
    assert await store.purge() == 2 and await _rows(db) == []


async def test_a_restart_of_the_hotline_signs_nobody_out(
    db: Database, database_url: str, tmp_path: Path, staff: None
) -> None:
    settings = hotline_settings(database_url, tmp_path)
    jar = aiohttp.CookieJar(unsafe=True)

    async def start() -> tuple[Hotline, aiohttp.ClientSession]:
        running = await start_hotline(
            settings, synth=SilentSynthesizer(settings.prompt_cache_dir), watch=False)
        client = aiohttp.ClientSession(f"http://127.0.0.1:{running.http_port}", cookie_jar=jar)
        return running, client

    first, client = await start()
    try:
        async with client.get("/signin") as resp:
            csrf = csrf_of(await resp.text())
        form = {"name": "supervisor", "password": PASSWORD, "csrf": csrf}
        async with client.post("/signin", data=form, allow_redirects=False) as resp:
            assert resp.status == 303
        async with client.get("/wallboard", allow_redirects=False) as resp:
            assert resp.status == 200
    finally:
        await client.close()
        await first.close()

    second, client = await start()
    try:
        async with client.get("/wallboard", allow_redirects=False) as resp:
            assert resp.status == 200  # still signed in
            csrf = csrf_of(await resp.text())
        async with client.post("/signout", data={"csrf": csrf}, allow_redirects=False) as resp:
            assert resp.status == 303
        async with client.get("/wallboard", allow_redirects=False) as resp:
            assert resp.status == 303 and resp.headers["Location"].startswith("/signin")
        assert await _rows(db) == []
    finally:
        await client.close()
        await second.close()
