"""Appeals against a rating (申诉): filing, voiding the rating or rejecting the appeal."""

import attrs
import pytest

from banshishi import (
    Actor,
    Appeal,
    AppealGrounds,
    AppealOutcome,
    InvalidTypeError,
    InvalidValueError,
    PreconditionError,
    Rate,
    Rating,
    Role,
    RoleError,
    TransitionRefusedError,
    resolution_rate,
    satisfaction_rate,
)
from banshishi._model.event import thaw_data
from cast import LEADER, OTHER, PLATFORM
from evaluation_cases import (
    DISPATCHER,
    DUE,
    HANDLER,
    LEAD,
    REQUESTER,
    REVIEWER,
    SUPERVISOR,
    Case,
    S,
    answer,
    answered,
    appeal,
    decide,
    handle_and_answer,
    handler,
    new_case,
    rate,
    refused,
)

# -- 6. appeals (申诉) -------------------------------------------------------------------------


def test_the_responsible_unit_appeals_a_bad_rating():
    case = answered()
    rate(case, Rating.VERY_DISSATISFIED)
    event = appeal(case, grounds="out_of_scope", note="所评内容不属本诉求")
    assert (event.from_status, event.to_status) == (S.IN_PROGRESS, S.IN_PROGRESS)
    assert thaw_data(event.data) == {"grounds": "out_of_scope", "round": 1}
    assert case.issue.appeals == (
        Appeal(
            rating=0,
            grounds=AppealGrounds.OUT_OF_SCOPE,
            filed_at=event.at,
            filed_by=HANDLER.id,
            explanation="所评内容不属本诉求",
        ),
    )
    assert case.issue.appeals[0].is_pending


def test_an_appeal_names_its_round_or_takes_the_latest_rated_one():
    case = answered()
    rate(case, Rating.DISSATISFIED)  # round 1
    handle_and_answer(case)
    rate(case, Rating.SATISFIED)  # round 2, closes
    error = refused(case, PreconditionError, lambda: appeal(case))  # round 2: satisfied
    assert (error.field, error.value) == ("appeal.round", 2)
    event = appeal(case, round=1)
    assert (event.to_status, case.issue.appeals[-1].rating) == (S.CLOSED, 0)
    assert thaw_data(event.data)["round"] == 1


def test_a_basically_satisfied_rating_may_be_appealed_a_satisfied_one_not():
    for rating in (Rating.VERY_SATISFIED, Rating.SATISFIED):
        case = answered()
        rate(case, rating)
        error = refused(case, PreconditionError, lambda c=case: appeal(c))
        assert (error.field, error.value) == ("appeal.round", 1)
        assert rating.label in error.problem
    case = answered()
    rate(case, Rating.BASICALLY_SATISFIED)
    assert appeal(case).to_status is S.CLOSED


def test_there_is_nothing_to_appeal_without_a_live_rating_of_the_round():
    case = answered()
    error = refused(case, PreconditionError, lambda: appeal(case))
    assert (error.field, error.value) == ("appeal.round", None)
    rate(case, Rating.DISSATISFIED)
    for round_ in (2, 5):  # round 2 is not rated yet; round 5 never was
        error = refused(case, PreconditionError, lambda r=round_: appeal(case, round=r))
        assert (error.field, error.value) == ("appeal.round", round_)


def test_one_appeal_pending_at_a_time_and_one_per_rating():
    case = answered()
    rate(case, Rating.DISSATISFIED)
    appeal(case)
    error = refused(case, PreconditionError, lambda: appeal(case))
    assert (error.field, error.value) == ("appeal.appeals", 0)
    decide(case, "reject_appeal", note="评价属实")
    error = refused(case, PreconditionError, lambda: appeal(case, round=1))
    assert (error.field, error.value) == ("appeal.round", 1)
    # a bad rating of the next round may be appealed in its turn
    handle_and_answer(case)
    rate(case, Rating.DISSATISFIED)
    appeal(case)
    assert [a.rating for a in case.issue.appeals] == [0, 1]


