"""Who may take each step of the workflow machine (IssueWorkflow), by role and unit."""

from functools import partial

import pytest

from banshishi import (
    Actor,
    InconsistentRecordError,
    Milestone,
    Rating,
    Role,
    RoleError,
    Track,
    WorkflowError,
)
from cast import LEADER, OTHER, REVIEWER
from issue_cases import (
    CENTRE,
    DISPATCHER,
    LEAD,
    REQUESTER,
    SUPERVISING,
    SUPERVISOR,
    ZHANG,
    S,
    answer,
    evaluation,
    handler,
    order_redo,
    rate,
    reach,
    refused,
    tracked_with_milestones,
)

# -- 2. roles ------------------------------------------------------------------------------


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
    pytest.param(partial(reach, S.ANSWERED), "redo", order_redo, handler(), "reviewer", id="redo"),
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
