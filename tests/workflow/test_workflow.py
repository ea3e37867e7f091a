"""The workflow machine (IssueWorkflow): the four tracks, who may take each step,
refusals that change nothing, the closing rules, and binding a user's own record.

Each test drives one of the domain brief's example issues (shared bikes, herders'
loans, senior bus cards, drivers' rest stations) with a FixedClock in
Asia/Shanghai, and checks what the steps did to the issue.
"""

import dataclasses
import datetime as dt
import itertools
import json
from collections import deque
from collections.abc import Callable
from functools import partial
from types import SimpleNamespace
from typing import Any

import pendulum
import pytest
from pendulum import DateTime

from banshishi import (
    Actor,
    Channel,
    ChronologyError,
    DismissalReason,
    Evaluation,
    Event,
    Feedback,
    FeedbackMethod,
    FixedClock,
    InconsistentRecordError,
    InvalidTypeError,
    InvalidValueError,
    Issue,
    IssueStatus,
    IssueWorkflow,
    Level,
    Milestone,
    NaiveDatetimeError,
    Person,
    PreconditionError,
    Rate,
    RaterKind,
    Rating,
    Role,
    RoleError,
    SystemClock,
    Track,
    TransitionRefusedError,
    Unit,
    UnitTree,
    Urgency,
    WorkflowError,
    WorkflowPolicy,
    parse_instant,
)
from banshishi._model.event import thaw_data
from banshishi._workflow.step import EVENT_ARGUMENTS
from banshishi._workflow.transition_table import RULES

S = IssueStatus

T0 = pendulum.datetime(2026, 3, 2, 9, tz="Asia/Shanghai")  # a Monday morning
DUE = pendulum.datetime(2026, 3, 12, 18, tz="Asia/Shanghai")  # ten days on, end of the day

CENTRE = "city-12345"  # the hotline centre that takes issues in (received_by)
LEAD = "county-transport"  # the usual responsible unit
OTHER = "county-water"  # a unit with nothing to do with the issue
CO_UNITS = ("county-finance", "agri-bank")  # the co-units of a 共办 item
SUPERVISING = "county"  # the unit one level above LEAD

UNITS = UnitTree(
    [
        Unit(id="city", name="某市", level=Level.CITY),
        Unit(id=CENTRE, name="市12345热线", level=Level.CITY, parent="city"),
        Unit(id=SUPERVISING, name="某旗", level=Level.COUNTY, parent="city"),
        Unit(id=LEAD, name="旗交通运输局", level=Level.COUNTY, parent=SUPERVISING),
        Unit(id=OTHER, name="旗水务局", level=Level.COUNTY, parent=SUPERVISING),
        Unit(id="county-finance", name="旗财政局", level=Level.COUNTY, parent=SUPERVISING),
        Unit(id="agri-bank", name="旗农商银行", level=Level.COUNTY, parent=SUPERVISING),
    ]
)

DISPATCHER = Actor(id="wang.dispatch", role=Role.DISPATCHER, unit=CENTRE)
INTAKE_CLERK = Actor(id="zhao.intake", role=Role.INTAKE_CLERK, unit=CENTRE)
LEADER = Actor(id="liu.leader", role=Role.LEADER, unit=SUPERVISING)
REVIEWER = Actor(id="chen.review", role=Role.REVIEWER)
PLATFORM = Actor(id="platform", role=Role.SYSTEM)
SUPERVISOR = Actor(id="sun.supervise", role=Role.SUPERVISOR, unit=SUPERVISING)
ZHANG = Person(id="p-zhang", name="张桂兰")
REQUESTER = Actor(id=ZHANG.id, role=Role.REQUESTER)


def handler(unit: str = LEAD) -> Actor:
    return Actor(id=f"{unit}.handler", role=Role.HANDLER, unit=unit)


TITLES = {
    Track.IMMEDIATE: "小区周边共享单车不够用，早高峰借不到车",
    Track.JOINT: "牧民买牛缺资金，贷款难",
    Track.SUPERVISED: "60周岁以上非本地户籍老人办不了老年乘车卡",
    Track.TRACKED: "货车司机缺少休息站和停车场",
}
URGENCY = {
    Track.IMMEDIATE: Urgency.URGENT,
    Track.JOINT: Urgency.DIFFICULT,
    Track.SUPERVISED: Urgency.WORRYING,
    Track.TRACKED: Urgency.LONGED_FOR,
}


@dataclasses.dataclass
class Case:
    """An issue, the workflow bound to it, and the clock the workflow reads."""

    issue: Issue
    workflow: IssueWorkflow
    clock: FixedClock

    def tick(self, **interval: int) -> DateTime:
        """Move the clock on (an hour unless told) and return the new moment."""
        return self.clock.advance(**(interval or {"hours": 1})).now()


def new_case(track: Track = Track.IMMEDIATE, *, policy: WorkflowPolicy | None = None, **fields):
    issue = Issue(
        **{
            "id": "2026-0302-001",
            "title": TITLES[track],
            "channel": Channel.HOTLINE,
            "urgency": URGENCY[track],
            "received_at": T0,
            "received_by": CENTRE,
            "requester": ZHANG,
            **fields,
        }
    )
    clock = FixedClock(T0)
    options = {} if policy is None else {"policy": policy}
    return Case(issue, IssueWorkflow(issue, clock=clock, **options), clock)


# -- steps, with the arguments a well-behaved caller gives ---------------------------------


def transfer_args(track: Track) -> dict[str, Any]:
    args: dict[str, Any] = {"unit": LEAD, "deadline": DUE}
    if track is Track.JOINT:
        args["co_units"] = CO_UNITS
    if track is Track.SUPERVISED:
        args |= {"supervising_unit": SUPERVISING, "supervisor": SUPERVISOR.id}
    return args


def transfer(case: Case, **overrides: Any) -> Event:
    args = {**transfer_args(case.issue.track), **overrides}
    return case.workflow.transfer(actor=DISPATCHER, at=case.tick(), **args)


def do_the_work(case: Case) -> None:
    """What the item's track asks before it may be resolved."""
    workflow, track = case.workflow, case.issue.track
    if track is Track.JOINT:
        for unit in case.issue.co_units:
            workflow.report_part(actor=handler(unit), at=case.tick())
    elif track is Track.SUPERVISED:
        workflow.sign_off(actor=SUPERVISOR, at=case.tick())
    elif track is Track.TRACKED:
        workflow.add_milestones(
            actor=handler(), at=case.tick(), milestones=[Milestone(name="选址")]
        )
        workflow.complete_milestone(actor=handler(), at=case.tick(), milestone="选址")


def answer(case: Case, actor: Actor | None = None) -> Event:
    at = case.tick()
    feedback = Feedback(at=at, content="已办理并电话回访", method=FeedbackMethod.PHONE, unit=LEAD)
    return case.workflow.answer(actor=actor or handler(), at=at, feedback=feedback)


def evaluation(case: Case, rating: Rating, at: DateTime, **fields: Any) -> Evaluation:
    fields = {"rater": ZHANG.id, "round": case.issue.round, **fields}
    resolved = rating.counts_as_satisfied()
    return Evaluation(issue_id=case.issue.id, rating=rating, resolved=resolved, at=at, **fields)


def rate(case: Case, rating: Rating = Rating.SATISFIED, actor: Actor = REQUESTER) -> Event:
    at = case.tick()
    if actor.role is Role.REQUESTER:
        given = evaluation(case, rating, at, rater=actor.id)
    elif actor.role is Role.RATER:
        given = evaluation(case, rating, at, rater=actor.id, rater_kind=RaterKind.DEPUTY)
    else:  # a reviewer records the requester's rating, the only kind allowed by default
        given = evaluation(case, rating, at, rater=None)
    return case.workflow.rate(actor=actor, at=at, evaluation=given)


def reach(status: IssueStatus, track: Track = Track.IMMEDIATE, **options: Any) -> Case:
    """A case on ``track`` driven the ordinary way to ``status``."""
    case = new_case(track, **options)
    workflow = case.workflow
    if status is S.DISMISSED:
        workflow.dismiss(
            actor=DISPATCHER,
            at=case.tick(),
            reason=DismissalReason.INVALID,
            note="测试来电，无内容",
        )
    elif status is not S.RECEIVED:
        transfer(case)
        if status is S.RETURNED:
            workflow.send_back(actor=handler(), at=case.tick(), note="不属于本单位职责")
        elif status is not S.TRANSFERRED:
            workflow.sign_for(actor=handler(), at=case.tick())
            if status is not S.IN_PROGRESS:
                do_the_work(case)
                workflow.resolve(actor=handler(), at=case.tick())
                if status is not S.RESOLVED:
                    answer(case)
                    if status is S.CLOSED:
                        rate(case, Rating.SATISFIED)
    assert case.issue.status is status, "the set-up itself went wrong"
    return case


def rated_badly(track: Track = Track.IMMEDIATE, **options: Any) -> Case:
    """An answered item the requester rated 不满意 (dissatisfied), which sent it
    back to 办理中 for rectification in round 2."""
    case = reach(S.ANSWERED, track, **options)
    rate(case, Rating.DISSATISFIED)
    return case


def tracked_with_milestones() -> Case:
    case = reach(S.IN_PROGRESS, Track.TRACKED)
    case.workflow.add_milestones(
        actor=handler(), at=case.tick(), milestones=[Milestone(name="选址"), Milestone(name="建成")]
    )
    return case


