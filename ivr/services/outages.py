"""Outages: what dispatch has told the hotline, and which of it concerns a given customer.

The rules callers hear:
- *current* (`active`): status `active`, or status `scheduled` whose start has passed and whose
  restoration time has not (planned work begins on time whether or not dispatch flips the
  status). A `restored` outage is never current.
- *planned soon*: status `scheduled`, starting within the next `PLANNED_HORIZON` (7 days, the
  general practice for announcing planned maintenance).
An outage covers a customer when it lists the customer's area or the customer's transformer.
"""

from __future__ import annotations

import builtins
import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime, timedelta
from typing import Any

from sqlalchemy import Connection, Row, bindparam, delete, or_, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from ivr.db.enums import OutageKind, OutageStatus
from ivr.db.models import Outage, OutageArea, OutageTransformer
from ivr.db.session import Database
from ivr.services.customers import CustomerInfo
from ivr.services.errors import Conflict, NotFound, ValidationError, parse_choice
from ivr.services.outage_notices import NoticePlan, add_outage_notices

PLANNED_HORIZON = timedelta(days=7)
_ID = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_.:-]{0,63}$")


@dataclass(frozen=True)
class OutageInfo:
    id: str
    kind: OutageKind
    areas: tuple[str, ...]
    transformers: tuple[str, ...]
    starts_at: datetime
    restore_eta: datetime | None  # None: dispatch has not given one yet
    cause: str
    status: OutageStatus
    restored_at: datetime | None
    updated_at: datetime
    # Set when this posting asked for notices: when they are due, how many cannot be in time.
    notice: NoticePlan | None = None


@dataclass(frozen=True)
class OutageReport:
    active: list[OutageInfo]
    planned_soon: list[OutageInfo]


@dataclass(frozen=True)
class OutageInput:
    """An outage as dispatch or a CSV file states it. Validated by `validate_outage`."""

    id: str
    kind: OutageKind | str
    starts_at: datetime
    restore_eta: datetime | None
    status: OutageStatus | str
    areas: Sequence[str] = field(default_factory=tuple)
    transformers: Sequence[str] = field(default_factory=tuple)
    cause: str = ""


def outage_info(row: Outage) -> OutageInfo:
    return OutageInfo(
        id=row.id,
        kind=OutageKind(row.kind),
        areas=tuple(a.area for a in row.areas),
        transformers=tuple(t.transformer for t in row.transformers),
        starts_at=row.starts_at,
        restore_eta=row.restore_eta,
        cause=row.cause,
        status=OutageStatus(row.status),
        restored_at=row.restored_at,
        updated_at=row.updated_at,
    )


def _names(values: Iterable[str], field_name: str) -> tuple[str, ...]:
    names = sorted({v.strip() for v in values if v.strip()})
    for name in names:
        if len(name) > 100:
            raise ValidationError(field_name, f"{name[:20]!r}...: longer than 100 characters")
    return tuple(names)


def validate_outage(data: OutageInput) -> OutageInput:
    """`data` with enums parsed and lists cleaned; `ValidationError` naming the first bad field."""
    if not _ID.match(data.id or ""):
        raise ValidationError("id", "1-64 letters, digits, '_', '.', ':' or '-' expected")
    kind = parse_choice(OutageKind, "kind", data.kind)
    status = parse_choice(OutageStatus, "status", data.status)
    areas = _names(data.areas, "areas")
    transformers = _names(data.transformers, "transformers")
    if not areas and not transformers:
        raise ValidationError("areas", "an outage must cover at least one area or transformer")
    if not isinstance(data.starts_at, datetime) or data.starts_at.tzinfo is None:
        raise ValidationError("starts_at", "a date and time with a UTC offset is needed")
    if data.restore_eta is not None:
        if not isinstance(data.restore_eta, datetime) or data.restore_eta.tzinfo is None:
            raise ValidationError("restore_eta", "a date and time with a UTC offset is needed")
        if data.restore_eta <= data.starts_at:
            raise ValidationError("restore_eta", "must be later than starts_at")
    return OutageInput(
        id=data.id,
        kind=kind,
        starts_at=data.starts_at,
        restore_eta=data.restore_eta,
        status=status,
        areas=areas,
        transformers=transformers,
        cause=data.cause.strip(),
    )


