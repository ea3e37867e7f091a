"""What a :class:`LedgerStore` reads off its store beyond one record: summary lines
by filter, the periodic report as recorded, the provisional deadlines that a
policy's calendar would count again, and an original's duplicates."""

from collections.abc import Callable, Collection

from pendulum import DateTime

from banshishi._core.errors import InvalidTypeError, InvalidValueError, NotFoundError
from banshishi._core.time import as_datetime, optional_moment
from banshishi._core.validators import members_given
from banshishi._metrics.figures import IssueFigures, figures_of_facts
from banshishi._metrics.grouping import Period
from banshishi._metrics.summary import IssueSummary
from banshishi._model.people import Actor
from banshishi._model.vocabulary import IssueStatus, Subject, Track
from banshishi._reports.period import ReportingPeriod
from banshishi._reports.periodic_report import PeriodicReport, periodic_report, reported_span
from banshishi._reports.periodic_store import stored_periodic_report
from banshishi._workflow.policy import WorkflowPolicy, check_policy
from banshishi._workflow.restatement import RESTATABLE, Restatement, restatement_of
from banshishi._workflow.trusted_replay import trusted_replay

from .event_store import EventStore
from .rebuild import published_issues, stored_history
from .store_sweep import SweptLedger


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
    period: Period | str | ReportingPeriod,
    at: DateTime,
    unit: str | None,
    rank_by: str,
    min_sample: int,
    trend: int,
) -> PeriodicReport:
    """:func:`periodic_report` over the saved unit tree, of the issues as the
    store recorded them at the report's moment (``at``, or the end of a past
    period): every part counted by the database over the lines that held."""
    return stored_periodic_report(
        store,
        period=period,
        at=at,
        units=store.units(),
        unit=unit,
        rank_by=rank_by,
        min_sample=min_sample,
        trend=trend,
    )


def rebuilt_periodic_report(
    store: EventStore,
    policy: WorkflowPolicy,
    period: Period | str | ReportingPeriod,
    at: DateTime,
    unit: str | None,
    rank_by: str,
    min_sample: int,
    trend: int,
) -> PeriodicReport:
    """The same report from the issues rebuilt from their events (each flagged
    confidential if marked since: see ``published_issues``): the Python path
    :func:`recorded_periodic_report` is proven against."""
    _, moment = reported_span(period, at)
    return periodic_report(
        published_issues(store, policy, moment),
        period=period,
        at=at,
        units=store.units(),
        unit=unit,
        rank_by=rank_by,
        min_sample=min_sample,
        trend=trend,
    )


def provisional_restatements(
    store: EventStore, policy: WorkflowPolicy, other: WorkflowPolicy | None, dry_run: bool
) -> tuple[Restatement, ...]:
    """Every open provisional deadline, of the issues rebuilt under ``policy``,
    that the calendar of ``other`` (``policy`` if ``None``; for a dry run only)
    counts otherwise (see :func:`restatement_of`)."""
    if other is not None and not dry_run:
        raise InvalidValueError(
            field="policy",
            value=other,
            problem="is for a dry run only",
            hint="Change the ledger's policy with change_policy, then restate under it.",
        )
    counted = policy if other is None else check_policy(other, field="policy")
    lines = issue_summaries(store, None, RESTATABLE, None, None, None, None)
    issues = (
        trusted_replay(stored_history(store, Subject.ISSUE, line.id), policy=policy)
        for line in lines
        if line.deadline_provisional
    )
    return tuple(r for r in (restatement_of(i, counted) for i in issues) if r)


def moments(at: DateTime | None, as_of: DateTime | None) -> tuple[DateTime, DateTime | None]:
    """The moment overdue items are counted at (``at``, else ``as_of``) and the
    moment the lines are read as of (``None``: as things stand)."""
    as_of = optional_moment(as_of, field="as_of")
    if at is None:
        if as_of is None:
            raise InvalidValueError(
                field="at",
                value=None,
                problem="is needed to count overdue items as things stand",
                hint="Pass at= (now), or as_of= for figures as they stood then.",
            )
        return as_of, as_of
    return as_datetime(at, field="at"), as_of


def figures(store: EventStore, at: DateTime, as_of: DateTime | None) -> IssueFigures:
    """Every issue rate as things stand (or stood at ``as_of``), overdue items
    counted at ``at``, from the lines the store folds."""
    counts = store.issue_fact_counts(at=at, as_of=as_of)
    return figures_of_facts((facts, n) for _, facts, n in counts)


def summaries_as_of(
    store: EventStore, as_of: DateTime, progress: Callable[[int, int], None] | None
) -> list[IssueSummary]:
    """Every issue's summary line as it stood at ``as_of``, read off the store's
    lines through time."""
    lines = list(store.issue_summaries(as_of=as_datetime(as_of, field="as_of")))
    if progress is not None:
        progress(len(lines), len(lines))
    return lines


def restate(
    ledger: SweptLedger,
    at: DateTime,
    dry_run: bool,
    actor: Actor,
    policy: WorkflowPolicy | None,
) -> tuple[Restatement, ...]:
    """Restate every provisional deadline that moves (see
    :meth:`LedgerStore.restate_deadlines`), all in one transaction unless ``dry_run``."""
    found = provisional_restatements(ledger.store, ledger.policy, policy, dry_run)
    if found and not dry_run:
        ledger.apply_many(r.command(at=at, actor=actor) for r in found)
    return found


def duplicates_of(store: EventStore, original_id: str) -> tuple[str, ...]:
    """The ids of the issues in ``store`` dismissed as duplicates of ``original_id``,
    oldest first (by receipt, then id), as :meth:`Ledger.duplicates_of` gives them
    in memory; refused if the original is not in the store.

    The current lines name the original of each issue dismissed as a duplicate."""
    if not isinstance(original_id, str) or not store.version(Subject.ISSUE, original_id):
        raise NotFoundError(field="original_id", value=original_id, problem="is not in the store")
    linked = [
        (line.received_at, line.id)
        for line in store.issue_summaries(status=(IssueStatus.DISMISSED,))
        if line.duplicate_of == original_id
    ]
    return tuple(issue_id for _, issue_id in sorted(linked))
