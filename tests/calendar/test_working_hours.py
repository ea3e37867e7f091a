"""Deadlines in working time (WorkingHours): in working days and working hours, with
a custom cut-off, spans and zone, bad settings refused, and properties.

Every expected deadline below is derived by hand from the State Council's 2025 and
2026 schedules, not read off the library; the comment next to each one shows the
count (the days of 2026 that differ from an ordinary week are listed in
tests/working_time.py). Office hours are 09:00-12:00 and 13:30-17:30 (seven hours
a day) in Asia/Shanghai unless a test says otherwise.
"""

import datetime as dt
import zoneinfo
from typing import Any

import pendulum
import pytest
from hypothesis import given
from hypothesis import strategies as st
from pendulum import DateTime

from banshishi import (
    BanshishiError,
    InvalidTypeError,
    InvalidValueError,
    NaiveDatetimeError,
    TimeLimit,
    Track,
    UnknownYearError,
    WorkflowPolicy,
    WorkingHours,
)
from working_time import CALENDAR, DAYS, HOURS, HRS, SH, at_time, sh

# -- 2. WorkingHours: deadlines in working days ----------------------------------------------


@pytest.mark.parametrize(
    ("start", "amount", "expected"),
    [
        # Fri 02-13 10:00 counts from itself; the 1st working day after it is the
        # make-up Saturday 02-14.
        (sh(2026, 2, 13, 10), 1, sh(2026, 2, 14, 17, 30)),
        # Fri 02-13 18:00 is after the 17:30 cut-off: it counts from the next
        # working day, Sat 02-14; +1 skips 春节 02-15..02-23 -> Tue 02-24.
        (sh(2026, 2, 13, 18), 1, sh(2026, 2, 24, 17, 30)),
        # Received on the make-up Saturday itself: counts from 02-14 -> 02-24.
        (sh(2026, 2, 14, 9), 1, sh(2026, 2, 24, 17, 30)),
        # After the cut-off on the make-up Saturday: counts from 02-24 -> 02-25.
        (sh(2026, 2, 14, 18), 1, sh(2026, 2, 25, 17, 30)),
        # Sun 02-15 is in 春节: counts from 02-24 -> 02-25.
        (sh(2026, 2, 15, 10), 1, sh(2026, 2, 25, 17, 30)),
        # Fri 02-27 +1: Sat 02-28 is worked for 春节.
        (sh(2026, 2, 27, 10), 1, sh(2026, 2, 28, 17, 30)),
        # Wed 2025-12-31 10:00: 01-01..01-03 are 元旦, Sun 01-04 is worked.
        (sh(2025, 12, 31, 10), 1, sh(2026, 1, 4, 17, 30)),
        # After the cut-off on 12-31: counts from Sun 01-04 -> Mon 01-05.
        (sh(2025, 12, 31, 18), 1, sh(2026, 1, 5, 17, 30)),
        # Sat 09-19 is a day off; Sun 09-20 is worked for 国庆: counts from it -> Mon 09-21.
        (sh(2026, 9, 19, 10), 1, sh(2026, 9, 21, 17, 30)),
        # Thu 04-30 +1: 劳动节 05-01..05-05 -> Wed 05-06.
        (sh(2026, 4, 30, 17), 1, sh(2026, 5, 6, 17, 30)),
        # Thu 04-30 +4: 05-06 (1), 05-07 (2), 05-08 (3), Sat 05-09 worked (4).
        (sh(2026, 4, 30, 17), 4, sh(2026, 5, 9, 17, 30)),
        # Thu 09-24 +15: 09-25..09-27 中秋; 09-28 (1), 09-29 (2), 09-30 (3); 国庆
        # 10-01..10-07; 10-08 (4), 10-09 (5), Sat 10-10 worked (6), 10-12..10-16
        # (7-11), 10-19..10-22 (12-15).
        (sh(2026, 9, 24, 10), 15, sh(2026, 10, 22, 17, 30)),
        # An ordinary week: Mon 03-02 +5 -> Mon 03-09 (Sat and Sun off).
        (sh(2026, 3, 2, 9), 5, sh(2026, 3, 9, 17, 30)),
        # 清明 04-04..04-06 (Sat-Mon): Fri 04-03 +1 -> Tue 04-07.
        (sh(2026, 4, 3, 11), 1, sh(2026, 4, 7, 17, 30)),
        # 端午 06-19..06-21 (Fri-Sun): Thu 06-18 +1 -> Mon 06-22.
        (sh(2026, 6, 18, 11), 1, sh(2026, 6, 22, 17, 30)),
    ],
)
def test_working_days_count_from_the_next_day_over_the_official_calendar(
    start: DateTime, amount: int, expected: DateTime
) -> None:
    deadline = HOURS.deadline(start, DAYS(amount))
    assert deadline == expected
    assert deadline.timezone_name == SH
    assert HOURS.is_working_moment(deadline)


