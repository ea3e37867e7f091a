"""What a :class:`LedgerStore` reads off its store beyond one record: summary lines
by filter, the periodic report as recorded, and the provisional deadlines that a
policy's calendar would count again."""

from collections.abc import Collection

from pendulum import DateTime

from banshishi._core.errors import InvalidTypeError
from banshishi._core.time import optional_moment
from banshishi._core.validators import members_given
from banshishi._metrics.grouping import Period
from banshishi._metrics.summary import IssueSummary
from banshishi._model.vocabulary import IssueStatus, Subject, Track
from banshishi._reports.period import ReportingPeriod
from banshishi._reports.periodic_report import PeriodicReport, periodic_report, reported_span
from banshishi._workflow.policy import WorkflowPolicy
from banshishi._workflow.restatement import RESTATABLE, Restatement, restatement_of
from banshishi._workflow.trusted_replay import trusted_replay

from .event_store import EventStore
from .rebuild import rebuilt_issues, stored_history


def issue_summaries(
    store: EventStore,
    unit: str | None,
    status: IssueStatus | Collection[IssueStatus] | None,
    track: Track | Collection[Track] | None,
    received_from: DateTime | None,
    received_before: DateTime | None,
    overdue_at: DateTime | None,
) -> list[IssueSummary]:
    """The summary lines of the issues that match every filter given (see
    :meth:`LedgerStore.summaries`); ``unit`` counts everything under it in the
    saved unit tree."""
    units = None
    if unit is not None:
        if not isinstance(unit, str):
            raise InvalidTypeError(field="unit", value=unit, problem="must be a unit id")
        tree = store.units()
        units = tree.subtree(unit) if tree is not None and unit in tree else (unit,)
    return list(
        store.issue_summaries(
            units=units,
            status=members_given(status, IssueStatus, "status"),
            track=members_given(track, Track, "track"),
            received_from=optional_moment(received_from, field="received_from"),
            received_before=optional_moment(received_before, field="received_before"),
            overdue_at=optional_moment(overdue_at, field="overdue_at"),
        )
    )


def recorded_periodic_report(
    store: EventStore,
    policy: WorkflowPolicy,
    period: Period | str | ReportingPeriod,
    at: DateTime,
    unit: str | None,
    rank_by: str,
    min_sample: int,
    trend: int,
) -> PeriodicReport:
    """:func:`periodic_report` over the saved unit tree, the issues rebuilt as
    recorded at the report's moment (``at``, or the end of a past period)."""
    _, moment = reported_span(period, at)
    return periodic_report(
        rebuilt_issues(store, policy, moment),
        period=period,
        at=at,
        units=store.units(),
        unit=unit,
        rank_by=rank_by,
        min_sample=min_sample,
        trend=trend,
    )


def provisional_restatements(
    store: EventStore, policy: WorkflowPolicy, counted: WorkflowPolicy
) -> tuple[Restatement, ...]:
    """Every open provisional deadline, of the issues rebuilt under ``policy``,
    that ``counted``'s calendar counts otherwise (see :func:`restatement_of`)."""
    lines = issue_summaries(store, None, RESTATABLE, None, None, None, None)
    issues = (
        trusted_replay(stored_history(store, Subject.ISSUE, line.id), policy=policy)
        for line in lines
        if line.deadline_provisional
    )
    return tuple(r for r in (restatement_of(i, counted) for i in issues) if r)
