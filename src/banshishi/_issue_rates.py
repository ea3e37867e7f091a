"""Rates over issues: completion, on-time completion, response, return and redo.

Each takes the issues and an optional ``as_of`` moment (``None`` reads the
records as they stand) and returns a :class:`Breakdown`, which is the rate plus
the issues behind it. The exact definitions are in ``docs/metrics.md``; in
short, every denominator leaves out issues not yet received at ``as_of`` and
issues dismissed (不予受理) as duplicate, invalid or withdrawn, which are listed
in ``excluded``.
"""

from collections.abc import Iterable

from pendulum import DateTime

from ._breakdown import Breakdown
from ._issue import Issue
from ._status import IssueStatus
from ._summary import on_time
from ._time import optional_moment
from ._validators import items_given


def issues_in_scope(
    issues: Iterable[Issue], as_of: DateTime | None = None
) -> tuple[list[Issue], list[Issue]]:
    """Split issues received by ``as_of`` into (counted, dismissed)."""
    as_of = optional_moment(as_of, field="as_of")
    counted: list[Issue] = []
    dismissed: list[Issue] = []
    for issue in items_given(issues, Issue, field="issues"):
        status = issue.status_as_of(as_of)
        if status is IssueStatus.DISMISSED:
            dismissed.append(issue)
        elif status is not None:
            counted.append(issue)
    return counted, dismissed


def completion_rate(issues: Iterable[Issue], *, as_of: DateTime | None = None) -> Breakdown[Issue]:
    """办结率: issues closed, out of issues received and not dismissed.

    >>> import pendulum
    >>> from banshishi import Channel, Urgency
    >>> issue = Issue(id="1", title="路灯不亮", channel=Channel.HOTLINE,
    ...               urgency=Urgency.URGENT,
    ...               received_at=pendulum.datetime(2026, 3, 2, 9, tz="Asia/Shanghai"))
    >>> rate = completion_rate([issue])
    >>> rate.format(), [i.title for i in rate.shortfall]
    ('0.0%', ['路灯不亮'])
    """
    as_of = optional_moment(as_of, field="as_of")
    counted, dismissed = issues_in_scope(issues, as_of)
    return Breakdown.of(
        counted, lambda issue: issue.status_as_of(as_of) is IssueStatus.CLOSED, dismissed
    )


def on_time_completion_rate(
    issues: Iterable[Issue], *, as_of: DateTime | None = None
) -> Breakdown[Issue]:
    """按期办结率: closed issues answered by their deadline, out of closed issues with one.

    The handling unit's clock stops at its answer: a closed issue counts as on
    time when the answer that led to the closure (:meth:`Issue.answered_at_as_of`
    at the closure, counted from its ``answer`` step) came by the deadline in
    force when the issue closed (:meth:`Issue.deadline_as_of`). The workflow sets
    that deadline in working days from the policy, or as given; an approved
    extension (延期) moves it, and between the answer and the closure only a
    restatement (``restate_deadline``) can. The wait for the rating is not
    counted. Closed issues without a deadline, or whose closure or answer
    predates their recorded history with no answer on record, cannot be judged
    and are listed in ``excluded`` with the dismissed ones. Open overdue issues
    are not in this rate; the SLA sweep lists them.
    """
    as_of = optional_moment(as_of, field="as_of")
    counted, excluded = issues_in_scope(issues, as_of)
    judged: list[Issue] = []
    outcome: dict[int, bool] = {}
    for issue in counted:
        if issue.status_as_of(as_of) is not IssueStatus.CLOSED:
            continue
        closed = issue.closed_at_as_of(as_of)
        if closed is None:
            excluded.append(issue)
            continue
        judgement = on_time(issue.answered_at_as_of(closed), issue.deadline_as_of(closed))
        if judgement is None:
            excluded.append(issue)
            continue
        judged.append(issue)
        outcome[id(issue)] = judgement

    return Breakdown.of(judged, lambda issue: outcome[id(issue)], excluded)


def response_rate(issues: Iterable[Issue], *, as_of: DateTime | None = None) -> Breakdown[Issue]:
    """响应率: issues a responsible unit has signed for (办理中 or later), out of all counted."""
    as_of = optional_moment(as_of, field="as_of")
    counted, dismissed = issues_in_scope(issues, as_of)
    return Breakdown.of(counted, lambda issue: issue.signed_for_as_of(as_of), dismissed)


def return_rate(issues: Iterable[Issue], *, as_of: DateTime | None = None) -> Breakdown[Issue]:
    """退回率: transferred issues that a unit has sent back at least once.

    An issue that was returned without a recorded transfer (a 即办 item the
    receiving unit signed for itself) is in the denominator too.
    """
    as_of = optional_moment(as_of, field="as_of")
    counted, dismissed = issues_in_scope(issues, as_of)
    transferred = [
        issue for issue in counted if issue.transferred_as_of(as_of) or issue.returned_as_of(as_of)
    ]
    return Breakdown.of(transferred, lambda issue: issue.returned_as_of(as_of), dismissed)


def redo_rate(issues: Iterable[Issue], *, as_of: DateTime | None = None) -> Breakdown[Issue]:
    """重办率: answered issues sent back for a redo at least once after an answer."""
    as_of = optional_moment(as_of, field="as_of")
    counted, dismissed = issues_in_scope(issues, as_of)
    answered = [issue for issue in counted if issue.answered_as_of(as_of)]
    return Breakdown.of(answered, lambda issue: issue.redone_as_of(as_of), dismissed)
