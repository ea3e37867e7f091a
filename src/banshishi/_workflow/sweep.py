"""The SLA sweep: every open item against its deadline, with urging and escalation.

A platform runs :func:`sweep` on a timer (every hour, say). It sorts each open
item of a :class:`Ledger` into green, yellow or red (:class:`SlaLevel`), urges
(催办) the yellow and red ones, and, when the rules say so, raises red ones to
督办 under the unit one level up (提级). Urging and escalation are ordinary
workflow steps taken by the platform (``Role.SYSTEM``), so they go through the
same checks and land in the same audit history as a person's.

The sweep is idempotent: an item is urged at most once per level for the
deadline it has, and an escalated item is 督办 already, so a second sweep at
the same moment changes nothing.
"""

from collections.abc import Callable, Iterable, Mapping
from functools import partial
from types import MappingProxyType
from typing import Any, cast, final

import attrs
from pendulum import DateTime

from banshishi._calendar.time_limit import TimeLimit, as_limit
from banshishi._core.errors import BanshishiError, InvalidTypeError, InvalidValueError
from banshishi._core.time import as_datetime, parse_instant
from banshishi._core.validators import of_type
from banshishi._metrics.facts import DUE_STATUSES
from banshishi._model.dispatch import Dispatch
from banshishi._model.event import Event
from banshishi._model.people import Actor, Role
from banshishi._model.units import UnitTree
from banshishi._model.vocabulary import IssueStatus, SlaLevel, Track

from .command import Command
from .engine import steps_of
from .issue_workflow import allowed_events
from .ledger import Ledger
from .policy import DEFAULT_POLICY, Limit, WorkflowPolicy, check_limit, check_limit_field

_ESCALABLE = frozenset({IssueStatus.TRANSFERRED, IssueStatus.IN_PROGRESS})
_URGEABLE = frozenset(status for status in IssueStatus if "urge" in allowed_events(status))
"""Where the workflow lets an item be urged (催办): a unit holds it. An item still at
intake or sent back has no deadline from the workflow; one recorded with a
deadline anyway (an import) is sorted by it, but there is no unit to urge."""

PLATFORM = Actor(id="sla-sweep", role=Role.SYSTEM)
"""The actor the sweep's steps are recorded under unless the rules name another."""


_ONE_WORKING_DAY = TimeLimit.working_days(1)


@final
@attrs.frozen(kw_only=True)
class SweepRules:
    """What a sweep does besides sorting items into green, yellow and red.

    - ``due_soon_within``: an item due within this much working time (or
      elapsed time, for a timedelta) is yellow; 1 working day by default.
    - ``urge``: urge every yellow and red item, once per level for each
      deadline it has (on by default).
    - ``escalate_overdue``: raise red items not yet 督办 to 督办 under the
      handling unit's parent in the policy's unit tree (off by default; needs
      ``WorkflowPolicy.units``).
    - ``actor``: who the sweep's steps are recorded as; the platform by default.
    """

    due_soon_within: Limit = attrs.field(
        default=_ONE_WORKING_DAY, converter=as_limit, validator=check_limit_field
    )
    urge: bool = attrs.field(default=True, validator=of_type(bool))
    escalate_overdue: bool = attrs.field(default=False, validator=of_type(bool))
    actor: Actor = attrs.field(default=PLATFORM, validator=of_type(Actor))


DEFAULT_SWEEP_RULES = SweepRules()


@final
@attrs.frozen(kw_only=True)
class SweepReport:
    """What one sweep found and did, by issue id.

    ``on_track``, ``due_soon`` and ``overdue`` list the items with a deadline
    that are open and not yet answered in their round, by level; ``urged`` and
    ``escalated`` the steps the sweep took; ``refused`` the steps it tried and
    the workflow refused, with the error. ``dispatches_due`` lists the items
    with work handed down (下派) still open and due soon or overdue by the
    dispatch's own deadline (a store's sweep reminds the unit holding it).
    """

    at: DateTime
    on_track: tuple[str, ...]
    due_soon: tuple[str, ...]
    overdue: tuple[str, ...]
    urged: tuple[str, ...]
    escalated: tuple[str, ...]
    refused: Mapping[str, BanshishiError] = attrs.field(factory=lambda: MappingProxyType({}))
    dispatches_due: tuple[str, ...] = ()

    def counts(self) -> dict[SlaLevel, int]:
        """How many items stand at each level."""
        return {
            SlaLevel.ON_TRACK: len(self.on_track),
            SlaLevel.DUE_SOON: len(self.due_soon),
            SlaLevel.OVERDUE: len(self.overdue),
        }

    @property
    def changed(self) -> bool:
        """Whether the sweep took any step."""
        return bool(self.urged or self.escalated)


