"""Satisfaction (满意率) and resolution (解决率), from evaluations.

An issue's rating is its latest evaluation given by ``as_of`` (the highest
round, then the latest time): after a bad rating and a redo, the new rating
replaces the old one. :func:`evaluation_satisfaction_rate` instead counts every
rating as one vote, the way a service centre's 好差评 tally does.

Whether 基本满意 (basically satisfied) counts as satisfied differs between
deployments; it does by default, and ``basically_satisfied=False`` leaves it out
of the numerator (it stays in the denominator).
"""

from collections.abc import Iterable

from pendulum import DateTime

from ._breakdown import Breakdown
from ._evaluation import Evaluation
from ._issue import Issue
from ._issue_rates import issues_in_scope
from ._time import optional_moment
from ._validators import flag, items_given


def _rated(issues: Iterable[Issue], as_of: DateTime | None) -> tuple[list[Issue], list[Issue]]:
    counted, dismissed = issues_in_scope(issues, as_of)
    return [i for i in counted if i.latest_evaluation_as_of(as_of) is not None], dismissed


def satisfaction_rate(
    issues: Iterable[Issue], *, as_of: DateTime | None = None, basically_satisfied: bool = True
) -> Breakdown[Issue]:
    """满意率: rated issues whose latest rating counts as satisfied, out of rated issues."""
    as_of = optional_moment(as_of, field="as_of")
    basically_satisfied = flag(basically_satisfied, field="basically_satisfied")
    rated, dismissed = _rated(issues, as_of)

    def satisfied(issue: Issue) -> bool:
        latest = issue.latest_evaluation_as_of(as_of)
        return latest is not None and latest.rating.counts_as_satisfied(
            basically_satisfied=basically_satisfied
        )

    return Breakdown.of(rated, satisfied, dismissed)


def resolution_rate(issues: Iterable[Issue], *, as_of: DateTime | None = None) -> Breakdown[Issue]:
    """解决率: rated issues whose latest rater said the problem is solved."""
    as_of = optional_moment(as_of, field="as_of")
    rated, dismissed = _rated(issues, as_of)

    def solved(issue: Issue) -> bool:
        latest = issue.latest_evaluation_as_of(as_of)
        return latest is not None and latest.resolved

    return Breakdown.of(rated, solved, dismissed)


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
