"""A WorkflowPolicy as plain data: every setting round-trips through JSON, a
calendar with a loaded schedule included, and bad data is refused by key."""

import datetime as dt
import json

import attrs
import pytest
from hypothesis import given
from hypothesis import strategies as st

from banshishi import (
    BanshishiError,
    Level,
    RaterKind,
    TimeLimit,
    Track,
    Unit,
    UnitTree,
    WorkCalendar,
    WorkflowPolicy,
    WorkingHours,
    YearSchedule,
    china_calendar,
    provisional_schedule,
)

NEXT = china_calendar().official_years.stop  # the first year without an official schedule
LOADED = YearSchedule.from_dict({
    "year": NEXT,
    "holidays": {"元旦": [f"{NEXT}-01-01/{NEXT}-01-03"], "春节": [f"{NEXT}-02-05/{NEXT}-02-12"]},
    "workdays": {"春节": [f"{NEXT}-02-14"]},
})  # fmt: skip


def through_json(policy: WorkflowPolicy) -> WorkflowPolicy:
    return WorkflowPolicy.from_dict(json.loads(json.dumps(policy.to_dict(), ensure_ascii=False)))


def test_the_default_policy_round_trips_with_every_setting_written() -> None:
    data = WorkflowPolicy().to_dict()
    assert data["format"] == 1
    assert set(data) == {
        "format", "self_sign_tracks", "time_limits", "type_limits", "working_hours",
        "evaluation_window",
        "close_on_satisfied_rating", "rater_kinds", "rectification_limit", "units",
        "provisional_years",
    }  # fmt: skip
    assert data["time_limits"] == {"immediate": "1 working day"}
    assert data["evaluation_window"] == {"days": 7, "seconds": 0, "microseconds": 0}
    assert data["working_hours"]["calendar"] == {
        "base": "china",
        "schedules": [],
        "provisional": [],
    }
    assert through_json(WorkflowPolicy()) == WorkflowPolicy()


def test_a_deployment_s_own_policy_round_trips_with_its_loaded_schedule() -> None:
    calendar = china_calendar().with_schedule(LOADED)
    hours = WorkingHours(
        calendar=calendar, spans=((dt.time(8, 30), dt.time(12)), (dt.time(14), dt.time(18))),
        cutoff=dt.time(16), timezone="Asia/Urumqi",
    )  # fmt: skip
    county = Unit(id="county", name="某县", level=Level.COUNTY)
    units = UnitTree(
        [county, Unit(id="water", name="县水务局", level=Level.COUNTY, parent="county")]
    )
    policy = WorkflowPolicy(
        self_sign_tracks=frozenset({Track.IMMEDIATE, Track.TRACKED}),
        time_limits={
            Track.IMMEDIATE: "4 working hours",
            Track.JOINT: "15 working days",
            Track.SUPERVISED: dt.timedelta(days=30, seconds=1),
        },
        working_hours=hours,
        evaluation_window=TimeLimit.working_days(5),
        close_on_satisfied_rating=False,
        rater_kinds=frozenset({RaterKind.REQUESTER, RaterKind.PARTY_MEMBER}),
        rectification_limit=dt.timedelta(hours=36),
        units=units,
        provisional_years=0,
    )
    data = policy.to_dict()
    assert data["working_hours"]["calendar"]["schedules"] == [LOADED.to_dict()]
    back = through_json(policy)
    assert attrs.evolve(back, units=None) == attrs.evolve(policy, units=None)
    assert back.units is not None
    assert list(back.units) == list(units)  # a UnitTree compares by identity: its units
    assert back.working_hours.calendar.official_years.stop == NEXT + 1
    assert back.to_dict() == data


def test_a_replaced_year_and_a_calendar_of_other_schedules_round_trip() -> None:
    first = china_calendar().official_years.start
    replaced = china_calendar().with_schedule(YearSchedule(year=first), replace=True)
    policy = WorkflowPolicy(working_hours=WorkingHours(calendar=replaced))
    assert policy.to_dict()["working_hours"]["calendar"]["schedules"] == [{
        "year": first, "holidays": {}, "workdays": {}}]  # fmt: skip
    assert through_json(policy) == policy

    own = WorkCalendar([LOADED], provisional=[provisional_schedule(NEXT + 1)])
    policy = WorkflowPolicy(working_hours=WorkingHours(calendar=own))
    assert policy.to_dict()["working_hours"]["calendar"]["base"] is None
    assert through_json(policy) == policy


limits = st.one_of(
    st.builds(TimeLimit.working_days, st.integers(1, 60)),
    st.builds(TimeLimit.working_hours, st.integers(1, 200)),
    st.timedeltas(min_value=dt.timedelta(microseconds=1), max_value=dt.timedelta(days=400)),
)


@given(
    tracks=st.frozensets(st.sampled_from(Track)),
    time_limits=st.dictionaries(st.sampled_from(Track), limits),
    window=limits,
    rectification=limits,
    raters=st.frozensets(st.sampled_from(RaterKind)),
    close=st.booleans(),
    years=st.integers(0, 10),
)
def test_any_policy_round_trips(tracks, time_limits, window, rectification, raters, close, years):
    policy = WorkflowPolicy(
        self_sign_tracks=tracks, time_limits=time_limits, evaluation_window=window,
        rectification_limit=rectification, rater_kinds=raters,
        close_on_satisfied_rating=close, provisional_years=years,
    )  # fmt: skip
    assert through_json(policy) == policy


def test_a_setting_left_out_takes_its_default() -> None:
    policy = WorkflowPolicy.from_dict({"format": 1, "provisional_years": 0})
    assert policy == WorkflowPolicy(provisional_years=0)


@pytest.mark.parametrize(
    ("change", "field"),
    [
        ({"format": 2}, "policy.format"),
        ({"deadlines": {}}, "policy.deadlines"),
        ({"time_limits": {"joint": "15 days"}}, "policy.time_limits.joint"),
        ({"time_limits": {"urgent": "1 working day"}}, "policy.time_limits.urgent"),
        ({"evaluation_window": {"days": "7"}}, "policy.evaluation_window.days"),
        ({"self_sign_tracks": ["soon"]}, "policy.self_sign_tracks[0]"),
        ({"provisional_years": 11}, "WorkflowPolicy.provisional_years"),
    ],
)
def test_bad_data_is_refused_naming_the_key(change, field) -> None:
    with pytest.raises(BanshishiError) as refused:
        WorkflowPolicy.from_dict({**WorkflowPolicy().to_dict(), **change})
    assert refused.value.field == field
