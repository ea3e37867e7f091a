"""Every rate with its counts, added up from summary lines in one pass.

These are the rates of :mod:`banshishi._metrics.rates` over issues as they
stand, counted from :class:`IssueSummary` lines (or the store's fold of them)
instead of full issues, so a store of a million issues gives its dashboard in
seconds. Both apply the one table of :mod:`banshishi._metrics.facts`. Figures
add up (``+``), so groups roll up a unit tree by adding counts.
"""

from collections import Counter
from collections.abc import Callable, Hashable, Iterable, Mapping
from types import MappingProxyType
from typing import TypeVar, final

import attrs
from pendulum import DateTime

from banshishi._core.time import as_datetime
from banshishi._core.validators import flag
from banshishi._model.rate import Rate
from banshishi._model.vocabulary import IssueStatus, PledgeStatus

from .facts import ASSESSED, COUNTED, ISSUE_RATE_TABLE, OPEN_STATUSES, Facts
from .summary import IssueSummary, PledgeSummary, micros

K = TypeVar("K", bound=Hashable)

ISSUE_RATES = tuple((rate.name, rate.label) for rate in ISSUE_RATE_TABLE)
"""The rates :class:`IssueFigures` holds, by attribute name, with their Chinese
names (those of :data:`ISSUE_RATE_TABLE`)."""


def _add_counts(left: Mapping[K, int], right: Mapping[K, int]) -> Mapping[K, int]:
    total: Counter[K] = Counter(left)
    total.update(right)
    return MappingProxyType(dict(total))


@final
@attrs.frozen(kw_only=True)
class IssueFigures:
    """The issue rates of one group, each with its counts.

    ``received`` counts every issue, ``dismissed`` those dismissed (不予受理),
    which no rate counts; ``statuses`` counts issues per status and ``overdue``
    the open ones past their deadline at the moment the figures were taken.
    ``excluded`` counts the issues left out of the assessment (不纳入考核): they
    are in every count, and in no rate's denominator.
    """

    received: int
    dismissed: int
    overdue: int
    statuses: Mapping[IssueStatus, int]
    response: Rate
    completion: Rate
    on_time: Rate
    satisfaction: Rate
    resolution: Rate
    returns: Rate
    redos: Rate
    first_satisfaction: Rate
    visit_response: Rate
    visit_resolution: Rate
    visit_satisfaction: Rate
    repeats: Rate
    routing: Rate
    excluded: int = 0

    @property
    def open(self) -> int:
        """Issues neither closed nor dismissed."""
        return sum(n for status, n in self.statuses.items() if status in OPEN_STATUSES)

    def rates(self) -> dict[str, Rate]:
        """The rates by attribute name, in the order of ``ISSUE_RATES``."""
        return {name: getattr(self, name) for name, _ in ISSUE_RATES}

    def __add__(self, other: "IssueFigures") -> "IssueFigures":
        if not isinstance(other, IssueFigures):
            return NotImplemented
        return IssueFigures(
            received=self.received + other.received,
            dismissed=self.dismissed + other.dismissed,
            overdue=self.overdue + other.overdue,
            statuses=_add_counts(self.statuses, other.statuses),
            excluded=self.excluded + other.excluded,
            **{name: getattr(self, name) + getattr(other, name) for name, _ in ISSUE_RATES},
        )


_new_tuple = tuple.__new__


def facts_of(line: IssueSummary, now: int) -> Facts:
    """The facts of one summary line, with overdue judged at ``now`` (see :func:`micros`)."""
    # tuple.__new__ as Facts._make uses it: half the cost of Facts(...), once per line.
    return _new_tuple(
        Facts,
        (
            line.status,
            line.overdue_at_micros(now),
            line.signed_for,
            line.on_time,
            line.handed_over,
            line.returned,
            line.answered,
            line.redone,
            line.rating,
            line.resolved,
            line.excluded,
            line.first_rating,
            line.visit_contacted,
            line.visit_solved,
            line.visit_satisfied,
            line.repeat_of is not None,
            line.routing_rule is not None,
            line.routed_sent_back,
        ),
    )


