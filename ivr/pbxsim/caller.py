"""The simulated caller: what they key in, each time the IVR listens.

A response script is a list, one entry per time the IVR waits for input:
  - digits such as `"1"` or `"5100012345#"` (`0-9 * # A-D`): keyed in, one digit after another;
  - `""` or `"silence"`: the caller keys nothing and the command times out;
  - `"h"` or `"hangup"`: the caller hangs up instead of answering;
  - `"say:TEXT"`: the caller speaks TEXT (synthesised in a caller's voice);
  - `"audio:PATH"`: the caller speaks what the recording at PATH holds.

A response is consumed only by a command that listens: WAIT FOR DIGIT and GET DATA take
silence, hang-ups and digits; STREAM FILE takes a digit when that digit is one of its escape
digits, otherwise it plays to the end and the response waits for the next command, like a
patient caller who lets the menu finish (a hang-up in the middle of a prompt: `hangup_after`).
RECORD FILE takes speech, silence, hang-ups and keys. Speech offered to a command that listens
for keys only is what a caller saying something to a keypad menu amounts to: STREAM FILE plays
on through it, GET DATA and WAIT FOR DIGIT take it as no keys (a timeout). Keys left over
(GET DATA stopped at its maximum, STREAM FILE took only the first digit) stay pending for the
next listening command, as keys typed ahead do on a real line when the IVR sends its next
command at once; only a lone `#` after an entry that filled GET DATA's maximum is dropped, as
Asterisk drops it between commands. Timing is not modelled: on a real Asterisk a key that arrives
while no command listens (before the greeting starts, while the IVR is busy with the database)
is read and dropped by res_agi, so a caller who keys too early has to key again. A script entry
here is a key pressed while the IVR listens.
"""

from __future__ import annotations

import re
from collections.abc import Awaitable, Callable, Iterable
from dataclasses import dataclass
from typing import Literal

_KEYS = re.compile(r"[0-9*#A-D]+")


@dataclass(frozen=True)
class Response:
    kind: Literal["keys", "silence", "hangup", "speech", "audio"]
    digits: str = ""
    text: str = ""  # the words spoken ("speech") or the recording's path ("audio")

    @property
    def spoken(self) -> bool:
        return self.kind in ("speech", "audio")

    def __str__(self) -> str:
        if self.kind == "keys":
            return self.digits
        if self.kind == "speech":
            return f"say:{self.text}"
        if self.kind == "audio":
            return f"audio:{self.text}"
        return self.kind


SILENCE = Response("silence")
HANG_UP = Response("hangup")


def parse_response(text: str | Response | None) -> Response:
    """One response-script entry (see the module docstring)."""
    if isinstance(text, Response):
        return text
    value = (text or "").strip()
    if value.lower() in ("", "silence", "-"):
        return SILENCE
    if value.lower() in ("h", "hangup", "hang up"):
        return HANG_UP
    kind, sep, rest = value.partition(":")
    if sep and kind.lower() in ("say", "audio"):
        if not rest.strip():
            raise ValueError(f"{kind}: needs {'words' if kind.lower() == 'say' else 'a path'}")
        return Response("speech" if kind.lower() == "say" else "audio", text=rest.strip())
    if not _KEYS.fullmatch(value.upper()):
        raise ValueError(
            f"not a caller response (DTMF keys, '' for silence, 'h', say:WORDS, audio:PATH): "
            f"{text!r}"
        )
    return Response("keys", value.upper())


LiveInput = Callable[[], Awaitable[Response]]


class Caller:
    """Pending responses from a script, then from `live` (a terminal) or `when_done`."""

    def __init__(
        self,
        responses: Iterable[str | Response | None] = (),
        *,
        live: LiveInput | None = None,
        when_done: Response = HANG_UP,
    ) -> None:
        self._pending = [parse_response(r) for r in responses]
        self._live = live
        self._when_done = when_done
        self.exhausted = False  # the script ran out and `when_done` was used
        self.keys_pressed: list[str] = []

    @property
    def responses_left(self) -> int:
        return len(self._pending)

    async def peek(self) -> Response:
        """The response the caller will give at the next listening command."""
        if not self._pending:
            if self._live is not None:
                self._pending.append(await self._live())
            else:
                self.exhausted = True
                return self._when_done
        return self._pending[0]

    def take(self) -> Response:
        """Consume the whole pending response (silence or hang-up, or all its keys)."""
        if not self._pending:
            return self._when_done
        response = self._pending.pop(0)
        if response.kind == "keys":
            self.keys_pressed.append(response.digits)
        return response

    def take_digits(self, count: int) -> str:
        """Consume up to `count` keys of the pending keys response; the rest stays pending."""
        if not self._pending or self._pending[0].kind != "keys":
            return ""
        digits = self._pending[0].digits
        taken, rest = digits[:count], digits[count:]
        if rest:
            self._pending[0] = Response("keys", rest)
        else:
            self._pending.pop(0)
        self.keys_pressed.append(taken)
        return taken
