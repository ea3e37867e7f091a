"""Working days: the official schedules and the chinesecalendar-built calendar.

The 2025 and 2026 State Council notices are written out below as independent data
(国办发明电: 关于2025年/2026年部分节假日安排的通知), and the whole calendar is
cross-checked day by day against chinesecalendar itself and the ``holidays`` package.
Adding a year's schedule is in test_year_schedule.py.
"""

import datetime as dt
import functools

import chinese_calendar
import holidays
import pendulum
import pytest
from chinese_calendar import constants as cc
from hypothesis import example, given
from hypothesis import strategies as st

from banshishi import (
    BanshishiError,
    InvalidTypeError,
    InvalidValueError,
    UnknownYearError,
    WorkCalendar,
    YearSchedule,
    china_calendar,
)
from calendar_days import LAST, ONE_DAY, day, days_of, span

FIRST = dt.date(2004, 1, 1)


WEEKDAYS = ("Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun")


# -- the official announcements, transcribed by hand ----------------------------------------
# Each block: the holiday names in the notice's heading, the days off (ranges), and the
# make-up working days (调休上班) with the weekday the notice states for them.

OFFICIAL = {
    2025: [
        (("元旦",), [("2025-01-01", None)], []),
        (("春节",), [("2025-01-28", "2025-02-04")], [("2025-01-26", "Sun"), ("2025-02-08", "Sat")]),
        (("清明节",), [("2025-04-04", "2025-04-06")], []),
        (("劳动节",), [("2025-05-01", "2025-05-05")], [("2025-04-27", "Sun")]),
        (("端午节",), [("2025-05-31", "2025-06-02")], []),
        (
            ("国庆节", "中秋节"),
            [("2025-10-01", "2025-10-08")],
            [("2025-09-28", "Sun"), ("2025-10-11", "Sat")],
        ),
    ],
    2026: [
        (("元旦",), [("2026-01-01", "2026-01-03")], [("2026-01-04", "Sun")]),
        (("春节",), [("2026-02-15", "2026-02-23")], [("2026-02-14", "Sat"), ("2026-02-28", "Sat")]),
        (("清明节",), [("2026-04-04", "2026-04-06")], []),
        (("劳动节",), [("2026-05-01", "2026-05-05")], [("2026-05-09", "Sat")]),
        (("端午节",), [("2026-06-19", "2026-06-21")], []),
        (("中秋节",), [("2026-09-25", "2026-09-27")], []),
        (
            ("国庆节",),
            [("2026-10-01", "2026-10-07")],
            [("2026-09-20", "Sun"), ("2026-10-10", "Sat")],
        ),
    ],
}


def official_days_off(year: int) -> dict[dt.date, tuple[str, ...]]:
    return {
        off: names
        for names, ranges, _ in OFFICIAL[year]
        for first, last in ranges
        for off in span(first, last)
    }


def official_makeup_days(year: int) -> dict[dt.date, tuple[str, ...]]:
    return {day(text): names for names, _, makeups in OFFICIAL[year] for text, _ in makeups}


def official_is_workday(date: dt.date) -> bool:
    if date in official_makeup_days(date.year):
        return True
    return date.weekday() < 5 and date not in official_days_off(date.year)


@pytest.mark.parametrize("year", sorted(OFFICIAL))
def test_the_transcribed_notice_is_self_consistent(year):
    # Guards the hand-typed data: make-up days fall on the weekday the notice says, and
    # no day is both off and worked.
    for _, _, makeups in OFFICIAL[year]:
        for text, weekday in makeups:
            assert WEEKDAYS[day(text).weekday()] == weekday, text
    assert not set(official_days_off(year)) & set(official_makeup_days(year))


@pytest.mark.parametrize("year", sorted(OFFICIAL))
def test_every_day_of_the_year_matches_the_official_notice(year):
    calendar = china_calendar()
    wrong = [d for d in days_of(year) if calendar.is_workday(d) != official_is_workday(d)]
    assert wrong == []