def test_the_cutoff_itself_still_counts_the_same_day() -> None:
    friday = dt.date(2026, 3, 6)
    # At 17:30:00 exactly the item is not after the cut-off: it counts from Friday,
    # so +1 is Monday 03-09; a microsecond later it counts from Monday -> Tuesday.
    on_the_dot = sh(2026, 3, 6, 17, 30)
    just_after = on_the_dot.add(microseconds=1)
    assert HOURS.counts_from(on_the_dot) == friday
    assert HOURS.counts_from(just_after) == dt.date(2026, 3, 9)
    assert HOURS.deadline(on_the_dot, DAYS(1)) == sh(2026, 3, 9, 17, 30)
    assert HOURS.deadline(just_after, DAYS(1)) == sh(2026, 3, 10, 17, 30)
    # Before office hours the day still counts: the receipt day is simply not counted.
    assert HOURS.deadline(sh(2026, 3, 6, 0, 0), DAYS(1)) == sh(2026, 3, 9, 17, 30)


def test_close_of_is_the_end_of_the_last_span() -> None:
    assert HOURS.close_of(dt.date(2026, 2, 14)) == sh(2026, 2, 14, 17, 30)
    summer = WorkingHours(spans=((at_time(8), at_time(12)), (at_time(14, 30), at_time(18))))
    assert summer.close_of(dt.date(2026, 7, 1)) == sh(2026, 7, 1, 18)


# -- 3. WorkingHours: deadlines in working hours ---------------------------------------------


@pytest.mark.parametrize(
    ("start", "amount", "expected"),
    [
        # Fri 17:00: 30 minutes to 17:30, then 30 minutes from Mon 09:00.
        (sh(2026, 3, 6, 17), 1, sh(2026, 3, 9, 9, 30)),
        # In the lunch break: counting starts at 13:30.
        (sh(2026, 3, 6, 12, 30), 1, sh(2026, 3, 6, 14, 30)),
        # 11:30: 30 minutes to 12:00, then 30 minutes from 13:30.
        (sh(2026, 3, 6, 11, 30), 1, sh(2026, 3, 6, 14)),
        # Before office hours: 09:00-12:00 is exactly three hours, ending at 12:00,
        # not at 13:30.
        (sh(2026, 3, 6, 8), 3, sh(2026, 3, 6, 12)),
        # A whole day of seven hours ends at the close of the same day...
        (sh(2026, 3, 6, 9), 7, sh(2026, 3, 6, 17, 30)),
        # ...and one more hour runs into Monday.
        (sh(2026, 3, 6, 9), 8, sh(2026, 3, 9, 10)),
        # At 17:30 (the cut-off, not after it) nothing is left that day: Mon 10:00.
        (sh(2026, 3, 6, 17, 30), 1, sh(2026, 3, 9, 10)),
        # On a Saturday off: from Mon 09:00.
        (sh(2026, 3, 7, 10), 1, sh(2026, 3, 9, 10)),
        # Fri 02-13 16:30: one hour to 17:30; Sat 02-14 is worked: 09:00 + 1 h.
        (sh(2026, 2, 13, 16, 30), 2, sh(2026, 2, 14, 10)),
        # Sat 02-14 17:00 + 15 h: 0.5 h that day; 春节; 02-24 7 h (7.5), 02-25 7 h
        # (14.5), then 0.5 h on 02-26: 09:30.
        (sh(2026, 2, 14, 17), 15, sh(2026, 2, 26, 9, 30)),
        # 21 hours from Mon 09:00 is three whole days: Wed 17:30, not Thu morning.
        (sh(2026, 3, 2, 9), 21, sh(2026, 3, 4, 17, 30)),
    ],
)
def test_working_hours_run_through_the_spans_of_working_days(
    start: DateTime, amount: int, expected: DateTime
) -> None:
    deadline = HOURS.deadline(start, HRS(amount))
    assert deadline == expected
    assert deadline.timezone_name == SH
    assert HOURS.is_working_moment(deadline)


