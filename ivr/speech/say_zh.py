"""Mandarin readings of values, as a hotline agent would say them. Pure functions.

Choices (the utility's style):
- Money is read in 元/角/分: 342.39 → 三百四十二元三角九分, 100.05 → 一百元零五分; 零元 for nothing.
- Clock times use the 24-hour clock, as outage notices do, so no 上午/下午 ambiguity:
  18:53 → 十八点五十三分, 00:05 → 零点零五分, 12:00 → 十二点整.
- Dates are read with the year digit by digit: 二〇二六年十一月二十三日. Date-times drop the year
  (the hotline only speaks of times days away): 十一月二十三日十八点五十三分.
- Digit strings (tickets, phones, accounts) are read one digit at a time with 1 as 幺, the
  telephony custom that keeps 一 from being confused with 七; groups are separated by pauses.
"""

from __future__ import annotations

import functools
from datetime import date, datetime, time, timedelta
from decimal import Decimal

import cn2an

from ivr.speech.readings import digit_groups, to_fen, to_seconds

_DIGITS = "零幺二三四五六七八九"
_YEAR_DIGITS = "〇一二三四五六七八九"
_PAUSE = "，"


def number(value: int | Decimal) -> str:
    """12 → 十二, 3.5 → 三点五, -5 → 负五."""
    return _an2cn(format(value, "f") if isinstance(value, Decimal) else str(value))


@functools.lru_cache(maxsize=4096)
def _an2cn(text: str) -> str:
    # Calls read the same few hundred numbers (days, hours, amounts) over and over, and
    # cn2an checks and normalises its input each time: about 30 conversions a bill call.
    return str(cn2an.an2cn(text, "low"))


def money(value: Decimal) -> str:
    """An amount in yuan, to the fen."""
    fen = to_fen(value)
    sign = "负" if fen < 0 else ""
    yuan, rest = divmod(abs(fen), 100)
    jiao, fen_part = divmod(rest, 10)
    parts: list[str] = []
    if yuan:
        parts.append(number(yuan) + "元")
    if jiao:
        parts.append(number(jiao) + "角")
    if fen_part:
        # 100.05: the missing 角 is marked with 零, as in 一百元零五分.
        parts.append(("零" if yuan and not jiao else "") + number(fen_part) + "分")
    return sign + ("".join(parts) or "零元")


def clock(value: time) -> str:
    hour = number(value.hour)
    if value.minute == 0:
        return f"{hour}点整"
    minute = number(value.minute) if value.minute >= 10 else "零" + number(value.minute)
    return f"{hour}点{minute}分"


def day(value: date) -> str:
    """Month and day: 十一月二十三日."""
    return f"{number(value.month)}月{number(value.day)}日"


def full_date(value: date) -> str:
    year = "".join(_YEAR_DIGITS[int(d)] for d in f"{value.year:04d}")
    return f"{year}年{day(value)}"


def date_time(value: datetime) -> str:
    return day(value) + clock(value.time())


def digits(value: str) -> str:
    """R20261122-0042 → R，二零二六，幺幺二二，零零四二: digit by digit, letters one by one.

    The letters stay Latin ("AB" as "A B"), so that the English voice says each letter's name;
    the Mandarin voice would read R as "ér" (segments.py).
    """
    groups = digit_groups(value)
    return _PAUSE.join(
        " ".join(group) if group.isalpha() else
        "".join(_DIGITS[int(c)] if c.isdigit() else c for c in group)
        for group in groups
    )


def duration(value: timedelta | int | float) -> str:
    """Whole minutes above a minute (两小时三十分钟), seconds below (四十五秒)."""
    seconds = to_seconds(value)
    if seconds < 60:
        return _count(seconds) + "秒"
    hours, minutes = divmod(round(seconds / 60), 60)
    parts = []
    if hours:
        parts.append(_count(hours) + "小时")
    if minutes:
        parts.append(_count(minutes) + "分钟")
    return "".join(parts)


def _count(value: int) -> str:
    # Before a measure word 2 is 两 (两小时), but 12 stays 十二.
    return "两" if value == 2 else number(value)