def refused(case: Case, error: type[Exception], call: Callable[[], object]) -> Exception:
    """Run ``call``, which must raise exactly ``error`` and change nothing at all."""
    before = case.issue.as_record()
    with pytest.raises(error) as caught:
        call()
    assert type(caught.value) is error
    assert case.issue.as_record() == before
    assert case.workflow.current_state_value == before["status"]
    return caught.value


def names(case: Case) -> list[str]:
    return [event.name for event in case.issue.history]


# -- 1. the four tracks ----------------------------------------------------------------


def test_immediate_item_is_signed_for_by_the_receiving_unit_without_a_transfer():
    case = new_case(Track.IMMEDIATE)
    at = case.tick()
    event = case.workflow.sign_for(actor=handler(CENTRE), at=at)
    issue = case.issue
    assert (event.from_status, event.to_status) == (S.RECEIVED, S.IN_PROGRESS)
    assert issue.status is S.IN_PROGRESS
    assert issue.responsible_unit == CENTRE
    assert issue.responsible_person == handler(CENTRE).id
    # 即办 has a limit of one working day out of the box: the close of the next
    # working day after the signing (Monday 2026-03-02 -> Tuesday 17:30).
    assert at.date() == dt.date(2026, 3, 2)
    assert issue.deadline == pendulum.datetime(2026, 3, 3, 17, 30, tz="Asia/Shanghai")
    assert issue.deadline == WorkflowPolicy().deadline_for(Track.IMMEDIATE, at)


def test_immediate_item_runs_from_self_sign_to_closure():
    case = new_case(Track.IMMEDIATE)
    workflow = case.workflow
    workflow.sign_for(actor=handler(CENTRE), at=case.tick())
    workflow.resolve(actor=handler(CENTRE), at=case.tick())
    answer(case, actor=handler(CENTRE))
    closing = rate(case, Rating.VERY_SATISFIED)
    assert names(case) == ["sign_for", "resolve", "answer", "rate"]
    assert case.issue.status is S.CLOSED
    assert case.issue.closed_at == closing.at


def test_immediate_self_sign_uses_the_policys_time_limit_or_the_given_deadline():
    policy = WorkflowPolicy(time_limits={Track.IMMEDIATE: dt.timedelta(hours=4)})
    case = new_case(Track.IMMEDIATE, policy=policy)
    at = case.tick()
    case.workflow.sign_for(actor=handler(CENTRE), at=at)
    assert case.issue.deadline == at.add(hours=4)

    given = new_case(Track.IMMEDIATE)
    given.workflow.sign_for(actor=handler(CENTRE), at=given.tick(), deadline=DUE, person="li.si")
    assert (given.issue.deadline, given.issue.responsible_person) == (DUE, "li.si")


@pytest.mark.parametrize("track", [Track.JOINT, Track.SUPERVISED, Track.TRACKED])
def test_only_immediate_items_may_skip_the_transfer(track):
    case = new_case(track)
    error = refused(
        case,
        PreconditionError,
        lambda: case.workflow.sign_for(actor=handler(CENTRE), at=case.tick(), deadline=DUE),
    )
    assert (error.field, error.value) == ("sign_for.track", track)


def test_joint_item_is_resolved_only_once_every_co_unit_reported_its_part():
    case = new_case(Track.JOINT)
    workflow, issue = case.workflow, case.issue
    transfer(case)
    assert (issue.responsible_unit, issue.co_units, issue.deadline) == (LEAD, CO_UNITS, DUE)
    workflow.sign_for(actor=handler(), at=case.tick())

    error = refused(
        case, PreconditionError, lambda: workflow.resolve(actor=handler(), at=case.tick())
    )
    assert error.field == "resolve.parts_reported"
    assert all(unit in str(error) for unit in CO_UNITS)

    workflow.report_part(actor=handler("county-finance"), at=case.tick())
    assert issue.parts_reported == ("county-finance",)
    error = refused(
        case, PreconditionError, lambda: workflow.resolve(actor=handler(), at=case.tick())
    )
    assert "agri-bank" in str(error)
    assert "county-finance" not in error.problem

    workflow.report_part(actor=handler("agri-bank"), at=case.tick())
    workflow.resolve(actor=handler(), at=case.tick())
    answer(case)
    rate(case, Rating.SATISFIED)
    assert issue.status is S.CLOSED
    assert names(case) == [
        "transfer",
        "sign_for",
        "report_part",
        "report_part",
        "resolve",
        "answer",
        "rate",
    ]


def test_joint_part_reported_by_a_unit_that_is_not_a_co_unit_is_refused():
    case = reach(S.IN_PROGRESS, Track.JOINT)
    for outsider in (handler(), handler(OTHER)):  # the lead unit is not a co-unit either
        error = refused(
            case,
            RoleError,
            lambda who=outsider: case.workflow.report_part(actor=who, at=case.tick()),
        )
        assert (error.field, error.value) == ("report_part.actor.unit", outsider.unit)


def test_joint_part_reported_twice_is_refused():
    case = reach(S.IN_PROGRESS, Track.JOINT)
    case.workflow.report_part(actor=handler("agri-bank"), at=case.tick())
    error = refused(
        case,
        PreconditionError,
        lambda: case.workflow.report_part(actor=handler("agri-bank"), at=case.tick()),
    )
    assert (error.field, error.value) == ("report_part.actor.unit", "agri-bank")


def test_joint_transfer_needs_co_units_and_an_explicit_deadline():
    case = new_case(Track.JOINT)
    error = refused(case, PreconditionError, lambda: transfer(case, co_units=None))
    assert error.field == "transfer.co_units"
    # The default policy sets a time limit for 即办 only.
    error = refused(case, PreconditionError, lambda: transfer(case, deadline=None))
    assert error.field == "transfer.deadline"


def test_joint_co_units_must_not_repeat_the_lead_unit():
    case = new_case(Track.JOINT)
    error = refused(case, InconsistentRecordError, lambda: transfer(case, co_units=[LEAD, OTHER]))
    assert error.field == "transfer.co_units"


def test_supervised_item_is_resolved_only_after_the_assigned_supervisor_signs_off():
    case = new_case(Track.SUPERVISED)
    workflow, issue = case.workflow, case.issue
    transfer(case)
    assert (issue.supervising_unit, issue.supervisor) == (SUPERVISING, SUPERVISOR.id)
    workflow.sign_for(actor=handler(), at=case.tick())

    error = refused(
        case, PreconditionError, lambda: workflow.resolve(actor=handler(), at=case.tick())
    )
    assert (error.field, error.value) == ("resolve.signed_off_by", None)

    workflow.sign_off(actor=SUPERVISOR, at=case.tick())
    assert issue.signed_off_by == SUPERVISOR.id
    workflow.resolve(actor=handler(), at=case.tick())
    answer(case)
    rate(case, Rating.SATISFIED)
    assert issue.status is S.CLOSED
    assert names(case) == ["transfer", "sign_for", "sign_off", "resolve", "answer", "rate"]


def test_supervised_transfer_needs_a_supervising_unit():
    case = new_case(Track.SUPERVISED)
    error = refused(
        case, PreconditionError, lambda: transfer(case, supervising_unit=None, supervisor=None)
    )
    assert error.field == "transfer.supervising_unit"


def test_supervised_sign_off_by_another_supervisor_is_refused():
    case = reach(S.IN_PROGRESS, Track.SUPERVISED)
    colleague = Actor(id="qian.supervise", role=Role.SUPERVISOR, unit=SUPERVISING)
    error = refused(
        case, RoleError, lambda: case.workflow.sign_off(actor=colleague, at=case.tick())
    )
    assert (error.field, error.value) == ("sign_off.actor.id", colleague.id)
    assert SUPERVISOR.id in str(error)


def test_supervised_sign_off_without_a_named_supervisor_is_for_the_supervising_unit():
    case = new_case(Track.SUPERVISED)
    transfer(case, supervisor=None)
    case.workflow.sign_for(actor=handler(), at=case.tick())
    elsewhere = Actor(id="zhou.supervise", role=Role.SUPERVISOR, unit="city")
    error = refused(
        case, RoleError, lambda: case.workflow.sign_off(actor=elsewhere, at=case.tick())
    )
    assert (error.field, error.value) == ("sign_off.actor.unit", "city")
    colleague = Actor(id="qian.supervise", role=Role.SUPERVISOR, unit=SUPERVISING)
    case.workflow.sign_off(actor=colleague, at=case.tick())
    assert case.issue.signed_off_by == colleague.id


def test_supervised_item_is_signed_off_once_per_round():
    case = reach(S.IN_PROGRESS, Track.SUPERVISED)
    case.workflow.sign_off(actor=SUPERVISOR, at=case.tick())
    error = refused(
        case, PreconditionError, lambda: case.workflow.sign_off(actor=SUPERVISOR, at=case.tick())
    )
    assert error.field == "sign_off.signed_off_by"


@pytest.mark.parametrize("status", [S.TRANSFERRED, S.IN_PROGRESS])
def test_urging_is_recorded_as_an_event_that_changes_nothing_else(status):
    case = reach(status, Track.SUPERVISED)
    before = case.issue.as_record()
    at = case.tick()
    event = case.workflow.urge(actor=SUPERVISOR, at=at, note="请加快办理")
    assert (event.name, event.from_status, event.to_status) == ("urge", status, status)
    assert (event.actor, event.at, event.note) == (SUPERVISOR.id, at, "请加快办理")
    assert case.issue.history == (*before["history"], event)
    assert case.issue.as_record() == {**before, "history": case.issue.history}


