"""The pledge workflow (PledgeWorkflow): every step and every refusal, the same steps
through the PledgeLedger, replay from the audit events, and JSON round trips.

The cast: 李 (a party member) pledges on his own 为民办事清单 and acts for his
branch, whose 民生实事计划 it is; 刘 is a member of the county leadership team,
which claimed a key project (重点民生项目) with its 实事项目书. Supervisors and
reviewers verify delivery before a pledge is struck off (销号); the platform
marks pledges overdue. Times are Asia/Shanghai, from Monday 2 March 2026.
"""

import dataclasses
import json
from collections.abc import Callable
from fractions import Fraction
from typing import Any

import attrs
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import event as note_event
from hypothesis import strategies as st
from hypothesis.stateful import (
    RuleBasedStateMachine,
    initialize,
    invariant,
    rule,
)
from pendulum import DateTime

from banshishi import (
    BanshishiError,
    ChronologyError,
    DuplicateError,
    Event,
    FixedClock,
    InconsistentRecordError,
    InvalidTypeError,
    InvalidValueError,
    Milestone,
    NaiveDatetimeError,
    NotFoundError,
    Pledge,
    PledgeCommand,
    PledgeLedger,
    PledgeListKind,
    PledgeStatus,
    PledgeWorkflow,
    PreconditionError,
    ProjectCharter,
    Refusal,
    Role,
    RoleError,
    Subject,
    TransitionRefusedError,
    replay_pledge,
    structure,
    unstructure,
)
from banshishi._workflow.pledge_workflow import pledge_allowed_events
from pledge_steps import (
    BRANCH,
    CAST,
    CHARTER,
    DISPATCHER,
    DUE,
    EVENTS,
    FINAL,
    HANDLER,
    KEEPERS,
    KINDS,
    LEADER,
    MEMBER,
    OPEN,
    OTHER_LEADER,
    OTHER_MEMBER,
    PLATFORM,
    REQUESTER,
    REVIEWER,
    SCRIPT,
    SUPERVISOR,
    T0,
    TEAM,
    Call,
    Case,
    S,
    claimed,
    draw_call,
    draw_claim_fields,
    names,
    new_case,
    new_pledge,
    on_ledger,
    on_machine,
    reach,
    refused,
    same_pledge,
    scripted,
    with_milestones,
)

# -- 1. the ordinary life of a pledge --------------------------------------------------------


def test_a_member_pledge_runs_from_draft_to_fulfilled():
    case = new_case()
    workflow, pledge = case.workflow, case.pledge
    assert pledge.status is S.DRAFT
    first = Milestone(name="走访摸底", weight=1)
    second = Milestone(name="上门服务", weight=3, due=T0.add(days=30))
    workflow.add_milestones(actor=MEMBER, at=case.tick(), milestones=[first, second])
    published = workflow.publish(actor=MEMBER, at=case.tick(), deadline=DUE)
    assert (pledge.status, pledge.published_at, pledge.deadline) == (
        S.PUBLISHED,
        T0.add(hours=2),
        DUE,
    )
    workflow.start(actor=MEMBER, at=case.tick())
    done_at = case.tick()
    workflow.complete_milestone(actor=MEMBER, at=done_at, milestone="走访摸底")
    assert pledge.milestones == (attrs.evolve(first, done_at=done_at), second)
    assert pledge.progress == Fraction(1, 4)
    workflow.complete_milestone(actor=MEMBER, at=case.tick(), milestone="上门服务")
    assert pledge.status is S.IN_PROGRESS  # done, but struck off only on verification
    last = workflow.fulfil(actor=REVIEWER, at=case.tick())
    assert pledge.status is S.FULFILLED
    assert pledge.fulfilled_at == T0.add(hours=6)
    assert pledge.progress == 1
    assert names(case) == [
        "add_milestones",
        "publish",
        "start",
        "complete_milestone",
        "complete_milestone",
        "fulfil",
    ]
    assert [(e.from_status, e.to_status) for e in pledge.history] == [
        (S.DRAFT, S.DRAFT),
        (S.DRAFT, S.PUBLISHED),
        (S.PUBLISHED, S.IN_PROGRESS),
        (S.IN_PROGRESS, S.IN_PROGRESS),
        (S.IN_PROGRESS, S.IN_PROGRESS),
        (S.IN_PROGRESS, S.FULFILLED),
    ]
    assert all(event.subject is Subject.PLEDGE for event in pledge.history)
    assert pledge.history[1] == published
    assert pledge.history[-1] == last
    assert (last.actor, last.role, last.unit) == (REVIEWER.id, Role.REVIEWER, None)
    assert published.data == {"deadline": "2026-05-01T09:00:00+08:00[Asia/Shanghai]"}
    assert pledge.history[3].data == {"milestone": "走访摸底"}


def test_a_step_without_at_happens_at_the_clocks_now():
    case = new_case()
    case.clock.advance(hours=5)
    event = case.workflow.publish(actor=MEMBER, deadline=DUE)
    assert event.at == T0.add(hours=5) == case.pledge.published_at


def test_a_step_may_share_the_moment_of_the_last_event_but_not_come_before_it():
    case = reach(S.PUBLISHED)
    at = case.pledge.history[-1].at
    case.workflow.start(actor=MEMBER, at=at)
    error = refused(
        case,
        ChronologyError,
        lambda: case.workflow.add_milestones(
            actor=MEMBER, at=at.subtract(microseconds=1), milestones=[Milestone(name="a")]
        ),
    )
    assert error.field == "add_milestones.at"
    first = new_case()
    error = refused(
        first,
        ChronologyError,
        lambda: first.workflow.publish(actor=MEMBER, at=T0.subtract(seconds=1), deadline=DUE),
    )
    assert error.field == "publish.at"


