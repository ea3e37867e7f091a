"""The evaluation loop (好差评 → 整改 → 回访): who may rate and which kinds of rater, a
rating per round, a bad rating sending the item back for 整改, orders to redo
(核查整改), and answering a rectification, on the machine and on the ledger.

Appeals (申诉) are in test_appeals.py, follow-up visits (回访) in test_visits.py, the
whole loop (replay, JSON, the ledger, a state machine) in test_evaluation_loop.py.
"""

import datetime as dt

import pendulum
import pytest

from banshishi import (
    AppealGrounds,
    ChronologyError,
    Feedback,
    FeedbackMethod,
    InconsistentRecordError,
    InvalidValueError,
    PreconditionError,
    RaterKind,
    Rating,
    Rectification,
    RectificationCause,
    Role,
    RoleError,
    TimeLimit,
    Track,
    WorkflowPolicy,
    parse_instant,
)
from banshishi._model.event import thaw_data
from cast import CLERK, DEPUTY, LEADER, PLATFORM
from cast import PARTY_MEMBER as PARTY
from cast import SHANGHAI as SH
from evaluation_cases import (
    CENTRE,
    DISPATCHER,
    DUE,
    HANDLER,
    REQUESTER,
    REVIEWER,
    SUPERVISOR,
    ZHANG,
    S,
    answered,
    appeal,
    decide,
    evaluation,
    handle_and_answer,
    handler,
    new_case,
    rate,
    rectification_due,
    refused,
)

EVERY_KIND = WorkflowPolicy(rater_kinds=frozenset(RaterKind))
BAD = (Rating.DISSATISFIED, Rating.VERY_DISSATISFIED)
NOT_BAD = (Rating.VERY_SATISFIED, Rating.SATISFIED, Rating.BASICALLY_SATISFIED)


# -- 1. who may rate, and which kinds of rater -----------------------------------------------


def test_the_requester_rates_under_the_default_policy_anonymously_or_by_name():
    for rater in (ZHANG.id, None):
        case = answered()
        event = rate(case, Rating.SATISFIED, fields={"rater": rater})
        assert (event.role, event.to_status) == (Role.REQUESTER, S.CLOSED)
        assert case.issue.evaluations[-1].rater == rater


def test_the_default_policy_allows_only_the_requesters_kind():
    assert WorkflowPolicy().rater_kinds == frozenset({RaterKind.REQUESTER})


@pytest.mark.parametrize("kind", [k for k in RaterKind if k is not RaterKind.REQUESTER])
@pytest.mark.parametrize("actor", [DEPUTY, REVIEWER], ids=["rater", "reviewer"])
def test_a_kind_of_rater_the_policy_does_not_list_is_refused(kind, actor):
    case = answered()
    error = refused(
        case,
        PreconditionError,
        lambda: rate(case, Rating.SATISFIED, actor, fields={"rater_kind": kind}),
    )
    assert (error.field, error.value) == ("rate.evaluation.rater_kind", kind)
    assert "诉求人" in error.hint  # the kinds allowed


def test_a_rater_of_an_allowed_kind_rates_in_their_own_name():
    policy = WorkflowPolicy(rater_kinds=frozenset({RaterKind.REQUESTER, RaterKind.DEPUTY}))
    case = answered(policy=policy)
    event = rate(case, Rating.VERY_SATISFIED, DEPUTY)
    given = case.issue.evaluations[-1]
    assert (given.rater_kind, given.rater) == (RaterKind.DEPUTY, DEPUTY.id)
    assert (event.role, event.actor, case.issue.status) == (Role.RATER, DEPUTY.id, S.CLOSED)


@pytest.mark.parametrize(
    ("fields", "field"),
    [
        ({"rater": "somebody-else"}, "rate.evaluation.rater"),
        ({"rater": None}, "rate.evaluation.rater"),
        ({"rater_kind": RaterKind.REQUESTER}, "rate.evaluation.rater_kind"),
    ],
    ids=["in-another-name", "anonymously", "as-the-requester"],
)
def test_a_rater_rates_only_in_their_own_name_and_never_as_the_requester(fields, field):
    case = answered(policy=EVERY_KIND)
    error = refused(
        case, InconsistentRecordError, lambda: rate(case, Rating.SATISFIED, DEPUTY, fields=fields)
    )
    assert error.field == field