def test_tracked_item_progress_follows_its_milestones_to_completion():
    case = new_case(Track.TRACKED)
    workflow, issue = case.workflow, case.issue
    transfer(case)
    workflow.sign_for(actor=handler(), at=case.tick())
    plan = [
        Milestone(name="选址", weight=1),
        Milestone(name="建设休息站和停车场", weight=2),
        Milestone(name="投入使用", weight=1),
    ]
    workflow.add_milestones(actor=handler(), at=case.tick(), milestones=plan)
    assert issue.milestones == tuple(plan)
    assert issue.progress == Rate(0, 4)

    seen = []
    for milestone in plan:
        error = refused(
            case, PreconditionError, lambda: workflow.resolve(actor=handler(), at=case.tick())
        )
        assert error.field == "resolve.milestones"
        assert milestone.name in error.value
        at = case.tick()
        workflow.complete_milestone(actor=handler(), at=at, milestone=milestone.name)
        done = next(m for m in issue.milestones if m.name == milestone.name)
        assert done.done_at == at
        seen.append(issue.progress.format())
    assert seen == ["25.0%", "75.0%", "100.0%"]
    assert issue.progress == Rate(4, 4)

    workflow.resolve(actor=handler(), at=case.tick())
    answer(case)
    rate(case, Rating.SATISFIED)
    assert issue.status is S.CLOSED


def test_tracked_item_without_milestones_cannot_be_resolved():
    case = reach(S.IN_PROGRESS, Track.TRACKED)
    assert case.issue.milestones == ()
    error = refused(
        case, PreconditionError, lambda: case.workflow.resolve(actor=handler(), at=case.tick())
    )
    assert (error.field, error.value) == ("resolve.milestones", ())


def test_tracked_milestones_may_come_with_the_transfer():
    case = new_case(Track.TRACKED)
    transfer(case, milestones=[Milestone(name="选址", weight=3)])
    assert [m.name for m in case.issue.milestones] == ["选址"]
    assert case.issue.progress == Rate(0, 3)


def test_tracked_milestone_completed_twice_or_unknown_is_refused():
    case = tracked_with_milestones()
    workflow = case.workflow
    workflow.complete_milestone(actor=handler(), at=case.tick(), milestone="选址")
    error = refused(
        case,
        PreconditionError,
        lambda: workflow.complete_milestone(actor=handler(), at=case.tick(), milestone="选址"),
    )
    assert (error.field, error.value) == ("complete_milestone.milestone", "选址")
    error = refused(
        case,
        PreconditionError,
        lambda: workflow.complete_milestone(actor=handler(), at=case.tick(), milestone="验收"),
    )
    assert (error.field, error.value) == ("complete_milestone.milestone", "验收")


def test_milestones_are_refused_on_other_tracks_and_when_their_names_repeat():
    joint = reach(S.IN_PROGRESS, Track.JOINT)
    error = refused(
        joint,
        PreconditionError,
        lambda: joint.workflow.add_milestones(
            actor=handler(), at=joint.tick(), milestones=[Milestone(name="放款")]
        ),
    )
    assert (error.field, error.value) == ("add_milestones.track", Track.JOINT)

    tracked = tracked_with_milestones()
    error = refused(
        tracked,
        InconsistentRecordError,
        lambda: tracked.workflow.add_milestones(
            actor=DISPATCHER, at=tracked.tick(), milestones=[Milestone(name="建成")]
        ),
    )
    assert error.field == "add_milestones.milestones[0].name"


# -- 2. roles ------------------------------------------------------------------------------


def _redo(case: Case, actor: Actor) -> Event:
    return case.workflow.redo(actor=actor, at=case.tick(), deadline=DUE.add(days=5), note="整改")


ROLE_CASES = [
    # (set-up, event, the step with a given actor, a wrong actor, words naming who may)
    pytest.param(
        partial(reach, S.RECEIVED),
        "transfer",
        lambda c, a: c.workflow.transfer(actor=a, at=c.tick(), unit=LEAD),
        handler(),
        "a dispatcher",
        id="transfer",
    ),
    pytest.param(
        partial(reach, S.RECEIVED),
        "sign_for",
        lambda c, a: c.workflow.sign_for(actor=a, at=c.tick()),
        DISPATCHER,
        "handler of the receiving unit",
        id="sign_for-self",
    ),
    pytest.param(
        partial(reach, S.TRANSFERRED),
        "sign_for",
        lambda c, a: c.workflow.sign_for(actor=a, at=c.tick()),
        SUPERVISOR,
        "handler of the responsible unit",
        id="sign_for",
    ),
    pytest.param(
        partial(reach, S.TRANSFERRED),
        "send_back",
        lambda c, a: c.workflow.send_back(actor=a, at=c.tick(), note="不归我们管"),
        DISPATCHER,
        "handler of the responsible unit",
        id="send_back",
    ),
    pytest.param(
        partial(reach, S.RECEIVED),
        "dismiss",
        lambda c, a: c.workflow.dismiss(actor=a, at=c.tick(), reason="invalid", note="无内容"),
        handler(),
        "intake clerk",
        id="dismiss",
    ),
    pytest.param(
        partial(reach, S.IN_PROGRESS, Track.JOINT),
        "report_part",
        lambda c, a: c.workflow.report_part(actor=a, at=c.tick()),
        DISPATCHER,
        "co-unit",
        id="report_part",
    ),
    pytest.param(
        partial(reach, S.TRANSFERRED),
        "urge",
        lambda c, a: c.workflow.urge(actor=a, at=c.tick()),
        handler(),
        "supervisor",
        id="urge",
    ),
    pytest.param(
        partial(reach, S.IN_PROGRESS, Track.SUPERVISED),
        "sign_off",
        lambda c, a: c.workflow.sign_off(actor=a, at=c.tick()),
        LEADER,
        "assigned supervisor",
        id="sign_off",
    ),
    pytest.param(
        partial(reach, S.IN_PROGRESS),
        "escalate",
        lambda c, a: c.workflow.escalate(
            actor=a, at=c.tick(), supervising_unit=SUPERVISING, note="久拖不办"
        ),
        REQUESTER,
        "supervisor",
        id="escalate",
    ),
    pytest.param(
        partial(reach, S.RECEIVED),
        "change_track",
        lambda c, a: c.workflow.change_track(
            actor=a, at=c.tick(), track=Track.TRACKED, note="需全程盯办"
        ),
        SUPERVISOR,
        "leader",
        id="change_track",
    ),
    pytest.param(
        partial(reach, S.IN_PROGRESS, Track.TRACKED),
        "add_milestones",
        lambda c, a: c.workflow.add_milestones(
            actor=a, at=c.tick(), milestones=[Milestone(name="选址")]
        ),
        SUPERVISOR,
        "dispatcher",
        id="add_milestones",
    ),
    pytest.param(
        tracked_with_milestones,
        "complete_milestone",
        lambda c, a: c.workflow.complete_milestone(actor=a, at=c.tick(), milestone="选址"),
        DISPATCHER,
        "handler of the responsible unit",
        id="complete_milestone",
    ),
    pytest.param(
        partial(reach, S.IN_PROGRESS),
        "resolve",
        lambda c, a: c.workflow.resolve(actor=a, at=c.tick()),
        DISPATCHER,
        "handler of the responsible unit",
        id="resolve",
    ),
    pytest.param(
        partial(reach, S.RESOLVED),
        "answer",
        lambda c, a: answer(c, actor=a),
        REQUESTER,
        "intake clerk",
        id="answer",
    ),
    pytest.param(
        partial(reach, S.ANSWERED),
        "rate",
        lambda c, a: rate(c, Rating.SATISFIED, actor=a),
        handler(),
        "requester",
        id="rate",
    ),
    pytest.param(
        partial(reach, S.ANSWERED),
        "close",
        lambda c, a: c.workflow.close(actor=a, at=c.tick(days=30), note="已核实"),
        handler(),
        "reviewer",
        id="close",
    ),
    pytest.param(partial(reach, S.ANSWERED), "redo", _redo, handler(), "reviewer", id="redo"),
]


@pytest.mark.parametrize(("setup", "event", "step", "wrong", "who"), ROLE_CASES)
def test_an_actor_in_a_wrong_role_is_refused_and_told_who_may(setup, event, step, wrong, who):
    case = setup()
    error = refused(case, RoleError, lambda: step(case, wrong))
    assert (error.field, error.value) == (f"{event}.actor.role", wrong.role)
    assert "Only" in error.hint
    assert who in str(error)


def test_a_role_error_is_a_workflow_error_and_a_permission_error():
    case = reach(S.RECEIVED)
    with pytest.raises(PermissionError) as caught:
        case.workflow.transfer(actor=REQUESTER, at=case.tick(), unit=LEAD)
    assert isinstance(caught.value, RoleError)
    assert isinstance(caught.value, WorkflowError)