def test_the_workflow_goes_on_normally_after_a_refusal():
    case = reach(S.IN_PROGRESS)
    with pytest.raises(InvalidValueError):
        case.workflow.withdraw(actor=MEMBER, at=case.tick(), note="")
    event = case.workflow.withdraw(actor=MEMBER, at=case.tick(), note="调离本社区")
    assert (event.to_status, case.pledge.status) == (S.WITHDRAWN, S.WITHDRAWN)


# -- 2. publication (公示) ------------------------------------------------------------------


def test_publish_keeps_the_deadline_set_at_the_claim_and_records_it():
    case = new_case(deadline=DUE)
    event = case.workflow.publish(actor=MEMBER, at=case.tick())
    assert case.pledge.deadline == DUE
    assert event.data == {"deadline": "2026-05-01T09:00:00+08:00[Asia/Shanghai]"}


def test_publish_with_a_new_deadline_replaces_the_one_set_at_the_claim():
    case = new_case(deadline=DUE)
    case.workflow.publish(actor=MEMBER, at=case.tick(), deadline=DUE.add(days=5))
    assert case.pledge.deadline == DUE.add(days=5)


def test_a_pledge_is_published_with_a_date():
    case = new_case()
    error = refused(case, PreconditionError, lambda: case.workflow.publish(actor=MEMBER, at=T0))
    assert (error.field, error.value) == ("publish.deadline", None)


@pytest.mark.parametrize("offset", [0, -1], ids=["at-the-step", "before-the-step"])
def test_a_deadline_not_after_the_publication_is_refused(offset):
    case = new_case()
    at = case.tick()
    deadline = at.add(hours=offset)
    error = refused(
        case,
        ChronologyError,
        lambda: case.workflow.publish(actor=MEMBER, at=at, deadline=deadline),
    )
    assert (error.field, error.value) == ("publish.deadline", deadline)


def test_a_key_project_needs_its_charter_to_be_published():
    case = new_case("key")
    error = refused(
        case,
        PreconditionError,
        lambda: case.workflow.publish(actor=LEADER, at=case.tick(), deadline=DUE),
    )
    assert (error.field, error.value) == ("publish.charter", None)
    assert "实事项目书" in error.hint


def test_a_key_project_takes_the_charters_deadline_when_none_is_given():
    case = new_case("key")
    event = case.workflow.publish(actor=LEADER, at=case.tick(), charter=CHARTER)
    assert case.pledge.charter == CHARTER
    assert case.pledge.deadline == CHARTER.deadline
    assert set(event.data) == {"charter", "deadline"}
    assert event.data["deadline"] == event.data["charter"]["deadline"]
    assert event.data["charter"]["measures"] == ("选址改造", "配齐设施", "引入运营")


def test_a_key_project_may_repeat_the_charters_deadline():
    case = new_case("key")
    case.workflow.publish(actor=LEADER, at=case.tick(), charter=CHARTER, deadline=CHARTER.deadline)
    assert case.pledge.deadline == CHARTER.deadline


def test_a_key_project_claimed_with_its_charter_publishes_without_arguments():
    case = new_case("key", charter=CHARTER)
    event = case.workflow.publish(actor=LEADER, at=case.tick())
    assert case.pledge.deadline == CHARTER.deadline
    assert set(event.data) == {"deadline"}


@pytest.mark.parametrize("claimed_with_charter", [False, True])
def test_a_deadline_that_differs_from_the_charters_is_refused(claimed_with_charter):
    fields = {"charter": CHARTER} if claimed_with_charter else {}
    args = {} if claimed_with_charter else {"charter": CHARTER}
    case = new_case("key", **fields)
    other = CHARTER.deadline.add(days=1)
    error = refused(
        case,
        InconsistentRecordError,
        lambda: case.workflow.publish(actor=LEADER, at=case.tick(), deadline=other, **args),
    )
    assert (error.field, error.value) == ("publish.deadline", other)


def test_a_charter_published_with_a_key_project_replaces_the_deadline_it_was_claimed_with():
    case = new_case("key", deadline=DUE)
    assert CHARTER.deadline != DUE
    event = case.workflow.publish(actor=LEADER, at=case.tick(), charter=CHARTER)
    assert case.pledge.deadline == CHARTER.deadline
    assert event.data["deadline"] == unstructure(CHARTER)["deadline"]


def test_a_key_project_published_with_the_deadline_it_was_claimed_with_replays():
    pledge = new_pledge("key", deadline=DUE, charter=CHARTER)
    ledger = claimed(pledge, actor=LEADER)
    call = Call("publish", LEADER, T0.add(hours=1), "", {})
    got = on_ledger(ledger, pledge.id, call)
    if got[0] == "refused":  # refusing the mismatch up front would do as well
        assert got == ("refused", InconsistentRecordError, "publish.deadline")
        return
    # Accepted: then the history the ledger wrote must replay to the pledge it holds.
    assert replay_pledge(ledger.history(pledge.id)) == ledger.pledge(pledge.id)


def test_a_charter_belongs_to_a_key_project_only():
    case = new_case("member")
    error = refused(
        case,
        InconsistentRecordError,
        lambda: case.workflow.publish(actor=MEMBER, at=case.tick(), deadline=DUE, charter=CHARTER),
    )
    assert (error.field, error.value) == ("publish.charter", CHARTER.goal)


