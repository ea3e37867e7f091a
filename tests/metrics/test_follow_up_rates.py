"""Rectification (整改率) and follow-up (回访率) rates, over issues driven through
IssueWorkflow and the Ledger the ordinary way.

A bad rating (不满意, 非常不满意) sends an answered issue back to 办理中 and opens a
rectification in a new round; the next answer completes it. An order to redo and a
follow-up visit that finds the problem unresolved open one too. A rating voided on
appeal takes its rectification out of the rate from the moment of the decision.

Times are Asia/Shanghai in the plain working week of 2–6 March 2026 and the week
after (9–13 March); 7–8 March is a weekend.
"""

import dataclasses
import datetime as dt
from functools import cache
from typing import Any

import pendulum
import pytest
from hypothesis import given
from hypothesis import strategies as st
from pendulum import DateTime

from banshishi import (
    Actor,
    AppealGrounds,
    AppealOutcome,
    Channel,
    DismissalReason,
    Evaluation,
    Feedback,
    FeedbackMethod,
    FixedClock,
    InvalidTypeError,
    Issue,
    IssueStatus,
    IssueWorkflow,
    Ledger,
    NaiveDatetimeError,
    Rate,
    Rating,
    RectificationCause,
    Role,
    Urgency,
    VisitOutcome,
    follow_up_rate,
    rectification_rate,
)
from cast import CENTRE, CLERK, DISPATCHER, REQUESTER, REVIEWER, ZHANG

S = IssueStatus
ZONE = "Asia/Shanghai"


def sh(*parts: int) -> DateTime:
    return pendulum.datetime(*parts, tz=ZONE)


T0 = sh(2026, 3, 2, 9)  # Monday 09:00
RATED_AT = sh(2026, 3, 2, 15)  # Monday 15:00: when the example issues are rated
LEAD = "town-office"

HANDLER = Actor(id="li.handler", role=Role.HANDLER, unit=LEAD)


@dataclasses.dataclass
class Case:
    issue: Issue
    workflow: IssueWorkflow

    # The steps, each at the moment given.

    def answer(self, at: DateTime) -> None:
        """Resolve and answer at ``at`` (transferring and signing for it first)."""
        if self.issue.status is S.RECEIVED:
            self.workflow.transfer(
                actor=DISPATCHER, at=self.issue.received_at, unit=LEAD, deadline=sh(2026, 3, 20)
            )
            self.workflow.sign_for(actor=HANDLER, at=self.issue.received_at)
        self.workflow.resolve(actor=HANDLER, at=at)
        feedback = Feedback(at=at, content="已电话答复", method=FeedbackMethod.PHONE, unit=LEAD)
        self.workflow.answer(actor=HANDLER, at=at, feedback=feedback)

    def rate(self, rating: Rating, at: DateTime, **args: Any) -> None:
        given = Evaluation(
            issue_id=self.issue.id,
            rating=rating,
            resolved=rating.counts_as_satisfied(),
            at=at,
            rater=ZHANG.id,
            round=self.issue.round,
        )
        self.workflow.rate(actor=REQUESTER, at=at, evaluation=given, **args)

    def appeal(self, at: DateTime, **args: Any) -> None:
        self.workflow.appeal(
            actor=HANDLER, at=at, grounds=AppealGrounds.MALICIOUS, note="与办理事项无关", **args
        )


def new_case(issue_id: str = "2026-0302-001", received_at: DateTime = T0) -> Case:
    issue = Issue(
        id=issue_id,
        title="小区路灯不亮",
        channel=Channel.HOTLINE,
        urgency=Urgency.URGENT,
        received_at=received_at,
        received_by=CENTRE,
        requester=ZHANG,
    )
    return Case(issue, IssueWorkflow(issue, clock=FixedClock(received_at)))


def badly_rated(issue_id: str = "2026-0302-001", *, at: DateTime = RATED_AT, **args: Any) -> Case:
    """Answered at 14:00 on Monday and rated 不满意 at ``at``: a rectification is open."""
    case = new_case(issue_id)
    case.answer(sh(2026, 3, 2, 14))
    case.rate(Rating.DISSATISFIED, at, **args)
    return case


# -- 1. rectification: opened and answered ------------------------------------------------


