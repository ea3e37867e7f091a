"""The evaluation loop (好差评 → 整改 → 回访, with 申诉): rating, rectification,
appeals and follow-up visits, on the machine and on the ledger.

Example tests of each rule first, then a Hypothesis state machine that drives
random steps of the loop through both engines and checks what must always hold:
one live rating per round, a voided rating never counting, one rectification
per bad rating, rectification rounds following the issue's rounds, and a
refused step changing nothing.
"""

import dataclasses
import datetime as dt
import itertools
from typing import Any

import attrs
import pendulum
import pytest
from hypothesis import HealthCheck, settings
from hypothesis import event as note_event
from hypothesis import strategies as st
from hypothesis.stateful import RuleBasedStateMachine, initialize, invariant, precondition, rule
from pendulum import DateTime

from banshishi import (
    Actor,
    Appeal,
    AppealGrounds,
    AppealOutcome,
    BanshishiError,
    Channel,
    ChronologyError,
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
    Ledger,
    Person,
    PreconditionError,
    Rate,
    RaterKind,
    Rating,
    Rectification,
    RectificationCause,
    Role,
    RoleError,
    TimeLimit,
    Track,
    TransitionRefusedError,
    Urgency,
    Visit,
    VisitOutcome,
    WorkflowPolicy,
    parse_instant,
    replay,
    resolution_rate,
    satisfaction_rate,
    structure,
    unstructure,
)
from banshishi._model.event import thaw_data

S = IssueStatus
SH = "Asia/Shanghai"
T0 = pendulum.datetime(2026, 3, 2, 9, tz=SH)  # a Monday morning
DUE = pendulum.datetime(2026, 3, 12, 18, tz=SH)
ISSUE_ID = "2026-0302-001"

CENTRE = "city-12345"
LEAD = "county-transport"
OTHER = "county-water"
CO_UNITS = ("county-finance", "agri-bank")
SUPERVISING = "county"

ZHANG = Person(id="p-zhang", name="张桂兰")
REQUESTER = Actor(id=ZHANG.id, role=Role.REQUESTER)
DEPUTY = Actor(id="li.deputy", role=Role.RATER)  # a deputy rating a matter they did not raise
PARTY = Actor(id="zhou.member", role=Role.PARTY_MEMBER)
DISPATCHER = Actor(id="wang.dispatch", role=Role.DISPATCHER, unit=CENTRE)
CLERK = Actor(id="zhao.intake", role=Role.INTAKE_CLERK, unit=CENTRE)
REVIEWER = Actor(id="chen.review", role=Role.REVIEWER)
SUPERVISOR = Actor(id="sun.supervise", role=Role.SUPERVISOR, unit=SUPERVISING)
LEADER = Actor(id="liu.leader", role=Role.LEADER, unit=SUPERVISING)
PLATFORM = Actor(id="platform", role=Role.SYSTEM)


def handler(unit: str = LEAD) -> Actor:
    return Actor(id=f"{unit}.handler", role=Role.HANDLER, unit=unit)


HANDLER = handler()
EVERY_KIND = WorkflowPolicy(rater_kinds=frozenset(RaterKind))
BAD = (Rating.DISSATISFIED, Rating.VERY_DISSATISFIED)
NOT_BAD = (Rating.VERY_SATISFIED, Rating.SATISFIED, Rating.BASICALLY_SATISFIED)


@dataclasses.dataclass
class Case:
    """An issue, the workflow bound to it, and the clock the workflow reads."""

    issue: Issue
    workflow: IssueWorkflow
    clock: FixedClock

    def tick(self, **interval: int) -> DateTime:
        """Move the clock on (an hour unless told) and return the new moment."""
        return self.clock.advance(**(interval or {"hours": 1})).now()


def fresh_issue(
    track: Track = Track.IMMEDIATE, at: DateTime = T0, requester: Person | None = ZHANG
) -> Issue:
    return Issue(
        id=ISSUE_ID,
        title="小区周边共享单车不够用",
        channel=Channel.HOTLINE,
        urgency=Urgency.URGENT,
        received_at=at,
        received_by=CENTRE,
        track=track,
        requester=requester,
    )


def new_case(
    track: Track = Track.IMMEDIATE,
    *,
    policy: WorkflowPolicy | None = None,
    at: DateTime = T0,
    requester: Person | None = ZHANG,
) -> Case:
    issue = fresh_issue(track, at, requester)
    clock = FixedClock(at)
    options = {} if policy is None else {"policy": policy}
    return Case(issue, IssueWorkflow(issue, clock=clock, **options), clock)


