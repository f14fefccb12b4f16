"""Emergency announcements a caller hears right after the greeting, before any menu.

The caller's area comes from the caller id (customer -> premises -> area); a caller not
identified hears only the announcements for everyone. Each identified call is counted for its
area, so supervisors are alerted when an area's calls pass the threshold per minute.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from ivr.db.enums import CallOutcome
from ivr.flow.actions.base import Action
from ivr.flow.announcements import announcement_values

if TYPE_CHECKING:
    from ivr.flow.context import CallContext

_ITEM = frozenset({"announcement_what", "announcement_doing"})
LISTS = {"announcements": _ITEM | {"announcement_next"}, "announcements_no_update": _ITEM}


async def find_announcements(ctx: CallContext) -> str:
    """Sets `announcements` (with the time of the next update) and `announcements_no_update`."""
    now = ctx.clock()
    area = ctx.customer.area if ctx.customer is not None else None
    if area:
        ctx.services.announcements.rate.hit(area, now)
    found = (await ctx.announcements.for_caller(area or None, now)
             if ctx.announcements is not None else [])
    lists: dict[str, list[dict[str, object]]] = {name: [] for name in LISTS}
    for info in found:
        name = "announcements" if info.next_update_at is not None else "announcements_no_update"
        lists[name].append(announcement_values(info, ctx.language, ctx.tz))
    ctx.vars.update(lists)
    if not found:
        return "none"
    ctx.vars["announcement_ids"] = ",".join(str(info.id) for info in found)
    ctx.record("announcement", ids=[info.id for info in found], area=area)
    return "some"


async def announcement_heard(ctx: CallContext) -> str:
    """The caller heard it all: hanging up from here is a caller served by the announcement."""
    ctx.hangup_outcome = CallOutcome.SELF_SERVED
    ctx.record("announcement_heard")
    return "ok"


async def announcement_passed(ctx: CallContext) -> str:
    """The caller goes on to the menu: a later hang-up is an ordinary one again."""
    ctx.hangup_outcome = None
    return "ok"


ANNOUNCEMENT_ACTIONS = (
    Action("find_announcements", frozenset({"some", "none"}), find_announcements,
           "emergency announcements for the caller's area (or for everyone)",
           sets={"some": frozenset({"announcement_ids"})}, lists=LISTS),
    Action("announcement_heard", frozenset({"ok"}), announcement_heard,
           "a hang-up from here on counts as self-served"),
    Action("announcement_passed", frozenset({"ok"}), announcement_passed,
           "the caller went on past the announcement"),
)
