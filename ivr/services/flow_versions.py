"""Every version of every flow file that went into service: its text, who, when and how.

A version is kept only when a flow's text changed, so a reload caused by another file (a prompt,
another flow) adds nothing to this flow's history.
"""

from __future__ import annotations

import hashlib
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import UTC, datetime

from sqlalchemy import func, select

from ivr.db.models import FlowVersion
from ivr.db.session import Database

SOURCES = ("start", "reload", "edit", "rollback")


@dataclass(frozen=True)
class FlowText:
    """One flow's file as loaded: its name in the flows directory and its text."""

    file_name: str
    content: str


@dataclass(frozen=True)
class Version:
    id: int
    flow: str
    file_name: str
    content: str
    sha256: str
    author: str
    source: str
    set_version: str
    created_at: datetime


def _version(row: FlowVersion) -> Version:
    return Version(row.id, row.flow, row.file_name, row.content, row.sha256, row.author,
                   row.source, row.set_version, row.created_at)


def digest(content: str) -> str:
    return hashlib.sha256(content.encode()).hexdigest()


class FlowVersions:
    def __init__(self, db: Database) -> None:
        self._db = db

    async def record(
        self, flows: Mapping[str, FlowText], *, author: str, source: str, set_version: str,
        at: datetime | None = None,
    ) -> list[Version]:
        """Keep each flow whose text differs from its newest version; returns those kept."""
        if source not in SOURCES:
            raise ValueError(f"source must be one of {SOURCES}, not {source!r}")
        at = at or datetime.now(UTC)
        latest = await self._latest_digests()
        rows = [
            FlowVersion(flow=name, file_name=text.file_name, content=text.content,
                        sha256=digest(text.content), author=author[:100], source=source,
                        set_version=set_version, created_at=at)
            for name, text in sorted(flows.items())
            if latest.get(name) != digest(text.content)
        ]
        if rows:
            async with self._db.sessionmaker() as session, session.begin():
                session.add_all(rows)
        return [_version(r) for r in rows]

    async def _latest_digests(self) -> dict[str, str]:
        newest = (select(FlowVersion.flow, func.max(FlowVersion.id).label("id"))
                  .group_by(FlowVersion.flow).subquery())
        query = select(FlowVersion.flow, FlowVersion.sha256).join(
            newest, FlowVersion.id == newest.c.id)
        async with self._db.sessionmaker() as session:
            return {flow: sha for flow, sha in (await session.execute(query)).all()}

    async def latest(self) -> dict[str, Version]:
        """Each flow's newest version: what is in service, and who put it there when."""
        newest = (select(func.max(FlowVersion.id)).group_by(FlowVersion.flow)).scalar_subquery()
        query = select(FlowVersion).where(FlowVersion.id.in_(newest))
        async with self._db.sessionmaker() as session:
            return {r.flow: _version(r) for r in (await session.scalars(query)).all()}

    async def history(self, flow: str) -> list[Version]:
        """A flow's versions, newest first."""
        query = select(FlowVersion).where(FlowVersion.flow == flow).order_by(
            FlowVersion.id.desc())
        async with self._db.sessionmaker() as session:
            return [_version(r) for r in (await session.scalars(query)).all()]

    async def get(self, version_id: int) -> Version | None:
        async with self._db.sessionmaker() as session:
            row = await session.get(FlowVersion, version_id)
            return _version(row) if row is not None else None

    async def counts(self) -> dict[str, int]:
        query = select(FlowVersion.flow, func.count()).group_by(FlowVersion.flow)
        async with self._db.sessionmaker() as session:
            return {flow: n for flow, n in (await session.execute(query)).all()}