def test_a_charter_already_past_its_deadline_cannot_be_published():
    case = new_case("key")
    case.clock.advance(days=91)
    error = refused(
        case,
        ChronologyError,
        lambda: case.workflow.publish(actor=LEADER, at=case.tick(), charter=CHARTER),
    )
    assert (error.field, error.value) == ("publish.deadline", CHARTER.deadline)


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


# -- 4. milestones and fulfilment ------------------------------------------------------------


@pytest.mark.parametrize("status", OPEN)
def test_milestones_may_be_added_while_the_pledge_is_open(status):
    case = reach(status)
    case.workflow.add_milestones(
        actor=MEMBER, at=case.tick(), milestones=[Milestone(name="建台账", weight=2)]
    )
    assert case.pledge.milestones == (Milestone(name="建台账", weight=2),)
    assert case.pledge.status is status


def test_a_milestone_name_already_used_is_refused():
    case = with_milestones()
    error = refused(
        case,
        InconsistentRecordError,
        lambda: case.workflow.add_milestones(
            actor=MEMBER, at=case.tick(), milestones=[Milestone(name="上门服务")]
        ),
    )
    assert (error.field, error.value) == ("add_milestones.milestones[0].name", "上门服务")


def test_a_milestone_name_given_twice_in_one_step_is_refused():
    case = reach(S.IN_PROGRESS)
    twice = [Milestone(name="a"), Milestone(name="b"), Milestone(name="a", weight=2)]
    error = refused(
        case,
        InconsistentRecordError,
        lambda: case.workflow.add_milestones(actor=MEMBER, at=case.tick(), milestones=twice),
    )
    assert (error.field, error.value) == ("add_milestones.milestones[2].name", "a")


def test_a_milestone_is_added_open_and_done_through_complete_milestone():
    case = reach(S.IN_PROGRESS)
    done = Milestone(name="a", done_at=T0)
    error = refused(
        case,
        PreconditionError,
        lambda: case.workflow.add_milestones(actor=MEMBER, at=case.tick(), milestones=[done]),
    )
    assert (error.field, error.value) == ("add_milestones.milestones[0].done_at", T0)


@pytest.mark.parametrize(
    ("milestones", "error", "field"),
    [
        (None, InvalidValueError, "add_milestones.milestones"),
        (["走访"], InvalidTypeError, "add_milestones.milestones[0]"),
        ("走访", InvalidTypeError, "add_milestones.milestones"),
    ],
    ids=["missing", "not-a-milestone", "text"],
)
def test_add_milestones_needs_milestones(milestones, error, field):
    case = reach(S.IN_PROGRESS)
    caught = refused(
        case,
        error,
        lambda: case.workflow.add_milestones(actor=MEMBER, at=case.tick(), milestones=milestones),
    )
    assert caught.field == field


@pytest.mark.parametrize("status", [S.IN_PROGRESS, S.OVERDUE])
def test_completing_a_milestone_marks_it_done_at_the_step(status):
    case = with_milestones(status)
    at = case.tick()
    case.workflow.complete_milestone(actor=MEMBER, at=at, milestone="上门服务")
    assert [m.done_at for m in case.pledge.milestones] == [None, at]
    assert case.pledge.progress == Fraction(3, 4)
    assert case.pledge.status is status


def test_a_milestone_unknown_or_done_already_cannot_be_completed():
    case = with_milestones()
    for name in ("验收", "走访摸底"):
        if name == "走访摸底":
            case.workflow.complete_milestone(actor=MEMBER, at=case.tick(), milestone=name)
        error = refused(
            case,
            PreconditionError,
            lambda name=name: case.workflow.complete_milestone(
                actor=MEMBER, at=case.tick(), milestone=name
            ),
        )
        assert (error.field, error.value) == ("complete_milestone.milestone", name)


@pytest.mark.parametrize("status", [S.DRAFT, S.PUBLISHED])
def test_milestones_are_completed_only_once_the_work_has_started(status):
    case = reach(status)
    case.workflow.add_milestones(actor=MEMBER, at=case.tick(), milestones=[Milestone(name="a")])
    error = refused(
        case,
        TransitionRefusedError,
        lambda: case.workflow.complete_milestone(actor=MEMBER, at=case.tick(), milestone="a"),
    )
    assert (error.field, error.value) == ("complete_milestone.status", status)


def test_a_pledge_is_fulfilled_only_when_every_milestone_is_done():
    case = with_milestones()
    case.workflow.complete_milestone(actor=MEMBER, at=case.tick(), milestone="走访摸底")
    error = refused(
        case, PreconditionError, lambda: case.workflow.fulfil(actor=REVIEWER, at=case.tick())
    )
    assert (error.field, error.value) == ("fulfil.milestones", ["上门服务"])
    case.workflow.complete_milestone(actor=MEMBER, at=case.tick(), milestone="上门服务")
    case.workflow.fulfil(actor=REVIEWER, at=case.tick())
    assert case.pledge.status is S.FULFILLED


def test_a_pledge_without_milestones_is_fulfilled_on_verification():
    case = reach(S.IN_PROGRESS)
    case.workflow.fulfil(actor=SUPERVISOR, at=case.tick())
    assert case.pledge.fulfilled_at == case.clock.now()


@pytest.mark.parametrize("status", [S.DRAFT, S.PUBLISHED])
def test_a_pledge_not_yet_under_way_cannot_be_fulfilled(status):
    case = reach(status)
    error = refused(
        case, TransitionRefusedError, lambda: case.workflow.fulfil(actor=REVIEWER, at=case.tick())
    )
    assert (error.field, error.value) == ("fulfil.status", status)


# -- 5. deadlines: overdue and extended ------------------------------------------------------


