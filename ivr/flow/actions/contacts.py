"""Taking a contact: a number to call back, where the danger is."""

from __future__ import annotations

from typing import TYPE_CHECKING

from ivr.flow.actions.base import Action
from ivr.services.phones import normalize_phone

if TYPE_CHECKING:
    from ivr.flow.context import CallContext

_CALLBACK = frozenset({"callback_number"})
_LOCATION = frozenset({"danger_location"})


async def check_caller_number(ctx: CallContext) -> str:
    """Whether the caller id is a phone number to call back (withheld or garbled: not)."""
    number = normalize_phone(ctx.channel.caller_number)
    ctx.record("lookup", what="caller_number", found=number is not None)
    if number is None:
        return "withheld"
    ctx.vars["callback_number"] = number
    return "known"


async def check_callback_number(ctx: CallContext) -> str:
    """The number keyed in (`callback_input`) as a phone number (`callback_number`, E.164)."""
    number = normalize_phone(str(ctx.vars.get("callback_input", "")))
    ctx.record("lookup", what="callback_number", found=number is not None)
    if number is None:
        return "invalid"
    ctx.vars["callback_number"] = number
    return "ok"


async def locate_premises(ctx: CallContext) -> str:
    """The identified premises' address as the place of a report (`danger_location`); for a
    caller not identified the place must be asked."""
    customer = ctx.customer
    if customer is None or not customer.address:
        return "unknown"
    ctx.vars["danger_location"] = f"{customer.address} (account {customer.account})"
    return "address"


CONTACT_ACTIONS = (
    Action(
        "check_caller_number",
        frozenset({"known", "withheld"}),
        check_caller_number,
        "whether the caller id can be called back (sets callback_number)",
        sets={"known": _CALLBACK},
    ),
    Action(
        "check_callback_number",
        frozenset({"ok", "invalid"}),
        check_callback_number,
        "validate the keyed callback number (callback_input) as a phone number",
        sets={"ok": _CALLBACK},
    ),
    Action(
        "locate_premises",
        frozenset({"address", "unknown"}),
        locate_premises,
        "the identified premises' address as the place of a report (danger_location)",
        sets={"address": _LOCATION},
    ),
)