@pytest.mark.parametrize("year", sorted(OFFICIAL))
def test_holiday_names_follow_the_notice_and_are_none_on_ordinary_days(year):
    calendar = china_calendar()
    named = official_days_off(year) | official_makeup_days(year)
    for date in days_of(year):
        name = calendar.holiday(date)
        if date not in named:
            assert name is None, date
        else:
            # chinesecalendar shortens some names (清明 for 清明节); the name must still be
            # one of the notice's names for that block, or a prefix of one.
            assert name, date
            assert any(official.startswith(name) for official in named[date]), (date, name)


def test_the_days_named_in_the_issue():
    calendar = china_calendar()
    assert day("2025-01-26").weekday() == 6
    assert calendar.is_workday(day("2025-01-26")) is True
    assert not any(calendar.is_workday(d) for d in span("2025-10-01", "2025-10-08"))
    for saturday in (day("2026-02-14"), day("2026-02-28")):
        assert saturday.weekday() == 5
        assert calendar.is_workday(saturday) is True
        assert calendar.holiday(saturday) == "春节"
    assert not any(calendar.is_workday(d) for d in span("2026-02-15", "2026-02-23"))
    assert {calendar.holiday(d) for d in span("2026-02-15", "2026-02-23")} == {"春节"}
    assert calendar.holiday(day("2026-01-04")) == "元旦"
    assert calendar.holiday(day("2026-05-09")) == "劳动节"


def test_a_calendar_built_from_the_transcribed_notices_agrees_with_china_calendar():
    def to_schedule(year: int) -> YearSchedule:
        holidays_: dict[str, list[str]] = {}
        workdays: dict[str, list[str]] = {}
        for names, ranges, makeups in OFFICIAL[year]:
            label = "、".join(names)
            holidays_[label] = [f"{a}/{b}" if b else a for a, b in ranges]
            if makeups:
                workdays[label] = [text for text, _ in makeups]
        return YearSchedule.from_dict({"year": year, "holidays": holidays_, "workdays": workdays})

    official = WorkCalendar([to_schedule(2026), to_schedule(2025)])  # order does not matter
    assert official.years == range(2025, 2027)
    calendar = china_calendar()
    for date in days_of(2025) + days_of(2026):
        assert official.is_workday(date) == calendar.is_workday(date), date
    assert official.working_days_between(day("2025-01-01"), day("2026-12-31")) == sum(
        official_is_workday(d) for d in (days_of(2025) + days_of(2026))[1:]
    )


# -- the whole calendar against chinesecalendar and the holidays package --------------------


@functools.cache
def every_day() -> tuple[dt.date, ...]:
    return tuple(span(FIRST.isoformat(), LAST.isoformat()))


# chinesecalendar 1.11.0 misses one make-up working day, which china_calendar() adds
# back: the 2006 notice (国办发明电〔2005〕35号) says "12月31日(星期六)上班" for 元旦 2006.
NOTICE_FIXES = {dt.date(2005, 12, 31): True}


def reference_is_workday(d: dt.date) -> bool:
    """chinesecalendar's own answer, with the notice's correction: the reference."""
    return NOTICE_FIXES.get(d, chinese_calendar.is_workday(d))


@functools.cache
def reference_flags() -> tuple[bool, ...]:
    """The reference answer for each day of 2004–2026 (the brute-force reference)."""
    return tuple(reference_is_workday(d) for d in every_day())


def reference_count(start: dt.date, end: dt.date) -> int:
    """Working days after ``start`` up to and including ``end``, counted one day at a time."""
    low, high, sign = (start, end, 1) if start <= end else (end, start, -1)
    flags = reference_flags()
    first = low.toordinal() - FIRST.toordinal()
    return sign * sum(
        1 for i in range(first + 1, high.toordinal() - FIRST.toordinal() + 1) if flags[i]
    )


