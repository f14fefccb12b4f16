"""`ivr serve`: the FastAGI server and the web/API server in one asyncio process.

Start-up refuses to run on an unmigrated database or a flow set with problems, so a wrong
deployment fails loudly at once rather than on the first caller.
"""

from __future__ import annotations

import asyncio
import contextlib
import gc
import itertools
import logging
import os
import signal
import socket
from collections.abc import Coroutine
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from aiohttp import web

from ivr.agi.codec import AgiProtocolError
from ivr.agi.limits import raise_open_file_limit
from ivr.agi.server import AgiServer
from ivr.agi.session import AgiChannel
from ivr.ami.record_lead import RecordLead
from ivr.ami.recorder import RecordWriter
from ivr.ami.service import AmiService
from ivr.asterisk_names import (
    AGI_SCRIPT,
    CALLER_ENTRY_FLOWS,
    OUTBOUND_CONTEXT,
    PBX_AGI_CONTEXTS,
    VAR_DONE,
    VAR_DONE_VALUE,
)
from ivr.channel import AgiError, ChannelHangup
from ivr.config import Settings
from ivr.db.cluster import SessionLock, listen
from ivr.db.session import Database
from ivr.dialer.retries import retry_policy
from ivr.dialer_app import RunningDialer, rules_check, start_dialer
from ivr.flow.context import WaitPolicy
from ivr.flow.engine import CallRunner
from ivr.flow.keeper import FlowKeeper, system_user
from ivr.flow.registry import FlowRegistry
from ivr.flow.transcription import Transcriptions
from ivr.loop_lag import LoopLag
from ivr.services.flow_versions import FlowVersions
from ivr.services.health import DatabaseHealth
from ivr.services.hotline_services import HotlineServices
from ivr.services.instances import Instances
from ivr.services.outage_cache import OUTAGES_CHANNEL
from ivr.services.pending_tickets import SpoolClaim
from ivr.simulator_sandbox import SimulatorSandbox
from ivr.speech.ahead import render_ahead
from ivr.speech.asr import Dictation, recognizer_from_settings
from ivr.speech.build import build_prompts, load_prompt_texts
from ivr.speech.joined import Joiner, keep_swept
from ivr.speech.recordings import find_recordings
from ivr.speech.tts import CachingSynthesizer, EspeakSynthesizer
from ivr.web.app import HealthSource, create_web_app
from ivr.web.monthly_job import MonthlyReportJob
from ivr.web.pages import Alarms, FlowPagesSource
from ivr.web.pages.flow_sim import Simulations
from ivr.web.pages.reports import ReportSource

log = logging.getLogger(__name__)

WATCH_RESTART_SECONDS = 1.0  # pause before a failed flow watcher starts again
ADDRESS_QUIET_CALLS = 5  # live calls above which addresses wait to be rendered
ADDRESS_SWEEP_SECONDS = 300.0  # how soon an imported customer's address is rendered ahead
OUTBOUND_FLOW = "outbound"  # flows/outbound.yaml: answered outbound calls


