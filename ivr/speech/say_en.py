"""English readings of values, written out in words so the synthesiser cannot misread them.

Choices (American English, as the English prompts are):
- Money: "three hundred forty-two yuan and thirty-nine fen"; "zero yuan" for nothing.
- Clock times on the 12-hour clock a caller expects: "six fifty-three p.m.", "six oh five a.m.",
  "eight a.m.", with "twelve noon" and "twelve midnight" so 12:00 is never ambiguous.
- Dates: "November twenty-third, twenty twenty-six"; date-times drop the year:
  "November twenty-third at six fifty-three p.m.".
- Digit strings: one digit at a time, 0 as "zero" (never "oh", which can be heard as "O"),
  letters spelled, commas as pauses between groups.
"""

from __future__ import annotations

from datetime import date, datetime, time, timedelta
from decimal import Decimal

from num2words import num2words

from ivr.speech.readings import digit_groups, to_fen, to_seconds

_DIGITS = ("zero", "one", "two", "three", "four", "five", "six", "seven", "eight", "nine")
_MONTHS = ("January", "February", "March", "April", "May", "June", "July", "August",
           "September", "October", "November", "December")


def number(value: int | Decimal) -> str:
    """American style: "three hundred forty-two", not "three hundred and forty-two"."""
    words = str(num2words(value))
    return words.replace(" and ", " ").replace(",", "")


def money(value: Decimal) -> str:
    fen = to_fen(value)
    sign = "minus " if fen < 0 else ""
    yuan, fen_part = divmod(abs(fen), 100)
    if not fen_part:
        return f"{sign}{number(yuan)} yuan"
    if not yuan:
        return f"{sign}{number(fen_part)} fen"
    return f"{sign}{number(yuan)} yuan and {number(fen_part)} fen"


def clock(value: time) -> str:
    hour, minute = value.hour, value.minute
    if minute == 0 and hour in (0, 12):
        return "twelve midnight" if hour == 0 else "twelve noon"
    suffix = "a.m." if hour < 12 else "p.m."
    spoken_hour = number(hour % 12 or 12)
    if minute == 0:
        return f"{spoken_hour} {suffix}"
    spoken_minute = number(minute) if minute >= 10 else f"oh {number(minute)}"
    return f"{spoken_hour} {spoken_minute} {suffix}"


def day(value: date) -> str:
    return f"{_MONTHS[value.month - 1]} {num2words(value.day, to='ordinal')}"


def full_date(value: date) -> str:
    return f"{day(value)}, {num2words(value.year, to='year')}"


def date_time(value: datetime) -> str:
    return f"{day(value)} at {clock(value.time())}"


def digits(value: str) -> str:
    return ", ".join(
        " ".join(_DIGITS[int(c)] if c.isdigit() else c for c in group)
        for group in digit_groups(value)
    )


def duration(value: timedelta | int | float) -> str:
    seconds = to_seconds(value)
    if seconds < 60:
        return _count(seconds, "second")
    hours, minutes = divmod(round(seconds / 60), 60)
    parts = []
    if hours:
        parts.append(_count(hours, "hour"))
    if minutes:
        parts.append(_count(minutes, "minute"))
    return " and ".join(parts)


def _count(value: int, unit: str) -> str:
    return f"{number(value)} {unit}{'' if value == 1 else 's'}"
