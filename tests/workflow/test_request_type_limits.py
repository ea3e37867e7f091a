"""Request types (诉求类型) and their time limits: the deadline a transfer or a
self-signed item leaves out is counted with the most specific limit the policy
has (the type on the track, the type, the track), on the policy's calendar, alike
on both engines and through replay; a policy without type limits, or an issue
without a type, counts as before types."""

import datetime as dt
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from banshishi import (
    InvalidTypeError,
    InvalidValueError,
    IssueStatus,
    Ledger,
    PreconditionError,
    RequestType,
    TimeLimit,
    Track,
    WorkflowPolicy,
    replay,
)
from both_engines import ISSUE_ID, assert_replays, both, intake, refused, step
from cast import CLERK, CO_UNITS, DISPATCHER, LEAD, handler
from working_time import sh

TRACKS = (Track.IMMEDIATE, Track.JOINT)  # the tracks a plain transfer suits
KINDS = (None, *RequestType)

limits = st.one_of(
    st.builds(TimeLimit.working_days, st.integers(1, 20)),
    st.builds(TimeLimit.working_hours, st.integers(1, 48)),
    st.builds(lambda hours: dt.timedelta(hours=hours), st.integers(1, 72)),
)
type_keys = st.one_of(
    st.sampled_from(RequestType),
    st.tuples(st.sampled_from(RequestType), st.sampled_from(Track)),
)
policies = st.builds(
    lambda tracks, types: WorkflowPolicy(time_limits=tracks, type_limits=types),
    st.dictionaries(st.sampled_from(Track), limits),
    st.dictionaries(type_keys, limits, max_size=8),
)
# Working and non-working moments through 2026's autumn holidays (中秋, 国庆).
moments = st.builds(
    lambda day, minute: sh(2026, 9, 21, 0).add(days=day, minutes=minute),
    st.integers(0, 30),
    st.integers(0, 24 * 60 - 1),
)


def expected_limit(policy: WorkflowPolicy, track: Track, kind: RequestType | None) -> Any:
    """The limit the docs promise, looked up here independently of the policy."""
    if kind is not None:
        for key in ((kind, track), kind):
            if key in policy.type_limits:
                return policy.type_limits[key]
    return policy.time_limits.get(track)


def transfer_args(track: Track) -> dict[str, Any]:
    return {"unit": LEAD, "co_units": CO_UNITS} if track is Track.JOINT else {"unit": LEAD}


@settings(max_examples=40, deadline=None)
@given(
    policy=policies,
    track=st.sampled_from(TRACKS),
    kind=st.sampled_from(KINDS),
    received=moments,
)
def test_a_transfer_gets_the_most_specific_limit_on_the_calendar_on_both_engines(
    policy, track, kind, received
):
    case = both(received, track, policy, kind)
    at = received.add(minutes=30)
    limit = expected_limit(policy, track, kind)
    if limit is None:
        error = refused(case, PreconditionError, "transfer", DISPATCHER, at, **transfer_args(track))
        assert error.field == "transfer.deadline"
        return
    event = step(case, "transfer", DISPATCHER, at, **transfer_args(track))
    assert case.issue.deadline == policy.after(at, limit)
    assert event.data["deadline"] == case.ledger.history(ISSUE_ID)[-1].data["deadline"]
    assert case.issue.deadline == policy.deadline_for(track, at, request_type=kind)
    assert_replays(case, policy)


@settings(max_examples=25, deadline=None)
@given(policy=policies, kind=st.sampled_from(KINDS), received=moments)
def test_a_self_signed_item_gets_its_types_limit_too(policy, kind, received):
    policy = WorkflowPolicy(
        time_limits=policy.time_limits,
        type_limits=policy.type_limits,
        self_sign_tracks=frozenset({Track.IMMEDIATE}),
    )
    case = both(received, Track.IMMEDIATE, policy, kind)
    at = received.add(minutes=5)
    clerk_unit_handler = handler(CLERK.unit)
    limit = expected_limit(policy, Track.IMMEDIATE, kind)
    if limit is None:
        refused(case, PreconditionError, "sign_for", clerk_unit_handler, at)
        return
    step(case, "sign_for", clerk_unit_handler, at)
    assert case.issue.status is IssueStatus.IN_PROGRESS
    assert case.issue.deadline == policy.after(at, limit)
    assert_replays(case, policy)