def test_is_working_moment_includes_both_ends_of_each_span() -> None:
    day = (2026, 3, 6)
    assert HOURS.is_working_moment(sh(*day, 9))
    assert HOURS.is_working_moment(sh(*day, 12))
    assert not HOURS.is_working_moment(sh(*day, 12).add(microseconds=1))
    assert not HOURS.is_working_moment(sh(*day, 13, 29, 59))
    assert HOURS.is_working_moment(sh(*day, 13, 30))
    assert HOURS.is_working_moment(sh(*day, 17, 30))
    assert not HOURS.is_working_moment(sh(*day, 17, 30).add(microseconds=1))
    assert not HOURS.is_working_moment(sh(*day, 8, 59, 59))
    assert not HOURS.is_working_moment(sh(2026, 2, 16, 10))  # 春节
    assert HOURS.is_working_moment(sh(2026, 2, 14, 10))  # make-up Saturday
    # 10:00 in Shanghai is 02:00 UTC: the same instant, so the same answer.
    assert HOURS.is_working_moment(sh(*day, 10).in_timezone("UTC"))


# -- 4. custom cut-off, spans and zone -------------------------------------------------------


def test_an_earlier_cutoff_moves_late_items_to_the_next_working_day() -> None:
    early = WorkingHours(cutoff=at_time(16))
    # Days: Fri 16:00 is not after the cut-off (counts from Friday -> Mon 03-09);
    # Fri 16:30 is (counts from Mon 03-09 -> Tue 03-10). Deadlines are still at 17:30.
    assert early.deadline(sh(2026, 3, 6, 16), DAYS(1)) == sh(2026, 3, 9, 17, 30)
    assert early.deadline(sh(2026, 3, 6, 16, 30), DAYS(1)) == sh(2026, 3, 10, 17, 30)
    # The default cut-off would have counted 16:30 from Friday.
    assert HOURS.deadline(sh(2026, 3, 6, 16, 30), DAYS(1)) == sh(2026, 3, 9, 17, 30)
    # Hours: from 16:30 (after the cut-off) counting starts on Mon 09:00 -> 10:00;
    # from 15:30 (before it) it runs on to 16:30 the same day.
    assert early.deadline(sh(2026, 3, 6, 16, 30), HRS(1)) == sh(2026, 3, 9, 10)
    assert early.deadline(sh(2026, 3, 6, 15, 30), HRS(1)) == sh(2026, 3, 6, 16, 30)


def test_a_later_cutoff_keeps_evening_items_on_their_own_day() -> None:
    late = WorkingHours(cutoff=at_time(20))
    # Fri 19:00 is before 20:00: counts from Friday -> Mon 03-09 17:30.
    assert late.deadline(sh(2026, 3, 6, 19), DAYS(1)) == sh(2026, 3, 9, 17, 30)
    # Hours from 19:00: no span is left on Friday -> Mon 09:00 + 1 h.
    assert late.deadline(sh(2026, 3, 6, 19), HRS(1)) == sh(2026, 3, 9, 10)


def test_chained_hour_limits_restart_after_an_early_cutoff() -> None:
    """Documented: a count that *starts* after the cut-off starts the next working
    day. So with a 16:00 cut-off, two hours from 15:30 are not one hour and then
    another: the first hour ends at 16:30, after the cut-off."""
    early = WorkingHours(cutoff=at_time(16))
    start = sh(2026, 3, 6, 15, 30)
    assert early.deadline(start, HRS(2)) == sh(2026, 3, 6, 17, 30)
    # 16:30 + 1 h, counted from Mon 09:00.
    assert early.deadline(early.deadline(start, HRS(1)), HRS(1)) == sh(2026, 3, 9, 10)