UNIT_CASES = [
    # (set-up, event, the step with a given actor, the unit the message should name)
    pytest.param(
        partial(reach, S.RECEIVED),
        "sign_for",
        lambda c, a: c.workflow.sign_for(actor=a, at=c.tick()),
        CENTRE,
        id="sign_for-self",
    ),
    pytest.param(
        partial(reach, S.TRANSFERRED),
        "sign_for",
        lambda c, a: c.workflow.sign_for(actor=a, at=c.tick()),
        LEAD,
        id="sign_for",
    ),
    pytest.param(
        partial(reach, S.IN_PROGRESS),
        "send_back",
        lambda c, a: c.workflow.send_back(actor=a, at=c.tick(), note="不归我们管"),
        LEAD,
        id="send_back",
    ),
    pytest.param(
        partial(reach, S.IN_PROGRESS, Track.TRACKED),
        "add_milestones",
        lambda c, a: c.workflow.add_milestones(
            actor=a, at=c.tick(), milestones=[Milestone(name="选址")]
        ),
        LEAD,
        id="add_milestones",
    ),
    pytest.param(
        tracked_with_milestones,
        "complete_milestone",
        lambda c, a: c.workflow.complete_milestone(actor=a, at=c.tick(), milestone="选址"),
        LEAD,
        id="complete_milestone",
    ),
    pytest.param(
        partial(reach, S.IN_PROGRESS),
        "resolve",
        lambda c, a: c.workflow.resolve(actor=a, at=c.tick()),
        LEAD,
        id="resolve",
    ),
    pytest.param(
        partial(reach, S.RESOLVED),
        "answer",
        lambda c, a: answer(c, actor=a),
        LEAD,
        id="answer",
    ),
]


@pytest.mark.parametrize(("setup", "event", "step", "unit"), UNIT_CASES)
def test_a_handler_of_another_unit_is_refused(setup, event, step, unit):
    case = setup()
    outsider = handler(OTHER)
    error = refused(case, RoleError, lambda: step(case, outsider))
    assert (error.field, error.value) == (f"{event}.actor.unit", OTHER)
    assert repr(unit) in str(error)


def test_only_the_issues_own_requester_may_rate_it():
    case = reach(S.ANSWERED)
    stranger = Actor(id="p-li", role=Role.REQUESTER)
    error = refused(case, RoleError, lambda: rate(case, Rating.SATISFIED, actor=stranger))
    assert (error.field, error.value) == ("rate.actor.id", "p-li")
    rate(case, Rating.SATISFIED, actor=REQUESTER)
    assert case.issue.evaluations[-1].rater == ZHANG.id


def test_the_requester_may_not_rate_in_someone_elses_name():
    case = reach(S.ANSWERED)
    at = case.tick()
    given = evaluation(case, Rating.SATISFIED, at, rater="p-li")
    error = refused(
        case,
        InconsistentRecordError,
        lambda: case.workflow.rate(actor=REQUESTER, at=at, evaluation=given),
    )
    assert (error.field, error.value) == ("rate.evaluation.rater", "p-li")


def test_an_anonymous_issue_is_rated_by_a_reviewer_not_by_a_requester():
    case = reach(S.ANSWERED, requester=None)
    error = refused(case, RoleError, lambda: rate(case, Rating.SATISFIED, actor=REQUESTER))
    assert error.field == "rate.actor.id"
    assert "reviewer" in error.hint
    event = rate(case, Rating.SATISFIED, actor=REVIEWER)
    assert (event.role, event.to_status) == (Role.REVIEWER, S.CLOSED)


# -- 3. refusals change nothing ------------------------------------------------------------


def _rate_round_one_again(case: Case) -> Event:
    at = case.tick()
    return case.workflow.rate(
        actor=REQUESTER, at=at, evaluation=evaluation(case, Rating.SATISFIED, at, round=1)
    )


REFUSALS = [
    # (set-up, the refused call, the error, its field)
    pytest.param(
        partial(reach, S.RECEIVED),
        lambda c: c.workflow.close(actor=REVIEWER, at=c.tick(), note="已核实"),
        TransitionRefusedError,
        "close.status",
        id="close-from-received",
    ),
    pytest.param(
        partial(reach, S.TRANSFERRED),
        lambda c: c.workflow.resolve(actor=handler(), at=c.tick()),
        TransitionRefusedError,
        "resolve.status",
        id="resolve-before-signing-for",
    ),
    pytest.param(
        partial(reach, S.RESOLVED),
        lambda c: rate(c, Rating.SATISFIED),
        TransitionRefusedError,
        "rate.status",
        id="rate-before-any-answer",
    ),
    pytest.param(
        partial(reach, S.RESOLVED),
        lambda c: c.workflow.dismiss(actor=DISPATCHER, at=c.tick(), reason="invalid", note="x"),
        TransitionRefusedError,
        "dismiss.status",
        id="dismiss-after-the-work",
    ),
    pytest.param(
        partial(reach, S.DISMISSED),
        lambda c: c.workflow.transfer(actor=DISPATCHER, at=c.tick(), unit=LEAD),
        TransitionRefusedError,
        "transfer.status",
        id="transfer-from-dismissed",
    ),
    pytest.param(
        partial(reach, S.DISMISSED),
        lambda c: c.workflow.change_track(
            actor=DISPATCHER, at=c.tick(), track=Track.JOINT, co_units=CO_UNITS, note="x"
        ),
        TransitionRefusedError,
        "change_track.status",
        id="change_track-from-dismissed",
    ),
    pytest.param(
        partial(reach, S.RECEIVED),
        lambda c: c.workflow.send("frobnicate", actor=DISPATCHER, at=c.tick()),
        TransitionRefusedError,
        "event",
        id="not-a-workflow-event",
    ),
    pytest.param(
        partial(reach, S.RECEIVED),
        lambda c: c.workflow.transfer(actor=DISPATCHER, at=c.tick(), unit=LEAD, urgency="急"),
        InvalidValueError,
        "transfer.urgency",
        id="unknown-argument",
    ),
    pytest.param(
        partial(reach, S.IN_PROGRESS),
        lambda c: c.workflow.resolve(actor=handler(), at=c.tick(), note="好了", deadline=DUE),
        InvalidValueError,
        "resolve.deadline",
        id="argument-of-another-step",
    ),
    pytest.param(
        partial(reach, S.RECEIVED),
        lambda c: c.workflow.transfer(actor=DISPATCHER, at=c.tick(), deadline=DUE),
        InvalidValueError,
        "transfer.unit",
        id="missing-unit",
    ),
    pytest.param(
        rated_badly,
        lambda c: c.workflow.redo(actor=DISPATCHER, at=c.tick(), note="整改"),
        TransitionRefusedError,
        "redo.status",
        id="redo-while-already-rectifying",
    ),
    pytest.param(
        partial(reach, S.ANSWERED),
        lambda c: c.workflow.rate(
            actor=REQUESTER,
            at=c.tick(),
            evaluation=evaluation(c, Rating.SATISFIED, c.clock.now()),
            deadline=DUE.add(days=5),
        ),
        PreconditionError,
        "rate.deadline",
        id="deadline-with-a-good-rating",
    ),
    pytest.param(
        partial(reach, S.RECEIVED),
        lambda c: c.workflow.transfer(
            actor=DISPATCHER, at=c.tick(), unit=LEAD, deadline=dt.datetime(2026, 3, 12, 18)
        ),
        NaiveDatetimeError,
        "transfer.deadline",
        id="naive-deadline",
    ),
    pytest.param(
        partial(reach, S.RECEIVED),
        lambda c: c.workflow.transfer(
            actor=DISPATCHER, at=pendulum.naive(2026, 3, 2, 10), unit=LEAD
        ),
        NaiveDatetimeError,
        "transfer.at",
        id="naive-at",
    ),
    pytest.param(
        partial(reach, S.RECEIVED),
        lambda c: c.workflow.transfer(actor=DISPATCHER, at=T0.add(hours=3), unit=LEAD, deadline=T0),
        ChronologyError,
        "transfer.deadline",
        id="deadline-before-the-step",
    ),
    pytest.param(
        partial(reach, S.RECEIVED),
        lambda c: c.workflow.transfer(actor=DISPATCHER, at=T0.subtract(minutes=1), unit=LEAD),
        ChronologyError,
        "transfer.at",
        id="at-before-receipt",
    ),
    pytest.param(
        partial(reach, S.TRANSFERRED),
        lambda c: c.workflow.sign_for(
            actor=handler(), at=c.issue.history[-1].at.subtract(microseconds=1)
        ),
        ChronologyError,
        "sign_for.at",
        id="at-before-the-last-event",
    ),
    pytest.param(
        partial(reach, S.IN_PROGRESS),
        lambda c: c.workflow.send_back(actor=handler(), at=c.tick()),
        InvalidValueError,
        "send_back.note",
        id="send_back-without-note",
    ),
    pytest.param(
        partial(reach, S.RECEIVED),
        lambda c: c.workflow.dismiss(actor=DISPATCHER, at=c.tick(), reason="invalid", note="  "),
        InvalidValueError,
        "dismiss.note",
        id="dismiss-with-blank-note",
    ),
    pytest.param(
        partial(reach, S.IN_PROGRESS),
        lambda c: c.workflow.escalate(actor=LEADER, at=c.tick(), supervising_unit=SUPERVISING),
        InvalidValueError,
        "escalate.note",
        id="escalate-without-note",
    ),
    pytest.param(
        partial(reach, S.RECEIVED),
        lambda c: c.workflow.change_track(actor=DISPATCHER, at=c.tick(), track=Track.TRACKED),
        InvalidValueError,
        "change_track.note",
        id="change_track-without-note",
    ),
    pytest.param(
        partial(reach, S.ANSWERED),
        lambda c: c.workflow.redo(actor=DISPATCHER, at=c.tick(), deadline=DUE.add(days=5)),
        InvalidValueError,
        "redo.note",
        id="redo-without-note",
    ),
    pytest.param(
        partial(reach, S.RECEIVED),
        lambda c: c.workflow.transfer(DISPATCHER, unit=LEAD),
        InvalidTypeError,
        "transfer.args",
        id="positional-arguments",
    ),
    pytest.param(
        partial(reach, S.RECEIVED),
        lambda c: c.workflow.transfer(actor=ZHANG, at=c.tick(), unit=LEAD),
        InvalidTypeError,
        "transfer.actor",
        id="actor-not-an-actor",
    ),
    pytest.param(
        partial(reach, S.RECEIVED),
        lambda c: c.workflow.transfer(actor=DISPATCHER, at="2026-03-02T10:00+08:00", unit=LEAD),
        InvalidTypeError,
        "transfer.at",
        id="at-as-text",
    ),
    pytest.param(
        partial(reach, S.RECEIVED),
        lambda c: c.workflow.transfer(actor=handler(), at=c.tick(), unit=LEAD),
        RoleError,
        "transfer.actor.role",
        id="wrong-role",
    ),
    pytest.param(
        partial(reach, S.CLOSED),  # closed by a satisfied rating of round 1
        _rate_round_one_again,
        PreconditionError,
        "rate.evaluation",
        id="second-rating-in-a-round",
    ),
]