@settings(max_examples=25, deadline=None)
@given(
    tracks=st.dictionaries(st.sampled_from(Track), limits, min_size=1),
    track=st.sampled_from(TRACKS),
    kind=st.sampled_from(RequestType),
    received=moments,
)
def test_without_type_limits_a_type_changes_no_deadline(tracks, track, kind, received):
    policy = WorkflowPolicy(time_limits=tracks)
    if track not in tracks:
        assert policy.limit_for(track, kind) is None
        return
    typed, untyped = both(received, track, policy, kind), both(received, track, policy)
    at = received.add(minutes=30)
    step(typed, "transfer", DISPATCHER, at, **transfer_args(track))
    step(untyped, "transfer", DISPATCHER, at, **transfer_args(track))
    assert typed.issue.deadline == untyped.issue.deadline == policy.after(at, tracks[track])


def test_guangdongs_limits_and_an_emergencys_hours() -> None:
    policy = WorkflowPolicy(
        type_limits={
            RequestType.CONSULTATION: "2 working days",
            RequestType.HELP: "10 working days",
            RequestType.COMPLAINT: "15 working days",
            (RequestType.HELP, Track.IMMEDIATE): dt.timedelta(hours=2),
        }
    )
    thursday = sh(2026, 9, 24, 10)  # before 中秋 and 国庆
    ask = policy.deadline_for(Track.JOINT, thursday, request_type=RequestType.CONSULTATION)
    assert ask == sh(2026, 9, 29, 17, 30)
    helped = policy.deadline_for(Track.JOINT, thursday, request_type=RequestType.HELP)
    assert helped == sh(2026, 10, 15, 17, 30)
    urgent = policy.deadline_for(Track.IMMEDIATE, thursday, request_type=RequestType.HELP)
    assert urgent == sh(2026, 9, 24, 12)
    # 即办 keeps the default 1 working day for a type with no limit on it.
    praised = policy.deadline_for(Track.IMMEDIATE, thursday, request_type=RequestType.PRAISE)
    assert praised == sh(2026, 9, 28, 17, 30)  # 25-27 September is 中秋


def test_a_limit_given_with_the_step_still_wins_over_the_types() -> None:
    policy = WorkflowPolicy(type_limits={RequestType.COMPLAINT: "15 working days"})
    case = both(sh(2026, 3, 2, 9), Track.IMMEDIATE, policy, RequestType.COMPLAINT)
    at = sh(2026, 3, 2, 9, 30)
    step(case, "transfer", DISPATCHER, at, unit=LEAD, limit="2 working days")
    assert case.issue.deadline == sh(2026, 3, 4, 17, 30)


def test_the_receive_event_records_a_type_only_when_there_is_one() -> None:
    ledger = Ledger()
    ledger.receive(intake(sh(2026, 3, 2, 9), Track.IMMEDIATE), actor=CLERK)
    assert "request_type" not in ledger.history(ISSUE_ID)[0].data
    typed = Ledger()
    typed.receive(intake(sh(2026, 3, 2, 9), Track.IMMEDIATE, RequestType.REPORT), actor=CLERK)
    first = typed.history(ISSUE_ID)[0]
    assert first.data["request_type"] == "report"
    assert replay([first]).request_type is RequestType.REPORT


@pytest.mark.parametrize(
    ("limits", "error", "field"),
    [
        ({"complaint": "15 working days"}, InvalidTypeError, "WorkflowPolicy.type_limits"),
        ({(Track.JOINT, RequestType.HELP): "1 working day"}, InvalidTypeError, None),
        ({RequestType.HELP: "0 working days"}, InvalidValueError, None),
        ({(RequestType.HELP, Track.JOINT): dt.timedelta(0)}, InvalidValueError, None),
    ],
)
def test_a_bad_type_limit_is_refused_naming_it(limits, error, field) -> None:
    with pytest.raises(error) as caught:
        WorkflowPolicy(type_limits=limits)
    if field is None:
        assert caught.value.field.startswith("WorkflowPolicy.type_limits")
    else:
        assert caught.value.field == field


def test_a_bad_type_limit_in_plain_data_is_refused_naming_its_key() -> None:
    for data, field in (
        ({"help.urgent": "1 working day"}, "policy.type_limits.help.urgent"),
        ({"help": "1 day"}, "policy.type_limits.help"),
    ):
        with pytest.raises(InvalidValueError) as caught:
            WorkflowPolicy.from_dict({"format": 1, "type_limits": data})
        assert caught.value.field == field


@settings(max_examples=40, deadline=None)
@given(policy=policies)
def test_any_type_limits_round_trip_through_plain_data(policy):
    data = policy.to_dict()
    assert WorkflowPolicy.from_dict(data) == policy
    assert len(data["type_limits"]) == len(policy.type_limits)