@dataclass
class Hotline:
    """The running pieces, so tests and benchmarks can start exactly what `ivr serve` starts."""

    settings: Settings
    db: Database
    registry: FlowRegistry
    synth: CachingSynthesizer
    runner: CallRunner
    agi: AgiServer
    web_runner: web.AppRunner | None = None
    ami: AmiService | None = None  # None: IVR_AMI_URL not set, calls are answered all the same
    recorder: RecordWriter | None = None  # AMI call records on their way to the database
    record_lead: RecordLead | None = None  # whether this process is the one writing them
    loop_lag: LoopLag = field(default_factory=LoopLag)
    dialer: RunningDialer | None = None  # outbound campaigns (with AMI, unless IVR_DIALER=0)
    keeper: FlowKeeper | None = None  # every accepted reload kept, edits from the flows page
    sandbox: SimulatorSandbox | None = None  # the flows page's simulated calls' own database
    instances: Instances | None = None  # this process among others on one PostgreSQL
    spool: SpoolClaim | None = None  # this process's file of work orders kept for later
    _tasks: list[asyncio.Task[None]] = field(default_factory=list)
    _prompts_failed: list[str] = field(default_factory=list)  # the last build's failures
    _prompt_names: dict[tuple[str, str], str] = field(default_factory=dict)  # static words

    def prompts_failed(self) -> list[str]:
        """Prompts that could not be rendered, by name: never their words, which for a prompt
        with values hold a caller's number or address (/api/health is public)."""
        names = self._prompt_names
        failed = [f"{lang}: {names.get((lang, text), 'a prompt with call values')}: {why}"
                  for (lang, text), why in self.synth.failures.items()]
        return sorted({*self._prompts_failed, *failed})

    @property
    def agi_port(self) -> int:
        return self.agi.port

    @property
    def http_port(self) -> int:
        assert self.web_runner is not None
        for site in self.web_runner.sites:
            server = getattr(site, "_server", None)
            if server is not None and server.sockets:
                port: int = server.sockets[0].getsockname()[1]
                return port
        raise RuntimeError("the web server is not listening")

    async def render_prompts(self) -> None:
        """Render every static prompt and knowledge answer that is not cached yet, so callers
        never wait for them."""
        texts = {language: dict(by_name)
                 for language, by_name in load_prompt_texts(self.settings.prompts_dir).items()}
        for topic, answer in self.registry.current().knowledge.answers.items():
            for language, text in answer.texts.items():
                texts.setdefault(language, {})[f"knowledge:{topic}"] = text
        recordings = find_recordings(self.settings.prompts_dir)
        result = await build_prompts(texts, self.synth, recordings=recordings)
        log.info(
            "prompts: %d rendered, %d cached, %d dynamic, %d failed",
            result.rendered,
            result.cached,
            result.dynamic,
            len(result.failed),
        )
        for language, name, problem in result.failed:
            log.error("prompt %s (%s) could not be rendered: %s", name, language, problem)
        self._prompts_failed = [f"{lang}: {name}: {why}" for lang, name, why in result.failed]
        self._prompt_names = {(lang, text): name
                              for lang, prompts in texts.items() for name, text in prompts.items()}

    def run_in_background(self, job: Coroutine[Any, Any, None]) -> None:
        """A job that lives as long as the hotline, cancelled by `close`."""
        self._tasks.append(asyncio.create_task(job))

    def keep_shared(self, services: HotlineServices) -> None:
        """With other processes on PostgreSQL: sweep the dead ones' calls, and forget cached
        outage answers whenever any process (or anyone) changes the outages."""
        assert self.instances is not None
        outages = services.outages
        self._tasks.append(asyncio.create_task(
            self.instances.watch(self.settings.cluster_sweep_seconds)))
        self._tasks.append(asyncio.create_task(
            listen(self.db, OUTAGES_CHANNEL, lambda _: outages.clear(), outages.clear)))

    def render_addresses(self) -> None:
        """Render customers' addresses ahead, now and every ADDRESS_SWEEP_SECONDS (new
        customers from an import), one at a time and only while at most ADDRESS_QUIET_CALLS
        calls are live: in a storm the cores belong to the callers, and a caller whose address
        is not ready hears the sentence without it (CallContext)."""
        self._tasks.append(asyncio.create_task(self._render_addresses()))

    async def _render_addresses(self) -> None:
        while True:
            try:
                addresses = await self.runner.services.customers.addresses()
                done = await render_ahead(
                    ((address, language.value) for address, language in addresses),
                    self.synth, before_render=self._quiet_lines)
                if done.rendered or done.failed:  # by count only: an address is personal data
                    log.info("addresses rendered ahead: %d, failed: %d", done.rendered,
                             done.failed)
            except Exception:
                log.exception("rendering addresses ahead failed; trying again later")
            await asyncio.sleep(ADDRESS_SWEEP_SECONDS)

    async def _quiet_lines(self) -> None:
        """Return once at most ADDRESS_QUIET_CALLS calls are live (checked every second)."""
        while True:  # polled: the live-call count has no event to wait on
            if self.agi.live_connections <= ADDRESS_QUIET_CALLS:
                return
            await asyncio.sleep(1.0)

    def watch_flows(self) -> None:
        """Reload the flows when their files change (and render any new prompts)."""
        self._tasks.append(asyncio.create_task(self._watch_flows()))

    async def _watch_flows(self) -> None:
        # Restarted whatever ends it: a dead watcher would leave later edits unloaded.
        while True:
            try:
                async for ok in self.registry.watch():
                    if ok:
                        if self.keeper is not None:  # kept first: rendering may take a while
                            await self.keeper.record(author=system_user(), source="reload")
                        await self.render_prompts()
                        await self.runner.announcements.prepare_active()
                log.error("flow watcher ended; restarting it")
            except Exception as exc:
                log.exception("flow watcher failed; restarting it")
                self.registry.report_watch_failure(exc)
            await asyncio.sleep(WATCH_RESTART_SECONDS)

    async def _stop_background(self) -> None:
        for task in self._tasks:
            task.cancel()
        for task in self._tasks:
            # A background task's own failure must not cost live calls their grace period.
            with contextlib.suppress(asyncio.CancelledError, Exception):
                await task

    async def close(self) -> None:
        await self._stop_background()
        if self.dialer is not None:  # no new calls out while the hotline stops
            await self.dialer.close()
        await self.loop_lag.stop()
        await self.agi.close(grace=self.settings.shutdown_grace)
        await self.runner.announcements.close()
        if self.runner.services.pending_tickets is not None:  # the rest is kept for next start
            await self.runner.services.pending_tickets.close()
        if self.web_runner is not None:
            await self.web_runner.cleanup()
        if self.sandbox is not None:
            await self.sandbox.close()
        if self.ami is not None:  # after the calls' grace, so their queue records still arrive
            await self.ami.close()
        if self.recorder is not None:
            await self.recorder.close()
        if self.record_lead is not None:  # after the flush: the next writer starts after ours
            await self.record_lead.close()
        aclose = getattr(self.synth, "aclose", None)
        if aclose is not None:
            await aclose()
        if self.instances is not None:  # last: our calls are closed, others may sweep now
            await self.instances.release()
        if self.spool is not None:
            self.spool.release()
        await self.db.close()


