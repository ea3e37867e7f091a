"""China's working days: weekends, public holidays and adjusted working days (调休).

:class:`WorkCalendar` answers "is this a working day?", "which day is n working
days later?" and "how many working days lie between?" for every year it has an
official :class:`YearSchedule` for, in constant time: it keeps one flag per day
and a running count of working days, built once.

The default calendar, :func:`china_calendar`, is built from the data of the
``chinesecalendar`` package (2004 to the last year it knows). A year outside
the calendar is never guessed: asking about it raises :class:`UnknownYearError`
naming the year, and :meth:`WorkCalendar.with_schedule` adds the year once the
State Council has published it. Until then, :meth:`WorkCalendar.with_provisional_years`
may cover the next years with their statutory holidays only, marked as provisional
(:meth:`WorkCalendar.is_provisional`): the workflow policy does so by default.
"""

import datetime as dt
import functools
import itertools
import threading
from collections.abc import Callable, Iterable, Iterator
from typing import TYPE_CHECKING, Any, final

from banshishi._core.errors import (
    DuplicateError,
    InvalidTypeError,
    InvalidValueError,
    UnknownYearError,
)

from .schedule import YearSchedule
from .statutory import provisional_schedule

_SATURDAY = 5


@final
class WorkCalendar:
    """Working days over a run of consecutive years, each with its official schedule.

    Build one from :class:`YearSchedule` objects, or start from
    :func:`china_calendar` and add years with :meth:`with_schedule`. A calendar
    is immutable; every method takes and returns ``datetime.date`` values (a
    ``pendulum.Date`` is one), never datetimes, whose day depends on a zone.

    >>> import datetime as dt
    >>> calendar = china_calendar()
    >>> calendar.is_workday(dt.date(2026, 2, 14))  # a Saturday worked for 春节
    True
    >>> calendar.add_working_days(dt.date(2026, 2, 13), 2)  # Friday, then Saturday, then 春节
    datetime.date(2026, 2, 24)
    >>> calendar.working_days_between(dt.date(2026, 2, 13), dt.date(2026, 2, 24))
    2
    """

    __slots__ = ("_before", "_first", "_flags", "_official", "_pending", "_schedules", "_workdays")

    def __init__(
        self, schedules: Iterable[YearSchedule], *, provisional: Iterable[YearSchedule] = ()
    ) -> None:
        self._pending: _Later | None = None
        if isinstance(schedules, _Later) and provisional == ():
            self._pending = schedules  # built when first asked anything
            return
        official = _listed(schedules)
        stand_ins = _listed(provisional, field="provisional")
        by_year: dict[int, YearSchedule] = {}
        for index, schedule in enumerate([*official, *stand_ins]):
            if not isinstance(schedule, YearSchedule):
                raise InvalidTypeError(
                    field=f"schedules[{index}]", value=schedule, problem="must be a YearSchedule"
                )
            if schedule.year in by_year:
                raise DuplicateError(
                    field=f"schedules[{index}].year",
                    value=schedule.year,
                    problem="has a schedule already",
                )
            by_year[schedule.year] = schedule
        if not by_year:
            raise InvalidValueError(
                field="schedules", value=[], problem="must hold at least one year"
            )
        years = sorted(by_year)
        for earlier, later in itertools.pairwise(years):
            if later != earlier + 1:
                raise InvalidValueError(
                    field="schedules",
                    value=years,
                    problem=f"skips from {earlier} to {later}",
                    hint=f"The years must follow one another; add {earlier + 1} first.",
                )
        self._schedules = tuple(by_year[year] for year in years)
        self._official = len(official)
        if stand_ins and min(s.year for s in stand_ins) <= max(s.year for s in official):
            raise InvalidValueError(
                field="provisional",
                value=[s.year for s in stand_ins],
                problem="must come after every official year",
                hint="A provisional year stands in for a notice not yet published.",
            )
        first = dt.date(years[0], 1, 1)
        self._first = first.toordinal()
        flags = bytearray()
        for schedule in self._schedules:
            flags += _year_flags(schedule)
        self._flags = bytes(flags)
        before = [0] * (len(flags) + 1)
        workdays: list[int] = []
        count = 0
        for index, flag in enumerate(flags):
            if flag:
                workdays.append(self._first + index)
                count += 1
            before[index + 1] = count
        self._before = before
        self._workdays = workdays

    if not TYPE_CHECKING:  # mypy would otherwise take any attribute name as valid

        def __getattr__(self, name: str) -> Any:
            # Reached only for a slot not filled yet: a deferred calendar builds now.
            if name not in _TABLES:
                message = f"'WorkCalendar' object has no attribute {name!r}"
                raise AttributeError(message, name=name, obj=self)
            with _BUILDING:
                schedules = self._pending
                if schedules is not None:
                    built = WorkCalendar(list(schedules))
                    for table in _TABLES:
                        setattr(self, table, getattr(built, table))
                    self._pending = None
            return object.__getattribute__(self, name)

    # -- what the calendar covers ---------------------------------------------------------

    @property
    def years(self) -> range:
        """The years the calendar covers, official and provisional, in order."""
        return range(self._schedules[0].year, self._schedules[-1].year + 1)

    @property
    def official_years(self) -> range:
        """The years covered by an official schedule, in order."""
        return range(self._schedules[0].year, self._schedules[0].year + self._official)

    @property
    def provisional_years(self) -> range:
        """The years covered only provisionally (statutory holidays, no 调休), in order."""
        return range(self.official_years.stop, self.years.stop)

    @property
    def schedules(self) -> tuple[YearSchedule, ...]:
        """The official schedule of each year covered, in order."""
        return self._schedules[: self._official]

    @property
    def provisional(self) -> tuple[YearSchedule, ...]:
        """The stand-in schedule of each provisional year, in order."""
        return self._schedules[self._official :]

    def is_provisional(self, day: dt.date) -> bool:
        """Whether ``day`` falls in a provisional year: whether it is a working day
        may change when that year's official schedule is published."""
        self._index(day, "day")
        return day.year >= self.official_years.stop

    def with_provisional_years(self, count: int) -> "WorkCalendar":
        """This calendar's official years, followed by ``count`` provisional years.

        A provisional year has the statutory holidays of the national rules
        (:func:`statutory_days`) and ordinary weekends, but none of the bridging
        days off and make-up working days (调休) that only the yearly notice
        decides. ``count=0`` gives the official years alone.

        >>> import datetime as dt
        >>> calendar = china_calendar().with_provisional_years(1)
        >>> calendar
        WorkCalendar(2004–2026, provisional 2027)
        >>> calendar.add_working_days(dt.date(2026, 12, 15), 15)
        datetime.date(2027, 1, 6)
        >>> calendar.is_provisional(dt.date(2027, 1, 6))
        True
        """
        if type(count) is not int:
            raise InvalidTypeError(field="count", value=count, problem="must be an int")
        if count < 0:
            raise InvalidValueError(field="count", value=count, problem="must be 0 or more")
        return _with_provisional(self, count)

    def schedule(self, year: int) -> YearSchedule:
        """The official schedule of ``year``; :class:`UnknownYearError` if not covered."""
        if type(year) is not int:
            raise InvalidTypeError(field="year", value=year, problem="must be an int")
        if year not in self.years:
            raise self._unknown("year", year, year)
        return self._schedules[year - self.years.start]

    def with_schedule(self, schedule: YearSchedule, *, replace: bool = False) -> "WorkCalendar":
        """A new calendar that also covers ``schedule``'s year.

        The year must follow the last one covered or precede the first, so the
        calendar has no holes; ``replace=True`` swaps a year already covered
        (for a schedule amended after publication).
        """
        if not isinstance(schedule, YearSchedule):
            raise InvalidTypeError(
                field="schedule", value=schedule, problem="must be a YearSchedule"
            )
        kept = list(self.schedules)
        if schedule.year in self.official_years:
            if not replace:
                raise DuplicateError(
                    field="schedule.year",
                    value=schedule.year,
                    problem="is covered already",
                    hint="Pass replace=True to put this schedule in its place.",
                )
            kept = [s for s in kept if s.year != schedule.year]
        # The official schedule takes the place of a provisional one for its year.
        later = [s for s in self.provisional if s.year > schedule.year]
        return WorkCalendar([*kept, schedule], provisional=later)

    def __eq__(self, other: object) -> bool:
        return (
            isinstance(other, WorkCalendar)
            and other._schedules == self._schedules
            and other._official == self._official
        )

    def __hash__(self) -> int:
        return hash((self._schedules, self._official))

    def __repr__(self) -> str:
        years, provisional = self.official_years, self.provisional_years
        text = f"{years.start}–{years.stop - 1}"
        if provisional:
            last = provisional.stop - 1
            span = f"{provisional.start}" + ("" if last == provisional.start else f"–{last}")
            text += f", provisional {span}"
        return f"WorkCalendar({text})"

    # -- questions ------------------------------------------------------------------------

    def is_workday(self, day: dt.date) -> bool:
        """Whether ``day`` is a working day (a weekday not on holiday, or a 调休 day)."""
        return bool(self._flags[self._index(day, "day")])

    def holiday(self, day: dt.date) -> str | None:
        """The name of the holiday ``day`` belongs to (also for a 调休 working day), or None."""
        self._index(day, "day")
        schedule = self._schedules[day.year - self._schedules[0].year]
        return schedule.holidays.get(day) or schedule.workdays.get(day)

    def add_working_days(self, day: dt.date, n: int) -> dt.date:
        """The ``n``-th working day after ``day`` (``day`` itself for ``n == 0``).

        ``day`` need not be a working day: Saturday plus one working day is the
        next working day after it, usually Monday.
        """
        index = self._index(day, "day")
        if type(n) is not int:
            raise InvalidTypeError(field="n", value=n, problem="must be an int")
        if n < 0:
            raise InvalidValueError(field="n", value=n, problem="must be 0 or more")
        if n == 0:
            return day
        position = self._before[index + 1] + n - 1
        if position >= len(self._workdays):
            last = self._schedules[-1].year
            raise UnknownYearError(
                field="n",
                value=n,
                problem=f"working days after {day} reach past {last}, the last year covered",
                hint=f"Add {last + 1}'s schedule with WorkCalendar.with_schedule(), or count "
                "it provisionally with WorkCalendar.with_provisional_years().",
                year=last + 1,
            )
        return dt.date.fromordinal(self._workdays[position])

    def next_workday(self, day: dt.date) -> dt.date:
        """``day`` if it is a working day, else the first working day after it."""
        return day if self.is_workday(day) else self.add_working_days(day, 1)

    def working_days_between(self, start: dt.date, end: dt.date) -> int:
        """How many working days come after ``start`` up to and including ``end``.

        So ``working_days_between(d, add_working_days(d, n)) == n``. When ``end``
        is before ``start`` the count is negative: ``-working_days_between(end, start)``.
        """
        first = self._index(start, "start")
        last = self._index(end, "end")
        return self._before[last + 1] - self._before[first + 1]

    # -- internals ------------------------------------------------------------------------

    def _index(self, day: object, field: str) -> int:
        if type(day) is not dt.date and (
            not isinstance(day, dt.date) or isinstance(day, dt.datetime)
        ):
            raise InvalidTypeError(
                field=field,
                value=day,
                problem="must be a date",
                hint="Take the date of a moment in the calendar's zone, e.g. moment.date().",
            )
        index = day.toordinal() - self._first
        if 0 <= index < len(self._flags):
            return index
        raise self._unknown(field, day, day.year)

    def _unknown(self, field: str, value: object, year: int) -> UnknownYearError:
        years = self.years
        return UnknownYearError(
            field=field,
            value=value,
            problem=f"falls in {year}, a year the calendar has no schedule for",
            hint=f"It covers {years.start}–{years.stop - 1}; "
            f"add {year}'s schedule with WorkCalendar.with_schedule().",
            year=year,
        )


