"""Satisfaction and resolution rates, per issue and per rating (好差评)."""

import datetime as dt
import random
from decimal import ROUND_HALF_UP, Decimal

import attrs
import pendulum
import pytest
from hypothesis import given
from hypothesis import strategies as st

from banshishi import (
    Channel,
    Evaluation,
    Issue,
    IssueStatus,
    NaiveDatetimeError,
    Rating,
    Urgency,
    evaluation_satisfaction_rate,
    resolution_rate,
    satisfaction_rate,
)
from strategies import evaluations

T0 = pendulum.datetime(2026, 1, 5, 9, tz="Asia/Shanghai")
R = Rating


def hours(n):
    return T0.add(hours=n)


def rated(rating, hour, round=1, resolved=True, issue_id="i"):
    return Evaluation(
        issue_id=issue_id, rating=rating, resolved=resolved, at=hours(hour), round=round
    )


def make_issue(id="i", *evals, **overrides):
    fields = {"id": id, "title": id, "channel": Channel.PORTAL, "urgency": Urgency.DIFFICULT}
    evals = tuple(attrs.evolve(e, issue_id=id) for e in evals)
    fields |= {"received_at": T0, "evaluations": evals}
    fields["round"] = max((e.round for e in evals), default=1)
    return Issue(**{**fields, **overrides})


def test_the_latest_round_decides_even_if_an_earlier_round_was_given_later():
    issue = make_issue("i", rated(R.SATISFIED, 2, round=2), rated(R.DISSATISFIED, 3, round=1))
    assert satisfaction_rate([issue]).numerator == (issue,)


def test_within_a_round_the_latest_rating_decides():
    issue = make_issue(
        "i", rated(R.DISSATISFIED, 1), rated(R.SATISFIED, 3), rated(R.VERY_DISSATISFIED, 2)
    )
    assert satisfaction_rate([issue]).numerator == (issue,)


def test_the_rating_counts_only_once_given_as_of_a_moment():
    issue = make_issue("i", rated(R.DISSATISFIED, 1), rated(R.SATISFIED, 5, round=2))
    assert satisfaction_rate([issue], as_of=hours(0)).denominator == ()
    assert satisfaction_rate([issue], as_of=hours(1)).shortfall == (issue,)
    assert satisfaction_rate([issue], as_of=hours(4)).shortfall == (issue,)
    assert satisfaction_rate([issue], as_of=hours(5)).numerator == (issue,)


def test_basically_satisfied_leaves_the_numerator_but_not_the_denominator_when_excluded():
    batch = [
        make_issue("a", rated(R.VERY_SATISFIED, 1)),
        make_issue("b", rated(R.BASICALLY_SATISFIED, 1)),
        make_issue("c", rated(R.DISSATISFIED, 1)),
    ]
    lenient = satisfaction_rate(batch)
    strict = satisfaction_rate(batch, basically_satisfied=False)
    assert [i.id for i in lenient.numerator] == ["a", "b"]
    assert [i.id for i in strict.numerator] == ["a"]
    assert lenient.denominator == strict.denominator == tuple(batch)
    assert (lenient.format(), strict.format()) == ("66.7%", "33.3%")


def test_unrated_and_dismissed_issues_are_not_in_the_denominator():
    unrated = make_issue("u")
    dismissed = make_issue("d", rated(R.SATISFIED, 1), status=IssueStatus.DISMISSED)
    happy = make_issue("h", rated(R.SATISFIED, 1))
    result = satisfaction_rate([unrated, dismissed, happy])
    assert result.denominator == (happy,)
    assert result.excluded == (dismissed,)
    assert resolution_rate([unrated, dismissed, happy]).denominator == (happy,)


def test_resolution_counts_the_latest_raters_resolved_answer():
    fixed = make_issue(
        "f", rated(R.DISSATISFIED, 1, resolved=False), rated(R.SATISFIED, 2, round=2)
    )
    unfixed = make_issue("u", rated(R.SATISFIED, 1, resolved=False))
    result = resolution_rate([fixed, unfixed])
    assert result.numerator == (fixed,)
    assert result.shortfall == (unfixed,)
    assert resolution_rate([fixed], as_of=hours(1)).shortfall == (fixed,)


def test_evaluation_satisfaction_counts_every_rating_as_one_vote():
    votes = [
        rated(R.SATISFIED, 1),
        rated(R.DISSATISFIED, 2, round=2),
        rated(R.BASICALLY_SATISFIED, 3),
    ]
    assert evaluation_satisfaction_rate(votes).rate.numerator == 2
    assert evaluation_satisfaction_rate(votes).rate.denominator == 3
    assert evaluation_satisfaction_rate(votes, basically_satisfied=False).rate.numerator == 1
    assert evaluation_satisfaction_rate(votes, as_of=hours(2)).denominator == tuple(votes[:2])
    assert evaluation_satisfaction_rate(votes, as_of=hours(0)).format() == "—"


