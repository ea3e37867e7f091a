"""The SLA sweep over a ledger kept in a store (:meth:`LedgerStore.sweep`).

The in-memory :func:`sweep` looks at every open item. A store holds too many for
that, so it asks its summary lines instead: one query finds the items due by the
end of the due-soon window (yellow and red), and only those are looked at
further. Green items are counted by their ids and never read.

Each yellow or red item is then decided by the same :class:`SweepPlan` as in
memory: its level, whether it was urged at that level for its deadline already
(read off its recorded events), whether to escalate it. Each dispatch still
open and due soon or overdue owes the unit holding it a reminder in the outbox
(:func:`remind_dispatches`). The steps are taken by
:meth:`LedgerStore.apply_many`, so every check of the workflow applies, in
batches of one transaction each: a sweep stopped half-way leaves whole batches,
and the next sweep finds the items done and does the rest.
"""

from collections.abc import Callable, Iterable, Sequence
from functools import partial
from typing import Any, Protocol

from pendulum import DateTime

from banshishi._core.errors import (
    BanshishiError,
    BatchRefusedError,
    ConcurrencyError,
    InvalidTypeError,
    StoreError,
)
from banshishi._core.json_input import read_json
from banshishi._core.time import as_datetime
from banshishi._core.validators import whole_given
from banshishi._metrics.facts import DUE_STATUSES, sql_list
from banshishi._metrics.summary import micros
from banshishi._model.event import Event
from banshishi._model.issue import Issue
from banshishi._model.vocabulary import SlaLevel, Subject
from banshishi._notify.message import Message
from banshishi._notify.owed import dispatch_reminder
from banshishi._notify.templates import MessageTemplates
from banshishi._workflow.command import Command, PledgeCommand
from banshishi._workflow.policy import WorkflowPolicy
from banshishi._workflow.sweep import SweepPlan, SweepReport, SweepRules, recorded_args

from .event_store import Append, EventStore
from .sqlite_file import connect_read_only, marks
from .sqlite_store import SqliteEventStore

Progress = Callable[[int, int], None]
"""Called as ``progress(done, total)`` while long work goes on."""
ApplyMany = Callable[[list[Command]], int]
"""Writes a batch of steps in one transaction, all or nothing (:meth:`LedgerStore.apply_many`)."""

_CHUNK = 500
_URGE_STEPS = (
    "SELECT record_id, name, data FROM events WHERE subject = 'issue' AND record_id IN ({}) "
    "AND (name IN ('urge', 'send_back') OR instr(data, '\"deadline\"')) ORDER BY seq"
)
"""Of the items asked, the events the sweep reads: a superset of those that urge,
send back or set a deadline (a deadline inside another value matches too, and is
passed over by ``recorded_args``)."""
_ON_TRACK = (
    f"SELECT id FROM issues WHERE status IN ({sql_list(DUE_STATUSES)}) "
    "AND deadline_us > ? ORDER BY id"
)


class SweptLedger(Protocol):
    """What the sweep and the restatement of deadlines need of a :class:`LedgerStore`."""

    @property
    def store(self) -> EventStore: ...
    @property
    def policy(self) -> WorkflowPolicy: ...
    def apply_many(self, commands: Iterable[Command | PledgeCommand]) -> int: ...
    def issue(self, issue_id: str) -> Issue: ...


def sweep_store(
    ledger: SweptLedger,
    at: DateTime,
    rules: SweepRules,
    dry_run: bool,
    batch_size: int,
    progress: Progress | None,
    templates: MessageTemplates | None = None,
) -> SweepReport:
    """Sort the items of ``ledger`` that run against a deadline at ``at`` (as
    :func:`sweep` does), and urge and escalate them as ``rules`` say; with
    ``templates``, remind the units holding work handed down that is due
    (:func:`remind_dispatches`).

    One query finds the items due by the end of the due-soon window; green ones
    are listed by id and never read. The steps are taken by ``apply_many``,
    ``batch_size`` a transaction, each batch all or nothing, with
    ``progress(done, total)`` told after each; a step the workflow refuses is
    left out of its batch and listed in ``refused``. ``dry_run`` writes nothing
    and lists the steps it would take (a refusal by the workflow shows only in
    a real run). Items are listed by id.
    """
    store, apply_many = ledger.store, ledger.apply_many
    moment = as_datetime(at, field="at")
    if not isinstance(dry_run, bool):
        raise InvalidTypeError(field="dry_run", value=dry_run, problem="must be True or False")
    batch_size = whole_given(batch_size, field="batch_size", minimum=1)
    if progress is not None and not callable(progress):
        raise InvalidTypeError(field="progress", value=progress, problem="must be callable")
    plan = SweepPlan.start(moment, rules, ledger.policy)
    # Due by the end of the window: the overdue rule at one microsecond past it.
    due = store.issue_summaries(overdue_at=plan.soon.add(microseconds=1))
    lines = sorted(due, key=lambda line: line.id)
    asked = [line.id for line in lines] if rules.urge else []
    plan.levels[SlaLevel.ON_TRACK], histories = _read(store, plan.soon, asked)
    for line in lines:
        deadline = line.deadline
        if deadline is None:  # never: the query compares it
            continue
        plan.add(
            line.id,
            status=line.status,
            track=line.track,
            deadline=deadline,
            unit=line.unit,
            history=partial(_history, histories, line.id),
        )
    due_down = store.dispatches_due(by=plan.soon)
    plan.dispatches_due += sorted({issue_id for issue_id, _ in due_down})
    if dry_run:
        return plan.report(urged=_ids(plan.urges), escalated=_ids(plan.escalations))
    steps = _Steps(apply_many, plan.refused, len(plan.urges) + len(plan.escalations), progress)
    urged = steps.take(plan.urges, batch_size)
    escalated = steps.take(plan.escalations, batch_size)
    if templates is not None:
        remind_dispatches(store, ledger.issue, moment, plan.soon, templates)
    return plan.report(urged=urged, escalated=escalated)