def test_custom_spans_set_the_hours_and_the_close() -> None:
    summer = WorkingHours(spans=[[at_time(8), at_time(12)], [at_time(14, 30), at_time(18)]])
    assert summer.spans == ((at_time(8), at_time(12)), (at_time(14, 30), at_time(18)))
    # Days close at 18:00, and 17:45 is before that cut-off: counts from Friday.
    assert summer.deadline(sh(2026, 3, 6, 17, 45), DAYS(1)) == sh(2026, 3, 9, 18)
    # Hours: Fri 17:30 -> 30 min to 18:00, then Mon 08:00 + 30 min.
    assert summer.deadline(sh(2026, 3, 6, 17, 30), HRS(1)) == sh(2026, 3, 9, 8, 30)
    # 12:15 is in the (longer) lunch break: counting starts at 14:30.
    assert summer.deadline(sh(2026, 3, 6, 12, 15), HRS(2)) == sh(2026, 3, 6, 16, 30)
    # Spans that touch are allowed: 09:00-12:00 then 12:00-13:00 is four hours on end.
    touching = WorkingHours(spans=((at_time(9), at_time(12)), (at_time(12), at_time(13))))
    assert touching.deadline(sh(2026, 3, 6, 9), HRS(4)) == sh(2026, 3, 6, 13)
    assert touching.deadline(sh(2026, 3, 6, 9), HRS(5)) == sh(2026, 3, 9, 10)


def test_a_custom_zone_reads_the_hours_on_its_own_wall_clock() -> None:
    urumqi = WorkingHours(timezone="Asia/Urumqi")  # UTC+6, two hours behind Shanghai
    start = sh(2026, 3, 6, 18)  # Fri 18:00 in Shanghai is 16:00 in Urumqi
    # In Urumqi that is before the cut-off: counts from Friday -> Mon 17:30 there,
    # which is 19:30 in Shanghai. In Shanghai it is after: counts from Mon -> Tue.
    deadline = urumqi.deadline(start, DAYS(1))
    assert deadline == pendulum.datetime(2026, 3, 9, 17, 30, tz="Asia/Urumqi")
    assert deadline == sh(2026, 3, 9, 19, 30)
    assert deadline.timezone_name == "Asia/Urumqi"
    assert HOURS.deadline(start, DAYS(1)) == sh(2026, 3, 10, 17, 30)
    # Mon 01:00 in Shanghai is still Sun 23:00 in Urumqi, a day off.
    assert urumqi.counts_from(sh(2026, 3, 9, 1)) == dt.date(2026, 3, 9)
    assert urumqi.local(sh(2026, 3, 9, 1)).date() == dt.date(2026, 3, 8)
    assert not urumqi.is_working_moment(sh(2026, 3, 9, 10))  # 08:00 in Urumqi
    assert urumqi.is_working_moment(sh(2026, 3, 9, 11))  # 09:00 in Urumqi
    # Hours: Fri 08:30 Shanghai is 06:30 Urumqi: from 09:00 there, +1 h = 10:00 there.
    assert urumqi.deadline(sh(2026, 3, 6, 8, 30), HRS(1)) == sh(2026, 3, 6, 12)


# -- 5. WorkingHours refuses bad settings ----------------------------------------------------

NINE, NOON = at_time(9), at_time(12)