async def start_hotline(
    settings: Settings,
    *,
    synth: CachingSynthesizer | None = None,
    watch: bool = True,
    render: bool = True,
) -> Hotline:
    """Check, then start everything; on any failure nothing is left running."""
    db = Database.from_settings(settings)
    try:
        await db.check_migrated()
        registry = FlowRegistry(settings.flows_dir, settings.prompts_dir)
    except Exception:
        await db.close()
        raise
    synth = synth or EspeakSynthesizer.from_settings(settings, workers=2)
    spool = SpoolClaim.take(settings.data_dir / "pending-work-orders.jsonl")
    instance = instance_name(settings)
    # The one set of services: calls, the web app and the AMI recorder share it.
    services = HotlineServices.build(
        db,
        timezone=settings.timezone,
        ring_seconds=settings.ring_seconds,
        repair_arrival_hours=settings.repair_arrival_hours,
        verify_max_failures=settings.verify_max_failures,
        verify_lockout_minutes=settings.verify_lockout_minutes,
        voice_messages_dir=settings.voice_messages_dir,
        ticket_spool=spool.path,
        ticket_wait=settings.ticket_write_wait,
        outage_cache_seconds=settings.outage_cache_seconds,
        campaign_rules=rules_check(settings),
        retry=retry_policy,
    )
    recognizer = recognizer_from_settings(settings)
    joiner = Joiner(synth)
    runner = CallRunner(
        flows=registry.current,
        services=services,
        synth=synth,
        default_language=settings.default_language,
        outbound_dial=settings.outbound_dial,
        ring_seconds=settings.ring_seconds,
        timezone=settings.timezone,
        recognizer=recognizer,
        recordings_dir=settings.data_dir / "recordings",
        voice_messages_dir=settings.voice_messages_dir,
        instance=instance,
        waits=WaitPolicy(callback_offer_seconds=settings.callback_offer_wait_seconds,
                         talk_seconds=settings.queue_talk_seconds),
        joiner=joiner,
    )

    async def handle_call(channel: AgiChannel) -> None:
        # The AGI script name picks the entry flow: agi://ivr:4573/hotline runs flows/hotline.yaml.
        await runner.handle(channel, entry_flow(channel))
        await mark_done(channel)

    agi = AgiServer(
        handle_call, header_limit=settings.agi_header_limit, read_timeout=settings.agi_read_timeout,
        media_timeout=settings.agi_media_timeout, max_connections=settings.agi_max_connections,
        header_timeout=settings.agi_header_timeout,
    )
    hotline = Hotline(settings, db, registry, synth, runner, agi, spool=spool)
    hotline.keeper = keeper = FlowKeeper(registry, FlowVersions(db))
    hotline.sandbox = sandbox = SimulatorSandbox(settings, registry, synth)
    try:
        await keeper.record(author=system_user(), source="start")
        hotline.instances = Instances(db, services.calls, instance)
        await hotline.instances.claim()  # before closing "our" open calls: they must be ours
        await close_interrupted_calls(services, instance)
        if hotline.instances.shared:
            await hotline.instances.close_dead()
            hotline.keep_shared(services)
        if services.pending_tickets is not None:  # work orders kept before a stop or crash
            await services.pending_tickets.replay()
        if render:
            await hotline.render_prompts()
            await runner.announcements.prepare_active()  # ready before the first caller
        host, port = settings.agi_address
        await hotline.agi.start(host, port)
        hotline.ami, hotline.recorder, hotline.record_lead = _start_ami(settings, services, db)
        runner.live = hotline.ami  # queue positions and waits for callers (honest waits)
        if hotline.ami is not None and settings.dialer:
            hotline.dialer = start_dialer(settings, db, hotline.ami)
        health = HealthSource(
            database=DatabaseHealth(db).status,
            flows=registry,
            live_calls=lambda: hotline.agi.live_connections,
            ami_up=lambda: None if hotline.ami is None else hotline.ami.is_up,
            prompts_failed=hotline.prompts_failed,
            loop_lag_ms=hotline.loop_lag.max_ms,
            db_statements=lambda: db.statements,
        )
        alarms = Alarms(settings.alarm_three_rings_pct, settings.alarm_wait_seconds,
                        settings.alarm_area_calls_per_minute)
        flow_pages = FlowPagesSource(keeper, Simulations(sandbox.runner),
                                     ZoneInfo(settings.timezone))
        app = create_web_app(services, health=health, timezone=settings.timezone,
                             pbx=hotline.ami, alarms=alarms, flow_pages=flow_pages,
                             announcements=runner.announcements)
        # The previous month's report, written on the 1st (or now, if that was missed).
        monthly = MonthlyReportJob(ReportSource(services, ZoneInfo(settings.timezone)),
                                   instance=instance)
        hotline.run_in_background(monthly.run())
        hotline.web_runner = web.AppRunner(app, access_log=None)
        await hotline.web_runner.setup()
        http_host, http_port = settings.http_address
        await web.TCPSite(hotline.web_runner, http_host, http_port).start()
        if render:
            hotline.render_addresses()
            hotline.run_in_background(keep_swept(joiner))  # one caller's sentences, not kept
        if watch:
            hotline.watch_flows()
        if isinstance(recognizer, Dictation):  # voice messages written down after their call
            hotline.run_in_background(Transcriptions(services.voice_messages, recognizer).run())
        hotline.loop_lag.start()
    except BaseException:
        await hotline.close()
        raise
    log.info(
        "hotline up: FastAGI %s, web http://%s:%d/ (flows version %s)",
        ", ".join(hotline.agi.addresses),
        http_host,
        http_port,
        registry.current().version,
    )
    return hotline


