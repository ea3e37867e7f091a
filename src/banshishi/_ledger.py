"""The ledger (台账): many issues in memory, moved through the workflow in bulk.

A ledger keeps each issue as a light row instead of a validated :class:`Issue`
and an :class:`IssueWorkflow` instance (which costs about 10 KB and 150–200 µs
per step), and applies steps through the transition table read off the
workflow class, with the same checks and effects. :meth:`Ledger.issue`
rebuilds the full, validated :class:`Issue` whenever one is wanted.
"""

import gc
from collections import Counter
from collections.abc import Iterable, Iterator, Mapping
from contextlib import contextmanager
from operator import attrgetter
from typing import Any, final

import attrs
from pendulum import DateTime

from ._actor import Actor
from ._converter import unstructure
from ._effects import settle
from ._errors import (
    BanshishiError,
    DuplicateError,
    InconsistentRecordError,
    InvalidTypeError,
    NotFoundError,
)
from ._event import Event
from ._issue import Issue
from ._policy import DEFAULT_POLICY, WorkflowPolicy
from ._rate import Rate
from ._role_checks import by_receiver
from ._status import IssueStatus
from ._step import RECEIVE, Step, make_step
from ._time import Clock, SystemClock, check_clock
from ._track import Track
from ._transition_table import TABLE, take
from ._workflow import refusal

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
    "target_groups",
    "location",
    "requester",
    "received_by",
)
"""What an issue holds when it is received; the receive event records these."""

_FRESH = {
    field.name: field.default
    for field in attrs.fields(Issue)
    if field.name not in INTAKE_FIELDS and field.name != "history"
}

WIDTH = 7
"""Items per history entry in a row: name, actor, at, note, args, source, target."""
_AT = 2 - WIDTH  # the moment of the last entry, counted from the end

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
    history: list[Any]


@final
@attrs.frozen(kw_only=True)
class Command:
    """One step to apply to one issue of a ledger; see :meth:`Ledger.apply_many`."""

    issue_id: str
    event: str
    actor: Actor
    at: DateTime | None = None
    note: str = ""
    args: Mapping[str, Any] = attrs.field(factory=dict)


@final
@attrs.frozen(kw_only=True)
class Refusal:
    """A command of a batch that was refused, with its position and the error."""

    index: int
    command: Command
    error: BanshishiError