def sla_level(
    deadline: DateTime,
    at: DateTime,
    *,
    policy: WorkflowPolicy | None = None,
    due_soon_within: Limit = _ONE_WORKING_DAY,
) -> SlaLevel:
    """Where an item due at ``deadline`` stands at ``at``.

    Red once ``at`` is past the deadline; yellow when the deadline comes within
    ``due_soon_within`` of ``at`` (working time counted on the policy's
    working hours); green otherwise.
    """
    deadline = as_datetime(deadline, field="deadline")
    at = as_datetime(at, field="at")
    if policy is None:
        policy = DEFAULT_POLICY
    elif not isinstance(policy, WorkflowPolicy):
        raise InvalidTypeError(field="policy", value=policy, problem="must be a WorkflowPolicy")
    lead = as_limit(due_soon_within)
    check_limit("due_soon_within", lead)
    return _level(deadline, at, policy.after(at, cast(Limit, lead)))


def _level(deadline: DateTime, at: DateTime, soon: DateTime) -> SlaLevel:
    if deadline < at:
        return SlaLevel.OVERDUE
    if deadline <= soon:
        return SlaLevel.DUE_SOON
    return SlaLevel.ON_TRACK


def sweep(
    ledger: Ledger, at: DateTime | None = None, *, rules: SweepRules = DEFAULT_SWEEP_RULES
) -> SweepReport:
    """Sort every item of ``ledger`` that runs against a deadline (open and not yet
    answered in its round: see :func:`overdue`) by its deadline at ``at`` (the ledger
    clock's now if not given), and urge and escalate as ``rules`` say."""
    if not isinstance(ledger, Ledger):
        raise InvalidTypeError(field="ledger", value=ledger, problem="must be a Ledger")
    moment = ledger.clock.now() if at is None else as_datetime(at, field="at")
    plan = SweepPlan.start(moment, rules, ledger.policy)
    for issue_id, row in ledger.rows_in(DUE_STATUSES):
        deadline = row.deadline
        if deadline is not None:
            plan.add(
                issue_id,
                status=row.status,
                track=row.track,
                deadline=deadline,
                unit=row.responsible_unit,
                history=partial(steps_of, row),
            )
        if row.dispatches:
            plan.add_dispatches(issue_id, row.dispatches)
    refused = plan.refused
    urged = _run(ledger, plan.urges, refused)
    escalated = _run(ledger, plan.escalations, refused)
    return plan.report(urged=urged, escalated=escalated)


History = Callable[[], Iterable[tuple[str | Event, dict[str, Any]]]]
"""An item's history, oldest first, as :func:`steps_of` gives it: each step's name
and arguments, or an event as it was recorded (with no arguments). Read only when
the sweep must know whether the item was urged already."""


