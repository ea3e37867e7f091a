"""The handling unit's clock stops at its answer, and an answer counts from its step.

An item answered by its deadline and waiting for the requester's rating is not
overdue, and is completed on time however late the rating comes; an item not yet
answered in its round is overdue once its deadline passes. Every figure follows
the same rule: the issue's own methods, the rate functions, both summary lines,
the store (its SQL), the sweep, the dashboard and the periodic report.
"""

from collections.abc import Iterator
from pathlib import Path

import pendulum
import pytest
from pendulum import DateTime

from banshishi import (
    Actor,
    Channel,
    Evaluation,
    Feedback,
    FeedbackMethod,
    Issue,
    IssueStatus,
    IssueSummary,
    Ledger,
    LedgerStore,
    Person,
    Rating,
    Role,
    Track,
    Urgency,
    WorkflowPolicy,
    on_time_completion_rate,
    periodic_report,
    redo_rate,
    sweep,
)
from banshishi._metrics.summary import issue_summary_of_row
from banshishi._workflow.engine import WIDTH
from cast import DESK_CLERK as CLERK
from cast import DESK_DISPATCHER as DISPATCHER
from cast import WATER_HANDLER as HANDLER

SH = "Asia/Shanghai"
MONDAY = pendulum.datetime(2026, 6, 1, 9, tz=SH)
DEADLINE = pendulum.datetime(2026, 6, 2, 17, 30, tz=SH)  # 1 working day after the transfer
WEDNESDAY = pendulum.datetime(2026, 6, 3, 10, tz=SH)
RATER = Actor(id="r-1", role=Role.REQUESTER)
POLICY = WorkflowPolicy(time_limits={Track.IMMEDIATE: "1 working day"})


def receive(ledger: Ledger, issue_id: str) -> None:
    ledger.receive(
        Issue(
            id=issue_id,
            title="停水",
            channel=Channel.HOTLINE,
            urgency=Urgency.URGENT,
            received_at=MONDAY,
            received_by="centre",
            requester=Person(id="r-1", name="李娜"),
        ),
        actor=CLERK,
    )
    ledger.apply(issue_id, "transfer", actor=DISPATCHER, at=MONDAY.add(minutes=5), unit="water")
    ledger.apply(issue_id, "sign_for", actor=HANDLER, at=MONDAY.add(minutes=10))


def answer(ledger: Ledger, issue_id: str, at: DateTime, *, given: DateTime | None = None) -> None:
    """Resolve and answer at ``at`` (the step), the answer given at ``given`` (or then)."""
    ledger.apply(issue_id, "resolve", actor=HANDLER, at=at.subtract(minutes=1))
    feedback = Feedback(
        at=given or at, content="已恢复供水", method=FeedbackMethod.PHONE, unit="water"
    )
    ledger.apply(issue_id, "answer", actor=HANDLER, at=at, feedback=feedback)


def rate(ledger: Ledger, issue_id: str, at: DateTime, rating: Rating = Rating.SATISFIED) -> None:
    evaluation = Evaluation(
        issue_id=issue_id, rating=rating, resolved=True, at=at, round=1, rater="r-1"
    )
    ledger.apply(issue_id, "rate", actor=RATER, at=at, evaluation=evaluation)


def cases() -> Ledger:
    """Five items transferred on Monday, all due Tuesday 17:30."""
    ledger = Ledger(policy=POLICY)
    for issue_id in ("waiting", "late-answer", "unanswered", "rated-late", "closed-late"):
        receive(ledger, issue_id)
    answer(ledger, "waiting", MONDAY.add(hours=3))  # answered early, never rated
    answer(ledger, "late-answer", WEDNESDAY.subtract(hours=1))  # answered after the deadline
    answer(ledger, "rated-late", DEADLINE.subtract(hours=2))  # answered in time ...
    rate(ledger, "rated-late", WEDNESDAY.add(days=1))  # ... rated (and closed) two days later
    answer(ledger, "closed-late", WEDNESDAY.subtract(hours=1))  # answered late ...
    rate(ledger, "closed-late", WEDNESDAY.subtract(minutes=30))  # ... rated at once
    return ledger


LATER = WEDNESDAY.add(days=2)  # every deadline passed; both closures done
OVERDUE_LATER = ["unanswered"]
ON_TIME = {"rated-late": True, "closed-late": False}


@pytest.fixture(scope="module")
def ledger() -> Ledger:
    return cases()


@pytest.fixture(scope="module")
def store(tmp_path_factory: pytest.TempPathFactory, ledger: Ledger) -> Iterator[LedgerStore]:
    path: Path = tmp_path_factory.mktemp("clock") / "ledger.db"
    with LedgerStore.open(path, create=True, policy=POLICY) as store:
        store.write_ledgers(ledger)
        yield store


