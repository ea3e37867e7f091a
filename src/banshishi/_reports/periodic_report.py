"""Periodic reports (周报, 半月报, 月报, 季报) for a unit and everything under it.

A report is taken at a moment inside a period (the period's end, or earlier for
a report to date) and says:

- the **flow** in the period: issues collected (received), transferred (转办 to
  a responsible unit for the first time; a send-back or a 即办 signing by the
  receiving unit is not a transfer) and closed (standing closed at the
  moment, and not closed at the start); and the same for the previous period;
- **every rate with its counts**, taken over everything received up to the
  moment, and as it stood at the end of the previous period, so the change is a
  difference of two exact rates (in percentage points);
- the **overdue list**: issues not yet answered in their current round whose
  deadline had passed (:meth:`IssueSummary.is_overdue`), longest overdue
  first, each titled as it may be printed (numbers and the requester's name
  masked, see :func:`scrub_text`);
- the units directly below the reporting unit **ranked** by one rate, leaving
  out those with fewer than ``min_sample`` issues in that rate's denominator;
- the figures **by unit** (each with everything under it) and **by track**, and
  the **trend** of the completion rate over the last few periods.

Each issue counts under the unit responsible for it or, when no unit is (not
yet transferred, or sent back), under the unit that received it; a dismissed
issue keeps the responsible unit it had (see ``_home_unit``): as the issues
given stand, so pass them as they stood at the report's moment
(:meth:`LedgerStore.periodic_report` rebuilds them so). Figures at earlier
moments are read from the same issues with their ``*_as_of`` methods, so one
rebuild serves every moment.
"""

from collections.abc import Iterable, Mapping
from fractions import Fraction
from types import MappingProxyType
from typing import final

import attrs
from pendulum import DateTime

from banshishi._core.errors import (
    DuplicateError,
    InvalidTypeError,
    InvalidValueError,
    NotFoundError,
)
from banshishi._core.time import as_datetime
from banshishi._core.validators import iterable_given, whole_given
from banshishi._disclosure.masking import scrub_text
from banshishi._metrics.figures import ISSUE_RATES, IssueFigures, facts_of
from banshishi._metrics.grouping import Period
from banshishi._metrics.ranking import DEFAULT_MIN_SAMPLE, Standing, rank_units
from banshishi._metrics.rates import completion_rate
from banshishi._metrics.summary import IssueSummary, micros
from banshishi._model.confidential import flagged_as_of, withheld
from banshishi._model.home_unit import home_unit
from banshishi._model.issue import Issue
from banshishi._model.rate import Rate
from banshishi._model.units import UnitTree
from banshishi._model.vocabulary import IssueStatus, Track

from .period import ReportingPeriod, trailing_periods
from .report import ReportRow, report_rows, rows_of_counts

RATE_NAMES = tuple(name for name, _ in ISSUE_RATES)
DEFAULT_TREND = 6
"""How many periods the completion trend covers by default, this one included."""


@final
@attrs.frozen(kw_only=True)
class PeriodFlow:
    """What moved in one period: issues collected, transferred and closed."""

    collected: int
    """Issues received in the period."""
    transferred: int
    """Issues transferred (转办) to a responsible unit for the first time in the
    period; a send-back is not a transfer."""
    closed: int
    """Issues standing closed at the period's end (or the report's moment) that
    were not closed at its start."""


@final
@attrs.frozen(kw_only=True)
class OverdueItem:
    """One open issue past its deadline at the report's moment."""

    id: str
    title: str
    """The issue's title as it may be printed: mobile and ID numbers, and the
    requester's name, masked (see :func:`scrub_text`)."""
    unit: str | None
    unit_name: str
    track: Track
    status: IssueStatus
    deadline: DateTime
    days_overdue: int
    """Whole days (of 24 hours) between the deadline and the report's moment."""
    provisional: bool = False
    """The deadline was counted through a year with no official holiday schedule yet."""


@final
@attrs.frozen(kw_only=True)
class TrendPoint:
    """The completion rate as it stood at the end of one period (or at the
    report's moment, for the period being reported)."""

    period: ReportingPeriod
    completion: Rate


