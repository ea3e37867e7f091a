"""The ledger (台账): many issues in memory, moved through the workflow in bulk.

A ledger keeps each issue as a light row instead of a validated :class:`Issue`
and an :class:`IssueWorkflow` instance (which costs about 10 KB and 150–200 µs
per step), and applies steps through the transition table read off the
workflow class, with the same checks and effects. :meth:`Ledger.issue`
rebuilds the full, validated :class:`Issue` whenever one is wanted.
"""

from collections import Counter
from collections.abc import Iterable, Iterator, Mapping
from operator import attrgetter
from typing import Any, final

import attrs
from pendulum import DateTime

from banshishi._core.errors import InconsistentRecordError, InvalidTypeError
from banshishi._core.time import Clock
from banshishi._core.validators import flag
from banshishi._metrics.summary import IssueSummary, issue_summary_of_row
from banshishi._model.converter import unstructure
from banshishi._model.dispatch import Dispatch
from banshishi._model.duplicates import find_repeat, same_requester
from banshishi._model.event import Event
from banshishi._model.issue import Issue
from banshishi._model.issue_view import IssueView
from banshishi._model.people import Actor
from banshishi._model.rate import Rate
from banshishi._model.vocabulary import IssueStatus, Track

from .command import Command, Refusal
from .engine import WIDTH, Book, collector_paused
from .issue_arguments import ISSUE_STEPS, RECEIVE
from .issue_workflow import IssueWorkflow
from .originals import check_original, duplicates_of
from .policy import DEFAULT_POLICY, WorkflowPolicy
from .receipt import receipts
from .role_checks import by_receiver
from .step import Step, make_step
from .transition_table import TABLE

FIELDS = tuple(field.name for field in attrs.fields(Issue))

INTAKE_FIELDS = (
    "id",
    "title",
    "channel",
    "urgency",
    "received_at",
    "track",
    "description",
    "category",
    "request_type",
    "confidential",
    "target_groups",
    "location",
    "requester",
    "received_by",
    "repeat_of",
)
"""What an issue holds when it is received; the receive event records these."""

_OMITTED_AT_DEFAULT = {"request_type": None, "confidential": False, "repeat_of": None}
"""Intake fields added after ledgers were first written: the receive event records
them only when set, so the events of an issue without them are as they always
were (and a ledger written before them reads the same)."""

_FRESH = {
    field.name: field.default
    for field in attrs.fields(Issue)
    if field.name not in INTAKE_FIELDS and field.name != "history"
}

_fresh_fields = attrgetter(*_FRESH)
_FRESH_VALUES = tuple(_FRESH.values())
_all_fields = attrgetter(*FIELDS)


class _Row:
    """One issue in the ledger: the fields of an Issue, with the history kept flat.

    ``history`` holds ``WIDTH`` items per entry, one after the other: the step's
    name, actor, moment, note, arguments, source and target status. An event
    that came with an issue added by :meth:`Ledger.add` sits in the name's place
    as it is. Flat, a million issues' histories need no object per step.
    """

    __slots__ = FIELDS

    # The fields the ledger itself reads (checks and effects reach them by name).
    status: IssueStatus
    track: Track
    responsible_unit: str | None
    deadline: DateTime | None
    received_at: DateTime
    closed_at: DateTime | None
    dispatches: tuple[Dispatch, ...]
    history: list[Any]


CHANGED_AFTER_INTAKE = ("track", "confidential")
"""Intake fields a later step may change (``change_track``, ``mark_confidential``):
the receive entry keeps them as they came in, since the row holds them as they are."""


def _receive_event(row: Any, actor: Actor, at: DateTime, note: str, kept: Any) -> Event:
    return Event(
        name=RECEIVE,
        actor=actor.id,
        role=actor.role,
        unit=actor.unit,
        at=at,
        from_status=None,
        to_status=IssueStatus.RECEIVED,
        note=note,
        data=receive_data(row, kept),
    )


def receive_data(row: Any, kept: Mapping[str, Any]) -> dict[str, Any]:
    """The JSON the receive event records: the issue as it was taken in, the
    fields changed since as ``kept`` holds them (see :data:`CHANGED_AFTER_INTAKE`)."""
    intake = {name: getattr(row, name) for name in INTAKE_FIELDS}
    intake |= kept
    written = unstructure(Issue(**intake))
    return {
        name: written[name]
        for name in INTAKE_FIELDS
        if name not in _OMITTED_AT_DEFAULT or intake[name] != _OMITTED_AT_DEFAULT[name]
    }