@pytest.mark.parametrize("status", [S.PUBLISHED, S.IN_PROGRESS])
def test_a_pledge_lapses_only_after_its_deadline(status):
    case = reach(status)
    error = refused(case, PreconditionError, lambda: case.workflow.lapse(actor=PLATFORM, at=DUE))
    assert (error.field, error.value) == ("lapse.at", DUE)
    assert DUE.isoformat() in error.problem
    event = case.workflow.lapse(actor=PLATFORM, at=DUE.add(microseconds=1))
    assert (event.from_status, event.to_status) == (status, S.OVERDUE)
    assert case.pledge.deadline == DUE


def test_a_draft_has_no_deadline_to_lapse():
    case = new_case(deadline=DUE)
    error = refused(
        case,
        TransitionRefusedError,
        lambda: case.workflow.lapse(actor=PLATFORM, at=DUE.add(days=1)),
    )
    assert (error.field, error.value) == ("lapse.status", S.DRAFT)


def test_an_overdue_pledge_may_still_be_fulfilled_late():
    case = with_milestones(S.OVERDUE)
    for name in ("走访摸底", "上门服务"):
        case.workflow.complete_milestone(actor=MEMBER, at=case.tick(), milestone=name)
    case.workflow.fulfil(actor=SUPERVISOR, at=case.tick())
    assert case.pledge.status is S.FULFILLED
    assert case.pledge.fulfilled_at > case.pledge.deadline


def test_extending_an_overdue_pledge_puts_it_back_in_progress():
    case = reach(S.OVERDUE)
    later = case.clock.now().add(days=30)
    event = case.workflow.extend(actor=SUPERVISOR, at=case.tick(), deadline=later, note="汛期停工")
    assert (event.from_status, event.to_status) == (S.OVERDUE, S.IN_PROGRESS)
    assert case.pledge.deadline == later
    assert event.note == "汛期停工"
    assert event.data == {"deadline": later.isoformat() + "[Asia/Shanghai]"}


def test_an_overdue_pledge_never_started_goes_back_in_progress_too():
    case = reach(S.PUBLISHED)
    case.workflow.lapse(actor=PLATFORM, at=DUE.add(days=1))
    case.workflow.extend(actor=LEADER, at=DUE.add(days=2), deadline=DUE.add(days=30), note="延期")
    assert case.pledge.status is S.IN_PROGRESS


@pytest.mark.parametrize("status", [S.PUBLISHED, S.IN_PROGRESS])
def test_extending_a_pledge_not_overdue_keeps_its_status(status):
    case = reach(status)
    case.workflow.extend(actor=SUPERVISOR, at=case.tick(), deadline=DUE.add(days=1), note="扩项")
    assert (case.pledge.status, case.pledge.deadline) == (status, DUE.add(days=1))


def test_an_extension_must_say_why():
    case = reach(S.IN_PROGRESS)
    for note in ("", "  "):
        error = refused(
            case,
            InvalidValueError,
            lambda note=note: case.workflow.extend(
                actor=SUPERVISOR, at=case.tick(), deadline=DUE.add(days=9), note=note
            ),
        )
        assert (error.field, error.value) == ("extend.note", note)


def test_an_extension_names_a_later_deadline():
    case = reach(S.IN_PROGRESS)
    error = refused(
        case,
        InvalidValueError,
        lambda: case.workflow.extend(actor=SUPERVISOR, at=case.tick(), note="延期"),
    )
    assert (error.field, error.value) == ("extend.deadline", None)
    for deadline in (DUE, DUE.subtract(days=1)):
        error = refused(
            case,
            ChronologyError,
            lambda deadline=deadline: case.workflow.extend(
                actor=SUPERVISOR, at=case.tick(), deadline=deadline, note="延期"
            ),
        )
        assert (error.field, error.value) == ("extend.deadline", deadline)
        assert "current deadline" in error.problem


def test_an_extension_of_an_overdue_pledge_must_fall_after_the_step():
    case = reach(S.OVERDUE)
    now = case.tick()
    stale = now.subtract(days=1)
    assert stale > case.pledge.deadline
    error = refused(
        case,
        ChronologyError,
        lambda: case.workflow.extend(actor=SUPERVISOR, at=now, deadline=stale, note="延期"),
    )
    assert (error.field, error.value) == ("extend.deadline", stale)
    assert "step" in error.problem


def test_a_draft_cannot_be_extended():
    case = new_case()
    error = refused(
        case,
        TransitionRefusedError,
        lambda: case.workflow.extend(actor=SUPERVISOR, at=case.tick(), deadline=DUE, note="x"),
    )
    assert error.field == "extend.status"


# -- 6. withdrawal and the final statuses ----------------------------------------------------


@pytest.mark.parametrize("status", OPEN)
def test_an_open_pledge_may_be_withdrawn_with_a_reason(status):
    case = reach(status)
    at = case.tick()
    event = case.workflow.withdraw(actor=MEMBER, at=at, note="因工作调动无法履行")
    assert (event.from_status, event.to_status) == (status, S.WITHDRAWN)
    assert (case.pledge.status, case.pledge.withdrawn_at) == (S.WITHDRAWN, at)
    assert case.pledge.fulfilled_at is None


@pytest.mark.parametrize("note", ["", " \n"])
def test_a_withdrawal_must_say_why(note):
    case = reach(S.PUBLISHED)
    error = refused(
        case,
        InvalidValueError,
        lambda: case.workflow.withdraw(actor=MEMBER, at=case.tick(), note=note),
    )
    assert (error.field, error.value) == ("withdraw.note", note)


