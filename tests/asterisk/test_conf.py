"""asterisk-conf/ and the IVR agree: every context, queue and AGI script the IVR names exists in
the configuration, and the configuration defines nothing the IVR does not know about."""

from __future__ import annotations

import re
import subprocess
from pathlib import Path

import pytest

from ivr import asterisk_names as names
from ivr.ami.agents_conf import AgentSeat, pjsip_agents_conf, queue_members_conf
from ivr.config import Settings
from ivr.pbxsim.ami_server import AmiSimulator

from .confparse import CONF, parse

# Dialplan applications and the module that provides each (the rest are built into the core).
APP_MODULES = {
    "AGI": "res_agi.so",
    "Playback": "app_playback.so",
    "Queue": "app_queue.so",
    "Dial": "app_dial.so",
    "SendDTMF": "app_senddtmf.so",
    "Read": "app_read.so",
    "Gosub": "app_stack.so",
    "Return": "app_stack.so",
}
BUILTIN_APPS = {"NoOp", "Goto", "GotoIf", "Hangup", "Answer", "Set"}
# Dialplan functions and the module that provides each.
FUNCTION_MODULES = {
    "CHANNEL": "func_channel.so",
    "CALLERID": "func_callerid.so",
    "IF": "func_logic.so",
    "LEN": "func_strings.so",
    "FIELDQTY": "func_strings.so",
    "FILTER": "func_strings.so",
    "CUT": "func_cut.so",
    "RAND": "func_rand.so",
    "GROUP": "func_groupcount.so",
    "GROUP_COUNT": "func_groupcount.so",
}


def dialplan_lines() -> list[tuple[str, str, str]]:
    """(context, extension, application call) for every priority line."""
    out = []
    ext = ""
    for section in parse(CONF / "extensions.conf").sections:
        for key, value in section.lines:
            if key == "exten":
                ext, _, rest = value.partition(",")
                app = rest.split(",", 1)[1]
            elif key == "same":
                app = value.split(",", 1)[1]
            else:
                continue
            out.append((section.name, ext, app))
    return out


def test_contexts_match_the_ivr_names_both_ways() -> None:
    conf = parse(CONF / "extensions.conf")
    contexts = {s.name for s in conf.sections} - {"general", "globals"}
    assert contexts == set(names.CONTEXTS)


def test_the_hotline_number_runs_the_ivr_script_and_falls_back_to_general() -> None:
    lines = dialplan_lines()
    inbound = [(e, a) for c, e, a in lines if c == names.INBOUND_CONTEXT]
    assert (names.HOTLINE_NUMBER, f"Goto({names.IVR_CONTEXT},admit,1)") in inbound
    # FastAGI runs only inside [hotline-agi] (the IVR processes tried in turn); each entry
    # names its script there: the hotline, the outbound entry, the overflow's callback offer,
    # all accepted from that context (ivr.app.entry_flow).
    agi = [(c, a) for c, _, a in lines if a.startswith("AGI(")]
    assert agi == [(names.AGI_HOSTS_CONTEXT, "AGI(agi://${AGI_HOST}/${ARG1})")]
    scripts = {(c, m.group(1)) for c, _, a in lines
               for m in [re.match(rf"Gosub\({names.AGI_HOSTS_CONTEXT},s,1\((\w+)\)\)", a)] if m}
    assert scripts == {
        (names.IVR_CONTEXT, names.AGI_SCRIPT),
        (names.OUTBOUND_CONTEXT, "outbound"),
        (names.IVR_CONTEXT, "overflow"),
    }
    assert names.AGI_HOSTS_CONTEXT in names.PBX_AGI_CONTEXTS
    ivr = [a for c, _, a in lines if c == names.IVR_CONTEXT]
    assert ivr[0] == "Set(CHANNEL(language)=${IVR_DEFAULT_LANGUAGE})"
    assert ivr[1] == f"Gosub({names.AGI_HOSTS_CONTEXT},s,1({names.AGI_SCRIPT}))"
    assert 'GotoIf($["${GOSUB_RETVAL}" != "done"]?fallback,1)' in ivr
    fallback = ivr[ivr.index(
        "NoOp(IVR unreachable (${GOSUB_RETVAL}): fallback to ${IVR_FALLBACK_QUEUE})"):]
    assert fallback[1:4] == [
        "Answer()",
        "Playback(${IVR_FALLBACK_PROMPT})",
        "Queue(${IVR_FALLBACK_QUEUE})",
    ]
    outbound = [a for c, _, a in lines if c == names.OUTBOUND_CONTEXT]
    assert f"Gosub({names.AGI_HOSTS_CONTEXT},s,1(outbound))" in outbound
    # Only the host loop runs AGI(), and every host of the list with the script it was given.
    agi_lines = [(c, a) for c, _, a in lines if a.startswith("AGI(")]
    assert agi_lines == [(names.AGI_HOSTS_CONTEXT, "AGI(agi://${AGI_HOST}/${ARG1})")]
    globals_ = parse(CONF / "extensions.conf").named("globals")[0]
    assert globals_.get("IVR_FALLBACK_QUEUE") == [names.asterisk_queue(names.FALLBACK_QUEUE)]
    # the hotline's own apology in the channel's language (`ivr prompts pbx-sounds`)
    assert globals_.get("IVR_FALLBACK_PROMPT") == ["hotline/fallback-apology"]


