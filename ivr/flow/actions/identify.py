"""Who is calling, and about which premises; whether they are verified for account details."""

from __future__ import annotations

from typing import TYPE_CHECKING

from ivr.flow.actions.base import Action

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
    """The last four digits of the registered phone (`last4`) verify the caller for the account."""
    customer = ctx.customer
    digits = str(ctx.vars.get("last4", ""))
    ok = customer is not None and await ctx.services.customers.verify_last4(
        customer.account, digits
    )
    ctx.record("verification", method="last4", ok=ok)
    if not ok or customer is None:
        return "mismatch"
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
        frozenset({"ok", "mismatch"}),
        verify_last4,
        "verify the caller by the last four digits of the registered phone (last4)",
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