def test_a_bad_rating_opens_a_rectification_the_next_answer_completes():
    case = badly_rated(deadline=sh(2026, 3, 6, 17, 30))
    issue = case.issue
    assert issue.status is S.IN_PROGRESS
    assert issue.round == 2
    (opened,) = issue.rectifications
    assert opened.round == 2
    assert opened.cause is RectificationCause.BAD_RATING
    assert opened.rating == 0
    assert opened.opened_at == sh(2026, 3, 2, 15)
    assert opened.deadline == sh(2026, 3, 6, 17, 30)
    assert opened.answered_at is None
    result = rectification_rate([issue])
    assert result.denominator == (opened,)
    assert result.shortfall == (opened,)
    assert result.format() == "0.0%"

    case.answer(sh(2026, 3, 4, 10))
    (answered,) = issue.rectifications
    assert answered.answered_at == sh(2026, 3, 4, 10)
    assert rectification_rate([issue]).numerator == (answered,)
    assert rectification_rate([issue]).format() == "100.0%"


def test_without_a_deadline_a_rectification_gets_five_working_days():
    case = badly_rated(at=sh(2026, 3, 2, 15))
    # Five working days from Monday 15:00: Tuesday to Friday and next Monday, to its close.
    assert case.issue.rectifications[0].deadline == sh(2026, 3, 9, 17, 30)
    assert case.issue.history[-1].data["deadline"].startswith("2026-03-09T17:30:00+08:00")


def test_a_satisfied_rating_opens_nothing():
    case = new_case()
    case.answer(sh(2026, 3, 2, 14))
    case.rate(Rating.SATISFIED, sh(2026, 3, 2, 15))
    assert case.issue.status is S.CLOSED
    assert case.issue.rectifications == ()
    assert rectification_rate([case.issue]).rate == Rate(0, 0)
    assert rectification_rate([case.issue]).format() == "—"


def test_as_of_follows_the_opening_and_the_new_answer():
    case = badly_rated()
    case.answer(sh(2026, 3, 4, 10))
    issue = case.issue
    (item,) = issue.rectifications

    def at(*parts: int, micro: int = 0) -> Any:
        return rectification_rate([issue], as_of=sh(*parts).add(microseconds=micro))

    assert at(2026, 3, 2, 15, micro=-1).denominator == ()
    assert at(2026, 3, 2, 15).shortfall == (item,)
    assert at(2026, 3, 4, 10, micro=-1).shortfall == (item,)
    assert at(2026, 3, 4, 10).numerator == (item,)
    assert rectification_rate([issue], as_of=T0.subtract(days=1)).denominator == ()


def test_on_time_judges_the_new_answer_against_the_rectifications_own_deadline():
    prompt = badly_rated("prompt", deadline=sh(2026, 3, 4, 17, 30))
    prompt.answer(sh(2026, 3, 4, 17, 30))  # on the deadline itself
    late = badly_rated("late", deadline=sh(2026, 3, 4, 17, 30))
    late.answer(sh(2026, 3, 5, 9))
    issues = [prompt.issue, late.issue]
    assert rectification_rate(issues).format() == "100.0%"
    on_time = rectification_rate(issues, on_time=True)
    assert on_time.numerator == prompt.issue.rectifications
    assert on_time.shortfall == late.issue.rectifications
    assert on_time.format() == "50.0%"
    # Before the late answer it is simply not answered yet.
    before = rectification_rate(issues, as_of=sh(2026, 3, 5, 8), on_time=True)
    assert before.rate == Rate(1, 2)


def test_an_extension_after_opening_does_not_move_the_rectifications_deadline():
    case = badly_rated(deadline=sh(2026, 3, 4, 17, 30))
    case.workflow.extend(
        actor=DISPATCHER, at=sh(2026, 3, 3, 9), deadline=sh(2026, 3, 10, 17, 30), note="材料待补"
    )
    case.answer(sh(2026, 3, 6, 10))
    assert case.issue.deadline == sh(2026, 3, 10, 17, 30)
    assert case.issue.rectifications[0].deadline == sh(2026, 3, 4, 17, 30)
    assert rectification_rate([case.issue], on_time=True).format() == "0.0%"
    assert rectification_rate([case.issue]).format() == "100.0%"


def test_every_round_of_rectification_counts_once():
    case = badly_rated()
    case.answer(sh(2026, 3, 3, 10))
    case.rate(Rating.VERY_DISSATISFIED, sh(2026, 3, 3, 11))
    assert case.issue.round == 3
    first, second = case.issue.rectifications
    assert (first.round, second.round) == (2, 3)
    assert second.rating == 1
    result = rectification_rate([case.issue])
    assert result.numerator == (first,)
    assert result.shortfall == (second,)


