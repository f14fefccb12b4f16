"""Counts for the wallboard and the reports: IVR calls by outcome and hour, work orders by type
with their deadlines met, outages and the calls each drew. Plain reads; no business rules."""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from datetime import datetime, tzinfo

from sqlalchemy import func, select

from ivr.db.enums import CallOutcome, OutageStatus, TicketStatus
from ivr.db.models import Call, Customer, Outage, Ticket
from ivr.db.session import Database
from ivr.services.outages import OutageInfo


@dataclass(frozen=True)
class CallFigures:
    calls: int
    self_served: int
    transferred: int
    hung_up: int
    errors: int
    by_hour: list[int] = field(default_factory=lambda: [0] * 24)  # local hours 0..23

    @property
    def self_service_pct(self) -> float | None:
        finished = self.self_served + self.transferred + self.hung_up + self.errors
        return round(100 * self.self_served / finished, 1) if finished else None


@dataclass(frozen=True)
class OrderFigures:
    type: str
    opened: int
    closed: int
    deadline_met: int  # closed orders (or contacts) inside every deadline they had
    deadline_missed: int
    open_overdue: int

    @property
    def compliance_pct(self) -> float | None:
        judged = self.deadline_met + self.deadline_missed
        return round(100 * self.deadline_met / judged, 1) if judged else None


class Figures:
    def __init__(self, db: Database) -> None:
        self._db = db

    async def calls(self, since: datetime, until: datetime, tz: tzinfo) -> CallFigures:
        async with self._db.sessionmaker() as session:
            rows = (
                await session.execute(
                    select(Call.started_at, Call.outcome).where(
                        Call.started_at >= since, Call.started_at < until
                    )
                )
            ).all()
        outcomes = Counter(outcome for _, outcome in rows)
        by_hour = [0] * 24
        for started, _ in rows:
            by_hour[started.astimezone(tz).hour] += 1
        return CallFigures(
            calls=len(rows),
            self_served=outcomes[CallOutcome.SELF_SERVED],
            transferred=outcomes[CallOutcome.TRANSFERRED],
            hung_up=outcomes[CallOutcome.CALLER_HUNG_UP],
            errors=outcomes[CallOutcome.ERROR],
            by_hour=by_hour,
        )

    async def orders(self, since: datetime, until: datetime, now: datetime) -> list[OrderFigures]:
        async with self._db.sessionmaker() as session:
            rows = list(
                await session.scalars(
                    select(Ticket).where(Ticket.created_at >= since, Ticket.created_at < until)
                )
            )
        by_type: dict[str, list[Ticket]] = {}
        for row in rows:
            by_type.setdefault(str(row.type), []).append(row)
        result = []
        for kind, tickets in sorted(by_type.items()):
            met = missed = overdue = 0
            for t in tickets:
                verdict = _deadline_verdict(t, now)
                met += verdict == "met"
                missed += verdict == "missed"
                overdue += verdict == "missed" and t.status != TicketStatus.CLOSED
            result.append(
                OrderFigures(
                    type=kind,
                    opened=len(tickets),
                    closed=sum(1 for t in tickets if t.status == TicketStatus.CLOSED),
                    deadline_met=met,
                    deadline_missed=missed,
                    open_overdue=overdue,
                )
            )
        return result

    async def active_outages(self) -> int:
        async with self._db.sessionmaker() as session:
            count = await session.scalar(
                select(func.count()).select_from(Outage).where(
                    Outage.status == OutageStatus.ACTIVE
                )
            )
        return int(count or 0)

    async def outage_reach(self, outage: OutageInfo, now: datetime) -> tuple[int, int]:
        """Customers in the outage's areas or on its transformers, and the IVR calls they made
        while it lasted."""
        where = Customer.area.in_(outage.areas) | Customer.transformer.in_(outage.transformers)
        until = outage.restored_at or now
        async with self._db.sessionmaker() as session:
            customers = await session.scalar(
                select(func.count()).select_from(Customer).where(where)
            )
            calls = await session.scalar(
                select(func.count()).select_from(Call).where(
                    Call.account.in_(select(Customer.account).where(where)),
                    Call.started_at >= outage.starts_at,
                    Call.started_at <= until,
                )
            )
        return int(customers or 0), int(calls or 0)

    async def outage_callers(
        self, outage: OutageInfo, now: datetime, limit: int = 50
    ) -> list[tuple[str, str, int]]:
        """(account, name, calls) of the affected customers who called while it lasted, the
        most calls first."""
        where = Customer.area.in_(outage.areas) | Customer.transformer.in_(outage.transformers)
        async with self._db.sessionmaker() as session:
            rows = (
                await session.execute(
                    select(Customer.account, Customer.name, func.count(Call.uniqueid))
                    .join(Call, Call.account == Customer.account)
                    .where(where, Call.started_at >= outage.starts_at,
                           Call.started_at <= (outage.restored_at or now))
                    .group_by(Customer.account, Customer.name)
                    .order_by(func.count(Call.uniqueid).desc(), Customer.account)
                    .limit(limit)
                )
            ).all()
        return [(str(a), str(n), int(c)) for a, n, c in rows]

    async def calls_per_outage(self, outage_ids: list[str]) -> dict[str, int]:
        """Work orders (repair reports, mostly from calls) linked to each outage."""
        if not outage_ids:
            return {}
        async with self._db.sessionmaker() as session:
            rows = (
                await session.execute(
                    select(Ticket.outage_id, func.count())
                    .where(Ticket.outage_id.in_(outage_ids))
                    .group_by(Ticket.outage_id)
                )
            ).all()
        return {str(outage): int(n) for outage, n in rows}


def _deadline_verdict(ticket: Ticket, now: datetime) -> str:
    """"met", "missed" or "pending" (still open, no deadline passed yet, or none to meet)."""
    deadlines = [
        (ticket.contact_due, ticket.contacted_at or ticket.closed_at),
        (ticket.resolve_due, ticket.closed_at),
    ]
    judged = [(due, done) for due, done in deadlines if due is not None]
    if not judged:
        return "pending"
    if any((done or now) > due for due, done in judged if done is not None or now > due):
        return "missed"
    if all(done is not None for _, done in judged):
        return "met"
    return "pending"
