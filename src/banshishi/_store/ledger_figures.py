"""The figures of a :class:`LedgerStore`: every rate, dashboard, report and
summary line read off the lines the store keeps, folded by the database (no
record is rebuilt)."""

from collections.abc import Collection

from pendulum import DateTime

from banshishi._metrics.dispatch_levels import DispatchLevelFigures, figures_of_counts
from banshishi._metrics.figures import IssueFigures
from banshishi._metrics.grouping import Period
from banshishi._metrics.ranking import DEFAULT_MIN_SAMPLE
from banshishi._metrics.summary import IssueSummary, PledgeSummary
from banshishi._model.units import UnitTree
from banshishi._model.vocabulary import IssueStatus, Track
from banshishi._reports.period import ReportingPeriod
from banshishi._reports.periodic_report import DEFAULT_TREND, PeriodicReport
from banshishi._reports.report import Dashboard, ReportRow, store_dashboard, store_report_rows

from . import store_reading
from .event_store import EventStore
from .store_sweep import Progress


class LedgerFigures:
    """The reading methods of :class:`LedgerStore` (its base: not for use alone)."""

    _store: EventStore

    @property
    def units(self) -> UnitTree | None:
        """The unit tree kept with the ledger (its last version), if one was saved."""
        return self._store.units()

    def summaries(
        self,
        *,
        unit: str | None = None,
        status: IssueStatus | Collection[IssueStatus] | None = None,
        track: Track | Collection[Track] | None = None,
        received_from: DateTime | None = None,
        received_before: DateTime | None = None,
        overdue_at: DateTime | None = None,
    ) -> list[IssueSummary]:
        """The summary lines of the issues that match every filter given:
        ``unit`` takes those counted under it or anything under it in the saved
        tree (each issue's responsible unit, else the unit that received it);
        ``received_from``/``received_before`` bound the receipt (the second
        excluded); ``overdue_at`` keeps those overdue then
        (:meth:`IssueSummary.is_overdue`)."""
        return store_reading.issue_summaries(
            self._store, unit, status, track, received_from, received_before, overdue_at
        )

    def pledge_summaries(self) -> list[PledgeSummary]:
        """The summary line of every pledge."""
        return list(self._store.pledge_summaries())

    def figures(self, *, at: DateTime | None = None, as_of: DateTime | None = None) -> IssueFigures:
        """Every issue rate as things stand, with overdue items counted at ``at``;
        with ``as_of``, as things stood then (and overdue counted then, unless
        ``at`` says otherwise), from the lines that held: no record is rebuilt."""
        return store_reading.figures(self._store, *store_reading.moments(at, as_of))

    def dispatch_figures(
        self, *, at: DateTime | None = None, as_of: DateTime | None = None
    ) -> dict[int, DispatchLevelFigures]:
        """The figures of each level of dispatch (二级/三级承办) as things stand (or
        stood at ``as_of``), by level, lowest first, with open dispatches past
        their deadline counted as overdue at ``at`` (``as_of`` if not given): what
        :func:`dispatch_figures` gives over the issues, counted by the database
        from the dispatch lines (no record is rebuilt)."""
        at, as_of = store_reading.moments(at, as_of)
        return figures_of_counts(self._store.dispatch_counts(at=at, as_of=as_of))

    def dashboard(self, *, at: DateTime | None = None, as_of: DateTime | None = None) -> Dashboard:
        """Every rate for all issues, by track and by unit, as things stand (or
        stood at ``as_of``): one pass over the store, with overdue items counted
        at ``at`` (``as_of`` if not given)."""
        at, as_of = store_reading.moments(at, as_of)
        return store_dashboard(self._store, at=at, units=self.units, as_of=as_of)

    def report(
        self, *, at: DateTime | None = None, by: str | None = None, as_of: DateTime | None = None
    ) -> list[ReportRow]:
        """Every rate with its counts as things stand (or stood at ``as_of``), one
        row per group (``by``: unit, track, channel, urgency or period, the month
        of receipt), then the total. By unit, each unit of the saved tree counts
        everything under it. Overdue items are counted at ``at`` (``as_of`` if
        not given)."""
        at, as_of = store_reading.moments(at, as_of)
        return store_report_rows(self._store, at=at, by=by, units=self.units, as_of=as_of)

    def summaries_as_of(
        self, as_of: DateTime, *, progress: Progress | None = None
    ) -> list[IssueSummary]:
        """Every issue's summary line as it stood at ``as_of``, read off the lines
        through time (none rebuilt); ``progress(done, total)`` is told at the end."""
        return store_reading.summaries_as_of(self._store, as_of, progress)

    def periodic_report(
        self,
        *,
        period: Period | str | ReportingPeriod,
        at: DateTime,
        unit: str | None = None,
        rank_by: str = "completion",
        min_sample: int = DEFAULT_MIN_SAMPLE,
        trend: int = DEFAULT_TREND,
    ) -> PeriodicReport:
        """:func:`periodic_report` over the saved unit tree, the issues as
        recorded at the report's moment (``at``, or the end of a past period)."""
        return store_reading.recorded_periodic_report(
            self._store, period, at, unit, rank_by, min_sample, trend
        )
