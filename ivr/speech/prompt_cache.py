"""The rendered-prompt cache: content-addressed files that Asterisk plays straight from disk.

A prompt is `<root>/<language>/<key>.wav` (8 kHz 16-bit mono, Asterisk's `wav` format),
`<key>.wav16` (16 kHz, for wideband channels) and `<key>.txt` (the exact words spoken, which the
PBX simulator and `ivr call` show). The key hashes the text with everything that changes the
sound (engine version, voice, rate), so an edited prompt gets a new file and an unchanged one is
never rendered twice. Files appear by rename, the `.wav` last: a reader that sees the `.wav`
sees a complete prompt, never half a file; and every file is measured before it is published
(quality.py), so a silent or clipped rendering is never cached.
"""

from __future__ import annotations

import asyncio
import hashlib
import os
from collections.abc import Awaitable, Callable, Mapping
from pathlib import Path

AUDIO_SUFFIXES = (".wav16", ".txt", ".wav")  # publication order: the `.wav` marks completion


def prompt_key(text: str, *, engine: str, voice: str, rate: int) -> str:
    digest = hashlib.sha256("\0".join((engine, voice, str(rate), text)).encode("utf-8"))
    return digest.hexdigest()[:32]


class PromptCache:
    def __init__(self, root: Path) -> None:
        # Asterisk resolves relative names against its own sounds directory: hand it absolute ones.
        self.root = root.resolve()
        self._inflight: dict[Path, asyncio.Task[Path]] = {}

    def base(self, language: str, key: str) -> Path:
        """The path without extension that STREAM FILE takes."""
        return self.root / language / key

    @staticmethod
    def remove(base: Path) -> None:
        """Delete a prompt's files, the `.wav` first so that no reader takes it as complete."""
        for suffix in reversed(AUDIO_SUFFIXES):
            base.with_suffix(suffix).unlink(missing_ok=True)

    @staticmethod
    def is_complete(base: Path) -> bool:
        return base.with_suffix(".wav").exists() and base.with_suffix(".txt").exists()

    async def get_or_render(self, base: Path, render: Callable[[Path], Awaitable[None]]) -> Path:
        """Return `base` once its files exist, calling `render(base)` at most once at a time.

        Concurrent requests for the same prompt share one rendering. A waiter that is cancelled
        (the caller hung up) does not cancel the rendering others may be waiting for.
        """
        if self.is_complete(base):
            return base
        task = self._inflight.get(base)
        if task is None:
            task = asyncio.create_task(self._render_once(base, render))
            self._inflight[base] = task
            task.add_done_callback(lambda _: self._inflight.pop(base, None))
        return await asyncio.shield(task)

    async def _render_once(self, base: Path, render: Callable[[Path], Awaitable[None]]) -> Path:
        if not self.is_complete(base):  # another process may have finished it meanwhile
            await render(base)
        return base


def temp_path(base: Path, suffix: str) -> Path:
    """A private name beside the final file, so the rename stays on one filesystem."""
    return base.with_name(f".{base.name}.{os.getpid()}.{os.urandom(4).hex()}{suffix}")


def publish(base: Path, files: Mapping[str, Path]) -> None:
    """Flush finished temp files to disk, then rename them into place, `.wav` last (blocking).

    The flush comes first so that a crash or power loss after the rename cannot leave a
    complete-looking prompt with no samples in it.
    """
    for suffix in AUDIO_SUFFIXES:
        if suffix in files:
            fd = os.open(files[suffix], os.O_RDONLY)
            try:
                os.fsync(fd)
            finally:
                os.close(fd)
    for suffix in AUDIO_SUFFIXES:
        if suffix in files:
            os.replace(files[suffix], base.with_suffix(suffix))


def discard(files: Mapping[str, Path]) -> None:
    for path in files.values():
        path.unlink(missing_ok=True)
