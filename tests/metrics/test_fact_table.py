"""The table of facts (``_metrics/facts.py``) is the one definition every issue
rate follows: the rate functions over issues, the summary line and the figures
over lines all agree with it, and it says what docs/metrics.md says. The
definitions written out below from the docs, with the :class:`Issue` methods,
are the oracle the table is checked against."""

from collections.abc import Callable

import attrs
import pendulum
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from pendulum import DateTime

from banshishi import (
    ExclusionOutcome,
    Issue,
    IssueFigures,
    IssueStatus,
    Rate,
    Rating,
    Visit,
    VisitOutcome,
)
from banshishi._metrics import rates as rate_functions
from banshishi._metrics.facts import (
    DUE_STATUSES,
    FACT_SQL,
    ISSUE_RATE_TABLE,
    OPEN_STATUSES,
    OVERDUE_SQL,
    Facts,
    IssueAsOf,
)
from banshishi._metrics.figures import ISSUE_RATES, facts_of, figures_of_facts
from banshishi._metrics.repeats import repeat_rate
from banshishi._metrics.summary import IssueSummary, micros
from banshishi._simulation.campaign import simulate_campaign
from strategies import issues, moments

S = IssueStatus

# -- the oracle: each rate as docs/metrics.md words it, through the Issue methods -----------

Oracle = Callable[[Issue, DateTime | None, bool], bool]
SATISFIED = {Rating.VERY_SATISFIED, Rating.SATISFIED}
BASICALLY = {Rating.BASICALLY_SATISFIED}


def _closed(issue: Issue, as_of: DateTime | None) -> bool:
    return issue.status_as_of(as_of) is S.CLOSED


def _judged_on_time(issue: Issue, as_of: DateTime | None) -> bool | None:
    """Closed, with a known closure, answer and deadline in force then: answered by it?"""
    closed = issue.closed_at_as_of(as_of)
    if closed is None:
        return None
    answered, deadline = issue.answered_at_as_of(closed), issue.deadline_as_of(closed)
    return None if answered is None or deadline is None else answered <= deadline


def _latest_rating(issue: Issue, as_of: DateTime | None) -> Rating | None:
    latest = issue.latest_evaluation_as_of(as_of)
    return None if latest is None else latest.rating


def _first_rating(issue: Issue, as_of: DateTime | None) -> Rating | None:
    """The live rating of the earliest round rated by ``as_of``."""
    live = issue.live_evaluations_as_of(as_of)
    return min(live, key=lambda e: (e.round, e.at)).rating if live else None


def _reached_visit(issue: Issue, as_of: DateTime | None) -> Visit | None:
    """The latest visit made by ``as_of`` that reached the requester."""
    made = [
        v
        for v in issue.visits
        if v.done_at is not None
        and (as_of is None or v.done_at <= as_of)
        and v.outcome is not VisitOutcome.UNREACHABLE
    ]
    made.sort(key=lambda v: v.done_at or issue.received_at)
    return made[-1] if made else None


def _answer(issue: Issue, as_of: DateTime | None, name: str) -> bool | None:
    visit = _reached_visit(issue, as_of)
    return None if visit is None else getattr(visit, name)


def _first_routed(issue: Issue, as_of: DateTime | None) -> tuple[bool, bool] | None:
    """(routed, sent back) for the first transfer by ``as_of`` naming a rule: sent
    back if a return follows it before the next transfer."""
    events = [e for e in issue.history if as_of is None or e.at <= as_of]
    for index, event in enumerate(events):
        if event.name == "transfer" and event.data.get("routing_rule") is not None:
            after = [e.name for e in events[index + 1 :] if e.name in ("transfer", "send_back")]
            return True, bool(after) and after[0] == "send_back"
    return None


