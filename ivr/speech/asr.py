"""Speech recognition of menu answers: the `Recognizer` interface and its two engines.

How audio gets here from Asterisk: the menu node records the caller's answer with AGI
`RECORD FILE <path> wav # <timeout> s=<silence>` into the directory shared with Asterisk (the
same one prompts are played from), Asterisk ending the recording after the given seconds of
silence; the IVR then reads the WAV (`read_wav`) and recognises it. That works with stock
FastAGI and needs no extra Asterisk module; the cost is that recognition starts only after the
trailing silence (about 1 s). AudioSocket would stream audio during speech for lower latency
but needs a second connection per call; see ivr/speech/README.md. The PBX simulator feeds the
same WAV files, so tests exercise the production path.

Recognition of menu answers is always restricted to the menu's phrases (a JSGF grammar for
pocketsphinx, a phrase list for vosk): callers answer a menu, they do not dictate, and a closed
list is both more accurate and much faster than open vocabulary. Voice messages are the
exception: where a vosk model serves the language, `Dictation` writes them down as free text,
off the caller's path (`ivr/flow/transcription.py`).
"""

from __future__ import annotations

import array
import asyncio
import hashlib
import json
import re
import wave
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Protocol, runtime_checkable

from ivr.config import Settings
from ivr.speech.audio import resample_pcm
from ivr.speech.languages import SPEECH_LANGUAGES


class RecognizerError(Exception):
    """The recogniser cannot serve this request (language, phrase, model); the message says why."""


@dataclass(frozen=True)
class Recognition:
    text: str  # what the engine heard ("" for nothing)
    confidence: float  # 0..1, the engine's own measure
    phrase_index: int | None  # index into the phrases asked for, None when none matched


NOTHING = Recognition("", 0.0, None)


class Recognizer(Protocol):
    def supports(self, language: str) -> bool:
        """Whether speech can be offered to callers in `language` (else: keys only)."""
        ...

    async def recognize(
        self, audio: bytes, sample_rate: int, phrases: Sequence[str], language: str
    ) -> Recognition:
        """Which of `phrases` the caller said in `audio` (16-bit signed mono PCM)."""
        ...


@runtime_checkable
class Dictation(Protocol):
    """A recogniser that can also write down free speech (no phrase list): voice messages."""

    def dictates(self, language: str) -> bool:
        """Whether free speech in `language` can be written down (a model for it is configured)."""
        ...

    async def dictate(self, audio: bytes, sample_rate: int, language: str) -> str:
        """The words spoken in `audio` (16-bit signed mono PCM); "" when none were heard."""
        ...


def normalise(phrase: str) -> str:
    """Lower case, punctuation removed, single spaces: the form grammars and matches use."""
    return " ".join(re.sub(r"[^\w\s']", " ", phrase.lower()).split())


def match_phrase(text: str, phrases: Sequence[str]) -> int | None:
    wanted = normalise(text)
    for index, phrase in enumerate(phrases):
        if wanted and normalise(phrase) == wanted:
            return index
    return None


def read_wav(path: Path) -> tuple[bytes, int]:
    """PCM and sample rate of a 16-bit mono WAV, as Asterisk's RECORD FILE writes it."""
    with wave.open(str(path), "rb") as wav:
        if wav.getsampwidth() != 2 or wav.getnchannels() != 1:
            raise RecognizerError(f"{path}: expected 16-bit mono audio")
        return wav.readframes(wav.getnframes()), wav.getframerate()