@pytest.mark.parametrize(
    ("spans", "error", "field"),
    [
        ((), InvalidTypeError, "WorkingHours.spans"),
        ([], InvalidTypeError, "WorkingHours.spans"),
        (None, InvalidTypeError, "WorkingHours.spans"),
        ((NINE, NOON), InvalidTypeError, "WorkingHours.spans[0]"),  # not a pair of pairs
        (((NINE,),), InvalidTypeError, "WorkingHours.spans[0]"),
        (((NINE, NOON, at_time(13)),), InvalidTypeError, "WorkingHours.spans[0]"),
        ((("09:00", "12:00"),), InvalidTypeError, "WorkingHours.spans[0]"),
        (((dt.datetime(2026, 1, 1, 9), NOON),), InvalidTypeError, "WorkingHours.spans[0]"),
        (
            ((NINE, NOON), (at_time(13), dt.time(17, tzinfo=dt.UTC))),
            InvalidTypeError,
            "WorkingHours.spans[1]",
        ),
        (((NOON, NINE),), InvalidValueError, "WorkingHours.spans[0]"),  # ends before it starts
        (((NINE, NINE),), InvalidValueError, "WorkingHours.spans[0]"),  # empty
        (
            ((NINE, NOON), (at_time(11), at_time(14))),  # overlaps the first
            InvalidValueError,
            "WorkingHours.spans[1]",
        ),
        (
            ((at_time(13), at_time(17)), (NINE, NOON)),  # out of order
            InvalidValueError,
            "WorkingHours.spans[1]",
        ),
    ],
)
def test_bad_spans_are_refused_naming_the_span(
    spans: object, error: type[BanshishiError], field: str
) -> None:
    with pytest.raises(error) as caught:
        WorkingHours(spans=spans)  # type: ignore[arg-type]
    assert type(caught.value) is error
    assert caught.value.field == field


@pytest.mark.parametrize(
    "cutoff",
    ["16:00", 16, dt.time(16, tzinfo=dt.UTC), dt.datetime(2026, 1, 1, 16), dt.timedelta(hours=16)],
)
def test_a_bad_cutoff_is_refused(cutoff: object) -> None:
    with pytest.raises(InvalidTypeError) as caught:
        WorkingHours(cutoff=cutoff)  # type: ignore[arg-type]
    assert caught.value.field == "WorkingHours.cutoff"


@pytest.mark.parametrize(
    ("options", "error", "field"),
    [
        ({"timezone": "China/Beijing"}, InvalidValueError, "WorkingHours.timezone"),
        ({"timezone": "+08:00"}, InvalidValueError, "WorkingHours.timezone"),
        ({"timezone": None}, InvalidTypeError, "WorkingHours.timezone"),
        ({"calendar": "china"}, InvalidTypeError, "WorkingHours.calendar"),
    ],
)
def test_a_bad_zone_or_calendar_is_refused(
    options: dict[str, Any], error: type[BanshishiError], field: str
) -> None:
    with pytest.raises(error) as caught:
        WorkingHours(**options)
    assert caught.value.field == field


def test_deadline_takes_only_a_time_limit_and_an_aware_start() -> None:
    with pytest.raises(InvalidTypeError) as caught:
        HOURS.deadline(sh(2026, 3, 6, 10), "1 working day")  # type: ignore[arg-type]
    assert caught.value.field == "limit"
    with pytest.raises(InvalidTypeError) as caught:
        HOURS.deadline(sh(2026, 3, 6, 10), dt.timedelta(days=1))  # type: ignore[arg-type]
    assert caught.value.field == "limit"
    with pytest.raises(NaiveDatetimeError):
        HOURS.deadline(dt.datetime(2026, 3, 6, 10), HRS(1))  # type: ignore[arg-type]
    with pytest.raises(NaiveDatetimeError):
        HOURS.deadline(dt.datetime(2026, 3, 6, 10), DAYS(1))  # type: ignore[arg-type]


def test_a_moment_outside_the_calendar_is_refused_with_the_missing_year() -> None:
    last = CALENDAR.years[-1]
    with pytest.raises(UnknownYearError) as caught:
        HOURS.deadline(sh(last + 1, 3, 2, 10), DAYS(1))
    assert caught.value.year == last + 1
    with pytest.raises(UnknownYearError) as caught:
        HOURS.deadline(sh(last + 1, 3, 2, 10), HRS(1))
    assert caught.value.year == last + 1
    # A limit that runs past the last year covered is refused too, never guessed.
    with pytest.raises(UnknownYearError) as caught:
        HOURS.deadline(sh(last, 12, 31, 10), DAYS(1))
    assert caught.value.year == last + 1


# -- 6. properties ---------------------------------------------------------------------------

FIRST = pendulum.datetime(2005, 1, 1, tz=SH)
LAST = pendulum.datetime(2025, 12, 1, tz=SH)  # + 40 working days stays inside 2026
EDGES = (
    dt.time(0),
    dt.time(8, 59, 59, 999_999),
    dt.time(9),
    dt.time(11, 59, 59, 999_999),
    dt.time(12),
    dt.time(12, 0, 0, 1),
    dt.time(13, 30),
    dt.time(16),
    dt.time(17, 30),
    dt.time(17, 30, 0, 1),
    dt.time(23, 59, 59, 999_999),
)
"""Wall-clock times at the edges of the default spans and cut-offs."""

