"""API bearer tokens: shown once when created, stored only as their SHA-256."""

from __future__ import annotations

import hashlib
import secrets
from dataclasses import dataclass
from datetime import UTC, datetime

from sqlalchemy import select

from ivr.db.enums import Role
from ivr.db.models import ApiToken
from ivr.db.session import Database
from ivr.services.errors import NotFound, ValidationError, parse_choice

TOKEN_PREFIX = "ivr_"


@dataclass(frozen=True)
class Principal:
    name: str
    role: Role


def _digest(token: str) -> str:
    # Tokens carry 256 random bits, so a plain hash is enough: there is nothing to brute-force.
    return hashlib.sha256(token.encode("utf-8")).hexdigest()


class Tokens:
    def __init__(self, db: Database) -> None:
        self._db = db

    async def create(self, role: Role | str, name: str) -> str:
        """A new token for `name` with `role`; the only time the token itself is seen."""
        parsed = parse_choice(Role, "role", role)
        name = name.strip()
        if not name or len(name) > 100:
            raise ValidationError("name", "1-100 characters expected")
        token = TOKEN_PREFIX + secrets.token_urlsafe(32)
        async with self._db.sessionmaker() as session, session.begin():
            existing = await session.scalar(
                select(ApiToken.id).where(ApiToken.name == name, ApiToken.revoked_at.is_(None))
            )
            if existing is not None:
                raise ValidationError("name", f"a token named {name!r} exists: revoke it first")
            session.add(
                ApiToken(
                    name=name,
                    role=parsed,
                    token_sha256=_digest(token),
                    created_at=datetime.now(UTC),
                )
            )
        return token

    async def authenticate(self, token: str) -> Principal | None:
        """Who holds `token`, or None for an unknown or revoked token."""
        if not token.startswith(TOKEN_PREFIX) or len(token) > 200:
            return None
        async with self._db.sessionmaker() as session:
            row = await session.scalar(
                select(ApiToken).where(
                    ApiToken.token_sha256 == _digest(token), ApiToken.revoked_at.is_(None)
                )
            )
            return Principal(name=row.name, role=Role(row.role)) if row is not None else None

    async def revoke(self, name: str) -> None:
        """Revoke the live token named `name`. Raises `NotFound`."""
        async with self._db.sessionmaker() as session, session.begin():
            rows = list(
                await session.scalars(
                    select(ApiToken).where(ApiToken.name == name, ApiToken.revoked_at.is_(None))
                )
            )
            if not rows:
                raise NotFound(f"no live token named {name!r}")
            for row in rows:
                row.revoked_at = datetime.now(UTC)
