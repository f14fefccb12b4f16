"""Audio conversions for speech, done by sox in a child process (never on the event loop)."""

from __future__ import annotations

import asyncio


class AudioError(Exception):
    pass


async def resample_pcm(pcm: bytes, from_rate: int, to_rate: int, limit_s: float = 10.0) -> bytes:
    """16-bit signed mono PCM at `from_rate` to the same at `to_rate`."""
    raw = ["-t", "raw", "-e", "signed-integer", "-b", "16", "-c", "1", "-L"]
    proc = await asyncio.create_subprocess_exec(
        # -R: sox dithers (which pocketsphinx needs on digital silence) with a fixed seed, so
        # the same answer always reaches the recogniser as the same samples.
        "sox", "-q", "-R", *raw, "-r", str(from_rate), "-", *raw, "-r", str(to_rate), "-",
        stdin=asyncio.subprocess.PIPE, stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.PIPE,
    )
    try:
        out, err = await asyncio.wait_for(proc.communicate(pcm), limit_s)
    except TimeoutError:
        proc.kill()
        await proc.wait()
        raise AudioError(f"sox did not resample within {limit_s:g} s") from None
    if proc.returncode != 0:
        raise AudioError(f"sox failed: {err.decode(errors='replace').strip()}")
    return out
