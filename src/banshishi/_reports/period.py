"""Reporting periods: the span a 周报, 半月报, 月报 or 季报 (or a 日报, 年报) covers.

A :class:`ReportingPeriod` starts at midnight on its first day and ends,
excluded, at midnight after its last day, on the calendar of a time zone
(Asia/Shanghai unless told otherwise). Its kind is a :class:`Period`, the same
vocabulary :func:`by_period` groups by: a week runs Monday to Sunday, a
half-month the 1st to the 15th or the 16th to the month's end, a quarter
January–March and so on.

>>> import pendulum
>>> moment = pendulum.datetime(2026, 9, 30, 20, tz="Asia/Shanghai")
>>> week = ReportingPeriod.containing(moment, kind="week")
>>> week.label, week.report_name, week.first_day.isoformat(), week.last_day.isoformat()
('2026年第40周', '周报', '2026-09-28', '2026-10-04')
>>> ReportingPeriod.containing(moment, kind="half_month").label
'2026年9月下半月'
>>> ReportingPeriod.containing(moment, kind="quarter").previous().label
'2026年第2季度'
"""

import datetime as dt
from typing import final

import attrs
import pendulum
from pendulum import DateTime

from banshishi._core.errors import InconsistentRecordError, InvalidTypeError, InvalidValueError
from banshishi._core.time import DEFAULT_TIMEZONE, as_datetime, check_zone
from banshishi._core.validators import member_of, of_type, whole_given
from banshishi._metrics.grouping import Period, period_start

_LENGTHS = {
    Period.DAY: {"days": 1},
    Period.WEEK: {"days": 7},
    Period.MONTH: {"months": 1},
    Period.QUARTER: {"months": 3},
    Period.YEAR: {"years": 1},
}


def _first(kind: Period, moment: DateTime, zone: str) -> DateTime:
    try:
        return _midnight(period_start(moment, kind, timezone=zone), zone)
    except (OverflowError, ValueError):
        raise InvalidValueError(
            field="moment", value=moment, problem="lies too near an end of the calendar"
        ) from None


def _midnight(day: dt.date, zone: str) -> DateTime:
    """The first moment of ``day`` in ``zone`` (01:00 where the clocks skip midnight)."""
    return pendulum.datetime(day.year, day.month, day.day, tz=zone)


def _end_of(kind: Period, start: DateTime, zone: str) -> DateTime:
    """The first moment of the day after the last day of the period from ``start``."""
    first = start.date()
    try:
        if kind is Period.HALF_MONTH:
            after = first.replace(day=16) if first.day == 1 else first.add(months=1).replace(day=1)
        else:
            after = first.add(**_LENGTHS[kind])
        return _midnight(after, zone)
    except (OverflowError, ValueError):
        raise InvalidValueError(
            field="ReportingPeriod.end",
            value=first.isoformat(),
            problem="lies past the end of the calendar",
        ) from None