@final
class _Later(Iterable[YearSchedule]):
    """Schedules made by ``make`` when first read; a calendar given them waits as long."""

    __slots__ = ("make",)

    def __init__(self, make: Callable[[], Iterable[YearSchedule]]) -> None:
        self.make = make

    def __iter__(self) -> Iterator[YearSchedule]:
        return iter(self.make())


_TABLES = frozenset(WorkCalendar.__slots__) - {"_pending"}
_BUILDING = threading.Lock()


def _listed(schedules: object, field: str = "schedules") -> list[Any]:
    if isinstance(schedules, str | bytes) or not isinstance(schedules, Iterable):
        raise InvalidTypeError(
            field=field, value=schedules, problem="must be an iterable of YearSchedule"
        )
    return list(schedules)


@functools.lru_cache(maxsize=64)
def _with_provisional(calendar: WorkCalendar, count: int) -> WorkCalendar:
    start = calendar.official_years.stop
    stand_ins = [provisional_schedule(year) for year in range(start, start + count)]
    if calendar.provisional == tuple(stand_ins):
        return calendar
    return WorkCalendar(calendar.schedules, provisional=stand_ins)


def _year_flags(schedule: YearSchedule) -> bytearray:
    """One byte per day of the year: 1 for a working day, 0 for a day off."""
    day = dt.date(schedule.year, 1, 1)
    flags = bytearray()
    one = dt.timedelta(days=1)
    while day.year == schedule.year:
        if day in schedule.workdays:
            flags.append(1)
        else:
            flags.append(0 if day.weekday() >= _SATURDAY or day in schedule.holidays else 1)
        day += one
    return flags


