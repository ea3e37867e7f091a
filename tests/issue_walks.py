"""Random walks of steps through both issue engines, and the cast that takes them.

One generator plans the next step for an issue as it stands (usually one its status
allows, by someone plausible, with arguments that mostly fit), driven by Hypothesis
(``HypothesisDraw``, which shrinks) or by a seeded Random (``RandomDraw``).
``drive`` takes a walk through IssueWorkflow (the machine) and Ledger (the bulk
engine) together and checks after every step that they agree. The engine tests and
the store tests walk with it.
"""

import random
from collections.abc import Callable, Iterator, Sequence
from typing import Any, Protocol, TypeVar

import attrs
import pendulum
from hypothesis import event as note_event
from hypothesis import strategies as st
from pendulum import DateTime

import cast
from banshishi import (
    Actor,
    AppealGrounds,
    BanshishiError,
    DismissalReason,
    Evaluation,
    ExclusionGrounds,
    Feedback,
    FeedbackMethod,
    FixedClock,
    Issue,
    IssueStatus,
    IssueWorkflow,
    Ledger,
    Level,
    Milestone,
    Person,
    RaterKind,
    Rating,
    RequestType,
    Role,
    Track,
    Unit,
    UnitTree,
    VisitOutcome,
    WorkflowPolicy,
)
from banshishi._model.dispatch import open_chain
from banshishi._workflow.issue_arguments import EVENT_ARGUMENTS
from banshishi._workflow.issue_workflow import allowed_events
from banshishi._workflow.policy import DEFAULT_POLICY
from cast import DESK_CLERK as CLERK
from cast import T0

S = IssueStatus
ISSUE_ID = "i-1"
EVENTS = tuple(EVENT_ARGUMENTS)
STATES = frozenset(IssueStatus(state.value) for state in IssueWorkflow.states)


# -- the cast ------------------------------------------------------------------------------

UNITS = ("u1", "u2", "u3", "centre")
"""Units that handle issues; "centre" is the unit that receives them."""
SUPERVISING_UNITS = ("up", "up", "u3", "elsewhere")
"""Mostly "up", the parent of every handling unit in TREE; the others are wrong."""
MILESTONE_NAMES = ("选址", "施工", "验收")

REQUESTER = Person(id="p1", name="张三")
DISPATCHER = Actor(id="disp", role=Role.DISPATCHER)
HANDLERS = {unit: Actor(id=f"h-{unit}", role=Role.HANDLER, unit=unit) for unit in UNITS}
SUPERVISOR = Actor(id="sup", role=Role.SUPERVISOR, unit="up")  # the one steps may name
OTHER_SUPERVISOR = Actor(id="sup-2", role=Role.SUPERVISOR, unit="up")  # never named
FAR_SUPERVISOR = Actor(id="sup-3", role=Role.SUPERVISOR, unit="elsewhere")
THE_REQUESTER = Actor(id=REQUESTER.id, role=Role.REQUESTER)
STRANGER = Actor(id="p2", role=Role.REQUESTER)
REVIEWER = Actor(id="rev", role=Role.REVIEWER)
PLATFORM = Actor(id="platform", role=Role.SYSTEM)
LEADER = Actor(id="lead", role=Role.LEADER, unit="up")
DEPUTY = Actor(id="deputy", role=Role.RATER)  # rates matters they did not raise
ACTORS = (
    DISPATCHER,
    *HANDLERS.values(),
    SUPERVISOR,
    OTHER_SUPERVISOR,
    FAR_SUPERVISOR,
    THE_REQUESTER,
    STRANGER,
    REVIEWER,
    PLATFORM,
    LEADER,
    CLERK,
    DEPUTY,
)
RECEIVERS = frozenset(
    {Role.REQUESTER, Role.INTAKE_CLERK, Role.DISPATCHER, Role.HANDLER, Role.SYSTEM}
)