ZONES = (
    SH,
    "UTC",
    "America/New_York",
    "Asia/Kathmandu",  # UTC+05:45
    "America/St_Johns",  # UTC-03:30 / -02:30
    "Asia/Urumqi",
    "Pacific/Kiritimati",  # UTC+14: a different date from Shanghai most of the day
    "Pacific/Pago_Pago",  # UTC-11
    "Europe/London",
)


@st.composite
def instants(draw: st.DrawFn) -> DateTime:
    """Instants from 2005 to late 2025, either anywhere or at the edge of a span."""
    if draw(st.booleans()):
        seconds = draw(st.integers(min_value=0, max_value=int((LAST - FIRST).total_seconds())))
        micro = draw(st.integers(min_value=0, max_value=999_999))
        return FIRST.add(seconds=seconds, microseconds=micro)
    day = draw(st.dates(min_value=FIRST.date(), max_value=LAST.date()))
    clock = draw(st.sampled_from(EDGES))
    return pendulum.instance(dt.datetime.combine(day, clock), tz=SH)


SETTINGS = (
    HOURS,
    WorkingHours(cutoff=at_time(16)),
    WorkingHours(spans=((at_time(8), at_time(12)), (at_time(14, 30), at_time(18)))),
    WorkingHours(timezone="Asia/Urumqi"),
    WorkingHours(
        spans=(
            (at_time(8, 30), at_time(11, 45)),
            (at_time(14), at_time(17, 15)),
            (at_time(19), at_time(21)),
        ),
        cutoff=at_time(18),
    ),
)
"""Working hours to check the properties on: the default, an early cut-off, summer
hours, another zone, and an evening span after the cut-off. None has DST."""

NO_EARLY_CUTOFF = SETTINGS[0], SETTINGS[2], SETTINGS[3]
"""Those whose cut-off is the end of the last span (the default)."""

day_amounts = st.integers(min_value=1, max_value=40)
hour_amounts = st.integers(min_value=1, max_value=120)
limits = st.one_of(st.builds(DAYS, day_amounts), st.builds(HRS, hour_amounts))


def wall(hours: WorkingHours, moment: DateTime) -> dt.datetime:
    """``moment`` as a naive wall-clock time in the working hours' zone."""
    local = hours.local(moment)
    return dt.datetime.combine(local.date(), local.time())


def worked(hours: WorkingHours, start: dt.datetime, end: dt.datetime) -> dt.timedelta:
    """Working time between two wall-clock times: an independent oracle, summing the
    overlap of [start, end] with every span of every working day in between."""
    total = dt.timedelta()
    day = start.date()
    while day <= end.date():
        if CALENDAR.is_workday(day):
            for begin, finish in hours.spans:
                low = max(start, dt.datetime.combine(day, begin))
                high = min(end, dt.datetime.combine(day, finish))
                total += max(high - low, dt.timedelta())
        day += dt.timedelta(days=1)
    return total


def cutoff_of(hours: WorkingHours) -> dt.time:
    return hours.spans[-1][1] if hours.cutoff is None else hours.cutoff


def where_counting_starts(hours: WorkingHours, start: DateTime) -> dt.datetime:
    """The documented start of an hour count: ``start`` itself, or the beginning of
    the next working day when ``start`` is on a day off or after the cut-off."""
    local = wall(hours, start)
    if CALENDAR.is_workday(local.date()) and local.time() <= cutoff_of(hours):
        return local
    return dt.datetime.combine(
        CALENDAR.next_workday(local.date() + dt.timedelta(days=1)), dt.time()
    )


@given(start=instants(), limit=limits, hours=st.sampled_from(SETTINGS))
def test_a_deadline_is_a_working_moment_after_the_start(
    start: DateTime, limit: TimeLimit, hours: WorkingHours
) -> None:
    deadline = hours.deadline(start, limit)
    assert hours.is_working_moment(deadline)
    assert deadline > start
    assert deadline.timezone_name == hours.timezone
    # Inside a span or at its end, never at its very start.
    clock = wall(hours, deadline).time()
    assert any(begin < clock <= end for begin, end in hours.spans)


