"""What is published now about a past moment withholds an issue confidential at
that moment or now: the disclosure list and a periodic report's overdue list, given
the issues as they are now (with their whole history). An issue rebuilt as of a
past moment learns its flag now from the events recorded since (``flagged_since``)."""

import pendulum
import pytest

from banshishi import Issue, Ledger, disclose_issues, periodic_report
from cast import CLERK_C1, DISPATCHER_D1, T0, new_issue

SECRET = "举报某店售假"


def issues(*marks: tuple[str, int]) -> list[Issue]:
    """ "secret" and "open", received at T0 and transferred (due at T0 + 3 hours);
    each of ``marks`` a step on "secret", (``mark_confidential`` or
    ``unmark_confidential``, hours after T0)."""
    ledger = Ledger()
    for issue_id, title in (("secret", SECRET), ("open", "路灯不亮")):
        ledger.receive(new_issue(issue_id, title=title, received_by="centre"), actor=CLERK_C1)
        ledger.apply(
            issue_id,
            "transfer",
            actor=DISPATCHER_D1,
            at=T0.add(hours=1),
            unit="water",
            deadline=T0.add(hours=3),
        )
    for step, hours in marks:
        ledger.apply("secret", step, actor=DISPATCHER_D1, at=T0.add(hours=hours), note="涉密")
    return list(ledger.issues())


MARKED_SINCE = (("mark_confidential", 48),)
UNMARKED_SINCE = (("mark_confidential", 2), ("unmark_confidential", 48))
THEN = T0.add(hours=30)  # after the first mark, before the second step


def listed(found: list[Issue], at: pendulum.DateTime) -> set[str]:
    return {line.id for line in disclose_issues(found, at=at)}


@pytest.mark.parametrize("marks", [MARKED_SINCE, UNMARKED_SINCE], ids=["marked", "unmarked"])
def test_a_disclosure_as_of_then_leaves_out_an_issue_confidential_then_or_now(marks) -> None:
    assert listed(issues(*marks), THEN) == {"open"}


def test_an_issue_confidential_neither_then_nor_now_is_listed() -> None:
    found = issues(*UNMARKED_SINCE)
    assert listed(found, T0.add(hours=1)) == {"secret", "open"}  # before the mark
    assert listed(found, T0.add(hours=60)) == {"secret", "open"}  # after it was lifted
    assert listed(issues(), THEN) == {"secret", "open"}


def test_a_report_as_of_then_titles_an_issue_marked_then_and_unmarked_since_withheld() -> None:
    report = periodic_report(issues(*UNMARKED_SINCE), period="month", at=THEN)
    assert {item.id: item.title for item in report.overdue} == {
        "secret": "保密",
        "open": "路灯不亮",
    }
    later = periodic_report(issues(*UNMARKED_SINCE), period="month", at=T0.add(hours=60))
    assert {item.id: item.title for item in later.overdue}["secret"] == SECRET
