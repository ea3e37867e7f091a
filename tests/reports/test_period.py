"""Reporting periods: the week, half-month, month and quarter (and day and year)
a 周报, 半月报, 月报 or 季报 covers, on the calendar of one time zone."""

import calendar
import datetime as dt
import itertools

import pendulum
import pytest
from hypothesis import example, given, settings
from hypothesis import strategies as st
from pendulum import DateTime

from banshishi import (
    BanshishiError,
    InconsistentRecordError,
    InvalidTypeError,
    InvalidValueError,
    NaiveDatetimeError,
    Period,
    ReportingPeriod,
    UnknownValueError,
)
from banshishi._reports.period import trailing_periods

SHANGHAI = "Asia/Shanghai"
# New York crosses DST twice a year; Kathmandu sits 5:45 ahead of UTC; Lord Howe
# moves its clocks by half an hour. Zones that skip midnight itself (Havana,
# Santiago) have tests of their own below.
CALENDARS = (
    SHANGHAI,
    "America/New_York",
    "Asia/Kathmandu",
    "UTC",
    "Europe/London",
    "Australia/Lord_Howe",
)
REPORT_NAMES = {
    Period.DAY: "日报",
    Period.WEEK: "周报",
    Period.HALF_MONTH: "半月报",
    Period.MONTH: "月报",
    Period.QUARTER: "季报",
    Period.YEAR: "年报",
}


@st.composite
def aware_moments(draw: st.DrawFn) -> DateTime:
    """Instants from 2000 to 2035, to the microsecond, shown in one of the zones."""
    seconds = draw(st.integers(min_value=0, max_value=36 * 366 * 86_400))
    micro = draw(st.integers(min_value=0, max_value=999_999))
    zone = draw(st.sampled_from(CALENDARS))
    base = pendulum.datetime(2000, 1, 1, tz="UTC")
    return base.add(seconds=seconds, microseconds=micro).in_timezone(zone)


kinds = st.sampled_from(list(Period))
calendars = st.sampled_from(CALENDARS)

# Moments around DST changes and year ends, where a calendar is easiest to get wrong.
EDGES = [
    pendulum.datetime(2026, 3, 8, 6, 59, 59, tz="UTC"),  # New York: just before 02:00 → 03:00
    pendulum.datetime(2026, 11, 1, 5, 30, tz="UTC"),  # New York: the repeated 01:30
    pendulum.datetime(2026, 12, 31, 18, 15, tz="UTC"),  # Kathmandu: 2027-01-01 00:00
    pendulum.datetime(2024, 2, 29, 12, tz="UTC"),  # a leap day
]


def local_date(moment: dt.datetime, zone: str) -> dt.date:
    return pendulum.instance(moment).in_timezone(zone).date()


# -- every period, whatever the moment and the calendar ------------------------------------


@given(moment=aware_moments(), kind=kinds, zone=calendars)
@example(moment=EDGES[0], kind=Period.WEEK, zone="America/New_York")
@example(moment=EDGES[1], kind=Period.DAY, zone="America/New_York")
@example(moment=EDGES[2], kind=Period.YEAR, zone="Asia/Kathmandu")
@example(moment=EDGES[3], kind=Period.HALF_MONTH, zone=SHANGHAI)
def test_a_period_contains_the_moment_it_was_built_from(moment, kind, zone):
    period = ReportingPeriod.containing(moment, kind=kind, timezone=zone)
    assert moment in period
    assert period.start <= moment < period.end
    assert period.kind is kind
    assert period.first_day <= local_date(moment, zone) <= period.last_day


@given(moment=aware_moments(), kind=kinds, zone=calendars)
@example(moment=EDGES[1], kind=Period.DAY, zone="America/New_York")
def test_a_period_starts_at_the_first_moment_of_a_local_day(moment, kind, zone):
    period = ReportingPeriod.containing(moment, kind=kind, timezone=zone)
    assert period.timezone == zone
    assert period.start.timezone_name == zone
    start_day = local_date(period.start, zone)
    assert start_day == period.first_day
    # A microsecond earlier is another day: nothing of the first day is left out.
    assert local_date(period.start.subtract(microseconds=1), zone) < start_day
    assert local_date(period.end.subtract(microseconds=1), zone) == period.last_day
    assert local_date(period.end, zone) == period.last_day + dt.timedelta(days=1)
    assert period.start.time() == dt.time(0)
    assert period.end.time() == dt.time(0)