@given(start=instants(), limit=limits, hours=st.sampled_from(SETTINGS))
def test_a_deadline_grows_with_the_amount(
    start: DateTime, limit: TimeLimit, hours: WorkingHours
) -> None:
    longer = TimeLimit(limit.amount + 1, limit.unit)
    assert hours.deadline(start, longer) > hours.deadline(start, limit)


@given(start=instants(), amount=day_amounts, hours=st.sampled_from(SETTINGS))
def test_working_days_count_back_to_the_day_the_item_counts_from(
    start: DateTime, amount: int, hours: WorkingHours
) -> None:
    local = wall(hours, start)
    counted = hours.counts_from(start)
    if CALENDAR.is_workday(local.date()) and local.time() <= cutoff_of(hours):
        assert counted == local.date()
    else:
        assert counted > local.date()
        assert CALENDAR.working_days_between(local.date(), counted) == 1
        assert CALENDAR.is_workday(counted)
    deadline = hours.deadline(start, DAYS(amount))
    day = wall(hours, deadline).date()
    assert deadline == hours.close_of(day)
    assert CALENDAR.is_workday(day)
    assert CALENDAR.working_days_between(counted, day) == amount


@given(start=instants(), amount=hour_amounts, hours=st.sampled_from(SETTINGS))
def test_working_hours_add_up_to_the_limit(
    start: DateTime, amount: int, hours: WorkingHours
) -> None:
    """Between where counting starts and the deadline lie exactly ``amount`` hours
    of spans; with the deadline strictly inside a span or at its end, that fixes it."""
    deadline = hours.deadline(start, HRS(amount))
    begin = where_counting_starts(hours, start)
    assert worked(hours, begin, wall(hours, deadline)) == dt.timedelta(hours=amount)


@given(
    start=instants(),
    first=hour_amounts,
    second=hour_amounts,
    hours=st.sampled_from(NO_EARLY_CUTOFF),
)
def test_working_hours_chain_when_the_cutoff_is_the_close(
    start: DateTime, first: int, second: int, hours: WorkingHours
) -> None:
    """For working hours whose cut-off is the end of the last span, and ANY start
    (working moment or not, span end or not): n + m hours from ``start`` end where
    m hours from the end of the first n do. (An earlier cut-off breaks this by
    design; see test_chained_hour_limits_restart_after_an_early_cutoff.)"""
    halfway = hours.deadline(start, HRS(first))
    assert hours.deadline(start, HRS(first + second)) == hours.deadline(halfway, HRS(second))


@given(start=instants(), limit=limits, zone=st.sampled_from(ZONES))
def test_the_same_instant_in_any_zone_has_the_same_deadline(
    start: DateTime, limit: TimeLimit, zone: str
) -> None:
    expected = HOURS.deadline(start, limit)
    elsewhere = start.in_timezone(zone)
    stdlib = dt.datetime.fromtimestamp(start.timestamp(), tz=zoneinfo.ZoneInfo(zone))
    offset_only = stdlib.astimezone(dt.timezone(stdlib.utcoffset() or dt.timedelta()))
    for same in (elsewhere, stdlib, offset_only):
        deadline = HOURS.deadline(same, limit)  # type: ignore[arg-type]
        assert deadline == expected
        assert deadline.timezone_name == SH
        assert deadline.isoformat() == expected.isoformat()


@given(start=instants(), track=st.sampled_from([Track.IMMEDIATE, Track.JOINT]))
def test_the_policys_deadline_is_its_working_hours_deadline(start: DateTime, track: Track) -> None:
    policy = WorkflowPolicy(
        time_limits={Track.IMMEDIATE: "1个工作日", Track.JOINT: "3 working hours"}
    )
    expected = HOURS.deadline(start, policy.time_limits[track])  # type: ignore[arg-type]
    assert policy.deadline_for(track, start) == expected
    assert policy.after(start, policy.time_limits[track]) == expected
    assert HOURS.is_working_moment(expected)
