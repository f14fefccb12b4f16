"""A moment as a caller needs to hear it: today/tomorrow/yesterday and the time, the date only
when further away (prompts `when_*` in each language)."""

from __future__ import annotations

from datetime import date, datetime
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from ivr.flow.context import CallContext

_RELATIVE_DAYS = {0: "when_today", 1: "when_tomorrow", -1: "when_yesterday"}


def spoken_when(ctx: CallContext, at: datetime, today: date,
                same_day_as: date | None = None) -> str:
    """`at` in the hotline's zone; the time alone when on the day `same_day_as` (no repeat)."""
    local = at.astimezone(ctx.tz)
    if same_day_as is not None and local.date() == same_day_as:
        key = "when_same_day"
    else:
        key = _RELATIVE_DAYS.get((local.date() - today).days, "when_other")
    return ctx.flows.prompts.render(key, ctx.language, {"at": local})
