"""The PBX side is sized for a storm and says something defined to every caller beyond a limit:
the RTP range covers the calls asterisk.conf allows, docker-compose publishes exactly that range,
the dialplan's own caller limit sits below Asterisk's (which would answer with a SIP error), and
the caller past it is answered with an apology and a callback offer."""

from __future__ import annotations

from pathlib import Path

from ruamel.yaml import YAML

from ivr import asterisk_names as names

from .confparse import CONF, parse
from .test_conf import dialplan_lines

ROOT = CONF.parent
# Agent legs of connected calls also take an RTP stream each; a site with more agents than this
# widens rtp.conf (README.md).
AGENT_LEGS = 500


def _int(path: Path, section: str, key: str) -> int:
    return int(parse(path).value(section, key))


def _max_callers() -> int:
    (value,) = parse(CONF / "extensions.conf").named("globals")[0].get("IVR_MAX_CALLERS")
    return int(value)


def test_rtp_range_carries_every_call_asterisk_accepts_plus_agent_legs() -> None:
    start = _int(CONF / "rtp.conf", "general", "rtpstart")
    end = _int(CONF / "rtp.conf", "general", "rtpend")
    maxcalls = _int(CONF / "asterisk.conf", "options", "maxcalls")
    streams = (end - start + 1) // 2  # an even RTP port and the RTCP port above it
    assert streams >= maxcalls + AGENT_LEGS, (streams, maxcalls)


def test_the_dialplan_limit_is_below_asterisks_so_the_overflow_path_can_answer() -> None:
    maxcalls = _int(CONF / "asterisk.conf", "options", "maxcalls")
    assert 0 < _max_callers() < maxcalls
    # 200 simultaneous carrier calls (the storm run that found the 488s) fit under both
    assert _max_callers() >= 200
    assert _int(CONF / "asterisk.conf", "options", "maxfiles") >= 10 * maxcalls


def test_docker_compose_publishes_the_rtp_range_and_open_files() -> None:
    compose = YAML(typ="safe").load((ROOT / "docker-compose.yml").read_text())
    asterisk = compose["services"]["asterisk"]
    start = _int(CONF / "rtp.conf", "general", "rtpstart")
    end = _int(CONF / "rtp.conf", "general", "rtpend")
    assert f"{start}-{end}:{start}-{end}/udp" in asterisk["ports"]
    assert "5060:5060/udp" in asterisk["ports"]
    nofile = asterisk["ulimits"]["nofile"]
    assert nofile >= _int(CONF / "asterisk.conf", "options", "maxfiles")


def test_queues_hold_a_bounded_line_except_emergency() -> None:
    conf = parse(CONF / "queues.conf")
    for queue in names.ASTERISK_QUEUES.values():
        maxlen = int(conf.value(queue, "maxlen"))
        if queue == "emergency":
            assert maxlen == 0, "a danger report must never be refused (0 = no limit)"
        else:
            assert 0 < maxlen <= _max_callers(), queue


def test_every_call_from_outside_passes_the_limit_and_the_overflow_answers() -> None:
    lines = dialplan_lines()
    inbound = [a for c, _, a in lines if c == names.INBOUND_CONTEXT]
    assert inbound[-1] == f"Goto({names.IVR_CONTEXT},admit,1)"
    numbers = parse(CONF / "hotline-numbers.conf.sample")
    assert numbers.sections == []  # only commented examples, which use the same entry:
    sample = (CONF / "hotline-numbers.conf.sample").read_text()
    assert "Goto(hotline-ivr,s,1)" not in sample and "Goto(hotline-ivr,admit,1)" in sample
    ivr = {(e, a) for c, e, a in lines if c == names.IVR_CONTEXT}
    admit = [a for e, a in sorted(ivr) if e == "admit"]
    assert "Set(GROUP()=hotline)" in admit
    assert "GotoIf($[${GROUP_COUNT(hotline)} > ${IVR_MAX_CALLERS}]?overflow,1)" in admit
    overflow = [a for c, e, a in lines if c == names.IVR_CONTEXT and e == "overflow"]
    # leaves the counted group, speaks the caller's default language, answers (200 OK, not an
    # error), offers the callback and otherwise apologises
    assert overflow[:3] == [
        "Set(GROUP()=overflow)",
        "Set(CHANNEL(language)=${IVR_DEFAULT_LANGUAGE})",
        "Answer()",
    ]
    assert "Read(OVERFLOW_CHOICE,${IVR_OVERFLOW_PROMPT},1,,1,6)" in overflow
    # the overflow flow on the first IVR process that takes it (the host list of [hotline-agi])
    assert "Gosub(hotline-agi,s,1(overflow))" in overflow
    assert overflow[-2:] == ["Playback(${IVR_FALLBACK_BUSY_PROMPT})", "Hangup()"]
    assert (ROOT / "flows" / "overflow.yaml").is_file()
    loaded = set(parse(CONF / "modules.conf").named("modules")[0].get("load"))
    assert {"func_groupcount.so", "func_strings.so", "app_read.so"} <= loaded