@given(moment=aware_moments(), kind=kinds, zone=calendars)
@example(moment=EDGES[0], kind=Period.WEEK, zone="America/New_York")
@example(moment=EDGES[2], kind=Period.QUARTER, zone="Asia/Kathmandu")
def test_neighbouring_periods_meet_without_gap_or_overlap(moment, kind, zone):
    period = ReportingPeriod.containing(moment, kind=kind, timezone=zone)
    before, after = period.previous(), period.next()
    assert before.end == period.start
    assert after.start == period.end
    assert after.previous() == period
    assert before.next() == period
    assert before.kind is after.kind is kind
    assert before.timezone == after.timezone == zone
    assert period.last_moment in period
    assert period.end not in period
    assert period.last_moment.add(microseconds=1) == period.end


@given(moment=aware_moments(), kind=kinds, zone=calendars)
def test_every_moment_of_a_period_gives_the_same_period(moment, kind, zone):
    period = ReportingPeriod.containing(moment, kind=kind, timezone=zone)
    assert ReportingPeriod.containing(period.start, kind=kind, timezone=zone) == period
    assert ReportingPeriod.containing(period.last_moment, kind=kind, timezone=zone) == period
    # Rebuilding from its own fields is accepted: the period is a whole one.
    assert ReportingPeriod(kind=kind, start=period.start, end=period.end) == period


@given(moment=aware_moments(), zone=calendars)
def test_weeks_run_monday_to_sunday(moment, zone):
    week = ReportingPeriod.containing(moment, kind=Period.WEEK, timezone=zone)
    assert week.first_day.weekday() == calendar.MONDAY
    assert week.last_day.weekday() == calendar.SUNDAY
    assert (week.last_day - week.first_day).days == 6
    year, number, _ = week.first_day.isocalendar()
    assert week.label == f"{year}年第{number}周"
    assert week.key == f"{year}-W{number:02d}"


@given(moment=aware_moments(), zone=calendars)
def test_half_months_are_the_1st_to_15th_and_16th_to_the_months_end(moment, zone):
    half = ReportingPeriod.containing(moment, kind=Period.HALF_MONTH, timezone=zone)
    first, last = half.first_day, half.last_day
    days_in_month = calendar.monthrange(first.year, first.month)[1]
    assert (first.year, first.month) == (last.year, last.month)
    if local_date(moment, zone).day <= 15:
        assert (first.day, last.day) == (1, 15)
        assert half.label == f"{first.year}年{first.month}月上半月"
        assert half.key == f"{first.year}-{first.month:02d}a"
    else:
        assert (first.day, last.day) == (16, days_in_month)
        assert half.label == f"{first.year}年{first.month}月下半月"
        assert half.key == f"{first.year}-{first.month:02d}b"


@given(moment=aware_moments(), zone=calendars)
def test_months_cover_one_calendar_month(moment, zone):
    month = ReportingPeriod.containing(moment, kind=Period.MONTH, timezone=zone)
    day = local_date(moment, zone)
    assert month.first_day == day.replace(day=1)
    assert month.last_day == day.replace(day=calendar.monthrange(day.year, day.month)[1])
    assert month.label == f"{day.year}年{day.month}月"
    assert month.key == f"{day.year}-{day.month:02d}"


@given(moment=aware_moments(), zone=calendars)
def test_quarters_start_in_january_april_july_or_october(moment, zone):
    quarter = ReportingPeriod.containing(moment, kind=Period.QUARTER, timezone=zone)
    day = local_date(moment, zone)
    number = (day.month + 2) // 3
    first_month = 3 * number - 2
    assert quarter.first_day == dt.date(day.year, first_month, 1)
    last_month = first_month + 2
    assert quarter.last_day == dt.date(
        day.year, last_month, calendar.monthrange(day.year, last_month)[1]
    )
    assert quarter.label == f"{day.year}年第{number}季度"
    assert quarter.key == f"{day.year}-Q{number}"


@given(moment=aware_moments(), zone=calendars)
def test_days_and_years_follow_the_local_calendar(moment, zone):
    day = local_date(moment, zone)
    one_day = ReportingPeriod.containing(moment, kind=Period.DAY, timezone=zone)
    assert one_day.first_day == one_day.last_day == day
    assert one_day.key == day.isoformat()
    year = ReportingPeriod.containing(moment, kind=Period.YEAR, timezone=zone)
    assert (year.first_day, year.last_day) == (dt.date(day.year, 1, 1), dt.date(day.year, 12, 31))
    assert (year.label, year.key) == (f"{day.year}年", str(day.year))