def test_a_redo_and_an_unresolved_visit_open_rectifications_too():
    ordered = new_case("ordered")
    ordered.answer(sh(2026, 3, 2, 14))
    ordered.workflow.redo(actor=REVIEWER, at=sh(2026, 3, 2, 16), note="核查发现未修复")
    visited = new_case("visited")
    visited.answer(sh(2026, 3, 2, 14))
    visited.rate(Rating.SATISFIED, sh(2026, 3, 2, 15))
    visited.workflow.revisit(actor=REVIEWER, at=sh(2026, 3, 3, 9), outcome=VisitOutcome.UNRESOLVED)
    (by_order,) = ordered.issue.rectifications
    (by_visit,) = visited.issue.rectifications
    assert (by_order.cause, by_order.rating) == (RectificationCause.ORDERED, None)
    assert (by_visit.cause, by_visit.rating) == (RectificationCause.VISIT, None)
    assert visited.issue.status is S.IN_PROGRESS
    visited.answer(sh(2026, 3, 4, 9))
    result = rectification_rate([ordered.issue, visited.issue])
    assert result.shortfall == (by_order,)
    assert result.numerator == visited.issue.rectifications
    assert result.excluded == ()


# -- 2. rectification: a voided rating -----------------------------------------------------


def test_a_rectification_opened_by_a_rating_voided_on_appeal_is_excluded():
    case = badly_rated()
    case.appeal(sh(2026, 3, 2, 16))
    case.workflow.void_rating(actor=REVIEWER, at=sh(2026, 3, 3, 10), note="经核实为恶意差评")
    issue = case.issue
    (item,) = issue.rectifications
    assert issue.appeals[0].outcome is AppealOutcome.VOIDED
    assert issue.evaluations[0].rating is Rating.DISSATISFIED  # kept on record
    result = rectification_rate([issue])
    assert result.denominator == ()
    assert result.excluded == (item,)
    assert result.format() == "—"
    # Until the reviewer's decision the rating, and the rectification, counted.
    before = rectification_rate([issue], as_of=sh(2026, 3, 3, 10).subtract(microseconds=1))
    assert before.shortfall == (item,)
    assert before.excluded == ()
    at_decision = rectification_rate([issue], as_of=sh(2026, 3, 3, 10))
    assert at_decision.excluded == (item,)


def test_a_rejected_appeal_leaves_the_rectification_counted():
    case = badly_rated()
    case.appeal(sh(2026, 3, 2, 16))
    case.workflow.reject_appeal(actor=REVIEWER, at=sh(2026, 3, 3, 10), note="评价属实")
    (item,) = case.issue.rectifications
    assert rectification_rate([case.issue]).shortfall == (item,)
    assert rectification_rate([case.issue]).excluded == ()


def test_voiding_one_rating_leaves_the_other_rounds_rectification_counted():
    case = badly_rated()
    case.answer(sh(2026, 3, 3, 10))
    case.rate(Rating.DISSATISFIED, sh(2026, 3, 3, 11))
    case.appeal(sh(2026, 3, 3, 12), round=1)
    case.workflow.void_rating(actor=REVIEWER, at=sh(2026, 3, 3, 14), note="误评")
    first, second = case.issue.rectifications
    result = rectification_rate([case.issue])
    assert result.excluded == (first,)
    assert result.shortfall == (second,)


# -- 3. rectification: scope and input -----------------------------------------------------


def test_a_rectification_on_an_issue_later_dismissed_is_not_counted():
    case = badly_rated()
    case.workflow.dismiss(
        actor=DISPATCHER,
        at=sh(2026, 3, 3, 9),
        reason=DismissalReason.DUPLICATE,
        original="2026-0301-009",
        note="与早先来电重复",
    )
    assert case.issue.status is S.DISMISSED
    assert rectification_rate([case.issue]).denominator == ()
    # While it still stood, it counted.
    assert rectification_rate([case.issue], as_of=sh(2026, 3, 3, 8)).rate == Rate(0, 1)


def test_only_issues_are_accepted_and_options_are_checked():
    with pytest.raises(InvalidTypeError) as caught:
        rectification_rate([new_case().issue, "i-2"])
    assert (caught.value.field, caught.value.value) == ("issues[1]", "i-2")
    with pytest.raises(InvalidTypeError) as flag:
        rectification_rate([], on_time=1)
    assert (flag.value.field, flag.value.value) == ("on_time", 1)
    naive = dt.datetime(2026, 3, 3)
    for rate in (rectification_rate, follow_up_rate):
        with pytest.raises(NaiveDatetimeError) as zone:
            rate([], as_of=naive)
        assert (zone.value.field, zone.value.value) == ("as_of", naive)
    with pytest.raises(InvalidTypeError) as wrong:
        follow_up_rate(["i-2"])
    assert wrong.value.field == "issues[0]"


