"""What each importable file holds: its columns, how a row is checked, how a batch is written."""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any, TypeVar

from sqlalchemy import delete, select, tuple_
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.ext.asyncio import AsyncSession

from ivr.db.enums import CalendarDayKind, CustomerClass, Language, OutageKind, OutageStatus, Skill
from ivr.db.models import Agent, AgentLanguage, AgentSkill, Bill, CalendarDay, Customer
from ivr.importer import fields
from ivr.importer.errors import FieldError
from ivr.services.calendar import CalendarEntry, store_entries
from ivr.services.errors import ValidationError
from ivr.services.outages import OutageInput, upsert_outage, validate_outage

Record = dict[str, Any]
T = TypeVar("T")
Parsed = tuple[Any, Record]  # (the record's key, its values)


@dataclass(frozen=True)
class Batch:
    session: AsyncSession
    dialect: str
    records: Sequence[tuple[int, Any, Record]]  # (line, key, values)


@dataclass(frozen=True)
class Kind:
    name: str
    columns: tuple[str, ...]
    key_column: str  # the column a duplicate key is reported against
    parse: Callable[[dict[str, str]], Parsed]
    # Lines of records that refer to something missing (a bill's account), with the column.
    check: Callable[[Batch], Awaitable[tuple[int, str, str] | None]]
    write: Callable[[Batch], Awaitable[tuple[int, int]]]  # (inserted, updated)


def _field(values: dict[str, str], column: str, parse: Callable[[str], T]) -> T:
    try:
        return parse(values[column])
    except FieldError as exc:
        raise ColumnError(column, str(exc)) from None


class ColumnError(ValueError):
    def __init__(self, column: str, message: str) -> None:
        super().__init__(message)
        self.column = column
        self.message = message


async def _nothing_missing(batch: Batch) -> tuple[int, str, str] | None:
    return None


def _insert(dialect: str) -> Any:
    return postgresql.insert if dialect == "postgresql" else sqlite.insert


async def _upsert(
    batch: Batch, model: Any, keys: Sequence[str], existing: set[Any]
) -> tuple[int, int]:
    rows = [record for _, _, record in batch.records]
    stmt = _insert(batch.dialect)(model).values(rows)
    updates = {c: stmt.excluded[c] for c in rows[0] if c not in keys}
    await batch.session.execute(stmt.on_conflict_do_update(index_elements=keys, set_=updates))
    updated = sum(1 for _, key, _ in batch.records if key in existing)
    return len(rows) - updated, updated


# customers ---------------------------------------------------------------------------------


def _parse_customer(v: dict[str, str]) -> Parsed:
    record: Record = {
        "account": _field(v, "account", fields.account),
        "name": _field(v, "name", fields.text),
        "phone": _field(v, "phone", fields.phone),
        "address": _field(v, "address", lambda s: fields.text(s, 400)),
        "area": _field(v, "area", lambda s: fields.text(s, 100)),
        "transformer": _field(v, "transformer", lambda s: fields.text(s, 100)),
        "customer_class": _field(v, "customer_class", lambda s: fields.choice(s, CustomerClass)),
        "key_customer": _field(v, "key_customer", fields.boolean),
        "manager_phone": _field(v, "manager_phone", fields.optional_phone),
        "language": _field(v, "language", lambda s: fields.choice(s, Language)),
    }
    return record["account"], record


async def _write_customers(batch: Batch) -> tuple[int, int]:
    keys = [key for _, key, _ in batch.records]
    existing = set(
        await batch.session.scalars(select(Customer.account).where(Customer.account.in_(keys)))
    )
    return await _upsert(batch, Customer, ["account"], existing)


# bills -------------------------------------------------------------------------------------


def _parse_bill(v: dict[str, str]) -> Parsed:
    record: Record = {
        "account": _field(v, "account", fields.account),
        "period": _field(v, "period", fields.period),
        "kwh": _field(v, "kwh", fields.amount),
        "amount_due": _field(v, "amount_due", fields.amount),
        "due_date": _field(v, "due_date", fields.iso_date),
        "amount_paid": _field(v, "amount_paid", fields.amount),
        "paid_at": _field(v, "paid_at", fields.optional_datetime),
    }
    if record["amount_paid"] > 0 and record["paid_at"] is None:
        raise ColumnError("paid_at", "needed when amount_paid is above zero")
    return (record["account"], record["period"]), record


async def _check_bills(batch: Batch) -> tuple[int, str, str] | None:
    accounts = {key[0] for _, key, _ in batch.records}
    known = set(
        await batch.session.scalars(select(Customer.account).where(Customer.account.in_(accounts)))
    )
    for line, key, _ in batch.records:
        if key[0] not in known:
            return line, "account", f"no customer with account {key[0]} (import customers first)"
    return None


async def _write_bills(batch: Batch) -> tuple[int, int]:
    keys = [key for _, key, _ in batch.records]
    found = await batch.session.execute(
        select(Bill.account, Bill.period).where(tuple_(Bill.account, Bill.period).in_(keys))
    )
    existing = {(account, period) for account, period in found}
    return await _upsert(batch, Bill, ["account", "period"], existing)


