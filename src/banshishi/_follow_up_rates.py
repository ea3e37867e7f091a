"""Rectification (整改率) and follow-up (回访率) rates."""

from collections.abc import Iterable

from pendulum import DateTime

from ._breakdown import Breakdown
from ._issue import Issue
from ._issue_rates import issues_in_scope
from ._rectification import Rectification
from ._status import IssueStatus
from ._time import optional_moment
from ._validators import flag


def rectification_rate(
    issues: Iterable[Issue], *, as_of: DateTime | None = None, on_time: bool = False
) -> Breakdown[Rectification]:
    """整改率: rectifications opened by ``as_of`` whose new answer was given by then
    (by their own deadline too, with ``on_time=True``).

    A rectification opened by a bad rating that was voided on appeal by
    ``as_of`` is listed in ``excluded``: the rating no longer counts, so neither
    does the rectification it opened. The deadline judged is the one the
    rectification was opened with; a later extension of the issue does not move it.
    """
    as_of = optional_moment(as_of, field="as_of")
    on_time = flag(on_time, field="on_time")
    counted, _ = issues_in_scope(issues, as_of)
    opened: list[Rectification] = []
    voided: list[Rectification] = []
    for issue in counted:
        gone = issue.voided_ratings_as_of(as_of)
        for item in issue.rectifications:
            if as_of is not None and item.opened_at > as_of:
                continue
            (voided if item.rating in gone else opened).append(item)

    def done(item: Rectification) -> bool:
        if not item.answered_by(as_of):
            return False
        return not on_time or (item.answered_at is not None and item.answered_at <= item.deadline)

    return Breakdown.of(opened, done, voided)


def follow_up_rate(issues: Iterable[Issue], *, as_of: DateTime | None = None) -> Breakdown[Issue]:
    """回访率: issues closed at ``as_of`` that had at least one follow-up visit made
    by then, out of the issues closed at ``as_of``."""
    as_of = optional_moment(as_of, field="as_of")
    counted, dismissed = issues_in_scope(issues, as_of)
    closed = [issue for issue in counted if issue.status_as_of(as_of) is IssueStatus.CLOSED]
    return Breakdown.of(
        closed, lambda issue: any(visit.done_by(as_of) for visit in issue.visits), dismissed
    )
