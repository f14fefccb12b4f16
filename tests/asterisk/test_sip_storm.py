"""A storm of real SIP calls: SIPp places a few hundred simultaneous calls through the carrier
endpoint of a real Asterisk running the shipped asterisk-conf/, with a real `ivr serve` behind
FastAGI. Every call must be answered (200 OK, never a SIP error) within three rings, and key 9
sent as RFC 4733 telephone events during the greeting must reach the IVR: the call log shows the
key and the language it chose. Callers past the dialplan's limit (IVR_MAX_CALLERS, lowered for
the test) are answered too, offered a callback, and key 1 leaves a work order to call them back.

Needs IVR_TEST_ASTERISK (built with PJSIP), `sipp` with its RFC 4733 capture files (Debian:
sip-tester) and PostgreSQL (IVR_TEST_POSTGRES_URL): a storm is a PostgreSQL deployment.
IVR_TEST_SIP_CALLS changes the number of calls (default 300).
"""

from __future__ import annotations

import asyncio
import csv
import os
import shutil
import statistics
import struct
import subprocess
from pathlib import Path

import pytest
from sqlalchemy import select

from ivr.asterisk_names import HOTLINE_NUMBER
from ivr.config import Settings
from ivr.db.models import Call, DialTarget, Ticket
from ivr.db.session import Database
from tests.faults.spawn import SpawnServe

from .real_pbx import LOOPBACK_CARRIER, Pbx, free_port, needs_asterisk, running_asterisk

SIPP = shutil.which("sipp") or ""
PCAP_DIR = Path("/usr/share/sip-tester")  # Debian's sip-tester ships SIPp's pcap files here
DTMF_9 = PCAP_DIR / "dtmf_2833_9.pcap"
DTMF_1 = PCAP_DIR / "dtmf_2833_1.pcap"
SCENARIOS = Path(__file__).parent / "sipp"
CALLS = int(os.environ.get("IVR_TEST_SIP_CALLS", "300"))
RATE = 100  # new calls a second: all of them are up within a few seconds, so they overlap
THREE_RINGS_MS = 3 * Settings().ring_seconds * 1000

pytestmark = [
    pytest.mark.asterisk,
    # an IVR and an Asterisk started, prompts rendered, then calls of 10-35 s each
    pytest.mark.timeout(300),
    needs_asterisk,
    pytest.mark.skipif(not SIPP or not DTMF_9.is_file(), reason="needs sipp (sip-tester)"),
    pytest.mark.parametrize(
        "database_url", [pytest.param("postgresql", marks=pytest.mark.postgres)], indirect=True
    ),
]


def caller_numbers(prefix: str, count: int) -> list[str]:
    return [f"{prefix}{n:07d}" for n in range(count)]


def key_press(tmp: Path, source: Path, press: int) -> Path:
    """SIPp's capture of one RFC 4733 key press as the `press`-th press: RTP sequence numbers and
    timestamps moved on (a receiver takes an event with a timestamp it has seen for a repeat
    of that event), UDP checksum cleared (optional in IPv4) since the payload changed."""
    data = bytearray(source.read_bytes())
    offset = 24  # pcap file header; then per packet a 16-byte record header and the frame
    while offset < len(data):
        (length,) = struct.unpack_from("<I", data, offset + 8)
        frame = offset + 16
        udp, rtp = frame + 14 + 20, frame + 14 + 20 + 8  # Ethernet, IPv4 without options
        seq, stamp = struct.unpack_from("!HI", data, rtp + 2)
        struct.pack_into("!HI", data, rtp + 2, (seq + 100 * press) % 65536,
                         (stamp + 16000 * press) % 2**32)
        struct.pack_into("!H", data, udp + 6, 0)
        offset = frame + length
    path = tmp / f"{source.stem}-press{press}.pcap"
    path.write_bytes(bytes(data))
    return path


