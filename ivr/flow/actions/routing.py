"""Which person a caller who asks for one should reach."""

from __future__ import annotations

from typing import TYPE_CHECKING

from ivr.flow.actions.base import Action
from ivr.services.customers import CustomerInfo

if TYPE_CHECKING:
    from ivr.flow.context import CallContext

KEY_CUSTOMER_PRIORITY = 5


async def choose_person(ctx: CallContext) -> str:
    """Key customers get queue priority, and their customer manager first when they have one."""
    ctx.vars.setdefault("person_queue", "general")
    customer = ctx.vars.get("customer")
    # Only a caller verified for the account (caller id, or account and last four digits) is
    # treated as that key customer: a typed-in account number alone proves nothing.
    verified = isinstance(customer, CustomerInfo) and (
        ctx.vars.get("verified_account") == customer.account)
    if isinstance(customer, CustomerInfo) and customer.key_customer and verified:
        ctx.vars["queue_priority"] = max(
            int(ctx.vars.get("queue_priority", 0)), KEY_CUSTOMER_PRIORITY
        )
        if customer.manager_phone:
            ctx.vars["manager_phone"] = customer.manager_phone
            ctx.record("route", choice="customer_manager_offered")
            return "manager"
        ctx.record("route", choice="key_customer_priority")
    return "queue"


ROUTING_ACTIONS = (
    Action(
        "choose_person",
        frozenset({"manager", "queue"}),
        choose_person,
        "key customer's manager first, else the queue for the caller's context",
    ),
)
