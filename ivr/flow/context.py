"""What a running call carries from node to node: the channel, who is calling, its journey.

Python writes typed fields (the customer, the verified account, the outcome); `vars` holds what
flows set (`set`, `collect`) and the prompt values actions publish for later nodes.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any
from zoneinfo import ZoneInfo

from ivr.asterisk_names import PRIORITY_NORMAL
from ivr.channel import Channel
from ivr.db.enums import CallOutcome, ContactType
from ivr.flow.fallback import say_without_tts
from ivr.services.business_hours import QueueCalendar
from ivr.services.calls import JourneyEvent
from ivr.services.customers import CustomerInfo
from ivr.speech.joined import Joiner, Part
from ivr.speech.tts import Synthesizer, TtsError

if TYPE_CHECKING:
    from ivr.flow.announcements import AnnouncementBoard
    from ivr.flow.flowset import FlowSet
    from ivr.flow.speech_input import CallSpeech
    from ivr.flow.voice_message import CallMessages
    from ivr.services.hotline_services import HotlineServices
    from ivr.services.pbx import LivePbx

log = logging.getLogger(__name__)

FREE_TEXT_WAIT_S = 0.15  # the longest a caller waits for an address not rendered ahead
# The longest a caller waits for their journey so far to be stored (before a queue rings an
# agent, before a work order's number is read back).
JOURNEY_FLUSH_SECONDS = 1.0


def utc_now() -> datetime:
    return datetime.now(UTC)


@dataclass(frozen=True)
class WaitPolicy:
    """Honest waits: when a callback is offered instead of waiting, and the call length
    assumed before a queue has measured any."""

    callback_offer_seconds: float = 300.0
    talk_seconds: float = 180.0


@dataclass
class CallContext:
    """One call's state. Variables hold typed values (datetimes, Decimals, lists of values)."""

    channel: Channel
    flows: FlowSet
    services: HotlineServices
    synth: Synthesizer
    language: str
    outbound_dial: str
    ring_seconds: float
    tz: ZoneInfo
    vars: dict[str, Any] = field(default_factory=dict)
    journey: list[JourneyEvent] = field(default_factory=list)
    customer: CustomerInfo | None = None  # the premises the call is about, once known
    verified_account: str | None = None  # the account the caller proved they hold
    language_chosen: bool = False  # the caller picked a language: their record must not change it
    queue_priority: int = PRIORITY_NORMAL  # raised for key customers; a node's own may be higher
    outcome: CallOutcome | None = None
    queue: str | None = None
    speech: CallSpeech | None = None  # spoken menu answers; None: keys only
    position: tuple[str, str] | None = None  # (flow, node) running now, for the failure log
    messages: CallMessages | None = None  # voice messages kept for work orders; None: none
    contact_type: ContactType | None = None  # what the call is about (the call log's class)
    on_record: Callable[[str], None] | None = None  # told each event's kind (the journal)
    # Waits (at most the given seconds) until the journey so far is stored: the journal's.
    flush_journey: Callable[[float], Awaitable[None]] | None = None
    clock: Callable[[], datetime] = utc_now  # business hours read it (tests move it)
    live: LivePbx | None = None  # the AMI-driven queue state; None: no AMI, no wait is said
    waits: WaitPolicy = field(default_factory=WaitPolicy)
    queue_calendar: QueueCalendar | None = None  # 调休 and holidays for queue hours
    wait_offered: set[str] = field(default_factory=set)  # queues whose callback offer was made
    announcements: AnnouncementBoard | None = None  # emergency announcements, audio ready
    hangup_outcome: CallOutcome | None = None  # what a caller hanging up here counts as
    # Run once when the FastAGI session ends, however it ends (an outbound call's target is
    # ended at once when the person hangs up mid-flow, not by a sweep minutes later).
    on_end: list[Callable[[], Awaitable[None]]] = field(default_factory=list)
    # Answers this call already fetched (its outages, its bill), by what was asked: a node the
    # caller repeats ("1 to hear it again") or a later node asking the same is served from here.
    held: dict[tuple[str, ...], Any] = field(default_factory=dict)
    joiner: Joiner | None = None  # prompts with values joined from fragments; None: rendered

    @property
    def account(self) -> str | None:
        return self.customer.account if self.customer is not None else None

    @property
    def is_verified(self) -> bool:
        """The privacy rule: account details only to a caller verified for this very account
        (by caller id, or by account number and the registered phone's last four digits)."""
        return self.customer is not None and self.verified_account == self.customer.account

    def identify(self, customer: CustomerInfo, *, verified: bool) -> None:
        """The call is now about `customer`'s premises; `verified`: the caller proved it."""
        self.customer = customer
        if verified:
            self.verified_account = customer.account

    async def once(self, key: tuple[str, ...], fetch: Callable[[], Awaitable[Any]]) -> Any:
        """`fetch()`'s answer for `key`, fetched at most once in this call."""
        if key not in self.held:
            self.held[key] = await fetch()
        return self.held[key]

    def record(self, kind: str, /, **data: Any) -> None:
        """Append a journey event (written as the call goes, in batches: `ivr.flow.journal`)."""
        self.journey.append(JourneyEvent(at=datetime.now(UTC), kind=kind, data=data))
        if self.on_record is not None:
            self.on_record(kind)

    async def store_journey(self) -> None:
        """Wait, at most `JOURNEY_FLUSH_SECONDS`, until the journey so far is stored."""
        if self.flush_journey is not None:
            await self.flush_journey(JOURNEY_FLUSH_SECONDS)

    def values(self, extra: Mapping[str, Any] | None = None) -> dict[str, Any]:
        """Prompt values: the call's variables, the verified caller's own details, `extra`."""
        own = {"address": self.customer.address} if self.is_verified and self.customer else {}
        return {**self.vars, **own, **(extra or {})}

    async def prompt_file(self, name: str, extra: Mapping[str, Any] | None = None) -> str:
        """Render a prompt to audio; records the text the caller hears. Returns the file path."""
        catalog, values = self.flows.prompts, self.values(extra)
        joiner = self.joiner
        if joiner is None or not catalog.by_language[self.language][name].fields():
            text = catalog.render(name, self.language, values)
            path = await self.synth.render(text, self.language)
        else:
            parts = catalog.parts(name, self.language, values)  # each value read once
            whole = "".join(part.text for part in parts)
            if await joiner.ready(whole, self.language):
                # Rendered whole ahead of the call (an emergency announcement when it was
                # switched on): the whole sentence sounds better than joined parts.
                text, path = whole, await self.synth.render(whole, self.language)
            else:
                name, parts = await self._spoken_variant(joiner, name, values, parts)
                text = "".join(part.text for part in parts)  # the words, read once
                path = await joiner.render(parts, text, self.language)
        self.record("prompt", name=name, text=text)
        return str(path)

    async def _spoken_variant(self, joiner: Joiner, name: str, values: Mapping[str, Any],
                              parts: list[Part]) -> tuple[str, list[Part]]:
        """`name` and its parts, or `<name>_without_<field>`'s when the free text of `field`
        (an address) is not rendered and does not render within FREE_TEXT_WAIT_S, and the
        prompts offer that variant: the caller does not wait for the speech engine; the
        rendering goes on for the next call."""
        catalog = self.flows.prompts
        for part in parts:
            variant = f"{name}_without_{part.field}"
            if part.kind == "text" and catalog.has(variant, self.language) and \
                    not await joiner.ready(part.text, self.language):
                task = joiner.render_ahead(part.text, self.language)
                await asyncio.wait([task], timeout=FREE_TEXT_WAIT_S)
                if not (task.done() and task.result()):
                    self.record("spoken_without", name=name, field=part.field)
                    return variant, catalog.parts(variant, self.language, values)
        return name, parts

    async def play(self, name: str, escape_digits: str = "",
                   extra: Mapping[str, Any] | None = None) -> str | None:
        try:
            path = await self.prompt_file(name, extra)
        except TtsError as exc:  # never silence: the values are said by the PBX instead
            return await say_without_tts(self, name, escape_digits, extra, exc)
        digit = await self.channel.stream_file(path, escape_digits)
        if digit:
            self.record("key", digits=digit, during=name)
        return digit
