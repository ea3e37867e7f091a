"""Rates over issues: completion, on-time completion, response, return and redo.

Each takes the issues and an optional ``as_of`` moment (``None`` reads the
records as they stand) and returns a :class:`Breakdown`, which is the rate plus
the issues behind it. The exact definitions are in ``docs/metrics.md``, and in
code in the table of :mod:`banshishi._metrics.facts`, which the figures over
summary lines follow too; in short, every denominator leaves out issues not yet
received at ``as_of`` and issues dismissed (不予受理) as duplicate, invalid or
withdrawn, which are listed in ``excluded``.

Satisfaction (满意率) and resolution (解决率), from evaluations.

An issue's rating is its latest evaluation given by ``as_of`` (the highest
round, then the latest time): after a bad rating and a redo, the new rating
replaces the old one. :func:`evaluation_satisfaction_rate` instead counts every
rating as one vote, the way a service centre's 好差评 tally does.

Whether 基本满意 (basically satisfied) counts as satisfied differs between
deployments; it does by default, and ``basically_satisfied=False`` leaves it out
of the numerator (it stays in the denominator).

Rectification (整改率) and follow-up (回访率) rates.

Pledge completion (践诺率): the rate DOMAIN.md's published table is made of.
"""

from collections.abc import Iterable, Iterator

from pendulum import DateTime

from banshishi._core.time import optional_moment
from banshishi._core.validators import flag, items_given
from banshishi._model.evaluation import Evaluation, Rectification
from banshishi._model.issue import Issue
from banshishi._model.pledge import Pledge

from .breakdown import Breakdown
from .facts import (
    ASSESSED,
    CLOSED,
    COMPLETION,
    COUNTED,
    FIRST_SATISFACTION,
    ON_TIME,
    REDOS,
    RESOLUTION,
    RESPONSE,
    RETURNS,
    ROUTING,
    SATISFACTION,
    VISIT_RESOLUTION,
    VISIT_RESPONSE,
    VISIT_SATISFACTION,
    IssueAsOf,
    IssueRate,
)


def _received(issues: Iterable[Issue], as_of: DateTime | None) -> Iterator[IssueAsOf]:
    """The facts of each issue received by ``as_of``, as of then."""
    for issue in items_given(issues, Issue, field="issues"):
        status = issue.status_as_of(as_of)
        if status is not None:
            yield IssueAsOf(issue, as_of, status)


def issues_in_scope(
    issues: Iterable[Issue], as_of: DateTime | None = None
) -> tuple[list[Issue], list[Issue]]:
    """Split issues received by ``as_of`` into (counted, dismissed)."""
    as_of = optional_moment(as_of, field="as_of")
    counted: list[Issue] = []
    dismissed: list[Issue] = []
    for facts in _received(issues, as_of):
        (counted if COUNTED.holds(facts) else dismissed).append(facts.issue)
    return counted, dismissed


def issue_rate(
    rate: IssueRate,
    issues: Iterable[Issue],
    as_of: DateTime | None,
    *,
    basically_satisfied: bool = True,
) -> Breakdown[Issue]:
    """``rate`` over the issues received by ``as_of``, each one's facts read as of
    then: the dismissed ones and those left out of the assessment, then those the
    rate leaves out, are ``excluded``."""
    as_of = optional_moment(as_of, field="as_of")
    numerator: list[Issue] = []
    denominator: list[Issue] = []
    dismissed: list[Issue] = []
    left_out: list[Issue] = []
    # The rate's facts as plain functions, asked of every issue: keep the loop light.
    is_counted = ASSESSED.holds
    is_over = None if rate.out_of is COUNTED else rate.out_of.holds
    counts = rate.counts.holds
    lenient = rate.lenient.holds if basically_satisfied and rate.lenient is not None else None
    leaves_out = None if rate.left_out is None else rate.left_out.holds
    for facts in _received(issues, as_of):
        issue = facts.issue
        if not is_counted(facts):
            dismissed.append(issue)
        elif is_over is None or is_over(facts):
            denominator.append(issue)
            if counts(facts) or (lenient is not None and lenient(facts)):
                numerator.append(issue)
        elif leaves_out is not None and leaves_out(facts):
            left_out.append(issue)
    return Breakdown(
        numerator=tuple(numerator),
        denominator=tuple(denominator),
        excluded=(*dismissed, *left_out),
    )


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
    return issue_rate(COMPLETION, issues, as_of)


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
    return issue_rate(ON_TIME, issues, as_of)


def response_rate(issues: Iterable[Issue], *, as_of: DateTime | None = None) -> Breakdown[Issue]:
    """响应率: issues a responsible unit has signed for (办理中 or later), out of all counted."""
    return issue_rate(RESPONSE, issues, as_of)


def return_rate(issues: Iterable[Issue], *, as_of: DateTime | None = None) -> Breakdown[Issue]:
    """退回率: transferred issues that a unit has sent back at least once.

    An issue that was returned without a recorded transfer (a 即办 item the
    receiving unit signed for itself) is in the denominator too.
    """
    return issue_rate(RETURNS, issues, as_of)