@final
@attrs.frozen(kw_only=True)
class PeriodicReport:
    """A 周报/半月报/月报/季报 for ``unit`` (``None``: every issue) in ``period``,
    taken at ``at``. See the module documentation for what each part counts."""

    period: ReportingPeriod
    previous: ReportingPeriod
    at: DateTime
    unit: str | None
    unit_name: str
    flow: PeriodFlow
    previous_flow: PeriodFlow
    figures: IssueFigures
    """Every rate over everything received up to ``at``."""
    previous_figures: IssueFigures
    """The same, as it stood at the end of the previous period."""
    by_unit: tuple[ReportRow, ...]
    by_track: tuple[ReportRow, ...]
    rank_by: str
    min_sample: int
    ranking: tuple[Standing, ...]
    overdue: tuple[OverdueItem, ...]
    trend: tuple[TrendPoint, ...]
    unit_names: Mapping[str, str]
    """The name of every unit the report mentions, by id."""

    @property
    def title(self) -> str:
        """The report's heading: unit, period and kind (某县 2026年9月 月报)."""
        return f"{self.unit_name} {self.period.label} {self.period.report_name}"

    def change(self, rate: str) -> Fraction | None:
        """How far ``rate`` moved since the end of the previous period, in
        percentage points; ``None`` if either end has no data."""
        if rate not in RATE_NAMES:
            raise InvalidValueError(
                field="rate", value=rate, problem=f"must be one of {', '.join(RATE_NAMES)}"
            )
        now: Fraction | None = getattr(self.figures, rate).value
        before: Fraction | None = getattr(self.previous_figures, rate).value
        if now is None or before is None:
            return None
        return (now - before) * 100


def periodic_report(
    issues: Iterable[Issue],
    *,
    period: Period | str | ReportingPeriod,
    at: DateTime,
    units: UnitTree | None = None,
    unit: str | None = None,
    rank_by: str = "completion",
    min_sample: int = DEFAULT_MIN_SAMPLE,
    trend: int = DEFAULT_TREND,
) -> PeriodicReport:
    """The periodic report of ``issues`` at ``at``.

    ``period`` is a kind (``"week"``, ``"half_month"``, ``"month"``,
    ``"quarter"``: the period containing ``at``, reported to date) or a
    :class:`ReportingPeriod` (reported at its end, or at ``at`` if that comes first;
    ``at`` must not be before it starts). ``unit`` narrows the report to that
    unit of ``units`` and everything under it. ``rank_by`` names the rate the
    units below are ranked by; ``trend`` how many periods the completion
    trend covers at most (periods before any issue was counted are left out).
    """
    this, moment = reported_span(period, at)
    rank_by = _rate_name(rank_by)
    min_sample = whole_given(min_sample, field="min_sample", minimum=1)
    trend = whole_given(trend, field="trend", minimum=2)
    members = _members(units, unit)
    chosen = [
        issue
        for issue in _issues_given(issues)
        if issue.received_at <= moment and _belongs(issue, members)
    ]
    periods = trailing_periods(this, trend)
    previous_end = periods[-2].last_moment
    # Whole summary lines are read at the two moments the figures compare; the
    # flow's start and the trend need only each issue's status then.
    now_lines, previous_lines = _lines_at(chosen, moment), _lines_at(chosen, previous_end)
    figures_now = report_rows(now_lines.values(), at=moment)[-1].figures
    figures_before = report_rows(previous_lines.values(), at=previous_end)[-1].figures
    by_unit = _unit_rows(now_lines.values(), moment, units, members)
    before_previous = _marks_at(chosen, periods[-2].start.subtract(microseconds=1))
    marks_now, marks_before = _marks_at(chosen, moment), _marks_at(chosen, previous_end)
    completions = [completion_rate(chosen, as_of=p.last_moment).rate for p in periods[:-2]]
    completions += [figures_before.completion, figures_now.completion]
    return PeriodicReport(
        period=this,
        previous=periods[-2],
        at=moment,
        unit=unit,
        unit_name=_unit_name(units, unit),
        flow=_flow(this, marks_before, marks_now, now_lines),
        previous_flow=_flow(periods[-2], before_previous, marks_before, previous_lines),
        figures=figures_now,
        previous_figures=figures_before,
        by_unit=by_unit,
        by_track=tuple(report_rows(now_lines.values(), at=moment, by="track")),
        rank_by=rank_by,
        min_sample=min_sample,
        ranking=_ranking(by_unit, units, unit, rank_by, min_sample),
        overdue=_overdue(chosen, now_lines, moment, units),
        trend=_trend(periods, completions),
        unit_names=_names(units, members),
    )


