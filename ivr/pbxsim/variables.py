"""SET VARIABLE, GET VARIABLE and EXEC (which may set variables) as res_agi answers them.
A handler returns None for RESULT_SHOWUSAGE (520)."""

from __future__ import annotations

from ivr.agi.codec import format_ok
from ivr.pbxsim.amd import detect
from ivr.pbxsim.channel import SimChannel
from ivr.pbxsim.transcript import AppRun, EndReason


async def set_variable(channel: SimChannel, argv: list[str]) -> str | None:
    if len(argv) != 4:
        return None
    channel.set_variable(argv[2], argv[3])
    return format_ok(1)


async def get_variable(channel: SimChannel, argv: list[str]) -> str | None:
    if len(argv) != 3:
        return None
    name = argv[2]
    value = _function(channel, name) if name.endswith(")") else _variable(channel, name)
    return format_ok(1, value) if value is not None else format_ok(0)


def _variable(channel: SimChannel, name: str) -> str | None:
    builtins = {
        "CHANNEL": channel.channel_name,
        "UNIQUEID": channel.transcript.uniqueid,
        "EXTEN": channel.config.extension,
        "CONTEXT": channel.config.context,
        "CALLERIDNUM": channel.transcript.caller or "",
    }
    return channel.variables.get(name, builtins.get(name))


def _function(channel: SimChannel, expr: str) -> str | None:
    functions = {
        "CALLERID(num)": channel.transcript.caller or "",
        "CALLERID(name)": channel.transcript.caller or "",
        "CHANNEL(language)": channel.config.language,
        "CHANNEL(name)": channel.channel_name,
        "CHANNEL(uniqueid)": channel.transcript.uniqueid,
    }
    return functions.get(expr)  # any other function fails to read: result=0


async def exec_application(channel: SimChannel, argv: list[str]) -> str | None:
    """EXEC: the application behaves as `PbxConfig.applications` says."""
    if len(argv) < 2:
        return None
    application, args = argv[1], argv[2] if len(argv) >= 3 else ""
    behaviour = {k.lower(): v for k, v in channel.config.applications.items()}.get(
        application.lower()
    )
    if behaviour is None and application.lower() == "amd":
        return await _answering_machine_detection(channel, application, args)
    if behaviour is None:
        channel.record(AppRun(channel.clock.now, application, args, -2))
        return format_ok(-2)  # "Could not find application"
    if application.lower() == "set" and "=" in args:
        name, value = args.split("=", 1)
        channel.set_variable(name, value)
    for name, value in behaviour.sets.items():
        channel.variables[name] = value
    channel.record(AppRun(channel.clock.now, application, args, behaviour.result))
    await channel.clock.advance(behaviour.seconds)
    if behaviour.ends_call:
        channel.hang_up(EndReason.APPLICATION_ENDED, f"{application}({args})")
    return format_ok(behaviour.result)


async def _answering_machine_detection(channel: SimChannel, application: str,
                                       args: str) -> str:
    """AMD(...): app_amd.c's decision over the callee's audio; AMDSTATUS and AMDCAUSE are
    left on the channel and the application returns 0 (a hang-up during it: HANGUP, and the
    channel is gone)."""
    result = detect(channel.config.amd.with_args(args), channel.config.callee_audio)
    channel.variables["AMDSTATUS"] = result.status
    channel.variables["AMDCAUSE"] = result.cause
    channel.record(AppRun(channel.clock.now, application, args, 0))
    await channel.clock.advance(result.ms / 1000)
    if result.status == "HANGUP":
        channel.hang_up(EndReason.CALLER_HUNG_UP, "hung up during AMD")
    return format_ok(0)