@pytest.mark.parametrize(
    ("actor", "error", "field"),
    [
        (handler(OTHER), RoleError, "appeal.actor.unit"),
        (DISPATCHER, RoleError, "appeal.actor.role"),
        (REVIEWER, RoleError, "appeal.actor.role"),
        (REQUESTER, RoleError, "appeal.actor.role"),
    ],
)
def test_only_a_handler_of_the_responsible_unit_appeals(actor, error, field):
    case = answered()
    rate(case, Rating.DISSATISFIED)
    refusal = refused(case, error, lambda: appeal(case, actor))
    assert refusal.field == field


@pytest.mark.parametrize(
    ("args", "error", "field"),
    [
        ({"note": ""}, InvalidValueError, "appeal.note"),
        ({"note": "  "}, InvalidValueError, "appeal.note"),
        ({"grounds": None}, InvalidValueError, "appeal.grounds"),
        ({"grounds": "unfair"}, InvalidTypeError, "appeal.grounds"),  # not AppealGrounds text
        ({"round": 0}, InvalidValueError, "appeal.round"),
        ({"due": DUE}, InvalidValueError, "appeal.due"),
    ],
)
def test_an_appeal_says_why_on_which_grounds(args, error, field):
    case = answered()
    rate(case, Rating.DISSATISFIED)
    refusal = refused(case, error, lambda: appeal(case, **args))
    assert refusal.field == field


def _sent_back_after_a_bad_rating() -> Case:
    case = answered()
    rate(case, Rating.DISSATISFIED)
    case.workflow.send_back(actor=HANDLER, at=case.tick(), note="不属于本单位职责")
    return case


def test_an_appeal_is_not_filed_while_the_item_waits_to_be_signed_for():
    case = answered()
    rate(case, Rating.DISSATISFIED)
    case.workflow.send_back(actor=HANDLER, at=case.tick(), note="不属于本单位职责")
    case.workflow.transfer(actor=DISPATCHER, at=case.tick(), unit=OTHER, deadline=DUE)
    assert case.issue.status is S.TRANSFERRED
    error = refused(case, TransitionRefusedError, lambda: appeal(case, handler(OTHER), round=1))
    assert error.field == "appeal.status"


@pytest.mark.parametrize("status", [S.IN_PROGRESS, S.RESOLVED, S.ANSWERED, S.CLOSED])
def test_an_appeal_may_be_filed_and_decided_wherever_the_item_stands(status):
    case = answered()
    rate(case, Rating.BASICALLY_SATISFIED if status is S.CLOSED else Rating.DISSATISFIED)
    unit = LEAD
    if status is S.RESOLVED:
        case.workflow.resolve(actor=HANDLER, at=case.tick())
    elif status is S.ANSWERED:
        case.workflow.resolve(actor=HANDLER, at=case.tick())
        answer(case)
    assert case.issue.status is status
    filed = appeal(case, handler(unit), round=1)
    voided = decide(case, "void_rating")
    assert (filed.from_status, filed.to_status) == (status, status)
    assert (voided.from_status, voided.to_status) == (status, status)
    assert case.issue.appeals[0].outcome is AppealOutcome.VOIDED


def test_an_appeal_decision_may_come_after_the_item_was_sent_back():
    case = answered()
    rate(case, Rating.DISSATISFIED)
    appeal(case)
    case.workflow.send_back(actor=HANDLER, at=case.tick(), note="不属于本单位职责")
    event = decide(case, "reject_appeal")
    assert (event.from_status, event.to_status) == (S.RETURNED, S.RETURNED)


def test_an_item_sent_back_cannot_be_appealed_until_a_unit_is_responsible_again():
    case = _sent_back_after_a_bad_rating()
    assert case.issue.status is S.RETURNED
    error = refused(case, TransitionRefusedError, lambda: appeal(case, HANDLER))
    assert error.field == "appeal.status"


def test_a_handler_of_no_unit_may_not_appeal_for_an_item_nobody_is_responsible_for():
    case = answered()
    rate(case, Rating.DISSATISFIED)
    nobody = Actor(id="someone", role=Role.HANDLER)
    error = refused(case, RoleError, lambda: appeal(case, nobody))
    assert error.field == "appeal.actor.unit"


def test_an_appeal_is_refused_before_anything_could_have_been_rated():
    case = new_case()
    error = refused(case, TransitionRefusedError, lambda: appeal(case))
    assert error.field == "appeal.status"


