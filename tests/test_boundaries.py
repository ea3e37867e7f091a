"""Bad input at every public entry point gets the library's own error, never a bare one."""

import datetime as dt
from zoneinfo import ZoneInfo

import pendulum
import pytest

from banshishi import (
    Breakdown,
    Channel,
    Evaluation,
    Event,
    FixedClock,
    InvalidTypeError,
    InvalidValueError,
    Issue,
    Level,
    Period,
    Pledge,
    PledgeListKind,
    PledgerKind,
    Rate,
    Rating,
    Role,
    SystemClock,
    Unit,
    UnitTree,
    Urgency,
    by_level,
    by_period,
    by_unit,
    completion_rate,
    evaluation_satisfaction_rate,
    format_instant,
    grouped,
    period_start,
    personal_fields,
    pledge_completion_rate,
    satisfaction_rate,
    structure,
    unstructure,
)
from banshishi import IssueStatus as S

T0 = pendulum.datetime(2026, 3, 31, 17, tz="UTC")  # already 1 April in Asia/Shanghai
ISSUE = Issue(id="i", title="t", channel=Channel.HOTLINE, urgency=Urgency.URGENT, received_at=T0)
PLEDGE = Pledge(
    id="p",
    title="修路",
    pledger="m",
    pledger_kind=PledgerKind.PARTY_MEMBER,
    list_kind=PledgeListKind.SERVICE_LIST,
    claimed_at=T0,
    unit="v1",
)
RATING = Evaluation(issue_id="i", rating=Rating.SATISFIED, resolved=True, at=T0)
TREE = UnitTree(
    [
        Unit(id="c", name="县", level=Level.COUNTY),
        Unit(id="v1", name="村", level=Level.VILLAGE, parent="c"),
    ]
)


@pytest.mark.parametrize(
    ("call", "field", "value"),
    [
        (lambda: completion_rate(None), "issues", None),
        (lambda: completion_rate("ab"), "issues", "ab"),
        (lambda: completion_rate([ISSUE, None]), "issues[1]", None),
        (lambda: completion_rate([PLEDGE]), "issues[0]", PLEDGE),
        (lambda: evaluation_satisfaction_rate([ISSUE]), "evaluations[0]", ISSUE),
        (lambda: pledge_completion_rate([ISSUE]), "pledges[0]", ISSUE),
        (lambda: satisfaction_rate([ISSUE], basically_satisfied="no"), "basically_satisfied", "no"),
        (lambda: grouped(completion_rate, [ISSUE], by=lambda i: [i.id]), "by", ["i"]),
        (lambda: grouped(completion_rate, None, by=by_unit), "items", None),
        (lambda: grouped(completion_rate, [ISSUE], by="track"), "by", "track"),
        (lambda: TREE.roll_up(None), "roll_up", None),
        (lambda: TREE.roll_up({"v1": None}), "roll_up['v1']", None),
        (lambda: TREE.roll_up({"c": 1, "v1": Rate(1, 1)}), "roll_up['c']", 1),
        (lambda: UnitTree([None]), "UnitTree.units", None),
        (lambda: structure({}, Breakdown), "model", Breakdown),
        (lambda: personal_fields(None), "cls", None),
        (lambda: period_start(T0, Period.MONTH, timezone=28800), "timezone", 28800),
        (lambda: period_start(T0, Period.MONTH, timezone=None), "timezone", None),
        (lambda: period_start(T0, "month"), "period", "month"),
        (lambda: SystemClock(None), "SystemClock.timezone", None),
        (lambda: by_unit(RATING), "by_unit item", RATING),
    ],
)
def test_wrong_types_are_refused_naming_the_argument(call, field, value):
    with pytest.raises(InvalidTypeError) as caught:
        call()
    assert caught.value.field == field
    assert caught.value.value == value


@pytest.mark.parametrize("zone", ["Mars/Base", "+08:00", "", "/etc/passwd"])
def test_a_zone_that_is_not_an_iana_name_is_refused(zone):
    for call in (lambda: period_start(T0, Period.DAY, timezone=zone), lambda: SystemClock(zone)):
        with pytest.raises(InvalidValueError) as caught:
            call()
        assert caught.value.value == zone


def test_an_unhashable_value_is_simply_not_in_a_tree():
    assert ["c"] not in TREE
    assert "c" in TREE


def test_by_unit_and_by_period_work_for_pledges_and_evaluations_too():
    assert by_unit(PLEDGE) == "v1"
    month = by_period(Period.MONTH)
    assert month(ISSUE) == month(PLEDGE) == month(RATING) == pendulum.Date(2026, 4, 1)
    per_month = grouped(pledge_completion_rate, [PLEDGE], by=month)
    assert list(per_month) == [pendulum.Date(2026, 4, 1)]