def test_every_application_comes_from_a_loaded_module() -> None:
    modules = parse(CONF / "modules.conf").named("modules")[0]
    loaded = set(modules.get("load"))
    assert modules.get("autoload") == ["no"]
    assert not loaded & set(modules.get("noload"))
    for context, ext, app in dialplan_lines():
        name = app.split("(", 1)[0]
        assert name in BUILTIN_APPS or APP_MODULES.get(name) in loaded, (context, ext, name)
    for context, ext, app in dialplan_lines():
        for function in re.findall(r"\$\{([A-Z]+)\(", app):
            assert FUNCTION_MODULES.get(function) in loaded, (context, ext, function)
    order = modules.get("load")
    assert order.index("app_queue.so") > order.index("chan_pjsip.so")
    assert order.index("app_queue.so") > order.index("pbx_config.so")


def test_queues_match_the_ivr_names_both_ways() -> None:
    conf = parse(CONF / "queues.conf")
    queues = {s.name for s in conf.sections if not s.is_template} - {"general"}
    assert queues == set(names.ASTERISK_QUEUES.values())
    assert set(names.ASTERISK_QUEUES) == set(names.QUEUES)
    assert "general" not in names.ASTERISK_QUEUES.values()  # app_queue's settings section


def test_each_agent_rings_three_rings_and_servicelevel_is_the_same() -> None:
    conf = parse(CONF / "queues.conf")
    three_rings = 3 * Settings().ring_seconds
    for queue in names.ASTERISK_QUEUES.values():
        assert float(conf.value(queue, "timeout")) == three_rings, queue
        assert float(conf.value(queue, "servicelevel")) == three_rings, queue
        assert conf.value(queue, "timeoutpriority") == "conf"
        assert conf.value(queue, "strategy") == "rrmemory"
        assert int(conf.value(queue, "wrapuptime")) > 0
        assert conf.value(queue, "announce-position") == "yes"
    assert conf.value("emergency", "joinempty") == "yes"


def test_manager_is_private_and_the_ivr_user_has_only_what_it_needs() -> None:
    conf = parse(CONF / "manager.conf")
    general = conf.named("general")[0]
    assert general.get("bindaddr") == ["127.0.0.1"]
    assert general.get("timestampevents") == ["yes"]
    assert int(general.get("authtimeout")[0]) <= 30 and int(general.get("authlimit")[0]) <= 10
    assert ("include", "manager-ivr.conf") in conf.includes
    sample = parse(CONF / "manager-ivr.conf.sample")
    (user,) = sample.sections
    assert set(user.get("read")[0].split(",")) == {"call", "agent"}
    assert set(user.get("write")[0].split(",")) == {"originate", "agent", "reporting"}
    # the simulator grants the same classes, so an action the user may not run fails there too
    assert AmiSimulator().write == set(user.get("write")[0].split(","))
    assert user.get("secret") == ["CHANGE-ME"]


def test_site_files_have_samples_and_are_never_committed() -> None:
    ignored = (CONF / ".gitignore").read_text().split()
    for conf_name in ("extensions.conf", "pjsip.conf", "manager.conf", "queues.conf"):
        for _, target in parse(CONF / conf_name).includes:
            assert target in ignored, target
            generated = target in ("pjsip-agents.conf", "queues-members.conf")
            assert generated or (CONF / f"{target}.sample").exists(), target
    tracked = subprocess.run(
        ["git", "ls-files", str(CONF)], capture_output=True, text=True, check=True
    ).stdout.split()
    assert not {t.rsplit("/", 1)[-1] for t in tracked} & set(ignored)


SEATS = [
    AgentSeat("A002", "Wang Fang", "8002", ("repair", "general")),
    AgentSeat("A001", "Li Na", "8001", ("billing", "general", "complaint")),
]


def test_generated_members_land_in_known_queues_with_skill_penalties(tmp_path: Path) -> None:
    path = tmp_path / "queues-members.conf"
    path.write_text(queue_members_conf(SEATS))
    conf = parse(path)
    assert all(s.options == "+" and s.name in names.ASTERISK_QUEUES.values() for s in conf.sections)
    members = {s.name: s.get("member") for s in conf.sections}
    assert members == {
        "repair": ["PJSIP/8002,0,A002,PJSIP/8002"],
        "billing": ["PJSIP/8001,0,A001,PJSIP/8001"],
        "complaint": ["PJSIP/8001,1,A001,PJSIP/8001"],
        "general-enquiry": ["PJSIP/8001,1,A001,PJSIP/8001", "PJSIP/8002,1,A002,PJSIP/8002"],
    }


def test_generated_endpoints_use_the_templates_in_pjsip_conf(tmp_path: Path) -> None:
    path = tmp_path / "pjsip-agents.conf"
    path.write_text(pjsip_agents_conf(SEATS, lambda seat: f"pw-{seat.extension}-0123456789"))
    templates = {s.name for s in parse(CONF / "pjsip.conf").sections if s.is_template}
    conf = parse(path)
    used = {s.options for s in conf.sections}
    assert used <= templates
    assert [s.name for s in conf.sections] == [
        "8001",
        "8001",
        "8001-auth",
        "8002",
        "8002",
        "8002-auth",
    ]
    assert conf.named("8001-auth")[0].get("password") == ["pw-8001-0123456789"]
    assert pjsip_agents_conf([], lambda s: "x").count("[") == 0


def test_endpoint_context_is_a_dialplan_context() -> None:
    conf = parse(CONF / "pjsip.conf")
    assert conf.value("carrier-endpoint", "context") == names.INBOUND_CONTEXT
    assert conf.value("agent-endpoint", "context") == names.AGENTS_CONTEXT
    assert conf.value("carrier-endpoint", "dtmf_mode") == "rfc4733"


@pytest.mark.parametrize("variable", names.CHANNEL_VARIABLES)
def test_channel_variables_the_ivr_sets_are_documented_for_the_administrator(variable: str) -> None:
    assert f";   {variable}" in (CONF / "extensions.conf").read_text()
