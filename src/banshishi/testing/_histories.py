"""Histories the issue workflow accepts: a new issue, who received it, and steps
(with actors, moments, notes and arguments) that :class:`Ledger` and
:class:`LedgerStore` take one after another without refusing any.

Each step is planned to fit the issue as it stands (an event its status allows,
by someone whose role and unit may take it, with arguments that fit) and then
tried on a ledger in memory under the history's policy: a refused step is planned
again, up to a few times, and otherwise the history ends there. So every history
drawn is one the workflow accepted while it was drawn; a test then checks what
its own system does with it.

Import them from :mod:`banshishi.testing.strategies`.
"""

from typing import Any, final

import attrs
import pendulum
from hypothesis import strategies as st
from pendulum import DateTime

from banshishi._core.errors import BanshishiError
from banshishi._model.assessment import ExclusionGrounds
from banshishi._model.dispatch import open_chain
from banshishi._model.evaluation import (
    AppealGrounds,
    Evaluation,
    Feedback,
    FeedbackMethod,
    RaterKind,
    VisitOutcome,
)
from banshishi._model.issue import Issue
from banshishi._model.milestone import Milestone
from banshishi._model.people import Actor, Role
from banshishi._model.units import UnitTree
from banshishi._model.vocabulary import DismissalReason, IssueStatus, Rating, SlaLevel, Track
from banshishi._store.ledger_store import LedgerStore
from banshishi._workflow.command import Command
from banshishi._workflow.issue_workflow import allowed_events
from banshishi._workflow.ledger import Ledger
from banshishi._workflow.policy import DEFAULT_POLICY, WorkflowPolicy

from ._records import new_issues
from ._values import SHANGHAI, Zones, moments, unit_trees

S = IssueStatus

HISTORY_START = pendulum.datetime(2025, 1, 1, tz="Asia/Shanghai")
"""Histories start within 400 days of this moment unless told: years whose official
holidays the default calendar knows, so every time limit can be counted."""

GAPS = ({"minutes": 1}, {"hours": 3}, {"days": 1}, {"days": 8})
"""How far apart two steps are; eight days outlast the default evaluation window."""
_NOT_DUPLICATE = [reason for reason in DismissalReason if reason is not DismissalReason.DUPLICATE]
ATTEMPTS = 4
"""How often a refused step is planned again before the history ends there."""
NOTE = "核实情况，说明理由"
ROUTING_RULES = (None, None, "0301/4401", "03/*", "BJ-12345-017")
"""What a transfer names as its routing rule: none half the time, else the key of
a rule (its prefixes, or a catalogue's own id)."""

DISPATCHER_ID, CLERK_ID, REVIEWER_ID, PLATFORM_ID, LEADER_ID = (
    "dispatcher",
    "clerk",
    "reviewer",
    "platform",
    "leader",
)


@final
@attrs.frozen(kw_only=True)
class IssueHistory:
    """A new issue, who received it, and the steps the workflow accepts after it.

    ``statuses`` holds the issue's status after each step. The steps were
    accepted under ``policy``: apply them to a ledger that runs under it."""

    issue: Issue
    receiver: Actor
    steps: tuple[Command, ...]
    statuses: tuple[IssueStatus, ...]
    policy: WorkflowPolicy = DEFAULT_POLICY

    @property
    def status(self) -> IssueStatus:
        """Where the history leaves the issue."""
        return self.statuses[-1] if self.statuses else S.RECEIVED

    def apply_to(self, ledger: Ledger | LedgerStore) -> IssueStatus:
        """Receive the issue on ``ledger`` (a :class:`Ledger` or a
        :class:`LedgerStore`), take every step in turn, and return the status
        they leave it in. A refused step raises, as the ledger does."""
        ledger.receive(self.issue, actor=self.receiver)
        status = S.RECEIVED
        for step in self.steps:
            status = ledger.apply(
                step.issue_id,
                step.event,
                actor=step.actor,
                at=step.at,
                note=step.note,
                **step.args,
            )
        return status