@final
@attrs.frozen(kw_only=True)
class ReportingPeriod:
    """One reporting period: ``start`` (included) to ``end`` (excluded), both
    local midnights.

    Build it with :meth:`containing`; :meth:`previous` and :meth:`next` step
    along. Two periods are equal when their kind and bounds are.
    """

    kind: Period = attrs.field(validator=member_of(Period))
    start: DateTime = attrs.field(validator=of_type(DateTime))
    end: DateTime = attrs.field(validator=of_type(DateTime))

    def __attrs_post_init__(self) -> None:
        zone = check_zone(self.start.timezone_name, field="ReportingPeriod.start.timezone")
        whole = (
            self.start == _first(self.kind, self.start, zone)
            and self.end == _end_of(self.kind, self.start, zone)
            and self.end.timezone_name == zone
        )
        if not whole:
            raise InconsistentRecordError(
                field="ReportingPeriod",
                value=(self.kind.value, self.start.isoformat(), self.end.isoformat()),
                problem=f"is not one whole {self.kind.value}",
                hint="Build periods with ReportingPeriod.containing(moment, kind=...).",
            )

    @classmethod
    def containing(
        cls, moment: DateTime, *, kind: Period | str, timezone: str = DEFAULT_TIMEZONE
    ) -> "ReportingPeriod":
        """The period of ``kind`` that ``moment`` falls in, on the calendar of ``timezone``."""
        if not isinstance(kind, str):
            raise InvalidTypeError(field="kind", value=kind, problem="must be a Period")
        kind = Period(kind)
        zone = check_zone(timezone, field="timezone")
        start = _first(kind, as_datetime(moment, field="moment"), zone)
        return cls(kind=kind, start=start, end=_end_of(kind, start, zone))

    @property
    def timezone(self) -> str:
        """The zone whose calendar the period follows."""
        return check_zone(self.start.timezone_name, field="ReportingPeriod.start.timezone")

    def previous(self) -> "ReportingPeriod":
        """The period of the same kind just before this one."""
        try:
            day_before = self.start.subtract(days=1)
        except (OverflowError, ValueError):
            raise InvalidValueError(
                field="ReportingPeriod.start",
                value=self.start,
                problem="has no period before it on the calendar",
            ) from None
        return ReportingPeriod.containing(day_before, kind=self.kind, timezone=self.timezone)

    def next(self) -> "ReportingPeriod":
        """The period of the same kind just after this one."""
        return ReportingPeriod.containing(self.end, kind=self.kind, timezone=self.timezone)

    @property
    def first_day(self) -> dt.date:
        """The first day the period covers."""
        return self.start.date()

    @property
    def last_day(self) -> dt.date:
        """The last day the period covers."""
        return self.end.subtract(days=1).date()

    @property
    def last_moment(self) -> DateTime:
        """The last microsecond inside the period: "as of the end of the period"."""
        return self.end.subtract(microseconds=1)

    def __contains__(self, moment: object) -> bool:
        if not isinstance(moment, dt.datetime):
            return False
        return self.start <= as_datetime(moment, field="moment") < self.end

    @property
    def report_name(self) -> str:
        """What the report on such a period is called: 周报, 半月报, 月报, 季报, 日报, 年报."""
        return f"{self.kind.label}报"

    @property
    def label(self) -> str:
        """The period as a report's title names it (2026年第40周, 2026年9月上半月, …)."""
        start = self.start
        if self.kind is Period.WEEK:
            year, week, _ = start.isocalendar()
            return f"{year}年第{week}周"
        if self.kind is Period.HALF_MONTH:
            return f"{start.year}年{start.month}月{'上' if start.day == 1 else '下'}半月"
        if self.kind is Period.QUARTER:
            return f"{start.year}年第{(start.month - 1) // 3 + 1}季度"
        if self.kind is Period.DAY:
            return f"{start.year}年{start.month}月{start.day}日"
        if self.kind is Period.YEAR:
            return f"{start.year}年"
        return f"{start.year}年{start.month}月"

    @property
    def key(self) -> str:
        """A short sortable key: ``2026-W40``, ``2026-09b``, ``2026-09``, ``2026-Q3``,
        ``2026-09-30``, ``2026``."""
        start = self.start
        if self.kind is Period.WEEK:
            year, week, _ = start.isocalendar()
            return f"{year}-W{week:02d}"
        if self.kind is Period.HALF_MONTH:
            return f"{start.year}-{start.month:02d}{'a' if start.day == 1 else 'b'}"
        if self.kind is Period.QUARTER:
            return f"{start.year}-Q{(start.month - 1) // 3 + 1}"
        if self.kind is Period.DAY:
            return start.format("YYYY-MM-DD")
        if self.kind is Period.YEAR:
            return str(start.year)
        return start.format("YYYY-MM")

    def __str__(self) -> str:
        return f"{self.label} ({self.first_day.isoformat()} – {self.last_day.isoformat()})"


def trailing_periods(period: ReportingPeriod, count: int) -> tuple[ReportingPeriod, ...]:
    """``count`` periods ending with ``period``, oldest first."""
    count = whole_given(count, field="count", minimum=1)
    periods = [period]
    while len(periods) < count:
        periods.append(periods[-1].previous())
    return tuple(reversed(periods))