def do_the_work(case: Case) -> None:
    """What the track asks before the item may be resolved, in the current round."""
    if case.issue.track is Track.JOINT:
        for unit in CO_UNITS:
            case.workflow.report_part(actor=handler(unit), at=case.tick())
    elif case.issue.track is Track.SUPERVISED:
        case.workflow.sign_off(actor=SUPERVISOR, at=case.tick())


def answer(case: Case) -> Event:
    at = case.tick()
    feedback = Feedback(at=at, content="已增投车辆", method=FeedbackMethod.PHONE, unit=LEAD)
    return case.workflow.answer(actor=HANDLER, at=at, feedback=feedback)


def handle_and_answer(case: Case) -> Event:
    """From 办理中: the track's work, resolve and answer."""
    do_the_work(case)
    case.workflow.resolve(actor=HANDLER, at=case.tick())
    return answer(case)


def answered(track: Track = Track.IMMEDIATE, **options: Any) -> Case:
    """A case transferred to LEAD, handled and answered in round 1."""
    case = new_case(track, **options)
    transfer: dict[str, Any] = {"unit": LEAD, "deadline": DUE}
    if track is Track.JOINT:
        transfer["co_units"] = CO_UNITS
    if track is Track.SUPERVISED:
        transfer |= {"supervising_unit": SUPERVISING, "supervisor": SUPERVISOR.id}
    case.workflow.transfer(actor=DISPATCHER, at=case.tick(), **transfer)
    case.workflow.sign_for(actor=HANDLER, at=case.tick())
    handle_and_answer(case)
    assert case.issue.status is S.ANSWERED
    return case


def evaluation(
    case: Case,
    rating: Rating,
    at: DateTime,
    actor: Actor = REQUESTER,
    **fields: Any,
) -> Evaluation:
    """A rating of the issue's current round; by default the requester's, or, for
    a rater, one of their own kind (a deputy), or, for a reviewer, the requester's
    rating the reviewer records."""
    if actor.role is Role.RATER:
        fields = {"rater_kind": RaterKind.DEPUTY, "rater": actor.id, **fields}
    elif actor.role is Role.REQUESTER:
        fields = {"rater": actor.id, **fields}
    return Evaluation(
        issue_id=case.issue.id,
        rating=rating,
        resolved=rating.counts_as_satisfied(),
        at=at,
        round=fields.pop("round", case.issue.round),
        **fields,
    )


def rate(
    case: Case, rating: Rating, actor: Actor = REQUESTER, *, note: str = "", **args: Any
) -> Event:
    at = case.tick()
    fields = args.pop("fields", {})
    given = evaluation(case, rating, at, actor, **fields)
    return case.workflow.rate(actor=actor, at=at, evaluation=given, note=note, **args)


def appeal(case: Case, actor: Actor = HANDLER, **args: Any) -> Event:
    args = {"grounds": AppealGrounds.MALICIOUS, **args}
    note = args.pop("note", "评价人与诉求无关，系恶意差评")
    return case.workflow.appeal(actor=actor, at=case.tick(), note=note, **args)


def decide(case: Case, event: str, actor: Actor = REVIEWER, note: str = "经核实") -> Event:
    return getattr(case.workflow, event)(actor=actor, at=case.tick(), note=note)


def refused(case: Case, error: type[Exception], call: Any) -> Any:
    """Run ``call``, which must raise exactly ``error`` and change nothing at all."""
    before = case.issue.as_record()
    with pytest.raises(error) as caught:
        call()
    assert type(caught.value) is error
    assert case.issue.as_record() == before
    assert case.workflow.current_state_value == before["status"]
    return caught.value


def rectification_due(at: DateTime, policy: WorkflowPolicy | None = None) -> DateTime:
    policy = policy or WorkflowPolicy()
    return policy.after(at, policy.rectification_limit)


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


# -- 8. follow-up visits (回访) ----------------------------------------------------------------


@pytest.mark.parametrize("actor", [DISPATCHER, REVIEWER, CLERK, PLATFORM])
@pytest.mark.parametrize("closed", [False, True], ids=["answered", "closed"])
def test_a_visit_is_scheduled_for_the_round(actor, closed):
    case = answered()
    if closed:
        rate(case, Rating.SATISFIED)
    due = case.clock.now().add(days=3)
    event = case.workflow.schedule_visit(actor=actor, at=case.tick(), due=due)
    status = S.CLOSED if closed else S.ANSWERED
    assert (event.from_status, event.to_status) == (status, status)
    assert case.issue.visits == (Visit(round=1, due=due),)
    assert not case.issue.visits[0].is_done