# -- 4. follow-up visits -------------------------------------------------------------------


def closed(issue_id: str, at: DateTime = RATED_AT) -> Case:
    case = new_case(issue_id)
    case.answer(at.subtract(hours=1))
    case.rate(Rating.SATISFIED, at)
    assert case.issue.status is S.CLOSED
    return case


def test_closed_issues_count_in_the_follow_up_rate_once_visited():
    visited, unvisited = closed("visited"), closed("unvisited")
    visited.workflow.revisit(actor=CLERK, at=sh(2026, 3, 3, 10), outcome=VisitOutcome.RESOLVED)
    answered = new_case("answered")
    answered.answer(sh(2026, 3, 2, 14))
    issues = [visited.issue, unvisited.issue, answered.issue]
    result = follow_up_rate(issues)
    assert result.denominator == (visited.issue, unvisited.issue)
    assert result.numerator == (visited.issue,)
    assert result.shortfall == (unvisited.issue,)
    assert result.format() == "50.0%"
    assert visited.issue.status is S.CLOSED
    assert follow_up_rate(issues, as_of=sh(2026, 3, 3, 10)).numerator == (visited.issue,)
    early = follow_up_rate(issues, as_of=sh(2026, 3, 3, 10).subtract(microseconds=1))
    assert early.shortfall == (visited.issue, unvisited.issue)
    assert follow_up_rate(issues, as_of=sh(2026, 3, 2, 14)).denominator == ()


def test_a_scheduled_visit_counts_only_once_it_is_made():
    case = closed("c")
    case.workflow.schedule_visit(actor=DISPATCHER, at=sh(2026, 3, 2, 16), due=sh(2026, 3, 5, 12))
    assert follow_up_rate([case.issue]).shortfall == (case.issue,)
    case.workflow.revisit(actor=REVIEWER, at=sh(2026, 3, 5, 11), outcome=VisitOutcome.UNREACHABLE)
    (visit,) = case.issue.visits
    assert (visit.due, visit.done_at) == (sh(2026, 3, 5, 12), sh(2026, 3, 5, 11))
    assert follow_up_rate([case.issue]).numerator == (case.issue,)


def test_a_visit_made_before_closure_counts_once_the_issue_is_closed():
    case = new_case()
    case.answer(sh(2026, 3, 2, 14))
    case.workflow.revisit(actor=CLERK, at=sh(2026, 3, 2, 15), outcome=VisitOutcome.RESOLVED)
    assert case.issue.status is S.ANSWERED
    assert follow_up_rate([case.issue]).denominator == ()
    case.rate(Rating.SATISFIED, sh(2026, 3, 2, 16))
    assert follow_up_rate([case.issue]).numerator == (case.issue,)


def test_an_unresolved_visit_reopens_the_issue_and_takes_it_out_of_the_rate():
    case = closed("c")
    case.workflow.revisit(actor=REVIEWER, at=sh(2026, 3, 3, 10), outcome=VisitOutcome.UNRESOLVED)
    assert case.issue.status is S.IN_PROGRESS
    assert follow_up_rate([case.issue]).denominator == ()
    # Closed until the visit, with no visit made by then.
    before = follow_up_rate([case.issue], as_of=sh(2026, 3, 3, 10).subtract(microseconds=1))
    assert before.shortfall == (case.issue,)


def test_a_dismissed_issue_is_excluded_from_the_follow_up_rate():
    case = new_case()
    case.workflow.dismiss(
        actor=DISPATCHER, at=sh(2026, 3, 2, 10), reason=DismissalReason.INVALID, note="测试来电"
    )
    result = follow_up_rate([case.issue])
    assert result.denominator == ()
    assert result.excluded == (case.issue,)


# -- 5. through the ledger -----------------------------------------------------------------