def _trend(periods: tuple[ReportingPeriod, ...], completions: list[Rate]) -> tuple[TrendPoint, ...]:
    points = [
        TrendPoint(period=p, completion=rate) for p, rate in zip(periods, completions, strict=True)
    ]
    while len(points) > 1 and not points[0].completion.has_data:
        del points[0]  # periods before anything was counted say nothing
    return tuple(points)


def reported_span(
    period: Period | str | ReportingPeriod, at: DateTime
) -> tuple[ReportingPeriod, DateTime]:
    """The period a report covers and the moment it is taken at: the end of
    the period, or ``at`` if that comes first."""
    at = as_datetime(at, field="at")
    this = _period_of(period, at)
    return this, min(at, this.last_moment)


def _period_of(period: Period | str | ReportingPeriod, at: DateTime) -> ReportingPeriod:
    if isinstance(period, ReportingPeriod):
        if at < period.start:
            raise InvalidValueError(
                field="at", value=at, problem=f"is before the period {period} starts"
            )
        return period
    if isinstance(period, str):
        return ReportingPeriod.containing(at, kind=period)
    raise InvalidTypeError(
        field="period", value=period, problem="must be a Period, its value or a ReportingPeriod"
    )


def _rate_name(name: object) -> str:
    if name not in RATE_NAMES:
        raise InvalidValueError(
            field="rank_by", value=name, problem=f"must be one of {', '.join(RATE_NAMES)}"
        )
    return str(name)


def _members(units: UnitTree | None, unit: str | None) -> frozenset[str] | None:
    if units is not None and not isinstance(units, UnitTree):
        raise InvalidTypeError(field="units", value=units, problem="must be a UnitTree or None")
    if unit is None:
        return None
    if units is None or not isinstance(unit, str) or unit not in units:
        raise NotFoundError(
            field="unit",
            value=unit,
            problem="is not a unit of the tree given",
            hint="Pass units=UnitTree(...) holding the unit to report on.",
        )
    return frozenset(units.subtree(unit))


def _issues_given(issues: Iterable[Issue]) -> Iterable[Issue]:
    seen: set[str] = set()
    for index, issue in enumerate(iterable_given(issues, field="issues", of="Issues")):
        if not isinstance(issue, Issue):
            raise InvalidTypeError(
                field=f"issues[{index}]", value=issue, problem="must be an Issue"
            )
        if issue.id in seen:
            raise DuplicateError(
                field=f"issues[{index}].id", value=issue.id, problem="appears twice"
            )
        seen.add(issue.id)
        yield issue


def _belongs(issue: Issue, members: frozenset[str] | None) -> bool:
    return members is None or home_unit(issue.responsible_unit, issue.received_by) in members


def _lines_at(issues: list[Issue], moment: DateTime) -> dict[str, IssueSummary]:
    return {
        issue.id: IssueSummary.of(issue, version=len(issue.history), as_of=moment)
        for issue in issues
        if issue.received_at <= moment
    }


_Mark = tuple[IssueStatus, bool]
"""An issue's status at a moment, and whether it had been transferred (转办) by then:
a send-back is not a transfer."""


def _marks_at(issues: list[Issue], moment: DateTime) -> dict[str, _Mark]:
    marks: dict[str, _Mark] = {}
    for issue in issues:
        status = issue.status_as_of(moment)
        if status is not None:
            marks[issue.id] = (status, issue.transferred_as_of(moment))
    return marks


