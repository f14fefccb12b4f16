"""Every action a flow may name, by name. New actions are added to this table explicitly."""

from __future__ import annotations

from ivr.flow.actions.announcements import ANNOUNCEMENT_ACTIONS
from ivr.flow.actions.base import Action
from ivr.flow.actions.billing import BILLING_ACTIONS
from ivr.flow.actions.contacts import CONTACT_ACTIONS
from ivr.flow.actions.identify import IDENTIFY_ACTIONS
from ivr.flow.actions.outages import OUTAGE_ACTIONS
from ivr.flow.actions.routing import ROUTING_ACTIONS
from ivr.flow.actions.survey import SURVEY_ACTIONS

ACTIONS: dict[str, Action] = {
    a.name: a
    for a in (*IDENTIFY_ACTIONS, *OUTAGE_ACTIONS, *BILLING_ACTIONS, *ROUTING_ACTIONS,
              *CONTACT_ACTIONS, *SURVEY_ACTIONS, *ANNOUNCEMENT_ACTIONS)
}
