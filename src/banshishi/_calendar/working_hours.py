"""Office hours on working days, and the deadline a time limit gives.

:class:`WorkingHours` joins a :class:`WorkCalendar` (which days are worked) to
the hours of a working day, a daily cut-off and a time zone (Asia/Shanghai by
default). Its :meth:`~WorkingHours.deadline` is the single place a time limit in
working days or hours becomes a moment; see ``docs/deadlines.md``.
"""

import datetime as dt
from typing import Any, final

import attrs
import pendulum
from pendulum import DateTime

from banshishi._core.errors import InvalidTypeError, InvalidValueError, UnknownYearError
from banshishi._core.time import DEFAULT_TIMEZONE, as_datetime, check_zone_field
from banshishi._core.validators import field_name, of_type

from .time_limit import LimitUnit, TimeLimit
from .work_calendar import WorkCalendar, china_calendar

Span = tuple[dt.time, dt.time]

DEFAULT_SPANS: tuple[Span, ...] = (
    (dt.time(9, 0), dt.time(12, 0)),
    (dt.time(13, 30), dt.time(17, 30)),
)
"""09:00–12:00 and 13:30–17:30: seven working hours a day."""


def _since_midnight(value: dt.time) -> dt.timedelta:
    return dt.timedelta(
        hours=value.hour, minutes=value.minute, seconds=value.second, microseconds=value.microsecond
    )


def _as_spans(value: object) -> object:
    if not isinstance(value, list | tuple):
        return value
    return tuple(tuple(span) if isinstance(span, list) else span for span in value)


def _check_spans(instance: object, attribute: "attrs.Attribute[Any]", value: object) -> None:
    name = field_name(instance, attribute)
    if type(value) is not tuple or not value:
        raise InvalidTypeError(
            field=name, value=value, problem="must be a non-empty tuple of (start, end) times"
        )
    previous_end: dt.time | None = None
    for index, span in enumerate(value):
        where = f"{name}[{index}]"
        if (
            type(span) is not tuple
            or len(span) != 2
            or not all(type(t) is dt.time and t.tzinfo is None for t in span)
        ):
            raise InvalidTypeError(
                field=where, value=span, problem="must be a (start, end) pair of naive times"
            )
        start, end = span
        if end <= start:
            raise InvalidValueError(field=where, value=span, problem="must end after it starts")
        if previous_end is not None and start < previous_end:
            raise InvalidValueError(
                field=where, value=span, problem="must start after the previous span ends"
            )
        previous_end = end


def _check_cutoff(instance: object, attribute: "attrs.Attribute[Any]", value: object) -> None:
    if value is not None and (type(value) is not dt.time or value.tzinfo is not None):
        raise InvalidTypeError(
            field=field_name(instance, attribute), value=value, problem="must be a naive time"
        )


