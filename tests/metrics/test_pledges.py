"""Pledges (承诺践诺): the record itself, and pledge completion (践诺率) down to the
figures the reports printed, per list, per pledger and per unit subtree, as of any
moment.

A pledge counts in the denominator while it stands as a public promise (published
and not withdrawn), and in the numerator once fulfilled; drafts and withdrawn
pledges are listed in ``excluded``.
"""

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
    Actor,
    ChronologyError,
    FixedClock,
    InconsistentRecordError,
    InvalidTypeError,
    InvalidValueError,
    Level,
    Milestone,
    NaiveDatetimeError,
    NotFoundError,
    Pledge,
    PledgeListKind,
    PledgerKind,
    PledgeStatus,
    PledgeWorkflow,
    ProjectCharter,
    Rate,
    Role,
    Unit,
    UnitTree,
    by_unit,
    grouped,
    pledge_completion_rate,
)
from strategies import moments, pledges

T0 = pendulum.datetime(2021, 3, 1, 9, tz="Asia/Shanghai")
Kind, List, S = PledgerKind, PledgeListKind, PledgeStatus

# DOMAIN.md: (who pledged, on which list, items, done, printed rate)
PUBLISHED = [
    (Kind.LEADERSHIP_TEAM, List.LIVELIHOOD_PLAN, 1_248, 432, "34.6%"),
    (Kind.LEADER, List.SERVICE_LIST, 2_410, 902, "37.4%"),
    (Kind.ORGANISATION, List.LIVELIHOOD_PLAN, 21_776, 12_471, "57.3%"),
    (Kind.PARTY_MEMBER, List.SERVICE_LIST, 291_528, 168_288, "57.7%"),
]
WITHDRAWN_PER_ROW = 25
DRAFTS_PER_ROW = 10

CITY = UnitTree(
    [
        Unit(id="city", name="某市", level=Level.CITY),
        Unit(id="county-a", name="甲旗", level=Level.COUNTY, parent="city"),
        Unit(id="county-b", name="乙区", level=Level.COUNTY, parent="city"),
        Unit(id="town-a1", name="甲旗一镇", level=Level.TOWNSHIP, parent="county-a"),
        Unit(id="town-b1", name="乙区一街道", level=Level.TOWNSHIP, parent="county-b"),
        Unit(id="village-a1", name="一村", level=Level.VILLAGE, parent="town-a1"),
        Unit(id="village-a2", name="二嘎查", level=Level.VILLAGE, parent="town-a1"),
        Unit(id="community-b1", name="一社区", level=Level.VILLAGE, parent="town-b1"),
    ]
)
UNITS = tuple(unit.id for unit in CITY)


def make_pledge(**overrides):
    """A pledge under way: published at its claim, in progress."""
    fields = {
        "id": "p",
        "title": "为民办实事",
        "pledger": "someone",
        "pledger_kind": Kind.PARTY_MEMBER,
        "list_kind": List.SERVICE_LIST,
        "claimed_at": T0,
        "status": S.IN_PROGRESS,
        "published_at": T0,
    }
    return Pledge(**{**fields, **overrides})


def fulfilled(**overrides):
    done = {"status": S.FULFILLED, "fulfilled_at": T0.add(days=30)}
    return make_pledge(**{**done, **overrides})


def withdrawn(**overrides):
    gone = {"status": S.WITHDRAWN, "withdrawn_at": T0.add(days=3)}
    return make_pledge(**{**gone, **overrides})


def draft(**overrides):
    return make_pledge(**{"status": S.DRAFT, "published_at": None, **overrides})


def half_up(numerator, denominator):
    share = Decimal(numerator) * 100 / Decimal(denominator)
    return f"{share.quantize(Decimal('0.1'), rounding=ROUND_HALF_UP)}%"


# -- 1. the published table ----------------------------------------------------------------


