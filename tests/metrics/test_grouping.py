"""Grouping rates by track, channel, urgency, unit, level and reporting period."""

import datetime as dt

import attrs
import pendulum
import pytest
from hypothesis import given
from hypothesis import strategies as st

from banshishi import (
    Channel,
    Feedback,
    FeedbackMethod,
    Issue,
    IssueStatus,
    Level,
    NotFoundError,
    Period,
    Rate,
    Track,
    Unit,
    UnitTree,
    Urgency,
    by_level,
    by_period,
    by_unit,
    completion_rate,
    grouped,
    period_start,
    response_rate,
)
from strategies import issues, moments

T0 = pendulum.datetime(2026, 3, 2, 9, tz="Asia/Shanghai")
S = IssueStatus
TREE = UnitTree(
    [
        Unit(id="county", name="县", level=Level.COUNTY),
        Unit(id="t1", name="一镇", level=Level.TOWNSHIP, parent="county"),
        Unit(id="t2", name="二镇", level=Level.TOWNSHIP, parent="county"),
        Unit(id="v1", name="一村", level=Level.VILLAGE, parent="t1"),
        Unit(id="v2", name="二村", level=Level.VILLAGE, parent="t2"),
        Unit(id="bureau", name="局", level=Level.COUNTY, parent="county"),
    ]
)
UNIT_IDS = [u.id for u in TREE]


def make_issue(id, *, closed=False, **overrides):
    fields = {"id": id, "title": id, "channel": Channel.HOTLINE, "urgency": Urgency.URGENT}
    fields["received_at"] = T0
    if closed:
        fields |= {"status": S.CLOSED, "closed_at": T0.add(days=1)}
        fields["feedback"] = (
            Feedback(at=T0.add(days=1), content="好", method=FeedbackMethod.PHONE),
        )
    return Issue(**{**fields, **overrides})


def counts(table):
    return {key: (b.rate.numerator, b.rate.denominator) for key, b in table.items()}


def test_grouping_by_track_channel_and_urgency_counts_each_group_separately():
    batch = [
        make_issue("a", closed=True, urgency=Urgency.URGENT),
        make_issue("b", urgency=Urgency.URGENT, channel=Channel.PORTAL),
        make_issue("c", closed=True, urgency=Urgency.DIFFICULT, channel=Channel.PORTAL),
        make_issue("d", urgency=Urgency.LONGED_FOR, track=Track.IMMEDIATE),
    ]
    by_track = counts(grouped(completion_rate, batch, by=lambda i: i.track))
    assert by_track == {Track.IMMEDIATE: (1, 3), Track.JOINT: (1, 1)}
    assert list(by_track) == [Track.IMMEDIATE, Track.JOINT]  # in order of first appearance
    by_channel = counts(grouped(completion_rate, batch, by=lambda i: i.channel))
    assert by_channel == {Channel.HOTLINE: (1, 2), Channel.PORTAL: (1, 2)}
    by_urgency = counts(grouped(completion_rate, batch, by=lambda i: i.urgency))
    assert by_urgency == {
        Urgency.URGENT: (1, 2),
        Urgency.DIFFICULT: (1, 1),
        Urgency.LONGED_FOR: (0, 1),
    }


def test_by_unit_uses_the_responsible_unit_then_the_receiving_unit():
    assert by_unit(make_issue("a", responsible_unit="t1", received_by="centre")) == "t1"
    assert by_unit(make_issue("b", received_by="centre")) == "centre"
    assert by_unit(make_issue("c")) is None


def test_by_level_keys_issues_by_their_units_level_in_the_tree():
    batch = [
        make_issue("a", responsible_unit="v1", closed=True),
        make_issue("b", received_by="v2"),
        make_issue("c", responsible_unit="bureau"),
        make_issue("d"),
    ]
    table = counts(grouped(completion_rate, batch, by=by_level(TREE)))
    assert table == {Level.VILLAGE: (1, 2), Level.COUNTY: (0, 1), None: (0, 1)}
    custom = by_level(TREE, unit_of=lambda issue: "t1")
    assert counts(grouped(completion_rate, batch, by=custom)) == {Level.TOWNSHIP: (1, 4)}


def test_by_level_refuses_a_unit_missing_from_the_tree():
    with pytest.raises(NotFoundError) as caught:
        by_level(TREE)(make_issue("x", responsible_unit="elsewhere"))
    assert isinstance(caught.value, KeyError)
    assert caught.value.value == "elsewhere"