ORACLE: dict[str, tuple[Oracle, Oracle]] = {
    # rate: (in the denominator, of those in the numerator), among counted issues
    "response": (
        lambda i, t, b: True,
        lambda i, t, b: i.signed_for_as_of(t),
    ),
    "completion": (lambda i, t, b: True, lambda i, t, b: _closed(i, t)),
    "on_time": (
        lambda i, t, b: _judged_on_time(i, t) is not None,
        lambda i, t, b: _judged_on_time(i, t) is True,
    ),
    "satisfaction": (
        lambda i, t, b: _latest_rating(i, t) is not None,
        lambda i, t, b: _latest_rating(i, t) in (SATISFIED | BASICALLY if b else SATISFIED),
    ),
    "resolution": (
        lambda i, t, b: _latest_rating(i, t) is not None,
        lambda i, t, b: getattr(i.latest_evaluation_as_of(t), "resolved", False) is True,
    ),
    "returns": (
        lambda i, t, b: i.transferred_as_of(t) or i.returned_as_of(t),
        lambda i, t, b: i.returned_as_of(t),
    ),
    "redos": (lambda i, t, b: i.answered_as_of(t), lambda i, t, b: i.redone_as_of(t)),
    "first_satisfaction": (
        lambda i, t, b: _first_rating(i, t) is not None,
        lambda i, t, b: _first_rating(i, t) in (SATISFIED | BASICALLY if b else SATISFIED),
    ),
    "visit_response": (
        lambda i, t, b: _answer(i, t, "contacted") is not None,
        lambda i, t, b: _answer(i, t, "contacted") is True,
    ),
    "visit_resolution": (
        lambda i, t, b: _reached_visit(i, t) is not None,
        lambda i, t, b: _answer(i, t, "outcome") is VisitOutcome.RESOLVED,
    ),
    "visit_satisfaction": (
        lambda i, t, b: _answer(i, t, "satisfied") is not None,
        lambda i, t, b: _answer(i, t, "satisfied") is True,
    ),
    "repeats": (lambda i, t, b: True, lambda i, t, b: i.repeat_of is not None),
    "routing": (
        lambda i, t, b: _first_routed(i, t) is not None,
        lambda i, t, b: _first_routed(i, t) == (True, False),
    ),
}
FUNCTIONS = {
    "response": rate_functions.response_rate,
    "completion": rate_functions.completion_rate,
    "on_time": rate_functions.on_time_completion_rate,
    "satisfaction": rate_functions.satisfaction_rate,
    "resolution": rate_functions.resolution_rate,
    "returns": rate_functions.return_rate,
    "redos": rate_functions.redo_rate,
    "first_satisfaction": rate_functions.first_satisfaction_rate,
    "visit_response": rate_functions.visit_response_rate,
    "visit_resolution": rate_functions.visit_resolution_rate,
    "visit_satisfaction": rate_functions.visit_satisfaction_rate,
    "repeats": repeat_rate,
    "routing": rate_functions.routing_rate,
}
LENIENT = {"satisfaction", "first_satisfaction"}
"""The rates that take ``basically_satisfied``."""


def _excluded(issue: Issue, as_of: DateTime | None) -> bool:
    """A reviewer had approved leaving it out of the assessment by ``as_of``."""
    return any(
        x.outcome is ExclusionOutcome.APPROVED
        and x.decided_at is not None
        and (as_of is None or x.decided_at <= as_of)
        for x in issue.exclusions
    )


def counted(items: list[Issue], as_of: DateTime | None) -> list[Issue]:
    """The issues in the rates' scope: received, not dismissed, not excluded."""
    return [
        i
        for i in items
        if i.status_as_of(as_of) not in (None, S.DISMISSED) and not _excluded(i, as_of)
    ]


def dismissed(items: list[Issue], as_of: DateTime | None) -> list[Issue]:
    return [i for i in items if i.status_as_of(as_of) is S.DISMISSED]


def out_of_scope(items: list[Issue], as_of: DateTime | None) -> list[Issue]:
    """Received by ``as_of`` and dismissed or left out of the assessment by then."""
    scope = counted(items, as_of)
    return [i for i in items if i.status_as_of(as_of) is not None and i not in scope]


# -- the table's shape ------------------------------------------------------------------------


DERIVED = {"overdue", "repeat", "routed"}
"""Facts read off the line by a rule, not as a column of the same name."""


def test_facts_are_named_as_the_summary_lines_fields() -> None:
    summary_fields = {field.name for field in attrs.fields(IssueSummary)}
    assert set(Facts._fields) - DERIVED <= summary_fields
    assert tuple(FACT_SQL) == Facts._fields
    assert all(FACT_SQL[name] == name for name in Facts._fields if name not in DERIVED)
    assert FACT_SQL["overdue"] == OVERDUE_SQL
    assert {"repeat_of", "routing_rule"} <= summary_fields
    assert "repeat_of IS NULL" in FACT_SQL["repeat"]
    assert "routing_rule IS NULL" in FACT_SQL["routed"]


def test_the_open_statuses_are_those_is_open_names_and_due_ones_are_not_answered() -> None:
    assert {s for s in S if s.is_open} == OPEN_STATUSES
    assert {S.CLOSED, S.DISMISSED}.isdisjoint(OPEN_STATUSES)
    assert {S.ANSWERED} == OPEN_STATUSES - DUE_STATUSES


def test_the_table_holds_every_rate_of_the_figures_once() -> None:
    rates = [field.name for field in attrs.fields(IssueFigures) if field.type is Rate]
    assert [rate.name for rate in ISSUE_RATE_TABLE] == rates == [name for name, _ in ISSUE_RATES]
    assert set(ORACLE) == set(FUNCTIONS) == set(rates)
    assert [label for _, label in ISSUE_RATES][:2] == ["响应率", "办结率"]


