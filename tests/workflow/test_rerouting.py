"""Changing an item's course: escalation (提级), track changes, sending back (退回)
and dismissal (不予受理), on the workflow machine (IssueWorkflow)."""

import pytest

from banshishi import (
    Actor,
    DismissalReason,
    PreconditionError,
    Role,
    RoleError,
    Track,
    TransitionRefusedError,
    WorkflowPolicy,
)
from cast import CLERK as INTAKE_CLERK
from cast import LEADER, OTHER, UNITS
from issue_cases import (
    CO_UNITS,
    DISPATCHER,
    DUE,
    LEAD,
    REQUESTER,
    SUPERVISING,
    SUPERVISOR,
    S,
    handler,
    names,
    new_case,
    reach,
    refused,
    transfer,
)

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
