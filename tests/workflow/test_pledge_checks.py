"""The pledge workflow (PledgeWorkflow): who may take each step, and every input
check, each refusal changing nothing.

The cast (pledge_steps.py): 李 (a party member) pledges on his own 为民办事清单 and
acts for his branch, whose 民生实事计划 it is; 刘 is a member of the county
leadership team, which claimed a key project (重点民生项目) with its 实事项目书.
Supervisors and reviewers verify delivery before a pledge is struck off (销号); the
platform marks pledges overdue. Times are Asia/Shanghai, from Monday 2 March 2026.
"""

import dataclasses
from collections.abc import Callable
from typing import Any

import pytest
from pendulum import DateTime

from banshishi import (
    Event,
    FixedClock,
    InvalidTypeError,
    InvalidValueError,
    Milestone,
    NaiveDatetimeError,
    PledgeListKind,
    PledgeStatus,
    PledgeWorkflow,
    ProjectCharter,
    RoleError,
)
from cast import REQUESTER
from pledge_steps import (
    CHARTER,
    DISPATCHER,
    DUE,
    HANDLER,
    LEADER,
    MEMBER,
    OTHER_LEADER,
    OTHER_MEMBER,
    PLATFORM,
    REVIEWER,
    SCRIPT,
    SUPERVISOR,
    T0,
    TEAM,
    Case,
    S,
    new_case,
    new_pledge,
    reach,
    refused,
)

# -- 3. who may take each step ---------------------------------------------------------------

KEEPER_STEPS: dict[str, tuple[PledgeStatus, Callable[[Case], dict[str, Any]]]] = {
    "publish": (
        S.DRAFT,
        lambda c: {"charter": CHARTER} if c.pledge.pledger == TEAM else {"deadline": DUE},
    ),
    "start": (S.PUBLISHED, lambda c: {}),
    "add_milestones": (S.IN_PROGRESS, lambda c: {"milestones": [Milestone(name="新节点")]}),
    "complete_milestone": (S.IN_PROGRESS, lambda c: {"milestone": "走访摸底"}),
    "withdraw": (S.IN_PROGRESS, lambda c: {"note": "岗位调整"}),
}
"""The steps the pledger takes (or a supervisor for them): where each starts, its arguments."""


def keeper_case(event: str, kind: str = "member") -> tuple[Case, dict[str, Any]]:
    status, args = KEEPER_STEPS[event]
    case = reach(status, kind)
    if event == "complete_milestone":
        case.workflow.add_milestones(
            actor=case.keeper, at=case.tick(), milestones=[Milestone(name="走访摸底")]
        )
    return case, args(case)


@pytest.mark.parametrize("event", KEEPER_STEPS)
@pytest.mark.parametrize(
    ("kind", "actor"),
    [
        ("member", MEMBER),  # the pledger themself
        ("branch", MEMBER),  # a member acting for his branch (actor.unit is the pledger)
        ("key", LEADER),  # a leader acting for the leadership team
        ("leader", LEADER),  # a leader on their own list
        ("member", SUPERVISOR),
        ("key", SUPERVISOR),
    ],
    ids=["member-self", "member-for-branch", "leader-for-team", "leader-self", "sup", "sup-key"],
)
def test_the_pledger_or_a_supervisor_keeps_the_pledge(event, kind, actor):
    case, args = keeper_case(event, kind)
    count = len(case.pledge.history)
    step = getattr(case.workflow, event)
    step(actor=actor, at=case.tick(), **args)
    assert len(case.pledge.history) == count + 1
    assert (case.pledge.history[-1].name, case.pledge.history[-1].actor) == (event, actor.id)