def test_china_calendar_covers_exactly_the_years_chinesecalendar_knows():
    calendar = china_calendar()
    known = sorted({d.year for d in cc.holidays})
    assert (known[0], known[-1]) == (2004, 2026)
    assert calendar.years == range(2004, 2027)
    assert [s.year for s in calendar.schedules] == list(range(2004, 2027))
    assert calendar is china_calendar()  # built once and shared
    assert repr(calendar) == "WorkCalendar(2004–2026)"


def test_every_day_agrees_with_chinesecalendar():
    calendar = china_calendar()
    assert [calendar.is_workday(d) for d in every_day()] == list(reference_flags())
    named = set(cc.holidays) | set(cc.workdays) | set(NOTICE_FIXES)
    assert {d for d in every_day() if calendar.holiday(d) is not None} == named


def test_a_schedule_built_from_chinesecalendars_2026_data_equals_the_calendars():
    chinese = {h.value: h.chinese for h in cc.Holiday}
    built = YearSchedule(
        year=2026,
        holidays={d: chinese[v] for d, v in cc.holidays.items() if d.year == 2026},
        workdays={d: chinese[v] for d, v in cc.workdays.items() if d.year == 2026},
    )
    assert built == china_calendar().schedule(2026)
    # ... and its dates are exactly the official notice's.
    assert set(built.holidays) == set(official_days_off(2026))
    assert set(built.workdays) == set(official_makeup_days(2026))


# The ``holidays`` package (0.108): China's public holidays (default category PUBLIC; the
# HALF_DAY category -- 妇女节, 青年节, 儿童节, 建军节 -- is for some groups only and is not
# asked for). Its make-up working days come from the substituted-day table
# (ChinaStaticHolidays.special_public_holidays) and are answered by ``is_working_day``.
#
# Differences tolerated: none. The only day the two packages' data disagree on is
# Saturday 2005-12-31, which the 2006 notice (国办发明电〔2005〕35号) makes a make-up
# working day ("12月31日(星期六)上班"). chinesecalendar 1.11.0 lacks it (upstream
# liriansu-opus/chinese-calendar issues #17 and #125); the holidays package has it (2006:
# JAN 3 substituted from DEC 31 2005), and china_calendar() adds it back (CORRECTIONS),
# so the two now agree on every day. See the tests just below.
TOLERATED_DIFFERENCES: dict[dt.date, str] = {}


def test_the_holidays_package_agrees_except_for_the_listed_days():
    calendar = china_calendar()
    package = holidays.China(years=range(2004, 2027))
    differences = {d for d in every_day() if calendar.is_workday(d) != package.is_working_day(d)}
    assert differences == set(TOLERATED_DIFFERENCES)
    # The package has make-up days at all (otherwise the comparison would be toothless).
    assert package.is_working_day(day("2026-02-14")) is True
    assert day("2026-02-14") not in package


def test_the_corrected_day_is_missing_from_chinesecalendar_and_present_in_holidays():
    package = holidays.China(years=range(2005, 2007))
    assert day("2005-12-31").weekday() == 5
    assert package.is_working_day(day("2005-12-31")) is True
    assert chinese_calendar.is_workday(day("2005-12-31")) is False


def test_2005_12_31_is_a_make_up_working_day():
    calendar = china_calendar()
    assert calendar.is_workday(day("2005-12-31")) is True
    assert calendar.holiday(day("2005-12-31")) == "元旦"


# -- properties ------------------------------------------------------------------------------

dates = st.dates(min_value=FIRST, max_value=LAST)
# Dates up to the end of 2025 with at most 200 working days added stay inside 2026: 200
# working days span under 300 calendar days even with the longest holidays.
early_dates = st.dates(min_value=FIRST, max_value=day("2025-12-31"))
counts = st.integers(min_value=0, max_value=200)


