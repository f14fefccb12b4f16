"""`set`: set variables, the language the call continues in, or what the call is about."""

from __future__ import annotations

from typing import Literal

from pydantic import Field

from ivr.db.enums import ContactType, Language
from ivr.flow.context import CallContext
from ivr.flow.schema import NodeModel


class SetNode(NodeModel):
    type: Literal["set"]
    language: Language | None = None
    vars: dict[str, str | int | bool] = Field(default_factory=dict)
    # The call's contact type for the call log (停电信息, 故障报修, 投诉...): the last one set wins.
    contact: ContactType | None = None
    next: str

    def targets(self) -> dict[str, str]:
        return {"next": self.next}

    def sets(self, key: str) -> frozenset[str]:
        return frozenset(self.vars)


async def run(node: SetNode, ctx: CallContext) -> str | None:
    ctx.vars.update(node.vars)
    if node.language is not None and node.language != ctx.language:
        ctx.language = node.language
        ctx.language_chosen = True
        ctx.record("language", language=node.language.value)
    if node.contact is not None and node.contact != ctx.contact_type:
        ctx.contact_type = node.contact
        ctx.record("contact", type=node.contact.value)
    return node.next