@pytest.mark.parametrize("event", KEEPER_STEPS)
@pytest.mark.parametrize(
    ("kind", "actor", "field"),
    [
        ("member", OTHER_MEMBER, "actor.id"),  # another member
        ("branch", OTHER_MEMBER, "actor.id"),  # a member of another branch
        ("key", OTHER_LEADER, "actor.id"),  # a leader of another team
        ("member", LEADER, "actor.id"),  # a leader is not the member
        ("member", HANDLER, "actor.role"),
        ("member", DISPATCHER, "actor.role"),
        ("member", REVIEWER, "actor.role"),
        ("member", PLATFORM, "actor.role"),
        ("member", REQUESTER, "actor.role"),
    ],
    ids=[
        "other-member",
        "other-branch",
        "other-team",
        "leader-on-member",
        "handler",
        "dispatcher",
        "reviewer",
        "platform",
        "requester",
    ],
)
def test_nobody_else_keeps_the_pledge(event, kind, actor, field):
    case, args = keeper_case(event, kind)
    step = getattr(case.workflow, event)
    error = refused(case, RoleError, lambda: step(actor=actor, at=case.tick(), **args))
    assert error.field == f"{event}.{field}"
    assert error.value == (actor.id if field == "actor.id" else actor.role)
    assert isinstance(error, PermissionError)


@pytest.mark.parametrize("actor", [SUPERVISOR, REVIEWER], ids=["supervisor", "reviewer"])
def test_a_supervisor_or_a_reviewer_strikes_a_pledge_off(actor):
    case = reach(S.IN_PROGRESS)
    case.workflow.fulfil(actor=actor, at=case.tick())
    assert case.pledge.status is S.FULFILLED


@pytest.mark.parametrize(
    "actor", [MEMBER, LEADER, PLATFORM, DISPATCHER], ids=["pledger", "leader", "platform", "disp"]
)
def test_nobody_else_strikes_a_pledge_off_not_even_the_pledger(actor):
    case = reach(S.IN_PROGRESS)
    error = refused(case, RoleError, lambda: case.workflow.fulfil(actor=actor, at=case.tick()))
    assert (error.field, error.value) == ("fulfil.actor.role", actor.role)
    assert "reviewer" in error.hint


@pytest.mark.parametrize(
    ("actor", "accepted"),
    [(PLATFORM, True), (SUPERVISOR, True), (MEMBER, False), (REVIEWER, False), (LEADER, False)],
)
def test_only_the_platform_or_a_supervisor_marks_a_pledge_overdue(actor, accepted):
    case = reach(S.IN_PROGRESS)
    case.clock.advance(days=61)
    if accepted:
        case.workflow.lapse(actor=actor, at=case.tick())
        assert case.pledge.status is S.OVERDUE
    else:
        error = refused(case, RoleError, lambda: case.workflow.lapse(actor=actor, at=case.tick()))
        assert error.field == "lapse.actor.role"


@pytest.mark.parametrize(
    ("actor", "accepted"),
    [(SUPERVISOR, True), (LEADER, True), (MEMBER, False), (PLATFORM, False), (REVIEWER, False)],
)
def test_only_a_supervisor_or_a_leader_extends_a_deadline(actor, accepted):
    case = reach(S.IN_PROGRESS)

    def extend() -> Event:
        return case.workflow.extend(
            actor=actor, at=case.tick(), deadline=DUE.add(days=30), note="资金未到位"
        )

    if accepted:
        extend()
        assert case.pledge.deadline == DUE.add(days=30)
    else:
        assert refused(case, RoleError, extend).field == "extend.actor.role"


def test_a_role_error_on_a_pledge_does_not_call_it_an_issue():
    case = reach(S.IN_PROGRESS)
    error = refused(case, RoleError, lambda: case.workflow.fulfil(actor=MEMBER, at=case.tick()))
    assert "issue" not in str(error)