TREE = UnitTree(
    [
        Unit(id="up", name="县政府", level=Level.COUNTY),
        *(Unit(id=unit, name=unit, level=Level.TOWNSHIP, parent="up") for unit in UNITS),
    ]
)
POLICIES = (
    DEFAULT_POLICY,
    WorkflowPolicy(units=TREE),
    WorkflowPolicy(
        self_sign_tracks=frozenset(Track),
        time_limits={track: pendulum.duration(days=3) for track in Track},
        close_on_satisfied_rating=False,
        evaluation_window=pendulum.duration(days=2),
        rater_kinds=frozenset(RaterKind),
        rectification_limit=pendulum.duration(days=10),
    ),
    WorkflowPolicy(
        self_sign_tracks=frozenset({Track.IMMEDIATE, Track.JOINT}),
        time_limits={
            Track.IMMEDIATE: "2 working hours",
            Track.JOINT: "15 working days",
            Track.SUPERVISED: "5个工作日",
        },
        evaluation_window="3 working days",
        rater_kinds=frozenset({RaterKind.REQUESTER, RaterKind.DEPUTY, RaterKind.PARTY_MEMBER}),
        rectification_limit="15 working days",
    ),
    WorkflowPolicy(  # limits by request type (诉求类型), Guangdong's, emergencies in hours
        time_limits={Track.IMMEDIATE: "1 working day", Track.JOINT: "15 working days"},
        type_limits={
            RequestType.CONSULTATION: "2 working days",
            RequestType.HELP: "10 working days",
            RequestType.SUGGESTION: "10 working days",
            RequestType.COMPLAINT: "15 working days",
            RequestType.REPORT: "15 working days",
            (RequestType.HELP, Track.IMMEDIATE): pendulum.duration(hours=2),
            (RequestType.COMPLAINT, Track.IMMEDIATE): "24 working hours",
        },
    ),
)


def new_issue(
    issue_id: str = ISSUE_ID,
    *,
    track: Track = Track.IMMEDIATE,
    anonymous: bool = False,
    received_by: str | None = "centre",
    received_at: DateTime = T0,
    request_type: RequestType | None = None,
) -> Issue:
    """A freshly received issue, as intake leaves it."""
    return cast.new_issue(
        issue_id,
        received_at=received_at,
        track=track,
        request_type=request_type,
        requester=None if anonymous else REQUESTER,
        received_by=received_by,
    )


def without_history(issue: Issue) -> dict[str, Any]:
    record = issue.as_record()
    del record["history"]
    return record


# -- choosing: one generator, driven by Hypothesis or by a seeded Random -------------------

T = TypeVar("T")


class Draw(Protocol):
    def choice(self, options: Sequence[T]) -> T: ...

    def chance(self, percent: int) -> bool: ...

    def integer(self, low: int, high: int) -> int: ...


class HypothesisDraw:
    """Choices drawn from Hypothesis; each shrinks towards its first option or False."""

    def __init__(self, data: st.DataObject) -> None:
        self.data = data

    def choice(self, options: Sequence[T]) -> T:
        return self.data.draw(st.sampled_from(options))

    def chance(self, percent: int) -> bool:
        return self.data.draw(st.integers(0, 99)) >= 100 - percent

    def integer(self, low: int, high: int) -> int:
        return self.data.draw(st.integers(low, high))


class RandomDraw:
    """Choices from a seeded Random, for deterministic walks."""

    def __init__(self, seed: int) -> None:
        self.random = random.Random(seed)

    def choice(self, options: Sequence[T]) -> T:
        return self.random.choice(options)

    def chance(self, percent: int) -> bool:
        return self.random.randrange(100) < percent

    def integer(self, low: int, high: int) -> int:
        return self.random.randint(low, high)


@attrs.frozen
class Call:
    """One request, to be made of both engines."""

    event: str
    actor: Actor
    at: DateTime
    note: str
    args: dict[str, Any]
    dated: bool = True  # False: leave ``at`` out, so the engine's clock dates the step


ORIGINAL = "i-0"
"""The open issue a walk's duplicates name: a ledger holds it, never moved."""


def walk_ledger(policy: WorkflowPolicy, clock: FixedClock) -> Ledger:
    """A ledger for a walk beside the machine: with ``ORIGINAL`` open on it, so that
    a duplicate naming it is accepted there as on the machine (which sees one
    record, see docs/workflow.md)."""
    ledger = Ledger(policy=policy, clock=clock)
    ledger.receive(new_issue(ORIGINAL), actor=CLERK)
    return ledger