def issue_figures(
    summaries: Iterable[IssueSummary], *, at: DateTime, basically_satisfied: bool = True
) -> IssueFigures:
    """Every issue rate over ``summaries``, with ``overdue`` judged at ``at``.

    The definitions are those of :func:`completion_rate` and its siblings:
    dismissed issues are in no denominator, 按期办结率 judges closed issues with
    a deadline, 满意率 and 解决率 read the latest live rating, and 基本满意
    counts as satisfied unless ``basically_satisfied=False``.
    """
    now = micros(as_datetime(at, field="at"))
    return figures_of_facts(
        ((facts_of(line, now), 1) for line in summaries), basically_satisfied=basically_satisfied
    )


def figures_of_facts(
    counted: Iterable[tuple[Facts, int]], *, basically_satisfied: bool = True
) -> IssueFigures:
    """Every issue rate over issues given as (facts, how many issues share them)."""
    basically_satisfied = flag(basically_satisfied, field="basically_satisfied")
    alike: dict[Facts, int] = {}
    for facts, n in counted:  # issues alike count alike: decide each kind once
        alike[facts] = alike.get(facts, 0) + n
    statuses: Counter[IssueStatus] = Counter()
    overdue = excluded = 0
    tallies = {rate.name: [0, 0] for rate in ISSUE_RATE_TABLE}
    for facts, n in alike.items():
        statuses[facts.status] += n
        if not COUNTED.holds(facts):
            continue
        overdue += facts.overdue * n
        if not ASSESSED.holds(facts):
            excluded += n
            continue
        for rate in ISSUE_RATE_TABLE:
            if rate.out_of.holds(facts):
                tally = tallies[rate.name]
                tally[1] += n
                if rate.counts_in(facts, basically_satisfied=basically_satisfied):
                    tally[0] += n
    dismissed = statuses[IssueStatus.DISMISSED]
    return IssueFigures(
        received=sum(statuses.values()),
        dismissed=dismissed,
        overdue=overdue,
        statuses=MappingProxyType(dict(statuses)),
        excluded=excluded,
        **{name: Rate(*tally) for name, tally in tallies.items()},
    )


def issue_figures_by(
    summaries: Iterable[IssueSummary],
    by: Callable[[IssueSummary], K],
    *,
    at: DateTime,
    basically_satisfied: bool = True,
) -> dict[K, IssueFigures]:
    """:func:`issue_figures` per group, the groups in the order first seen."""
    groups: dict[K, list[IssueSummary]] = {}
    for line in summaries:
        groups.setdefault(by(line), []).append(line)
    return {
        key: issue_figures(lines, at=at, basically_satisfied=basically_satisfied)
        for key, lines in groups.items()
    }


@final
@attrs.frozen(kw_only=True)
class PledgeFigures:
    """践诺率 with its counts: pledges fulfilled out of those standing as public
    promises, and how many pledges stand in each status."""

    pledges: int
    statuses: Mapping[PledgeStatus, int]
    completion: Rate

    def __add__(self, other: "PledgeFigures") -> "PledgeFigures":
        if not isinstance(other, PledgeFigures):
            return NotImplemented
        return PledgeFigures(
            pledges=self.pledges + other.pledges,
            statuses=_add_counts(self.statuses, other.statuses),
            completion=self.completion + other.completion,
        )


def pledge_figures(summaries: Iterable[PledgeSummary]) -> PledgeFigures:
    """践诺率 over ``summaries``, as :func:`pledge_completion_rate` counts it."""
    statuses: Counter[PledgeStatus] = Counter()
    public = fulfilled = 0
    for line in summaries:
        statuses[line.status] += 1
        if line.public:
            public += 1
            fulfilled += line.fulfilled
    return PledgeFigures(
        pledges=sum(statuses.values()),
        statuses=MappingProxyType(dict(statuses)),
        completion=Rate(fulfilled, public),
    )
