"""The text-to-speech worker process, and the asyncio client that drives it.

pyttsx3 blocks, and its espeak driver keeps process-global state (espeak initialises once per
process), so it is neither loop- nor thread-friendly. Each worker is a child process running
`python -m ivr.speech.tts_worker`, speaking one JSON line per request on stdin and one per reply
on a private copy of stdout (pyttsx3 prints chatter on the real one, which goes to stderr). The
client puts a time limit on every render; a worker that overruns is killed, and the next render
starts a fresh one.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import os
import sys
from pathlib import Path
from typing import Any


class TtsError(Exception):
    """A prompt could not be rendered; the message says why."""


class TtsTimeout(TtsError):
    """The engine did not finish in time; its worker was killed."""


class TtsWorker:
    """One worker process, used by one render at a time."""

    DEFAULT_COMMAND = (sys.executable, "-m", "ivr.speech.tts_worker")

    def __init__(self, timeout: float, command: tuple[str, ...] = DEFAULT_COMMAND) -> None:
        self.timeout = timeout
        self.command = command
        self._proc: asyncio.subprocess.Process | None = None

    async def synthesize(self, text: str, voice: str, rate: int, out: Path) -> int:
        """Write `text` spoken by `voice` to the WAV file `out` (the engine's own sample rate).

        Returns how many times the engine repeated the request because it wrote no samples.
        """
        proc = await self._ensure_started()
        assert proc.stdin is not None and proc.stdout is not None
        request = json.dumps({"text": text, "voice": voice, "rate": rate, "out": str(out)})
        try:
            proc.stdin.write(request.encode("utf-8") + b"\n")
            await asyncio.wait_for(proc.stdin.drain(), self.timeout)
            line = await asyncio.wait_for(proc.stdout.readline(), self.timeout)
        except TimeoutError:
            await self.stop()
            raise TtsTimeout(
                f"text-to-speech engine did not finish within {self.timeout:g} s "
                "(IVR_TTS_TIMEOUT); worker restarted"
            ) from None
        except (ConnectionError, BrokenPipeError) as exc:
            await self.stop()
            raise TtsError(f"text-to-speech worker died: {exc}") from None
        if not line:
            code = await self.stop()
            raise TtsError(f"text-to-speech worker exited (status {code}); restarted")
        reply = json.loads(line)
        if not reply.get("ok"):
            raise TtsError(f"text-to-speech failed: {reply.get('error')}")
        return int(reply.get("repeats", 0))

    async def _ensure_started(self) -> asyncio.subprocess.Process:
        if self._proc is None or self._proc.returncode is not None:
            self._proc = await asyncio.create_subprocess_exec(
                *self.command,
                stdin=asyncio.subprocess.PIPE,
                stdout=asyncio.subprocess.PIPE,
                stderr=asyncio.subprocess.DEVNULL,
            )
        return self._proc

    @property
    def pid(self) -> int | None:
        return self._proc.pid if self._proc and self._proc.returncode is None else None

    async def stop(self) -> int | None:
        """Kill the worker (if running) and reap it; returns its exit status."""
        proc, self._proc = self._proc, None
        if proc is None:
            return None
        if proc.returncode is None:
            with contextlib.suppress(ProcessLookupError):
                proc.kill()
        return await proc.wait()


RENDER_ATTEMPTS = 3
WAV_HEADER_BYTES = 44  # pyttsx3's espeak driver sometimes writes the header and nothing else


def _serve() -> None:
    """Worker main loop: one request line in, one reply line out, until stdin closes."""
    replies = os.fdopen(os.dup(sys.stdout.fileno()), "w", encoding="utf-8", buffering=1)
    os.dup2(sys.stderr.fileno(), sys.stdout.fileno())  # pyttsx3 prints "Audio saved to ..."
    import pyttsx3  # imported here: the serving process never loads espeak

    engine: Any = None
    for line in sys.stdin:
        try:
            request = json.loads(line)
            if engine is None:
                engine = pyttsx3.init("espeak")
            engine.setProperty("voice", request["voice"])
            engine.setProperty("rate", int(request["rate"]))
            out = Path(request["out"])
            # pyttsx3's espeak driver often writes nothing (or a bare header) for a fresh
            # engine's first request; the same request again in the same engine does. The
            # client measures what comes out and starts a fresh engine if it is still unfit.
            repeats = -1
            for _attempt in range(RENDER_ATTEMPTS):
                repeats += 1
                engine.save_to_file(request["text"], str(out))
                engine.runAndWait()
                if out.is_file() and out.stat().st_size > WAV_HEADER_BYTES:
                    break
            else:
                raise RuntimeError(f"the engine wrote no audio ({RENDER_ATTEMPTS} attempts)")
            reply: dict[str, Any] = {"ok": True, "repeats": repeats}
        except Exception as exc:  # reported to the client, which fails that one render
            reply = {"ok": False, "error": f"{type(exc).__name__}: {exc}"}
        replies.write(json.dumps(reply) + "\n")


if __name__ == "__main__":
    _serve()