@attrs.frozen
class _Cast:
    """Who acts on an issue of ``tree``: a dispatcher and a clerk at the receiving
    unit, a handler and a supervisor in every unit, a reviewer, a leader, the platform."""

    tree: UnitTree
    centre: str | None

    def handler(self, unit: str | None) -> Actor:
        return Actor(id=f"handler.{unit}", role=Role.HANDLER, unit=unit)

    def supervisor(self, unit: str | None) -> Actor:
        return Actor(id=f"supervisor.{unit}", role=Role.SUPERVISOR, unit=unit)

    @property
    def dispatcher(self) -> Actor:
        return Actor(id=DISPATCHER_ID, role=Role.DISPATCHER, unit=self.centre)

    @property
    def clerk(self) -> Actor:
        return Actor(id=CLERK_ID, role=Role.INTAKE_CLERK, unit=self.centre)

    def parent(self, unit: str | None) -> str | None:
        return self.tree[unit].parent if unit is not None and unit in self.tree else None


REVIEWER = Actor(id=REVIEWER_ID, role=Role.REVIEWER)
PLATFORM = Actor(id=PLATFORM_ID, role=Role.SYSTEM)
LEADER = Actor(id=LEADER_ID, role=Role.LEADER)


def _forward(issue: Issue) -> list[str]:
    """The steps that take ``issue`` on towards closure, so that many histories get there."""
    status, track = issue.status, issue.track
    if status in (S.RECEIVED, S.RETURNED):
        return ["transfer", "sign_for"] if status is S.RECEIVED else ["transfer"]
    if status is S.TRANSFERRED:
        return ["sign_for"]
    if status is S.IN_PROGRESS:
        chain = open_chain(issue.dispatches)
        if chain:  # 二级/三级承办: the chain unwinds before the item can be resolved
            return [
                "report_up",
                "report_up",
                "report_up",
                "hand_back",
                *(["dispatch"] * (len(chain) < 2)),
            ]
        if set(issue.co_units) - set(issue.parts_reported):
            return ["report_part"]
        if track is Track.SUPERVISED and issue.signed_off_by is None:
            return ["sign_off"]
        if track is Track.TRACKED and not issue.milestones:
            return ["add_milestones"]
        if track is Track.TRACKED and not all(m.is_done for m in issue.milestones):
            return ["complete_milestone"]
        return ["resolve", "resolve", "dispatch"]
    return {S.RESOLVED: ["answer"], S.ANSWERED: ["rate", "close"]}.get(status, [])


def _appeals(issue: Issue) -> list[str]:
    """Deciding a pending appeal, or appealing a rating that is not satisfied."""
    if any(appeal.is_pending for appeal in issue.appeals):
        return ["void_rating", "reject_appeal"]
    appealed = {appeal.rating for appeal in issue.appeals}
    open_to_appeal = [
        index
        for index, given in enumerate(issue.evaluations)
        if index not in appealed and not given.rating.counts_as_satisfied(basically_satisfied=False)
    ]
    return ["appeal"] if open_to_appeal else []


def _event(draw: st.DrawFn, issue: Issue) -> str:
    allowed = allowed_events(issue.status)
    appeals = [event for event in _appeals(issue) if event in allowed]
    forward = [event for event in _forward(issue) if event in allowed]
    pick = draw(st.integers(0, 99))
    if appeals and pick < 40:
        return draw(st.sampled_from(appeals))
    if forward and pick < 70:
        return draw(st.sampled_from(forward))
    if pick < 97 or allowed == ["dismiss"]:
        going_on = [event for event in allowed if event != "dismiss"] or allowed
        return draw(st.sampled_from(going_on))
    return "dismiss"


