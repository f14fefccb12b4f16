"""What the hotline knows about outages affecting the caller's premises."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import TYPE_CHECKING

from ivr.flow.actions.base import Action
from ivr.services.customers import CustomerInfo

if TYPE_CHECKING:
    from ivr.flow.context import CallContext


async def find_outages(ctx: CallContext) -> str:
    """Active outages covering the premises, and planned ones starting within seven days.

    Sets `outages_active`, `outages_active_no_eta` (dispatch has given no restoration time
    yet), `outages_planned` and `outages_planned_no_end`: lists a `say` node reads `for_each`.
    """
    customer = ctx.vars.get("customer")
    if not isinstance(customer, CustomerInfo):
        raise LookupError("find_outages needs an identified customer")
    report = await ctx.services.outages.affecting(customer, datetime.now(UTC))
    ctx.vars["outages_active"] = [
        {
            "outage_kind": o.kind.value,
            "since": o.starts_at.astimezone(ctx.tz),
            "eta": o.restore_eta.astimezone(ctx.tz),
        }
        for o in report.active
        if o.restore_eta is not None
    ]
    ctx.vars["outages_active_no_eta"] = [
        {"outage_kind": o.kind.value, "since": o.starts_at.astimezone(ctx.tz)}
        for o in report.active
        if o.restore_eta is None
    ]
    ctx.vars["outages_planned"] = [
        {
            "outage_kind": o.kind.value,
            "starts": o.starts_at.astimezone(ctx.tz),
            "ends": o.restore_eta.astimezone(ctx.tz),
        }
        for o in report.planned_soon
        if o.restore_eta is not None
    ]
    ctx.vars["outages_planned_no_end"] = [
        {"outage_kind": o.kind.value, "starts": o.starts_at.astimezone(ctx.tz)}
        for o in report.planned_soon
        if o.restore_eta is None
    ]
    ctx.record(
        "lookup",
        what="outages",
        active=[o.id for o in report.active],
        planned=[o.id for o in report.planned_soon],
    )
    if report.active:
        return "active"
    return "planned" if report.planned_soon else "none"


OUTAGE_ACTIONS = (
    Action(
        "find_outages",
        frozenset({"active", "planned", "none"}),
        find_outages,
        "outages affecting the identified premises",
    ),
)
