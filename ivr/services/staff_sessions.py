"""Staff sign-in sessions in the database, so a restart of `ivr serve` signs nobody out.

The cookie carries a random id; the table keeps only its SHA-256, so a copy of the table (a
backup, a replica) signs nobody in. Role and language are read from the user on every request:
disabling a user or changing their role takes effect at once.
"""

from __future__ import annotations

import hashlib
import secrets
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from sqlalchemy import delete, select, update

from ivr.db.enums import Language, Role
from ivr.db.models import StaffSession, WebUser
from ivr.db.session import Database

IDLE = timedelta(hours=8)  # one shift
# last_seen is written at most this often per session: a page polled every few seconds
# must not turn every request into a write.
TOUCH_EVERY = timedelta(minutes=1)


@dataclass
class SignedIn:
    user: str
    role: Role
    language: Language
    csrf: str


def _digest(sid: str) -> str:
    return hashlib.sha256(sid.encode()).hexdigest()


class StaffSessions:
    def __init__(self, db: Database, *, idle: timedelta = IDLE,
                 clock: Callable[[], datetime] = lambda: datetime.now(UTC)) -> None:
        self._db = db
        self._idle = idle
        self._clock = clock

    async def create(self, user_name: str) -> tuple[str, SignedIn]:
        """A new session for an enabled user: (the cookie's id, the session)."""
        sid, csrf, now = secrets.token_urlsafe(32), secrets.token_urlsafe(32), self._clock()
        async with self._db.sessionmaker() as session, session.begin():
            user = await session.scalar(select(WebUser).where(
                WebUser.name == user_name, WebUser.disabled_at.is_(None)))
            if user is None:
                raise LookupError(f"no enabled user {user_name!r}")
            session.add(StaffSession(id_sha256=_digest(sid), user_id=user.id, csrf=csrf,
                                     created_at=now, last_seen=now))
            signed = SignedIn(user.name, Role(user.role), Language(user.language), csrf)
        return sid, signed

    async def get(self, sid: str | None) -> SignedIn | None:
        """The session, if it exists, was used within the idle time and its user is enabled."""
        if not sid or len(sid) > 200:
            return None
        now = self._clock()
        key = _digest(sid)
        async with self._db.sessionmaker() as session, session.begin():
            found = (await session.execute(
                select(StaffSession, WebUser).join(WebUser, WebUser.id == StaffSession.user_id)
                .where(StaffSession.id_sha256 == key))).one_or_none()
            if found is None:
                return None
            row, user = found
            if now - row.last_seen > self._idle or user.disabled_at is not None:
                await session.execute(delete(StaffSession).where(StaffSession.id_sha256 == key))
                return None
            if now - row.last_seen >= TOUCH_EVERY:
                await session.execute(update(StaffSession).where(StaffSession.id_sha256 == key)
                                      .values(last_seen=now))
            return SignedIn(user.name, Role(user.role), Language(user.language), row.csrf)

    async def drop(self, sid: str | None) -> None:
        if sid:
            async with self._db.sessionmaker() as session, session.begin():
                await session.execute(
                    delete(StaffSession).where(StaffSession.id_sha256 == _digest(sid)))

    async def purge(self) -> int:
        """Delete the sessions idle past the limit; the number deleted."""
        async with self._db.sessionmaker() as session, session.begin():
            done = await session.execute(
                delete(StaffSession).where(StaffSession.last_seen < self._clock() - self._idle))
        return int(getattr(done, "rowcount", 0) or 0)