@pytest.fixture(scope="module")
def city_ledger():
    """Every pledge behind the published table, each reported under one of the city's
    units, plus a few withdrawn ones and drafts per list, shuffled."""
    ledger = []
    for kind, list_kind, items, done, _ in PUBLISHED:
        common = {"pledger_kind": kind, "list_kind": list_kind}
        open_one, done_one = make_pledge(**common), fulfilled(**common)
        prefix = f"{kind.value}/{list_kind.value}/"
        ledger += [
            attrs.evolve(done_one, id=f"{prefix}{n}", unit=UNITS[n % len(UNITS)])
            for n in range(done)
        ]
        ledger += [
            attrs.evolve(open_one, id=f"{prefix}{n}", unit=UNITS[n % len(UNITS)])
            for n in range(done, items)
        ]
        ledger += [
            withdrawn(**common, id=f"{prefix}w{n}", unit=UNITS[n % len(UNITS)])
            for n in range(WITHDRAWN_PER_ROW)
        ]
        ledger += [draft(**common, id=f"{prefix}d{n}", unit="city") for n in range(DRAFTS_PER_ROW)]
    random.Random(1248).shuffle(ledger)
    return ledger


def by_list(pledge):
    return (pledge.pledger_kind, pledge.list_kind)


def test_the_published_table_is_reproduced_through_pledge_lists(city_ledger):
    table = grouped(pledge_completion_rate, city_ledger, by=by_list)
    assert set(table) == {(kind, list_kind) for kind, list_kind, *_ in PUBLISHED}
    for kind, list_kind, items, done, printed in PUBLISHED:
        result = table[(kind, list_kind)]
        assert (result.rate.numerator, result.rate.denominator) == (done, items)
        assert len(result.shortfall) == items - done
        assert all(p.status is S.IN_PROGRESS for p in result.shortfall)
        assert all(p.status is S.FULFILLED for p in result.numerator)
        assert len(result.excluded) == WITHDRAWN_PER_ROW + DRAFTS_PER_ROW
        assert {p.status for p in result.excluded} == {S.WITHDRAWN, S.DRAFT}
        assert result.format() == printed == half_up(done, items)


def test_the_city_total_adds_the_counts_of_the_four_lists(city_ledger):
    whole = pledge_completion_rate(city_ledger)
    done = sum(row[3] for row in PUBLISHED)
    items = sum(row[2] for row in PUBLISHED)
    assert whole.rate == Rate(done, items)
    assert whole.format() == half_up(done, items) == "57.4%"
    assert len(whole.excluded) == (WITHDRAWN_PER_ROW + DRAFTS_PER_ROW) * len(PUBLISHED)


def test_the_table_as_of_the_day_before_anything_was_fulfilled_is_all_shortfall(city_ledger):
    table = grouped(
        pledge_completion_rate, city_ledger, by=by_list, as_of=T0.add(days=30).subtract(seconds=1)
    )
    for kind, list_kind, items, _, _ in PUBLISHED:
        result = table[(kind, list_kind)]
        # Withdrawn on day 3: still public promises until then, and on day 29 no longer.
        assert result.rate == Rate(0, items)
        assert len(result.excluded) == WITHDRAWN_PER_ROW + DRAFTS_PER_ROW


# -- 2. per unit subtree and per pledger ---------------------------------------------------


def test_completion_per_unit_subtree_adds_counts_and_never_averages(city_ledger):
    per_unit = grouped(pledge_completion_rate, city_ledger, by=by_unit)
    totals = CITY.roll_up(per_unit)
    assert set(totals) == set(UNITS)
    whole = pledge_completion_rate(city_ledger)
    assert totals["city"].rate == whole.rate
    assert len(totals["city"].excluded) == len(whole.excluded)
    for unit in ("county-a", "town-a1", "county-b"):
        inside = [p for p in city_ledger if CITY.is_within(p.unit, unit)]
        assert totals[unit].rate == pledge_completion_rate(inside).rate
    a, b = totals["county-a"].rate, totals["county-b"].rate
    own = per_unit["city"].rate
    assert Rate(
        a.numerator + b.numerator + own.numerator, a.denominator + b.denominator + own.denominator
    ) == (totals["city"].rate)


@given(st.lists(st.tuples(pledges(), st.sampled_from(UNITS)), max_size=12), st.none() | moments())
def test_a_subtree_total_is_the_rate_of_the_pledges_reported_inside_it(tagged, as_of):
    batch = [attrs.evolve(pledge, unit=unit) for pledge, unit in tagged]
    per_unit = grouped(pledge_completion_rate, batch, by=by_unit, as_of=as_of)
    totals = CITY.roll_up(per_unit)
    for unit in UNITS:
        inside = [p for p in batch if CITY.is_within(p.unit, unit)]
        if not inside:
            assert unit not in totals
            continue
        direct = pledge_completion_rate(inside, as_of=as_of)
        assert totals[unit].rate == direct.rate
        assert sorted(map(id, totals[unit].numerator)) == sorted(map(id, direct.numerator))
        assert sorted(map(id, totals[unit].excluded)) == sorted(map(id, direct.excluded))