def test_the_requester_rates_only_as_the_requester():
    case = answered(policy=EVERY_KIND)
    error = refused(
        case,
        InconsistentRecordError,
        lambda: rate(case, Rating.SATISFIED, fields={"rater_kind": RaterKind.CITIZEN}),
    )
    assert (error.field, error.value) == ("rate.evaluation.rater_kind", RaterKind.CITIZEN)


@pytest.mark.parametrize("kind", list(RaterKind))
def test_a_reviewer_records_a_rating_of_any_kind_the_policy_allows(kind):
    case = answered(policy=EVERY_KIND)
    rate(case, Rating.SATISFIED, REVIEWER, fields={"rater_kind": kind, "rater": "whoever"})
    given = case.issue.evaluations[-1]
    assert (given.rater_kind, given.rater, case.issue.status) == (kind, "whoever", S.CLOSED)
    assert case.issue.history[-1].role is Role.REVIEWER


@pytest.mark.parametrize("actor", [HANDLER, DISPATCHER, CLERK, SUPERVISOR, PLATFORM, PARTY])
def test_nobody_else_rates(actor):
    case = answered(policy=EVERY_KIND)
    error = refused(
        case,
        RoleError,
        lambda: rate(case, Rating.SATISFIED, actor, fields={"rater_kind": RaterKind.CITIZEN}),
    )
    assert (error.field, error.value) == ("rate.actor.role", actor.role)


# -- 2. a rating per round ---------------------------------------------------------------------


def test_a_round_has_one_live_rating():
    case = answered(policy=WorkflowPolicy(close_on_satisfied_rating=False))
    rate(case, Rating.SATISFIED)
    assert case.issue.status is S.ANSWERED
    error = refused(case, PreconditionError, lambda: rate(case, Rating.DISSATISFIED))
    assert (error.field, error.value) == ("rate.evaluation", Rating.DISSATISFIED)
    assert "一事一评" in error.hint


def test_a_rating_voided_on_appeal_lets_the_round_be_rated_again():
    case = answered()
    rate(case, Rating.BASICALLY_SATISFIED)  # closes, and may still be appealed
    appeal(case, grounds=AppealGrounds.MISTAKEN, note="评价人误选")
    decide(case, "void_rating")
    assert case.issue.status is S.CLOSED
    event = rate(case, Rating.VERY_SATISFIED)
    assert (event.from_status, event.to_status) == (S.CLOSED, S.CLOSED)
    assert [e.rating for e in case.issue.evaluations] == [
        Rating.BASICALLY_SATISFIED,
        Rating.VERY_SATISFIED,
    ]
    assert case.issue.latest_evaluation_as_of().rating is Rating.VERY_SATISFIED
    error = refused(case, PreconditionError, lambda: rate(case, Rating.SATISFIED))
    assert error.field == "rate.evaluation"


def test_a_rejected_appeal_does_not_free_the_round():
    case = answered()
    rate(case, Rating.BASICALLY_SATISFIED)
    appeal(case)
    decide(case, "reject_appeal")
    error = refused(case, PreconditionError, lambda: rate(case, Rating.SATISFIED))
    assert error.field == "rate.evaluation"


# -- 3. a bad rating sends the item back for 整改 -------------------------------------------------


@pytest.mark.parametrize("rating", BAD)
def test_a_bad_rating_reopens_an_answered_item_for_rectification(rating):
    case = answered()
    event = rate(case, rating)
    issue = case.issue
    due = rectification_due(event.at)
    assert (event.from_status, event.to_status) == (S.ANSWERED, S.IN_PROGRESS)
    assert (issue.status, issue.round, issue.deadline, issue.closed_at) == (
        S.IN_PROGRESS,
        2,
        due,
        None,
    )
    assert issue.rectifications == (
        Rectification(
            round=2,
            cause=RectificationCause.BAD_RATING,
            opened_at=event.at,
            deadline=due,
            rating=0,
        ),
    )
    assert parse_instant(thaw_data(event.data)["deadline"]) == due
    assert issue.deadline_as_of(event.at) == due