def test_a_visit_is_due_after_it_is_scheduled():
    case = answered()
    at = case.tick()
    for due in (at, at.subtract(hours=1)):
        error = refused(
            case,
            PreconditionError,
            lambda d=due: case.workflow.schedule_visit(actor=REVIEWER, at=at, due=d),
        )
        assert (error.field, error.value) == ("schedule_visit.due", due)
    error = refused(
        case, InvalidValueError, lambda: case.workflow.schedule_visit(actor=REVIEWER, at=at)
    )
    assert error.field == "schedule_visit.due"


@pytest.mark.parametrize("actor", [HANDLER, REQUESTER, SUPERVISOR, LEADER])
def test_only_the_centre_or_a_reviewer_schedules_visits(actor):
    case = answered()
    error = refused(
        case,
        RoleError,
        lambda: case.workflow.schedule_visit(actor=actor, at=case.tick(), due=DUE.add(days=9)),
    )
    assert error.field == "schedule_visit.actor.role"


@pytest.mark.parametrize("event", ["schedule_visit", "revisit"])
@pytest.mark.parametrize("status", [S.TRANSFERRED, S.IN_PROGRESS, S.RESOLVED])
def test_visits_follow_an_answer(event, status):
    case = answered()
    rate(case, Rating.DISSATISFIED)  # back in progress
    if status is S.TRANSFERRED:
        case.workflow.send_back(actor=HANDLER, at=case.tick(), note="不属于本单位职责")
        case.workflow.transfer(actor=DISPATCHER, at=case.tick(), unit=LEAD, deadline=DUE)
    elif status is S.RESOLVED:
        case.workflow.resolve(actor=HANDLER, at=case.tick())
    args = {"due": DUE.add(days=9)} if event == "schedule_visit" else {"outcome": "resolved"}
    error = refused(
        case,
        TransitionRefusedError,
        lambda: getattr(case.workflow, event)(actor=REVIEWER, at=case.tick(), **args),
    )
    assert error.field == f"{event}.status"


@pytest.mark.parametrize("outcome", [VisitOutcome.RESOLVED, VisitOutcome.UNREACHABLE])
def test_a_visit_made_marks_the_earliest_due_one_done(outcome):
    case = answered()
    later, sooner = case.clock.now().add(days=9), case.clock.now().add(days=2)
    case.workflow.schedule_visit(actor=DISPATCHER, at=case.tick(), due=later)
    case.workflow.schedule_visit(actor=DISPATCHER, at=case.tick(), due=sooner)
    at = case.tick(days=2)
    event = case.workflow.revisit(actor=CLERK, at=at, outcome=outcome.value)
    assert (event.to_status, case.issue.round) == (S.ANSWERED, 1)
    assert case.issue.visits == (
        Visit(round=1, due=later),
        Visit(round=1, due=sooner, done_at=at, outcome=outcome, visitor=CLERK.id),
    )
    again = case.tick()
    case.workflow.revisit(actor=REVIEWER, at=again, outcome=outcome)
    assert case.issue.visits[0] == Visit(
        round=1, due=later, done_at=again, outcome=outcome, visitor=REVIEWER.id
    )


def test_a_visit_made_unscheduled_is_recorded_as_done():
    case = answered()
    rate(case, Rating.SATISFIED)
    at = case.tick()
    event = case.workflow.revisit(actor=REVIEWER, at=at, outcome=VisitOutcome.RESOLVED)
    assert (event.from_status, event.to_status) == (S.CLOSED, S.CLOSED)
    assert case.issue.visits == (
        Visit(round=1, done_at=at, outcome=VisitOutcome.RESOLVED, visitor=REVIEWER.id),
    )


@pytest.mark.parametrize("closed", [False, True], ids=["answered", "closed"])
def test_a_visit_that_finds_the_problem_unresolved_reopens_the_item(closed):
    case = answered()
    if closed:
        rate(case, Rating.SATISFIED)
    case.workflow.schedule_visit(actor=DISPATCHER, at=case.tick(), due=DUE.add(days=30))
    at = case.tick()
    event = case.workflow.revisit(actor=REVIEWER, at=at, outcome=VisitOutcome.UNRESOLVED)
    due = rectification_due(at)
    assert (event.to_status, case.issue.round, case.issue.deadline) == (S.IN_PROGRESS, 2, due)
    assert case.issue.closed_at is None
    assert case.issue.rectifications == (
        Rectification(round=2, cause=RectificationCause.VISIT, opened_at=at, deadline=due),
    )
    assert case.issue.visits[0].outcome is VisitOutcome.UNRESOLVED
    assert thaw_data(event.data)["outcome"] == "unresolved"


