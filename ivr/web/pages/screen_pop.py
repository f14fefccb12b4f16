"""What an agent's screen shows when a queue call rings them: built from the IVR's journey of
that call (same unique id as the PBX's caller channel), the customer, their open work orders and
the outage in their area. Account and address only for a caller the IVR verified."""

from __future__ import annotations

from typing import Any

from ivr.db.enums import TicketStatus
from ivr.masking import mask_account
from ivr.services.calls import CallRecord
from ivr.services.customers import CustomerInfo
from ivr.services.hotline_services import HotlineServices


def _verified(record: CallRecord | None) -> bool:
    if record is None:
        return False
    transfers = [e for e in record.events if e.kind == "transfer"]
    return bool(transfers and transfers[-1].data.get("verified") is True)


def _step(kind: str, data: dict[str, Any]) -> str:
    """One journey step in a line; the words the caller heard, the keys they pressed."""
    for key in ("text", "keys", "digits", "action", "outcome", "queue", "number", "transcript"):
        if key in data and data[key] not in (None, ""):
            return f"{kind}: {data[key]}"
    return kind


async def build_pop(services: HotlineServices, uniqueid: str, caller: str) -> dict[str, Any]:
    record = await services.calls.get(uniqueid)
    verified = _verified(record)
    customer: CustomerInfo | None = None
    if record is not None and record.account:
        customer = await services.customers.by_account(record.account)
    if customer is None:
        customer = await services.customers.by_phone(caller or (record.caller if record else None))
    pop: dict[str, Any] = {
        "type": "pop",
        "uniqueid": uniqueid,
        "caller": caller or (record.caller if record else "") or "",
        "verified": verified,
        "language": (record.language if record else None) or "",
        "contact_type": str(record.contact_type) if record and record.contact_type else "",
        "journey": [_step(e.kind, dict(e.data)) for e in record.events] if record else [],
        "name": "",
        "account": "",
        "address": "",
        "area": "",
        "orders": [],
        "outages": [],
    }
    if customer is None:
        return pop
    pop["area"] = customer.area
    pop["language"] = pop["language"] or customer.language.value
    if verified:
        pop.update(name=customer.name, account=customer.account, address=customer.address)
    else:  # privacy rule: nothing of the account for a caller who did not prove who they are
        pop.update(name=customer.name[:1] + "*" * (len(customer.name) - 1),
                   account=mask_account(customer.account))
    orders = await services.tickets.search(account=customer.account, limit=20)
    pop["orders"] = [
        {"number": t.number, "type": str(t.type), "status": str(t.status), "overdue": t.overdue}
        for t in orders
        if t.status != TicketStatus.CLOSED
    ]
    report = await services.outages.affecting(customer)
    pop["outages"] = [
        {"id": o.id, "kind": str(o.kind), "cause": o.cause,
         "restore_eta": o.restore_eta.isoformat() if o.restore_eta else ""}
        for o in report.active
    ]
    return pop