@attrs.frozen
class Intake:
    track: Track
    anonymous: bool
    received_by: str | None
    request_type: RequestType | None = None

    def issue(self, issue_id: str = ISSUE_ID, received_at: DateTime = T0) -> Issue:
        return new_issue(
            issue_id,
            track=self.track,
            anonymous=self.anonymous,
            received_by=self.received_by,
            received_at=received_at,
            request_type=self.request_type,
        )


def draw_intake(draw: Draw) -> Intake:
    return Intake(
        track=draw.choice(list(Track)),
        anonymous=draw.chance(15),
        received_by=draw.choice(("centre", "centre", "u1", None)),
        request_type=draw.choice((None, None, *RequestType)),
    )


def forward_events(issue: Issue) -> list[str]:
    """The steps that take ``issue`` on towards closure, so that many walks get there."""
    status, track = issue.status, issue.track
    if status is S.RECEIVED:
        return ["transfer", "sign_for"]
    if status is S.RETURNED:
        return ["transfer"]
    if status is S.TRANSFERRED:
        return ["sign_for"]
    if status is S.IN_PROGRESS:
        if open_chain(issue.dispatches):  # 二级/三级承办: the chain unwinds first
            return ["report_up", "report_up", "hand_back", "dispatch"]
        if track is Track.JOINT and set(issue.co_units) - set(issue.parts_reported):
            return ["report_part"]
        if track is Track.SUPERVISED and issue.signed_off_by is None:
            return ["sign_off"]
        if track is Track.TRACKED and not issue.milestones:
            return ["add_milestones"]
        if track is Track.TRACKED and not all(m.is_done for m in issue.milestones):
            return ["complete_milestone"]
        return ["resolve", "resolve", "dispatch"]
    if status is S.RESOLVED:
        return ["answer"]
    if status is S.ANSWERED:
        return ["rate", "rate", "close"]
    return allowed_events(status)  # closed: rate, redo, visits, …; dismissed: none


def appeal_events(issue: Issue, *, detour: IssueStatus | None) -> list[str]:
    """The appeal steps ``issue`` is ready for: deciding a pending appeal, or
    appealing a rating not yet appealed that is not satisfied.

    A walk with a ``detour`` (已退回 or 已转办) first takes an item with an appeal
    pending there, sending it back (and transferring it again), so that appeals
    are decided in every status the class allows, not only where they are filed
    (where a unit is responsible for the item)."""
    # A request for exclusion from the assessment is decided where appeals are.
    deciding = ["approve_exclusion", "reject_exclusion"]
    if not any(asked.is_pending for asked in issue.exclusions):
        deciding = []
    if any(appeal.is_pending for appeal in issue.appeals):
        events = ["void_rating", "reject_appeal", *deciding]
    else:
        appealed = {appeal.rating for appeal in issue.appeals}
        open_to_appeal = [
            index
            for index, given in enumerate(issue.evaluations)
            if index not in appealed
            and not given.rating.counts_as_satisfied(basically_satisfied=False)
        ]
        if not deciding:
            return ["appeal"] if open_to_appeal else []
        events = deciding + (["appeal"] if open_to_appeal else [])
    if detour is not None and issue.status is S.IN_PROGRESS:
        return ["send_back"]
    if detour is S.TRANSFERRED and issue.status is S.RETURNED:
        return ["transfer"]
    return events