@final
class Ledger(Book):
    """Many issues, each moved through :class:`IssueWorkflow`'s steps in bulk.

    ``policy`` and ``clock`` play the same part as for the workflow; a step
    without ``at`` is dated by the clock.

    A ledger ``linked`` (the default) holds the issues a step may name, and checks
    across them what one record cannot: a duplicate's original must be on it, open
    and not itself a duplicate (see ``docs/workflow.md``). A ledger holding one
    issue's history alone (``replay`` builds one) is not linked, and checks each
    step as :class:`IssueWorkflow` does.
    """

    machine = IssueWorkflow
    table = TABLE
    noun = "issue"
    fields = FIELDS
    row_type = _Row
    creation = staticmethod(_receive_event)

    def __init__(
        self,
        *,
        policy: WorkflowPolicy = DEFAULT_POLICY,
        clock: Clock | None = None,
        linked: bool = True,
    ) -> None:
        super().__init__(policy=policy, clock=clock)
        self.linked = flag(linked, field="Ledger.linked")
        self._across = self._originals if linked else None

    # -- putting issues on the ledger -----------------------------------------------------

    def receive(self, issue: Issue, *, actor: Actor, note: str = "") -> None:
        """Put a newly received issue on the ledger, with a ``receive`` event.

        The issue must be as intake leaves it: status 已受理, no history, and
        nothing yet transferred, answered or rated. Use :meth:`add` for an issue
        already under way.
        """
        _check_issue(issue)
        if _fresh_fields(issue) != _FRESH_VALUES:
            for name, default in _FRESH.items():
                if getattr(issue, name) != default:
                    raise InconsistentRecordError(
                        field=f"Issue.{name}",
                        value=getattr(issue, name),
                        problem="must be empty on an issue being received",
                        hint="Use Ledger.add() for an issue already under way.",
                    )
        if issue.history:
            raise InconsistentRecordError(
                field="Issue.history",
                value=issue.history,
                problem="must be empty on an issue being received",
                hint="Use Ledger.add() for an issue with a history.",
            )
        step = make_step(
            RECEIVE,
            None,
            actor,
            issue.received_at,
            note,
            {},
            not_before=issue.received_at,
            policy=self.policy,
            steps=ISSUE_STEPS,
        )
        by_receiver(issue, step)
        # The receive entry keeps the fields a later step may change, as they came in,
        # in the arguments' place.
        kept = {name: getattr(issue, name) for name in CHANGED_AFTER_INTAKE}
        self._insert(
            issue, [RECEIVE, step.actor, step.at, step.note, kept, None, IssueStatus.RECEIVED]
        )

    def add(self, issue: Issue) -> None:
        """Put an issue on the ledger as it stands, with whatever history it has."""
        _check_issue(issue)
        self._add(issue)

    # -- moving issues --------------------------------------------------------------------

    def apply(
        self,
        issue_id: str,
        event: str,
        *,
        actor: Actor,
        at: DateTime | None = None,
        note: str = "",
        **args: Any,
    ) -> IssueStatus:
        """Take one workflow step on one issue and return its new status.

        The arguments are those of the same step on :class:`IssueWorkflow`. A
        refused step raises and changes nothing.
        """
        status: IssueStatus = self._apply(issue_id, event, actor, at, note, args)
        return status

    def apply_many(self, commands: Iterable[Command]) -> tuple[Refusal, ...]:
        """Apply each command in turn; return those refused (each changed nothing).

        This is not a transaction: accepted commands stay applied when a later one
        is refused. Python's cyclic garbage collector is paused for the batch
        (ledger rows hold no cycles), which halves the time of a large one.
        """
        return self._apply_many(commands, Command)

    def receive_many(
        self, issues: Iterable[Issue | tuple[Issue, Actor]], *, actor: Actor | None = None
    ) -> None:
        """:meth:`receive` every issue, with the garbage collector paused.

        Each item is an issue received by ``actor``, or an ``(issue, actor)``
        pair naming its own receiver (issues taken in by different units); a
        bare issue without ``actor`` is refused. Not a transaction: issues
        received before a refused one stay received.
        """
        with collector_paused():
            for issue, receiver in receipts(issues, actor):
                self.receive(issue, actor=receiver)

    # -- reading --------------------------------------------------------------------------

    def status(self, issue_id: str) -> IssueStatus:
        """The current status of one issue."""
        status: IssueStatus = self._row(issue_id).status
        return status

    def issue(self, issue_id: str) -> Issue:
        """One issue as a full, validated :class:`Issue`, its history included."""
        issue: Issue = self._record(issue_id)
        return issue

    def view(self, issue_id: str) -> IssueView:
        """One issue as it stands, without its history (:class:`IssueView`: what a
        message about it reads), read off its row in place: no :class:`Issue`
        is built."""
        return IssueView.of(self._row(issue_id))

    def history(self, issue_id: str) -> tuple[Event, ...]:
        """The audit events of one issue, oldest first."""
        return self.events(issue_id)

    def summary(self, issue_id: str) -> IssueSummary:
        """One issue's summary line as it stands (what a store keeps for it), read
        off its row in place."""
        row = self._row(issue_id)
        line = issue_summary_of_row(issue_id, row, WIDTH)
        return line or IssueSummary.of(self.issue(issue_id), version=self.version(issue_id))

    def issues(self) -> Iterator[Issue]:
        """Every issue as a full :class:`Issue` (built one at a time, on demand)."""
        for issue_id in self._rows:
            yield self.issue(issue_id)

    def counts(self) -> Counter[IssueStatus]:
        """How many issues stand in each status now."""
        return self._counts()

    def completion_rate(self) -> Rate:
        """办结率 now: closed issues out of issues assessed (neither dismissed nor
        left out of the assessment).

        For the rate as of a past moment, or with its breakdown, use
        ``completion_rate(ledger.issues(), as_of=...)``.
        """
        counts = self.counts()
        closed = counts[IssueStatus.CLOSED]
        assessed = len(self._rows) - counts[IssueStatus.DISMISSED]
        for row in self._rows.values():
            if row.status is IssueStatus.DISMISSED or not row.exclusions:
                continue
            if any(item.approved_by(None) for item in row.exclusions):
                assessed -= 1
                closed -= row.status is IssueStatus.CLOSED
        return Rate(closed, assessed)

    def duplicates_of(self, original_id: str) -> tuple[str, ...]:
        """The ids of the issues dismissed as duplicates of ``original_id`` (重复件,
        并件), oldest first: whom the original's answer reaches besides its own
        requester. Refused if the original is not on the ledger."""
        return duplicates_of(self._rows, original_id)

    def find_repeat(
        self, issue: Issue, *, within_days: int, as_of: DateTime | None = None
    ) -> Issue | None:
        """:func:`find_repeat` over the issues on the ledger, as of ``as_of``
        (``issue.received_at`` if ``None``: intake), rebuilding only the issues of
        the same requester about the same matter."""
        if not isinstance(issue, Issue):
            raise InvalidTypeError(field="issue", value=issue, problem="must be an Issue")
        matter = issue.category.strip()
        same = [
            issue_id
            for issue_id, row in self._rows.items()
            if matter
            and row.category.strip() == matter
            and same_requester(issue.requester, row.requester)
        ]
        moment = issue.received_at if as_of is None else as_of
        found = (self.issue(issue_id) for issue_id in same)
        return find_repeat(issue, found, within_days=within_days, as_of=moment)

    # -- internals ------------------------------------------------------------------------

    def _originals(self, row: Any, step: Step) -> None:
        if step.event == "dismiss":
            check_original(self._rows, row.id, step.args)

    def rows_in(self, statuses: frozenset[IssueStatus]) -> Iterator[tuple[str, _Row]]:
        """The rows of issues standing in ``statuses``, read in place (for the sweep
        and restatements)."""
        for issue_id, row in self._rows.items():
            if row.status in statuses:
                yield issue_id, row


def _check_issue(issue: object) -> None:
    if not isinstance(issue, Issue):
        raise InvalidTypeError(field="issue", value=issue, problem="must be an Issue")