@pytest.mark.parametrize(("setup", "call", "error", "field"), REFUSALS)
def test_a_refused_step_leaves_the_issue_exactly_as_it_was(setup, call, error, field):
    case = setup()
    refusal = refused(case, error, lambda: call(case))
    assert refusal.field == field
    assert field in str(refusal)


def test_a_refusal_from_a_final_status_says_nothing_may_follow():
    case = reach(S.DISMISSED)
    error = refused(
        case,
        TransitionRefusedError,
        lambda: case.workflow.dismiss(actor=DISPATCHER, at=case.tick(), reason="invalid", note="x"),
    )
    assert error.value is S.DISMISSED
    assert "final" in error.hint


def test_the_workflow_goes_on_normally_after_a_refusal():
    case = reach(S.IN_PROGRESS)
    with pytest.raises(InvalidValueError):
        case.workflow.send_back(actor=handler(), at=case.tick(), note="")
    event = case.workflow.send_back(actor=handler(), at=case.tick(), note="不属于本单位职责")
    assert (event.to_status, case.issue.status) == (S.RETURNED, S.RETURNED)
    assert names(case)[-1] == "send_back"


def test_a_step_may_share_the_moment_of_the_last_event():
    case = reach(S.TRANSFERRED)
    last = case.issue.history[-1].at
    event = case.workflow.sign_for(actor=handler(), at=last)
    assert event.at == last


@pytest.mark.parametrize(
    ("setup", "step"),
    [
        pytest.param(
            partial(reach, S.RECEIVED),
            lambda c, at: c.workflow.transfer(actor=DISPATCHER, at=at, unit=LEAD, deadline=at),
            id="transfer",
        ),
        pytest.param(
            partial(reach, S.RECEIVED),
            lambda c, at: c.workflow.sign_for(actor=handler(CENTRE), at=at, deadline=at),
            id="sign_for-self",
        ),
        pytest.param(
            partial(reach, S.TRANSFERRED),
            lambda c, at: c.workflow.sign_for(actor=handler(), at=at, deadline=at),
            id="sign_for-after-transfer",
        ),
        pytest.param(
            partial(reach, S.ANSWERED),
            lambda c, at: c.workflow.redo(actor=DISPATCHER, at=at, deadline=at, note="整改"),
            id="redo",
        ),
        pytest.param(
            partial(reach, S.ANSWERED),
            lambda c, at: c.workflow.rate(
                actor=REQUESTER,
                at=at,
                evaluation=evaluation(c, Rating.DISSATISFIED, at),
                deadline=at,
            ),
            id="rate-bad",
        ),
        pytest.param(
            partial(reach, S.CLOSED),
            lambda c, at: c.workflow.revisit(
                actor=REVIEWER, at=at, outcome="unresolved", deadline=at
            ),
            id="revisit-unresolved",
        ),
    ],
)
def test_every_step_that_sets_a_deadline_refuses_one_not_after_the_step(setup, step):
    case = setup()
    at = case.tick()
    error = refused(case, ChronologyError, lambda: step(case, at))
    assert error.field.endswith(".deadline")


# -- 4. closing ----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("rating", "closes"),
    [
        (Rating.VERY_SATISFIED, True),
        (Rating.SATISFIED, True),
        (Rating.BASICALLY_SATISFIED, True),
        (Rating.DISSATISFIED, False),
        (Rating.VERY_DISSATISFIED, False),
    ],
)
def test_a_satisfied_rating_closes_the_item_and_a_bad_one_sends_it_back(rating, closes):
    case = reach(S.ANSWERED)
    event = rate(case, rating)
    issue = case.issue
    assert issue.evaluations[-1].rating is rating
    if closes:
        assert (issue.status, issue.closed_at, event.to_status) == (S.CLOSED, event.at, S.CLOSED)
        assert (issue.round, issue.rectifications) == (1, ())
    else:  # 差评整改: back to 办理中, in a new round
        assert (issue.status, issue.closed_at, event.to_status) == (
            S.IN_PROGRESS,
            None,
            S.IN_PROGRESS,
        )
        assert issue.round == 2
        assert [r.rating for r in issue.rectifications] == [0]


def test_with_the_policy_off_a_satisfied_rating_leaves_closing_to_a_reviewer():
    policy = WorkflowPolicy(close_on_satisfied_rating=False)
    case = reach(S.ANSWERED, policy=policy)
    event = rate(case, Rating.VERY_SATISFIED)
    assert (event.to_status, case.issue.status, case.issue.closed_at) == (
        S.ANSWERED,
        S.ANSWERED,
        None,
    )
    # Rated, so the platform may not close it as unrated, even long after the window.
    error = refused(
        case, PreconditionError, lambda: case.workflow.close(actor=PLATFORM, at=case.tick(days=30))
    )
    assert error.field == "close.evaluations"
    closing = case.workflow.close(actor=REVIEWER, at=case.tick(), note="电话回访核实，问题已解决")
    assert (case.issue.status, case.issue.closed_at) == (S.CLOSED, closing.at)


def test_a_bad_rating_sends_the_item_back_for_rectification_in_a_new_round():
    case = reach(S.ANSWERED)
    issue = case.issue
    new_deadline = DUE.add(days=5)
    at = case.tick()
    event = case.workflow.rate(
        actor=REQUESTER,
        at=at,
        evaluation=evaluation(case, Rating.DISSATISFIED, at, comment="车辆投放点仍不足"),
        deadline=new_deadline,
    )
    assert (event.from_status, event.to_status) == (S.ANSWERED, S.IN_PROGRESS)
    assert (issue.status, issue.round, issue.closed_at, issue.deadline) == (
        S.IN_PROGRESS,
        2,
        None,
        new_deadline,
    )
    # The second round is rated on its own; a round-1 rating no longer fits.
    case.workflow.resolve(actor=handler(), at=case.tick())
    answer(case)
    error = refused(case, InconsistentRecordError, lambda: _rate_round_one_again(case))
    assert error.field == "rate.evaluation.round"
    rate(case, Rating.SATISFIED)
    assert issue.status is S.CLOSED
    assert [e.round for e in issue.evaluations] == [1, 2]


@pytest.mark.parametrize("reopen", ["redo", "bad-rating"])
def test_a_rectification_clears_the_previous_rounds_parts_and_sign_off(reopen):
    def reopened(track: Track, orderer: Actor) -> Case:
        if reopen == "bad-rating":
            return rated_badly(track)
        case = reach(S.ANSWERED, track)
        _redo(case, orderer)
        return case

    joint = reopened(Track.JOINT, DISPATCHER)
    assert (joint.issue.status, joint.issue.parts_reported) == (S.IN_PROGRESS, ())
    error = refused(
        joint, PreconditionError, lambda: joint.workflow.resolve(actor=handler(), at=joint.tick())
    )
    assert error.field == "resolve.parts_reported"

    supervised = reopened(Track.SUPERVISED, SUPERVISOR)
    assert (supervised.issue.status, supervised.issue.signed_off_by) == (S.IN_PROGRESS, None)


def test_each_round_is_rated_once():
    # With closing left to a reviewer, a rated item stays answered: a second
    # rating of the same round is refused there, as it is once closed.
    case = reach(S.ANSWERED, policy=WorkflowPolicy(close_on_satisfied_rating=False))
    rate(case, Rating.BASICALLY_SATISFIED)
    assert case.issue.status is S.ANSWERED
    error = refused(case, PreconditionError, lambda: rate(case, Rating.VERY_SATISFIED))
    assert (error.field, error.value) == ("rate.evaluation", Rating.VERY_SATISFIED)
    closed = reach(S.CLOSED)
    error = refused(closed, PreconditionError, lambda: rate(closed, Rating.DISSATISFIED))
    assert (error.field, error.value) == ("rate.evaluation", Rating.DISSATISFIED)
    assert (len(case.issue.evaluations), len(closed.issue.evaluations)) == (1, 1)