def preferred_actors(event: str, issue: Issue) -> list[Actor]:
    """Who would plausibly take ``event`` on ``issue``: right more often than not."""
    responsible = [HANDLERS[issue.responsible_unit]] if issue.responsible_unit in HANDLERS else []
    if event == "transfer":
        return [DISPATCHER]
    if event == "sign_for":
        receiving = [HANDLERS[issue.received_by]] if issue.received_by in HANDLERS else []
        return responsible if issue.status is not S.RECEIVED else receiving
    if event in ("send_back", "resolve", "complete_milestone"):
        return responsible
    if event == "report_part":
        due = [unit for unit in issue.co_units if unit not in issue.parts_reported]
        return [HANDLERS[unit] for unit in due or issue.co_units if unit in HANDLERS]
    if event == "sign_off":
        return [SUPERVISOR, OTHER_SUPERVISOR]
    if event in ("urge", "escalate"):
        return [DISPATCHER, SUPERVISOR, LEADER, PLATFORM]
    if event == "restate_deadline":
        return [PLATFORM, PLATFORM, DISPATCHER]
    if event == "extend":
        return [DISPATCHER, SUPERVISOR, LEADER]
    if event == "change_track":
        return [DISPATCHER, LEADER]
    if event == "dismiss":
        return [DISPATCHER, CLERK, THE_REQUESTER]
    if event == "add_milestones":
        return [*responsible, DISPATCHER]
    if event == "answer":
        return [*responsible, DISPATCHER, CLERK]
    if event == "rate":
        return [THE_REQUESTER, THE_REQUESTER, REVIEWER, DEPUTY, STRANGER]
    if event == "close":
        return [REVIEWER, REVIEWER, DISPATCHER, PLATFORM]
    if event == "appeal":
        return [*responsible, *responsible, HANDLERS["u3"]]
    if event in ("void_rating", "reject_appeal"):
        return [REVIEWER, REVIEWER, DISPATCHER]
    if event == "schedule_visit":
        return [DISPATCHER, REVIEWER, CLERK, PLATFORM]
    if event == "revisit":
        return [REVIEWER, CLERK, DISPATCHER, PLATFORM]
    if event == "request_exclusion":
        return [*responsible, DISPATCHER, REVIEWER]
    if event in ("approve_exclusion", "reject_exclusion"):
        return [REVIEWER, REVIEWER, DISPATCHER]
    if event in ("mark_confidential", "unmark_confidential"):
        return [DISPATCHER, CLERK, LEADER, *responsible]
    if event in ("dispatch", "report_up", "hand_back"):
        chain = [issue.responsible_unit, *(d.unit for d in open_chain(issue.dispatches))]
        return [HANDLERS[unit] for unit in chain[-1:] if unit in HANDLERS] * 3 + responsible
    assert event == "redo", event
    return [DISPATCHER, REVIEWER, SUPERVISOR]


def deadline_arg(draw: Draw, args: dict[str, Any], at: DateTime, *, usually: bool) -> None:
    kind = "after" if draw.chance(80) else draw.choice(("missing", "none", "before", "same"))
    if kind == "after" and (usually or draw.chance(50)):
        args["deadline"] = at.add(days=draw.choice((1, 5, 30)))
    elif kind == "none":
        args["deadline"] = None
    elif kind == "before":
        args["deadline"] = at.subtract(hours=1)
    elif kind == "same":
        args["deadline"] = at


def co_units_arg(draw: Draw, lead: str | None) -> tuple[str, ...]:
    kind = draw.choice(("others", "others", "others", "one", "with_lead", "empty", "repeated"))
    others = tuple(unit for unit in UNITS if unit != lead)
    if kind == "others":
        return others[: draw.choice((1, 2))]
    if kind == "one":
        return (draw.choice(UNITS),)
    if kind == "with_lead":
        return (*others[:1], lead or "u1")
    if kind == "empty":
        return ()
    return (others[0], others[0])


def milestones_arg(draw: Draw, at: DateTime) -> tuple[Milestone, ...]:
    count = draw.choice((1, 1, 2, 0))
    return tuple(
        Milestone(
            name=draw.choice(MILESTONE_NAMES),
            weight=draw.choice((1, 3)),
            due=draw.choice((None, at.add(days=10))),
            done_at=at if draw.chance(10) else None,
        )
        for _ in range(count)
    )


def track_args(draw: Draw, args: dict[str, Any], track: Track, lead: str | None) -> None:
    """What ``track`` needs (co-units, a supervising unit), usually given, sometimes not."""
    if (track is Track.JOINT and draw.chance(85)) or draw.chance(10):
        args["co_units"] = co_units_arg(draw, lead)
    if (track is Track.SUPERVISED and draw.chance(85)) or draw.chance(10):
        args["supervising_unit"] = draw.choice(SUPERVISING_UNITS)
    if draw.chance(30):
        args["supervisor"] = draw.choice(("sup", "sup", "sup-2"))


