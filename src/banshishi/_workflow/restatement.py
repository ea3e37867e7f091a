"""重算时限: deadlines counted provisionally, counted again on the official schedule.

A deadline that ran through a year with no official holiday schedule was
counted on the statutory holidays alone and marked provisional, with the limit
it was counted from. Once the State Council's notice is loaded into the policy's
calendar, :func:`restatement_of` counts each such deadline again from the same
start with the same limit; :func:`restate_deadlines` (for a :class:`Ledger`)
and :meth:`LedgerStore.restate_deadlines` record every one that moves, or stops
being provisional, through the audited ``restate_deadline`` step, taken by the
platform (``Role.SYSTEM``) with the old deadline and the new.

Closed and dismissed items keep the deadline that was in force: their
on-time figures were judged by it.
"""

from collections.abc import Iterable, Iterator
from typing import Any, final

import attrs
from pendulum import DateTime

from banshishi._calendar.time_limit import TimeLimit
from banshishi._core.errors import InvalidTypeError
from banshishi._core.time import as_datetime
from banshishi._metrics.summary import deadline_provisional_in
from banshishi._model.event import Event
from banshishi._model.issue import Issue, sets_deadline
from banshishi._model.people import Actor, Role
from banshishi._model.vocabulary import IssueStatus

from .command import Command
from .engine import WIDTH
from .issue_arguments import ISSUE_STEPS
from .ledger import Ledger
from .policy import WorkflowPolicy, check_policy
from .step import arguments_from_data
from .transition_table import RULES

RESTATE = "restate_deadline"
RESTATABLE = frozenset(IssueStatus(rule.source) for rule in RULES if rule.event == RESTATE)
"""The statuses a deadline may be restated in: those the workflow class allows."""

HOLIDAY_SCHEDULE = Actor(id="holiday-schedule", role=Role.SYSTEM)
"""The platform actor that restates deadlines when a holiday schedule is loaded."""

NOTE = "按正式放假安排重算完成时限"
"""The note of a restatement: counted again on the official holiday schedule."""


@final
@attrs.frozen(kw_only=True)
class Restatement:
    """A deadline counted again: ``previous`` was in force, ``deadline`` replaces
    it, still ``provisional`` or not, counted with ``limit``."""

    issue_id: str
    previous: DateTime
    deadline: DateTime
    provisional: bool
    limit: TimeLimit | None

    @property
    def moves(self) -> bool:
        """Whether the deadline itself changes (not only its provisional mark)."""
        return self.deadline != self.previous

    def command(self, *, at: DateTime, actor: Actor = HOLIDAY_SCHEDULE) -> Command:
        """The ``restate_deadline`` step that records this restatement."""
        args: dict[str, Any] = {"previous": self.previous, "deadline": self.deadline}
        if self.provisional:
            args |= {"provisional": True, "limit": self.limit}
        return Command(
            issue_id=self.issue_id, event=RESTATE, actor=actor, at=at, note=NOTE, args=args
        )


def restatement_of(issue: Issue, policy: WorkflowPolicy) -> Restatement | None:
    """The restatement ``issue``'s provisional deadline needs under ``policy``'s
    calendar, or ``None`` when it has none to restate (not provisional, not
    open, or counted to the same moment and still provisional).

    Each deadline-setting step is counted again in order: one counted from a
    limit and marked provisional, from the same start (the step's moment; for
    an extension, the restated deadline before it), any other as recorded.
    Earlier restatements are counted through, not built on.
    """
    check_policy(policy, field="policy")
    if issue.status not in RESTATABLE or issue.deadline is None:
        return None
    if not issue.deadline_provisional_as_of():
        return None
    deadline: DateTime | None = None
    provisional = False
    limit: TimeLimit | None = None
    for event in _deadline_steps(issue.history):
        if event.name == "send_back":
            deadline, provisional, limit = None, False, None
            continue
        args = arguments_from_data(event, ISSUE_STEPS)
        if args.get("provisional") is not True:
            deadline, provisional, limit = args["deadline"], False, None
            continue
        extension = event.name == "extend"
        limit = args["extension"] if extension else args["limit"]
        start = deadline if extension and deadline is not None else event.at
        deadline = policy.after(start, limit)
        provisional = policy.is_provisional(deadline, limit)
    previous = issue.deadline
    if deadline is None or (deadline == previous and provisional):
        return None
    return Restatement(
        issue_id=issue.id,
        previous=previous,
        deadline=deadline,
        provisional=provisional,
        limit=limit if provisional else None,
    )


def restate_deadlines(
    ledger: Ledger, at: DateTime, *, actor: Actor = HOLIDAY_SCHEDULE
) -> tuple[Restatement, ...]:
    """Restate every open provisional deadline of ``ledger`` under its policy's
    calendar, as ``restate_deadline`` steps at ``at``; returns what moved.

    All or nothing: every restatement is worked out before the first step.
    """
    if not isinstance(ledger, Ledger):
        raise InvalidTypeError(field="ledger", value=ledger, problem="must be a Ledger")
    at = as_datetime(at, field="at")
    found = list(_restatements(ledger, ledger.policy))
    for restatement in found:
        command = restatement.command(at=at, actor=actor)
        ledger.apply(command.issue_id, RESTATE, actor=actor, at=at, note=NOTE, **command.args)
    return tuple(found)


def _restatements(ledger: Ledger, policy: WorkflowPolicy) -> Iterator[Restatement]:
    for issue_id, row in ledger.rows_in(RESTATABLE):
        if deadline_provisional_in(row.history, WIDTH):
            restatement = restatement_of(ledger.issue(issue_id), policy)
            if restatement is not None:
                yield restatement


def _deadline_steps(history: Iterable[Event]) -> Iterator[Event]:
    for event in history:
        if event.name != RESTATE and sets_deadline(event):
            yield event
