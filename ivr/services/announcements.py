"""Emergency announcements (storm days): dispatch or a supervisor switches one on for some
areas or for everyone, in every language, with an expiry; callers of those areas hear it right
after the greeting.

Calls read the active announcements from a copy refreshed every few seconds (a storm's callers
must not each cost a query); a change made through this process is seen at once, one made by
another process (or the CLI) within `REFRESH_SECONDS`.

The calls per area are counted here too (in this process's memory: each IVR instance alarms on
its own share of the load), so supervisors are alerted when an area passes a threshold per
minute and offered an announcement drafted from the area's active outage.
"""

from __future__ import annotations

import time as monotonic_time
from collections import deque
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta, tzinfo
from typing import Any

from sqlalchemy import select

from ivr.db.enums import Language
from ivr.db.models import Announcement
from ivr.db.session import Database
from ivr.services.errors import Conflict, NotFound, ValidationError
from ivr.services.outages import OutageInfo

LANGUAGES = tuple(language.value for language in Language)
PARTS = ("what", "doing")
MAX_TEXT = 300  # characters of one part: said in well under a minute
MAX_AREAS = 100
MAX_HOURS = 72  # a storm announcement older than three days is stale: switch on a new one
REFRESH_SECONDS = 5.0
RATE_WINDOW = timedelta(minutes=1)


@dataclass(frozen=True)
class AnnouncementInput:
    texts: Mapping[str, Mapping[str, str]]  # language -> {"what": ..., "doing": ...}
    expires_at: datetime
    areas: Sequence[str] = ()  # empty: everyone
    next_update_at: datetime | None = None
    outage_id: str | None = None


@dataclass(frozen=True)
class AnnouncementInfo:
    id: int
    areas: tuple[str, ...]
    texts: Mapping[str, Mapping[str, str]]
    next_update_at: datetime | None
    expires_at: datetime
    outage_id: str | None
    created_at: datetime
    created_by: str
    ended_at: datetime | None
    ended_by: str | None

    @property
    def everyone(self) -> bool:
        return not self.areas

    def active(self, now: datetime) -> bool:
        return self.ended_at is None and self.expires_at > now

    def reaches(self, area: str | None) -> bool:
        """Everyone-announcements reach every caller; area ones only callers known there."""
        return self.everyone or (area is not None and area in self.areas)


def _texts(raw: Mapping[str, Mapping[str, str]]) -> dict[str, dict[str, str]]:
    """Every language's what and doing, each one line (as it is spoken)."""
    for language in raw:
        if language not in LANGUAGES:
            raise ValidationError(f"texts.{language}", f"unknown language (languages: "
                                                       f"{', '.join(LANGUAGES)})")
    texts: dict[str, dict[str, str]] = {}
    for language in LANGUAGES:
        parts = raw.get(language)
        if not isinstance(parts, Mapping):
            raise ValidationError(f"texts.{language}", "required: every caller's language")
        unknown = sorted(set(parts) - set(PARTS))
        if unknown:
            raise ValidationError(f"texts.{language}.{unknown[0]}", "unknown (parts: what, doing)")
        texts[language] = {part: _part(parts.get(part), f"texts.{language}.{part}")
                           for part in PARTS}
    return texts


def _part(value: object, name: str) -> str:
    if not isinstance(value, str) or not value.strip():
        raise ValidationError(name, "required, not empty")
    if len(value) > MAX_TEXT:
        raise ValidationError(name, f"at most {MAX_TEXT} characters")
    # One line, as it is spoken; the prompt puts the full stop after it.
    return " ".join(value.split()).rstrip("。．.!！;；,，、 ")


def validate_announcement(data: AnnouncementInput, now: datetime) -> AnnouncementInput:
    texts = _texts(data.texts)
    areas = sorted({a.strip() for a in data.areas})
    if len(areas) > MAX_AREAS or any(not a or len(a) > 100 for a in areas):
        raise ValidationError("areas", f"up to {MAX_AREAS} area names of 1-100 characters")
    if data.expires_at <= now:
        raise ValidationError("expires_at", "must be in the future")
    if data.expires_at > now + timedelta(hours=MAX_HOURS):
        raise ValidationError("expires_at", f"at most {MAX_HOURS} hours ahead")
    if data.next_update_at is not None and not now < data.next_update_at <= data.expires_at:
        raise ValidationError("next_update_at", "must be in the future, not after expires_at")
    return AnnouncementInput(texts, data.expires_at, tuple(areas), data.next_update_at,
                             data.outage_id)


def announcement_info(row: Announcement) -> AnnouncementInfo:
    return AnnouncementInfo(
        id=row.id, areas=tuple(row.areas), texts=row.texts, next_update_at=row.next_update_at,
        expires_at=row.expires_at, outage_id=row.outage_id, created_at=row.created_at,
        created_by=row.created_by, ended_at=row.ended_at, ended_by=row.ended_by,
    )


@dataclass
class AreaCallRate:
    """Calls per area over the last minute, counted as identified callers arrive."""

    window: timedelta = RATE_WINDOW
    _hits: dict[str, deque[datetime]] = field(default_factory=dict)

    def hit(self, area: str, now: datetime) -> None:
        hits = self._hits.setdefault(area, deque())
        hits.append(now)
        self._drop_old(hits, now)

    def per_minute(self, now: datetime) -> dict[str, int]:
        counts = {}
        for area, hits in list(self._hits.items()):
            self._drop_old(hits, now)
            if hits:
                counts[area] = len(hits)
            else:
                del self._hits[area]
        return counts

    def _drop_old(self, hits: deque[datetime], now: datetime) -> None:
        while hits and hits[0] <= now - self.window:
            hits.popleft()