@pytest.mark.parametrize("status", [S.ANSWERED, S.CLOSED])
def test_a_redo_is_an_order_that_needs_no_rating(status):
    case = reach(status)  # answered unrated, or closed by a satisfied rating
    at = case.tick()
    event = case.workflow.redo(actor=DISPATCHER, at=at, note="核查发现问题仍在")
    assert (event.from_status, event.to_status) == (status, S.IN_PROGRESS)
    # Without a deadline of its own, the rectification gets the policy's limit.
    due = WorkflowPolicy().after(at, WorkflowPolicy().rectification_limit)
    assert (case.issue.round, case.issue.deadline, case.issue.closed_at) == (2, due, None)
    assert parse_instant(event.data["deadline"]) == due


def test_a_redo_is_refused_while_the_item_is_being_handled():
    case = reach(S.IN_PROGRESS)
    error = refused(case, TransitionRefusedError, lambda: _redo(case, DISPATCHER))
    assert error.field == "redo.status"


def test_the_platform_may_close_an_unrated_item_only_once_the_evaluation_window_passed():
    case = reach(S.ANSWERED)
    answered = case.issue.feedback[-1].at
    window_ends = answered.add(days=7)  # the default window is seven days
    just_before = window_ends.subtract(seconds=1)
    error = refused(
        case, PreconditionError, lambda: case.workflow.close(actor=PLATFORM, at=just_before)
    )
    assert (error.field, error.value) == ("close.at", just_before)
    event = case.workflow.close(actor=PLATFORM, at=window_ends)
    assert (event.to_status, case.issue.status, case.issue.closed_at) == (
        S.CLOSED,
        S.CLOSED,
        window_ends,
    )


def test_the_evaluation_window_comes_from_the_policy():
    case = reach(S.ANSWERED, policy=WorkflowPolicy(evaluation_window=dt.timedelta(days=3)))
    answered = case.issue.feedback[-1].at
    with pytest.raises(PreconditionError):
        case.workflow.close(actor=DISPATCHER, at=answered.add(days=3).subtract(minutes=1))
    case.workflow.close(actor=DISPATCHER, at=answered.add(days=3))
    assert case.issue.status is S.CLOSED


def test_a_rated_item_is_not_closed_as_unrated_by_the_dispatcher():
    case = reach(S.ANSWERED, policy=WorkflowPolicy(close_on_satisfied_rating=False))
    rate(case, Rating.SATISFIED)
    error = refused(
        case, PreconditionError, lambda: case.workflow.close(actor=DISPATCHER, at=case.tick(days=8))
    )
    assert error.field == "close.evaluations"


def test_a_reviewer_closes_at_any_time_but_must_say_how_it_was_verified():
    case = reach(S.ANSWERED)
    error = refused(
        case, PreconditionError, lambda: case.workflow.close(actor=REVIEWER, at=case.tick())
    )
    assert error.field == "close.note"
    at = case.tick()
    event = case.workflow.close(actor=REVIEWER, at=at, note="现场核实：新增停车点175处")
    assert (case.issue.status, case.issue.closed_at, event.note) == (
        S.CLOSED,
        at,
        "现场核实：新增停车点175处",
    )


def _closed_unrated() -> Case:
    """An answered item the platform closed, unrated, when the evaluation window ended."""
    case = reach(S.ANSWERED)
    case.clock.set(case.issue.feedback[-1].at.add(days=7))
    case.workflow.close(actor=PLATFORM)
    return case


def test_a_late_rating_on_a_closed_item_keeps_it_closed():
    case = _closed_unrated()
    closed_at = case.issue.closed_at
    event = rate(case, Rating.SATISFIED)
    assert (event.from_status, event.to_status) == (S.CLOSED, S.CLOSED)
    assert (case.issue.status, case.issue.closed_at) == (S.CLOSED, closed_at)
    assert case.issue.evaluations[-1].at == event.at


def test_a_bad_late_rating_on_a_closed_item_reopens_it():
    case = _closed_unrated()
    event = rate(case, Rating.VERY_DISSATISFIED)
    assert (event.from_status, event.to_status) == (S.CLOSED, S.IN_PROGRESS)
    assert (case.issue.status, case.issue.round, case.issue.closed_at) == (S.IN_PROGRESS, 2, None)
    assert [r.rating for r in case.issue.rectifications] == [0]


# -- 5. no path to CLOSED without feedback -------------------------------------------------


def reachable(rules, start: IssueStatus) -> set[IssueStatus]:
    seen, queue = {start}, deque([start])
    while queue:
        status = queue.popleft()
        for rule in rules:
            if rule.source is status and rule.target not in seen:
                seen.add(rule.target)
                queue.append(rule.target)
    return seen


def test_the_rules_are_exactly_the_workflows_events():
    assert {rule.event for rule in RULES} == set(EVENT_ARGUMENTS)


def test_closing_rules_start_from_an_answered_or_closed_item():
    into_closed = [rule for rule in RULES if rule.target is S.CLOSED]
    assert {rule.event for rule in into_closed} >= {"rate", "close"}
    assert all(rule.source in (S.ANSWERED, S.CLOSED) for rule in into_closed)


def test_only_answer_enters_answered_and_it_needs_feedback():
    entering = [r for r in RULES if r.target is S.ANSWERED and r.source is not S.ANSWERED]
    assert entering
    assert {rule.event for rule in entering} == {"answer"}
    assert "feedback" in EVENT_ARGUMENTS["answer"][1]


def test_without_answer_rules_closed_cannot_be_reached_from_received():
    assert reachable(RULES, S.RECEIVED) == set(IssueStatus)  # the search does find things
    cut = [rule for rule in RULES if rule.event != "answer"]
    found = reachable(cut, S.RECEIVED)
    assert S.CLOSED not in found
    assert S.ANSWERED not in found
    assert S.RESOLVED in found


# -- 6. escalation and track changes -------------------------------------------------------


@pytest.mark.parametrize("status", [S.TRANSFERRED, S.IN_PROGRESS])
def test_escalation_puts_the_item_under_supervision_one_level_up(status):
    case = reach(status, Track.IMMEDIATE)
    event = case.workflow.escalate(
        actor=LEADER,
        at=case.tick(),
        supervising_unit=SUPERVISING,
        supervisor=SUPERVISOR.id,
        note="超期未办结，提级督办",
    )
    issue = case.issue
    assert (event.name, event.from_status, event.to_status) == ("escalate", status, status)
    assert issue.track is Track.SUPERVISED
    assert (issue.supervising_unit, issue.supervisor, issue.signed_off_by) == (
        SUPERVISING,
        SUPERVISOR.id,
        None,
    )
    assert event.note == "超期未办结，提级督办"


def test_an_escalated_item_needs_the_supervisors_sign_off_before_it_is_resolved():
    case = reach(S.IN_PROGRESS, Track.IMMEDIATE)
    case.workflow.escalate(
        actor=DISPATCHER, at=case.tick(), supervising_unit=SUPERVISING, note="群众多次来电"
    )
    with pytest.raises(PreconditionError):
        case.workflow.resolve(actor=handler(), at=case.tick())
    case.workflow.sign_off(actor=SUPERVISOR, at=case.tick())
    case.workflow.resolve(actor=handler(), at=case.tick())
    assert case.issue.status is S.RESOLVED


def test_an_item_already_supervised_cannot_be_escalated():
    case = reach(S.IN_PROGRESS, Track.SUPERVISED)
    error = refused(
        case,
        PreconditionError,
        lambda: case.workflow.escalate(
            actor=LEADER, at=case.tick(), supervising_unit="city", note="再提级"
        ),
    )
    assert (error.field, error.value) == ("escalate.track", Track.SUPERVISED)


def test_escalation_is_for_items_already_with_a_unit():
    case = reach(S.RECEIVED)
    error = refused(
        case,
        TransitionRefusedError,
        lambda: case.workflow.escalate(
            actor=LEADER, at=case.tick(), supervising_unit=SUPERVISING, note="提级"
        ),
    )
    assert error.field == "escalate.status"


def test_with_a_unit_tree_escalation_goes_to_the_parent_of_the_responsible_unit():
    policy = WorkflowPolicy(units=UNITS)
    case = reach(S.IN_PROGRESS, policy=policy)
    assert UNITS[LEAD].parent == SUPERVISING
    for wrong in ("city", OTHER, "no-such-unit"):
        error = refused(
            case,
            PreconditionError,
            lambda unit=wrong: case.workflow.escalate(
                actor=LEADER, at=case.tick(), supervising_unit=unit, note="提级督办"
            ),
        )
        assert (error.field, error.value) == ("escalate.supervising_unit", wrong)
    case.workflow.escalate(
        actor=LEADER, at=case.tick(), supervising_unit=SUPERVISING, note="提级督办"
    )
    assert case.issue.supervising_unit == SUPERVISING


@pytest.mark.parametrize(
    ("track", "overrides", "field"),
    [
        (Track.IMMEDIATE, {"unit": "no-such-bureau"}, "transfer.unit"),
        (Track.JOINT, {"co_units": ["county-finance", "no-such-bank"]}, "transfer.co_units"),
        (Track.SUPERVISED, {"supervising_unit": "no-such-gov"}, "transfer.supervising_unit"),
        (Track.SUPERVISED, {"supervising_unit": "city"}, "transfer.supervising_unit"),
    ],
)
def test_with_a_unit_tree_a_transfer_names_known_units_and_the_right_supervisor(
    track, overrides, field
):
    case = new_case(track, policy=WorkflowPolicy(units=UNITS))
    error = refused(case, PreconditionError, lambda: transfer(case, **overrides))
    assert error.field == field