@given(start=early_dates, n=counts)
@example(start=day("2025-01-25"), n=1)  # lands on Sunday 2025-01-26, a make-up day
@example(start=day("2025-09-30"), n=1)
def test_counting_back_what_was_added_gives_n(start, n):
    calendar = china_calendar()
    end = calendar.add_working_days(start, n)
    assert calendar.working_days_between(start, end) == n
    assert reference_count(start, end) == n


@given(start=early_dates, n=st.integers(min_value=1, max_value=199))
def test_adding_working_days_lands_on_working_days_and_only_skips_days_off(start, n):
    calendar = china_calendar()
    here = calendar.add_working_days(start, n)
    after = calendar.add_working_days(start, n + 1)
    assert start < here < after
    assert calendar.is_workday(here)
    assert calendar.is_workday(after)
    assert reference_is_workday(here)
    assert reference_is_workday(after)
    between = [here + k * ONE_DAY for k in range(1, (after - here).days)]
    assert not any(reference_is_workday(d) for d in between)


@given(start=early_dates, n=st.integers(min_value=1, max_value=100), m=st.integers(0, 100))
def test_adding_in_two_steps_is_adding_once(start, n, m):
    calendar = china_calendar()
    assert calendar.add_working_days(start, n + m) == calendar.add_working_days(
        calendar.add_working_days(start, n), m
    )


@given(start=dates)
def test_adding_zero_is_the_date_itself_even_on_a_day_off(start):
    assert china_calendar().add_working_days(start, 0) == start


@given(a=dates, b=dates)
@example(a=FIRST, b=LAST)
@example(a=LAST, b=FIRST)
def test_working_days_between_is_antisymmetric_and_matches_a_day_by_day_count(a, b):
    calendar = china_calendar()
    forward = calendar.working_days_between(a, b)
    assert forward == -calendar.working_days_between(b, a)
    assert forward == reference_count(a, b)
    assert calendar.working_days_between(a, a) == 0


@given(start=dates)
@example(start=day("2026-02-15"))
@example(start=day("2025-09-27"))
def test_next_workday_is_the_first_working_day_from_the_date_on(start):
    calendar = china_calendar()
    found = calendar.next_workday(start)
    assert found >= start
    assert reference_is_workday(found)
    assert not any(reference_is_workday(d) for d in span(start.isoformat(), found.isoformat())[:-1])
    assert (found == start) == reference_is_workday(start)


def test_next_workday_and_adding_across_a_long_holiday():
    calendar = china_calendar()
    # 2026-02-13 (Fri) is worked, 02-14 (Sat) is a make-up day, 02-15..23 are off.
    assert calendar.add_working_days(day("2026-02-13"), 1) == day("2026-02-14")
    assert calendar.add_working_days(day("2026-02-13"), 2) == day("2026-02-24")
    assert calendar.next_workday(day("2026-02-15")) == day("2026-02-24")
    assert calendar.working_days_between(day("2026-02-13"), day("2026-02-24")) == 2
    # A Saturday plus one working day is the next working day after it.
    assert calendar.add_working_days(day("2026-03-07"), 1) == day("2026-03-09")


def test_pendulum_dates_are_dates():
    calendar = china_calendar()
    assert calendar.is_workday(pendulum.date(2026, 2, 14)) is True
    assert calendar.holiday(pendulum.date(2026, 2, 16)) == "春节"
    assert calendar.add_working_days(pendulum.date(2026, 2, 13), 2) == day("2026-02-24")
    assert calendar.working_days_between(pendulum.date(2026, 2, 13), day("2026-02-24")) == 2


# -- unknown years and refused arguments -----------------------------------------------------