CORRECTIONS: dict[dt.date, str] = {
    # The notice on the 2006 holidays (国办发明电〔2005〕35号) makes Saturday
    # 2005-12-31 a working day in exchange for Tuesday 2006-01-03; chinesecalendar
    # 1.11 has the day off but not the working Saturday.
    dt.date(2005, 12, 31): "元旦",
}
"""Make-up working days the ``chinesecalendar`` data lacks, checked against the notices."""


@functools.cache
def china_calendar() -> WorkCalendar:
    """The official calendar for every year the ``chinesecalendar`` package covers.

    Built once and shared, with the :data:`CORRECTIONS` applied, when it is first
    asked anything (not when ``banshishi`` is imported). Extend it with
    :meth:`WorkCalendar.with_schedule`.
    """
    return WorkCalendar(_Later(_china_schedules))


def _china_schedules() -> list[YearSchedule]:
    from chinese_calendar import constants

    chinese = {holiday.value: holiday.chinese for holiday in constants.Holiday}
    years = sorted({day.year for day in constants.holidays})
    holidays: dict[int, dict[dt.date, str]] = {year: {} for year in years}
    workdays: dict[int, dict[dt.date, str]] = {year: {} for year in years}
    for source, target in ((constants.holidays, holidays), (constants.workdays, workdays)):
        for day, name in source.items():
            target[day.year][day] = chinese.get(name, name)
    for day, name in CORRECTIONS.items():
        workdays[day.year][day] = name
    return [
        YearSchedule(year=year, holidays=holidays[year], workdays=workdays[year]) for year in years
    ]
