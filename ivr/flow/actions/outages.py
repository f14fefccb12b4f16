"""What the hotline knows about outages affecting the caller's premises."""

from __future__ import annotations

from datetime import tzinfo
from typing import TYPE_CHECKING, Any

from ivr.flow.actions.base import Action
from ivr.services.outages import OutageInfo

if TYPE_CHECKING:
    from ivr.flow.context import CallContext


def _spoken(
    outages: list[OutageInfo], tz: tzinfo, start: str, end: str
) -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
    """Prompt values per outage in local time: (those with an end time, those without)."""
    with_end: list[dict[str, Any]] = []
    without_end: list[dict[str, Any]] = []
    for outage in outages:
        values: dict[str, Any] = {
            "outage_kind": outage.kind.value,
            start: outage.starts_at.astimezone(tz),
        }
        if outage.restore_eta is None:
            without_end.append(values)
        else:
            with_end.append(values | {end: outage.restore_eta.astimezone(tz)})
    return with_end, without_end


async def find_outages(ctx: CallContext) -> str:
    """Active outages covering the premises, and planned ones starting within seven days.

    Sets `outages_active`, `outages_active_no_eta` (dispatch has given no restoration time
    yet), `outages_planned` and `outages_planned_no_end`: lists a `say` node reads `for_each`.
    """
    customer = ctx.customer
    if customer is None:
        raise LookupError("find_outages needs an identified customer")
    report = await ctx.services.outages.affecting(customer)  # now; cached in a storm
    active, active_no_eta = _spoken(report.active, ctx.tz, "since", "eta")
    planned, planned_no_end = _spoken(report.planned_soon, ctx.tz, "starts", "ends")
    ctx.vars.update(
        outages_active=active,
        outages_active_no_eta=active_no_eta,
        outages_planned=planned,
        outages_planned_no_end=planned_no_end,
    )
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
        lists={
            "outages_active": frozenset({"outage_kind", "since", "eta"}),
            "outages_active_no_eta": frozenset({"outage_kind", "since"}),
            "outages_planned": frozenset({"outage_kind", "starts", "ends"}),
            "outages_planned_no_end": frozenset({"outage_kind", "starts"}),
        },
    ),
)
