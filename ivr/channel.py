"""The `Channel` port: what a call flow may ask of the phone call it drives.

It stands on its own, below both sides: the flows drive it and the FastAGI adapter implements
it, so neither imports the other.

The flow engine talks only to this interface. `ivr.agi.session.AgiChannel` implements it over
FastAGI; tests drive the same implementation through the PBX simulator over real TCP.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Literal, Protocol


class ChannelHangup(Exception):  # a hangup is a normal end of a call, not an error
    """The caller hung up (Asterisk sent HANGUP, answered 511, or the connection ended)."""


class ChannelLost(ChannelHangup):
    """The connection to Asterisk ended without a HANGUP, or Asterisk stopped answering in time."""


class AgiError(Exception):
    """Asterisk refused or did not understand a command (510/520), or replied malformed."""


class PlaybackFailed(AgiError):
    """Asterisk could not play a file (`result=-1`, channel still up): usually a missing file."""


class RecordingFailed(AgiError):
    """Asterisk could not record (`(writefile)`: no such directory or format; or the beep
    before recording could not play), with the channel still up."""


@dataclass(frozen=True)
class DigitsResult:
    """What the caller keyed in at a `get_data` prompt."""

    digits: str
    timed_out: bool  # Asterisk's "(timeout)" marker: the caller stopped keying, or keyed nothing


@dataclass(frozen=True)
class RecordResult:
    """How a `record_file` recording ended.

    `reason` is "dtmf" when the caller pressed `digit`, "silence" when Asterisk's silence
    detector stopped it, "timeout" when it ran for the whole time limit. `endpos` is the
    length of the recording in samples.
    """

    digit: str | None
    reason: Literal["dtmf", "timeout", "silence"]
    endpos: int


class Channel(Protocol):
    """One live call, as a flow sees it. Methods raise `ChannelHangup` once the caller is gone."""

    @property
    def env(self) -> Mapping[str, str]:
        """The `agi_*` variables Asterisk sent, without the `agi_` prefix (`uniqueid`, ...)."""
        ...

    @property
    def uniqueid(self) -> str: ...

    @property
    def caller_number(self) -> str | None:
        """`agi_callerid`, or None when Asterisk reports it as unknown."""
        ...

    async def answer(self) -> None: ...

    async def stream_file(self, filename: str, escape_digits: str = "") -> str | None:
        """Play a sound file (path without extension). Returns the escape digit pressed, if any."""
        ...

    async def get_data(self, filename: str, timeout_ms: int, max_digits: int) -> DigitsResult:
        """Play a file and collect up to `max_digits` keys; `#` ends entry early (not returned)."""
        ...

    async def wait_for_digit(self, timeout_ms: int) -> str | None: ...

    async def record_file(
        self,
        filename: str,
        fmt: str = "wav",
        escape_digits: str = "",
        timeout_ms: int = 8000,
        silence_seconds: int | None = 1,
        beep: bool = False,
    ) -> RecordResult:
        """Record the caller into `filename`.`fmt` (a path Asterisk can write, without the
        extension), until a key of `escape_digits`, `silence_seconds` of silence or
        `timeout_ms` (-1: no limit). Raises `RecordingFailed` when Asterisk cannot write it."""
        ...

    async def set_variable(self, name: str, value: str) -> None: ...

    async def get_variable(self, name: str) -> str | None: ...

    async def exec(self, application: str, *args: str) -> int:
        """Run a dialplan application (e.g. `Queue`); returns the application's result code."""
        ...

    async def verbose(self, message: str, level: int = 1) -> None: ...

    async def hangup(self) -> None: ...