# -- 7. input checks -------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("call", "error", "field"),
    [
        (lambda c: c.workflow.publish(MEMBER, deadline=DUE), InvalidTypeError, "publish.args"),
        (
            lambda c: c.workflow.publish(actor=MEMBER.id, deadline=DUE),
            InvalidTypeError,
            "publish.actor",
        ),
        (
            lambda c: c.workflow.publish(actor=MEMBER, at="2026-03-03T09:00+08:00", deadline=DUE),
            InvalidTypeError,
            "publish.at",
        ),
        (
            lambda c: c.workflow.publish(actor=MEMBER, deadline=DUE.naive()),
            NaiveDatetimeError,
            "publish.deadline",
        ),
        (
            lambda c: c.workflow.publish(actor=MEMBER, deadline="2026-05-01"),
            InvalidTypeError,
            "publish.deadline",
        ),
        (
            lambda c: c.workflow.publish(actor=MEMBER, deadline=DUE, unit="x"),
            InvalidValueError,
            "publish.unit",
        ),
        (
            lambda c: c.workflow.add_milestones(actor=MEMBER, milestones=[], deadline=DUE),
            InvalidValueError,
            "add_milestones.deadline",
        ),
        (
            lambda c: c.workflow.publish(actor=MEMBER, deadline=DUE, note=3),
            InvalidTypeError,
            "publish.note",
        ),
        (
            lambda c: c.workflow.publish(actor=MEMBER, charter="实事项目书"),
            InvalidTypeError,
            "publish.charter",
        ),
    ],
    ids=[
        "positional",
        "actor-id",
        "at-as-text",
        "naive-deadline",
        "deadline-as-text",
        "stray-argument",
        "argument-of-another-step",
        "note-not-text",
        "charter-as-text",
    ],
)
def test_bad_input_is_refused_naming_it_and_changes_nothing(call, error, field):
    case = new_case()
    case.clock.advance(hours=1)
    caught = refused(case, error, lambda: call(case))
    assert caught.field == field


def test_a_workflow_is_bound_to_a_pledge_through_its_status_field_only():
    with pytest.raises(InvalidTypeError) as caught:
        PledgeWorkflow(new_pledge(), state_field="state")
    assert caught.value.field == "PledgeWorkflow.state_field"
    with pytest.raises(InvalidTypeError) as clock:
        PledgeWorkflow(new_pledge(), clock=T0)
    assert clock.value.field == "PledgeWorkflow.clock"


def test_a_workflow_bound_to_a_pledge_mid_life_starts_from_its_status():
    case = reach(S.IN_PROGRESS)
    again = PledgeWorkflow(case.pledge, clock=case.clock)
    assert again.current_state_value is S.IN_PROGRESS
    again.fulfil(actor=REVIEWER, at=case.tick())
    assert case.pledge.status is S.FULFILLED


@dataclasses.dataclass
class PlainPledge:
    """A user's own record: the workflow's model fields, a status and a history."""

    id: str
    pledger: str
    list_kind: PledgeListKind
    claimed_at: DateTime
    deadline: DateTime | None = None
    charter: ProjectCharter | None = None
    milestones: tuple[Milestone, ...] = ()
    published_at: DateTime | None = None
    fulfilled_at: DateTime | None = None
    withdrawn_at: DateTime | None = None
    status: PledgeStatus | None = None
    history: tuple[Event, ...] = ()


def test_the_plain_record_helper_has_exactly_the_model_fields():
    fields = {field.name for field in dataclasses.fields(PlainPledge)}
    assert fields - {"status", "history"} == set(PledgeWorkflow.model_fields)


def test_a_plain_record_is_driven_like_a_pledge():
    pledge = new_pledge("key")
    record = PlainPledge(
        id=pledge.id, pledger=pledge.pledger, list_kind=pledge.list_kind, claimed_at=T0
    )
    workflow = PledgeWorkflow(record, clock=FixedClock(T0))
    assert record.status is S.DRAFT  # a record with no status yet starts as a draft
    bound = PledgeWorkflow(pledge, clock=FixedClock(T0))
    for event, actor, hours, note, args in SCRIPT:
        at = T0.add(hours=hours)
        getattr(workflow, event)(actor=actor, at=at, note=note, **args)
        getattr(bound, event)(actor=actor, at=at, note=note, **args)
    assert record.history == pledge.history
    for name in PledgeWorkflow.model_fields:
        assert getattr(record, name) == getattr(pledge, name), name
    assert record.status is pledge.status is S.FULFILLED


def test_a_record_lacking_model_fields_is_refused_naming_them():
    @dataclasses.dataclass
    class Thin:
        id: str = "x"
        pledger: str = MEMBER.id
        status: PledgeStatus = S.DRAFT

    with pytest.raises(InvalidTypeError) as caught:
        PledgeWorkflow(Thin())
    assert caught.value.field == "PledgeWorkflow.model"
    assert "milestones" in caught.value.problem