def plausible_args(event: str, case: Case) -> dict[str, Any]:
    """Arguments that would be accepted were the status right."""
    return {
        "publish": {"deadline": case.clock.now().add(days=9)},
        "add_milestones": {"milestones": [Milestone(name="新")]},
        "complete_milestone": {"milestone": "新"},
        "extend": {"deadline": case.clock.now().add(days=9), "note": "延期"},
        "withdraw": {"note": "撤回"},
    }.get(event, {})


@pytest.mark.parametrize("event", EVENTS)
@pytest.mark.parametrize("status", FINAL)
def test_a_final_status_allows_nothing(status, event):
    case = reach(status)
    args = plausible_args(event, case)
    step = getattr(case.workflow, event)
    error = refused(
        case, TransitionRefusedError, lambda: step(actor=SUPERVISOR, at=case.tick(), **args)
    )
    assert (error.field, error.value) == (f"{event}.status", status)
    assert "final" in error.hint
    assert pledge_allowed_events(status) == []


def test_each_open_status_lists_the_steps_that_may_follow():
    assert pledge_allowed_events(S.DRAFT) == ["publish", "add_milestones", "withdraw"]
    assert pledge_allowed_events(S.OVERDUE) == [
        "add_milestones",
        "complete_milestone",
        "fulfil",
        "extend",
        "withdraw",
    ]
    case = new_case()
    error = refused(case, TransitionRefusedError, lambda: case.workflow.start(actor=MEMBER))
    assert (error.field, error.value) == ("start.status", S.DRAFT)
    assert error.hint == "From 拟定 the steps are: publish, add_milestones, withdraw."


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


# -- 8. the ledger: claiming, and the same steps in bulk -------------------------------------


def test_a_claim_puts_a_draft_on_the_ledger_with_its_claim_event():
    pledge = new_pledge(deadline=DUE, milestones=[Milestone(name="走访摸底")], unit=BRANCH)
    ledger = PledgeLedger()
    ledger.claim(pledge, actor=MEMBER, note="支部大会认领")
    (claim,) = ledger.history(pledge.id)
    assert (claim.name, claim.from_status, claim.to_status) == ("claim", None, S.DRAFT)
    assert (claim.actor, claim.role, claim.unit, claim.at) == (MEMBER.id, MEMBER.role, BRANCH, T0)
    assert (claim.note, claim.subject) == ("支部大会认领", Subject.PLEDGE)
    assert claim.data == {
        "id": "2026-member-001",
        "title": "为独居老人每月上门一次",
        "pledger": MEMBER.id,
        "pledger_kind": "party_member",
        "list_kind": "service_list",
        "claimed_at": "2026-03-02T09:00:00+08:00[Asia/Shanghai]",
        "unit": BRANCH,
        "issue": None,
        "deadline": "2026-05-01T09:00:00+08:00[Asia/Shanghai]",
        "charter": None,
        "milestones": ({"name": "走访摸底", "weight": 1, "due": None, "done_at": None},),
        "parent": None,
        "weight": None,
    }
    assert ledger.pledge(pledge.id) == attrs.evolve(pledge, history=(claim,))
    assert ledger.status(pledge.id) is S.DRAFT
    assert (len(ledger), list(ledger), pledge.id in ledger) == (1, [pledge.id], True)


@pytest.mark.parametrize(
    ("actor", "field"),
    [
        (OTHER_MEMBER, "claim.actor.id"),
        (OTHER_LEADER, "claim.actor.id"),
        (HANDLER, "claim.actor.role"),
        (REVIEWER, "claim.actor.role"),
        (PLATFORM, "claim.actor.role"),
    ],
    ids=["other-member", "other-leader", "handler", "reviewer", "platform"],
)
def test_only_the_pledger_a_supervisor_or_a_dispatcher_claims(actor, field):
    ledger = claimed(new_pledge("key", id="other"))
    with pytest.raises(RoleError) as caught:
        ledger.claim(new_pledge(), actor=actor)
    assert caught.value.field == field
    assert list(ledger) == ["other"]
    for fine in (MEMBER, SUPERVISOR, DISPATCHER):
        ledger.claim(new_pledge(id=f"by-{fine.id}"), actor=fine)
    assert len(ledger) == 4


@pytest.mark.parametrize(
    ("pledge", "error", "field"),
    [
        (new_pledge(id="other"), DuplicateError, "Pledge.id"),
        (
            new_pledge(status=S.PUBLISHED, published_at=T0),
            InconsistentRecordError,
            "Pledge.status",
        ),
        (
            new_pledge(milestones=[Milestone(name="a", done_at=T0)]),
            InconsistentRecordError,
            "Pledge.milestones",
        ),
        ("2026-member-001", InvalidTypeError, "pledge"),
    ],
    ids=["duplicate", "not-a-draft", "milestone-done", "not-a-pledge"],
)
def test_a_claim_that_cannot_be_is_refused_and_leaves_the_ledger_as_it_was(pledge, error, field):
    ledger = claimed(new_pledge(id="other"))
    before = ledger.pledge("other")
    with pytest.raises(error) as caught:
        ledger.claim(pledge, actor=SUPERVISOR)
    assert caught.value.field == field
    assert list(ledger) == ["other"]
    assert ledger.pledge("other") == before


def test_a_pledge_with_history_is_claimed_only_through_add():
    for case in (reach(S.WITHDRAWN), with_milestones(S.DRAFT)):
        with pytest.raises(InconsistentRecordError) as caught:
            claimed(case.pledge)
        assert (caught.value.field, caught.value.value) == ("Pledge.status", case.pledge.status)
        assert "add()" in caught.value.hint