def plan_args(draw: Draw, event: str, issue: Issue, actor: Actor, at: DateTime) -> dict[str, Any]:
    args: dict[str, Any] = {}
    if event == "transfer":
        if draw.chance(95):
            args["unit"] = draw.choice(UNITS)
        if draw.chance(20):
            args["person"] = "wang"
        if draw.chance(20):
            args["requirements"] = "限期整改"
        deadline_arg(draw, args, at, usually=issue.track is not Track.IMMEDIATE)
        track_args(draw, args, issue.track, args.get("unit"))
        if (issue.track is Track.TRACKED and draw.chance(60)) or draw.chance(5):
            args["milestones"] = milestones_arg(draw, at)
    elif event == "sign_for":
        if draw.chance(20):
            args["person"] = "li"
        deadline_arg(draw, args, at, usually=False)
    elif event == "dismiss":
        if draw.chance(95):
            args["reason"] = draw.choice(list(DismissalReason))
        original = draw.choice((ORIGINAL, ORIGINAL, None, issue.id))
        if original is not None and (
            args.get("reason") is DismissalReason.DUPLICATE or draw.chance(20)
        ):
            args["original"] = original
    elif event == "escalate":
        if draw.chance(95):
            args["supervising_unit"] = draw.choice(SUPERVISING_UNITS)
        if draw.chance(40):
            args["supervisor"] = draw.choice(("sup", "sup-2"))
    elif event == "change_track":
        if draw.chance(97):
            others = [track for track in Track if track is not issue.track]
            args["track"] = draw.choice(others) if draw.chance(90) else issue.track
        track_args(draw, args, args.get("track", issue.track), issue.responsible_unit)
    elif event == "add_milestones":
        if draw.chance(97):
            args["milestones"] = milestones_arg(draw, at)
    elif event == "complete_milestone":
        undone = [milestone.name for milestone in issue.milestones if not milestone.is_done]
        names = undone or [milestone.name for milestone in issue.milestones]
        if draw.chance(97):
            args["milestone"] = draw.choice(names) if names and draw.chance(85) else "不存在"
    elif event == "answer" and draw.chance(97):
        moment = draw.choice(("before", "before", "at", "after", "before_receipt"))
        args["feedback"] = Feedback(
            at={
                "before": max(issue.received_at, at.subtract(hours=1)),
                "at": at,
                "after": at.add(minutes=5),
                "before_receipt": issue.received_at.subtract(minutes=1),
            }[moment],
            content="已修复",
            method=draw.choice(list(FeedbackMethod)),
            unit=issue.responsible_unit,
        )
    elif event == "rate":
        if draw.chance(97):
            rater_kind = RaterKind.REQUESTER
            if actor.role is not Role.REQUESTER and draw.chance(40):
                rater_kind = draw.choice(list(RaterKind))
            args["evaluation"] = Evaluation(
                issue_id=issue.id if draw.chance(90) else "i-0",
                rating=draw.choice(list(Rating)),
                resolved=draw.chance(50),
                at=at
                if draw.chance(85)
                else draw.choice((at.add(minutes=5), issue.received_at.subtract(minutes=1))),
                round=issue.round if draw.chance(90) else draw.choice((issue.round + 1, 1)),
                rater_kind=rater_kind,
                rater=draw.choice((None, None, actor.id, actor.id, "someone-else")),
            )
        if draw.chance(25):  # the rectification deadline of a bad rating (or a stray one)
            deadline_arg(draw, args, at, usually=True)
    elif event == "redo":
        deadline_arg(draw, args, at, usually=False)
    elif event == "appeal":
        if draw.chance(95):
            args["grounds"] = draw.choice(list(AppealGrounds))
        if draw.chance(30):
            args["round"] = draw.choice((issue.round, max(issue.round - 1, 1), 1, issue.round + 1))
    elif event == "schedule_visit" and draw.chance(95):
        args["due"] = draw.choice((at.add(days=3), at.add(days=3), at.add(days=1), at))
    elif event == "revisit":
        if draw.chance(95):
            args["outcome"] = draw.choice(list(VisitOutcome))
        for name in ("contacted", "satisfied"):
            if draw.chance(40):
                args[name] = draw.choice((True, False))
        if draw.chance(25):
            deadline_arg(draw, args, at, usually=True)
    elif event == "urge" and draw.chance(50):
        args["level"] = draw.choice(("due_soon", "overdue", "not-a-level"))
    elif event == "extend":
        if draw.chance(50):
            args["extension"] = draw.choice(("2 working days", "4 working hours", "3 days"))
        if draw.chance(40):
            if issue.deadline is not None and draw.chance(80):
                args["deadline"] = issue.deadline.add(days=draw.choice((-1, 2, 10)))
            else:
                deadline_arg(draw, args, at, usually=True)
    elif event == "restate_deadline":
        restate_args(draw, args, issue, at)
    elif event == "request_exclusion" and draw.chance(95):
        args["exclusion_grounds"] = draw.choice((*ExclusionGrounds, "not-grounds"))
    elif event == "dispatch":
        dispatch_args(draw, args, issue, at)
    elif event == "report_up" and draw.chance(95):
        args["answer"] = draw.choice(("已办结上报", "已办结上报", " "))
    if draw.chance(3):  # an argument the step does not take
        args["milestone" if event == "dismiss" else "original"] = "x"
    return args


