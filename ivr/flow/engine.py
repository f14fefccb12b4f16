"""Running one call through the flows: every call ends somewhere defined.

A hangup is a normal end. Any other failure is logged with the call's unique id, and the caller
hears an apology and is put through to a person (never left in silence).
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path
from zoneinfo import ZoneInfo

from ivr.asterisk_names import FALLBACK_QUEUE, PRIORITY_NORMAL
from ivr.channel import Channel, ChannelHangup
from ivr.db.enums import CallOutcome
from ivr.flow.announcements import AnnouncementBoard
from ivr.flow.context import CallContext, WaitPolicy, utc_now
from ivr.flow.flowset import FlowSet
from ivr.flow.journal import Journal
from ivr.flow.nodes import node_type, transfer
from ivr.flow.schema import Jump
from ivr.flow.speech_input import CallSpeech
from ivr.flow.voice_message import CallMessages
from ivr.masking import mask_phone
from ivr.services.business_hours import QueueCalendar
from ivr.services.hotline_services import HotlineServices
from ivr.services.pbx import LivePbx
from ivr.speech.asr import Recognizer
from ivr.speech.joined import Joiner
from ivr.speech.tts import Synthesizer

log = logging.getLogger(__name__)

MAX_STEPS = 500  # a flow that loops this long without ending is a flow bug, not a caller
FINISH_ATTEMPTS = 4  # writes of a finished call's record before its journey is given up
FINISH_RETRY_SECONDS = 1.0  # waited before the next, times the attempt number


class FlowLoopError(Exception):
    """A call went round the flow more than MAX_STEPS times."""


class CallRunner:
    """Everything a call needs that outlives the call: services, speech, the current flows."""

    def __init__(self, *, flows: Callable[[], FlowSet], services: HotlineServices,
                 synth: Synthesizer, default_language: str, outbound_dial: str,
                 ring_seconds: float, timezone: str, recognizer: Recognizer | None = None,
                 recordings_dir: Path = Path("var/recordings"),
                 voice_messages_dir: Path | None = None,
                 instance: str | None = None, waits: WaitPolicy | None = None,
                 observe: Callable[[CallContext], None] | None = None,
                 joiner: Joiner | None = None) -> None:
        self._flows = flows
        self._observe = observe  # the flows page's simulator watches the journey as it grows
        self.joiner = joiner  # None: prompts with values are rendered whole
        self.clock: Callable[[], datetime] = utc_now  # queue hours read it; tests move it
        self.live: LivePbx | None = None  # set once AMI is connected (ivr.app)
        self.waits = waits or WaitPolicy()
        self.queue_calendar = QueueCalendar(services.tickets.calendar)
        self.instance = instance  # recorded with each call: who closes it after a crash
        self.recognizer = recognizer  # None: menus are keypad-only
        self.recordings_dir = recordings_dir.resolve()
        self.voice_messages_dir = voice_messages_dir  # None: voice messages are not kept
        self.services = services
        self.synth = synth
        self.default_language = default_language
        self.outbound_dial = outbound_dial
        self.ring_seconds = ring_seconds
        self.tz = ZoneInfo(timezone)
        self.announcements = AnnouncementBoard(services.announcements, synth, flows, self.tz)

    async def handle(self, channel: Channel, entry_flow: str) -> CallContext:
        """Answer and run the call to its end; the call record is written whatever happens."""
        flows = self._flows()  # a flow reload mid-call does not change this call's flows
        started = datetime.now(UTC)
        ctx = CallContext(channel=channel, flows=flows, services=self.services, synth=self.synth,
                          language=self.default_language, outbound_dial=self.outbound_dial,
                          ring_seconds=self.ring_seconds, tz=self.tz, clock=self.clock,
                          live=self.live, waits=self.waits, queue_calendar=self.queue_calendar,
                          announcements=self.announcements, joiner=self.joiner)
        if self._observe is not None:
            self._observe(ctx)
        uniqueid = channel.uniqueid
        if self.recognizer is not None:
            ctx.speech = CallSpeech(self.recognizer, self.recordings_dir, uniqueid)
        if self.voice_messages_dir is not None:
            ctx.messages = CallMessages(self.voice_messages_dir, uniqueid, self.recognizer)
        start_record: asyncio.Task[bool] | None = None
        journal: Journal | None = None
        try:
            try:
                await channel.answer()
                ctx.record("answered")
                # Written while the greeting plays, not before it: the caller hears the IVR at once.
                start_record = asyncio.create_task(
                    self._start_record(ctx, entry_flow, flows.version, started))
                journal = Journal(self.services.calls, uniqueid, ctx.journey, start_record)
                ctx.on_record = journal.recorded
                ctx.flush_journey = journal.flush
                await self._run(ctx, entry_flow)
            except ChannelHangup:
                if ctx.outcome != CallOutcome.TRANSFERRED:
                    ctx.outcome = ctx.hangup_outcome or CallOutcome.CALLER_HUNG_UP
                ctx.record("hangup")
            except Exception as exc:
                log.exception("call %s failed at %s", uniqueid, _where(ctx, entry_flow))
                ctx.record("error", error=type(exc).__name__)
                ctx.outcome = CallOutcome.ERROR
                await self._fallback(ctx)
        except asyncio.CancelledError:
            # Shutdown past its grace period: the call is cut, but its record is still closed.
            ctx.record("cancelled")
            if ctx.outcome != CallOutcome.TRANSFERRED:
                ctx.outcome = CallOutcome.ERROR
            await asyncio.shield(self._close(ctx, start_record, journal))
            raise
        ctx.outcome = ctx.outcome or CallOutcome.SELF_SERVED
        await self._close(ctx, start_record, journal)
        return ctx

    async def _close(self, ctx: CallContext, start_record: asyncio.Task[bool] | None,
                     journal: Journal | None) -> None:
        ctx.on_record = None
        ctx.flush_journey = None
        hooks, ctx.on_end = ctx.on_end, []
        for hook in hooks:
            try:
                await hook()
            except Exception:
                log.exception("call %s: end of call step failed", ctx.channel.uniqueid)
        if ctx.speech is not None:
            await ctx.speech.close()
        if start_record is not None:
            await start_record  # never raises: failures are logged inside
        written = 0
        if journal is not None:
            await journal.close()  # never raises either
            written = journal.written
        await self._finish_record(ctx, written)

    async def _run(self, ctx: CallContext, flow_name: str, node_name: str | None = None) -> None:
        flow = ctx.flows.flows.get(flow_name)
        if flow is None:
            raise LookupError(f"no flow named {flow_name!r}")
        current: str | None = node_name or flow.start
        for _ in range(MAX_STEPS):
            if current is None:
                return
            node = flow.nodes[current]
            ctx.position = (flow.name, current)
            ctx.record("node", flow=flow.name, node=current)
            step = await node_type(node).run(node, ctx)
            if isinstance(step, Jump):
                flow = ctx.flows.flows[step.flow]
                step = step.node or flow.start
            current = step
        raise FlowLoopError(f"flow {flow.name!r} ran {MAX_STEPS} steps without ending")

    async def _fallback(self, ctx: CallContext) -> None:
        """Apologise and hand the caller to a person; if even that fails, hang up cleanly."""
        try:
            try:
                await ctx.play("system_error")
            except ChannelHangup:
                raise
            except Exception:
                log.exception("call %s: apology prompt failed", ctx.channel.uniqueid)
            await transfer.queue_call(ctx, FALLBACK_QUEUE, PRIORITY_NORMAL)
        except ChannelHangup:
            ctx.record("hangup")
        except Exception:
            log.exception("call %s: fallback transfer failed", ctx.channel.uniqueid)
        finally:
            ctx.outcome = CallOutcome.ERROR  # the queue it reached, if any, stays in ctx.queue

    async def _start_record(self, ctx: CallContext, flow: str, version: str,
                            started: datetime) -> bool:
        try:
            await self.services.calls.start(
                ctx.channel.uniqueid, caller=ctx.channel.caller_number, language=ctx.language,
                flow_name=flow, flow_version=version, started_at=started,
                answered_at=ctx.journey[0].at, instance=self.instance)
            return True
        except Exception:
            # The caller is still served; the journey is written at the end if the database is back.
            log.exception("call %s from %s: could not record the call start",
                          ctx.channel.uniqueid, mask_phone(ctx.channel.caller_number or ""))
            return False

    async def _finish_record(self, ctx: CallContext, written: int) -> None:
        # The caller is gone by now, so a busy database (SQLite's write lock in a storm) is
        # waited out a few times rather than losing the end of the journey; `finish` is safe
        # to repeat.
        ended_at = datetime.now(UTC)
        for attempt in range(1, FINISH_ATTEMPTS + 1):
            try:
                await self.services.calls.finish(
                    ctx.channel.uniqueid, outcome=ctx.outcome or CallOutcome.ERROR,
                    queue=ctx.queue, account=ctx.account, ended_at=ended_at, events=ctx.journey,
                    caller=ctx.channel.caller_number, contact_type=ctx.contact_type,
                    written=written, language=ctx.language)
                return
            except Exception:
                if attempt == FINISH_ATTEMPTS:
                    log.exception("call %s: could not record the call's journey",
                                  ctx.channel.uniqueid)
                    return
                log.warning("call %s: journey not recorded yet (attempt %d), trying again",
                            ctx.channel.uniqueid, attempt)
                await asyncio.sleep(FINISH_RETRY_SECONDS * attempt)


def _where(ctx: CallContext, entry_flow: str) -> str:
    """`flows/repair.yaml:42 (node 'confirm' of flow 'repair')`: where the call was running."""
    if ctx.position is None:
        return f"the start of flow '{entry_flow}'"
    flow_name, node = ctx.position
    flow = ctx.flows.flows[flow_name]
    return f"{flow.path}:{flow.line('nodes', node)} (node '{node}' of flow '{flow_name}')"