@final
@attrs.define
class SweepPlan:
    """What a sweep at ``moment`` decides, item by item: the level of each, and the
    steps to take. The in-memory sweep and the store's both fill one through
    :meth:`add`, so both decide alike; each then takes the steps its own way."""

    moment: DateTime
    soon: DateTime
    """The end of the due-soon window: an item due by then, and not overdue, is yellow."""
    rules: SweepRules
    tree: UnitTree | None
    levels: dict[SlaLevel, list[str]] = attrs.field(
        factory=lambda: {level: [] for level in SlaLevel}
    )
    urges: list[Command] = attrs.field(factory=list)
    escalations: list[Command] = attrs.field(factory=list)
    refused: dict[str, BanshishiError] = attrs.field(factory=dict)
    dispatches_due: list[str] = attrs.field(factory=list)

    @classmethod
    def start(cls, moment: DateTime, rules: SweepRules, policy: WorkflowPolicy) -> "SweepPlan":
        """An empty plan for a sweep at ``moment`` under ``rules`` and ``policy``;
        refuses escalation without the policy's unit tree."""
        if not isinstance(rules, SweepRules):
            raise InvalidTypeError(field="rules", value=rules, problem="must be SweepRules")
        tree = policy.units
        if rules.escalate_overdue and tree is None:
            raise InvalidValueError(
                field="SweepRules.escalate_overdue",
                value=True,
                problem="needs the policy's unit tree to find the unit one level up",
                hint="Give the ledger a WorkflowPolicy with units=UnitTree(...).",
            )
        soon = policy.after(moment, rules.due_soon_within)
        return cls(moment=moment, soon=soon, rules=rules, tree=tree)

    def add(
        self,
        issue_id: str,
        *,
        status: IssueStatus,
        track: Track,
        deadline: DateTime,
        unit: str | None,
        history: History,
    ) -> SlaLevel:
        """Sort one item running against ``deadline`` and plan its steps: urge it if
        it is yellow or red, held by a unit and not yet urged at that level for this
        deadline; escalate it if it is red, not 督办 and the rules say so."""
        level = _level(deadline, self.moment, self.soon)
        self.levels[level].append(issue_id)
        if level is SlaLevel.ON_TRACK:
            return level
        rules = self.rules
        if rules.urge and status in _URGEABLE and not _urged(history(), level, deadline):
            self.urges.append(self._urge(issue_id, level))
        if (
            level is SlaLevel.OVERDUE
            and rules.escalate_overdue
            and track is not Track.SUPERVISED
            and status in _ESCALABLE
        ):
            self._escalate(issue_id, unit)
        return level

    def add_dispatches(self, issue_id: str, dispatches: Iterable[Dispatch]) -> None:
        """Note the item if work it handed down is still open and due by the end
        of the due-soon window, by the dispatch's own deadline."""
        if any(item.is_open and item.deadline <= self.soon for item in dispatches):
            self.dispatches_due.append(issue_id)

    def report(self, *, urged: tuple[str, ...], escalated: tuple[str, ...]) -> SweepReport:
        """The report of the sweep, once the steps ``urged`` and ``escalated`` are taken."""
        return SweepReport(
            at=self.moment,
            on_track=tuple(self.levels[SlaLevel.ON_TRACK]),
            due_soon=tuple(self.levels[SlaLevel.DUE_SOON]),
            overdue=tuple(self.levels[SlaLevel.OVERDUE]),
            urged=urged,
            escalated=escalated,
            refused=MappingProxyType(self.refused),
            dispatches_due=tuple(self.dispatches_due),
        )

    def _urge(self, issue_id: str, level: SlaLevel) -> Command:
        return Command(
            issue_id=issue_id,
            event="urge",
            actor=self.rules.actor,
            at=self.moment,
            note="临期催办" if level is SlaLevel.DUE_SOON else "超期催办",
            args={"level": level},
        )

    def _escalate(self, issue_id: str, unit: str | None) -> None:
        tree = self.tree
        parent = None
        if tree is not None and unit is not None and unit in tree:
            parent = tree[unit].parent
        if parent is None:
            self.refused[issue_id] = InvalidValueError(
                field="escalate.supervising_unit",
                value=unit,
                problem="has no unit above it to supervise the item",
            )
            return
        self.escalations.append(
            Command(
                issue_id=issue_id,
                event="escalate",
                actor=self.rules.actor,
                at=self.moment,
                note="超期提级督办",
                args={"supervising_unit": parent},
            )
        )


def _run(
    ledger: Ledger, commands: list[Command], refused: dict[str, BanshishiError]
) -> tuple[str, ...]:
    """Apply the sweep's steps; note the refused ones and return the ids done."""
    failed = {refusal.index: refusal.error for refusal in ledger.apply_many(commands)}
    for index, error in failed.items():
        refused[commands[index].issue_id] = error
    return tuple(c.issue_id for index, c in enumerate(commands) if index not in failed)


def _urged(
    history: Iterable[tuple[str | Event, dict[str, Any]]], level: SlaLevel, deadline: DateTime
) -> bool:
    """Whether the item was urged at ``level`` since its deadline became ``deadline``.

    Reads the history in order, forgetting earlier urges whenever a step sets
    another deadline (or clears it, as a return does); a step restating the same
    deadline keeps them.
    """
    urged: set[SlaLevel] = set()
    current: object = _UNKNOWN  # an issue added as it stood may have no deadline on record
    for step, args in history:
        if isinstance(step, Event):  # an event that came with an added issue
            name, args = step.name, _args_of(step)
        else:
            name = step
        if name == "send_back":
            current = None
            urged.clear()
        elif "deadline" in args and args["deadline"] != current:
            current = args["deadline"]
            urged.clear()
        if name == "urge" and "level" in args:
            urged.add(args["level"])
    return level in urged and (current is _UNKNOWN or current == deadline)


_UNKNOWN = object()


def _args_of(event: Event) -> dict[str, Any]:
    return recorded_args(event.data)


def recorded_args(data: Mapping[str, Any]) -> dict[str, Any]:
    """What the sweep reads of an event's recorded data: the deadline it set and the
    level it urged at, as the step's arguments held them."""
    args: dict[str, Any] = {}
    if "deadline" in data:
        args["deadline"] = parse_instant(str(data["deadline"]), field="Event.data.deadline")
    if "level" in data:
        args["level"] = SlaLevel(str(data["level"]))
    return args