def test_an_exactly_halfway_rating_share_rounds_up():
    votes = [rated(R.SATISFIED, 1)] + [rated(R.DISSATISFIED, 1) for _ in range(15)]
    assert evaluation_satisfaction_rate(votes).format() == "6.3%"  # 1/16 = 6.25%


@given(st.lists(evaluations(issue_id="i", after=T0), max_size=12), st.booleans())
def test_issue_satisfaction_follows_the_highest_round_then_latest_rating(evals, lenient):
    issue = make_issue("i", *evals)
    result = satisfaction_rate([issue], basically_satisfied=lenient)
    if not evals:
        assert result.denominator == ()
        return
    top = max(e.round for e in evals)
    last = max(e.at for e in evals if e.round == top)
    winners = {e.rating for e in evals if e.round == top and e.at == last}
    good = {R.VERY_SATISFIED, R.SATISFIED} | ({R.BASICALLY_SATISFIED} if lenient else set())
    assert result.denominator == (issue,)
    if len(winners) == 1:
        assert (result.numerator == (issue,)) == (winners.pop() in good)


@pytest.mark.parametrize("rate", [satisfaction_rate, resolution_rate, evaluation_satisfaction_rate])
def test_a_naive_as_of_is_refused_with_the_librarys_own_error(rate):
    issue = make_issue("i", rated(R.SATISFIED, 1))
    naive = dt.datetime(2026, 1, 6)
    items = issue.evaluations if rate is evaluation_satisfaction_rate else [issue]
    with pytest.raises(NaiveDatetimeError) as caught:
        rate(items, as_of=naive)
    assert "as_of" in caught.value.field
    assert caught.value.value == naive


def half_up(numerator, denominator, places=1):
    share = Decimal(numerator) * 100 / Decimal(denominator)
    return f"{share.quantize(Decimal(1).scaleb(-places), rounding=ROUND_HALF_UP)}%"


TALLY = {  # one service centre's half year of 好差评: 16,263 ratings
    R.VERY_SATISFIED: 12_988,
    R.SATISFIED: 2_517,
    R.BASICALLY_SATISFIED: 541,
    R.DISSATISFIED: 160,
    R.VERY_DISSATISFIED: 57,
}


@pytest.fixture(scope="module")
def half_year_of_ratings():
    ratings = [rating for rating, count in TALLY.items() for _ in range(count)]
    random.Random(2026).shuffle(ratings)
    # one rating every 16 minutes: 16,263 of them span about half a year
    return [
        Evaluation(issue_id=f"t{n}", rating=r, resolved=not r.is_bad, at=T0.add(minutes=16 * n))
        for n, r in enumerate(ratings)
    ]


def test_a_half_year_of_sixteen_thousand_ratings_prints_the_half_up_rate(half_year_of_ratings):
    votes = half_year_of_ratings
    assert len(votes) == sum(TALLY.values()) == 16_263
    lenient = TALLY[R.VERY_SATISFIED] + TALLY[R.SATISFIED] + TALLY[R.BASICALLY_SATISFIED]
    strict = TALLY[R.VERY_SATISFIED] + TALLY[R.SATISFIED]
    result = evaluation_satisfaction_rate(votes)
    assert (result.rate.numerator, result.rate.denominator) == (lenient, 16_263)
    assert result.format() == half_up(lenient, 16_263) == "98.7%"
    strict_result = evaluation_satisfaction_rate(votes, basically_satisfied=False)
    assert strict_result.format() == half_up(strict, 16_263) == "95.3%"
    assert result.format(places=2) == half_up(lenient, 16_263, places=2) == "98.67%"


def test_the_half_year_tally_as_of_a_moment_counts_only_ratings_given_by_then(half_year_of_ratings):
    votes = half_year_of_ratings
    cutoff = votes[13_000].at
    result = evaluation_satisfaction_rate(votes, as_of=cutoff)
    given_by_then = [v for v in votes if v.at <= cutoff]
    satisfied = sum(
        v.rating in (R.VERY_SATISFIED, R.SATISFIED, R.BASICALLY_SATISFIED) for v in given_by_then
    )
    assert result.rate.denominator == len(given_by_then) == 13_001
    assert result.format() == half_up(satisfied, 13_001)
