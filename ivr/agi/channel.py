"""The `Channel` interface: what a call flow may ask of the phone call it drives.

The flow engine talks only to this interface. `ivr.agi.session.AgiChannel` implements it over
FastAGI; tests drive the same implementation through the PBX simulator over real TCP.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Protocol


class ChannelHangup(Exception):  # a hangup is a normal end of a call, not an error
    """The caller hung up (Asterisk sent HANGUP, answered 511, or the connection ended)."""


class ChannelLost(ChannelHangup):
    """The connection to Asterisk ended without a HANGUP, or Asterisk stopped answering in time."""


class AgiError(Exception):
    """Asterisk refused or did not understand a command (510/520), or replied malformed."""


class PlaybackFailed(AgiError):
    """Asterisk could not play a file (`result=-1`, channel still up): usually a missing file."""


@dataclass(frozen=True)
class DigitsResult:
    """What the caller keyed in at a `get_data` prompt."""

    digits: str
    timed_out: bool  # Asterisk's "(timeout)" marker: the caller stopped keying, or keyed nothing


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

    async def set_variable(self, name: str, value: str) -> None: ...

    async def get_variable(self, name: str) -> str | None: ...

    async def exec(self, application: str, *args: str) -> int:
        """Run a dialplan application (e.g. `Queue`); returns the application's result code."""
        ...

    async def verbose(self, message: str, level: int = 1) -> None: ...

    async def hangup(self) -> None: ...