def test_pledges_without_a_unit_must_be_dropped_before_rolling_up():
    per_unit = grouped(pledge_completion_rate, [make_pledge(unit=None)], by=by_unit)
    assert list(per_unit) == [None]
    with pytest.raises(NotFoundError) as caught:
        CITY.roll_up(per_unit)
    assert (caught.value.field, caught.value.value) == ("roll_up key", None)


def test_completion_per_pledger():
    batch = [
        fulfilled(id="1", pledger="li"),
        make_pledge(id="2", pledger="li"),
        fulfilled(id="3", pledger="wang"),
        withdrawn(id="4", pledger="wang"),
        draft(id="5", pledger="zhao"),
    ]
    table = grouped(pledge_completion_rate, batch, by=lambda p: p.pledger)
    assert list(table) == ["li", "wang", "zhao"]
    assert table["li"].format() == "50.0%"
    assert table["wang"].format() == "100.0%"
    assert table["wang"].excluded == (batch[3],)
    assert table["zhao"].rate == Rate(0, 0)
    assert table["zhao"].format() == "—"
    assert table["zhao"].excluded == (batch[4],)


# -- 3. who counts, and as of when ---------------------------------------------------------


def test_withdrawn_pledges_and_drafts_are_excluded_from_the_denominator():
    kept, gone, planned = make_pledge(id="k"), withdrawn(id="w"), draft(id="d")
    done = fulfilled(id="f")
    result = pledge_completion_rate([kept, gone, planned, done])
    assert result.denominator == (kept, done)
    assert result.numerator == (done,)
    assert result.shortfall == (kept,)
    assert result.excluded == (gone, planned)
    assert pledge_completion_rate([gone]).format() == "—"


def test_an_overdue_pledge_counts_as_not_done():
    late = make_pledge(id="late", status=S.OVERDUE, deadline=T0.add(days=1))
    result = pledge_completion_rate([late])
    assert result.shortfall == (late,)
    assert result.format() == "0.0%"


def test_as_of_respects_when_a_pledge_was_claimed_and_fulfilled():
    claimed_late = make_pledge(id="late", claimed_at=T0.add(days=10), published_at=None)
    done = fulfilled(id="done", fulfilled_at=T0.add(days=5))
    before_claim = pledge_completion_rate([claimed_late, done], as_of=T0.subtract(seconds=1))
    assert before_claim.denominator == ()
    assert before_claim.excluded == ()
    before_fulfil = pledge_completion_rate(
        [claimed_late, done], as_of=T0.add(days=5).subtract(microseconds=1)
    )
    assert before_fulfil.denominator == (done,)
    assert before_fulfil.shortfall == (done,)
    at_fulfil = pledge_completion_rate([claimed_late, done], as_of=T0.add(days=5))
    assert at_fulfil.numerator == (done,)
    later = pledge_completion_rate([claimed_late, done], as_of=T0.add(days=10))
    assert later.denominator == (claimed_late, done)
    assert later.format() == "50.0%"


def test_a_pledge_counts_only_from_its_publication():
    published = make_pledge(published_at=T0.add(days=2))
    assert pledge_completion_rate([published], as_of=T0.add(days=1)).excluded == (published,)
    assert pledge_completion_rate([published], as_of=T0.add(days=1)).denominator == ()
    assert pledge_completion_rate([published], as_of=T0.add(days=2)).denominator == (published,)
    assert not published.public_as_of(T0.add(days=2).subtract(microseconds=1))
    assert published.public_as_of(T0.add(days=2))


def test_a_withdrawn_pledge_counted_until_its_withdrawal():
    gone = withdrawn(withdrawn_at=T0.add(days=3))
    just_before = T0.add(days=3).subtract(microseconds=1)
    assert pledge_completion_rate([gone], as_of=just_before).shortfall == (gone,)
    assert pledge_completion_rate([gone], as_of=T0.add(days=3)).excluded == (gone,)
    assert pledge_completion_rate([gone]).excluded == (gone,)
    assert gone.public_as_of(just_before)
    assert not gone.public_as_of(T0.add(days=3))
    assert not gone.public_as_of()


