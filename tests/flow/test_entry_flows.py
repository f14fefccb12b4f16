"""Only the dialplan's entry flows can be started by any FastAGI client; the others (the
callback flow opens a work order with no input) only from the PBX's own AGI contexts."""

from __future__ import annotations

import pytest

from ivr.app import Hotline
from ivr.db.session import Database
from ivr.pbxsim.call import simulate_call
from ivr.pbxsim.config import PbxConfig
from ivr.services.tickets import Tickets
from ivr.speech.build import load_prompt_texts
from tests.hotline import ROOT

ZH = load_prompt_texts(ROOT / "prompts")["zh-CN"]


@pytest.mark.parametrize("context", ["default", "from-internet", ""])
async def test_the_callback_flow_is_refused_from_a_foreign_context(
    hotline: Hotline, db: Database, context: str, caplog: pytest.LogCaptureFixture
) -> None:
    t = await simulate_call("127.0.0.1", hotline.agi_port, script="callback",
                            config=PbxConfig(context=context))
    assert await Tickets(db).search() == []  # no work order opened
    assert [a.args for a in t.apps] == ["general-enquiry"]  # apology, then a person
    assert "flow 'callback' refused" in caplog.text


async def test_the_callback_flow_runs_from_the_ivr_context(hotline: Hotline, db: Database) -> None:
    await simulate_call("127.0.0.1", hotline.agi_port, script="callback",
                        config=PbxConfig(context="hotline-ivr"))
    assert len(await Tickets(db).search()) == 1


async def test_the_dialplan_entry_flow_runs_from_any_context(hotline: Hotline) -> None:
    t = await simulate_call("127.0.0.1", hotline.agi_port, script="hotline", responses=[""],
                            config=PbxConfig(context="somewhere-else"))
    assert ZH["main_menu"] in t.prompts


async def test_the_overflow_flow_books_a_callback_saying_the_lines_were_full(
    hotline: Hotline, db: Database
) -> None:
    """The dialplan's overflow offer (more callers than IVR_MAX_CALLERS) never tried a queue:
    the work order says the lines were full, not that a queue went unanswered."""
    t = await simulate_call("127.0.0.1", hotline.agi_port, script="overflow",
                            caller="+8613800138000", config=PbxConfig(context="hotline-ivr"))
    (order,) = await Tickets(db).search()
    assert order.description == "callback: the hotline's lines were full; asked to be called back"
    assert order.caller == "+8613800138000"
    promised = ZH["callback_promised"].split("{")[0]  # its fixed words, before the number
    assert [p for p in t.prompts if p.startswith(promised)], t.prompts
    assert t.prompts[-1] == ZH["goodbye"]