# agents ------------------------------------------------------------------------------------


def _parse_agent(v: dict[str, str]) -> Parsed:
    record: Record = {
        "agent": _field(v, "agent", fields.identifier),
        "name": _field(v, "name", fields.text),
        "extension": _field(v, "extension", fields.extension),
        # The first skill is the agent's primary one: the order is kept.
        "skills": _field(v, "skills", lambda s: fields.ordered_choices(s, Skill)),
        "languages": _field(v, "languages", lambda s: fields.choices(s, Language)),
    }
    return record["agent"], record


async def _write_agents(batch: Batch) -> tuple[int, int]:
    session = batch.session
    keys = [key for _, key, _ in batch.records]
    existing = set(await session.scalars(select(Agent.agent).where(Agent.agent.in_(keys))))
    rows = [
        {"agent": r["agent"], "name": r["name"], "extension": r["extension"]}
        for _, _, r in batch.records
    ]
    stmt = _insert(batch.dialect)(Agent).values(rows)
    await session.execute(
        stmt.on_conflict_do_update(
            index_elements=["agent"],
            set_={"name": stmt.excluded.name, "extension": stmt.excluded.extension},
        )
    )
    await session.execute(delete(AgentSkill).where(AgentSkill.agent.in_(keys)))
    await session.execute(delete(AgentLanguage).where(AgentLanguage.agent.in_(keys)))
    skills = [
        {"agent": r["agent"], "skill": s, "position": position}
        for _, _, r in batch.records
        for position, s in enumerate(r["skills"])
    ]
    languages = [
        {"agent": r["agent"], "language": lang}
        for _, _, r in batch.records
        for lang in r["languages"]
    ]
    await session.execute(_insert(batch.dialect)(AgentSkill).values(skills))
    await session.execute(_insert(batch.dialect)(AgentLanguage).values(languages))
    updated = len(existing)
    return len(rows) - updated, updated


# outages -----------------------------------------------------------------------------------


def _parse_outage(v: dict[str, str]) -> Parsed:
    data = OutageInput(
        id=_field(v, "id", fields.text),
        kind=_field(v, "kind", lambda s: fields.choice(s, OutageKind)),
        areas=_field(v, "areas", fields.names),
        transformers=_field(v, "transformers", fields.names),
        starts_at=_field(v, "starts_at", fields.aware_datetime),
        restore_eta=_field(v, "restore_eta", fields.optional_datetime),
        cause=v["cause"],
        status=_field(v, "status", lambda s: fields.choice(s, OutageStatus)),
    )
    try:
        data = validate_outage(data)
    except ValidationError as exc:
        raise ColumnError(exc.field, exc.message) from None
    return data.id, {"outage": data}


async def _write_outages(batch: Batch) -> tuple[int, int]:
    inserted = updated = 0
    now = datetime.now(UTC)
    for _, _, record in batch.records:
        _, created = await upsert_outage(batch.session, record["outage"], now)
        inserted, updated = inserted + created, updated + (not created)
    return inserted, updated


# calendar: official holidays and make-up working days (调休) for years the package lacks ----


def _parse_calendar_day(v: dict[str, str]) -> Parsed:
    day = _field(v, "date", fields.iso_date)
    kind = _field(v, "kind", lambda s: fields.choice(s, CalendarDayKind))
    name = _field(v, "name", lambda s: fields.text(s, 100))
    return day, {"day": day, "kind": kind, "name": name}


async def _write_calendar_days(batch: Batch) -> tuple[int, int]:
    days = [key for _, key, _ in batch.records]
    existing = set(await batch.session.scalars(
        select(CalendarDay.day).where(CalendarDay.day.in_(days))
    ))
    entries = [CalendarEntry(r["day"], r["kind"], r["name"]) for _, _, r in batch.records]
    await store_entries(batch.session, batch.dialect, entries, datetime.now(UTC))
    updated = sum(1 for day in days if day in existing)
    return len(days) - updated, updated


KINDS: dict[str, Kind] = {
    "customers": Kind(
        "customers",
        (
            "account",
            "name",
            "phone",
            "address",
            "area",
            "transformer",
            "customer_class",
            "key_customer",
            "manager_phone",
            "language",
        ),
        "account",
        _parse_customer,
        _nothing_missing,
        _write_customers,
    ),
    "outages": Kind(
        "outages",
        ("id", "kind", "areas", "transformers", "starts_at", "restore_eta", "cause", "status"),
        "id",
        _parse_outage,
        _nothing_missing,
        _write_outages,
    ),
    "bills": Kind(
        "bills",
        ("account", "period", "kwh", "amount_due", "due_date", "amount_paid", "paid_at"),
        "period",
        _parse_bill,
        _check_bills,
        _write_bills,
    ),
    "agents": Kind(
        "agents",
        ("agent", "name", "extension", "skills", "languages"),
        "agent",
        _parse_agent,
        _nothing_missing,
        _write_agents,
    ),
    "calendar": Kind(
        "calendar",
        ("date", "kind", "name"),
        "date",
        _parse_calendar_day,
        _nothing_missing,
        _write_calendar_days,
    ),
}
