"""Who is calling, and about which premises; whether they are verified for account details."""

from __future__ import annotations

from typing import TYPE_CHECKING

from ivr.flow.actions.base import Action
from ivr.services.customers import phone_ends_with

if TYPE_CHECKING:
    from ivr.flow.context import CallContext

# Values a verified caller's prompts may use (CallContext.values gives them only then).
VERIFIED_VALUES = frozenset({"address"})


async def identify_caller(ctx: CallContext) -> str:
    """Match the caller id to a customer's phone; a match also verifies the caller."""
    number = ctx.channel.caller_number
    customer = await ctx.services.customers.by_phone(number) if number else None
    ctx.record("lookup", what="caller_id", found=customer is not None)
    if customer is None:
        return "not_found"
    ctx.identify(customer, verified=True)
    if not ctx.language_chosen:
        ctx.language = customer.language
    return "found"


async def lookup_account(ctx: CallContext) -> str:
    """The account number keyed in (`account_input`). Identifies premises; does not verify."""
    account = str(ctx.vars.get("account_input", ""))
    customer = (
        await ctx.services.customers.by_account(account)
        if len(account) == 10 and account.isdigit()
        else None
    )
    ctx.record("lookup", what="account", found=customer is not None)
    if customer is None:
        return "not_found"
    ctx.identify(customer, verified=False)
    return "ok"


async def verify_last4(ctx: CallContext) -> str:
    """The last four digits of the registered phone (`last4`) verify the caller for the account.

    Failures count across calls, per account and per calling number: past the limit the answer
    is `locked` whatever is keyed, so hanging up and dialling again buys no more guesses.
    """
    customer = ctx.customer
    account = customer.account if customer is not None else None
    caller = ctx.channel.caller_number or None
    guard = ctx.services.verification
    if await guard.locked(account, caller):
        ctx.record("verification", method="last4", ok=False, locked=True)
        return "locked"
    digits = str(ctx.vars.get("last4", ""))
    # The registered phone came with the customer the call already holds: no second lookup.
    ok = customer is not None and phone_ends_with(customer.phone, digits)
    if not ok or customer is None:
        locked = await guard.record_failure(account, caller)
        ctx.record("verification", method="last4", ok=False, **({"locked": True} if locked else {}))
        return "locked" if locked else "mismatch"
    ctx.record("verification", method="last4", ok=True)
    ctx.identify(customer, verified=True)
    return "ok"


async def check_identified(ctx: CallContext) -> str:
    return "known" if ctx.customer is not None else "unknown"


async def check_verified(ctx: CallContext) -> str:
    return "verified" if ctx.is_verified else "unverified"


IDENTIFY_ACTIONS = (
    Action(
        "identify_caller",
        frozenset({"found", "not_found"}),
        identify_caller,
        "match the caller id to a customer",
        sets={"found": VERIFIED_VALUES},
    ),
    Action(
        "lookup_account",
        frozenset({"ok", "not_found"}),
        lookup_account,
        "find the customer for the keyed account number (account_input)",
    ),
    Action(
        "verify_last4",
        frozenset({"ok", "mismatch", "locked"}),
        verify_last4,
        "verify the caller by the last four digits of the registered phone (last4); locked: "
        "too many failures for the account or the calling number, a person must verify",
        sets={"ok": VERIFIED_VALUES},
    ),
    Action(
        "check_identified",
        frozenset({"known", "unknown"}),
        check_identified,
        "whether the premises are known",
    ),
    Action(
        "check_verified",
        frozenset({"verified", "unverified"}),
        check_verified,
        "whether the caller may hear the account's details",
        sets={"verified": VERIFIED_VALUES},
    ),
)