def test_an_unresolved_visit_may_give_the_rectification_deadline_and_no_other_may():
    case = answered()
    error = refused(
        case,
        PreconditionError,
        lambda: case.workflow.revisit(
            actor=REVIEWER, at=case.tick(), outcome=VisitOutcome.RESOLVED, deadline=DUE.add(days=9)
        ),
    )
    assert error.field == "revisit.deadline"
    due = DUE.add(days=9)
    case.workflow.revisit(
        actor=REVIEWER, at=case.tick(), outcome=VisitOutcome.UNRESOLVED, deadline=due
    )
    assert case.issue.deadline == due == case.issue.rectifications[-1].deadline


@pytest.mark.parametrize(
    ("actor", "args", "error", "field"),
    [
        (HANDLER, {"outcome": "resolved"}, RoleError, "revisit.actor.role"),
        (PLATFORM, {"outcome": "resolved"}, RoleError, "revisit.actor.role"),
        (REQUESTER, {"outcome": "resolved"}, RoleError, "revisit.actor.role"),
        (REVIEWER, {}, InvalidValueError, "revisit.outcome"),
        (REVIEWER, {"outcome": "maybe"}, InvalidTypeError, "revisit.outcome"),
    ],
)
def test_a_visit_is_made_by_someone_who_visits_and_says_what_it_found(actor, args, error, field):
    case = answered()
    refusal = refused(
        case, error, lambda: case.workflow.revisit(actor=actor, at=case.tick(), **args)
    )
    assert refusal.field == field


# -- 9. the whole loop: replay, JSON, and the ledger ---------------------------------------------


def full_loop() -> list[tuple[str, Actor, str, dict[str, Any]]]:
    """Every step of the loop once: bad rating, appeal voided, answer, a visit that
    finds it unresolved, answer, a basically satisfied rating appealed and rejected,
    a visit, an order to redo, answer, and a satisfied rating that closes it."""
    day = pendulum.duration(days=1)

    def fb(at: DateTime) -> Feedback:
        return Feedback(at=at, content="已处理", method=FeedbackMethod.PHONE, unit=LEAD)

    def given(rating: Rating, round_: int, at: DateTime) -> Evaluation:
        return Evaluation(
            issue_id=ISSUE_ID,
            rating=rating,
            resolved=rating.counts_as_satisfied(),
            at=at,
            round=round_,
            rater=ZHANG.id,
        )

    at = [T0.add(days=n) for n in range(1, 40)]
    return [
        ("transfer", DISPATCHER, "", {"unit": LEAD, "deadline": DUE}),
        ("sign_for", HANDLER, "", {}),
        ("resolve", HANDLER, "", {}),
        ("answer", HANDLER, "", {"feedback": fb(at[3])}),
        ("rate", REQUESTER, "", {"evaluation": given(Rating.VERY_DISSATISFIED, 1, at[4])}),
        ("appeal", HANDLER, "恶意差评", {"grounds": AppealGrounds.MALICIOUS}),
        ("void_rating", REVIEWER, "经核实予以作废", {}),
        ("resolve", HANDLER, "", {}),
        ("answer", HANDLER, "", {"feedback": fb(at[8])}),
        ("schedule_visit", CLERK, "", {"due": at[8] + 3 * day}),
        ("revisit", CLERK, "", {"outcome": VisitOutcome.UNRESOLVED, "deadline": at[20]}),
        ("resolve", HANDLER, "", {}),
        ("answer", HANDLER, "", {"feedback": fb(at[12])}),
        ("rate", REVIEWER, "", {"evaluation": given(Rating.BASICALLY_SATISFIED, 3, at[13])}),
        ("appeal", HANDLER, "误评", {"grounds": AppealGrounds.MISTAKEN, "round": 3}),
        ("reject_appeal", REVIEWER, "评价属实", {}),
        ("revisit", REVIEWER, "", {"outcome": VisitOutcome.UNREACHABLE}),
        ("redo", SUPERVISOR, "督查发现仍有问题", {}),
        ("resolve", HANDLER, "", {}),
        ("answer", HANDLER, "", {"feedback": fb(at[19])}),
        ("rate", REQUESTER, "", {"evaluation": given(Rating.SATISFIED, 4, at[20])}),
    ]


