"""The pledge workflow (PledgeWorkflow): the ordinary life of a pledge, publication
(公示), milestones and fulfilment, deadlines, withdrawal and the final statuses.

Who may take each step and the input checks are in test_pledge_checks.py; the
same steps through the PledgeLedger, replay and JSON in test_pledge_ledger.py.

The cast (pledge_steps.py): 李 (a party member) pledges on his own 为民办事清单 and
acts for his branch, whose 民生实事计划 it is; 刘 is a member of the county
leadership team, which claimed a key project (重点民生项目) with its 实事项目书.
Supervisors and reviewers verify delivery before a pledge is struck off (销号); the
platform marks pledges overdue. Times are Asia/Shanghai, from Monday 2 March 2026.
"""

from fractions import Fraction
from typing import Any

import attrs
import pytest

from banshishi import (
    ChronologyError,
    InconsistentRecordError,
    InvalidTypeError,
    InvalidValueError,
    Milestone,
    PreconditionError,
    Role,
    Subject,
    TransitionRefusedError,
    replay_pledge,
    unstructure,
)
from banshishi._workflow.pledge_workflow import pledge_allowed_events
from pledge_steps import (
    CHARTER,
    DUE,
    EVENTS,
    FINAL,
    LEADER,
    MEMBER,
    OPEN,
    PLATFORM,
    REVIEWER,
    SUPERVISOR,
    T0,
    Call,
    Case,
    S,
    claimed,
    names,
    new_case,
    new_pledge,
    on_ledger,
    reach,
    refused,
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