def remind_dispatches(
    store: EventStore,
    issue: Callable[[str], Issue],
    at: DateTime,
    soon: DateTime,
    templates: MessageTemplates,
) -> int:
    """Owe a reminder (临期, or 超期催办 once past due) to each unit still holding
    work handed down to it that is due by ``soon``, of the dispatch's own
    deadline, in one write to the outbox; ``issue(id)`` reads an issue. Each
    dispatch is reminded once per level (the message's id says which), however
    often the sweep runs. The write names the version of each issue read, so a
    dispatch answered meanwhile is read again (and then owes nothing). Returns
    how many reminders were owed now or before."""
    for attempt in range(_TRIES):
        owed: list[Message] = []
        read: dict[str, int] = {}
        for issue_id, n in store.dispatches_due(by=soon):
            item = issue(issue_id)
            dispatch = item.dispatches[n] if n < len(item.dispatches) else None
            if dispatch is None or not dispatch.is_open or dispatch.deadline > soon:
                continue  # answered up or handed back since the query
            read[issue_id] = len(item.history)
            level = SlaLevel.OVERDUE if at > dispatch.deadline else SlaLevel.DUE_SOON
            owed.append(dispatch_reminder(item, dispatch, level=level, at=at, templates=templates))
        if not owed:
            return 0
        checks = [Append(record_id=i, events=(), expected_version=v) for i, v in read.items()]
        try:
            store.append(checks, messages=owed)
        except ConcurrencyError:
            if attempt + 1 == _TRIES:
                raise
            continue
        return len(owed)
    return 0  # never: the last try returns or raises


_TRIES = 3
Steps = list[tuple[str | Event, dict[str, Any]]]
"""An item's history as the sweep reads it (see :data:`History`)."""


def _read(
    store: EventStore, soon: DateTime, asked: list[str]
) -> tuple[list[str], dict[str, Steps]]:
    """The ids of the green items (due after ``soon``), in order, and the history of
    each item ``asked`` as far as the sweep reads it. A SQLite store reads the green
    items' ids only, and of the others only the events that urge, send back or set
    a deadline, without decoding them whole."""
    after = micros(soon)
    if not isinstance(store, SqliteEventStore):
        lines = store.issue_summaries(status=DUE_STATUSES)
        green = [
            line.id for line in lines if line.deadline_us is not None and line.deadline_us > after
        ]
        recorded: dict[str, Steps] = {issue_id: [] for issue_id in asked}
        for issue_id in asked:
            recorded[issue_id] += ((s.event, {}) for s in store.events(Subject.ISSUE, issue_id))
        return sorted(green), recorded
    db = connect_read_only(store.path)
    try:
        green = [row[0] for row in db.execute(_ON_TRACK, (after,))]
        histories: dict[str, Steps] = {issue_id: [] for issue_id in asked}
        for first in range(0, len(asked), _CHUNK):
            chunk = asked[first : first + _CHUNK]
            for issue_id, name, data in db.execute(_URGE_STEPS.format(marks(chunk)), chunk):
                args = recorded_args(read_json(data, field="event.data"))
                histories[issue_id].append((name, args))
        return green, histories
    finally:
        db.close()


def _history(histories: dict[str, Steps], issue_id: str) -> Steps:
    return histories.get(issue_id, [])


def _ids(commands: Sequence[Command]) -> tuple[str, ...]:
    return tuple(command.issue_id for command in commands)


class _Steps:
    """The sweep's steps, written a batch at a time; a step the workflow refuses is
    noted in ``refused`` and its batch written without it."""

    def __init__(
        self,
        apply_many: ApplyMany,
        refused: dict[str, BanshishiError],
        total: int,
        progress: Progress | None,
    ) -> None:
        self._apply_many = apply_many
        self._refused = refused
        self._total = total
        self._progress = progress
        self._done = 0

    def take(self, commands: Sequence[Command], batch_size: int) -> tuple[str, ...]:
        """Take ``commands`` in batches; the ids of those taken."""
        taken: list[str] = []
        for first in range(0, len(commands), batch_size):
            batch = list(commands[first : first + batch_size])
            self._done += len(batch)
            taken += _ids(self._write(batch))
            if self._progress is not None:
                self._progress(self._done, self._total)
        return tuple(taken)

    def _write(self, batch: list[Command]) -> list[Command]:
        """Write ``batch``, leaving out each step refused; the steps written. A step
        on a copy of the item older than the store's is tried again, once: the
        store reads the item afresh (another process wrote to it)."""
        retried: set[str] = set()
        stale = 0
        while batch:
            try:
                self._apply_many(batch)
                return batch
            except ConcurrencyError:
                # A cached copy older than the store's (another process wrote to
                # it): the cache has dropped it, so the next try reads it afresh.
                stale += 1
                if stale > len(batch):
                    raise
            except BatchRefusedError as refusal:
                error, issue_id = refusal.error, batch[refusal.index].issue_id
                if error is None or type(error) is StoreError:  # a damaged ledger
                    raise
                if isinstance(error, ConcurrencyError) and issue_id not in retried:
                    retried.add(issue_id)
                    continue
                self._refused[issue_id] = error
                del batch[refusal.index]
        return batch