# -- 7. voiding and rejecting -------------------------------------------------------------------


def test_a_voided_rating_stays_on_record_but_stops_counting_from_the_decision():
    case = answered()
    rated = rate(case, Rating.DISSATISFIED)
    issue = case.issue
    assert satisfaction_rate([issue]).rate == Rate(0, 1)
    assert resolution_rate([issue]).rate == Rate(0, 1)
    appeal(case, grounds=AppealGrounds.MALICIOUS)
    assert satisfaction_rate([issue]).rate == Rate(0, 1)  # pending: it still counts
    decided = decide(case, "void_rating", note="经核实为恶意差评，予以作废")
    assert issue.appeals[0] == attrs.evolve(
        issue.appeals[0],
        outcome=AppealOutcome.VOIDED,
        decided_at=decided.at,
        decided_by=REVIEWER.id,
        reason="经核实为恶意差评，予以作废",
    )
    assert issue.appeals[0].outcome is AppealOutcome.VOIDED
    # on record: the evaluation, the rating event and the rectification it opened
    assert [e.rating for e in issue.evaluations] == [Rating.DISSATISFIED]
    assert rated in issue.history
    assert issue.rectifications[0].rating == 0
    # not counted from the decision on
    before = decided.at.subtract(microseconds=1)
    assert issue.voided_ratings_as_of(before) == frozenset()
    assert issue.voided_ratings_as_of(decided.at) == frozenset({0})
    assert issue.voided_ratings_as_of() == frozenset({0})
    assert issue.latest_evaluation_as_of(before) == issue.evaluations[0]
    assert issue.latest_evaluation_as_of() is None
    assert issue.live_evaluations_as_of() == ()
    assert satisfaction_rate([issue], as_of=before).rate == Rate(0, 1)
    assert satisfaction_rate([issue]).rate == Rate(0, 0)
    assert resolution_rate([issue]).rate == Rate(0, 0)
    # the rectification goes on; its round is rated on its own
    handle_and_answer(case)
    rate(case, Rating.SATISFIED)
    assert satisfaction_rate([issue]).rate == Rate(1, 1)
    assert issue.live_evaluations_as_of() == (issue.evaluations[1],)


def test_a_rejected_appeal_leaves_the_rating_counting():
    case = answered()
    rate(case, Rating.DISSATISFIED)
    appeal(case)
    decided = decide(case, "reject_appeal", note="评价属实，申诉驳回")
    (filed,) = case.issue.appeals
    assert (filed.outcome, filed.decided_at, filed.decided_by, filed.reason) == (
        AppealOutcome.REJECTED,
        decided.at,
        REVIEWER.id,
        "评价属实，申诉驳回",
    )
    assert case.issue.voided_ratings_as_of() == frozenset()
    assert case.issue.latest_evaluation_as_of() == case.issue.evaluations[0]
    assert satisfaction_rate([case.issue]).rate == Rate(0, 1)


@pytest.mark.parametrize("event", ["void_rating", "reject_appeal"])
def test_only_a_reviewer_decides_an_appeal_and_says_why(event):
    case = answered()
    rate(case, Rating.DISSATISFIED)
    appeal(case)
    for actor in (DISPATCHER, HANDLER, SUPERVISOR, LEADER, PLATFORM):
        error = refused(case, RoleError, lambda a=actor: decide(case, event, a))
        assert error.field == f"{event}.actor.role"
    error = refused(case, InvalidValueError, lambda: decide(case, event, note=""))
    assert error.field == f"{event}.note"
    assert case.issue.appeals[0].is_pending


@pytest.mark.parametrize("event", ["void_rating", "reject_appeal"])
def test_there_must_be_a_pending_appeal_to_decide(event):
    case = answered()
    rate(case, Rating.DISSATISFIED)
    error = refused(case, PreconditionError, lambda: decide(case, event))
    assert (error.field, error.value) == (f"{event}.appeals", 0)
    appeal(case)
    decide(case, "reject_appeal")
    error = refused(case, PreconditionError, lambda: decide(case, event))
    assert (error.field, error.value) == (f"{event}.appeals", 1)
