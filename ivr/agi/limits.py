"""Open-file limits and log lines that repeat: what keeps a connection flood from taking the
hotline down (or filling the disk with one log line per failed connection)."""

from __future__ import annotations

import logging
import resource
import time
from collections.abc import Callable

# File descriptors kept back from FastAGI connections: the database pool, the web API, prompt
# and recording files, logs. A call costs one descriptor (its socket).
RESERVED_FILES = 128


def raise_open_file_limit() -> tuple[int, int]:
    """Raise this process's soft RLIMIT_NOFILE to its hard limit; returns (before, after)."""
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    if soft != hard:
        try:
            resource.setrlimit(resource.RLIMIT_NOFILE, (hard, hard))
        except (ValueError, OSError):  # some containers refuse; keep what we have
            return soft, soft
    return soft, hard


def default_max_connections() -> int:
    """A connection cap that leaves room under the open-file limit: a flood is refused at the
    cap instead of making every accept fail (and every call with it)."""
    soft, _hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    if soft == resource.RLIM_INFINITY:
        soft = 1 << 20
    reserve = max(RESERVED_FILES // 2, min(RESERVED_FILES, soft // 4))
    return max(16, soft - reserve)


class RepeatLog:
    """Logs the first of a kind of message in each interval, then one summary of how many more
    there were: a flood of failing connections writes a few lines, not one per connection."""

    def __init__(self, logger: logging.Logger, interval: float,
                 clock: Callable[[], float] = time.monotonic) -> None:
        self._log = logger
        self._interval = interval
        self._clock = clock
        self._since: dict[str, float] = {}
        self._suppressed: dict[str, int] = {}

    def log(self, level: int, key: str, message: str, *args: object) -> None:
        now = self._clock()
        since = self._since.get(key)
        if since is not None and now - since < self._interval:
            self._suppressed[key] = self._suppressed.get(key, 0) + 1
            return
        self.flush(key, now)
        self._since[key] = now
        self._log.log(level, message, *args)

    def flush(self, key: str | None = None, now: float | None = None) -> None:
        """Write the summary line of messages held back (all kinds when `key` is None)."""
        now = self._clock() if now is None else now
        for name in [key] if key is not None else list(self._suppressed):
            count = self._suppressed.pop(name, 0)
            if count:
                self._log.warning("FastAGI: %d more %s in the last %.0f s", count, name,
                                  now - self._since.get(name, now))