def test_an_answered_item_waiting_for_its_rating_is_not_overdue(ledger):
    lines = {i.id: IssueSummary.of(i, version=len(i.history)) for i in ledger.issues()}
    assert sorted(i for i, line in lines.items() if line.is_overdue(LATER)) == OVERDUE_LATER
    assert lines["waiting"].status is IssueStatus.ANSWERED
    assert lines["waiting"].deadline == DEADLINE


def test_the_answer_that_led_to_the_closure_is_judged_not_the_rating(ledger):
    issues = list(ledger.issues())
    rate_ = on_time_completion_rate(issues)
    judged = {issue.id: issue in rate_.numerator for issue in rate_.denominator}
    assert judged == ON_TIME
    lines = {i.id: IssueSummary.of(i, version=len(i.history)) for i in issues}
    assert {i: line.on_time for i, line in lines.items() if line.on_time is not None} == ON_TIME


def test_the_fast_summary_line_agrees_with_the_issue_methods(ledger):
    for issue_id, row in ledger.rows_in(frozenset(IssueStatus)):
        issue = ledger.issue(issue_id)
        assert issue_summary_of_row(issue_id, row, WIDTH) == IssueSummary.of(
            issue, version=len(issue.history)
        )


def test_the_store_counts_and_filters_overdue_items_by_the_same_rule(store):
    assert store.figures(at=LATER).overdue == len(OVERDUE_LATER)
    assert [line.id for line in store.summaries(overdue_at=LATER)] == OVERDUE_LATER
    assert store.dashboard(at=LATER).everything.overdue == len(OVERDUE_LATER)
    assert {row.group: row.figures.overdue for row in store.report(at=LATER, by="unit")} == {
        "water": 1,
        "all": 1,
    }
    on_time = store.figures(at=LATER).on_time
    assert (on_time.numerator, on_time.denominator) == (1, 2)


def test_the_periodic_overdue_list_follows_the_rule(ledger):
    report = periodic_report(ledger.issues(), period="week", at=LATER)
    assert [item.id for item in report.overdue] == OVERDUE_LATER


def test_the_sweep_lists_only_unanswered_items_as_overdue():
    found = sweep(cases(), LATER)
    assert list(found.overdue) == OVERDUE_LATER


def test_an_item_answered_after_its_deadline_was_overdue_until_its_answer(ledger):
    issue = ledger.issue("late-answer")
    late = DEADLINE.add(hours=1)
    assert IssueSummary.of(issue, version=1, as_of=late).is_overdue(late)
    after = IssueSummary.of(issue, version=1, as_of=LATER)
    assert after.status is IssueStatus.ANSWERED
    assert not after.is_overdue(LATER)


# -- one as-of rule for an answer: its step ---------------------------------------------------


def test_an_answer_counts_from_its_step_not_from_the_time_it_names(tmp_path):
    ledger = Ledger(policy=POLICY)
    receive(ledger, "x")
    given, recorded = MONDAY.add(hours=2), MONDAY.add(hours=6)
    answer(ledger, "x", recorded, given=given)
    issue = ledger.issue("x")
    between = MONDAY.add(hours=4)
    assert issue.answer_times() == (recorded,)
    assert not issue.answered_as_of(between)
    assert issue.answered_as_of(recorded)
    assert issue.answered_at_as_of(recorded) == recorded
    assert issue.answered_at_as_of(between) is None
    assert redo_rate([issue], as_of=between).rate.denominator == 0
    with LedgerStore.open(tmp_path / "x.db", create=True, policy=POLICY) as store:
        store.write_ledgers(ledger)
        lines = store.summaries_as_of(between)
        assert [line.answered for line in lines] == [False]
        assert store.summaries_as_of(recorded)[0].answered


def test_an_answer_given_before_the_history_counts_from_its_own_time():
    moment = MONDAY.add(hours=2)
    feedback = Feedback(at=moment, content="已答复", method=FeedbackMethod.PHONE)
    issue = Issue(
        id="bare",
        title="路灯",
        channel=Channel.HOTLINE,
        urgency=Urgency.URGENT,
        received_at=MONDAY,
        status=IssueStatus.ANSWERED,
        feedback=(feedback,),
        deadline=DEADLINE,
    )
    assert issue.answer_times() == (moment,)
    assert issue.answered_at_as_of(LATER) == moment
    assert not IssueSummary.of(issue, version=0).is_overdue(LATER)


def test_an_unanswered_item_recorded_with_a_deadline_at_intake_is_overdue_but_not_urged():
    """An import may carry a deadline on an item still at intake: it is overdue by
    the one rule everywhere, and the sweep sorts it so, with no unit to urge."""
    ledger = Ledger(policy=POLICY)
    ledger.add(
        Issue(
            id="imported",
            title="噪音",
            channel=Channel.HOTLINE,
            urgency=Urgency.URGENT,
            received_at=MONDAY,
            deadline=DEADLINE,
        )
    )
    issue = ledger.issue("imported")
    assert IssueSummary.of(issue, version=0).is_overdue(LATER)
    found = sweep(ledger, LATER)
    assert (found.overdue, found.urged, dict(found.refused)) == (("imported",), (), {})
