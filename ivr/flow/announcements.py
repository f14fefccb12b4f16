"""Emergency announcements as callers hear them: their words in each language, rendered and
measured before any caller is offered one (never on a caller's path).

`prepare` renders an announcement in every language when it is switched on (the API and the
CLI call it and report what the quality check found); an announcement this process has not
prepared yet (switched on by another instance or the CLI) is prepared in the background and
offered from the next call on. A flow reload that changes the prompt's words prepares again.
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Callable
from datetime import datetime
from typing import TYPE_CHECKING, Any
from zoneinfo import ZoneInfo

from ivr.services.announcements import LANGUAGES, AnnouncementInfo, Announcements
from ivr.speech.tts import Synthesizer, TtsError

if TYPE_CHECKING:
    from ivr.flow.flowset import FlowSet

log = logging.getLogger(__name__)

PROMPT = "emergency_announcement"
RETRY_UNFIT_SECONDS = 60.0  # an announcement whose audio was unfit is rendered again after this
PROMPT_NO_UPDATE = "emergency_announcement_no_update"


def announcement_values(info: AnnouncementInfo, language: str, tz: ZoneInfo) -> dict[str, Any]:
    """What one announcement's prompt reads (the next update as a date and time, not "today",
    so the words rendered when it was switched on are the words a caller hears a day later)."""
    parts = info.texts[language]
    values: dict[str, Any] = {"announcement_what": parts["what"],
                              "announcement_doing": parts["doing"]}
    if info.next_update_at is not None:
        values["announcement_next"] = info.next_update_at.astimezone(tz)
    return values


def prompt_name(info: AnnouncementInfo) -> str:
    return PROMPT if info.next_update_at is not None else PROMPT_NO_UPDATE


class AnnouncementBoard:
    def __init__(self, announcements: Announcements, synth: Synthesizer,
                 flows: Callable[[], FlowSet], tz: ZoneInfo) -> None:
        self.announcements = announcements
        self.synth = synth
        self.flows = flows
        self.tz = tz
        self._ready: dict[int, str] = {}  # announcement id -> flows version it was rendered for
        self._preparing: dict[int, asyncio.Task[dict[str, str]]] = {}
        self._unfit_at: dict[int, float] = {}  # monotonic time of a failed rendering

    def text(self, info: AnnouncementInfo, language: str, flows: FlowSet | None = None) -> str:
        flows = flows or self.flows()
        return flows.prompts.render(prompt_name(info), language,
                                    announcement_values(info, language, self.tz))

    async def prepare(self, info: AnnouncementInfo) -> dict[str, str]:
        """Render and measure in every language: language -> "ok" or what was wrong. Only an
        announcement fit in every language is offered to callers."""
        flows = self.flows()
        found: dict[str, str] = {}
        for language in LANGUAGES:
            try:
                await self.synth.render(self.text(info, language, flows), language)
                found[language] = "ok"
            except TtsError as exc:
                found[language] = str(exc)
        if all(v == "ok" for v in found.values()):
            self._ready[info.id] = flows.version
            self._unfit_at.pop(info.id, None)
        else:
            self._unfit_at[info.id] = time.monotonic()
            log.error("emergency announcement %d not offered: audio unfit %s", info.id, found)
        return found

    async def prepare_active(self) -> None:
        """Every announcement on now, rendered for the current flows (at start and after a
        reload), so callers do not miss one while it is rendered again."""
        for info in await self.announcements.active(force=True):
            await self._prepare_in_background(info)

    async def for_caller(self, area: str | None, now: datetime) -> list[AnnouncementInfo]:
        """The announcements this caller hears now, oldest first: those whose audio is ready."""
        version = self.flows().version
        ready = []
        for info in await self.announcements.for_caller(area, now):
            if self._ready.get(info.id) == version:
                ready.append(info)
            elif info.id not in self._preparing and not self._unfit_recently(info.id):
                self._preparing[info.id] = asyncio.create_task(
                    self._prepare_in_background(info))
        return ready

    def _unfit_recently(self, announcement_id: int) -> bool:
        failed = self._unfit_at.get(announcement_id)
        return failed is not None and time.monotonic() - failed < RETRY_UNFIT_SECONDS

    async def _prepare_in_background(self, info: AnnouncementInfo) -> dict[str, str]:
        try:
            return await self.prepare(info)
        except Exception:  # retried by the next call that finds it not ready
            log.exception("emergency announcement %d could not be prepared", info.id)
            return {}
        finally:
            self._preparing.pop(info.id, None)

    async def close(self) -> None:
        for task in list(self._preparing.values()):
            task.cancel()
        await asyncio.gather(*self._preparing.values(), return_exceptions=True)