def test_an_error_about_a_huge_number_still_prints():
    with pytest.raises(InvalidValueError) as caught:
        Rate(-(10**5000), 1)
    assert "too large to show" in str(caught.value)
    with pytest.raises(InvalidTypeError):
        Rate(1, 3).format(5000)


def test_a_fixed_clock_refuses_nonsense_steps_and_keeps_its_time():
    clock = FixedClock(T0)
    for step in ({"foo": 1}, {"days": "x"}, {"days": None}, {"years": 10**6}):
        with pytest.raises(InvalidValueError) as caught:
            clock.advance(**step)
        assert caught.value.value == step
        assert clock.now() == T0


def test_event_data_nested_too_deeply_is_refused():
    data: dict[str, object] = {}
    for _ in range(40):
        data = {"x": data}
    with pytest.raises(InvalidValueError, match="deeper"):
        Event(
            name="n",
            actor="a",
            role=Role.HANDLER,
            at=T0,
            from_status=None,
            to_status=S.RECEIVED,
            data=data,
        )


@pytest.mark.parametrize("zone", ["Europe/London", "Asia/Urumqi"])
def test_a_pendulum_time_carrying_a_stdlib_zone_keeps_the_zone_name(zone):
    moment = pendulum.datetime(2026, 4, 7, 10, tz="Asia/Shanghai").astimezone(ZoneInfo(zone))
    issue = Issue(
        id="i", title="t", channel=Channel.HOTLINE, urgency=Urgency.URGENT, received_at=moment
    )
    assert issue.received_at.timezone_name == zone
    assert format_instant(issue.received_at).endswith(f"[{zone}]")
    again = structure(unstructure(issue), Issue)
    assert again.received_at.timezone_name == zone
    # Zone rules, not a frozen offset, govern arithmetic on the copy.
    assert (
        again.received_at.add(months=6).utcoffset() == issue.received_at.add(months=6).utcoffset()
    )


def test_a_stdlib_utc_time_stays_a_fixed_offset():
    moment = dt.datetime(2026, 1, 1, tzinfo=dt.UTC)
    issue = Issue(
        id="i", title="t", channel=Channel.HOTLINE, urgency=Urgency.URGENT, received_at=moment
    )
    assert format_instant(issue.received_at) == "2026-01-01T00:00:00+00:00"


def test_a_stdlib_datetime_already_in_a_pendulum_zone_is_stored_as_a_pendulum_datetime():
    moment = dt.datetime(2026, 4, 7, 10, tzinfo=pendulum.timezone("Asia/Shanghai"))
    issue = Issue(
        id="i", title="t", channel=Channel.HOTLINE, urgency=Urgency.URGENT, received_at=moment
    )
    assert type(issue.received_at) is pendulum.DateTime
    assert issue.received_at.add(days=1).day == 8


def test_times_at_the_ends_of_the_calendar_are_refused_by_name():
    far = dt.datetime(9999, 12, 31, 23, tzinfo=ZoneInfo("America/New_York"))
    with pytest.raises(InvalidValueError) as caught:
        Issue(id="i", title="t", channel=Channel.HOTLINE, urgency=Urgency.URGENT, received_at=far)
    assert caught.value.field == "Issue.received_at"
    edge = pendulum.parse("9999-12-31T23:59:59-01:00")
    with pytest.raises(InvalidValueError) as caught:
        period_start(edge, Period.DAY)
    assert caught.value.field == "moment"


@pytest.mark.parametrize(
    ("call", "field"),
    [
        (lambda: by_period(Period.DAY, moment_of=None), "moment_of"),
        (lambda: by_level(None), "tree"),
        (lambda: grouped(completion_rate, [ISSUE], by=by_unit, asof=T0), "grouped options"),
        (lambda: grouped(completion_rate, [], by=by_unit, as_of="garbage"), "as_of"),
        (lambda: grouped(completion_rate, {"a": 1}, by=by_unit), "items"),
    ],
)
def test_grouping_arguments_are_checked_before_any_work(call, field):
    with pytest.raises(InvalidTypeError) as caught:
        call()
    assert caught.value.field == field


def test_a_number_too_large_for_a_float_is_refused_naming_it():
    data = unstructure(ISSUE)
    data["location"] = {"division_code": "150102", "latitude": 10**400, "longitude": 1.0}
    with pytest.raises(InvalidValueError) as caught:
        structure(data, Issue)
    assert (caught.value.field, caught.value.value) == ("Issue.location.latitude", 10**400)
