"""What happens after an unanswered attempt: per result, a delay before the next try, and the
most attempts a target gets in all. Answering machines count as unanswered for surveys (the
notice campaigns leave their message instead, see `machine_leaves_message`)."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import timedelta
from typing import Any

from ivr.db.enums import AttemptResult
from ivr.services.errors import ValidationError

RETRYABLE = (AttemptResult.NO_ANSWER, AttemptResult.BUSY, AttemptResult.CONGESTION,
             AttemptResult.FAILED, AttemptResult.MACHINE, AttemptResult.LOST)
DEFAULT_DELAYS: dict[AttemptResult, float] = {
    AttemptResult.NO_ANSWER: 30 * 60, AttemptResult.BUSY: 10 * 60,
    AttemptResult.CONGESTION: 5 * 60, AttemptResult.FAILED: 15 * 60,
    AttemptResult.MACHINE: 60 * 60, AttemptResult.LOST: 15 * 60,
}


@dataclass(frozen=True)
class RetryRules:
    max_attempts: int = 3
    delays: dict[AttemptResult, float] = field(default_factory=lambda: dict(DEFAULT_DELAYS))

    @classmethod
    def parse(cls, raw: dict[str, Any]) -> RetryRules:
        max_attempts = raw.get("max_attempts", 3)
        if not isinstance(max_attempts, int) or not 1 <= max_attempts <= 20:
            raise ValidationError("retries.max_attempts", "a whole number from 1 to 20")
        delays = dict(DEFAULT_DELAYS)
        for name, seconds in dict(raw.get("delays", {})).items():
            try:
                result = AttemptResult(name)
            except ValueError:
                raise ValidationError(f"retries.delays.{name}", "not a retryable result") from None
            if result not in RETRYABLE:
                raise ValidationError(f"retries.delays.{name}", "not a retryable result")
            if not isinstance(seconds, int | float) or seconds < 0:
                raise ValidationError(f"retries.delays.{name}", "seconds, 0 or more")
            delays[result] = float(seconds)
        return cls(max_attempts, delays)

    def as_dict(self) -> dict[str, Any]:
        return {"max_attempts": self.max_attempts,
                "delays": {k.value: v for k, v in self.delays.items()}}

    def next_delay(self, result: AttemptResult, attempts: int) -> timedelta | None:
        """The wait before the next attempt, or None when the target has had its last one."""
        if result not in RETRYABLE or attempts >= self.max_attempts:
            return None
        return timedelta(seconds=self.delays[result])


def retry_policy(rules: dict[str, Any], result: AttemptResult, attempts: int) -> timedelta | None:
    """The `RetryPolicy` the attempt store applies, from a campaign's rules JSON."""
    return RetryRules.parse(dict(rules.get("retries", {}))).next_delay(result, attempts)
