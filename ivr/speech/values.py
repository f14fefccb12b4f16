"""`speak_value`: the words for one value inside a prompt, in the caller's language.

Prompt texts name a kind with each placeholder (`{restore_at:time}`); the kinds are
`VALUE_KINDS`. Values arrive typed (Decimal, datetime...) or as the strings the database and
CSV imports hold ("342.39", "2026-11-23", "18:53"). Aware date-times are read in their own
offset unless `tz` says which zone the caller lives in.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import date, datetime, time, timedelta, tzinfo
from decimal import Decimal, InvalidOperation
from types import ModuleType
from typing import Any

from ivr.speech.languages import speech_language

VALUE_KINDS = frozenset(
    {"text", "number", "money", "date", "time", "datetime", "digits", "duration"}
)


def reader_for(language: str) -> ModuleType:
    return speech_language(language).reader


def speak_value(kind: str, value: Any, language: str, *, tz: tzinfo | None = None) -> str:
    """The words for `value` read as `kind` in `language`; ValueError when it cannot be read."""
    say = reader_for(language)
    readers: dict[str, Callable[[], str]] = {
        "text": lambda: str(value),
        "number": lambda: say.number(_number(value)),
        "money": lambda: say.money(_decimal(value)),
        "date": lambda: say.full_date(_date(value, tz)),
        "time": lambda: say.clock(_time(value, tz)),
        "datetime": lambda: say.date_time(_datetime(value, tz)),
        "digits": lambda: say.digits(str(value)),
        "duration": lambda: say.duration(_duration(value)),
    }
    if kind not in readers:
        raise ValueError(f"unknown value kind {kind!r} (kinds: {', '.join(sorted(VALUE_KINDS))})")
    result: str = readers[kind]()
    return result


def _decimal(value: Any) -> Decimal:
    if isinstance(value, bool):
        raise ValueError(f"not a number: {value!r}")
    try:
        result = Decimal(str(value).strip()) if not isinstance(value, Decimal) else value
    except InvalidOperation:
        raise ValueError(f"not a number: {value!r}") from None
    if not result.is_finite():
        raise ValueError(f"not a number: {value!r}")
    return result


def _number(value: Any) -> int | Decimal:
    amount = _decimal(value)
    return int(amount) if amount == amount.to_integral_value() else amount.normalize()


def _datetime(value: Any, tz: tzinfo | None) -> datetime:
    moment = datetime.fromisoformat(value.strip()) if isinstance(value, str) else value
    if not isinstance(moment, datetime):
        raise ValueError(f"not a date and time: {value!r}")
    if tz is not None and moment.tzinfo is not None:
        moment = moment.astimezone(tz)
    return moment


def _date(value: Any, tz: tzinfo | None) -> date:
    if isinstance(value, datetime):
        return _datetime(value, tz).date()
    if isinstance(value, date):
        return value
    if isinstance(value, str):
        text = value.strip()
        if "T" in text or " " in text:
            return _datetime(text, tz).date()
        return date.fromisoformat(text)
    raise ValueError(f"not a date: {value!r}")


def _time(value: Any, tz: tzinfo | None) -> time:
    if isinstance(value, datetime):
        return _datetime(value, tz).time()
    if isinstance(value, time):
        return value
    if isinstance(value, str):
        text = value.strip()
        return _datetime(text, tz).time() if len(text) > 8 else time.fromisoformat(text)
    raise ValueError(f"not a clock time: {value!r}")


def _duration(value: Any) -> timedelta | int | float:
    if isinstance(value, timedelta | int | float) and not isinstance(value, bool):
        return value
    return float(_decimal(value))
