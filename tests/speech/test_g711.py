"""The A-law coder joined sentences are written with, against CPython's reference coder
(`audioop`, in the standard library up to Python 3.12) for every input."""

from __future__ import annotations

import sys
import warnings

import numpy as np
import pytest

from ivr.speech.g711 import SILENCE, alaw_from_pcm16, pcm16_from_alaw

if sys.version_info >= (3, 13):
    pytest.skip("audioop, the reference, left the standard library in 3.13",
                allow_module_level=True)
with warnings.catch_warnings():
    warnings.simplefilter("ignore", DeprecationWarning)
    import audioop


def test_every_sample_encodes_as_the_reference() -> None:
    every = np.arange(-32768, 32768, dtype="<i2").tobytes()
    assert alaw_from_pcm16(every) == audioop.lin2alaw(every, 2)


def test_every_code_decodes_as_the_reference() -> None:
    codes = bytes(range(256))
    assert pcm16_from_alaw(codes) == audioop.alaw2lin(codes, 2)


def test_silence_and_a_tone_survive_the_round_trip() -> None:
    assert alaw_from_pcm16(b"\0\0" * 3) == SILENCE * 3
    t = np.arange(8000) / 8000
    tone = (np.sin(2 * np.pi * 440 * t) * 16000).astype("<i2")
    back = np.frombuffer(pcm16_from_alaw(alaw_from_pcm16(tone.tobytes())), dtype="<i2")
    error = back.astype(np.int64) - tone
    signal_to_noise = 10 * np.log10(np.sum(tone.astype(np.int64) ** 2) / np.sum(error ** 2))
    assert signal_to_noise > 35  # G.711's ~38 dB for a loud tone
