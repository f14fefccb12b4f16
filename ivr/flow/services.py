"""The services a flow's actions use, bundled so the engine can hand them to every call."""

from __future__ import annotations

from dataclasses import dataclass

from ivr.db.session import Database
from ivr.services.bills import Bills
from ivr.services.calls import CallLog
from ivr.services.customers import Customers
from ivr.services.outage_cache import CachedOutages
from ivr.services.outages import Outages
from ivr.services.tickets import Tickets


@dataclass(frozen=True)
class FlowServices:
    customers: Customers
    outages: Outages
    tickets: Tickets
    bills: Bills
    calls: CallLog

    @classmethod
    def from_database(cls, db: Database, timezone: str) -> FlowServices:
        return cls(
            Customers(db), CachedOutages(db), Tickets(db, timezone), Bills(db), CallLog(db)
        )