def test_add_takes_a_pledge_under_way_as_it_stands():
    case = with_milestones()
    ledger = PledgeLedger()
    ledger.add(case.pledge)
    assert ledger.pledge(case.pledge.id) == case.pledge
    assert ledger.history(case.pledge.id) == case.pledge.history
    at = case.tick()
    status = ledger.apply(
        case.pledge.id, "complete_milestone", actor=MEMBER, at=at, milestone="走访摸底"
    )
    case.workflow.complete_milestone(actor=MEMBER, at=at, milestone="走访摸底")
    assert status is S.IN_PROGRESS
    assert ledger.pledge(case.pledge.id) == case.pledge
    with pytest.raises(DuplicateError):
        ledger.add(case.pledge)


def test_the_ledger_keeps_its_own_copy_of_each_pledge():
    pledge = new_pledge()
    ledger = claimed(pledge)
    pledge.title = "改过的标题"
    got = ledger.pledge(pledge.id)
    assert got.title == KINDS["member"]["title"]
    got.update(unit="elsewhere", milestones=(Milestone(name="a"),))
    assert (ledger.pledge(pledge.id).unit, ledger.pledge(pledge.id).milestones) == (None, ())


def test_the_same_steps_through_the_ledger_give_the_same_pledge_and_history():
    case, ledger = scripted()
    pledge = ledger.pledge(case.pledge.id)
    assert pledge.history[0].name == "claim"
    assert pledge.history[1:] == case.pledge.history
    assert ledger.history(case.pledge.id) == pledge.history
    assert attrs.evolve(pledge, history=()) == attrs.evolve(case.pledge, history=())
    assert pledge.status is S.FULFILLED
    assert pledge.deadline == T0.add(days=120)
    assert [e.name for e in pledge.history] == ["claim", *(step[0] for step in SCRIPT)]
    assert ledger.counts() == {S.FULFILLED: 1}
    assert list(ledger.pledges()) == [pledge]


def test_a_step_on_the_ledger_without_at_is_dated_by_its_clock():
    clock = FixedClock(T0.add(hours=7))
    ledger = PledgeLedger(clock=clock)
    ledger.claim(new_pledge(), actor=MEMBER)
    ledger.apply("2026-member-001", "publish", actor=MEMBER, deadline=DUE)
    assert ledger.pledge("2026-member-001").published_at == T0.add(hours=7)


def test_the_ledger_refuses_what_the_workflow_refuses_and_changes_nothing():
    ledger = claimed(new_pledge(), new_pledge("key"))
    before = list(ledger.pledges())
    attempts = [
        ("2026-member-001", "start", MEMBER, {}, TransitionRefusedError, "start.status"),
        ("2026-member-001", "publish", MEMBER, {}, PreconditionError, "publish.deadline"),
        (
            "2026-key-001",
            "publish",
            LEADER,
            {"deadline": DUE},
            PreconditionError,
            "publish.charter",
        ),
        ("2026-key-001", "publish", OTHER_LEADER, {}, RoleError, "publish.actor.id"),
        ("2026-member-001", "withdraw", MEMBER, {}, InvalidValueError, "withdraw.note"),
        ("2026-member-001", "nonsense", MEMBER, {}, TransitionRefusedError, "event"),
        ("2026-member-001", "claim", MEMBER, {}, TransitionRefusedError, "event"),
        ("nobody", "publish", MEMBER, {}, NotFoundError, "pledge_id"),
    ]
    for pledge_id, event, actor, args, error, field in attempts:
        with pytest.raises(error) as caught:
            ledger.apply(pledge_id, event, actor=actor, at=T0.add(hours=1), **args)
        assert type(caught.value) is error
        assert caught.value.field == field, (event, caught.value)
    assert list(ledger.pledges()) == before
    with pytest.raises(NotFoundError) as missing:
        ledger.pledge("nobody")
    assert (missing.value.field, missing.value.value) == ("pledge_id", "nobody")


def test_a_batch_applies_what_it_can_and_reports_the_rest():
    ledger = claimed(new_pledge(), new_pledge("branch"))
    member, branch = "2026-member-001", "2026-branch-001"
    publish = PledgeCommand(
        pledge_id=member, event="publish", actor=MEMBER, at=T0, args={"deadline": DUE}
    )
    commands = [
        publish,
        PledgeCommand(pledge_id=branch, event="start", actor=MEMBER, at=T0),
        PledgeCommand(pledge_id=member, event="start", actor=OTHER_MEMBER, at=T0),
        PledgeCommand(pledge_id=member, event="start", actor=MEMBER, at=T0),
        PledgeCommand(pledge_id="nobody", event="start", actor=MEMBER, at=T0),
        PledgeCommand(pledge_id=branch, event="withdraw", actor=MEMBER, at=T0, note="合并"),
    ]
    refusals = ledger.apply_many(iter(commands))
    assert all(type(refusal) is Refusal for refusal in refusals)
    assert [(r.index, type(r.error), r.error.field) for r in refusals] == [
        (1, TransitionRefusedError, "start.status"),
        (2, RoleError, "start.actor.id"),
        (4, NotFoundError, "pledge_id"),
    ]
    assert all(refusal.command is commands[refusal.index] for refusal in refusals)
    assert ledger.status(member) is S.IN_PROGRESS
    assert ledger.status(branch) is S.WITHDRAWN
    assert [e.name for e in ledger.history(member)] == ["claim", "publish", "start"]
    assert ledger.counts() == {S.IN_PROGRESS: 1, S.WITHDRAWN: 1}


def test_a_batch_holds_pledge_commands_only():
    ledger = claimed(new_pledge())
    good = PledgeCommand(pledge_id="2026-member-001", event="publish", actor=MEMBER, at=T0)
    with pytest.raises(InvalidTypeError) as caught:
        ledger.apply_many([good, ("2026-member-001", "start")])
    assert (caught.value.field, caught.value.value) == ("commands[1]", ("2026-member-001", "start"))