def scenario(tmp: Path, name: str, key: Path, **timings_ms: int) -> Path:
    """A scenario of tests/asterisk/sipp with the key presses' captures and the pauses filled
    in (DTMF_PCAP_n: the n-th press of `key`)."""
    text = (SCENARIOS / f"{name}.xml").read_text()
    for press in (1, 2, 3):
        text = text.replace(f"DTMF_PCAP_{press}", str(key_press(tmp, key, press)))
    for placeholder, value in timings_ms.items():
        text = text.replace(placeholder, str(value))
    path = tmp / f"{name}.xml"
    path.write_text(text)
    return path


# The storm caller presses 9 at 3, 6 and 9 s after the answer, while the Mandarin greeting that
# offers it plays (14 s; it started within 6 s of the answer with 300 calls arriving in 3 s on a
# two-core machine), and hangs up 2 s later, or `hold_ms` later to keep its place.
def hotline_caller(tmp: Path, hold_ms: int = 2000) -> Path:
    return scenario(tmp, "hotline_caller", DTMF_9, KEY_AT_MS=3000, KEY_EVERY_MS=3000,
                    HANGUP_AFTER_MS=hold_ms)


def run_sipp(
    tmp: Path, sip_port: int, numbers: list[str], scenario_path: Path
) -> tuple[int, str]:
    """SIPp places one call per number, all at once (RATE a second); its exit code (0: every
    call completed the scenario) and the end of its output and error log."""
    tmp.mkdir(exist_ok=True)
    callers = tmp / "callers.csv"
    callers.write_text("SEQUENTIAL\n" + "".join(f"{n}\n" for n in numbers))
    args = [
        SIPP, f"127.0.0.1:{sip_port}",
        "-sf", str(scenario_path), "-inf", str(callers), "-s", HOTLINE_NUMBER,
        "-i", "127.0.0.1", "-p", str(free_port()), "-mi", "127.0.0.1", "-mp", str(free_port()),
        "-m", str(len(numbers)), "-l", str(len(numbers)), "-r", str(RATE),
        "-recv_timeout", "30000", "-timeout", "120", "-nostdin",
        "-trace_rtt", "-rtt_freq", "1", "-trace_err",
    ]  # fmt: skip
    done = subprocess.run(args, cwd=tmp, capture_output=True, text=True, timeout=180)
    errors = "".join(p.read_text(errors="replace")[-3000:] for p in tmp.glob("*_errors.log"))
    return done.returncode, done.stdout[-3000:] + done.stderr[-2000:] + errors


def answer_times_ms(tmp: Path) -> list[float]:
    """INVITE to 200 OK of every call (SIPp's response-time trace, one row per call)."""
    (trace,) = tmp.glob("*_rtt.csv")
    with trace.open() as f:
        rows = list(csv.reader(f, delimiter=";"))
    return [float(row[1]) for row in rows[1:] if len(row) > 1 and row[1]]


async def finished_calls(database_url: str, numbers: set[str], wait: float) -> list[Call]:
    db = Database.from_url(database_url)
    try:
        async with asyncio.timeout(wait):
            while True:
                async with db.sessionmaker() as session:
                    calls = list(
                        await session.scalars(select(Call).where(Call.caller.in_(numbers)))
                    )
                if len(calls) == len(numbers) and all(c.ended_at for c in calls):
                    return calls
                await asyncio.sleep(0.5)
    finally:
        await db.close()


