"""On-time completion against the deadline in force when an issue closed."""

import pendulum
import pytest

from banshishi import (
    Actor,
    Channel,
    Evaluation,
    Feedback,
    FeedbackMethod,
    Issue,
    Ledger,
    Person,
    Rating,
    Role,
    Track,
    Urgency,
    WorkflowPolicy,
    on_time_completion_rate,
)
from cast import DESK_CLERK as CLERK
from cast import DESK_DISPATCHER as DISPATCHER
from cast import WATER_HANDLER as HANDLER

SH = "Asia/Shanghai"
MONDAY = pendulum.datetime(2026, 6, 1, 9, tz=SH)
REQUESTER = Person(id="r-1", name="李娜")


def handled(*, extend_at=None, closed_at):
    """A 即办 item transferred on Monday 2026-06-01 with the default limit
    (1 working day: due Tuesday 17:30), optionally extended by 2 working days
    (to Thursday 17:30), then handled and closed by a satisfied rating at ``closed_at``."""
    ledger = Ledger(policy=WorkflowPolicy(time_limits={Track.IMMEDIATE: "1 working day"}))
    ledger.receive(
        Issue(
            id="i",
            title="停水",
            channel=Channel.HOTLINE,
            urgency=Urgency.URGENT,
            received_at=MONDAY,
            requester=REQUESTER,
        ),
        actor=CLERK,
    )
    ledger.apply("i", "transfer", actor=DISPATCHER, at=MONDAY.add(minutes=5), unit="water")
    ledger.apply("i", "sign_for", actor=HANDLER, at=MONDAY.add(minutes=10))
    if extend_at is not None:
        ledger.apply(
            "i",
            "extend",
            actor=DISPATCHER,
            at=extend_at,
            note="管网抢修",
            extension="2 working days",
        )
    answered = closed_at.subtract(minutes=30)
    ledger.apply("i", "resolve", actor=HANDLER, at=answered.subtract(minutes=1))
    feedback = Feedback(
        at=answered, content="已恢复供水", method=FeedbackMethod.PHONE, unit="water"
    )
    ledger.apply("i", "answer", actor=HANDLER, at=answered, feedback=feedback)
    evaluation = Evaluation(
        issue_id="i", rating=Rating.SATISFIED, resolved=True, at=closed_at, round=1, rater="r-1"
    )
    ledger.apply(
        "i", "rate", actor=Actor(id="r-1", role=Role.REQUESTER), at=closed_at, evaluation=evaluation
    )
    return ledger.issue("i")


TUESDAY_CLOSE = pendulum.datetime(2026, 6, 2, 17, 30, tz=SH)
THURSDAY_CLOSE = pendulum.datetime(2026, 6, 4, 17, 30, tz=SH)


@pytest.mark.parametrize(
    ("closed_at", "on_time"),
    [
        (TUESDAY_CLOSE.add(minutes=30), True),  # answered at the deadline itself: on time
        (TUESDAY_CLOSE.add(minutes=30, seconds=1), False),  # answered a second after it
    ],
)
def test_closure_is_judged_by_its_answer_against_the_working_day_deadline(closed_at, on_time):
    """The answer comes 30 minutes before the rating that closes the item; the
    unit's clock stops at the answer."""
    issue = handled(closed_at=closed_at)
    assert issue.deadline == TUESDAY_CLOSE
    result = on_time_completion_rate([issue])
    assert (result.rate.numerator, result.rate.denominator) == (int(on_time), 1)


def test_an_extension_moves_the_deadline_an_item_is_judged_against():
    late_on_the_first = THURSDAY_CLOSE.subtract(hours=1)
    issue = handled(extend_at=MONDAY.add(hours=3), closed_at=late_on_the_first)
    assert issue.deadline == THURSDAY_CLOSE
    assert issue.deadline_as_of(MONDAY.add(hours=2)) == TUESDAY_CLOSE
    assert issue.deadline_as_of(MONDAY.add(hours=3)) == THURSDAY_CLOSE
    assert on_time_completion_rate([issue]).rate.numerator == 1
    # Without the extension the same closure is late.
    plain = handled(closed_at=late_on_the_first)
    assert on_time_completion_rate([plain]).rate.numerator == 0


def test_deadline_as_of_before_any_transfer_is_none_and_send_back_clears_it():
    ledger = Ledger()
    ledger.receive(
        Issue(
            id="j",
            title="噪音",
            channel=Channel.HOTLINE,
            urgency=Urgency.URGENT,
            received_at=MONDAY,
        ),
        actor=CLERK,
    )
    ledger.apply("j", "transfer", actor=DISPATCHER, at=MONDAY.add(hours=1), unit="water")
    ledger.apply("j", "send_back", actor=HANDLER, at=MONDAY.add(hours=2), note="不属于本单位")
    issue = ledger.issue("j")
    assert issue.deadline_as_of(MONDAY.add(minutes=30)) is None
    assert issue.deadline_as_of(MONDAY.add(hours=1)) == TUESDAY_CLOSE
    assert issue.deadline_as_of(MONDAY.add(hours=2)) is None
    assert issue.deadline_as_of() is None


def test_an_issue_without_a_recorded_deadline_falls_back_on_its_field():
    issue = Issue(
        id="k",
        title="路灯",
        channel=Channel.HOTLINE,
        urgency=Urgency.URGENT,
        received_at=MONDAY,
        deadline=THURSDAY_CLOSE,
    )
    assert issue.deadline_as_of(MONDAY.add(days=1)) == THURSDAY_CLOSE