def entry_flow(channel: AgiChannel) -> str:
    """The flow a FastAGI request may start. Flows other than the dialplan's entry flows (the
    callback flow opens a work order with no input) only from the PBX's own AGI contexts;
    otherwise a name that is no flow, so the caller gets the apology and a person."""
    script = channel.script or AGI_SCRIPT
    if channel.context == OUTBOUND_CONTEXT or (
        channel.context in PBX_AGI_CONTEXTS and script == OUTBOUND_FLOW
    ):
        # Every answered outbound call runs the outbound entry, and only those do: a caller
        # can never reach someone else's follow-up. Through `[hotline-agi]` (the host list) the
        # request's context is that one for every call, so the dialplan names the script.
        return OUTBOUND_FLOW
    if script in CALLER_ENTRY_FLOWS or (
        channel.context in PBX_AGI_CONTEXTS and script != OUTBOUND_FLOW
    ):
        return script
    log.warning("FastAGI call %s: flow %r refused from context %r (not a dialplan entry flow)",
                channel.uniqueid, script[:40], channel.context[:40])
    return REFUSED_FLOW


async def mark_done(channel: AgiChannel) -> None:
    """Tell the dialplan this call ended on purpose: without IVR_DONE, a call that comes back
    from AGI() still up was lost with its IVR process and goes to the fallback path."""
    if channel.hung_up:
        return
    with contextlib.suppress(ChannelHangup, AgiError, AgiProtocolError, OSError):
        await channel.set_variable(VAR_DONE, VAR_DONE_VALUE)