def test_a_withdrawn_pledge_without_a_withdrawal_time_never_counts():
    gone = withdrawn(withdrawn_at=None)
    for as_of in (None, T0, T0.add(days=100)):
        assert pledge_completion_rate([gone], as_of=as_of).excluded == (gone,)


def test_a_pledge_without_a_publication_time_counts_from_its_claim_unless_a_draft():
    imported = make_pledge(published_at=None)
    assert imported.public_as_of(T0)
    assert not imported.public_as_of(T0.subtract(microseconds=1))
    assert pledge_completion_rate([imported], as_of=T0).denominator == (imported,)
    assert not draft().public_as_of(T0.add(days=1))


def test_a_pledge_driven_through_the_workflow_counts_from_publish_to_withdrawal():
    pledge = make_pledge(status=S.DRAFT, published_at=None, pledger="li")
    member = Actor(id="li", role=Role.PARTY_MEMBER)
    workflow = PledgeWorkflow(pledge, clock=FixedClock(T0))
    workflow.publish(actor=member, at=T0.add(days=1), deadline=T0.add(days=60))
    workflow.withdraw(actor=member, at=T0.add(days=4), note="并入村级实事项目")
    assert pledge.published_at == T0.add(days=1)
    assert pledge.withdrawn_at == T0.add(days=4)
    expected = {0: False, 1: True, 3: True, 4: False}
    for day, public in expected.items():
        result = pledge_completion_rate([pledge], as_of=T0.add(days=day))
        assert (result.denominator == (pledge,)) is public, day
        assert (result.excluded == (pledge,)) is not public, day


def test_a_draft_withdrawn_before_publication_was_never_a_public_promise():
    pledge = draft(pledger="li")
    member = Actor(id="li", role=Role.PARTY_MEMBER)
    workflow = PledgeWorkflow(pledge, clock=FixedClock(T0))
    workflow.withdraw(actor=member, at=T0.add(days=4), note="重复认领")
    assert [event.from_status for event in pledge.history] == [S.DRAFT]
    assert not pledge.public_as_of(T0.add(days=2))
    assert pledge_completion_rate([pledge], as_of=T0.add(days=2)).denominator == ()


def test_only_pledges_are_accepted():
    with pytest.raises(InvalidTypeError) as caught:
        pledge_completion_rate([make_pledge(), "p2"])
    assert (caught.value.field, caught.value.value) == ("pledges[1]", "p2")


def test_a_naive_as_of_is_refused_with_the_librarys_own_error():
    naive = dt.datetime(2021, 4, 1)
    with pytest.raises(NaiveDatetimeError) as caught:
        pledge_completion_rate([make_pledge()], as_of=naive)
    assert isinstance(caught.value, ValueError)
    assert caught.value.field == "as_of"
    assert caught.value.value == naive


@given(st.lists(pledges(), max_size=10), st.none() | moments())
def test_pledge_completion_matches_a_brute_force_count(batch, as_of):
    result = pledge_completion_rate(batch, as_of=as_of)

    def by(moment):
        return moment is not None and (as_of is None or moment <= as_of)

    def claimed(p):
        return as_of is None or p.claimed_at <= as_of

    def public(p):
        if p.status is S.DRAFT or not claimed(p):
            return False
        starts_as_draft = p.history and p.history[0].from_status in (None, S.DRAFT)
        published = any(event.to_status is S.PUBLISHED for event in p.history)
        if p.published_at is None and starts_as_draft and not published:
            return False
        if p.published_at is not None and as_of is not None and p.published_at > as_of:
            return False
        if p.status is S.WITHDRAWN:
            return p.withdrawn_at is not None and as_of is not None and as_of < p.withdrawn_at
        return True

    due = [p for p in batch if public(p)]
    assert [id(p) for p in result.denominator] == [id(p) for p in due]
    assert result.rate == Rate(sum(by(p.fulfilled_at) for p in due), len(due))
    assert [id(p) for p in result.excluded] == [
        id(p) for p in batch if claimed(p) and not public(p)
    ]


# -- 4. the record --------------------------------------------------------------------------