@given(moment=aware_moments(), kind=kinds, zone=calendars)
def test_keys_sort_in_time_order(moment, kind, zone):
    period = ReportingPeriod.containing(moment, kind=kind, timezone=zone)
    assert period.key < period.next().key
    assert period.previous().key < period.key
    assert str(period) == (
        f"{period.label} ({period.first_day.isoformat()} – {period.last_day.isoformat()})"
    )


# -- known dates ---------------------------------------------------------------------------

KNOWN = [
    # (date in Shanghai, kind, label, key, first day, last day)
    ("2026-09-30", "week", "2026年第40周", "2026-W40", "2026-09-28", "2026-10-04"),
    ("2026-12-31", "week", "2026年第53周", "2026-W53", "2026-12-28", "2027-01-03"),
    ("2027-01-01", "week", "2026年第53周", "2026-W53", "2026-12-28", "2027-01-03"),
    ("2027-01-04", "week", "2027年第1周", "2027-W01", "2027-01-04", "2027-01-10"),
    ("2024-12-31", "week", "2025年第1周", "2025-W01", "2024-12-30", "2025-01-05"),
    ("2026-02-15", "half_month", "2026年2月上半月", "2026-02a", "2026-02-01", "2026-02-15"),
    ("2026-02-16", "half_month", "2026年2月下半月", "2026-02b", "2026-02-16", "2026-02-28"),
    ("2024-02-29", "half_month", "2024年2月下半月", "2024-02b", "2024-02-16", "2024-02-29"),
    ("2026-09-30", "half_month", "2026年9月下半月", "2026-09b", "2026-09-16", "2026-09-30"),
    ("2026-09-30", "month", "2026年9月", "2026-09", "2026-09-01", "2026-09-30"),
    ("2026-02-01", "month", "2026年2月", "2026-02", "2026-02-01", "2026-02-28"),
    ("2026-11-15", "quarter", "2026年第4季度", "2026-Q4", "2026-10-01", "2026-12-31"),
    ("2026-01-01", "quarter", "2026年第1季度", "2026-Q1", "2026-01-01", "2026-03-31"),
    ("2026-09-30", "day", "2026年9月30日", "2026-09-30", "2026-09-30", "2026-09-30"),
    ("2026-09-30", "year", "2026年", "2026", "2026-01-01", "2026-12-31"),
]


@pytest.mark.parametrize(("day", "kind", "label", "key", "first", "last"), KNOWN)
def test_labels_and_keys_of_known_dates(day, kind, label, key, first, last):
    year, month, day_of_month = (int(part) for part in day.split("-"))
    for hour in (0, 13, 23):
        moment = pendulum.datetime(year, month, day_of_month, hour, 59, tz=SHANGHAI)
        period = ReportingPeriod.containing(moment, kind=kind)
        assert (period.label, period.key) == (label, key)
        assert (period.first_day.isoformat(), period.last_day.isoformat()) == (first, last)
        assert str(period) == f"{label} ({first} – {last})"


@pytest.mark.parametrize(("kind", "name"), list(REPORT_NAMES.items()))
def test_each_kind_names_its_report(kind, name):
    moment = pendulum.datetime(2026, 9, 30, 20, tz=SHANGHAI)
    assert ReportingPeriod.containing(moment, kind=kind).report_name == name


def test_the_calendar_is_shanghais_unless_told_otherwise():
    # 16:30 UTC on Sunday 27 September is 00:30 on Monday 28 September in Shanghai.
    moment = pendulum.datetime(2026, 9, 27, 16, 30, tz="UTC")
    in_shanghai = ReportingPeriod.containing(moment, kind="week")
    assert in_shanghai.timezone == SHANGHAI
    assert in_shanghai.label == "2026年第40周"
    on_utc = ReportingPeriod.containing(moment, kind="week", timezone="UTC")
    assert on_utc.label == "2026年第39周"
    assert on_utc != in_shanghai