def test_with_a_unit_tree_a_well_formed_transfer_is_accepted():
    case = new_case(Track.SUPERVISED, policy=WorkflowPolicy(units=UNITS))
    transfer(case)
    assert (case.issue.responsible_unit, case.issue.supervising_unit) == (LEAD, SUPERVISING)


def test_changing_to_joint_needs_co_units():
    case = reach(S.IN_PROGRESS, Track.IMMEDIATE)
    error = refused(
        case,
        PreconditionError,
        lambda: case.workflow.change_track(
            actor=DISPATCHER, at=case.tick(), track=Track.JOINT, note="需多部门合力"
        ),
    )
    assert error.field == "change_track.co_units"
    event = case.workflow.change_track(
        actor=LEADER, at=case.tick(), track=Track.JOINT, co_units=CO_UNITS, note="需多部门合力"
    )
    assert (event.from_status, event.to_status) == (S.IN_PROGRESS, S.IN_PROGRESS)
    assert (case.issue.track, case.issue.co_units) == (Track.JOINT, CO_UNITS)
    with pytest.raises(PreconditionError):  # now the co-units' parts are needed
        case.workflow.resolve(actor=handler(), at=case.tick())


def test_changing_to_the_same_track_is_refused():
    case = reach(S.TRANSFERRED, Track.TRACKED)
    error = refused(
        case,
        PreconditionError,
        lambda: case.workflow.change_track(
            actor=DISPATCHER, at=case.tick(), track=Track.TRACKED, note="盯办"
        ),
    )
    assert (error.field, error.value) == ("change_track.track", Track.TRACKED)


# -- 7. sending back and dismissing --------------------------------------------------------


@pytest.mark.parametrize("status", [S.TRANSFERRED, S.IN_PROGRESS])
def test_sending_back_clears_the_assignment_and_keeps_the_reason(status):
    case = reach(status, Track.JOINT)
    event = case.workflow.send_back(actor=handler(), at=case.tick(), note="不属于本单位职责")
    issue = case.issue
    assert (event.from_status, event.to_status) == (status, S.RETURNED)
    assert event.note == "不属于本单位职责"
    assert issue.status is S.RETURNED
    assert (issue.responsible_unit, issue.responsible_person, issue.deadline) == (None, None, None)
    assert (issue.co_units, issue.parts_reported) == ((), ())


def test_a_returned_item_is_transferred_again_to_another_unit():
    case = reach(S.RETURNED)
    at = case.tick()
    event = case.workflow.transfer(actor=DISPATCHER, at=at, unit=OTHER)
    assert (event.from_status, event.to_status) == (S.RETURNED, S.TRANSFERRED)
    due = WorkflowPolicy().deadline_for(Track.IMMEDIATE, at)
    assert (case.issue.responsible_unit, case.issue.deadline) == (OTHER, due)
    case.workflow.sign_for(actor=handler(OTHER), at=case.tick())
    assert case.issue.status is S.IN_PROGRESS
    assert names(case) == ["transfer", "send_back", "transfer", "sign_for"]


def test_a_sign_off_does_not_carry_over_to_the_unit_an_item_is_transferred_to_next():
    # A sign-off approves the work of the unit that did it, as parts_reported does
    # for a 共办 item; sending the item back clears the parts, and so the sign-off.
    case = reach(S.IN_PROGRESS, Track.SUPERVISED)
    case.workflow.sign_off(actor=SUPERVISOR, at=case.tick())
    case.workflow.send_back(actor=handler(), at=case.tick(), note="应由水务局办理")
    case.workflow.transfer(actor=DISPATCHER, at=case.tick(), unit=OTHER, deadline=DUE)
    case.workflow.sign_for(actor=handler(OTHER), at=case.tick())
    assert case.issue.signed_off_by is None
    with pytest.raises(PreconditionError):
        case.workflow.resolve(actor=handler(OTHER), at=case.tick())


def test_a_duplicate_is_dismissed_naming_the_original():
    case = reach(S.RECEIVED)
    event = case.workflow.dismiss(
        actor=INTAKE_CLERK,
        at=case.tick(),
        reason=DismissalReason.DUPLICATE,
        original="2026-0301-017",
        note="同一诉求昨日已受理",
    )
    assert (case.issue.status, case.issue.duplicate_of) == (S.DISMISSED, "2026-0301-017")
    assert dict(event.data) == {"reason": "duplicate", "original": "2026-0301-017"}


@pytest.mark.parametrize("original", [None, "2026-0302-001"])
def test_a_duplicate_must_name_another_issue(original):
    case = reach(S.TRANSFERRED)
    error = refused(
        case,
        PreconditionError,
        lambda: case.workflow.dismiss(
            actor=DISPATCHER,
            at=case.tick(),
            reason=DismissalReason.DUPLICATE,
            original=original,
            note="重复",
        ),
    )
    assert (error.field, error.value) == ("dismiss.original", original)


def test_the_requester_may_withdraw_their_own_issue():
    case = reach(S.IN_PROGRESS)
    event = case.workflow.dismiss(
        actor=REQUESTER, at=case.tick(), reason=DismissalReason.WITHDRAWN, note="已自行解决"
    )
    assert (event.role, case.issue.status, case.issue.duplicate_of) == (
        Role.REQUESTER,
        S.DISMISSED,
        None,
    )


def test_a_requester_may_not_withdraw_someone_elses_issue():
    case = reach(S.TRANSFERRED)
    stranger = Actor(id="p-li", role=Role.REQUESTER)
    error = refused(
        case,
        RoleError,
        lambda: case.workflow.dismiss(
            actor=stranger, at=case.tick(), reason=DismissalReason.WITHDRAWN, note="撤回"
        ),
    )
    assert (error.field, error.value) == ("dismiss.actor.id", "p-li")


def test_a_requester_may_only_withdraw_not_dismiss_otherwise():
    case = reach(S.RECEIVED)
    error = refused(
        case,
        RoleError,
        lambda: case.workflow.dismiss(
            actor=REQUESTER, at=case.tick(), reason=DismissalReason.INVALID, note="无效"
        ),
    )
    assert (error.field, error.value) == ("dismiss.actor.role", Role.REQUESTER)


def test_nobody_withdraws_an_anonymous_issue_as_its_requester():
    case = reach(S.RECEIVED, requester=None)
    error = refused(
        case,
        RoleError,
        lambda: case.workflow.dismiss(
            actor=REQUESTER, at=case.tick(), reason=DismissalReason.WITHDRAWN, note="撤回"
        ),
    )
    assert error.field == "dismiss.actor.id"


# -- 8. binding a user's own record --------------------------------------------------------


def plain_record(**overrides: Any) -> SimpleNamespace:
    """A user's own record of a 盯办 item: the model fields, a ``state`` and a history."""
    fields = {
        "id": "row-7",
        "received_at": T0,
        "received_by": CENTRE,
        "track": Track.TRACKED,
        "requester": ZHANG,
        "responsible_unit": None,
        "responsible_person": None,
        "requirements": "",
        "deadline": None,
        "co_units": (),
        "parts_reported": (),
        "supervising_unit": None,
        "supervisor": None,
        "signed_off_by": None,
        "milestones": (),
        "round": 1,
        "duplicate_of": None,
        "feedback": (),
        "evaluations": (),
        "rectifications": (),
        "appeals": (),
        "visits": (),
        "state": S.RECEIVED,
        "history": (),
    }
    return SimpleNamespace(**{**fields, **overrides})


def test_the_plain_record_helper_has_exactly_the_model_fields():
    assert set(vars(plain_record())) == {*IssueWorkflow.model_fields, "state", "history"}


def test_a_plain_record_is_driven_through_its_own_fields():
    record = plain_record()
    clock = FixedClock(T0)
    workflow = IssueWorkflow(record, state_field="state", clock=clock)
    returned = [
        workflow.transfer(
            actor=DISPATCHER,
            at=clock.advance(hours=1).now(),
            unit=LEAD,
            deadline=DUE,
            requirements="两个月内建成",
            milestones=[Milestone(name="选址"), Milestone(name="建成", weight=3)],
        ),
        workflow.sign_for(actor=handler(), at=clock.advance(hours=1).now()),
        workflow.complete_milestone(
            actor=handler(), at=clock.advance(days=5).now(), milestone="选址"
        ),
    ]
    assert record.state is S.IN_PROGRESS
    assert (record.responsible_unit, record.deadline, record.requirements) == (
        LEAD,
        DUE,
        "两个月内建成",
    )
    assert record.responsible_person == handler().id
    assert [m.done_at for m in record.milestones] == [clock.now(), None]
    assert record.history == tuple(returned)
    assert [e.to_status for e in record.history] == [S.TRANSFERRED, S.IN_PROGRESS, S.IN_PROGRESS]
    # The record's last event bounds the next step, as it does for an Issue.
    with pytest.raises(ChronologyError):
        workflow.resolve(actor=handler(), at=T0.add(hours=2))
    with pytest.raises(PreconditionError):  # 建成 is not done
        workflow.resolve(actor=handler(), at=clock.advance(days=1).now())
    assert record.state is S.IN_PROGRESS