def test_the_ledger_drives_the_same_rectification_and_visit():
    ledger = Ledger(clock=FixedClock(T0))
    for issue_id in ("a", "b"):
        ledger.receive(new_case(issue_id).issue, actor=CLERK)
        for event, at, args in [
            ("transfer", T0, {"unit": LEAD, "deadline": sh(2026, 3, 20)}),
            ("sign_for", T0, {}),
            ("resolve", sh(2026, 3, 2, 13), {}),
            (
                "answer",
                sh(2026, 3, 2, 14),
                {
                    "feedback": Feedback(
                        at=sh(2026, 3, 2, 14), content="已修复", method=FeedbackMethod.PHONE
                    )
                },
            ),
        ]:
            actor = DISPATCHER if event == "transfer" else HANDLER
            ledger.apply(issue_id, event, actor=actor, at=at, **args)
    bad = Evaluation(
        issue_id="a", rating=Rating.DISSATISFIED, resolved=False, at=sh(2026, 3, 2, 15)
    )
    assert ledger.apply("a", "rate", actor=REQUESTER, at=sh(2026, 3, 2, 15), evaluation=bad) is (
        S.IN_PROGRESS
    )
    good = Evaluation(issue_id="b", rating=Rating.SATISFIED, resolved=True, at=sh(2026, 3, 2, 15))
    ledger.apply("b", "rate", actor=REQUESTER, at=sh(2026, 3, 2, 15), evaluation=good)
    ledger.apply(
        "b", "revisit", actor=REVIEWER, at=sh(2026, 3, 3, 9), outcome=VisitOutcome.RESOLVED
    )
    issues = list(ledger.issues())
    (opened,) = ledger.issue("a").rectifications
    assert opened.deadline == sh(2026, 3, 9, 17, 30)
    assert rectification_rate(issues).shortfall == (opened,)
    assert follow_up_rate(issues).numerator == (ledger.issue("b"),)
    # The same steps through the machine give the same records.
    case = badly_rated("a")
    assert case.issue.rectifications == ledger.issue("a").rectifications


# -- 6. properties over a batch driven once ------------------------------------------------


@cache
def batch() -> tuple[Issue, ...]:
    """Issues in every situation above, with rectifications answered early, late and
    never, voided and rejected appeals, and visits made and not."""
    prompt = badly_rated("prompt", deadline=sh(2026, 3, 4, 17, 30))
    prompt.answer(sh(2026, 3, 4, 12))
    late = badly_rated("late", deadline=sh(2026, 3, 4, 17, 30))
    late.answer(sh(2026, 3, 6, 9))
    late.rate(Rating.SATISFIED, sh(2026, 3, 6, 10))
    late.workflow.revisit(actor=CLERK, at=sh(2026, 3, 9, 10), outcome=VisitOutcome.RESOLVED)
    voided = badly_rated("voided")
    voided.appeal(sh(2026, 3, 3, 9))
    voided.workflow.void_rating(actor=REVIEWER, at=sh(2026, 3, 5, 9), note="恶意差评")
    rejected = badly_rated("rejected")
    rejected.appeal(sh(2026, 3, 3, 9))
    rejected.workflow.reject_appeal(actor=REVIEWER, at=sh(2026, 3, 5, 9), note="属实")
    rejected.answer(sh(2026, 3, 10, 9))
    return tuple(
        case.issue
        for case in (
            prompt,
            late,
            voided,
            rejected,
            closed("calm"),
            new_case("fresh", received_at=sh(2026, 3, 6, 9)),
        )
    )


@given(st.none() | st.integers(min_value=-2 * 86400, max_value=14 * 86400))
def test_rectification_rate_matches_a_count_from_the_records(offset):
    as_of = None if offset is None else T0.add(seconds=offset)
    issues = batch()
    plain = rectification_rate(issues, as_of=as_of)
    timely = rectification_rate(issues, as_of=as_of, on_time=True)

    def by(moment: DateTime | None) -> bool:
        return moment is not None and (as_of is None or moment <= as_of)

    opened, gone = [], []
    for issue in issues:
        voided = {appeal.rating for appeal in issue.appeals if by(appeal.decided_at)}
        voided &= {
            appeal.rating for appeal in issue.appeals if appeal.outcome is AppealOutcome.VOIDED
        }
        for item in issue.rectifications:
            if by(item.opened_at):
                (gone if item.rating in voided else opened).append(item)
    assert list(plain.denominator) == opened
    assert list(plain.excluded) == gone
    assert list(timely.denominator) == opened
    assert list(plain.numerator) == [item for item in opened if by(item.answered_at)]
    assert list(timely.numerator) == [
        item for item in opened if by(item.answered_at) and item.answered_at <= item.deadline
    ]


@given(st.none() | st.integers(min_value=-2 * 86400, max_value=14 * 86400))
def test_follow_up_rate_matches_a_count_from_the_records(offset):
    as_of = None if offset is None else T0.add(seconds=offset)
    issues = batch()
    result = follow_up_rate(issues, as_of=as_of)
    closed_then = [issue for issue in issues if issue.status_as_of(as_of) is S.CLOSED]
    assert list(result.denominator) == closed_then
    assert list(result.numerator) == [
        issue
        for issue in closed_then
        if any(
            v.done_at is not None and (as_of is None or v.done_at <= as_of) for v in issue.visits
        )
    ]
