"""A campaign's rules as the dialer uses them, parsed (and so validated) from its JSON."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from ivr.dialer.pacing import Pacing
from ivr.dialer.retries import RetryRules
from ivr.dialer.windows import CallingWindow


@dataclass(frozen=True)
class Rules:
    window: CallingWindow
    pacing: Pacing
    retries: RetryRules
    machine_leaves_message: bool = False  # notices: leave the message; surveys: retry

    @classmethod
    def parse(cls, raw: dict[str, Any], *, trunk_channels: int) -> Rules:
        return cls(
            CallingWindow.parse(dict(raw.get("window", {}))),
            Pacing.parse(dict(raw.get("pacing", {})), trunk_channels=trunk_channels),
            RetryRules.parse(dict(raw.get("retries", {}))),
            bool(raw.get("machine_leaves_message", False)),
        )

    def as_dict(self) -> dict[str, Any]:
        return {"window": self.window.as_dict(), "pacing": self.pacing.as_dict(),
                "retries": self.retries.as_dict(),
                "machine_leaves_message": self.machine_leaves_message}
