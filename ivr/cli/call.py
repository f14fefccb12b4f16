"""`ivr call`: play a call through the running server's FastAGI port from a terminal.

The simulator is imported inside the functions that use it, never at the top: `ivr serve`
loads this module with every other command, and nothing on the production path may carry
the PBX simulator (tests/test_layers.py checks it).
"""

from __future__ import annotations

import asyncio
import sys
from typing import TYPE_CHECKING

import click

from ivr.config import Settings

if TYPE_CHECKING:
    from ivr.pbxsim import CallTranscript, Event, Response


@click.command("call")
@click.option("--caller", "caller", default="+8613800138000", show_default=True,
              help="Caller id to present; 'unknown' for a withheld number.")
@click.option("--keys", "keys", multiple=True,
              help="One answer per time the IVR listens: digits like 1 or 5100012345#, "
                   "'' for silence, h to hang up, say:WORDS to speak (say:repair), "
                   "audio:FILE.wav to play a recording into the call. Repeat the option.")
@click.option("--script", default="hotline", show_default=True, help="FastAGI script name.")
@click.option("--host", default=None, help="FastAGI host (default: from IVR_AGI_BIND).")
@click.option("--port", type=int, default=None, help="FastAGI port (default: from IVR_AGI_BIND).")
@click.option("--language", default="zh", show_default=True, help="The channel's language.")
@click.option("--time-scale", type=float, default=0.0, show_default=True,
              help="0 plays instantly; 1 takes as long as a real call.")
@click.pass_obj
def call(
    settings: Settings,
    caller: str,
    keys: tuple[str, ...],
    script: str,
    host: str | None,
    port: int | None,
    language: str,
    time_scale: float,
) -> None:
    """Call the hotline from the terminal: prompts are printed, keys come from --keys, then
    (at a terminal) are typed live: an empty line is silence, h hangs up, say:WORDS speaks."""
    from ivr.pbxsim import (
        Caller,
        EndReason,
        PbxConfig,
        SoundLibrary,
        parse_response,
        simulate_call,
    )

    try:
        responses = [parse_response(k) for k in keys]
    except ValueError as exc:
        raise click.BadParameter(str(exc), param_hint="--keys") from None
    bind_host, bind_port = settings.agi_address
    live = _ask_terminal if sys.stdin.isatty() else None
    model = Caller(responses, live=live)
    config = PbxConfig(
        time_scale=time_scale,
        sounds=SoundLibrary(settings.prompt_cache_dir),
        language=language,
    )
    transcript = asyncio.run(
        simulate_call(
            host or bind_host,
            port or bind_port,
            script=script,
            caller=None if caller == "unknown" else caller,
            caller_model=model,
            config=config,
            observer=_show,
        )
    )
    _summary(transcript)
    if transcript.ended in (EndReason.CONNECT_FAILED, EndReason.IVR_SILENT):
        raise SystemExit(1)


def _show(event: Event) -> None:  # as it happens: prompts, keys, variables, applications
    from ivr.pbxsim import describe

    click.echo(describe(event))


async def _ask_terminal() -> Response:
    from ivr.pbxsim import HANG_UP, parse_response

    while True:
        click.echo("keys (Enter = silence, h = hang up, say:WORDS)> ", nl=False)
        line = await asyncio.to_thread(sys.stdin.readline)
        if not line:  # end of input: the caller puts the phone down
            return HANG_UP
        try:
            return parse_response(line.strip())
        except ValueError as exc:
            click.echo(str(exc))


def _summary(t: CallTranscript) -> None:
    click.echo("")
    click.echo(f"call {t.uniqueid}: {t.ended or 'unknown end'}"
               + (f" ({t.end_detail})" if t.end_detail else ""))
    for app in t.apps:
        click.echo(f"  application: {app.application}({app.args}) -> {app.result}")
    for name, value in t.variables.items():
        click.echo(f"  variable: {name}={value}")
    if t.responses_exhausted:
        click.echo("  (the caller hung up after the last --keys answer)")
    if t.unsupported:
        click.echo(f"  commands the simulator does not model: {', '.join(t.unsupported)}")
