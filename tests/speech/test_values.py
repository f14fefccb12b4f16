"""Values read aloud, value by value, in both languages."""

from datetime import UTC, date, datetime, time, timedelta, timezone
from decimal import Decimal

import pytest

from ivr.speech.values import VALUE_KINDS, speak_value

ZH, EN = "zh-CN", "en-US"


@pytest.mark.parametrize(("value", "zh", "en"), [
    ("342.39", "三百四十二元三角九分", "three hundred forty-two yuan and thirty-nine fen"),
    (Decimal("100.05"), "一百元零五分", "one hundred yuan and five fen"),
    (0, "零元", "zero yuan"),
    (10, "十元", "ten yuan"),
    (1000000, "一百万元", "one million yuan"),
    ("0.39", "三角九分", "thirty-nine fen"),
    ("10.50", "十元五角", "ten yuan and fifty fen"),
    ("1.005", "一元零一分", "one yuan and one fen"),  # rounded half up, as bills are
    ("-12.30", "负十二元三角", "minus twelve yuan and thirty fen"),
])
def test_money(value: object, zh: str, en: str) -> None:
    assert speak_value("money", value, ZH) == zh
    assert speak_value("money", value, EN) == en


@pytest.mark.parametrize(("value", "zh", "en"), [
    (0, "零", "zero"),
    (10, "十", "ten"),
    (Decimal("100.05"), "一百点零五", "one hundred point zero five"),
    (1000000, "一百万", "one million"),
    (342, "三百四十二", "three hundred forty-two"),
    ("110", "一百一十", "one hundred ten"),
])
def test_number(value: object, zh: str, en: str) -> None:
    assert speak_value("number", value, ZH) == zh
    assert speak_value("number", value, EN) == en


@pytest.mark.parametrize(("value", "zh", "en"), [
    ("18:53", "十八点五十三分", "six fifty-three p.m."),
    ("00:05", "零点零五分", "twelve oh five a.m."),
    ("00:00", "零点整", "twelve midnight"),
    ("23:59", "二十三点五十九分", "eleven fifty-nine p.m."),
    ("12:00", "十二点整", "twelve noon"),
    ("12:01", "十二点零一分", "twelve oh one p.m."),
    ("11:59", "十一点五十九分", "eleven fifty-nine a.m."),
    (time(8, 0), "八点整", "eight a.m."),
    (time(1, 10), "一点十分", "one ten a.m."),
])
def test_clock_time(value: object, zh: str, en: str) -> None:
    assert speak_value("time", value, ZH) == zh
    assert speak_value("time", value, EN) == en


def test_dates() -> None:
    assert speak_value("date", "2026-11-23", ZH) == "二〇二六年十一月二十三日"
    assert speak_value("date", date(2026, 11, 23), EN) == "November twenty-third, twenty twenty-six"
    assert speak_value("date", date(2030, 1, 1), ZH) == "二〇三〇年一月一日"
    assert speak_value("date", date(2000, 2, 2), EN) == "February second, two thousand"


def test_datetime_in_the_callers_zone() -> None:
    shanghai = timezone(timedelta(hours=8))
    moment = datetime(2026, 11, 23, 10, 53, tzinfo=UTC)
    assert speak_value("datetime", moment, ZH, tz=shanghai) == "十一月二十三日十八点五十三分"
    assert (speak_value("datetime", "2026-11-23T18:53:00+08:00", EN)
            == "November twenty-third at six fifty-three p.m.")
    # Just after midnight in Shanghai is still the previous day in UTC.
    late = datetime(2026, 11, 23, 16, 5, tzinfo=UTC)
    assert speak_value("datetime", late, ZH, tz=shanghai) == "十一月二十四日零点零五分"
    assert speak_value("time", late, EN, tz=shanghai) == "twelve oh five a.m."


@pytest.mark.parametrize(("value", "zh", "en"), [
    ("R20261122-0042", "R，二零二六，幺幺二二，零零四二",
     "R, two zero two six, one one two two, zero zero four two"),
    ("13800138000", "幺三八，零零幺三，八零零零",
     "one three eight, zero zero one three, eight zero zero zero"),
    ("+8613800138000", "八六，幺三八，零零幺三，八零零零",
     "eight six, one three eight, zero zero one three, eight zero zero zero"),
    ("5100012345", "五幺零零，零幺二三，四五", "five one zero zero, zero one two three, four five"),
    ("1234", "幺二三四", "one two three four"),
    ("AB12", "A B，幺二", "A B, one two"),
])
def test_digits(value: str, zh: str, en: str) -> None:
    assert speak_value("digits", value, ZH) == zh
    assert speak_value("digits", value, EN) == en


@pytest.mark.parametrize(("value", "zh", "en"), [
    (timedelta(hours=2, minutes=30), "两小时三十分钟", "two hours and thirty minutes"),
    (45, "四十五秒", "forty-five seconds"),
    (timedelta(minutes=1), "一分钟", "one minute"),
    (timedelta(hours=12), "十二小时", "twelve hours"),
    (0, "零秒", "zero seconds"),
])
def test_duration(value: object, zh: str, en: str) -> None:
    assert speak_value("duration", value, ZH) == zh
    assert speak_value("duration", value, EN) == en


def test_text_passes_through_and_kinds_are_listed() -> None:
    assert speak_value("text", "城东供电所", ZH) == "城东供电所"
    assert {"text", "number", "money", "date", "time", "datetime", "digits",
            "duration"} == VALUE_KINDS


@pytest.mark.parametrize(("kind", "value", "language"), [
    ("money", "abc", ZH), ("money", "NaN", EN), ("money", True, ZH), ("time", "25:00", EN),
    ("date", 5, ZH), ("digits", "--", EN), ("duration", -5, ZH), ("colour", 1, EN),
    ("number", 1, "fr-FR"),
])
def test_unreadable_values_are_refused(kind: str, value: object, language: str) -> None:
    with pytest.raises(ValueError):
        speak_value(kind, value, language)
