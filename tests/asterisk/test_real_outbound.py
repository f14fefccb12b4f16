"""The follow-up survey dialled through a real Asterisk (IVR_TEST_ASTERISK): a repair closed over
the API of a real `ivr serve` makes its follow-up target; the dialer inside it originates over
AMI with IVR_OUTBOUND_DIAL a Local channel into a callee context of this test's copy of the
dialplan; the answered call runs [hotline-outbound] -> Gosub(hotline-agi,s,1(outbound)) -> the
survey over FastAGI, and the callee, a dialplan that listens for each question and presses its
answer while the question plays (verified 1, resolved 1, score 5), then stays silent at the
comment. The answers and the target's end state must come back from GET /api/surveys.
"""

from __future__ import annotations

import math
import re
import shutil
import struct
import wave
from pathlib import Path
from typing import Any

import aiohttp
import pytest
from sqlalchemy import select

from ivr.db.enums import AttemptResult, TargetState
from ivr.db.models import DialAttempt
from ivr.db.session import Database
from ivr.services.tokens import Tokens
from tests.conftest import CustomerFactory
from tests.dialer.rig import the_ended_target
from tests.faults.spawn import SpawnServe

from .real_pbx import needs_asterisk, running_asterisk

pytestmark = [
    pytest.mark.asterisk,
    pytest.mark.timeout(240),
    needs_asterisk,
    pytest.mark.parametrize("database_url", ["sqlite"], indirect=True),
]

ALWAYS = {"window": {"start": "00:00", "end": "23:59", "days": "every_day"}}

# The customer's side of the outbound call (the ;2 half of the Local channel). It answers,
# and for each question waits until the IVR's voice is heard (300 ms of it), then presses the
# key while the question plays, so the key is never sent while nobody listens for it. For the
# comment it sends silence (a 0 Hz tone: frames the recording's silence detection can measure)
# until the IVR says thanks and hangs up.
CALLEE = """
[survey-callee]
exten => _[+0-9].,1,NoOp(survey callee ${EXTEN})
 same => n,Answer()
 same => n,WaitForNoise(300,1,30)
 same => n,SendDTMF(1)
 same => n,Wait(1.5)
 same => n,WaitForNoise(300,1,30)
 same => n,SendDTMF(1)
 same => n,Wait(1.5)
 same => n,WaitForNoise(300,1,30)
 same => n,SendDTMF(5)
 same => n,Playtones(0/60000)
 same => n,Wait(60)
 same => n,Hangup()
"""


def with_beep(sounds: Path, root: Path) -> Path:
    """The hotline's sounds plus `beep`, which RECORD FILE plays before recording: a stock
    Asterisk sound (core sounds, English, found for every language), absent when the binary
    was installed without its sound packages, as here. 0.25 s of 1 kHz, 8 kHz 16-bit."""
    tree = root / "sounds"
    shutil.copytree(sounds, tree)
    with wave.open(str(tree / "en" / "beep.wav"), "wb") as beep:
        beep.setnchannels(1)
        beep.setsampwidth(2)
        beep.setframerate(8000)
        beep.writeframes(b"".join(struct.pack("<h", int(8000 * math.sin(2 * math.pi * n / 8)))
                                  for n in range(2000)))
    return tree



async def test_a_follow_up_campaign_dials_a_local_callee_who_answers_the_survey(
    spawn_serve: SpawnServe, database_url: str, db: Database, tmp_path: Path,
    pbx_sounds: Path, add_customer: CustomerFactory,
) -> None:
    await add_customer(account="5100012345", phone="+8613800138000")
    served = spawn_serve()
    sounds = with_beep(pbx_sounds, tmp_path)
    with running_asterisk(tmp_path / "pbx", served.agi_port, sounds=sounds,
                          dialplan_extra=CALLEE, modules_extra=["app_playtones.so"]) as pbx:
        served.extra_env.update({"IVR_AMI_URL": pbx.url,
                                 "IVR_OUTBOUND_DIAL": "Local/{number}@survey-callee"})
        await served.start()
        tokens = Tokens(db)
        supervisor = await tokens.create("supervisor", "test-supervisor")
        survey = await tokens.create("survey", "test-survey")
        base = f"http://127.0.0.1:{served.http_port}"
        async with aiohttp.ClientSession() as http:

            async def api(method: str, path: str, token: str, **kwargs: Any) -> tuple[int, Any]:
                async with http.request(method, base + path, **kwargs,
                                        headers={"Authorization": f"Bearer {token}"}) as resp:
                    return resp.status, await resp.json()

            status, order = await api("POST", "/api/tickets", supervisor, json={
                "type": "repair", "description": "no power", "account": "5100012345"})
            assert status == 201, order
            status, _ = await api("POST", f"/api/tickets/{order['number']}/close", supervisor,
                                  json={"resolution": "fuse replaced"})
            assert status == 200
            status, _ = await api("PUT", "/api/campaigns/follow-up/rules", survey, json={
                **ALWAYS, "pacing": {"channels": 1, "per_second": 1}})
            assert status == 200
            # three questions of a few seconds each, the comment's silence (4 s), thanks
            target = await the_ended_target(db, within=90, poll=0.3)
            status, results = await api("GET", f"/api/surveys?ticket={order['number']}",
                                        survey)
        log = pbx.messages()
        serve_log = served.log_path.read_text(errors="replace")

    assert status == 200
    assert (target.state, target.resolved, target.score) == (
        TargetState.COMPLETED, True, 5), (target.reason, serve_log[-3000:])
    (result,) = results["follow_ups"]
    assert result["state"] == "completed" and result["attempt_results"] == ["answered"]
    assert result["escalation"] is None
    async with db.sessionmaker() as session:
        (attempt,) = await session.scalars(select(DialAttempt))
    assert attempt.result == AttemptResult.ANSWERED and attempt.ended_at is not None
    # The real dialplan carried it: the originated channel entered [hotline-outbound] and the
    # IVR was reached through [hotline-agi] with the outbound script.
    assert "Executing [survey@hotline-outbound:1]" in log
    assert "agi://127.0.0.1:" in log and "/outbound" in log
    # The comment question: the beep, then the callee's silence ended the recording (4 s of it),
    # and a recording with nothing said is no comment.
    assert "voice message not recorded" not in serve_log
    assert re.search(r"survey-callee-\w+;1> Playing 'beep\.", log), log[-3000:]
    assert log.count("@survey-callee-") and log.count("] SendDTMF(\"Local/") == 3
