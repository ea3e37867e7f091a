"""The periodic report of a store, counted by its database.

:func:`periodic_report` reads issues; :func:`stored_periodic_report` asks a store
for the same parts, each an aggregate over the summary lines that held at a
moment (:meth:`EventStore.issue_fact_counts` with ``as_of``,
:meth:`EventStore.period_flows`, :meth:`EventStore.overdue_lines`), so no issue
is rebuilt and memory does not grow with the ledger. Both assemble the report
from the same pieces; a differential test proves them equal.
"""

from collections.abc import Collection, Iterable, Sequence
from typing import Any, Protocol

from pendulum import DateTime

from banshishi._core.validators import whole_given
from banshishi._metrics.facts import Facts
from banshishi._metrics.figures import figures_of_facts
from banshishi._metrics.grouping import Period
from banshishi._metrics.summary import IssueSummary
from banshishi._model.units import UnitTree

from .period import ReportingPeriod, trailing_periods
from .periodic_report import (
    OverdueItem,
    PeriodFlow,
    PeriodicReport,
    _members,
    _names,
    _ranking,
    _rate_name,
    _trend,
    _unit_name,
    overdue_items,
    reported_span,
)
from .report import ReportRow, rows_of_counts

Within = tuple[DateTime, Collection[str]] | None


class PeriodCounts(Protocol):
    """What a store answers for its periodic report (see :class:`EventStore`)."""

    def issue_fact_counts(
        self,
        *,
        at: DateTime,
        group: str | tuple[str, ...] | None = None,
        as_of: DateTime | None = None,
        within: Within = None,
    ) -> Iterable[tuple[Any, Facts, int]]: ...

    def issue_facts_at(
        self, *, moments: Sequence[DateTime], within: Within = None
    ) -> Iterable[tuple[int, Facts, int]]: ...

    def period_flows(
        self, *, moments: Sequence[DateTime], sinces: Sequence[DateTime], within: Within = None
    ) -> Sequence[tuple[int, int, int]]: ...

    def overdue_lines(
        self, *, at: DateTime, within: Within = None
    ) -> Iterable[tuple[IssueSummary, str, str | None]]: ...


def stored_periodic_report(
    store: PeriodCounts,
    *,
    period: Period | str | ReportingPeriod,
    at: DateTime,
    units: UnitTree | None,
    unit: str | None,
    rank_by: str,
    min_sample: int,
    trend: int,
) -> PeriodicReport:
    """:func:`periodic_report` of every issue the store records, as it stood at
    the report's moment (``at``, or the end of a past period)."""
    this, moment = reported_span(period, at)
    rank_by = _rate_name(rank_by)
    min_sample = whole_given(min_sample, field="min_sample", minimum=1)
    trend = whole_given(trend, field="trend", minimum=2)
    members = _members(units, unit)
    within: Within = None if members is None else (moment, members)
    periods = trailing_periods(this, trend)
    previous, previous_end = periods[-2], periods[-2].last_moment

    # Both flows in one pass: the previous period's, then this one's.
    flows = [
        PeriodFlow(collected=c, transferred=t, closed=n)
        for c, t, n in store.period_flows(
            moments=(previous.start.subtract(microseconds=1), previous_end, moment),
            sinces=(previous.start, this.start),
            within=within,
        )
    ]

    # The report's moment in one pass, by unit and track (the total, by_unit and
    # by_track all come of it); every earlier moment in another.
    now = list(
        store.issue_fact_counts(at=moment, group=("unit", "track"), as_of=moment, within=within)
    )
    figures_now = figures_of_facts((facts, n) for _, facts, n in now)
    earlier = [p.last_moment for p in periods[:-1]]
    counted: dict[int, list[tuple[Facts, int]]] = {k: [] for k in range(len(earlier))}
    for k, facts, n in store.issue_facts_at(moments=earlier, within=within):
        counted[k].append((facts, n))
    figures_before = figures_of_facts(counted[len(earlier) - 1])
    by_unit = _unit_rows(((u, f, n) for (u, _), f, n in now), units, members)
    completions = [figures_of_facts(counted[k]).completion for k in range(len(earlier) - 1)]
    completions += [figures_before.completion, figures_now.completion]
    by_track = ((t, f, n) for (_, t), f, n in now)
    return PeriodicReport(
        period=this,
        previous=previous,
        at=moment,
        unit=unit,
        unit_name=_unit_name(units, unit),
        flow=flows[1],
        previous_flow=flows[0],
        figures=figures_now,
        previous_figures=figures_before,
        by_unit=by_unit,
        by_track=tuple(rows_of_counts(by_track, by="track", units=None)),
        rank_by=rank_by,
        min_sample=min_sample,
        ranking=_ranking(by_unit, units, unit, rank_by, min_sample),
        overdue=_overdue(store, moment, units, within),
        trend=_trend(periods, completions),
        unit_names=_names(units, members),
    )


def _unit_rows(
    counted: Iterable[tuple[Any, Facts, int]],
    units: UnitTree | None,
    members: frozenset[str] | None,
) -> tuple[ReportRow, ...]:
    rows = rows_of_counts(counted, by="unit", units=units)[:-1]
    if members is None:
        return tuple(rows)
    return tuple(row for row in rows if row.group in members or row.group not in (units or ()))


def _overdue(
    store: PeriodCounts, moment: DateTime, units: UnitTree | None, within: Within
) -> tuple[OverdueItem, ...]:
    found = store.overdue_lines(at=moment, within=within)
    named = ((line, title, () if name is None else (name,)) for line, title, name in found)
    return overdue_items(named, moment, units)