def trim_silence(pcm: bytes, sample_rate: int, level: int = 64, keep_ms: int = 100) -> bytes:
    """`pcm` without the near-silent stretches before and after the speech (`keep_ms` kept).

    pocketsphinx's feature normalisation is thrown by long runs of digital silence (a recording
    started before the caller speaks, or ended by Asterisk's silence detector), so the answer
    is cut to the speech with a little margin first.
    """
    samples = array.array("h", pcm[: len(pcm) // 2 * 2])
    first = next((i for i, v in enumerate(samples) if abs(v) > level), None)
    if first is None:
        return b""
    last = next(i for i in range(len(samples) - 1, -1, -1) if abs(samples[i]) > level)
    margin = sample_rate * keep_ms // 1000
    return samples[max(0, first - margin): last + margin + 1].tobytes()


async def recognize_file(
    recognizer: Recognizer, path: Path, phrases: Sequence[str], language: str
) -> Recognition:
    pcm, rate = await asyncio.to_thread(read_wav, path)
    return await recognizer.recognize(pcm, rate, phrases, language)


class PocketsphinxRecognizer:
    """The embedded default: pocketsphinx's US English model from its wheel, no download.

    It does not dictate: its general English model, tried on voice messages, wrote sentences
    that were mostly wrong words, and a wrong transcript misleads staff more than none.

    Each menu's phrases become a JSGF grammar, so the decoder can only answer one of them (or
    nothing). Decoding runs in a thread; each decoder serves one utterance at a time, and
    `decoders` of them serve calls in parallel. Confidence is pocketsphinx's posterior
    probability of the answer, a coarse figure for a closed grammar; the IVR's confirmation
    step ("Did you say repair?") is what guards against a confident wrong match.
    """

    RATE = 16000  # the acoustic model's sample rate; 8 kHz telephone audio is upsampled

    def __init__(self, *, decoders: int = 2) -> None:
        self._size = max(1, decoders)
        self._idle: asyncio.Queue[_Decoder] | None = None

    def supports(self, language: str) -> bool:
        return language.lower().startswith("en")

    async def recognize(
        self, audio: bytes, sample_rate: int, phrases: Sequence[str], language: str
    ) -> Recognition:
        if not self.supports(language):
            raise RecognizerError(
                f"pocketsphinx's embedded model is English only; for {language} configure vosk"
            )
        if not phrases:
            return NOTHING
        audio = await asyncio.to_thread(trim_silence, audio, sample_rate)
        if audio and sample_rate != self.RATE:
            audio = await resample_pcm(audio, sample_rate, self.RATE)
        if self._idle is None:
            self._idle = asyncio.Queue()
            for _ in range(self._size):
                self._idle.put_nowait(await asyncio.to_thread(_Decoder))
        decoder = await self._idle.get()
        try:
            text, confidence = await asyncio.to_thread(decoder.decode, audio, phrases)
        finally:
            self._idle.put_nowait(decoder)
        index = match_phrase(text, phrases)
        return Recognition(text, confidence if index is not None else 0.0, index)


class _Decoder:
    """One pocketsphinx decoder and the grammars it has compiled (used by one thread at a time)."""

    def __init__(self) -> None:
        from pocketsphinx import Decoder

        # remove_noise off: its noise estimate carries from one caller's answer to the next.
        # cmn=batch: the whole answer is decoded at once, so its cepstral mean comes from the
        # answer itself, not from whatever the decoder heard before (live CMN made results
        # depend on which decoder, with which history, took the answer).
        self._decoder: Any = Decoder(lm=None, samprate=PocketsphinxRecognizer.RATE,
                                     remove_noise=False, cmn="batch", loglevel="FATAL")
        self._grammars: set[str] = set()
        # Cepstral mean normalisation adapts after every utterance; each caller's answer
        # starts from the model's initial values, so one call cannot colour the next.
        self._cmn_init = str(self._decoder.get_cmn())

    def decode(self, audio: bytes, phrases: Sequence[str]) -> tuple[str, float]:
        name = self._grammar(phrases)  # compiled even for silence: a bad phrase fails at once
        if not audio:
            return "", 0.0
        decoder = self._decoder
        decoder.activate_search(name)
        decoder.set_cmn(self._cmn_init)
        decoder.start_utt()
        decoder.process_raw(audio, full_utt=True)
        decoder.end_utt()
        hyp = decoder.hyp()
        if hyp is None or not hyp.hypstr:
            return "", 0.0
        return str(hyp.hypstr), float(decoder.get_prob())

    def _grammar(self, phrases: Sequence[str]) -> str:
        words = [normalise(p) for p in phrases]
        name = "g" + hashlib.sha1("|".join(words).encode()).hexdigest()[:16]
        if name not in self._grammars:
            for word in {w for phrase in words for w in phrase.split()}:
                if self._decoder.lookup_word(word) is None:
                    raise RecognizerError(f"word {word!r} is not in pocketsphinx's dictionary")
            alternatives = " | ".join(p for p in words if p)
            self._decoder.add_jsgf_string(
                name, f"#JSGF V1.0;\ngrammar menu;\npublic <answer> = {alternatives} ;\n"
            )
            self._grammars.add(name)
        return name


class VoskRecognizer:
    """vosk (Kaldi) with one model directory per language, restricted to the menu's phrases.

    Models are a deployment download (docker-compose fetches them); `model_dirs` maps a
    language to its directory, from the settings named in `setting_names`.
    """

    RATE = 16000

    def __init__(
        self, model_dirs: Mapping[str, Path | None], setting_names: Mapping[str, str] | None = None
    ) -> None:
        self._dirs = dict(model_dirs)
        self._settings = dict(setting_names or {})
        self._models: dict[str, Any] = {}
        self._lock = asyncio.Lock()

    def supports(self, language: str) -> bool:
        path = self._dirs.get(language)
        return path is not None and path.is_dir()

    async def recognize(
        self, audio: bytes, sample_rate: int, phrases: Sequence[str], language: str
    ) -> Recognition:
        model = await self._model(language)
        if not phrases:
            return NOTHING
        return await asyncio.to_thread(_vosk_decode, model, audio, sample_rate, phrases)

    def dictates(self, language: str) -> bool:
        return self.supports(language)

    async def dictate(self, audio: bytes, sample_rate: int, language: str) -> str:
        model = await self._model(language)
        return await asyncio.to_thread(_vosk_dictate, model, audio, sample_rate)

    async def _model(self, language: str) -> Any:
        async with self._lock:
            if language not in self._models:
                path = self._dirs.get(language)
                setting = self._settings.get(language, f"the vosk model directory for {language}")
                if path is None or not path.is_dir():
                    raise RecognizerError(
                        f"{setting}: no vosk model at {path or '(not set)'}; download a small "
                        f"{language} model from https://alphacephei.com/vosk/models "
                        "(vosk-model-small-cn-0.22 or vosk-model-small-en-us-0.15), unpack it "
                        "and point the setting at its directory"
                    )
                from vosk import Model, SetLogLevel

                SetLogLevel(-1)
                self._models[language] = await asyncio.to_thread(Model, str(path))
            return self._models[language]


def _vosk_decode(model: Any, audio: bytes, rate: int, phrases: Sequence[str]) -> Recognition:
    from vosk import KaldiRecognizer

    words = [normalise(p) for p in phrases]
    # "[unk]" lets speech outside the menu come out as unknown instead of the nearest phrase.
    recognizer = KaldiRecognizer(model, float(rate), json.dumps([*words, "[unk]"]))
    recognizer.SetWords(True)
    recognizer.AcceptWaveform(audio)
    result = json.loads(recognizer.FinalResult())
    text = str(result.get("text", "")).replace("[unk]", "").strip()
    confs = [float(w.get("conf", 0.0)) for w in result.get("result", [])]
    index = match_phrase(text, phrases)
    confidence = sum(confs) / len(confs) if confs and index is not None else 0.0
    return Recognition(text, confidence, index)


_CJK = r"\u3400-\u9fff\uf900-\ufaff"
_CJK_GAP = re.compile(f"(?<=[{_CJK}]) +(?=[{_CJK}])")
_DICTATE_CHUNK = 8000  # bytes of PCM fed at a time (a quarter second at 16 kHz)


def _vosk_dictate(model: Any, audio: bytes, rate: int) -> str:
    """Open-vocabulary decoding: no grammar, every utterance of the message joined."""
    from vosk import KaldiRecognizer

    recognizer = KaldiRecognizer(model, float(rate))
    parts: list[str] = []
    for start in range(0, len(audio), _DICTATE_CHUNK):
        if recognizer.AcceptWaveform(audio[start:start + _DICTATE_CHUNK]):
            parts.append(str(json.loads(recognizer.Result()).get("text", "")))
    parts.append(str(json.loads(recognizer.FinalResult()).get("text", "")))
    text = " ".join(p.strip() for p in parts if p.strip())
    # Mandarin models put a space between words; written Chinese has none.
    return _CJK_GAP.sub("", text)


VOSK_SETTINGS = {language.value: row.vosk_setting for language, row in SPEECH_LANGUAGES.items()}


def recognizer_from_settings(settings: Settings) -> Recognizer:
    """vosk when a model directory is configured, else the embedded pocketsphinx default."""
    # Each language's setting names its model directory (IVR_VOSK_MODEL_ZH_CN -> vosk_model_zh_cn).
    dirs = {language: getattr(settings, setting.removeprefix("IVR_").lower())
            for language, setting in VOSK_SETTINGS.items()}
    if any(dirs.values()):
        return VoskRecognizer(dirs, VOSK_SETTINGS)
    return PocketsphinxRecognizer()