def test_a_plain_record_with_closed_at_is_closed_like_an_issue():
    record = plain_record(track=Track.IMMEDIATE, closed_at=None)
    clock = FixedClock(T0)
    workflow = IssueWorkflow(record, state_field="state", clock=clock)
    workflow.sign_for(actor=handler(CENTRE), at=clock.advance(hours=1).now())
    workflow.resolve(actor=handler(CENTRE), at=clock.advance(hours=1).now())
    at = clock.advance(hours=1).now()
    workflow.answer(
        actor=handler(CENTRE),
        at=at,
        feedback=Feedback(at=at, content="已增投车辆", method=FeedbackMethod.TEXT_MESSAGE),
    )
    at = clock.advance(hours=1).now()
    good = Evaluation(issue_id="row-7", rating=Rating.SATISFIED, resolved=True, at=at)
    workflow.rate(actor=REQUESTER, at=at, evaluation=good)
    assert (record.state, record.closed_at, record.evaluations) == (S.CLOSED, at, (good,))
    assert [e.name for e in record.history] == ["sign_for", "resolve", "answer", "rate"]


def test_a_plain_record_without_a_history_still_gets_every_field_changed():
    record = plain_record(track=Track.IMMEDIATE)
    del record.history
    workflow = IssueWorkflow(record, state_field="state", clock=FixedClock(T0))
    event = workflow.sign_for(actor=handler(CENTRE))  # at: the clock's now
    assert event.at == T0
    assert (record.state, record.responsible_unit) == (S.IN_PROGRESS, CENTRE)
    assert not hasattr(record, "history")


def test_a_new_plain_record_with_no_state_yet_starts_as_received():
    # An ORM row just created holds None in its state column; python-statemachine
    # puts such a model in the initial state.
    record = plain_record(state=None)
    workflow = IssueWorkflow(record, state_field="state", clock=FixedClock(T0))
    assert record.state == S.RECEIVED
    workflow.transfer(actor=DISPATCHER, at=T0.add(hours=1), unit=LEAD, deadline=DUE)
    assert record.state is S.TRANSFERRED


def test_a_record_lacking_model_fields_is_refused_naming_them():
    record = plain_record()
    del record.deadline, record.milestones
    with pytest.raises(InvalidTypeError) as caught:
        IssueWorkflow(record, state_field="state")
    assert caught.value.field == "IssueWorkflow.model"
    assert "deadline" in caught.value.problem
    assert "milestones" in caught.value.problem
    assert "co_units" not in caught.value.problem


def test_an_issue_is_bound_through_its_status_field_only():
    issue = new_case().issue
    with pytest.raises(InvalidTypeError) as caught:
        IssueWorkflow(issue, state_field="state")
    assert (caught.value.field, caught.value.value) == ("IssueWorkflow.state_field", "state")
    assert issue.status is S.RECEIVED


@pytest.mark.parametrize(
    ("options", "field"),
    [
        ({"policy": {"close_on_satisfied_rating": False}}, "IssueWorkflow.policy"),
        ({"policy": None}, "IssueWorkflow.policy"),
        ({"clock": object()}, "IssueWorkflow.clock"),
        ({"clock": "Asia/Shanghai"}, "IssueWorkflow.clock"),
        ({"state_field": ""}, "IssueWorkflow.state_field"),
    ],
)
def test_a_bad_policy_clock_or_state_field_is_refused(options, field):
    with pytest.raises(InvalidTypeError) as caught:
        IssueWorkflow(new_case().issue, **options)
    assert caught.value.field == field


# -- 9. what a step returns ----------------------------------------------------------------


def test_a_transfer_returns_its_audit_event_with_json_data():
    case = new_case(Track.JOINT)
    at = case.tick()
    event = case.workflow.transfer(
        actor=DISPATCHER,
        at=at,
        unit=LEAD,
        co_units=list(CO_UNITS),
        deadline=DUE,
        requirements="协调银行开展牧户贷款",
        note="难事合力共办",
    )
    assert event is case.issue.history[-1]
    assert (event.name, event.actor, event.role, event.unit, event.at) == (
        "transfer",
        DISPATCHER.id,
        Role.DISPATCHER,
        CENTRE,
        at,
    )
    assert (event.from_status, event.to_status, event.note) == (
        S.RECEIVED,
        S.TRANSFERRED,
        "难事合力共办",
    )
    data = thaw_data(event.data)
    assert data == {
        "unit": LEAD,
        "co_units": list(CO_UNITS),
        "deadline": "2026-03-12T18:00:00+08:00[Asia/Shanghai]",
        "requirements": "协调银行开展牧户贷款",
    }
    assert json.loads(json.dumps(data)) == data
    assert parse_instant(data["deadline"]) == DUE


def test_the_events_returned_are_the_history_in_order():
    case = new_case(Track.JOINT)
    workflow = case.workflow
    returned = [
        transfer(case),
        workflow.sign_for(actor=handler(), at=case.tick(), person="ma.handler"),
        workflow.report_part(actor=handler("county-finance"), at=case.tick()),
        workflow.report_part(actor=handler("agri-bank"), at=case.tick()),
        workflow.resolve(actor=handler(), at=case.tick(), note="已发放贷款"),
        answer(case),
        rate(case, Rating.VERY_SATISFIED),
    ]
    assert case.issue.history == tuple(returned)
    chain = [(e.from_status, e.to_status) for e in returned]
    assert all(prev[1] is nxt[0] for prev, nxt in itertools.pairwise(chain))
    assert [e.unit for e in returned[2:4]] == list(CO_UNITS)
    assert returned[1].data == {"person": "ma.handler"}
    assert case.issue.responsible_person == "ma.handler"


def test_answer_and_rate_events_carry_the_feedback_and_rating_as_json():
    case = reach(S.RESOLVED)
    answered = answer(case)
    feedback = thaw_data(answered.data)["feedback"]
    assert (feedback["content"], feedback["method"], feedback["unit"]) == (
        "已办理并电话回访",
        "phone",
        LEAD,
    )
    assert parse_instant(feedback["at"]) == answered.at
    rated = rate(case, Rating.BASICALLY_SATISFIED)
    given = thaw_data(rated.data)["evaluation"]
    assert (given["rating"], given["round"], given["issue_id"], given["rater"]) == (
        "basically_satisfied",
        1,
        case.issue.id,
        ZHANG.id,
    )
    assert case.issue.evaluations[-1].rating is Rating.BASICALLY_SATISFIED


def test_a_step_without_at_happens_at_the_clocks_now():
    case = new_case()
    case.clock.set(T0.add(minutes=25))
    event = case.workflow.transfer(actor=DISPATCHER, unit=LEAD)
    assert event.at == T0.add(minutes=25)
    # One working day from Monday 09:25: the close of Tuesday.
    assert case.issue.deadline == pendulum.datetime(2026, 3, 3, 17, 30, tz="Asia/Shanghai")


@pytest.mark.parametrize("clock", [pendulum.now("Asia/Shanghai"), FixedClock, SystemClock])
def test_a_datetime_or_a_class_is_not_taken_for_a_clock(clock):
    from banshishi import Ledger

    with pytest.raises(InvalidTypeError) as caught:
        IssueWorkflow(plain_record(), state_field="state", clock=clock)
    assert caught.value.field == "IssueWorkflow.clock"
    with pytest.raises(InvalidTypeError) as caught:
        Ledger(clock=clock)
    assert caught.value.field == "Ledger.clock"


def test_a_deadline_taken_from_the_policy_is_recorded_so_replay_needs_no_policy():
    from banshishi import Ledger, WorkflowPolicy, replay

    ledger = Ledger()
    ledger.receive(
        Issue(
            id="bikes",
            title="共享单车不够用",
            channel=Channel.HOTLINE,
            urgency=Urgency.URGENT,
            received_at=T0,
            received_by=CENTRE,
        ),
        actor=Actor(id="clerk", role=Role.INTAKE_CLERK, unit=CENTRE),
    )
    ledger.apply("bikes", "sign_for", actor=handler(CENTRE), at=T0.add(hours=1))
    signed = ledger.history("bikes")[-1]
    assert signed.data["deadline"] == "2026-03-03T17:30:00+08:00[Asia/Shanghai]"
    longer = WorkflowPolicy(time_limits={Track.IMMEDIATE: dt.timedelta(days=3)})
    assert replay(ledger.history("bikes"), policy=longer) == ledger.issue("bikes")


def test_only_a_duplicate_names_an_original_issue():
    from banshishi import DismissalReason, Ledger

    ledger = Ledger()
    ledger.receive(
        Issue(
            id="x",
            title="重复来电",
            channel=Channel.HOTLINE,
            urgency=Urgency.URGENT,
            received_at=T0,
        ),
        actor=Actor(id="clerk", role=Role.INTAKE_CLERK),
    )
    with pytest.raises(PreconditionError) as caught:
        ledger.apply(
            "x",
            "dismiss",
            actor=DISPATCHER,
            at=T0.add(hours=1),
            note="无效",
            reason=DismissalReason.INVALID,
            original="x",
        )
    assert caught.value.field == "dismiss.original"
    assert ledger.issue("x").duplicate_of is None
    assert ledger.status("x") is S.RECEIVED