def test_a_week_across_the_spring_dst_change_is_167_hours_long():
    moment = pendulum.datetime(2026, 3, 8, 12, tz="America/New_York")
    week = ReportingPeriod.containing(moment, kind="week", timezone="America/New_York")
    assert (week.first_day.isoformat(), week.last_day.isoformat()) == ("2026-03-02", "2026-03-08")
    assert week.end - week.start == dt.timedelta(hours=7 * 24 - 1)
    assert week.start.utcoffset() != week.end.utcoffset()


def test_kathmandu_periods_start_at_its_own_midnight():
    moment = pendulum.datetime(2026, 6, 30, 18, 14, tz="UTC")  # 23:59 in Kathmandu
    month = ReportingPeriod.containing(moment, kind="month", timezone="Asia/Kathmandu")
    assert month.label == "2026年6月"
    assert month.end == pendulum.datetime(2026, 6, 30, 18, 15, tz="UTC")


# Days whose midnight is skipped by a DST change: the local day starts at 01:00.
SKIPPED_MIDNIGHTS = [
    ("America/Havana", pendulum.datetime(2026, 3, 8, 12, tz="America/Havana"), "day"),
    ("America/Santiago", pendulum.datetime(2026, 9, 6, 12, tz="America/Santiago"), "day"),
    ("America/Asuncion", pendulum.datetime(2017, 10, 1, 12, tz="America/Asuncion"), "month"),
    (
        "America/Asuncion",
        pendulum.datetime(2017, 10, 1, 12, tz="America/Asuncion"),
        "half_month",
    ),
]


@pytest.mark.parametrize(("zone", "moment", "kind"), SKIPPED_MIDNIGHTS)
def test_a_period_from_a_day_whose_midnight_is_skipped_starts_at_its_first_moment(
    zone, moment, kind
):
    period = ReportingPeriod.containing(moment, kind=kind, timezone=zone)
    assert moment in period
    assert period.start.time() == dt.time(1)
    assert local_date(period.start.subtract(microseconds=1), zone) < period.first_day
    assert period.previous().end == period.start


@pytest.mark.parametrize(("zone", "moment", "kind"), SKIPPED_MIDNIGHTS)
def test_a_period_from_a_day_whose_midnight_is_skipped_ends_where_the_next_starts(
    zone, moment, kind
):
    period = ReportingPeriod.containing(moment, kind=kind, timezone=zone)
    assert period.next().start == period.end
    assert period.end.time() == dt.time(0)


def test_the_kind_may_be_given_by_its_chinese_name():
    moment = pendulum.datetime(2026, 9, 30, 20, tz=SHANGHAI)
    assert ReportingPeriod.containing(moment, kind="季") == ReportingPeriod.containing(
        moment, kind=Period.QUARTER
    )


def test_only_aware_datetimes_are_inside_a_period():
    period = ReportingPeriod.containing(pendulum.datetime(2026, 9, 30, tz=SHANGHAI), kind="month")
    assert dt.date(2026, 9, 30) not in period
    assert "2026-09-30" not in period
    assert dt.datetime(2026, 9, 30, 12, tzinfo=dt.UTC) in period  # a standard-library instant


def test_asking_whether_a_naive_datetime_is_inside_is_refused_with_a_library_error():
    period = ReportingPeriod.containing(pendulum.datetime(2026, 9, 30, tz=SHANGHAI), kind="month")
    with pytest.raises(NaiveDatetimeError):
        _ = dt.datetime(2026, 9, 30, 12) in period


# -- refusals ------------------------------------------------------------------------------

START = pendulum.datetime(2026, 9, 28, tz=SHANGHAI)  # a Monday


@pytest.mark.parametrize(
    ("start", "end"),
    [
        (START.add(days=1), START.add(days=8)),  # starts on a Tuesday
        (START.add(hours=8), START.add(days=7, hours=8)),  # not at midnight
        (START, START.add(days=8)),  # eight days long
        (START, START.add(days=7).in_timezone("UTC").add(hours=1)),
        (START.in_timezone("UTC"), START.add(days=7).in_timezone("UTC")),  # a UTC Sunday 16:00
    ],
)
def test_a_period_with_bounds_that_are_not_one_whole_period_is_refused(start, end):
    with pytest.raises(InconsistentRecordError) as refused:
        ReportingPeriod(kind=Period.WEEK, start=start, end=end)
    assert refused.value.field == "ReportingPeriod"
    assert "week" in str(refused.value)