class Announcements:
    def __init__(self, db: Database, refresh_seconds: float = REFRESH_SECONDS) -> None:
        self._db = db
        self._refresh = refresh_seconds
        self._cached: tuple[float, list[AnnouncementInfo]] | None = None
        self.rate = AreaCallRate()

    async def create(self, data: AnnouncementInput, by: str,
                     now: datetime | None = None) -> AnnouncementInfo:
        now = now or datetime.now(UTC)
        data = validate_announcement(data, now)
        async with self._db.sessionmaker() as session, session.begin():
            row = Announcement(
                areas=list(data.areas), texts={k: dict(v) for k, v in data.texts.items()},
                next_update_at=data.next_update_at, expires_at=data.expires_at,
                outage_id=data.outage_id, created_at=now, created_by=by[:100],
            )
            session.add(row)
            await session.flush()
            info = announcement_info(row)
        self._cached = None
        return info

    async def end(self, announcement_id: int, by: str,
                  now: datetime | None = None) -> AnnouncementInfo:
        now = now or datetime.now(UTC)
        async with self._db.sessionmaker() as session, session.begin():
            row = await session.get(Announcement, announcement_id, with_for_update=True)
            if row is None:
                raise NotFound(f"announcement {announcement_id}")
            if row.ended_at is not None or row.expires_at <= now:
                raise Conflict(f"announcement {announcement_id} is no longer on")
            row.ended_at, row.ended_by = now, by[:100]
            await session.flush()
            info = announcement_info(row)
        self._cached = None
        return info

    async def get(self, announcement_id: int) -> AnnouncementInfo | None:
        async with self._db.sessionmaker() as session:
            row = await session.get(Announcement, announcement_id)
            return announcement_info(row) if row is not None else None

    async def recent(self, now: datetime | None = None,
                   since: timedelta = timedelta(days=7)) -> list[AnnouncementInfo]:
        """On now, and those that ended or expired within `since`, newest first."""
        now = now or datetime.now(UTC)
        query = (select(Announcement)
                 .where(Announcement.expires_at > now - since)
                 .order_by(Announcement.created_at.desc(), Announcement.id.desc()))
        async with self._db.sessionmaker() as session:
            return [announcement_info(row) for row in await session.scalars(query)]

    async def active(self, now: datetime | None = None,
                     force: bool = False) -> list[AnnouncementInfo]:
        """On now, oldest first (the order callers hear them); from the copy kept a few
        seconds unless `force`."""
        now = now or datetime.now(UTC)
        tick = monotonic_time.monotonic()
        if force or self._cached is None or tick - self._cached[0] >= self._refresh:
            query = (select(Announcement)
                     .where(Announcement.ended_at.is_(None), Announcement.expires_at > now)
                     .order_by(Announcement.created_at, Announcement.id))
            async with self._db.sessionmaker() as session:
                rows = [announcement_info(row) for row in await session.scalars(query)]
            self._cached = (tick, rows)
        return [a for a in self._cached[1] if a.active(now)]

    async def for_caller(self, area: str | None,
                         now: datetime | None = None) -> list[AnnouncementInfo]:
        return [a for a in await self.active(now) if a.reaches(area)]


# A draft is a starting point for dispatch to correct, in every language, from what the
# outage record says; it is switched on only when someone posts it.
_DRAFT: dict[str, dict[str, str]] = {
    "zh-CN": {"what": "{areas}发生停电{cause}", "doing": "抢修人员正在全力抢修{eta}"},
    "en-US": {"what": "There is a power outage in {areas}{cause}",
              "doing": "Our crews are working to restore power{eta}"},
}
_DRAFT_PARTS: dict[str, dict[str, str]] = {
    "zh-CN": {"cause": "，原因是{0}", "eta": "，预计{0}恢复供电", "sep": "、",
              "at": "%m月%d日%H点%M分"},
    "en-US": {"cause": ", caused by {0}", "eta": ", expected by {0}", "sep": ", ",
              "at": "%H:%M on %d %B"},
}
DRAFT_NEXT_UPDATE = timedelta(hours=1)


def draft_from_outage(outage: OutageInfo, area: str, now: datetime,
                      tz: tzinfo) -> dict[str, Any]:
    """An announcement for `area` drafted from its outage: what, what is being done, the next
    update in an hour, expiring at the estimated restoration (or in six hours)."""
    texts: dict[str, dict[str, str]] = {}
    eta = outage.restore_eta
    for language, template in _DRAFT.items():
        parts = _DRAFT_PARTS[language]
        cause = parts["cause"].format(outage.cause.strip()) if outage.cause.strip() else ""
        eta_said = (parts["eta"].format(eta.astimezone(tz).strftime(parts["at"]))
                    if eta is not None and eta > now else "")
        texts[language] = {
            "what": template["what"].format(areas=area, cause=cause),
            "doing": template["doing"].format(eta=eta_said),
        }
    expires = eta + timedelta(hours=1) if eta is not None and eta > now else now + timedelta(
        hours=6)
    expires = min(expires, now + timedelta(hours=MAX_HOURS))  # postable as drafted
    next_update = min(now + DRAFT_NEXT_UPDATE, expires)
    return {
        "areas": [area], "texts": texts, "outage_id": outage.id,
        "next_update_at": next_update.isoformat(), "expires_at": expires.isoformat(),
    }


def no_current_outage(area: str) -> Conflict:
    return Conflict(f"no active outage in area {area!r} to draft from")