def test_a_new_pledge_is_a_draft_with_nothing_done():
    pledge = Pledge(
        id="p",
        title="修缮村卫生室",
        pledger="branch-3",
        pledger_kind=Kind.ORGANISATION,
        list_kind=List.LIVELIHOOD_PLAN,
        claimed_at=T0,
    )
    assert pledge.status is S.DRAFT
    assert (pledge.published_at, pledge.fulfilled_at, pledge.withdrawn_at) == (None, None, None)
    assert (pledge.milestones, pledge.history, pledge.weight, pledge.parent) == ((), (), None, None)
    assert pledge.progress == 0
    assert not pledge.public_as_of()


def test_progress_is_the_done_weight_of_the_milestones_or_one_when_fulfilled():
    plan = (
        Milestone(name="选址", weight=1, done_at=T0.add(days=1)),
        Milestone(name="施工", weight=3),
    )
    assert make_pledge(milestones=plan).progress == Fraction(1, 4)
    assert make_pledge().progress == 0
    all_done = (*plan[:1], attrs.evolve(plan[1], done_at=T0.add(days=9)))
    assert fulfilled(milestones=all_done).progress == 1
    assert fulfilled().progress == 1
    assert "progress" not in {field.name for field in attrs.fields(Pledge)}


def test_a_field_set_on_its_own_is_checked_with_the_rest_and_refused_whole():
    pledge = make_pledge()
    before = attrs.evolve(pledge)
    with pytest.raises(InconsistentRecordError) as caught:
        pledge.status = S.FULFILLED
    assert caught.value.field == "Pledge.fulfilled_at"
    assert pledge == before
    with pytest.raises(ChronologyError) as caught_time:
        pledge.deadline = T0.subtract(days=1)
    assert caught_time.value.field == "Pledge.deadline"
    assert pledge == before


def test_update_sets_fields_together_or_not_at_all():
    pledge = make_pledge()
    pledge.update(status=S.FULFILLED, fulfilled_at=T0.add(days=2))
    assert (pledge.status, pledge.fulfilled_at) == (S.FULFILLED, T0.add(days=2))
    before = attrs.evolve(pledge)
    undone = (Milestone(name="验收"),)
    with pytest.raises(InconsistentRecordError) as caught:
        pledge.update(milestones=undone, title="改了标题")
    assert (caught.value.field, caught.value.value) == ("Pledge.milestones", ["验收"])
    assert pledge == before
    with pytest.raises(InvalidValueError) as unknown:
        pledge.update(progress=Fraction(1, 2))
    assert (unknown.value.field, unknown.value.value) == ("Pledge.update", ["progress"])
    assert pledge == before


def test_a_field_cannot_be_deleted():
    pledge = make_pledge()
    with pytest.raises(InvalidTypeError) as caught:
        del pledge.unit
    assert caught.value.field == "Pledge.unit"


@pytest.mark.parametrize(
    ("changes", "error", "field"),
    [
        ({"status": S.DRAFT, "published_at": T0}, InconsistentRecordError, "Pledge.published_at"),
        ({"withdrawn_at": T0}, InconsistentRecordError, "Pledge.withdrawn_at"),
        ({"fulfilled_at": T0}, InconsistentRecordError, "Pledge.fulfilled_at"),
        ({"published_at": T0.subtract(seconds=1)}, ChronologyError, "Pledge.published_at"),
        ({"parent": "p"}, InconsistentRecordError, "Pledge.parent"),
        ({"weight": -1}, InvalidValueError, "Pledge.weight"),
        ({"weight": True}, InvalidTypeError, "Pledge.weight"),
        ({"weight": 1.5}, InvalidTypeError, "Pledge.weight"),
        (
            {
                "charter": ProjectCharter(
                    goal="g", measures=["m"], lead="l", task_force=["t"], deadline=T0
                )
            },
            InconsistentRecordError,
            "Pledge.charter",
        ),
        (
            {"milestones": (Milestone(name="a"), Milestone(name="a"))},
            InconsistentRecordError,
            "Pledge.milestones[1].name",
        ),
    ],
    ids=[
        "published-draft",
        "withdrawn_at-not-withdrawn",
        "fulfilled_at-not-fulfilled",
        "published-before-claim",
        "own-parent",
        "negative-weight",
        "bool-weight",
        "float-weight",
        "charter-not-key-project",
        "repeated-milestone",
    ],
)
def test_a_pledge_that_contradicts_itself_is_refused_naming_the_field(changes, error, field):
    with pytest.raises(error) as caught:
        make_pledge(**changes)
    assert type(caught.value) is error
    assert caught.value.field == field
