"""Bill and account figures, for a verified caller only."""

from __future__ import annotations

from typing import TYPE_CHECKING

from ivr.flow.actions.base import Action

if TYPE_CHECKING:
    from ivr.flow.context import CallContext

_BILL = frozenset({"balance", "bill_amount", "bill_kwh", "bill_due"})
_PAYMENT = frozenset({"payment_amount", "payment_date"})


class NotVerified(Exception):
    """Account details were asked for a caller who is not verified for that account."""


async def bill_summary(ctx: CallContext) -> str:
    customer = ctx.customer
    # Privacy rule: nothing of an account is read to a caller not verified for that account.
    if customer is None or not ctx.is_verified:
        raise NotVerified("bill_summary asked for an unverified caller")
    account = customer.account  # "1 to hear it again" reads what this call already fetched
    summary = await ctx.once(("bill", account), lambda: ctx.services.bills.summary(account))
    ctx.record("lookup", what="bill", found=summary.last_bill is not None)
    if summary.last_bill is None:
        return "no_bills"
    ctx.vars.update(
        balance=summary.balance_owed,
        bill_amount=summary.last_bill.amount_due,
        bill_kwh=summary.last_bill.kwh,
        bill_due=summary.last_bill.due_date,
    )
    if summary.last_payment is None:
        return "no_payment"
    ctx.vars.update(
        payment_amount=summary.last_payment.amount,
        payment_date=summary.last_payment.paid_at.astimezone(ctx.tz).date(),
    )
    return "ok"


BILLING_ACTIONS = (
    Action(
        "bill_summary",
        frozenset({"ok", "no_payment", "no_bills"}),
        bill_summary,
        "balance, last bill and last payment of the verified account",
        sets={"ok": _BILL | _PAYMENT, "no_payment": _BILL},
    ),
)
