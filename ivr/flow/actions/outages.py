"""What the hotline knows about outages affecting the caller's premises."""

from __future__ import annotations

from datetime import date, datetime
from typing import TYPE_CHECKING, Any

from ivr.db.enums import OutageKind
from ivr.flow.actions.base import Action
from ivr.flow.spoken_time import spoken_when
from ivr.services.customers import CustomerInfo
from ivr.services.outages import OutageInfo, OutageReport

if TYPE_CHECKING:
    from ivr.flow.context import CallContext


_when = spoken_when
_LISTS = ("outages_active", "outages_active_no_eta", "outages_load_shedding",
          "outages_load_shedding_no_end", "outages_planned", "outages_planned_no_end")
# What each item of those lists carries (see `_spoken`); items with an end carry its words too.
_ITEM_VALUES = frozenset({"outage_kind", "cause_said", "since_said", "starts_said"})
_END_VALUES = frozenset({"eta_said", "ends_said"})


def _cause(ctx: CallContext, outage: OutageInfo) -> str:
    cause = outage.cause.strip()
    return ctx.flows.prompts.render("outage_cause", ctx.language, {"cause": cause}) if cause else ""


def spoken_outage(ctx: CallContext, outage: OutageInfo, today: date) -> dict[str, Any]:
    """Prompt values for one outage, its times in the caller's words."""
    start = outage.starts_at.astimezone(ctx.tz)
    values: dict[str, Any] = {
        "outage_kind": outage.kind.value,
        "cause_said": _cause(ctx, outage),
        "since_said": _when(ctx, start, today),
        "starts_said": _when(ctx, start, today),
    }
    if outage.restore_eta is not None:
        values["eta_said"] = _when(ctx, outage.restore_eta, today)
        values["ends_said"] = _when(ctx, outage.restore_eta, today, same_day_as=start.date())
    return values


async def outage_report(ctx: CallContext, customer: CustomerInfo) -> OutageReport:
    """The outages affecting `customer`'s premises now, asked once per call (and shared between
    calls for a moment in a storm: CachedOutages)."""
    report: OutageReport = await ctx.once(
        ("outages", customer.account), lambda: ctx.services.outages.affecting(customer))
    return report


async def find_outages(ctx: CallContext) -> str:
    """Active outages covering the premises, and planned ones starting within seven days.

    Sets lists a `say` node reads `for_each`: `outages_active` and `outages_active_no_eta`
    (dispatch has given no restoration time yet), `outages_load_shedding` and
    `outages_load_shedding_no_end` (有序用电: a schedule, not a repair), `outages_planned` and
    `outages_planned_no_end`. Times are read relative to today in the hotline's time zone.
    """
    customer = ctx.customer
    if customer is None:
        raise LookupError("find_outages needs an identified customer")
    report = await outage_report(ctx, customer)
    today = datetime.now(ctx.tz).date()
    lists: dict[str, list[dict[str, Any]]] = {name: [] for name in _LISTS}
    for outage in report.active:
        kind = "load_shedding" if outage.kind is OutageKind.LOAD_SHEDDING else "active"
        ends = "eta" if kind == "active" else "end"
        name = f"outages_{kind}" + ("" if outage.restore_eta else f"_no_{ends}")
        lists[name].append(spoken_outage(ctx, outage, today))
    for outage in report.planned_soon:
        name = "outages_planned" + ("" if outage.restore_eta else "_no_end")
        lists[name].append(spoken_outage(ctx, outage, today))
    ctx.vars.update(lists)
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
        lists={name: _ITEM_VALUES | (frozenset() if name.endswith(("_no_eta", "_no_end"))
                                     else _END_VALUES) for name in _LISTS},
    ),
)
