"""AGI commands answered as Asterisk's res_agi.c answers them, on one simulated channel.

Reply formats, argument checks (520 usage), unknown commands (510), commands refused on a
dead channel (511) and the `HANGUP` line pushed when the channel goes away follow
`agi_handle_command`, `run_agi` and the `handle_*` functions. This module is the dispatch;
each command's handler lives with its kind: `control`, `variables`, `playback`, `digits`,
`recording`.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import NamedTuple

from ivr.agi.codec import REPLY_DEAD, REPLY_UNKNOWN, format_usage, split_command
from ivr.pbxsim import control, digits, playback, recording, variables
from ivr.pbxsim.channel import SimChannel
from ivr.pbxsim.transcript import EndReason

HANGUP_PUSH = "HANGUP\n"

# The reply to a command's arguments, or None for RESULT_SHOWUSAGE (520 with its usage).
Handler = Callable[[SimChannel, list[str]], Awaitable[str | None]]


class _Command(NamedTuple):
    words: tuple[str, ...]
    dead_ok: bool  # allowed on a dead channel
    handler: Handler | None  # None: Asterisk knows it, the simulator does not model it
    usage: str


_SIMULATED = [
    _Command(("answer",), False, control.answer, "ANSWER"),
    _Command(("exec",), True, variables.exec_application, "EXEC <application> <options>"),
    _Command(("get", "data"), False, digits.get_data, "GET DATA <file> [timeout] [maxdigits]"),
    _Command(("get", "variable"), True, variables.get_variable, "GET VARIABLE <variablename>"),
    _Command(("hangup",), False, control.hangup, "HANGUP [channelname]"),
    _Command(("noop",), True, control.noop, "NOOP"),
    _Command(("record", "file"), False, recording.record_file,
             "RECORD FILE <filename> <format> <escape_digits> <timeout> [offset samples] "
             "[BEEP] [s=silence]"),
    _Command(("set", "variable"), True, variables.set_variable, "SET VARIABLE <name> <value>"),
    _Command(("stream", "file"), False, playback.stream_file,
             "STREAM FILE <filename> <escape_digits> [sample offset]"),
    _Command(("verbose",), True, control.verbose, "VERBOSE <message> <level>"),
    _Command(("wait", "for", "digit"), False, digits.wait_for_digit, "WAIT FOR DIGIT <timeout>"),
]

# Commands Asterisk knows that the simulator does not model: they answer 510 here and are
# listed in the transcript's `unsupported`, so a flow that needs one is noticed in tests.
_NOT_SIMULATED = [
    _Command(words, dead_ok, None, "")
    for words, dead_ok in [
        (("asyncagi", "break"), True),
        (("channel", "status"), False),
        (("control", "stream", "file"), False),
        (("database", "del"), True),
        (("database", "deltree"), True),
        (("database", "get"), True),
        (("database", "put"), True),
        (("get", "full", "variable"), True),
        (("get", "option"), False),
        (("receive", "char"), False),
        (("receive", "text"), False),
        (("say", "alpha"), False),
        (("say", "date"), False),
        (("say", "datetime"), False),
        (("say", "digits"), False),
        (("say", "number"), False),
        (("say", "phonetic"), False),
        (("say", "time"), False),
        (("send", "image"), False),
        (("send", "text"), False),
        (("set", "autohangup"), False),
        (("set", "callerid"), False),
        (("set", "context"), False),
        (("set", "extension"), False),
        (("set", "music"), False),
        (("set", "priority"), False),
        (("speech", "create"), False),
        (("tdd", "mode"), False),
    ]
]

_COMMANDS = _SIMULATED + _NOT_SIMULATED


class AgiEmulator(SimChannel):
    """The channel side of res_agi: takes one command line, returns the text Asterisk sends."""

    async def handle(self, line: str) -> str:
        """The reply to one command line (the line without its newline)."""
        argv = split_command(line)
        command = _find(argv)
        if command is None:
            return REPLY_UNKNOWN
        if self.dead and not command.dead_ok:
            return REPLY_DEAD
        if command.handler is None:
            self.transcript.unsupported.append(" ".join(command.words).upper())
            return REPLY_UNKNOWN
        reply = await command.handler(self, argv)
        if reply is None:  # RESULT_SHOWUSAGE
            return format_usage(command.usage)
        if self.going:
            self.going = False
            self.dead = True
            if self.config.send_sighup:
                reply += HANGUP_PUSH
        return reply

    def caller_hangs_up(self) -> str:
        """The caller hangs up between commands; returns what Asterisk pushes."""
        if self.dead:
            return ""
        self.dead = True
        self.end(EndReason.CALLER_HUNG_UP, "between commands")
        return HANGUP_PUSH if self.config.send_sighup else ""


def _find(argv: list[str]) -> _Command | None:
    # find_command: every word of the command must match (case-insensitively); words beyond
    # the command's own are its arguments.
    for command in _COMMANDS:
        if len(argv) >= len(command.words) and all(
            a.lower() == w for a, w in zip(argv, command.words, strict=False)
        ):
            return command
    return None