async def upsert_outage(
    session: AsyncSession, data: OutageInput, now: datetime
) -> tuple[OutageInfo, bool]:
    """Insert or replace an outage inside the caller's transaction; True when it was new."""
    data = validate_outage(data)
    row = await session.get(Outage, data.id)
    created = row is None
    before = None if row is None else (row.starts_at, row.restore_eta)
    if row is None:
        row = Outage(id=data.id)
        session.add(row)
    else:
        # Replace coverage wholesale: dispatch sends the outage's full extent each time.
        await session.execute(delete(OutageArea).where(OutageArea.outage_id == data.id))
        await session.execute(
            delete(OutageTransformer).where(OutageTransformer.outage_id == data.id)
        )
        await session.flush()
        await session.refresh(row, ["areas", "transformers"])
    status = OutageStatus(data.status)
    row.kind = OutageKind(data.kind)
    row.starts_at = data.starts_at
    row.restore_eta = data.restore_eta
    row.cause = data.cause
    if status is OutageStatus.RESTORED and row.status != OutageStatus.RESTORED:
        row.restored_at = now
    elif status is not OutageStatus.RESTORED:
        row.restored_at = None
    row.status = status
    row.updated_at = now
    row.areas = [OutageArea(area=a) for a in data.areas]
    row.transformers = [OutageTransformer(transformer=t) for t in data.transformers]
    await session.flush()
    # Key and own-transformer customers are told individually, in this same transaction.
    plan = await add_outage_notices(
        session, session.get_bind().dialect.name, row.id, row.kind, status, row.starts_at,
        row.restore_eta, tuple(data.areas), tuple(data.transformers), now, before)
    return replace(outage_info(row), notice=plan), created


def same_outage(stored: OutageInfo, data: OutageInput) -> bool:
    """True when `data` (validated) states exactly what is stored: sending it changes nothing."""
    return (
        stored.kind == data.kind
        and stored.status == data.status
        and stored.starts_at == data.starts_at
        and stored.restore_eta == data.restore_eta
        and stored.cause == data.cause
        and stored.areas == tuple(data.areas)
        and stored.transformers == tuple(data.transformers)
    )


# The outage check of every identified call, built once: Core selects of the columns (no ORM
# objects) whose compiled form SQLAlchemy's cache finds by the statement's memoised key. The
# same three statements as loading the outages with their areas and transformers; one when
# nothing covers the premises.
_OUTAGE_COLUMNS = (Outage.id, Outage.kind, Outage.starts_at, Outage.restore_eta, Outage.cause,
                   Outage.status, Outage.restored_at, Outage.updated_at)
_COVERING = (
    select(*_OUTAGE_COLUMNS)
    .where(or_(
        Outage.id.in_(select(OutageArea.outage_id).where(OutageArea.area == bindparam("area"))),
        Outage.id.in_(select(OutageTransformer.outage_id)
                      .where(OutageTransformer.transformer == bindparam("transformer")))))
    .where(Outage.status != OutageStatus.RESTORED)
    .where(Outage.starts_at <= bindparam("horizon", type_=Outage.starts_at.type))
    .order_by(Outage.starts_at))
_AREAS_OF = (select(OutageArea.outage_id, OutageArea.area)
             .where(OutageArea.outage_id.in_(bindparam("ids", expanding=True)))
             .order_by(OutageArea.area))
_TRANSFORMERS_OF = (select(OutageTransformer.outage_id, OutageTransformer.transformer)
                    .where(OutageTransformer.outage_id.in_(bindparam("ids", expanding=True)))
                    .order_by(OutageTransformer.transformer))


def _outage_of_row(row: Row[*tuple[Any, ...]], areas: dict[str, list[str]],
                   transformers: dict[str, list[str]]) -> OutageInfo:
    return OutageInfo(
        id=row.id, kind=OutageKind(row.kind), areas=tuple(areas.get(row.id, ())),
        transformers=tuple(transformers.get(row.id, ())), starts_at=row.starts_at,
        restore_eta=row.restore_eta, cause=row.cause, status=OutageStatus(row.status),
        restored_at=row.restored_at, updated_at=row.updated_at)