def _actor(draw: st.DrawFn, event: str, issue: Issue, cast: _Cast) -> Actor:
    responsible = cast.handler(issue.responsible_unit)
    requester = (
        None if issue.requester is None else Actor(id=issue.requester.id, role=Role.REQUESTER)
    )
    supervisor = (
        Actor(id=issue.supervisor, role=Role.SUPERVISOR, unit=issue.supervising_unit)
        if issue.supervisor is not None
        else cast.supervisor(issue.supervising_unit)
    )
    fresh = issue.status is S.RECEIVED
    unreported = [unit for unit in issue.co_units if unit not in issue.parts_reported]
    choices: dict[str, list[Actor]] = {
        "transfer": [cast.dispatcher],
        "sign_for": [cast.handler(issue.received_by if fresh else issue.responsible_unit)],
        "report_part": [cast.handler(unit) for unit in unreported or issue.co_units],
        "sign_off": [supervisor],
        "urge": [cast.dispatcher, LEADER, PLATFORM, supervisor],
        "escalate": [cast.dispatcher, LEADER, PLATFORM],
        "change_track": [cast.dispatcher, LEADER],
        "dismiss": [cast.dispatcher, cast.clerk, *([requester] if requester else [])],
        "add_milestones": [responsible, cast.dispatcher],
        "answer": [responsible, cast.dispatcher, cast.clerk],
        "rate": [requester] if requester else [REVIEWER],
        "close": [PLATFORM, cast.dispatcher, REVIEWER],
        "redo": [cast.dispatcher, REVIEWER, supervisor],
        "extend": [cast.dispatcher, LEADER, supervisor],
        "void_rating": [REVIEWER],
        "reject_appeal": [REVIEWER],
        "schedule_visit": [cast.dispatcher, REVIEWER, cast.clerk, PLATFORM],
        "revisit": [REVIEWER, cast.clerk, cast.dispatcher],
        "restate_deadline": [PLATFORM],
        "request_exclusion": [responsible, cast.dispatcher],
        "approve_exclusion": [REVIEWER],
        "reject_exclusion": [REVIEWER],
        "mark_confidential": [cast.dispatcher, cast.clerk, LEADER],
        "unmark_confidential": [cast.dispatcher, LEADER],
        "dispatch": [*[cast.handler(_holders(issue)[-1])] * 3, responsible],
        "report_up": [*[cast.handler(_holders(issue)[-1])] * 3, responsible],
        "hand_back": [*[cast.handler(_holders(issue)[-1])] * 3, responsible],
    }
    return draw(st.sampled_from(choices.get(event) or [responsible]))


def _holders(issue: Issue) -> list[str | None]:
    """Who holds the work: the responsible unit, then each unit it was handed down to."""
    return [issue.responsible_unit, *(item.unit for item in open_chain(issue.dispatches))]


def _dispatch_arguments(draw: st.DrawFn, issue: Issue, at: DateTime, cast: _Cast) -> dict[str, Any]:
    """A unit under the one holding the work (any other unit of the tree if none is),
    due within the deadline above, or now and then after it."""
    holders = _holders(issue)
    holder = holders[-1]
    under = []
    if holder is not None and holder in cast.tree:
        under = [u for u in cast.tree.subtree(holder) if u != holder]
    others = [u.id for u in cast.tree if u.id not in holders]
    unit = draw(st.sampled_from(under or others or ["elsewhere"]))
    chain = open_chain(issue.dispatches)
    above = chain[-1].deadline if chain else issue.deadline
    due = at.add(days=draw(st.sampled_from((1, 3))))
    if above is not None and draw(st.integers(0, 9)) > 0:
        due = min(due, above)
    args: dict[str, Any] = {"unit": unit, "due": due}
    if draw(st.booleans()):
        args["requirements"] = "核实后上报"
    return args


def _track_arguments(
    draw: st.DrawFn, track: Track, unit: str | None, cast: _Cast
) -> dict[str, Any]:
    """What ``track`` needs of an item led by ``unit``: co-units for 共办, the unit
    one level up (and perhaps its supervisor) for 督办."""
    args: dict[str, Any] = {}
    if track is Track.JOINT:
        others = [u.id for u in cast.tree if u.id != unit]
        if others:
            args["co_units"] = tuple(
                draw(st.lists(st.sampled_from(others), min_size=1, max_size=2, unique=True))
            )
    if track is Track.SUPERVISED:
        up = cast.parent(unit)
        if up is not None:
            args["supervising_unit"] = up
            if draw(st.booleans()):
                args["supervisor"] = cast.supervisor(up).id
    return args


