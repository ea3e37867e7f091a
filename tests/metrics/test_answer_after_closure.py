"""An answer dated after the closure does not judge it: the fast summary line of a
ledger row and the line defined over the issue agree (found by the property in
tests/workflow/test_book.py)."""

import pendulum

from banshishi import (
    Channel,
    Event,
    Feedback,
    FeedbackMethod,
    Issue,
    IssueStatus,
    IssueSummary,
    Ledger,
    Role,
    Urgency,
)

T0 = pendulum.datetime(2026, 3, 2, 9, tz="Asia/Shanghai")


def step(at: pendulum.DateTime, before: IssueStatus | None, after: IssueStatus) -> Event:
    return Event(
        name="imported", actor="x", role=Role.SYSTEM, at=at, from_status=before, to_status=after
    )


def closed_issue(deadline: pendulum.DateTime, *answers: pendulum.DateTime) -> Issue:
    return Issue(
        id="i",
        title="路灯不亮",
        channel=Channel.HOTLINE,
        urgency=Urgency.URGENT,
        received_at=T0,
        deadline=deadline,
        status=IssueStatus.CLOSED,
        closed_at=T0.add(hours=1),
        feedback=tuple(
            Feedback(at=at, content="已修复", method=FeedbackMethod.PHONE) for at in answers
        ),
        history=(
            step(T0, None, IssueStatus.RECEIVED),
            step(T0.add(hours=1), IssueStatus.RECEIVED, IssueStatus.CLOSED),
        ),
    )


def lines(issue: Issue) -> tuple[IssueSummary, IssueSummary]:
    ledger = Ledger()
    ledger.add(issue)
    return ledger.summary("i"), IssueSummary.of(ledger.issue("i"), version=2)


def test_an_answer_after_the_closure_leaves_the_closure_on_time() -> None:
    fast, defined = lines(closed_issue(T0.add(hours=1), T0.add(minutes=30), T0.add(hours=3)))
    assert fast == defined
    assert fast.on_time is True


def test_an_answer_by_the_closure_but_after_the_deadline_is_late() -> None:
    fast, defined = lines(closed_issue(T0.add(minutes=10), T0.add(minutes=30), T0.add(hours=3)))
    assert fast == defined
    assert fast.on_time is False