def dispatch_args(draw: Draw, args: dict[str, Any], issue: Issue, at: DateTime) -> None:
    """下派: usually a unit and a due moment within the deadline above, sometimes later."""
    chain = open_chain(issue.dispatches)
    holders = {issue.responsible_unit, *(d.unit for d in chain)}
    if draw.chance(95):
        args["unit"] = draw.choice([u for u in (*UNITS, "elsewhere") if u not in holders])
    above = chain[-1].deadline if chain else issue.deadline
    if draw.chance(95):
        above = above or at.add(days=5)
        args["due"] = draw.choice(
            (at.add(hours=1), above, above.subtract(hours=1), above.add(days=1))
        )
    if draw.chance(20):
        args["requirements"] = "核实后上报"


def restate_args(draw: Draw, args: dict[str, Any], issue: Issue, at: DateTime) -> None:
    """重算时限: usually the deadline in force as ``previous`` and a new one (earlier
    or later, even before the step: the official schedule decides), sometimes
    marked provisional with or without the limit it needs."""
    if draw.chance(90):
        current = issue.deadline
        args["previous"] = current if current is not None and draw.chance(90) else at
    if draw.chance(95):
        base = issue.deadline or at
        args["deadline"] = base.add(days=draw.choice((-1, 1, 2)))
    if draw.chance(20):
        args["provisional"] = True
        if draw.chance(80):
            args["limit"] = draw.choice(("5 working days", "2 working hours"))


SIDE_STEPS = frozenset(
    {
        "request_exclusion",
        "approve_exclusion",
        "reject_exclusion",
        "mark_confidential",
        "unmark_confidential",
    }
)
"""Steps beside the loop: rarer in walks, so the loop's own steps are all reached."""

GAPS = ({"minutes": 1}, {"hours": 3}, {"days": 1}, {"days": 8})
ZONES = ("Asia/Shanghai", "Asia/Shanghai", "UTC", "America/New_York")


def plan_step(draw: Draw, issue: Issue, at: DateTime, *, detour: IssueStatus | None = None) -> Call:
    """The next request: usually an event the status allows, by someone plausible."""
    allowed = allowed_events(issue.status)
    going_on = [event for event in allowed if event != "dismiss"]  # or most walks end there
    side = [event for event in going_on if event in SIDE_STEPS]
    going_on = [event for event in going_on if event not in SIDE_STEPS] or going_on
    forward = forward_events(issue)
    appeals = appeal_events(issue, detour=detour)
    if draw.chance(4):
        event = "dismiss"
    elif appeals and draw.chance(40):
        event = draw.choice(appeals)
    elif forward and draw.chance(40):
        event = draw.choice(forward)
    elif side and draw.chance(25):  # the side steps, less often than the loop's own
        event = draw.choice(side)
    elif going_on and draw.chance(90):
        event = draw.choice(going_on)
    else:
        event = draw.choice(EVENTS)
    preferred = preferred_actors(event, issue)
    actor = draw.choice(preferred) if preferred and draw.chance(75) else draw.choice(ACTORS)
    if draw.chance(5):  # a moment before the latest one on the record
        last = issue.history[-1].at if issue.history else issue.received_at
        at = last.subtract(minutes=1)
    at = at.in_timezone(draw.choice(ZONES))
    wants_note = event in (
        "send_back",
        "dismiss",
        "escalate",
        "change_track",
        "redo",
        "close",
        "extend",
        "appeal",
        "void_rating",
        "reject_appeal",
        "request_exclusion",
        "approve_exclusion",
        "reject_exclusion",
        "mark_confidential",
        "unmark_confidential",
        "hand_back",
    )
    if wants_note and draw.chance(90):
        note = "核实情况，说明理由"
    else:
        note = draw.choice(("", "", " ", "已处理"))
    args = plan_args(draw, event, issue, actor, at)
    return Call(event, actor, at, note, args, dated=not draw.chance(5))