# -- 9. replay and JSON ----------------------------------------------------------------------


def test_replay_rebuilds_the_pledge_from_its_claim_event():
    case, ledger = scripted()
    pledge = ledger.pledge(case.pledge.id)
    assert replay_pledge(ledger.history(case.pledge.id)) == pledge
    # Every prefix of the history is a pledge that could have stood.
    for end in range(1, len(pledge.history)):
        partial = replay_pledge(pledge.history[:end])
        assert partial.history == pledge.history[:end]
        assert partial.status is pledge.history[end - 1].to_status


def test_replay_from_a_given_start_rebuilds_a_history_without_its_claim():
    case, _ = scripted()
    rebuilt = replay_pledge(case.pledge.history, start=new_pledge("key"))
    assert rebuilt == case.pledge


def test_replay_keeps_what_was_claimed():
    pledge = new_pledge("key", charter=CHARTER, milestones=[Milestone(name="选址", weight=2)])
    ledger = claimed(pledge, actor=LEADER)
    ledger.apply(pledge.id, "publish", actor=LEADER, at=T0.add(hours=1))
    rebuilt = replay_pledge(ledger.history(pledge.id))
    assert (rebuilt.charter, rebuilt.milestones, rebuilt.deadline) == (
        CHARTER,
        pledge.milestones,
        CHARTER.deadline,
    )
    assert rebuilt == ledger.pledge(pledge.id)


def test_replay_needs_a_start_without_a_claim_and_a_start_without_history():
    case, _ = scripted()
    with pytest.raises(InvalidValueError) as caught:
        replay_pledge(case.pledge.history)
    assert caught.value.field == "events"
    with pytest.raises(InconsistentRecordError) as started:
        replay_pledge(case.pledge.history, start=case.pledge)
    assert started.value.field == "start.history"


def test_a_history_that_could_not_have_happened_does_not_replay():
    case, ledger = scripted()
    history = list(ledger.history(case.pledge.id))
    struck_off_by_the_pledger = [*history[:-1], attrs.evolve(history[-1], role=Role.LEADER)]
    with pytest.raises(RoleError) as caught:
        replay_pledge(struck_off_by_the_pledger)
    assert caught.value.field == "fulfil.actor.role"
    # A step that replays to another status than the one recorded.
    lapse = next(i for i, e in enumerate(history) if e.name == "lapse")
    claimed_elsewhere = [
        *history[:lapse],
        attrs.evolve(history[lapse], to_status=S.WITHDRAWN),
        *history[lapse + 1 :],
    ]
    with pytest.raises(InconsistentRecordError) as other:
        replay_pledge(claimed_elsewhere)
    assert other.value.field == f"events[{lapse}]"


def through_json(pledge: Pledge) -> Pledge:
    return structure(json.loads(json.dumps(unstructure(pledge), ensure_ascii=False)), Pledge)


def test_a_pledge_with_its_history_goes_through_json_and_back():
    case, ledger = scripted()
    for pledge in (case.pledge, ledger.pledge(case.pledge.id)):
        restored = through_json(pledge)
        assert restored == pledge
        assert restored.history == pledge.history
        assert restored.charter == CHARTER
        assert restored.fulfilled_at.timezone_name == "Asia/Shanghai"
        assert all(event.subject is Subject.PLEDGE for event in restored.history)
    data = unstructure(case.pledge)
    assert data["status"] == "fulfilled"
    assert "progress" not in data
    assert data["history"][0]["subject"] == "pledge"


# -- 10. the two engines agree, step by random step ------------------------------------------


@settings(suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])
@given(st.data())
def test_the_machine_and_the_ledger_take_and_refuse_the_same_steps(data):
    kind = data.draw(st.sampled_from(list(KINDS)), label="kind")
    fields = draw_claim_fields(data, kind)
    pledge = new_pledge(kind, **fields)
    workflow = PledgeWorkflow(pledge, clock=FixedClock(T0))
    ledger = claimed(new_pledge(kind, **fields), actor=SUPERVISOR)
    for _ in range(data.draw(st.integers(1, 20), label="steps")):
        call = draw_call(data, pledge, KEEPERS[kind])
        before, mirror = ledger.pledge(pledge.id), attrs.evolve(pledge)
        expected = on_machine(workflow, call)
        got = on_ledger(ledger, pledge.id, call)
        assert got == expected, call
        same_pledge(ledger.pledge(pledge.id), pledge)
        if got[0] == "refused":
            assert ledger.pledge(pledge.id) == before
            assert pledge == mirror
            note_event(f"refused with {got[1].__name__}")
        else:
            note_event(f"reached {got[1].value}")
    history = ledger.history(pledge.id)
    assert replay_pledge(history) == ledger.pledge(pledge.id)
    assert replay_pledge(pledge.history, start=new_pledge(kind, **fields)) == pledge
    assert through_json(ledger.pledge(pledge.id)) == ledger.pledge(pledge.id)
    assert through_json(pledge) == pledge


# -- 11. a ledger of pledges keeps its invariants --------------------------------------------