REFUSED_FLOW = "(refused entry flow)"  # no flow has this name (flow names are YAML keys)


def instance_name(settings: Settings) -> str:
    """This IVR among several sharing one database: the host and the FastAGI address it was
    told to bind (the same after a restart, unlike a process id or a port chosen at random).
    Port 0 (a port chosen at start: tests, benchmarks) names nothing that outlives the process,
    so such a process is told apart by its id and a number of its own."""
    name = f"{socket.gethostname()} {settings.agi_bind}"
    if settings.agi_address[1] == 0:
        name += f" pid {os.getpid()}.{next(_unnamed)}"
    return name[:128]


_unnamed = itertools.count(1)


# No call lasts this long: a call recorded without an instance and still open is a leftover.
UNOWNED_OPEN_CALL = timedelta(hours=12)


async def close_interrupted_calls(services: HotlineServices, instance: str) -> None:
    """Calls this instance left open when it was killed mid-call are closed as interrupted."""
    now = datetime.now(UTC)
    closed = await services.calls.close_interrupted(instance, now, now - UNOWNED_OPEN_CALL)
    if closed:
        log.warning("closed %d calls left open by a stop mid-call (outcome interrupted): %s",
                    len(closed), ", ".join(closed[:20]))


def _start_ami(
    settings: Settings, services: HotlineServices, db: Database
) -> tuple[AmiService | None, RecordWriter | None, RecordLead | None]:
    """Connect to Asterisk's AMI in the background when IVR_AMI_URL is set; finished calls'
    queue records go to the database through a writer that retries, off the event path. With
    other processes on PostgreSQL, one of them writes the records (`RecordLead`)."""
    if not settings.ami_url:
        return None, None, None
    recorder = RecordWriter(services.queue_stats)
    lock = SessionLock(db, AMI_RECORDS_LOCK) if db.dialect == "postgresql" else None
    lead = RecordLead(recorder, lock)
    ami = AmiService.from_settings(settings, on_call_finished=lead.submit)
    recorder.start()
    lead.start()
    if ami is not None:
        ami.start()
    return ami, recorder, lead


AMI_RECORDS_LOCK = "ivr-ami-call-records"


async def serve(settings: Settings) -> None:
    """Run until SIGINT/SIGTERM, then let live calls finish (up to the shutdown grace)."""
    # One descriptor per call: take all the system allows, so the connection cap (sized from
    # this limit) is what refuses a flood, not failing accepts.
    before, after = raise_open_file_limit()
    log.info("open-file limit: %d (was %d)", after, before)
    hotline = await start_hotline(settings)
    # Everything loaded at start-up lives for the whole run: keep it out of the collector's
    # scans, so a full collection during a storm does not stall every call for tens of ms.
    gc.freeze()
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGINT, signal.SIGTERM):
        loop.add_signal_handler(sig, stop.set)
    try:
        await stop.wait()
    finally:
        log.info("shutting down")
        await hotline.close()