# -- driving the engines -------------------------------------------------------------------

Outcome = tuple[Any, ...]


def attempt(step: Callable[[], object]) -> Outcome:
    """What a step did: accepted, or refused with which kind of error about which field."""
    try:
        step()
    except BanshishiError as error:
        return ("refused", type(error), error.field)
    return ("accepted",)


def on_machine(workflow: IssueWorkflow, clock: FixedClock, call: Call) -> Outcome:
    clock.set(call.at)
    moment = {"at": call.at} if call.dated else {}
    step = getattr(workflow, call.event)
    return attempt(lambda: step(actor=call.actor, note=call.note, **moment, **call.args))


def on_ledger(ledger: Ledger, clock: FixedClock, issue_id: str, call: Call) -> Outcome:
    clock.set(call.at)
    moment = {"at": call.at} if call.dated else {}
    return attempt(
        lambda: ledger.apply(
            issue_id, call.event, actor=call.actor, note=call.note, **moment, **call.args
        )
    )


@attrs.define
class Run:
    """A sequence driven through both engines; ``start`` is the issue before it."""

    intake: Intake
    policy: WorkflowPolicy
    issue: Issue
    ledger: Ledger
    calls: list[tuple[Call, Outcome]] = attrs.Factory(list)

    @property
    def start(self) -> Issue:
        return self.intake.issue()


def assert_same_issue(ledger: Ledger, issue: Issue, issue_id: str = ISSUE_ID) -> None:
    """The ledger's issue is the machine's one, its history led by the receive event."""
    kept = ledger.issue(issue_id)
    assert without_history(kept) == without_history(issue)
    assert kept.history[0].name == "receive"
    assert len(kept.history) == len(issue.history) + 1
    for index, (theirs, ours) in enumerate(zip(kept.history[1:], issue.history, strict=True)):
        assert theirs == ours, (index, theirs, ours)


def drive(draw: Draw, *, most: int = 60, stop: bool = True) -> Run:
    """Drive one random sequence through both engines, checking them after every step.

    It takes ``most`` steps, or (when ``stop``) a number drawn up to ``most``, which
    Hypothesis shrinks; it ends early on dismissal, after which nothing is allowed."""
    intake = draw_intake(draw)
    policy = draw.choice(POLICIES)
    detour = draw.choice((None, S.RETURNED, S.RETURNED, S.TRANSFERRED))
    machine_clock, ledger_clock = FixedClock(T0), FixedClock(T0)
    issue = intake.issue()
    workflow = IssueWorkflow(issue, policy=policy, clock=machine_clock)
    ledger = walk_ledger(policy, ledger_clock)
    ledger.receive(intake.issue(), actor=CLERK)
    run = Run(intake, policy, issue, ledger)
    at = T0
    for _ in range(draw.integer(1, most) if stop else most):
        if issue.status is S.DISMISSED:
            break
        at = at.add(**draw.choice(GAPS))
        call = plan_step(draw, issue, at, detour=detour)
        before = without_history(issue), issue.history
        expected = on_machine(workflow, machine_clock, call)
        got = on_ledger(ledger, ledger_clock, ISSUE_ID, call)
        assert got == expected, (call, expected, got)
        if expected[0] == "refused":
            assert (without_history(issue), issue.history) == before, "a refusal changed the issue"
        assert ledger.status(ISSUE_ID) is issue.status
        assert IssueStatus(workflow.current_state_value) is issue.status
        assert_same_issue(ledger, issue)
        run.calls.append((call, expected))
    return run


def accepted(run: Run) -> int:
    return sum(outcome[0] == "accepted" for _, outcome in run.calls)