class PledgeLedgerMachine(RuleBasedStateMachine):
    """A few pledges on a ledger, moved one step or one batch at a time."""

    def __init__(self) -> None:
        super().__init__()
        self.ledger = PledgeLedger(clock=FixedClock(T0))
        self.kinds: dict[str, str] = {}
        self.histories: dict[str, tuple[Event, ...]] = {}
        self.now = T0

    def snapshot(self, ledger: PledgeLedger | None = None) -> dict[str, Pledge]:
        ledger = self.ledger if ledger is None else ledger
        return {pledge_id: ledger.pledge(pledge_id) for pledge_id in ledger}

    @initialize(data=st.data())
    def first_claim(self, data: st.DataObject) -> None:
        kind = data.draw(st.sampled_from(list(KINDS)), label="kind")
        fields = draw_claim_fields(data, kind, self.now)
        self.ledger.claim(new_pledge(kind, id="p0", **fields), actor=KEEPERS[kind])
        self.kinds["p0"] = kind

    @rule(data=st.data())
    def claim(self, data: st.DataObject) -> None:
        """A new pledge while there are fewer than three; else the same id again."""
        kind = data.draw(st.sampled_from(list(KINDS)), label="kind")
        again = len(self.kinds) >= 3 or data.draw(st.integers(0, 9), label="again?") == 0
        pledge_id = data.draw(st.sampled_from(list(self.kinds))) if again else f"p{len(self.kinds)}"
        actor = KEEPERS[kind] if data.draw(st.booleans()) else data.draw(st.sampled_from(CAST))
        self.now = self.now.add(hours=1)
        pledge = new_pledge(kind, id=pledge_id, **draw_claim_fields(data, kind, self.now))
        before = self.snapshot()
        error: BanshishiError | None = None
        try:
            self.ledger.claim(pledge, actor=actor)
        except (DuplicateError, RoleError) as caught:
            error = caught
        if error is None:
            assert not again
            self.kinds[pledge_id] = kind
            return
        if isinstance(error, DuplicateError):
            assert again
            assert error.field == "Pledge.id"
        else:
            assert actor.role not in (Role.SUPERVISOR, Role.DISPATCHER)
            assert error.field in ("claim.actor.role", "claim.actor.id")
        assert self.snapshot() == before

    @rule(data=st.data())
    def step(self, data: st.DataObject) -> None:
        pledge_id = data.draw(st.sampled_from(list(self.kinds)), label="pledge")
        keeper = KEEPERS[self.kinds[pledge_id]]
        call = draw_call(data, self.ledger.pledge(pledge_id), keeper)
        before = self.snapshot()
        got = on_ledger(self.ledger, pledge_id, call)
        if got[0] == "refused":
            assert self.snapshot() == before  # a refused step changes nothing, anywhere
        else:
            assert len(self.ledger.history(pledge_id)) == len(before[pledge_id].history) + 1
            assert self.ledger.history(pledge_id)[-1].name == call.event

    @rule(data=st.data(), size=st.integers(1, 4))
    def batch(self, data: st.DataObject, size: int) -> None:
        """A batch does what the same steps one at a time do, on a twin ledger."""
        twin = PledgeLedger()
        for pledge in self.ledger.pledges():
            twin.add(pledge)
        commands: list[PledgeCommand] = []
        for _ in range(size):
            pledge_id = data.draw(st.sampled_from([*self.kinds, "nobody"]), label="pledge")
            keeper = KEEPERS.get(self.kinds.get(pledge_id, "member"), MEMBER)
            planned = twin.pledge(pledge_id) if pledge_id in twin else new_pledge(id=pledge_id)
            call = draw_call(data, planned, keeper)
            commands.append(
                PledgeCommand(
                    pledge_id=pledge_id,
                    event=call.event,
                    actor=call.actor,
                    at=call.at,
                    note=call.note,
                    args=call.args,
                )
            )
            on_ledger(twin, pledge_id, call)  # keeps the twin a step ahead for planning
        twin = PledgeLedger()
        for pledge in self.ledger.pledges():
            twin.add(pledge)
        expected = []
        for index, command in enumerate(commands):
            before = self.snapshot(twin)
            call = Call(command.event, command.actor, command.at, command.note, dict(command.args))
            got = on_ledger(twin, command.pledge_id, call)
            if got[0] == "refused":
                assert self.snapshot(twin) == before
                expected.append((index, got[1], got[2]))
        refusals = self.ledger.apply_many(commands)
        assert [(r.index, type(r.error), r.error.field) for r in refusals] == expected
        assert all(refusal.command is commands[refusal.index] for refusal in refusals)
        assert self.snapshot() == self.snapshot(twin)

    @invariant()
    def pledges_hold_together(self) -> None:
        assert list(self.ledger) == list(self.kinds)
        counts: dict[PledgeStatus, int] = {}
        for pledge_id in self.kinds:
            pledge = self.ledger.pledge(pledge_id)
            history = pledge.history
            assert (history[0].name, history[0].from_status) == ("claim", None)
            assert all(event.subject is Subject.PLEDGE for event in history)
            assert pledge.status is history[-1].to_status is self.ledger.status(pledge_id)
            if pledge.status is S.FULFILLED:
                assert all(milestone.done_at is not None for milestone in pledge.milestones)
                assert pledge.fulfilled_at == history[-1].at
            else:
                assert pledge.fulfilled_at is None
            published = [event.at for event in history if event.name == "publish"]
            assert pledge.published_at == (published[0] if published else None)
            previous = self.histories.get(pledge_id, ())
            assert history[: len(previous)] == previous  # the history only grows
            if history != previous:
                assert replay_pledge(history) == pledge
                self.histories[pledge_id] = history
            counts[pledge.status] = counts.get(pledge.status, 0) + 1
        assert self.ledger.counts() == counts

    def teardown(self) -> None:
        for status in self.ledger.counts():
            note_event(f"ledger held a {status.value} pledge")


PledgeLedgerMachine.TestCase.settings = settings(
    stateful_step_count=20,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)
TestPledgeLedgerInvariants = PledgeLedgerMachine.TestCase
