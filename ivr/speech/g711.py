"""G.711 A-law (ITU-T G.711), the codec of the hotline's carrier trunk, for sentences written
in it: Asterisk plays an `.alaw` file to an A-law caller as it is, with no transcoding, and the
file is half the bytes of 16-bit PCM.

Both directions are table lookups in numpy, built once: encoding covers every 16-bit sample
(64 KiB table), decoding every code (256 entries). Bit-exact with the reference coder that
CPython's `audioop` carried (checked in the tests for all 65,536 inputs).
"""

from __future__ import annotations

import numpy as np

SILENCE = b"\xd5"  # the A-law code of a zero sample (0x55 with the even bits inverted)
_SEGMENT_ENDS = np.array([0x1F, 0x3F, 0x7F, 0xFF, 0x1FF, 0x3FF, 0x7FF, 0xFFF])


def _encode_table() -> np.ndarray:
    linear = np.arange(-32768, 32768, dtype=np.int32) >> 3  # 13-bit magnitude, as G.711
    mask = np.where(linear >= 0, 0xD5, 0x55)
    magnitude = np.where(linear >= 0, linear, -linear - 1)
    segment = np.searchsorted(_SEGMENT_ENDS, magnitude)  # first end >= magnitude
    shift = np.where(segment < 2, 1, segment)
    code = (segment << 4) | ((magnitude >> shift) & 0x0F)
    code = np.where(segment >= 8, 0x7F, code)
    return ((code ^ mask) & 0xFF).astype(np.uint8)


def _decode_table() -> np.ndarray:
    code = np.arange(256, dtype=np.int32) ^ 0x55
    mantissa = (code & 0x0F) << 4
    segment = (code & 0x70) >> 4
    value = np.where(segment == 0, mantissa + 8, (mantissa + 0x108) << np.maximum(segment - 1, 0))
    return np.where(code & 0x80, value, -value).astype("<i2")


_ENCODE = _encode_table()  # index: sample + 32768
_DECODE = _decode_table()


def alaw_from_pcm16(pcm: bytes) -> bytes:
    """16-bit little-endian mono PCM as A-law, one byte a sample."""
    samples = np.frombuffer(pcm, dtype="<i2", count=len(pcm) // 2)
    return _ENCODE[samples.astype(np.int32) + 32768].tobytes()


def pcm16_from_alaw(data: bytes) -> bytes:
    """A-law as 16-bit little-endian mono PCM."""
    return _DECODE[np.frombuffer(data, dtype=np.uint8)].tobytes()