def _milestones(draw: st.DrawFn, issue: Issue, at: DateTime) -> tuple[Milestone, ...]:
    taken = {milestone.name for milestone in issue.milestones}
    fresh = [name for name in ("选址", "施工", "验收", "回访") if name not in taken]
    fresh = fresh or [f"节点{len(taken) + 1}"]  # all four taken: a returned item re-transferred
    names = draw(st.lists(st.sampled_from(fresh), min_size=1, max_size=2, unique=True))
    due = draw(st.sampled_from((None, at.add(days=10))))
    return tuple(
        Milestone(name=name, weight=draw(st.sampled_from((1, 3))), due=due) for name in names
    )


def _arguments(
    draw: st.DrawFn, event: str, issue: Issue, actor: Actor, at: DateTime, cast: _Cast
) -> dict[str, Any]:
    args: dict[str, Any] = {}
    days = st.sampled_from((1, 5, 30))
    if event == "transfer":
        track = issue.track
        routed = draw(st.sampled_from(ROUTING_RULES))
        if routed is not None:  # as a routing catalogue's rule would: it may set the track
            args["routing_rule"] = routed
            track = draw(st.sampled_from((issue.track, Track.IMMEDIATE, Track.JOINT)))
            if track is not issue.track:
                args["track"] = track
        candidates = [u.id for u in cast.tree if u.id != cast.centre] or [u.id for u in cast.tree]
        if track is Track.SUPERVISED:
            candidates = [u for u in candidates if cast.parent(u) is not None] or candidates
        unit = draw(st.sampled_from(candidates))
        args["unit"] = unit
        args["deadline"] = at.add(days=draw(days))
        args |= _track_arguments(draw, track, unit, cast)
        if track is Track.TRACKED and draw(st.booleans()):
            args["milestones"] = _milestones(draw, issue, at)
    elif event == "sign_for" and issue.status is S.RECEIVED:
        args["deadline"] = at.add(days=draw(days))
    elif event == "dismiss":
        if actor.role is Role.REQUESTER:
            args["reason"] = DismissalReason.WITHDRAWN
        else:
            # A duplicate names an open original on the ledger, which a history of one
            # issue lacks: duplicates are drawn with their originals in their own tests.
            args["reason"] = draw(st.sampled_from(_NOT_DUPLICATE))
    elif event == "escalate":
        up = cast.parent(issue.responsible_unit)
        args["supervising_unit"] = (
            up if up is not None else draw(st.sampled_from(list(cast.tree))).id
        )
    elif event == "change_track":
        track = draw(st.sampled_from([t for t in Track if t is not issue.track]))
        args["track"] = track
        args |= _track_arguments(draw, track, issue.responsible_unit, cast)
    elif event == "add_milestones":
        args["milestones"] = _milestones(draw, issue, at)
    elif event == "complete_milestone":
        undone = [m.name for m in issue.milestones if not m.is_done] or ["?"]
        args["milestone"] = draw(st.sampled_from(undone))
    elif event == "answer":
        args["feedback"] = Feedback(
            at=max(issue.received_at, at.subtract(hours=1)),
            content="已办理并答复",
            method=draw(st.sampled_from(list(FeedbackMethod))),
            unit=issue.responsible_unit,
        )
    elif event == "rate":
        args["evaluation"] = Evaluation(
            issue_id=issue.id,
            rating=draw(st.sampled_from(list(Rating))),
            resolved=draw(st.booleans()),
            at=at,
            round=issue.round,
            rater_kind=RaterKind.REQUESTER,
        )
    elif event == "appeal":
        args["grounds"] = draw(st.sampled_from(list(AppealGrounds)))
    elif event == "schedule_visit":
        args["due"] = at.add(days=draw(st.sampled_from((1, 3))))
    elif event == "revisit":
        args["outcome"] = draw(st.sampled_from(list(VisitOutcome)))
        if args["outcome"] is not VisitOutcome.UNREACHABLE:
            for name in ("contacted", "satisfied"):
                if draw(st.integers(0, 3)) > 0:
                    args[name] = draw(st.booleans())
    elif event == "request_exclusion":
        args["exclusion_grounds"] = draw(st.sampled_from(list(ExclusionGrounds)))
    elif event == "urge" and draw(st.booleans()):
        args["level"] = draw(st.sampled_from((SlaLevel.DUE_SOON, SlaLevel.OVERDUE)))
    elif event == "extend":
        if issue.deadline is not None and draw(st.booleans()):
            args["deadline"] = issue.deadline.add(days=draw(days))
        else:
            args["extension"] = draw(st.sampled_from(("2 working days", "3 days")))
    elif event == "dispatch":
        args = _dispatch_arguments(draw, issue, at, cast)
    elif event == "report_up":
        args["answer"] = "已核实办结"
    elif event == "restate_deadline":
        args["previous"] = issue.deadline
        args["deadline"] = (issue.deadline or at).add(days=draw(st.sampled_from((-1, 1, 2))))
    return args