def test_an_end_given_in_another_zone_is_refused_though_it_is_the_same_instant():
    end = START.add(days=7).in_timezone("UTC")  # Sunday 16:00 UTC: the same instant
    assert end == START.add(days=7)
    with pytest.raises(InconsistentRecordError) as refused:
        ReportingPeriod(kind=Period.WEEK, start=START, end=end)
    assert refused.value.field == "ReportingPeriod"


@pytest.mark.parametrize(
    ("changes", "field", "error"),
    [
        ({"kind": "week"}, "ReportingPeriod.kind", InvalidTypeError),
        ({"start": "2026-09-28"}, "ReportingPeriod.start", InvalidTypeError),
        (
            {"start": dt.datetime(2026, 9, 28, tzinfo=dt.UTC)},
            "ReportingPeriod.start",
            InvalidTypeError,
        ),
        ({"end": None}, "ReportingPeriod.end", InvalidTypeError),
        (
            {"start": pendulum.naive(2026, 9, 28), "end": pendulum.naive(2026, 10, 5)},
            "ReportingPeriod.start.timezone",
            InvalidTypeError,
        ),
        (
            {"start": START.in_timezone(pendulum.FixedTimezone(8 * 3600))},
            "ReportingPeriod.start.timezone",
            InvalidValueError,
        ),
    ],
)
def test_a_period_built_by_hand_from_bad_fields_is_refused(changes, field, error):
    fields = {"kind": Period.WEEK, "start": START, "end": START.add(days=7)} | changes
    with pytest.raises(error) as refused:
        ReportingPeriod(**fields)
    assert refused.value.field == field


@pytest.mark.parametrize("kind", ["fortnight", "weekly", ""])
def test_an_unknown_kind_is_refused(kind):
    with pytest.raises(UnknownValueError) as refused:
        ReportingPeriod.containing(START, kind=kind)
    assert refused.value.value == kind
    assert "half_month" in str(refused.value)


@pytest.mark.parametrize("kind", [7, None, ("week",)])
def test_a_kind_that_is_not_text_is_refused(kind):
    with pytest.raises(InvalidTypeError) as refused:
        ReportingPeriod.containing(START, kind=kind)
    assert refused.value.field == "kind"


def test_a_naive_moment_is_refused():
    with pytest.raises(NaiveDatetimeError) as refused:
        ReportingPeriod.containing(dt.datetime(2026, 9, 30, 12), kind="week")
    assert refused.value.field == "moment"


@pytest.mark.parametrize("zone", ["Mars/Olympus_Mons", "+08:00", None, 8])
def test_an_unknown_calendar_zone_is_refused(zone):
    with pytest.raises(BanshishiError) as refused:
        ReportingPeriod.containing(START, kind="week", timezone=zone)
    assert refused.value.field == "timezone"


@pytest.mark.parametrize(
    "make",
    [
        lambda: ReportingPeriod.containing(
            pendulum.datetime(9999, 12, 31, tz="UTC"), kind="week", timezone="UTC"
        ),
        lambda: ReportingPeriod.containing(
            pendulum.datetime(9999, 12, 20, tz="UTC"), kind="month", timezone="UTC"
        ),
        lambda: ReportingPeriod.containing(
            pendulum.datetime(1, 1, 2, tz="UTC"), kind="week", timezone="UTC"
        ).previous(),
    ],
    ids=["week-9999", "month-9999", "previous-of-year-1"],
)
def test_periods_past_the_ends_of_the_calendar_raise_a_library_error(make):
    with pytest.raises(BanshishiError):
        make()


# -- trailing periods ----------------------------------------------------------------------


@settings(max_examples=30)
@given(moment=aware_moments(), kind=kinds, count=st.integers(min_value=1, max_value=14))
def test_trailing_periods_end_with_the_period_and_step_back_one_at_a_time(moment, kind, count):
    period = ReportingPeriod.containing(moment, kind=kind)
    periods = trailing_periods(period, count)
    assert len(periods) == count
    assert periods[-1] == period
    for earlier, later in itertools.pairwise(periods):
        assert earlier.end == later.start
        assert earlier.next() == later
    assert len({p.key for p in periods}) == count


@pytest.mark.parametrize("count", [0, -1])
def test_trailing_periods_need_a_count_of_one_or_more(count):
    period = ReportingPeriod.containing(START, kind="week")
    with pytest.raises(InvalidValueError) as refused:
        trailing_periods(period, count)
    assert (refused.value.field, refused.value.value) == ("count", count)