async def test_a_storm_of_sip_calls_is_answered_within_three_rings_and_keys_reach_the_ivr(
    spawn_serve: SpawnServe, database_url: str, tmp_path: Path
) -> None:
    served = spawn_serve()
    await served.start()
    numbers = caller_numbers("1390", CALLS)
    with running_asterisk(tmp_path / "pbx", served.agi_port, carrier=LOOPBACK_CARRIER) as pbx:
        if not pbx.has_module_file("chan_pjsip.so"):
            pytest.skip("this Asterisk was built without pjproject: no SIP")
        sipp = tmp_path / "sipp"
        code, output = await asyncio.to_thread(
            run_sipp, sipp, pbx.sip_port, numbers, hotline_caller(tmp_path)
        )
        assert code == 0, output  # every call completed its scenario: no SIP error, no early BYE
        refused = [ln for ln in pbx.messages().splitlines() if "Maximum call limit" in ln]
        assert refused == []
        overflowed = [ln for ln in pbx.messages().splitlines() if "overflow@hotline-ivr" in ln]
        assert overflowed == []  # all of them within IVR_MAX_CALLERS
        times = sorted(answer_times_ms(sipp))
        calls = await finished_calls(database_url, set(numbers), wait=60)

    assert len(times) == CALLS
    p99 = times[int(0.99 * (len(times) - 1))]
    assert times[-1] < THREE_RINGS_MS, (statistics.median(times), p99, times[-1])
    # Key 9 ("For English, press 9") arrived as RTP events, reached the IVR during the greeting
    # and switched the call to English: for every call.
    no_key = [
        c.caller
        for c in calls
        if not any(
            e.kind == "key" and e.data.get("digits") == "9" and e.data.get("during") == "greeting"
            for e in c.events
        )
    ]
    assert no_key == [], f"{len(no_key)} calls without key 9 in the log, e.g. {no_key[:5]}"
    assert {c.language for c in calls} == {"en-US"}
    assert all(c.answered_at is not None for c in calls)


def hotline_channels(pbx: Pbx) -> int:
    """Channels in the dialplan's counted group (GROUP()=hotline)."""
    return sum(" hotline " in f" {ln} " for ln in pbx.rx("group show channels").splitlines())


async def test_callers_past_the_limit_are_answered_and_offered_a_callback(
    spawn_serve: SpawnServe, database_url: str, tmp_path: Path, pbx_sounds: Path
) -> None:
    served = spawn_serve()
    await served.start()
    limit = 10
    inside, past = caller_numbers("1390", limit), caller_numbers("1391", 10)
    with running_asterisk(
        tmp_path / "pbx", served.agi_port, carrier=LOOPBACK_CARRIER,
        globals_extra=f"IVR_MAX_CALLERS = {limit}\n", sounds=pbx_sounds,
    ) as pbx:
        if not pbx.has_module_file("chan_pjsip.so"):
            pytest.skip("this Asterisk was built without pjproject: no SIP")
        # `limit` callers fill the hotline and stay in it...
        holding = asyncio.create_task(asyncio.to_thread(
            run_sipp, tmp_path / "inside", pbx.sip_port, inside,
            hotline_caller(tmp_path, hold_ms=25_000),  # past the overflow calls' 25 s
        ))
        async with asyncio.timeout(20):
            while hotline_channels(pbx) < limit:  # noqa: ASYNC110
                await asyncio.sleep(0.2)
        # ...and the next ones are answered, press 1 during the offer and are hung up on once
        # the IVR has promised the callback.
        offer = scenario(tmp_path, "overflow_caller", DTMF_1, KEY_AT_MS=1500)
        code, output = await asyncio.to_thread(
            run_sipp, tmp_path / "past", pbx.sip_port, past, offer
        )
        assert code == 0, output
        assert hotline_channels(pbx) == limit  # the overflow callers were never counted in
        inside_code, inside_output = await holding
        assert inside_code == 0, inside_output
        times = answer_times_ms(tmp_path / "past")
        log = pbx.messages()

    assert len(times) == len(past) and max(times) < THREE_RINGS_MS, times
    assert log.count("Executing [overflow@hotline-ivr:1]") == len(past)
    db = Database.from_url(database_url)
    try:
        async with db.sessionmaker() as session:
            orders = list(await session.scalars(select(Ticket).where(Ticket.caller.in_(past))))
            targets = list(await session.scalars(
                select(DialTarget).where(DialTarget.ticket_id.in_([t.id for t in orders]))
            ))
    finally:
        await db.close()
    # one work order to call back per caller past the limit, each with its dial-back target
    assert sorted(t.caller or "" for t in orders) == past
    # no queue was tried: each says the lines were full (the overflow flow, not the callback's)
    assert {t.description for t in orders} == {
        "callback: the hotline's lines were full; asked to be called back"}
    assert len(targets) == len(past)