def _plan(draw: st.DrawFn, issue: Issue, at: DateTime, cast: _Cast, zones: Zones) -> Command:
    event = _event(draw, issue)
    actor = _actor(draw, event, issue, cast)
    at = at.in_timezone(draw(st.sampled_from(zones)))
    args = _arguments(draw, event, issue, actor, at, cast)
    note = NOTE if draw(st.integers(0, 9)) > 0 else "已处理"
    return Command(issue_id=issue.id, event=event, actor=actor, at=at, note=note, args=args)


@st.composite
def issue_histories(
    draw: st.DrawFn,
    *,
    units: UnitTree | None = None,
    policy: WorkflowPolicy | None = None,
    issues: st.SearchStrategy[Issue] | None = None,
    max_steps: int = 20,
    timezones: Zones = SHANGHAI,
) -> IssueHistory:
    """Issues with histories the workflow accepts: up to ``max_steps`` steps each.

    The issue is drawn from ``issues`` (:func:`new_issues` received at a unit of the
    tree, from 2025 on, unless told); its units come from ``units`` (a drawn
    :func:`unit_trees` of 3 to 6 units unless told, or the policy's tree). Steps
    are checked under ``policy`` (the default policy, or one that knows the tree
    when ``units`` is given) and fall in order, minutes to days apart, shown in one
    of ``timezones``."""
    tree = units if units is not None else None if policy is None else policy.units
    if tree is None:
        tree = draw(unit_trees(min_size=3, max_size=6))
    rules = policy or (WorkflowPolicy(units=units) if units is not None else DEFAULT_POLICY)
    ids = [unit.id for unit in tree]
    if issues is None:
        issues = new_issues(
            received_at=moments(after=HISTORY_START, timezones=timezones),
            received_by=st.sampled_from(ids),
            timezones=timezones,
        )
    issue = draw(issues)
    cast = _Cast(tree, issue.received_by)
    receiver = draw(st.sampled_from((cast.clerk, cast.dispatcher)))
    ledger = Ledger(policy=rules)
    ledger.receive(issue, actor=receiver)
    steps: list[Command] = []
    statuses: list[IssueStatus] = []
    at = issue.received_at
    for _ in range(draw(st.integers(0, max_steps))):
        current = ledger.issue(issue.id)
        if not allowed_events(current.status):
            break
        at = at.add(**draw(st.sampled_from(GAPS)))
        for _attempt in range(ATTEMPTS):
            step = _plan(draw, current, at, cast, timezones)
            try:
                status = ledger.apply(
                    issue.id, step.event, actor=step.actor, at=step.at, note=step.note, **step.args
                )
            except BanshishiError:
                continue
            steps.append(step)
            statuses.append(status)
            break
        else:
            break
    return IssueHistory(
        issue=issue, receiver=receiver, steps=tuple(steps), statuses=tuple(statuses), policy=rules
    )