def redo_rate(issues: Iterable[Issue], *, as_of: DateTime | None = None) -> Breakdown[Issue]:
    """重办率: answered issues sent back for a redo at least once after an answer."""
    return issue_rate(REDOS, issues, as_of)


def satisfaction_rate(
    issues: Iterable[Issue], *, as_of: DateTime | None = None, basically_satisfied: bool = True
) -> Breakdown[Issue]:
    """满意率: rated issues whose latest rating counts as satisfied, out of rated issues."""
    as_of = optional_moment(as_of, field="as_of")
    basically_satisfied = flag(basically_satisfied, field="basically_satisfied")
    return issue_rate(SATISFACTION, issues, as_of, basically_satisfied=basically_satisfied)


def resolution_rate(issues: Iterable[Issue], *, as_of: DateTime | None = None) -> Breakdown[Issue]:
    """解决率: rated issues whose latest rater said the problem is solved."""
    return issue_rate(RESOLUTION, issues, as_of)


def first_satisfaction_rate(
    issues: Iterable[Issue], *, as_of: DateTime | None = None, basically_satisfied: bool = True
) -> Breakdown[Issue]:
    """首次满意率: rated issues whose first live rating (of the earliest round rated)
    counts as satisfied, out of rated issues. 满意率 reads the latest rating: the
    final satisfaction (最终满意率)."""
    as_of = optional_moment(as_of, field="as_of")
    basically_satisfied = flag(basically_satisfied, field="basically_satisfied")
    return issue_rate(FIRST_SATISFACTION, issues, as_of, basically_satisfied=basically_satisfied)


def visit_response_rate(
    issues: Iterable[Issue], *, as_of: DateTime | None = None
) -> Breakdown[Issue]:
    """回访响应率: issues whose requester told the latest follow-up visit that reached
    them that the unit contacted them, out of those a visit asked."""
    return issue_rate(VISIT_RESPONSE, issues, as_of)


def visit_resolution_rate(
    issues: Iterable[Issue], *, as_of: DateTime | None = None
) -> Breakdown[Issue]:
    """回访解决率: issues whose latest follow-up visit that reached the requester
    found the problem solved, out of those a visit reached."""
    return issue_rate(VISIT_RESOLUTION, issues, as_of)


def visit_satisfaction_rate(
    issues: Iterable[Issue], *, as_of: DateTime | None = None
) -> Breakdown[Issue]:
    """回访满意率: issues whose requester told the latest follow-up visit that reached
    them they are satisfied, out of those a visit asked."""
    return issue_rate(VISIT_SATISFACTION, issues, as_of)


def routing_rate(issues: Iterable[Issue], *, as_of: DateTime | None = None) -> Breakdown[Issue]:
    """派单准确率: issues whose first routed transfer the unit did not send back, out
    of the issues routed by the catalogue (see :func:`routing_accuracy` per rule
    and per unit)."""
    return issue_rate(ROUTING, issues, as_of)


def evaluation_satisfaction_rate(
    evaluations: Iterable[Evaluation],
    *,
    as_of: DateTime | None = None,
    basically_satisfied: bool = True,
) -> Breakdown[Evaluation]:
    """满意率 over individual ratings given by ``as_of``, each rating one vote."""
    as_of = optional_moment(as_of, field="as_of")
    basically_satisfied = flag(basically_satisfied, field="basically_satisfied")
    given = [
        e
        for e in items_given(evaluations, Evaluation, field="evaluations")
        if as_of is None or e.at <= as_of
    ]
    return Breakdown.of(
        given, lambda e: e.rating.counts_as_satisfied(basically_satisfied=basically_satisfied)
    )


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
    closed: list[Issue] = []
    dismissed: list[Issue] = []
    for facts in _received(issues, as_of):
        if not COUNTED.holds(facts):
            dismissed.append(facts.issue)
        elif CLOSED.holds(facts):
            closed.append(facts.issue)
    return Breakdown.of(
        closed, lambda issue: any(visit.done_by(as_of) for visit in issue.visits), dismissed
    )


def pledge_completion_rate(
    pledges: Iterable[Pledge], *, as_of: DateTime | None = None
) -> Breakdown[Pledge]:
    """Pledges fulfilled by ``as_of``, out of pledges that stood as public
    promises then (published and not withdrawn; see :meth:`Pledge.public_as_of`).

    Pledges claimed by then but not public (drafts, withdrawn ones) are listed in
    ``excluded``. Per list kind, pledger or unit, group with :func:`grouped`;
    for a unit and everything under it, add the groups up with
    :meth:`UnitTree.roll_up`.
    """
    as_of = optional_moment(as_of, field="as_of")
    public: list[Pledge] = []
    left_out: list[Pledge] = []
    for pledge in items_given(pledges, Pledge, field="pledges"):
        if not pledge.claimed_as_of(as_of):
            continue
        (public if pledge.public_as_of(as_of) else left_out).append(pledge)
    return Breakdown.of(public, lambda pledge: pledge.fulfilled_as_of(as_of), left_out)