@final
@attrs.frozen(kw_only=True)
class WorkingHours:
    """When a deployment works: which days, which hours, and the daily cut-off.

    - ``calendar``: the working days (China's official calendar by default).
    - ``spans``: the office hours of a working day, as (start, end) pairs in
      order; 09:00–12:00 and 13:30–17:30 by default.
    - ``cutoff``: an item received after this time of day counts from the next
      working day; ``None`` (the default) means the end of the last span.
    - ``timezone``: the zone the hours are read in (Asia/Shanghai by default);
      moments in any other zone are converted first.

    >>> import pendulum
    >>> hours = WorkingHours()
    >>> friday_evening = pendulum.datetime(2026, 2, 13, 18, tz="Asia/Shanghai")
    >>> hours.deadline(friday_evening, TimeLimit.working_days(1)).isoformat()
    '2026-02-24T17:30:00+08:00'
    """

    calendar: WorkCalendar = attrs.field(factory=china_calendar, validator=of_type(WorkCalendar))
    spans: tuple[Span, ...] = attrs.field(
        default=DEFAULT_SPANS, converter=_as_spans, validator=_check_spans
    )
    cutoff: dt.time | None = attrs.field(default=None, validator=_check_cutoff)
    timezone: str = attrs.field(default=DEFAULT_TIMEZONE, validator=check_zone_field)
    _bounds: tuple[tuple[dt.timedelta, dt.timedelta], ...] = attrs.field(
        init=False, repr=False, eq=False
    )
    _cutoff: dt.timedelta = attrs.field(init=False, repr=False, eq=False)
    _daily: dt.timedelta = attrs.field(init=False, repr=False, eq=False)
    _closes: dict[dt.date, DateTime] = attrs.field(init=False, repr=False, eq=False, factory=dict)

    def __attrs_post_init__(self) -> None:
        bounds = tuple((_since_midnight(a), _since_midnight(b)) for a, b in self.spans)
        object.__setattr__(self, "_bounds", bounds)
        cutoff = bounds[-1][1] if self.cutoff is None else _since_midnight(self.cutoff)
        object.__setattr__(self, "_cutoff", cutoff)
        object.__setattr__(self, "_daily", sum((b - a for a, b in bounds), dt.timedelta()))

    # -- reading moments --------------------------------------------------------------------

    def local(self, moment: DateTime, *, field: str = "moment") -> DateTime:
        """``moment`` in the working hours' zone."""
        moment = as_datetime(moment, field=field)
        if getattr(moment.tzinfo, "name", None) == self.timezone:
            return moment  # already there: the common case, without a conversion
        return moment.in_timezone(self.timezone)

    def is_working_moment(self, moment: DateTime) -> bool:
        """Whether ``moment`` falls on a working day within a span (ends included)."""
        local = self.local(moment)
        if not self.calendar.is_workday(local.date()):
            return False
        clock = _clock(local)
        return any(start <= clock <= end for start, end in self._bounds)

    def counts_from(self, moment: DateTime) -> dt.date:
        """The working day an item received at ``moment`` is taken as received on:
        its own day if that is a working day and ``moment`` is not after the
        cut-off, else the next working day."""
        local = self.local(moment)
        day = local.date()
        if self.calendar.is_workday(day) and _clock(local) <= self._cutoff:
            return day
        return self.calendar.add_working_days(day, 1)

    def is_provisional(self, moment: DateTime) -> bool:
        """Whether ``moment`` falls on a day of a provisional year of the calendar
        (see :meth:`WorkCalendar.with_provisional_years`), so a deadline counted up
        to it may move when that year's official schedule is published."""
        return self.calendar.is_provisional(self.local(moment).date())

    def close_of(self, day: dt.date) -> DateTime:
        """The end of the last span of ``day``: when a deadline in days falls due."""
        close = self._closes.get(day)
        if close is None:
            self.calendar.is_workday(day)  # a date the calendar covers, or its error
            close = self._closes[day] = self._moment(day, self._bounds[-1][1])
        return close

    # -- deadlines --------------------------------------------------------------------------

    def deadline(self, start: DateTime, limit: TimeLimit) -> DateTime:
        """The moment ``limit`` runs out for something that started at ``start``.

        - Working days: the receipt day is not counted (期间开始之日不计算), so
          the deadline is the close of the ``n``-th working day after the day
          the item counts from (see :meth:`counts_from`).
        - Working hours: counted through the spans of working days from
          ``start`` (or from the next span, when ``start`` falls outside one or
          after the cut-off), ending inside or at the end of a span.

        The result is in :attr:`timezone` and is always a working moment.
        """
        if not isinstance(limit, TimeLimit):
            raise InvalidTypeError(field="limit", value=limit, problem="must be a TimeLimit")
        local = self.local(start, field="start")
        try:
            if limit.unit is LimitUnit.WORKING_DAYS:
                day = self.counts_from(local)
                return self.close_of(self.calendar.add_working_days(day, limit.amount))
            return self._add_hours(local, dt.timedelta(hours=limit.amount))
        except UnknownYearError as error:
            raise error.at("limit") from None

    def _add_hours(self, start: DateTime, remaining: dt.timedelta) -> DateTime:
        local = self.local(start, field="start")
        day: dt.date = local.date()
        clock = _clock(local)
        if not self.calendar.is_workday(day) or clock > self._cutoff:
            day, clock = self.calendar.add_working_days(day, 1), dt.timedelta()
        while True:
            for begin, end in self._bounds:
                if end <= clock:
                    continue
                available = end - max(begin, clock)
                if remaining <= available:
                    return self._moment(day, max(begin, clock) + remaining)
                remaining -= available
            # Whole working days in one jump, keeping at least a moment for the last day.
            whole = (remaining - dt.timedelta(microseconds=1)) // self._daily
            day = self.calendar.add_working_days(day, 1 + whole)
            remaining -= whole * self._daily
            clock = dt.timedelta()

    def _moment(self, day: dt.date, clock: dt.timedelta) -> DateTime:
        wall = dt.datetime.combine(day, dt.time()) + clock
        return pendulum.datetime(
            wall.year,
            wall.month,
            wall.day,
            wall.hour,
            wall.minute,
            wall.second,
            wall.microsecond,
            tz=self.timezone,
        )


def _clock(local: dt.datetime) -> dt.timedelta:
    return _since_midnight(local.time())


DEFAULT_WORKING_HOURS = WorkingHours()
"""China's official calendar, 09:00–12:00 and 13:30–17:30, Asia/Shanghai."""