@pytest.mark.parametrize("rating", BAD)
def test_a_bad_late_rating_reopens_a_closed_item(rating):
    case = answered()
    case.clock.set(case.issue.feedback[-1].at.add(days=7))
    case.workflow.close(actor=PLATFORM)  # the evaluation window passed, unrated
    event = rate(case, rating)
    assert (event.from_status, event.to_status) == (S.CLOSED, S.IN_PROGRESS)
    assert (case.issue.status, case.issue.closed_at, case.issue.round) == (S.IN_PROGRESS, None, 2)
    assert case.issue.rectifications[-1].rating == 0


@pytest.mark.parametrize("rating", NOT_BAD)
def test_a_rating_that_is_not_bad_closes_the_item_by_default(rating):
    case = answered()
    event = rate(case, rating)
    assert (event.to_status, case.issue.closed_at, case.issue.round) == (S.CLOSED, event.at, 1)
    assert case.issue.rectifications == ()


@pytest.mark.parametrize("rating", NOT_BAD)
def test_a_deadline_comes_only_with_a_bad_rating(rating):
    case = answered()
    error = refused(case, PreconditionError, lambda: rate(case, rating, deadline=DUE.add(days=9)))
    assert error.field == "rate.deadline"


def test_with_closing_left_to_a_reviewer_only_a_bad_rating_moves_the_item():
    case = answered(policy=WorkflowPolicy(close_on_satisfied_rating=False))
    event = rate(case, Rating.VERY_DISSATISFIED)
    assert event.to_status is S.IN_PROGRESS  # a bad rating reopens whatever the policy
    handle_and_answer(case)
    event = rate(case, Rating.VERY_SATISFIED)
    assert (event.to_status, case.issue.status) == (S.ANSWERED, S.ANSWERED)


def test_a_bad_rating_with_its_own_deadline_keeps_it():
    case = answered()
    due = DUE.add(days=20)
    event = rate(case, Rating.DISSATISFIED, deadline=due)
    assert case.issue.deadline == due == case.issue.rectifications[-1].deadline
    assert thaw_data(event.data)["deadline"].startswith("2026-04-01T18:00:00+08:00")


def test_a_rectification_deadline_not_after_the_rating_is_refused():
    case = answered()
    at = case.tick()
    given = evaluation(case, Rating.DISSATISFIED, at)
    error = refused(
        case,
        ChronologyError,
        lambda: case.workflow.rate(actor=REQUESTER, at=at, evaluation=given, deadline=at),
    )
    assert error.field == "rate.deadline"


@pytest.mark.parametrize("track", [Track.JOINT, Track.SUPERVISED])
def test_a_bad_rating_clears_the_rounds_parts_and_sign_off(track):
    case = answered(track)
    assert case.issue.parts_reported or case.issue.signed_off_by
    rate(case, Rating.DISSATISFIED)
    assert (case.issue.parts_reported, case.issue.signed_off_by) == ((), None)
    error = refused(case, PreconditionError, lambda: case.workflow.resolve(actor=HANDLER))
    assert error.field in ("resolve.parts_reported", "resolve.signed_off_by")
    handle_and_answer(case)  # the round's work again
    assert case.issue.status is S.ANSWERED


def test_the_rectification_over_national_day_counts_five_working_days():
    """Rated badly on Wednesday 2026-09-30, the eve of 国庆: the holiday runs from
    1 to 7 October and Saturday 10 October is worked, so the five working days are
    8, 9, 10, 12 and 13 October."""
    received = pendulum.datetime(2026, 9, 28, 9, tz=SH)
    case = new_case(at=received)
    case.workflow.sign_for(actor=handler(CENTRE), at=case.tick())
    case.workflow.resolve(actor=handler(CENTRE), at=case.tick())
    at = pendulum.datetime(2026, 9, 30, 10, tz=SH)
    case.clock.set(at)
    feedback = Feedback(at=at, content="已处理", method=FeedbackMethod.PHONE)
    case.workflow.answer(actor=handler(CENTRE), at=at, feedback=feedback)
    given = evaluation(case, Rating.DISSATISFIED, at)
    event = case.workflow.rate(actor=REQUESTER, at=at, evaluation=given)
    expected = pendulum.datetime(2026, 10, 13, 17, 30, tz=SH)
    assert case.issue.deadline == expected
    assert case.issue.rectifications[-1].deadline == expected
    assert thaw_data(event.data)["deadline"].startswith("2026-10-13T17:30:00+08:00")


