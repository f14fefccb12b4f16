"""A prompt that cannot be rendered during a call is still heard: the PBX says its numbers."""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path

import pytest

from ivr.app import Hotline, start_hotline
from ivr.db.session import Database
from ivr.services.tickets import Tickets
from ivr.speech.build import load_prompt_texts
from ivr.speech.tts import SilentSynthesizer, TtsError
from tests.conftest import CustomerFactory
from tests.hotline import ACCOUNT, ROOT, Dial, hotline_settings

ZH = load_prompt_texts(ROOT / "prompts")["zh-CN"]


class BrokenForReadback(SilentSynthesizer):
    """Renders like the silent fake, except the repair read-back, which always fails."""

    async def render(self, text: str, language: str) -> Path:
        if text.startswith("您的报修已受理"):
            self.failures[(language, text)] = "audio unfit after 3 attempts: 0.00 s of audio"
            raise TtsError("audio unfit after 3 attempts: 0.00 s of audio")
        return await super().render(text, language)


@pytest.fixture
async def hotline(db: Database, database_url: str, tmp_path: Path) -> AsyncIterator[Hotline]:
    settings = hotline_settings(database_url, tmp_path)
    running = await start_hotline(
        settings, synth=BrokenForReadback(settings.prompt_cache_dir), watch=False
    )
    yield running
    await running.close()


async def test_unrenderable_ticket_number_is_said_by_the_pbx(
    call: Dial, db: Database, add_customer: CustomerFactory, hotline: Hotline
) -> None:
    await add_customer()
    t = await call("2", "1", "1", "")
    (ticket,) = await Tickets(db).search(account=ACCOUNT)
    assert not [p for p in t.prompts if p.startswith("您的报修已受理")]
    said = t.prompts.index(ZH["values_follow"])
    assert said > 0
    said_by_pbx = [(a.application, a.args) for a in t.apps]
    assert said_by_pbx == [("SayAlpha", ticket.number.replace("-", ""))]
    assert t.prompts[-1] == ZH["goodbye"]  # the call goes on
    failed = hotline.prompts_failed()
    # The sentence's fixed part failed when the fragments were built at start, and again in
    # the call; neither names the caller's work-order number.
    assert failed == ["zh-CN: a prompt with call values: audio unfit after 3 attempts: "
                      "0.00 s of audio",
                      "zh-CN: fragment (12 characters): audio unfit after 3 attempts: "
                      "0.00 s of audio"]