STATUSES_AFTER = [
    S.TRANSFERRED,
    S.IN_PROGRESS,
    S.RESOLVED,
    S.ANSWERED,
    S.IN_PROGRESS,
    S.IN_PROGRESS,
    S.IN_PROGRESS,
    S.RESOLVED,
    S.ANSWERED,
    S.ANSWERED,
    S.IN_PROGRESS,
    S.RESOLVED,
    S.ANSWERED,
    S.CLOSED,
    S.CLOSED,
    S.CLOSED,
    S.CLOSED,
    S.IN_PROGRESS,
    S.RESOLVED,
    S.ANSWERED,
    S.CLOSED,
]


def run_full_loop() -> tuple[Issue, Ledger]:
    issue = fresh_issue()
    workflow = IssueWorkflow(issue)
    ledger = Ledger()
    ledger.receive(fresh_issue(), actor=CLERK)
    for index, ((event, actor, note, args), status) in enumerate(
        zip(full_loop(), STATUSES_AFTER, strict=True)
    ):
        at = T0.add(days=index + 1)
        getattr(workflow, event)(actor=actor, at=at, note=note, **args)
        assert ledger.apply(ISSUE_ID, event, actor=actor, at=at, note=note, **args) is status
        assert issue.status is status, (index, event)
    return issue, ledger


def test_the_full_loop_leaves_its_record():
    issue, _ = run_full_loop()
    assert issue.round == 4
    assert [(r.round, r.cause, r.rating) for r in issue.rectifications] == [
        (2, RectificationCause.BAD_RATING, 0),
        (3, RectificationCause.VISIT, None),
        (4, RectificationCause.ORDERED, None),
    ]
    assert all(r.answered_at is not None for r in issue.rectifications)
    assert [(a.rating, a.outcome) for a in issue.appeals] == [
        (0, AppealOutcome.VOIDED),
        (1, AppealOutcome.REJECTED),
    ]
    assert [(v.round, v.outcome) for v in issue.visits] == [
        (2, VisitOutcome.UNRESOLVED),
        (3, VisitOutcome.UNREACHABLE),
    ]
    assert issue.voided_ratings_as_of() == frozenset({0})
    assert [e.round for e in issue.live_evaluations_as_of()] == [3, 4]
    assert issue.latest_evaluation_as_of().rating is Rating.SATISFIED
    assert issue.deadline == issue.rectifications[-1].deadline
    assert issue.redone_as_of()


def test_the_full_loop_replays_to_the_same_issue():
    issue, ledger = run_full_loop()
    assert replay(issue.history, start=fresh_issue()) == issue
    assert replay(ledger.history(ISSUE_ID)) == ledger.issue(ISSUE_ID)
    # under another deployment's limits too: every computed deadline is on record
    other = WorkflowPolicy(rectification_limit="15 working days", rater_kinds=frozenset(RaterKind))
    assert replay(issue.history, start=fresh_issue(), policy=other) == issue


def test_the_full_loop_gives_the_same_history_on_the_ledger():
    issue, ledger = run_full_loop()
    kept = ledger.issue(ISSUE_ID)
    assert ledger.history(ISSUE_ID)[1:] == issue.history
    assert attrs.evolve(kept, history=()) == attrs.evolve(issue, history=())


def test_the_full_loop_goes_through_json_and_back():
    issue, _ = run_full_loop()
    data = unstructure(issue)
    assert structure(data, Issue) == issue
    assert all("subject" not in event for event in data["history"])  # issue events
    assert data["appeals"][0]["outcome"] == "voided"
    assert data["rectifications"][0]["cause"] == "bad_rating"
    assert data["visits"][0]["outcome"] == "unresolved"


def test_a_history_whose_appeal_was_not_by_a_handler_does_not_replay():
    issue, _ = run_full_loop()
    history = list(issue.history)
    index = next(i for i, e in enumerate(history) if e.name == "appeal")
    history[index] = attrs.evolve(history[index], role=Role.DISPATCHER)
    with pytest.raises(BanshishiError):
        replay(history, start=fresh_issue())


# -- 10. the loop as a state machine ---------------------------------------------------------

POLICIES = (
    WorkflowPolicy(),
    WorkflowPolicy(close_on_satisfied_rating=False, rectification_limit="15 working days"),
    WorkflowPolicy(rater_kinds=frozenset(RaterKind), rectification_limit=dt.timedelta(days=2)),
)
GAPS = (pendulum.duration(minutes=5), pendulum.duration(hours=6), pendulum.duration(days=8))
RATERS = (REQUESTER, REQUESTER, REVIEWER, DEPUTY)
ORDERERS = (DISPATCHER, REVIEWER, SUPERVISOR, HANDLER)
VISITORS = (REVIEWER, CLERK, DISPATCHER, PLATFORM)
DECIDERS = (REVIEWER, REVIEWER, DISPATCHER)
APPELLANTS = (HANDLER, HANDLER, HANDLER, handler(OTHER), DISPATCHER)