def test_a_deployment_with_fifteen_working_days_counts_them_over_the_holiday():
    policy = WorkflowPolicy(rectification_limit="15 working days")
    assert policy.rectification_limit == TimeLimit.working_days(15)
    case = new_case(policy=policy, at=pendulum.datetime(2026, 9, 28, 9, tz=SH))
    case.workflow.sign_for(actor=handler(CENTRE), at=case.tick())
    case.workflow.resolve(actor=handler(CENTRE), at=case.tick())
    at = pendulum.datetime(2026, 9, 30, 10, tz=SH)
    feedback = Feedback(at=at, content="已处理", method=FeedbackMethod.PHONE)
    case.workflow.answer(actor=handler(CENTRE), at=at, feedback=feedback)
    case.workflow.rate(
        actor=REQUESTER, at=at, evaluation=evaluation(case, Rating.VERY_DISSATISFIED, at)
    )
    # 8-10, 12-16, 19-23, 26 and 27 October.
    assert case.issue.deadline == pendulum.datetime(2026, 10, 27, 17, 30, tz=SH)


def test_a_rectification_limit_of_elapsed_time_is_elapsed_time():
    case = answered(policy=WorkflowPolicy(rectification_limit=dt.timedelta(days=3)))
    event = rate(case, Rating.DISSATISFIED)
    assert case.issue.deadline == event.at.add(days=3)


# -- 4. an order to redo (核查整改) ----------------------------------------------------------------


@pytest.mark.parametrize("actor", [DISPATCHER, REVIEWER, SUPERVISOR])
@pytest.mark.parametrize("closed", [False, True], ids=["answered", "closed"])
def test_a_redo_is_ordered_with_a_note_and_needs_no_rating(actor, closed):
    case = answered()
    if closed:
        rate(case, Rating.VERY_SATISFIED)
    at = case.tick()
    event = case.workflow.redo(actor=actor, at=at, note="现场核查：车辆仍不足")
    due = rectification_due(at)
    assert (event.to_status, case.issue.round, case.issue.deadline) == (S.IN_PROGRESS, 2, due)
    assert case.issue.rectifications == (
        Rectification(round=2, cause=RectificationCause.ORDERED, opened_at=at, deadline=due),
    )
    assert case.issue.closed_at is None


def test_a_redo_may_give_its_own_deadline():
    case = answered()
    event = case.workflow.redo(actor=REVIEWER, at=case.tick(), note="整改", deadline=DUE)
    assert case.issue.deadline == DUE == case.issue.rectifications[-1].deadline
    assert thaw_data(event.data)["deadline"].startswith("2026-03-12T18:00:00+08:00")


@pytest.mark.parametrize("actor", [HANDLER, REQUESTER, LEADER, CLERK, PLATFORM])
def test_only_a_dispatcher_reviewer_or_supervisor_orders_a_redo(actor):
    case = answered()
    error = refused(
        case, RoleError, lambda: case.workflow.redo(actor=actor, at=case.tick(), note="整改")
    )
    assert error.field == "redo.actor.role"


def test_a_redo_must_say_what_to_put_right():
    case = answered()
    error = refused(
        case, InvalidValueError, lambda: case.workflow.redo(actor=REVIEWER, at=case.tick())
    )
    assert error.field == "redo.note"


# -- 5. answering a rectification --------------------------------------------------------------


def test_the_answer_in_a_rectification_round_completes_the_rectification():
    case = answered()
    first_answer = case.issue.feedback[-1].at
    rate(case, Rating.DISSATISFIED)
    assert case.issue.rectifications[-1].answered_at is None
    answered_again = handle_and_answer(case)
    assert case.issue.rectifications[-1].answered_at == answered_again.at != first_answer
    # the next rectification is open, the first stays answered
    case.workflow.redo(actor=REVIEWER, at=case.tick(), note="再次核查")
    assert [r.answered_at for r in case.issue.rectifications] == [answered_again.at, None]
    last = handle_and_answer(case)
    assert [r.answered_at for r in case.issue.rectifications] == [answered_again.at, last.at]
    assert [r.round for r in case.issue.rectifications] == [2, 3]
    assert case.issue.round == 3