EVE_OF_APRIL = pendulum.datetime(2026, 3, 31, 17, tz="UTC")  # 01:00 on 1 April in Shanghai
EXPECTED_STARTS = {
    Period.DAY: (dt.date(2026, 4, 1), dt.date(2026, 3, 31)),
    Period.WEEK: (dt.date(2026, 3, 30), dt.date(2026, 3, 30)),
    Period.HALF_MONTH: (dt.date(2026, 4, 1), dt.date(2026, 3, 16)),
    Period.MONTH: (dt.date(2026, 4, 1), dt.date(2026, 3, 1)),
    Period.QUARTER: (dt.date(2026, 4, 1), dt.date(2026, 1, 1)),
    Period.YEAR: (dt.date(2026, 1, 1), dt.date(2026, 1, 1)),
}


@pytest.mark.parametrize("period", list(Period), ids=lambda p: p.value)
def test_an_instant_late_on_31_march_utc_falls_in_april_in_shanghai(period):
    shanghai, utc = EXPECTED_STARTS[period]
    assert period_start(EVE_OF_APRIL, period) == shanghai
    assert period_start(EVE_OF_APRIL, period, timezone="UTC") == utc
    issue = make_issue("x", received_at=EVE_OF_APRIL)
    assert by_period(period)(issue) == shanghai
    assert by_period(period, timezone="UTC")(issue) == utc


def test_by_period_can_key_on_another_moment():
    issue = make_issue("x", closed=True, received_at=T0)
    key = by_period(Period.MONTH, moment_of=lambda i: i.closed_at.add(months=1))
    assert key(issue) == dt.date(2026, 4, 1)


def starts_a_period(day, period):
    return {
        Period.DAY: True,
        Period.WEEK: day.isoweekday() == 1,
        Period.HALF_MONTH: day.day in (1, 16),
        Period.MONTH: day.day == 1,
        Period.QUARTER: day.day == 1 and day.month in (1, 4, 7, 10),
        Period.YEAR: (day.month, day.day) == (1, 1),
    }[period]


@given(moments(), st.sampled_from(list(Period)), st.sampled_from(["Asia/Shanghai", "UTC"]))
def test_the_period_start_is_the_latest_period_boundary_on_or_before_the_local_day(
    moment, period, zone
):
    local = moment.in_timezone(zone)
    day = dt.date(local.year, local.month, local.day)
    while not starts_a_period(day, period):
        day -= dt.timedelta(days=1)
    assert period_start(moment, period, timezone=zone) == day


def test_options_such_as_as_of_are_passed_to_the_rate():
    batch = [make_issue("a", closed=True), make_issue("b", closed=True, urgency=Urgency.WORRYING)]
    before = T0.add(hours=1)
    table = counts(grouped(completion_rate, batch, by=lambda i: i.urgency, as_of=before))
    assert table == {Urgency.URGENT: (0, 1), Urgency.WORRYING: (0, 1)}
    table = counts(grouped(completion_rate, batch, by=lambda i: i.urgency))
    assert table == {Urgency.URGENT: (1, 1), Urgency.WORRYING: (1, 1)}


KEYS = {
    "track": lambda i: i.track,
    "channel": lambda i: i.channel,
    "urgency": lambda i: i.urgency,
    "unit": by_unit,
    "status": lambda i: i.status,
    "week": by_period(Period.WEEK),
    "quarter": by_period(Period.QUARTER),
}


@given(
    st.lists(issues(), max_size=8),
    st.sampled_from(sorted(KEYS)),
    st.none() | moments(),
    st.sampled_from([completion_rate, response_rate]),
)
def test_the_group_rates_add_up_to_the_ungrouped_rate(batch, key_name, as_of, rate):
    key = KEYS[key_name]
    table = grouped(rate, batch, by=key, as_of=as_of)
    assert set(table) == {key(issue) for issue in batch}
    whole = rate(batch, as_of=as_of)
    assert len(whole.excluded) == sum(len(b.excluded) for b in table.values())
    total = sum((b.rate for b in table.values()), Rate(0, 0))
    assert total == whole.rate
    for group_key, breakdown in table.items():
        members = [i for i in batch if key(i) == group_key]
        assert breakdown.rate == rate(members, as_of=as_of).rate


@given(st.lists(st.tuples(issues(), st.sampled_from(UNIT_IDS)), max_size=8), st.none() | moments())
def test_rolling_up_unit_groups_gives_each_subtree_its_own_completion_rate(pairs, as_of):
    batch = [
        attrs.evolve(issue, responsible_unit=unit, co_units=(), parts_reported=())
        for issue, unit in pairs
    ]
    totals = TREE.roll_up(grouped(completion_rate, batch, by=by_unit, as_of=as_of))
    for unit in UNIT_IDS:
        inside = [i for i in batch if TREE.is_within(by_unit(i), unit)]
        if inside:
            assert totals[unit].rate == completion_rate(inside, as_of=as_of).rate
        else:
            assert unit not in totals