LOOP_EVENTS = (
    "rate",
    "resolve",
    "answer",
    "appeal",
    "void_rating",
    "reject_appeal",
    "redo",
    "schedule_visit",
    "revisit",
    "close",
)

Outcome = tuple[Any, ...]


def attempt(call: Any) -> Outcome:
    try:
        call()
    except BanshishiError as error:
        return ("refused", type(error), error.field)
    return ("accepted",)


class EvaluationLoop(RuleBasedStateMachine):
    """One 即办 item transferred to LEAD and signed for, then random steps of the evaluation loop
    (rating, answering, appeals and their decisions, redo, visits, closing), each
    made of an IssueWorkflow and of a Ledger, which must agree."""

    def __init__(self) -> None:
        super().__init__()
        self.issue = fresh_issue()
        self.ledger = Ledger()
        self.workflow = IssueWorkflow(self.issue)
        self.now = T0
        self.policy = WorkflowPolicy()
        self.replayed = 0

    @initialize(policy=st.sampled_from(POLICIES))
    def start(self, policy: WorkflowPolicy) -> None:
        self.policy = policy
        self.workflow = IssueWorkflow(self.issue, policy=policy)
        self.ledger = Ledger(policy=policy)
        self.ledger.receive(fresh_issue(), actor=CLERK)
        self.step("transfer", DISPATCHER, unit=LEAD, deadline=DUE)
        self.step("sign_for", HANDLER)
        assert self.issue.status is S.IN_PROGRESS

    # -- making a step of both engines ---------------------------------------------------

    def step(self, event: str, actor: Actor, note: str = "", **args: Any) -> Outcome:
        before = self.issue.as_record(), self.ledger.issue(ISSUE_ID)
        at = self.now
        expected = attempt(
            lambda: getattr(self.workflow, event)(actor=actor, at=at, note=note, **args)
        )
        got = attempt(
            lambda: self.ledger.apply(ISSUE_ID, event, actor=actor, at=at, note=note, **args)
        )
        assert got == expected, (event, actor, args, expected, got)
        if expected[0] == "refused":  # a refused step changes nothing, on either engine
            assert self.issue.as_record() == before[0]
            assert self.ledger.issue(ISSUE_ID) == before[1]
        return expected

    def later(self, data: st.DataObject) -> DateTime:
        self.now = self.now + data.draw(st.sampled_from(GAPS), label="gap")
        return self.now

    def stands(self, *statuses: IssueStatus) -> bool:
        return self.issue.status in statuses

    # -- the rules: each mostly where the status allows it, by a plausible actor ---------

    @precondition(lambda self: self.stands(S.ANSWERED, S.CLOSED))
    @rule(data=st.data(), rating=st.sampled_from(list(Rating)))
    def rate(self, data: st.DataObject, rating: Rating) -> None:
        at = self.later(data)
        actor = data.draw(st.sampled_from(RATERS), label="rater")
        kind = RaterKind.REQUESTER
        if actor.role is Role.RATER or (
            actor.role is Role.REVIEWER and data.draw(st.booleans(), label="another kind")
        ):
            kind = data.draw(st.sampled_from(list(RaterKind)), label="kind")
        given = Evaluation(
            issue_id=ISSUE_ID,
            rating=rating,
            resolved=data.draw(st.booleans(), label="resolved"),
            at=at,
            round=self.issue.round,
            rater_kind=kind,
            rater=actor.id if actor.role is not Role.REVIEWER else None,
        )
        args: dict[str, Any] = {"evaluation": given}
        if data.draw(st.integers(0, 3), label="with a deadline") == 0:
            args["deadline"] = at.add(days=9)
        outcome = self.step("rate", actor, **args)
        if outcome == ("accepted",):
            assert self.issue.evaluations[-1] == given
            if rating.is_bad:
                assert self.issue.status is S.IN_PROGRESS

    @precondition(lambda self: self.stands(S.ANSWERED, S.CLOSED))
    @rule(data=st.data(), rating=st.sampled_from(list(Rating)))
    def requester_rates(self, data: st.DataObject, rating: Rating) -> None:
        at = self.later(data)
        given = Evaluation(
            issue_id=ISSUE_ID,
            rating=rating,
            resolved=rating.counts_as_satisfied(),
            at=at,
            round=self.issue.round,
            rater=ZHANG.id,
        )
        outcome = self.step("rate", REQUESTER, evaluation=given)
        rated = self.issue.live_evaluations_as_of(at)
        assert (outcome == ("accepted",)) == (given in rated)

    @precondition(lambda self: self.stands(S.IN_PROGRESS))
    @rule(data=st.data())
    def resolve(self, data: st.DataObject) -> None:
        self.later(data)
        self.step("resolve", HANDLER)

    @precondition(lambda self: self.stands(S.RESOLVED))
    @rule(data=st.data())
    def answer(self, data: st.DataObject) -> None:
        at = self.later(data)
        feedback = Feedback(at=at, content="已处理", method=FeedbackMethod.PHONE)
        self.step("answer", HANDLER, feedback=feedback)

    def appealable(self) -> list[int]:
        """The rounds whose live rating may be appealed now."""
        issue = self.issue
        if any(appeal.is_pending for appeal in issue.appeals):
            return []
        skip = issue.voided_ratings_as_of() | {appeal.rating for appeal in issue.appeals}
        return [
            given.round
            for index, given in enumerate(issue.evaluations)
            if index not in skip and not given.rating.counts_as_satisfied(basically_satisfied=False)
        ]

    @precondition(lambda self: bool(self.appealable()))
    @rule(data=st.data(), grounds=st.sampled_from(list(AppealGrounds)))
    def appeal(self, data: st.DataObject, grounds: AppealGrounds) -> None:
        self.later(data)
        actor = data.draw(st.sampled_from(APPELLANTS), label="appellant")
        args: dict[str, Any] = {"grounds": grounds}
        if data.draw(st.booleans(), label="names the round"):
            rounds = [*self.appealable(), self.issue.round]
            args["round"] = data.draw(st.sampled_from(rounds), label="round")
        self.step("appeal", actor, "申诉理由", **args)

    @precondition(lambda self: any(appeal.is_pending for appeal in self.issue.appeals))
    @rule(data=st.data(), event=st.sampled_from(["void_rating", "reject_appeal"]))
    def decide(self, data: st.DataObject, event: str) -> None:
        self.later(data)
        self.step(event, data.draw(st.sampled_from(DECIDERS), label="decider"), "经核实")

    @precondition(lambda self: self.stands(S.ANSWERED, S.CLOSED))
    @rule(data=st.data())
    def redo(self, data: st.DataObject) -> None:
        self.later(data)
        self.step("redo", data.draw(st.sampled_from(ORDERERS), label="orderer"), "核查整改")

    @precondition(lambda self: self.stands(S.ANSWERED, S.CLOSED))
    @rule(data=st.data())
    def schedule_visit(self, data: st.DataObject) -> None:
        at = self.later(data)
        self.step("schedule_visit", data.draw(st.sampled_from(VISITORS)), due=at.add(days=2))

    @precondition(lambda self: self.stands(S.ANSWERED, S.CLOSED))
    @rule(data=st.data(), outcome=st.sampled_from(list(VisitOutcome)))
    def revisit(self, data: st.DataObject, outcome: VisitOutcome) -> None:
        self.later(data)
        self.step("revisit", data.draw(st.sampled_from(VISITORS), label="visitor"), outcome=outcome)

    @precondition(lambda self: self.stands(S.ANSWERED))
    @rule(data=st.data())
    def close(self, data: st.DataObject) -> None:
        self.later(data)
        if data.draw(st.booleans(), label="verified"):
            self.step("close", REVIEWER, "回访核实")
        else:
            self.step("close", PLATFORM)

    @rule(data=st.data(), event=st.sampled_from(LOOP_EVENTS))
    def out_of_turn(self, data: st.DataObject, event: str) -> None:
        """Any step of the loop, wherever the item stands: mostly refused."""
        at = self.later(data)
        args = {
            "rate": {
                "evaluation": Evaluation(
                    issue_id=ISSUE_ID,
                    rating=Rating.DISSATISFIED,
                    resolved=False,
                    at=at,
                    round=self.issue.round,
                    rater=ZHANG.id,
                )
            },
            "answer": {
                "feedback": Feedback(at=at, content="已处理", method=FeedbackMethod.TEXT_MESSAGE)
            },
            "appeal": {"grounds": AppealGrounds.MISTAKEN},
            "schedule_visit": {"due": at.add(days=1)},
            "revisit": {"outcome": VisitOutcome.UNRESOLVED},
        }.get(event, {})
        actor = data.draw(st.sampled_from((HANDLER, REVIEWER, REQUESTER, DISPATCHER)))
        self.step(event, actor, "说明", **args)

    # -- what always holds -----------------------------------------------------------------

    @invariant()
    def one_live_rating_per_round(self) -> None:
        voided = self.issue.voided_ratings_as_of()
        live = [e.round for i, e in enumerate(self.issue.evaluations) if i not in voided]
        assert len(live) == len(set(live)), live
        assert all(e.round <= self.issue.round for e in self.issue.evaluations)

    @invariant()
    def a_voided_rating_never_counts(self) -> None:
        issue = self.issue
        voided = issue.voided_ratings_as_of()
        live = [e for i, e in enumerate(issue.evaluations) if i not in voided]
        assert list(issue.live_evaluations_as_of()) == live
        latest = issue.latest_evaluation_as_of()
        expected = max(live, key=lambda e: (e.round, e.at)) if live else None
        assert latest == expected
        if latest is not None:
            assert issue.evaluations.index(latest) not in voided
        satisfied = latest is not None and latest.rating.counts_as_satisfied()
        assert satisfaction_rate([issue]).rate == Rate(int(satisfied), int(latest is not None))
        solved = latest is not None and latest.resolved
        assert resolution_rate([issue]).rate == Rate(int(solved), int(latest is not None))
        for appeal in issue.appeals:
            if appeal.outcome is AppealOutcome.VOIDED:
                voided_one = issue.evaluations[appeal.rating]
                assert voided_one not in issue.live_evaluations_as_of(appeal.decided_at)
                assert issue.latest_evaluation_as_of(appeal.decided_at) != voided_one

    @invariant()
    def every_bad_rating_has_its_one_rectification(self) -> None:
        issue = self.issue
        for index, given in enumerate(issue.evaluations):
            pointing = [r for r in issue.rectifications if r.rating == index]
            assert len(pointing) == (1 if given.rating.is_bad else 0), (index, given.rating)
        for rectification in issue.rectifications:
            by_rating = rectification.cause is RectificationCause.BAD_RATING
            assert by_rating == (rectification.rating is not None)

    @invariant()
    def rectification_rounds_follow_the_issues_rounds(self) -> None:
        rounds = [r.round for r in self.issue.rectifications]
        assert rounds == list(range(2, self.issue.round + 1))
        for earlier, later in itertools.pairwise(self.issue.rectifications):
            assert earlier.answered_at is not None  # a new round needs an answer first
            assert earlier.opened_at <= earlier.answered_at <= later.opened_at
        if self.issue.status in (S.ANSWERED, S.CLOSED):  # answered: nothing left open
            assert all(r.answered_at is not None for r in self.issue.rectifications)

    @invariant()
    def appeals_hold_together(self) -> None:
        issue = self.issue
        assert sum(appeal.is_pending for appeal in issue.appeals) <= 1
        appealed = [appeal.rating for appeal in issue.appeals]
        assert len(appealed) == len(set(appealed))
        for appeal in issue.appeals:
            assert not issue.evaluations[appeal.rating].rating.counts_as_satisfied(
                basically_satisfied=False
            )

    @invariant()
    def both_engines_hold_the_same_issue(self) -> None:
        kept = self.ledger.issue(ISSUE_ID)
        assert kept.history[1:] == self.issue.history
        assert attrs.evolve(kept, history=()) == attrs.evolve(self.issue, history=())

    @invariant()
    def the_history_replays(self) -> None:
        if len(self.issue.history) != self.replayed:
            rebuilt = replay(self.issue.history, start=fresh_issue(), policy=self.policy)
            assert rebuilt == self.issue
            self.replayed = len(self.issue.history)

    def teardown(self) -> None:
        """Let Hypothesis report how far the runs went (--hypothesis-show-statistics)."""
        issue = self.issue
        note_event(f"reached round {min(issue.round, 4)}{'+' if issue.round >= 4 else ''}")
        rated = len(issue.evaluations)
        note_event(f"{min(rated, 3)}{'+' if rated >= 3 else ''} ratings given")
        for appeal in issue.appeals:
            note_event(f"appeal {appeal.outcome.value if appeal.outcome else 'pending'}")
        for rectification in issue.rectifications:
            note_event(f"rectification {rectification.cause.value}")
        if any(visit.is_done for visit in issue.visits):
            note_event("visit made")


EvaluationLoop.TestCase.settings = settings(
    stateful_step_count=40,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)
TestEvaluationLoop = EvaluationLoop.TestCase