def possible_facts() -> list[Facts]:
    """Every combination of facts a summary line can hold: a return is a hand-over,
    a redo follows an answer, and a rating comes with its ``resolved``."""
    found = []
    for status in S:
        for on_time in (None, False, True):
            for rating in (None, *Rating):
                for flags in range(32):
                    signed, handed, returned, answered, redone = (
                        bool(flags >> n & 1) for n in range(5)
                    )
                    if (returned and not handed) or (redone and not answered):
                        continue
                    resolved = None if rating is None else bool(flags & 1)
                    found.append(
                        Facts(
                            status,
                            False,
                            signed,
                            on_time,
                            handed,
                            returned,
                            answered,
                            redone,
                            rating,
                            resolved,
                            False,
                            None,
                            None,
                            None,
                            None,
                            False,
                            False,
                            False,
                        )
                    )
    for base in found[:: max(1, len(found) // 200)]:  # and the assessment's facts on some
        for first in (None, *Rating):
            for answer in (None, False, True):
                found.append(base._replace(first_rating=first, visit_contacted=answer))
                found.append(base._replace(visit_solved=answer, visit_satisfied=answer))
                found.append(base._replace(excluded=True, visit_satisfied=answer))
                found.append(base._replace(repeat=True, routed=answer is not None))
                found.append(base._replace(routed=True, routed_sent_back=answer is True))
    return found


def test_a_rate_counts_in_its_numerator_only_issues_of_its_denominator() -> None:
    """Else the figures would count a numerator over its denominator."""
    for facts in possible_facts():
        for rate in ISSUE_RATE_TABLE:
            for basically in (False, True):
                if rate.counts_in(facts, basically_satisfied=basically):
                    assert rate.out_of.holds(facts) or facts.status is S.DISMISSED, (rate, facts)


# -- the three consumers agree with the oracle -------------------------------------------------


def real_issues(seed: int, size: int) -> list[Issue]:
    return list(simulate_campaign(issues=size, seed=seed).ledger.issues())


some_issues = st.one_of(
    st.lists(issues(), max_size=8, unique_by=lambda issue: issue.id),
    st.builds(real_issues, st.integers(0, 2**32), st.integers(1, 15)),
)
as_of_moments = st.one_of(
    st.none(),
    moments(),
    st.builds(
        lambda days: pendulum.datetime(2026, 7, 1, tz="Asia/Shanghai").add(days=days),
        st.integers(0, 100),
    ),
)


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(items=some_issues, as_of=as_of_moments, basically=st.booleans())
def test_the_rate_functions_follow_the_documented_definitions(
    items: list[Issue], as_of: DateTime | None, basically: bool
) -> None:
    scope = counted(items, as_of)
    for name, (in_denominator, in_numerator) in ORACLE.items():
        extra = {"basically_satisfied": basically} if name in LENIENT else {}
        got = FUNCTIONS[name](items, as_of=as_of, **extra)
        denominator = [i for i in scope if in_denominator(i, as_of, basically)]
        numerator = [i for i in denominator if in_numerator(i, as_of, basically)]
        assert list(got.denominator) == denominator, name
        assert list(got.numerator) == numerator, name
        unjudged = [i for i in scope if _closed(i, as_of) and _judged_on_time(i, as_of) is None]
        left_out = unjudged if name == "on_time" else []
        assert list(got.excluded) == out_of_scope(items, as_of) + left_out, name


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(items=some_issues, as_of=as_of_moments, basically=st.booleans())
def test_the_figures_over_summary_lines_count_what_the_rate_functions_count(
    items: list[Issue], as_of: DateTime | None, basically: bool
) -> None:
    received = [i for i in items if i.status_as_of(as_of) is not None]
    lines = [IssueSummary.of(i, version=len(i.history), as_of=as_of) for i in received]
    now = micros(as_of or pendulum.now("UTC"))
    figures = figures_of_facts(
        ((facts_of(line, now), 1) for line in lines), basically_satisfied=basically
    )
    for name, function in FUNCTIONS.items():
        extra = {"basically_satisfied": basically} if name in LENIENT else {}
        assert getattr(figures, name) == function(items, as_of=as_of, **extra).rate, name
    assert figures.received == len(received)
    assert figures.dismissed == len(dismissed(items, as_of))
    assert figures.excluded == len(out_of_scope(items, as_of)) - figures.dismissed
    assert figures.open == sum(line.status.is_open for line in lines)
    assert figures.overdue == sum(line.overdue_at_micros(now) for line in lines)


def test_the_facts_of_an_issue_are_read_once_and_kept() -> None:
    issue = real_issues(5, 4)[0]
    facts = IssueAsOf(issue, None, issue.status)
    assert facts.latest is facts.latest
    assert facts.deadline is facts.deadline
    assert facts.closed_at == issue.closed_at_as_of(None)
    line = IssueSummary.of(issue, version=len(issue.history))
    assert (facts.rating, facts.on_time, facts.handed_over) == (
        line.rating,
        line.on_time,
        line.handed_over,
    )


def test_figures_take_facts_alike_together() -> None:
    facts = Facts(
        S.CLOSED, False, True, True, True, False, True, False, Rating.SATISFIED, True,
        False, Rating.SATISFIED, True, True, None, False, True, False,
    )  # fmt: skip
    apart = figures_of_facts([(facts, 2), (facts, 3)])
    together = figures_of_facts([(facts, 5)])
    assert apart == together
    assert together.completion == Rate(5, 5)
    assert together.on_time == Rate(5, 5)
    assert together.returns == Rate(0, 5)
    assert together.redos == Rate(0, 5)
