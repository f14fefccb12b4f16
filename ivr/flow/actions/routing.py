"""Which person a caller who asks for one should reach."""

from __future__ import annotations

from typing import TYPE_CHECKING

from ivr.asterisk_names import FALLBACK_QUEUE, PRIORITY_KEY_CUSTOMER
from ivr.flow.actions.base import Action

if TYPE_CHECKING:
    from ivr.flow.context import CallContext


async def choose_person(ctx: CallContext) -> str:
    """Key customers get queue priority, and their customer manager first when they have one."""
    ctx.vars.setdefault("person_queue", FALLBACK_QUEUE)
    customer = ctx.customer
    # Only a caller verified for the account (caller id, or account and last four digits) is
    # treated as that key customer: a typed-in account number alone proves nothing.
    if customer is not None and customer.key_customer and ctx.is_verified:
        ctx.queue_priority = max(ctx.queue_priority, PRIORITY_KEY_CUSTOMER)
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
        sets={"manager": frozenset({"person_queue", "manager_phone"}),
              "queue": frozenset({"person_queue"})},
    ),
)
