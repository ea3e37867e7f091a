"""Pledge completion (践诺率), down to the figures the reports printed."""

import datetime as dt
import random
from decimal import ROUND_HALF_UP, Decimal
from fractions import Fraction

import attrs
import pendulum
import pytest
from hypothesis import given
from hypothesis import strategies as st

from banshishi import (
    InvalidTypeError,
    NaiveDatetimeError,
    Pledge,
    PledgeListKind,
    PledgerKind,
    PledgeStatus,
    Rate,
    grouped,
    pledge_completion_rate,
)
from strategies import moments, pledges

T0 = pendulum.datetime(2021, 3, 1, 9, tz="Asia/Shanghai")
Kind, List = PledgerKind, PledgeListKind

# DOMAIN.md: (who pledged, on which list, items, done, printed rate)
PUBLISHED = [
    (Kind.LEADERSHIP_TEAM, List.LIVELIHOOD_PLAN, 1_248, 432, "34.6%"),
    (Kind.LEADER, List.SERVICE_LIST, 2_410, 902, "37.4%"),
    (Kind.ORGANISATION, List.LIVELIHOOD_PLAN, 21_776, 12_471, "57.3%"),
    (Kind.PARTY_MEMBER, List.SERVICE_LIST, 291_528, 168_288, "57.7%"),
]
WITHDRAWN_PER_ROW = 25


def make_pledge(**overrides):
    fields = {
        "id": "p",
        "title": "为民办实事",
        "pledger": "someone",
        "pledger_kind": Kind.PARTY_MEMBER,
        "list_kind": List.SERVICE_LIST,
        "claimed_at": T0,
        "status": PledgeStatus.IN_PROGRESS,
        "progress": Fraction(1, 2),
    }
    return Pledge(**{**fields, **overrides})


def fulfilled(**overrides):
    done = {"status": PledgeStatus.FULFILLED, "progress": 1, "fulfilled_at": T0.add(days=30)}
    return make_pledge(**{**done, **overrides})


def half_up(numerator, denominator):
    share = Decimal(numerator) * 100 / Decimal(denominator)
    return f"{share.quantize(Decimal('0.1'), rounding=ROUND_HALF_UP)}%"


@pytest.fixture(scope="module")
def city_ledger():
    """Every pledge behind the published table, plus a few withdrawn ones per list, shuffled."""
    ledger = []
    for kind, list_kind, items, done, _ in PUBLISHED:
        common = {"pledger_kind": kind, "list_kind": list_kind}
        open_one, done_one = make_pledge(**common), fulfilled(**common)
        withdrawn = make_pledge(**common, status=PledgeStatus.WITHDRAWN)
        prefix = f"{kind.value}/{list_kind.value}/"
        ledger += [attrs.evolve(done_one, id=f"{prefix}{n}") for n in range(done)]
        ledger += [attrs.evolve(open_one, id=f"{prefix}{n}") for n in range(done, items)]
        ledger += [attrs.evolve(withdrawn, id=f"{prefix}w{n}") for n in range(WITHDRAWN_PER_ROW)]
    random.Random(1248).shuffle(ledger)
    return ledger


def test_the_published_table_is_reproduced_through_pledge_lists(city_ledger):
    table = grouped(pledge_completion_rate, city_ledger, by=lambda p: (p.pledger_kind, p.list_kind))
    assert set(table) == {(kind, list_kind) for kind, list_kind, *_ in PUBLISHED}
    for kind, list_kind, items, done, printed in PUBLISHED:
        result = table[(kind, list_kind)]
        assert (result.rate.numerator, result.rate.denominator) == (done, items)
        assert len(result.shortfall) == items - done
        assert len(result.excluded) == WITHDRAWN_PER_ROW
        assert result.format() == printed == half_up(done, items)


def test_the_city_total_adds_the_counts_of_the_four_lists(city_ledger):
    whole = pledge_completion_rate(city_ledger)
    done = sum(row[3] for row in PUBLISHED)
    items = sum(row[2] for row in PUBLISHED)
    assert whole.rate == Rate(done, items)
    assert whole.format() == half_up(done, items)
    assert len(whole.excluded) == WITHDRAWN_PER_ROW * len(PUBLISHED)


def test_withdrawn_pledges_are_excluded_from_the_denominator():
    kept, withdrawn = make_pledge(id="k"), make_pledge(id="w", status=PledgeStatus.WITHDRAWN)
    done = fulfilled(id="d")
    result = pledge_completion_rate([kept, withdrawn, done])
    assert result.denominator == (kept, done)
    assert result.numerator == (done,)
    assert result.excluded == (withdrawn,)
    assert pledge_completion_rate([withdrawn]).format() == "—"


def test_as_of_respects_when_a_pledge_was_claimed_and_fulfilled():
    claimed_late = make_pledge(id="late", claimed_at=T0.add(days=10))
    done = fulfilled(id="done", fulfilled_at=T0.add(days=5))
    before_claim = pledge_completion_rate([claimed_late, done], as_of=T0.subtract(seconds=1))
    assert before_claim.denominator == ()
    before_fulfil = pledge_completion_rate(
        [claimed_late, done], as_of=T0.add(days=5).subtract(seconds=1)
    )
    assert before_fulfil.denominator == (done,)
    assert before_fulfil.shortfall == (done,)
    at_fulfil = pledge_completion_rate([claimed_late, done], as_of=T0.add(days=5))
    assert at_fulfil.numerator == (done,)
    later = pledge_completion_rate([claimed_late, done], as_of=T0.add(days=10))
    assert later.denominator == (claimed_late, done)
    assert later.format() == "50.0%"


def test_an_overdue_pledge_counts_as_not_done_and_a_draft_is_not_yet_a_promise():
    overdue, draft = (
        make_pledge(id=s.value, status=s) for s in (PledgeStatus.OVERDUE, PledgeStatus.DRAFT)
    )
    result = pledge_completion_rate([overdue, draft])
    assert result.shortfall == (overdue,)
    assert result.excluded == (draft,)


def test_only_pledges_are_accepted():
    with pytest.raises(InvalidTypeError) as caught:
        pledge_completion_rate([make_pledge(), "p2"])
    assert (caught.value.field, caught.value.value) == ("pledges[1]", "p2")


def test_a_naive_as_of_is_refused_with_the_librarys_own_error():
    naive = dt.datetime(2021, 4, 1)
    with pytest.raises(NaiveDatetimeError) as caught:
        pledge_completion_rate([make_pledge()], as_of=naive)
    assert isinstance(caught.value, ValueError)
    assert "as_of" in caught.value.field
    assert caught.value.value == naive


@given(st.lists(pledges(), max_size=10), st.none() | moments())
def test_pledge_completion_matches_a_brute_force_count(batch, as_of):
    result = pledge_completion_rate(batch, as_of=as_of)

    def claimed(p):
        return as_of is None or p.claimed_at <= as_of

    def done(p):
        return p.status is PledgeStatus.FULFILLED and (as_of is None or p.fulfilled_at <= as_of)

    private = (PledgeStatus.WITHDRAWN, PledgeStatus.DRAFT)
    due = [p for p in batch if claimed(p) and p.status not in private]
    assert result.rate == Rate(sum(map(done, due)), len(due))
    assert len(result.excluded) == sum(claimed(p) and p.status in private for p in batch)