@final
class Ledger:
    """Many issues, each moved through :class:`IssueWorkflow`'s steps in bulk.

    ``policy`` and ``clock`` play the same part as for the workflow; a step
    without ``at`` is dated by the clock.
    """

    def __init__(
        self, *, policy: WorkflowPolicy = DEFAULT_POLICY, clock: Clock | None = None
    ) -> None:
        if not isinstance(policy, WorkflowPolicy):
            raise InvalidTypeError(
                field="Ledger.policy", value=policy, problem="must be a WorkflowPolicy"
            )
        check_clock(clock, field="Ledger.clock")
        self.policy = policy
        self.clock: Clock = clock if clock is not None else SystemClock()
        self._rows: dict[str, _Row] = {}

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
        )
        by_receiver(issue, step)
        # The receive entry keeps the track the issue came in on, in the arguments' place.
        self._insert(
            issue,
            [RECEIVE, step.actor, step.at, step.note, issue.track, None, IssueStatus.RECEIVED],
        )

    def add(self, issue: Issue) -> None:
        """Put an issue on the ledger as it stands, with whatever history it has."""
        _check_issue(issue)
        history: list[Any] = []
        for event in issue.history:
            history += _event_entry(event)
        self._insert(issue, history)

    def _insert(self, issue: Issue, history: list[Any]) -> None:
        if issue.id in self._rows:
            raise DuplicateError(
                field="Issue.id", value=issue.id, problem="is already on the ledger"
            )
        row = _Row()
        for name, value in zip(FIELDS, _all_fields(issue), strict=True):
            setattr(row, name, value)
        row.history = history
        self._rows[issue.id] = row

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
        return self._apply(issue_id, event, actor, at, note, args)

    def _apply(
        self,
        issue_id: str,
        event: str,
        actor: Actor,
        at: DateTime | None,
        note: str,
        args: Mapping[str, Any],
    ) -> IssueStatus:
        row = self._rows.get(issue_id) if type(issue_id) is str else None
        if row is None:
            row = self._row(issue_id)
        source = row.status
        rules = TABLE.get((source, event))
        if rules is None:
            raise refusal(event, source)
        history = row.history
        step = make_step(
            event,
            source,
            actor,
            self.clock.now() if at is None else at,
            note,
            args,
            not_before=history[_AT] if history else row.received_at,
            policy=self.policy,
        )
        rule = take(row, step, rules)
        target = rule.target
        changes = settle(row, step, target)
        for name, value in changes.items():
            setattr(row, name, value)
        row.status = target
        history += (event, actor, step.at, step.note, step.args, source, target)
        return target

    def apply_many(self, commands: Iterable[Command]) -> tuple[Refusal, ...]:
        """Apply each command in turn; return those refused (each changed nothing).

        This is not a transaction: accepted commands stay applied when a later one
        is refused. Python's cyclic garbage collector is paused for the batch
        (ledger rows hold no cycles), which halves the time of a large one.
        """
        with _collector_paused():
            return self._apply_many(commands)

    def receive_many(self, issues: Iterable[Issue], *, actor: Actor) -> None:
        """:meth:`receive` every issue, with the garbage collector paused."""
        with _collector_paused():
            for issue in issues:
                self.receive(issue, actor=actor)

    def _apply_many(self, commands: Iterable[Command]) -> tuple[Refusal, ...]:
        refused: list[Refusal] = []
        apply = self._apply
        for index, command in enumerate(commands):
            if type(command) is not Command:
                raise InvalidTypeError(
                    field=f"commands[{index}]", value=command, problem="must be a Command"
                )
            try:
                apply(
                    command.issue_id,
                    command.event,
                    command.actor,
                    command.at,
                    command.note,
                    command.args,
                )
            except BanshishiError as error:
                refused.append(Refusal(index=index, command=command, error=error))
        return tuple(refused)

    # -- reading --------------------------------------------------------------------------

    def __len__(self) -> int:
        return len(self._rows)

    def __contains__(self, issue_id: object) -> bool:
        return issue_id in self._rows

    def __iter__(self) -> Iterator[str]:
        """The ids of the issues, in the order they were put on the ledger."""
        return iter(self._rows)

    def status(self, issue_id: str) -> IssueStatus:
        """The current status of one issue."""
        return self._row(issue_id).status

    def issue(self, issue_id: str) -> Issue:
        """One issue as a full, validated :class:`Issue`, its history included."""
        row = self._row(issue_id)
        fields = {name: getattr(row, name) for name in FIELDS}
        fields["history"] = self._events(row)
        return Issue(**fields)

    def history(self, issue_id: str) -> tuple[Event, ...]:
        """The audit events of one issue, oldest first."""
        return self._events(self._row(issue_id))

    def issues(self) -> Iterator[Issue]:
        """Every issue as a full :class:`Issue` (built one at a time, on demand)."""
        for issue_id in self._rows:
            yield self.issue(issue_id)

    def counts(self) -> Counter[IssueStatus]:
        """How many issues stand in each status now."""
        return Counter(row.status for row in self._rows.values())

    def completion_rate(self) -> Rate:
        """办结率 now: closed issues out of issues not dismissed.

        For the rate as of a past moment, or with its breakdown, use
        ``completion_rate(ledger.issues(), as_of=...)``.
        """
        counts = self.counts()
        return Rate(counts[IssueStatus.CLOSED], len(self._rows) - counts[IssueStatus.DISMISSED])

    # -- internals ------------------------------------------------------------------------

    def _row(self, issue_id: str) -> _Row:
        try:
            return self._rows[issue_id]
        except (KeyError, TypeError):
            raise NotFoundError(
                field="issue_id", value=issue_id, problem="is not on the ledger"
            ) from None

    def _rows_in(self, statuses: frozenset[IssueStatus]) -> Iterator[tuple[str, _Row]]:
        """The rows of issues standing in ``statuses``, read in place (for the sweep)."""
        for issue_id, row in self._rows.items():
            if row.status in statuses:
                yield issue_id, row

    @staticmethod
    def _events(row: _Row) -> tuple[Event, ...]:
        history = row.history
        events: list[Event] = []
        for start in range(0, len(history), WIDTH):
            name, actor, at, note, args, source, target = history[start : start + WIDTH]
            if isinstance(name, Event):
                events.append(name)
            elif name == RECEIVE:
                events.append(
                    Event(
                        name=RECEIVE,
                        actor=actor.id,
                        role=actor.role,
                        unit=actor.unit,
                        at=at,
                        from_status=None,
                        to_status=IssueStatus.RECEIVED,
                        note=note,
                        data=receive_data(row, args),
                    )
                )
            else:
                step = Step(name, actor, at, note, args, source, DEFAULT_POLICY)
                step.accept(target)
                events.append(step.to_event())
        return tuple(events)


def _event_entry(event: Event) -> tuple[Any, ...]:
    return (event, None, event.at, None, None, event.from_status, event.to_status)


@contextmanager
def _collector_paused() -> Iterator[None]:
    was_enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if was_enabled:
            gc.enable()


def receive_data(row: Any, track: Track) -> dict[str, Any]:
    """The JSON the receive event records: the issue as it was taken in."""
    intake = {name: getattr(row, name) for name in INTAKE_FIELDS}
    intake["track"] = track
    written = unstructure(Issue(**intake))
    return {name: written[name] for name in INTAKE_FIELDS}


def _check_issue(issue: object) -> None:
    if not isinstance(issue, Issue):
        raise InvalidTypeError(field="issue", value=issue, problem="must be an Issue")