class Outages:
    def __init__(self, db: Database) -> None:
        self._db = db

    def clear(self) -> None:
        """Forget cached answers (another process changed the outages); nothing cached here."""

    async def affecting(self, customer: CustomerInfo, now: datetime | None = None) -> OutageReport:
        """Current outages covering the customer's premises, and planned ones starting soon."""
        now = now or datetime.now(UTC)
        horizon = now + PLANNED_HORIZON

        def read(conn: Connection) -> list[OutageInfo]:  # one hand-off for all three reads
            areas: dict[str, list[str]] = {}
            transformers: dict[str, list[str]] = {}
            found = conn.execute(_COVERING, {
                "area": customer.area, "transformer": customer.transformer,
                "horizon": horizon}).all()
            if found:
                ids = {"ids": [row.id for row in found]}
                for outage_id, area in conn.execute(_AREAS_OF, ids):
                    areas.setdefault(outage_id, []).append(area)
                for outage_id, transformer in conn.execute(_TRANSFORMERS_OF, ids):
                    transformers.setdefault(outage_id, []).append(transformer)
            return [_outage_of_row(row, areas, transformers) for row in found]

        rows = await self._db.reads.run(read)
        active = [o for o in rows if _is_current(o, now)]
        planned = [o for o in rows if o.status is OutageStatus.SCHEDULED and o.starts_at > now]
        return OutageReport(active=active, planned_soon=planned)

    async def find_active_for(
        self, customer: CustomerInfo, now: datetime | None = None
    ) -> OutageInfo | None:
        """The current outage to link a repair report to: a transformer-level one first."""
        return outage_to_link(await self.affecting(customer, now), customer)

    async def get(self, outage_id: str) -> OutageInfo | None:
        async with self._db.sessionmaker() as session:
            row = await session.get(Outage, outage_id)
            return outage_info(row) if row is not None else None

    async def upsert(self, data: OutageInput, now: datetime | None = None) -> OutageInfo:
        """Create or update an outage (the dispatch feed). Raises `ValidationError`."""
        try:
            async with self._db.sessionmaker() as session, session.begin():
                info, _ = await upsert_outage(session, data, now or datetime.now(UTC))
        except IntegrityError:
            # Two sends of a new outage raced (dispatch retries): the other one created it, so
            # this one is an update now.
            async with self._db.sessionmaker() as session, session.begin():
                info, _ = await upsert_outage(session, data, now or datetime.now(UTC))
        return info

    async def create(self, data: OutageInput, now: datetime | None = None) -> OutageInfo:
        """Create a new outage. Raises `ValidationError`, and `Conflict` when the id exists
        (another request created it first: exactly one of racing creations wins)."""
        try:
            async with self._db.sessionmaker() as session, session.begin():
                info, created = await upsert_outage(session, data, now or datetime.now(UTC))
                if not created:
                    raise Conflict(f"outage {data.id!r} already exists")
        except IntegrityError:
            raise Conflict(f"outage {data.id!r} was created by another request meanwhile") from None
        return info

    async def restore(self, outage_id: str, at: datetime | None = None) -> OutageInfo:
        """Mark an outage restored at `at`. Raises `NotFound`."""
        at = at or datetime.now(UTC)
        if at.tzinfo is None:
            raise ValidationError("restored_at", "a date and time with a UTC offset is needed")
        async with self._db.sessionmaker() as session, session.begin():
            row = await session.get(Outage, outage_id)
            if row is None:
                raise NotFound(f"no outage {outage_id!r}")
            row.status = OutageStatus.RESTORED
            row.restored_at = at
            row.updated_at = at
            await session.flush()
            return outage_info(row)

    async def list(
        self, area: str | None = None, status: OutageStatus | str | None = None
    ) -> builtins.list[OutageInfo]:
        """Outages, newest start first, optionally only those in `area` and/or with `status`."""
        query = select(Outage).order_by(Outage.starts_at.desc(), Outage.id)
        if area is not None:
            query = query.where(
                Outage.id.in_(select(OutageArea.outage_id).where(OutageArea.area == area))
            )
        if status is not None:
            query = query.where(Outage.status == parse_choice(OutageStatus, "status", status))
        async with self._db.sessionmaker() as session:
            return [outage_info(row) for row in await session.scalars(query)]


def _is_current(outage: OutageInfo, now: datetime) -> bool:
    if outage.status is OutageStatus.ACTIVE:
        return True
    return (
        outage.status is OutageStatus.SCHEDULED
        and outage.starts_at <= now
        and (outage.restore_eta is None or outage.restore_eta > now)
    )


def outage_to_link(report: OutageReport, customer: CustomerInfo) -> OutageInfo | None:
    """Of the active outages in `report`, the one a repair report on `customer`'s premises
    joins: a transformer-level one first."""
    for outage in report.active:
        if customer.transformer in outage.transformers:
            return outage
    return report.active[0] if report.active else None