def _flow(
    period: ReportingPeriod,
    start: Mapping[str, _Mark],
    end: Mapping[str, _Mark],
    lines: Mapping[str, IssueSummary],
) -> PeriodFlow:
    """The flow between the marks at the period's start and at its end (the
    issues received by then, whose lines are ``lines``)."""
    collected = transferred = closed = 0
    closed_status = IssueStatus.CLOSED
    for issue_id, (status, was_transferred) in end.items():
        before = start.get(issue_id)
        if before is None:
            collected += lines[issue_id].received_at >= period.start
        transferred += was_transferred and (before is None or not before[1])
        closed += status is closed_status and (before is None or before[0] is not closed_status)
    return PeriodFlow(collected=collected, transferred=transferred, closed=closed)


def _unit_rows(
    lines: Iterable[IssueSummary],
    moment: DateTime,
    units: UnitTree | None,
    members: frozenset[str] | None,
) -> tuple[ReportRow, ...]:
    now = micros(moment)
    counted = ((line.home_unit, facts_of(line, now), 1) for line in lines)
    rows = rows_of_counts(counted, by="unit", units=units)[:-1]
    if members is None:
        return tuple(rows)
    return tuple(row for row in rows if row.group in members or row.group not in (units or ()))


def _ranking(
    rows: tuple[ReportRow, ...],
    units: UnitTree | None,
    unit: str | None,
    rank_by: str,
    min_sample: int,
) -> tuple[Standing, ...]:
    if units is None:
        return ()
    below = units.children(unit) if unit is not None else _top_children(units)
    figures = {row.group: row.figures for row in rows}
    scores = {
        child: getattr(figures[child], rank_by) if child in figures else Rate(0, 0)
        for child in below
    }
    return rank_units(scores, min_sample=min_sample) if scores else ()


def _top_children(units: UnitTree) -> tuple[str, ...]:
    roots = tuple(u.id for u in units if u.parent is None)
    return units.children(roots[0]) if len(roots) == 1 else roots


def _overdue(
    issues: list[Issue],
    lines: Mapping[str, IssueSummary],
    moment: DateTime,
    units: UnitTree | None,
) -> tuple[OverdueItem, ...]:
    return overdue_items(
        (
            (lines[i.id], withheld(flagged_as_of(i, moment)).title, _requester(i))
            for i in issues
            if lines[i.id].is_overdue(moment)
        ),
        moment,
        units,
    )


def overdue_items(
    found: Iterable[tuple[IssueSummary, str, tuple[str, ...]]],
    moment: DateTime,
    units: UnitTree | None,
) -> tuple[OverdueItem, ...]:
    """The overdue list: each overdue line (with its issue's title and the
    requester's name to mask in it) as an item, longest overdue first."""
    items = []
    for line, title, names in found:
        deadline = line.deadline
        if deadline is None:
            continue
        items.append(
            OverdueItem(
                id=line.id,
                title=scrub_text(title, names=names),
                unit=line.unit,
                unit_name=_unit_name(units, line.unit),
                track=line.track,
                status=line.status,
                deadline=deadline,
                days_overdue=int((moment - deadline).total_seconds() // 86_400),
                provisional=line.deadline_provisional,
            )
        )
    items.sort(key=lambda item: (item.deadline, item.id))
    return tuple(items)


def _requester(issue: Issue) -> tuple[str, ...]:
    return () if issue.requester is None else (issue.requester.name,)


def _names(units: UnitTree | None, members: frozenset[str] | None) -> Mapping[str, str]:
    if units is None:
        return MappingProxyType({})
    return MappingProxyType({u.id: u.name for u in units if members is None or u.id in members})


def _unit_name(units: UnitTree | None, unit: str | None) -> str:
    if unit is None:
        roots = [u for u in units or () if u.parent is None]
        return roots[0].name if len(roots) == 1 else "全部 all"
    return units[unit].name if units is not None and unit in units else unit