def label(run: Run) -> None:
    """Let Hypothesis report how deep the sequences go (--hypothesis-show-statistics)."""
    reached = {event.to_status for event in run.issue.history}
    for status in sorted(reached, key=list(IssueStatus).index):
        note_event(f"reached {status.value}")
    note_event(f"track {run.intake.track.value}")
    note_event(f"{min(accepted(run) // 10 * 10, 30)}+ steps accepted")


FEEDBACK = Feedback(at=T0.add(days=3), content="已修复", method=FeedbackMethod.PHONE)


def scripted_loop(track: Track) -> Iterator[tuple[str, Actor, dict[str, Any], str, IssueStatus]]:
    """A full 闭环 on ``track``: transfer, the track's own steps, answer, a bad rating
    (which sends it back for 整改), an appeal the reviewer rejects, answer again, a
    follow-up visit scheduled and made, an ordered redo (核查整改), answer a third
    time, and closure once the evaluation window has passed."""
    if track is Track.IMMEDIATE:
        yield "sign_for", HANDLERS["centre"], {}, "", S.IN_PROGRESS
        yield "send_back", HANDLERS["centre"], {}, "不属于本单位", S.RETURNED
    lead = HANDLERS["u1"]
    transfer: dict[str, Any] = {"unit": "u1", "deadline": T0.add(days=10)}
    if track is Track.JOINT:
        transfer["co_units"] = ("u2", "u3")
    if track is Track.TRACKED:
        transfer["milestones"] = (Milestone(name="选址"),)
    if track is Track.SUPERVISED:  # a 督办 item is transferred with its supervisor
        transfer |= {"supervising_unit": "up", "supervisor": "boss"}
    yield "transfer", DISPATCHER, transfer, "", S.TRANSFERRED
    yield "urge", PLATFORM, {}, "", S.TRANSFERRED
    if track is Track.SUPERVISED:
        yield "change_track", DISPATCHER, {"track": Track.IMMEDIATE}, "降级", S.TRANSFERRED
        yield (
            "escalate",
            DISPATCHER,
            {"supervising_unit": "up", "supervisor": "sup"},
            "再督",
            S.TRANSFERRED,
        )
    yield "sign_for", lead, {"person": "wang"}, "", S.IN_PROGRESS
    for handling in (1, 2, 3):
        if track is Track.JOINT:
            yield "report_part", HANDLERS["u2"], {}, "", S.IN_PROGRESS
            yield "report_part", HANDLERS["u3"], {}, "", S.IN_PROGRESS
        if track is Track.SUPERVISED:
            yield "sign_off", SUPERVISOR, {}, "", S.IN_PROGRESS
        if track is Track.TRACKED:
            if handling == 1:
                yield "complete_milestone", lead, {"milestone": "选址"}, "", S.IN_PROGRESS
            yield (
                "add_milestones",
                DISPATCHER,
                {"milestones": (Milestone(name=f"验收{handling}"),)},
                "",
                S.IN_PROGRESS,
            )
            yield "complete_milestone", lead, {"milestone": f"验收{handling}"}, "", S.IN_PROGRESS
        yield "resolve", lead, {}, "", S.RESOLVED
        yield "answer", lead, {"feedback": FEEDBACK}, "", S.ANSWERED
        if handling == 1:
            bad = Evaluation(
                issue_id=ISSUE_ID, rating=Rating.DISSATISFIED, resolved=False, at=FEEDBACK.at
            )
            yield "rate", THE_REQUESTER, {"evaluation": bad}, "", S.IN_PROGRESS
            grounds = {"grounds": AppealGrounds.MISTAKEN}
            yield "appeal", lead, grounds, "评价人误评", S.IN_PROGRESS
            yield "reject_appeal", REVIEWER, {}, "评价属实", S.IN_PROGRESS
        if handling == 2:
            yield "schedule_visit", CLERK, {"due": T0.add(days=30)}, "", S.ANSWERED
            yield "revisit", REVIEWER, {"outcome": VisitOutcome.RESOLVED}, "", S.ANSWERED
            yield "redo", REVIEWER, {}, "核查发现仍有问题", S.IN_PROGRESS
    yield "close", PLATFORM, {}, "", S.CLOSED  # eight days on: the evaluation window has passed
