"""The services behind the staff API, built once over one database by the composition root."""

from __future__ import annotations

from dataclasses import dataclass

from ivr.db.session import Database
from ivr.services.agents import Agents
from ivr.services.calls import CallLog
from ivr.services.health import DatabaseHealth
from ivr.services.outages import Outages
from ivr.services.queue_stats import QueueStats
from ivr.services.tickets import Tickets
from ivr.services.tokens import Tokens


@dataclass(frozen=True)
class StaffServices:
    tokens: Tokens
    calls: CallLog
    tickets: Tickets
    outages: Outages
    queue_stats: QueueStats
    agents: Agents
    database: DatabaseHealth

    @classmethod
    def from_database(
        cls,
        db: Database,
        timezone: str,
        *,
        ring_seconds: float = 5.0,
        outages: Outages | None = None,
    ) -> StaffServices:
        """`outages`: the instance calls use, so a dispatch update clears its cache at once;
        `ring_seconds`: one ring cycle, three of which are the service-level threshold."""
        return cls(
            tokens=Tokens(db),
            calls=CallLog(db),
            tickets=Tickets(db, timezone),
            outages=outages or Outages(db),
            queue_stats=QueueStats(db, threshold=3 * ring_seconds),
            agents=Agents(db),
            database=DatabaseHealth(db),
        )
