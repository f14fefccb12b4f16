"""The rendered-prompt cache: content-addressed files that Asterisk plays straight from disk.

A prompt is `<root>/<language>/<key>.wav` (8 kHz 16-bit mono, Asterisk's `wav` format),
`<key>.wav16` (16 kHz, for wideband channels; not for a sentence joined for one caller, see
joined.py) and `<key>.txt` (the exact words spoken, which the PBX simulator and `ivr call`
show). The key hashes the text with everything that changes the sound (engine version, voice,
rate), so an edited prompt gets a new file and an unchanged one is never rendered twice. Files
appear by rename, the `.wav` last: a reader that sees the `.wav` sees a complete prompt, never
half a file; and every file is measured before it is published (quality.py), so a silent or
clipped rendering is never cached.
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
        # Complete prompts, known in memory: read from disk once (the first lookup), then kept
        # up to date by this process's renders and removals, so a call's prompt is found
        # without a stat() per command. Another instance's renders are found on a miss.
        self._known: set[Path] | None = None
        self.disk_checks = 0  # lookups that went to disk (misses), for tests and benchmarks

    def base(self, language: str, key: str) -> Path:
        """The path without extension that STREAM FILE takes."""
        return self.root / language / key

    def remove(self, base: Path) -> None:
        """Delete a prompt's files, the `.wav` first so that no reader takes it as complete."""
        if self._known is not None:
            self._known.discard(base)
        for suffix in reversed(AUDIO_SUFFIXES):
            base.with_suffix(suffix).unlink(missing_ok=True)

    def is_complete(self, base: Path) -> bool:
        """Whether `base` is rendered: from memory; only a prompt not known yet is looked for
        on disk (rendered by another instance sharing the directory, or never)."""
        known = self._index()
        if base in known:
            return True
        if self.on_disk(base):
            known.add(base)
            return True
        return False

    def forget(self, base: Path) -> None:
        """Stop knowing `base` without touching its files: the next request makes it again."""
        if self._known is not None:
            self._known.discard(base)

    def known(self, base: Path) -> bool:
        """Whether this process knows `base` is rendered (memory only, no disk access)."""
        return base in self._index()

    def on_disk(self, base: Path) -> bool:
        self.disk_checks += 1
        return base.with_suffix(".wav").exists() and base.with_suffix(".txt").exists()

    def _index(self) -> set[Path]:
        if self._known is None:
            self._known = set()
            for language_dir in (self.root.iterdir() if self.root.is_dir() else ()):
                if not language_dir.is_dir():
                    continue
                names = {p.name for p in language_dir.iterdir()}
                self._known.update(
                    language_dir / name[:-4] for name in names
                    if name.endswith(".wav") and not name.startswith(".")
                    and f"{name[:-4]}.txt" in names)
        return self._known

    def __len__(self) -> int:
        return len(self._index())

    async def get_or_render(self, base: Path, render: Callable[[Path], Awaitable[None]],
                            *, probe: bool = True) -> Path:
        """Return `base` once its files exist, calling `render(base)` at most once at a time.

        Concurrent requests for the same prompt share one rendering. A waiter that is cancelled
        (the caller hung up) does not cancel the rendering others may be waiting for.
        `probe=False`: a prompt not known in memory is made without looking on disk first
        (cheaper to make again than to look for: a joined one).
        """
        if self.known(base) or (probe and self.is_complete(base)):
            return base
        task = self._inflight.get(base)
        if task is None:
            task = asyncio.create_task(self._render_once(base, render, probe))
            self._inflight[base] = task
            task.add_done_callback(lambda _: self._inflight.pop(base, None))
        return await asyncio.shield(task)

    async def _render_once(self, base: Path, render: Callable[[Path], Awaitable[None]],
                           probe: bool) -> Path:
        if not (probe and self.on_disk(base)):  # another process may have finished it
            await render(base)
        self._index().add(base)
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