OUTSIDE = [
    ("is_workday", lambda c: c.is_workday(day("2003-12-31")), "day", 2003),
    ("is_workday", lambda c: c.is_workday(day("2027-01-01")), "day", 2027),
    ("holiday", lambda c: c.holiday(day("2003-10-01")), "day", 2003),
    ("holiday", lambda c: c.holiday(day("2027-02-06")), "day", 2027),
    ("next_workday", lambda c: c.next_workday(day("2027-01-01")), "day", 2027),
    ("add zero in 2027", lambda c: c.add_working_days(day("2027-01-01"), 0), "day", 2027),
    ("add from 2003", lambda c: c.add_working_days(day("2003-12-31"), 1), "day", 2003),
    ("add past the end", lambda c: c.add_working_days(day("2026-12-30"), 2), "n", 2027),
    ("add far past the end", lambda c: c.add_working_days(day("2026-06-01"), 10**6), "n", 2027),
    ("end in 2027", lambda c: c.working_days_between(LAST, day("2027-01-04")), "end", 2027),
    ("start in 2003", lambda c: c.working_days_between(day("2003-12-31"), LAST), "start", 2003),
    ("schedule", lambda c: c.schedule(2027), "year", 2027),
    ("schedule", lambda c: c.schedule(2003), "year", 2003),
]


@pytest.mark.parametrize(("what", "ask", "field", "year"), OUTSIDE, ids=[o[0] for o in OUTSIDE])
def test_a_year_without_a_schedule_is_never_guessed(what, ask, field, year):
    with pytest.raises(UnknownYearError) as caught:
        ask(china_calendar())
    assert isinstance(caught.value, BanshishiError)
    assert isinstance(caught.value, LookupError)
    assert caught.value.year == year
    assert caught.value.field == field
    assert str(year) in str(caught.value)


def test_the_last_covered_working_day_can_still_be_reached():
    calendar = china_calendar()
    assert calendar.is_workday(LAST) is True  # Thursday, no holiday in the 2026 notice
    assert calendar.add_working_days(day("2026-12-30"), 1) == LAST
    assert calendar.next_workday(LAST) == LAST
    assert calendar.working_days_between(FIRST, LAST) == sum(reference_flags()[1:])


NOT_DATES = [
    dt.datetime(2026, 2, 14, 9, 30),
    pendulum.datetime(2026, 2, 14, 9, 30, tz="Asia/Shanghai"),
    "2026-02-14",
    20260214,
    None,
]

DATE_TAKERS = [
    ("is_workday", lambda c, x: c.is_workday(x), "day"),
    ("holiday", lambda c, x: c.holiday(x), "day"),
    ("next_workday", lambda c, x: c.next_workday(x), "day"),
    ("add_working_days", lambda c, x: c.add_working_days(x, 1), "day"),
    ("between start", lambda c, x: c.working_days_between(x, day("2026-03-02")), "start"),
    ("between end", lambda c, x: c.working_days_between(day("2026-03-02"), x), "end"),
]


@pytest.mark.parametrize("value", NOT_DATES, ids=lambda v: type(v).__name__)
@pytest.mark.parametrize(("what", "ask", "field"), DATE_TAKERS, ids=[t[0] for t in DATE_TAKERS])
def test_datetimes_and_non_dates_are_refused(value, what, ask, field):
    with pytest.raises(InvalidTypeError) as caught:
        ask(china_calendar(), value)
    assert caught.value.field == field
    assert caught.value.value is value


@pytest.mark.parametrize(
    ("n", "error"),
    [
        (-1, InvalidValueError),
        (1.0, InvalidTypeError),
        (True, InvalidTypeError),
        ("1", InvalidTypeError),
    ],
)
def test_a_count_must_be_a_whole_number_of_zero_or_more(n, error):
    with pytest.raises(error) as caught:
        china_calendar().add_working_days(day("2026-03-02"), n)
    assert caught.value.field == "n"
    assert caught.value.value is n


@pytest.mark.parametrize("year", [2026.0, True, "2026"])
def test_schedule_wants_an_int_year(year):
    with pytest.raises(InvalidTypeError) as caught:
        china_calendar().schedule(year)
    assert caught.value.field == "year"
