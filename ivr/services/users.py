"""Staff who sign in to the web pages: name, role, argon2 password hash, page language."""

from __future__ import annotations

import asyncio
from dataclasses import dataclass
from datetime import UTC, datetime

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from sqlalchemy import select
from sqlalchemy.exc import IntegrityError

from ivr.db.enums import Language, Role
from ivr.db.models import WebUser
from ivr.db.session import Database
from ivr.services.errors import NotFound, ValidationError, parse_choice

MIN_PASSWORD = 8
_HASHER = PasswordHasher()
# Verified against when the name is unknown, so a wrong name costs as long as a wrong password.
_DUMMY_HASH = _HASHER.hash("not a password of anyone")


@dataclass(frozen=True)
class User:
    name: str
    role: Role
    language: Language


class Users:
    def __init__(self, db: Database) -> None:
        self._db = db

    async def add(
        self, name: str, role: Role | str, password: str, language: Language | str = Language.ZH_CN
    ) -> User:
        parsed = parse_choice(Role, "role", role)
        lang = parse_choice(Language, "language", language)
        name = name.strip()
        if not name or len(name) > 100:
            raise ValidationError("name", "1-100 characters expected")
        if len(password) < MIN_PASSWORD:
            raise ValidationError("password", f"at least {MIN_PASSWORD} characters expected")
        digest = await asyncio.to_thread(_HASHER.hash, password)  # ~50 ms of CPU: off the loop
        try:
            async with self._db.sessionmaker() as session, session.begin():
                session.add(
                    WebUser(
                        name=name,
                        role=parsed,
                        password_hash=digest,
                        language=lang.value,
                        created_at=datetime.now(UTC),
                    )
                )
        except IntegrityError:
            raise ValidationError("name", f"a user named {name!r} exists") from None
        return User(name, parsed, lang)

    async def authenticate(self, name: str, password: str) -> User | None:
        """The user, when `password` is theirs and they are not disabled; None otherwise."""
        async with self._db.sessionmaker() as session:
            row = await session.scalar(select(WebUser).where(WebUser.name == name.strip()))
        digest = row.password_hash if row is not None else _DUMMY_HASH
        try:
            await asyncio.to_thread(_HASHER.verify, digest, password)
        except (VerificationError, InvalidHashError):
            return None
        if row is None or row.disabled_at is not None:
            return None
        return User(row.name, Role(row.role), Language(row.language))

    async def get(self, name: str) -> User | None:
        async with self._db.sessionmaker() as session:
            row = await session.scalar(select(WebUser).where(WebUser.name == name))
        if row is None or row.disabled_at is not None:
            return None
        return User(row.name, Role(row.role), Language(row.language))

    async def set_language(self, name: str, language: Language | str) -> None:
        lang = parse_choice(Language, "language", language)
        async with self._db.sessionmaker() as session, session.begin():
            row = await session.scalar(select(WebUser).where(WebUser.name == name))
            if row is None:
                raise NotFound(f"no user {name!r}")
            row.language = lang.value
