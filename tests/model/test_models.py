"""Construction rules for the records: each bad input raises the right error, naming it."""

import datetime as dt
import functools
import math

import attrs
import pytest
from hypothesis import given

import banshishi
from banshishi import (
    BanshishiError,
    ChronologyError,
    Evaluation,
    Event,
    Feedback,
    FeedbackMethod,
    InconsistentRecordError,
    InvalidTypeError,
    InvalidValueError,
    IssueStatus,
    Location,
    Milestone,
    NaiveDatetimeError,
    Person,
    Pledge,
    PledgeListKind,
    PledgerKind,
    PledgeStatus,
    Rating,
    Role,
    Track,
    Urgency,
)
from cast import T0, new_issue
from strategies import id_numbers, issues

NAIVE = dt.datetime(2026, 3, 2, 9)
EARLY = T0.subtract(seconds=1)
LATER = T0.add(hours=2)
S = IssueStatus
PLEDGE = {"id": "p1", "title": "修路", "pledger": "m1", "pledger_kind": PledgerKind.PARTY_MEMBER}


make_issue = functools.partial(new_issue, "i1")


def make_pledge(**overrides):
    fields = {**PLEDGE, "list_kind": PledgeListKind.SERVICE_LIST, "claimed_at": T0}
    return Pledge(**{**fields, **overrides})


def make_feedback(**overrides):
    fields = {"at": T0.add(days=1), "content": "已修复", "method": FeedbackMethod.PHONE}
    return Feedback(**{**fields, **overrides})


def make_evaluation(**overrides):
    fields = {"issue_id": "i1", "rating": Rating.SATISFIED, "resolved": True, "at": T0}
    return Evaluation(**{**fields, **overrides})


def make_event(from_status, to_status=S.RECEIVED, at=T0, **overrides):
    fields = {"name": "step", "actor": "clerk", "role": Role.INTAKE_CLERK, "at": at}
    return Event(**{**fields, "from_status": from_status, "to_status": to_status, **overrides})


def make_person(**overrides):
    return Person(**{"id": "p", "name": "王", **overrides})


def make_location(**overrides):
    return Location(**{"division_code": "110101", **overrides})


FB = (make_feedback(),)
RECEIVED = make_event(None, S.RECEIVED)
FULFILLED = {"status": PledgeStatus.FULFILLED, "fulfilled_at": T0.add(days=1)}


BUILDERS = {
    "Issue": make_issue,
    "Person": make_person,
    "Location": make_location,
    "Pledge": make_pledge,
    "Feedback": make_feedback,
    "Evaluation": make_evaluation,
    "Event": lambda **kw: make_event(None, **kw),
}
WRONG_ID = "110105194912310020"  # the right check character is X
UNCHAINED = {"history": (RECEIVED, make_event(S.TRANSFERRED, S.IN_PROGRESS))}
BACKWARDS = (make_event(None, S.RECEIVED, LATER), make_event(S.RECEIVED, S.RECEIVED))
ENDS_ELSEWHERE = (RECEIVED, make_event(S.RECEIVED, S.TRANSFERRED))
CO_UNITS = {"responsible_unit": "a", "co_units": ("b", "a")}
OTHER_EVALUATION = (make_evaluation(issue_id="i2"),)
EARLY_EVALUATION = (make_evaluation(at=EARLY),)

Inconsistent = InconsistentRecordError
BAD_INPUTS = [
    # (keyword arguments, error class, error field, error value); the field picks the builder
    ({"received_at": NAIVE}, NaiveDatetimeError, "Issue.received_at", NAIVE),
    ({"title": ""}, InvalidValueError, "Issue.title", ""),
    ({"title": " \n\t"}, InvalidValueError, "Issue.title", " \n\t"),
    ({"deadline": EARLY}, ChronologyError, "Issue.deadline", EARLY),
    ({"closed_at": EARLY}, ChronologyError, "Issue.closed_at", EARLY),
    ({"channel": "hotline"}, InvalidTypeError, "Issue.channel", "hotline"),
    ({"status": "closed"}, InvalidTypeError, "Issue.status", "closed"),
    ({"status": S.CLOSED, "feedback": FB}, Inconsistent, "Issue.closed_at", None),
    (
        {"closed_at": T0.add(days=2), "feedback": FB},
        Inconsistent,
        "Issue.closed_at",
        T0.add(days=2),
    ),
    # closed (at LATER) before the only answer (a day after T0)
    (
        {"status": S.CLOSED, "closed_at": LATER, "feedback": FB},
        ChronologyError,
        "Issue.closed_at",
        LATER,
    ),
    # impossible to close a matter nobody answered
    ({"status": S.CLOSED, "closed_at": LATER}, Inconsistent, "Issue.status", S.CLOSED),
    ({"status": S.ANSWERED}, Inconsistent, "Issue.status", S.ANSWERED),
    (CO_UNITS, Inconsistent, "Issue.co_units", ("b", "a")),
    ({"co_units": ("b", "c", "b")}, InvalidValueError, "Issue.co_units[2]", "b"),
    ({"evaluations": OTHER_EVALUATION}, Inconsistent, "Issue.evaluations[0].issue_id", "i2"),
    ({"feedback": (make_feedback(at=EARLY),)}, ChronologyError, "Issue.feedback[0].at", EARLY),
    (
        {**UNCHAINED, "status": S.IN_PROGRESS},
        Inconsistent,
        "Issue.history[1].from_status",
        S.TRANSFERRED,
    ),
    ({"history": BACKWARDS}, ChronologyError, "Issue.history[1].at", T0),
    ({"history": ENDS_ELSEWHERE}, Inconsistent, "Issue.status", S.RECEIVED),
    ({"history": (make_event(None, at=EARLY),)}, ChronologyError, "Issue.history[0].at", EARLY),
    ({"evaluations": EARLY_EVALUATION}, ChronologyError, "Issue.evaluations[0].at", EARLY),
    ({"target_groups": ["elderly"]}, InvalidTypeError, "Issue.target_groups", ["elderly"]),
    ({"mobile": "1380013800"}, InvalidValueError, "Person.mobile", "1380013800"),
    ({"mobile": "23800138000"}, InvalidValueError, "Person.mobile", "23800138000"),
    ({"mobile": "1380013800a"}, InvalidValueError, "Person.mobile", "1380013800a"),
    ({"mobile": "１3800138000"}, InvalidValueError, "Person.mobile", "１3800138000"),
    ({"id_number": WRONG_ID}, InvalidValueError, "Person.id_number", WRONG_ID),
    ({"id_number": WRONG_ID[:17]}, InvalidValueError, "Person.id_number", WRONG_ID[:17]),
    ({"latitude": 39.9}, Inconsistent, "Location.latitude", (39.9, None)),
    ({"latitude": 90.5, "longitude": 0.0}, InvalidValueError, "Location.latitude", 90.5),
    ({"latitude": -91, "longitude": 0}, InvalidValueError, "Location.latitude", -91),
    ({"latitude": 0, "longitude": 181}, InvalidValueError, "Location.longitude", 181),
    ({"latitude": True, "longitude": 0}, InvalidTypeError, "Location.latitude", True),
    ({"division_code": "11010"}, InvalidValueError, "Location.division_code", "11010"),
    ({"division_code": "1101011"}, InvalidValueError, "Location.division_code", "1101011"),
    ({"division_code": "11010a"}, InvalidValueError, "Location.division_code", "11010a"),
    (
        {"division_code": "１１０１０１"},
        InvalidValueError,
        "Location.division_code",
        "１１０１０１",
    ),
    ({"status": PledgeStatus.FULFILLED}, Inconsistent, "Pledge.fulfilled_at", None),
    ({"deadline": EARLY}, ChronologyError, "Pledge.deadline", EARLY),
    ({**FULFILLED, "fulfilled_at": EARLY}, ChronologyError, "Pledge.fulfilled_at", EARLY),
    (
        {**FULFILLED, "milestones": (Milestone(name="建成"),)},
        Inconsistent,
        "Pledge.milestones",
        ["建成"],
    ),
    ({"withdrawn_at": T0.add(days=1)}, Inconsistent, "Pledge.withdrawn_at", T0.add(days=1)),
    ({"published_at": T0.add(days=1)}, Inconsistent, "Pledge.published_at", T0.add(days=1)),
    ({"weight": -1}, InvalidValueError, "Pledge.weight", -1),
    ({"weight": True}, InvalidTypeError, "Pledge.weight", True),
    ({"weight": 0.5}, InvalidTypeError, "Pledge.weight", 0.5),
    ({"parent": "p1"}, Inconsistent, "Pledge.parent", "p1"),
    ({"at": NAIVE}, NaiveDatetimeError, "Feedback.at", NAIVE),
    ({"content": " "}, InvalidValueError, "Feedback.content", " "),
    ({"method": "phone"}, InvalidTypeError, "Feedback.method", "phone"),
    ({"round": 0}, InvalidValueError, "Evaluation.round", 0),
    ({"round": True}, InvalidTypeError, "Evaluation.round", True),
    ({"resolved": 1}, InvalidTypeError, "Evaluation.resolved", 1),
    ({"rating": "satisfied"}, InvalidTypeError, "Evaluation.rating", "satisfied"),
    ({"to_status": "received"}, InvalidTypeError, "Event.to_status", "received"),
]


@pytest.mark.parametrize(("kwargs", "cls", "field", "value"), BAD_INPUTS)
def test_a_bad_input_raises_the_right_error_naming_the_field_and_value(kwargs, cls, field, value):
    with pytest.raises(cls) as caught:
        BUILDERS[field.split(".")[0]](**kwargs)
    error = caught.value
    assert isinstance(error, BanshishiError)
    assert isinstance(error, TypeError if cls is InvalidTypeError else ValueError)
    assert (error.field, error.value) == (field, value)


def test_assigning_an_early_deadline_later_is_refused_and_the_old_one_kept():
    issue = make_issue(deadline=T0.add(days=3))
    with pytest.raises(ChronologyError) as caught:
        issue.deadline = EARLY
    assert isinstance(caught.value, ValueError)
    assert (caught.value.field, caught.value.value) == ("Issue.deadline", EARLY)
    assert issue.deadline == T0.add(days=3)


def test_closing_an_unanswered_issue_by_assignment_is_refused_and_nothing_changes():
    issue = make_issue(status=S.RESOLVED)
    with pytest.raises(InconsistentRecordError) as caught:
        issue.status = S.CLOSED
    assert (caught.value.field, caught.value.value) == ("Issue.status", S.CLOSED)
    assert issue.status is S.RESOLVED
    issue.feedback = FB
    issue.status = S.ANSWERED
    assert issue.status is S.ANSWERED


def test_the_feedback_of_an_answered_issue_cannot_be_emptied():
    issue = make_issue(status=S.ANSWERED, feedback=FB)
    with pytest.raises(InconsistentRecordError) as caught:
        issue.feedback = ()
    assert caught.value.field == "Issue.feedback"
    assert issue.feedback == FB


def test_moving_received_at_past_a_recorded_time_is_refused_and_nothing_changes():
    issue = make_issue(deadline=LATER)
    with pytest.raises(ChronologyError) as caught:
        issue.received_at = LATER.add(seconds=1)
    assert caught.value.field == "Issue.received_at"
    assert issue.received_at == T0
    issue.received_at = LATER
    assert issue.received_at == LATER


def test_the_boundary_cases_of_those_rules_are_accepted():
    assert make_issue(deadline=T0).deadline == T0
    assert make_issue(received_at=dt.datetime(2026, 3, 2, 1, tzinfo=dt.UTC)).received_at == T0
    assert make_issue(status=S.ANSWERED, feedback=FB).feedback == FB
    assert make_pledge(**FULFILLED).progress == 1
    assert make_pledge(weight=0).weight == 0
    assert make_person(id_number="11010519491231002X").id_number[-1] == "X"
    assert make_location(latitude=-90, longitude=180).longitude == 180
    assert make_issue(history=ENDS_ELSEWHERE, status=S.TRANSFERRED).history == ENDS_ELSEWHERE


def test_a_nan_latitude_is_refused():
    with pytest.raises(InvalidValueError) as caught:
        make_location(latitude=math.nan, longitude=1.0)
    assert caught.value.field == "Location.latitude"


def test_the_track_defaults_from_the_urgency_unless_given():
    for urgency in Urgency:
        assert make_issue(urgency=urgency).track is urgency.default_track
    assert make_issue(urgency=Urgency.URGENT, track=Track.JOINT).track is Track.JOINT


@given(issues())
def test_every_generated_closed_issue_has_feedback_and_closed_at(issue):
    assert (issue.status is S.CLOSED) == (issue.closed_at is not None)
    if issue.status is S.CLOSED:
        assert issue.feedback


@given(id_numbers())
def test_every_id_number_with_a_correct_check_digit_is_accepted(number):
    assert make_person(id_number=number).id_number == number


def test_personal_fields_of_a_person_are_exactly_the_four_personal_ones():
    assert banshishi.personal_fields(Person) == ("name", "mobile", "id_number", "address")


def test_an_event_is_frozen():
    with pytest.raises(attrs.exceptions.FrozenInstanceError):
        RECEIVED.note = "changed"


def test_event_data_is_a_deep_read_only_copy():
    source = {"units": ["a", "b"], "deadline": {"days": 5}}
    event = make_event(None, S.RECEIVED, data=source)
    source["units"].append("c")
    assert event.data["units"] == ("a", "b")
    with pytest.raises(TypeError):
        event.data["deadline"]["days"] = 6
    with pytest.raises(TypeError):
        event.data["new"] = 1
    assert event.data["deadline"]["days"] == 5


@pytest.mark.parametrize(
    ("data", "cls", "field"),
    [
        ({"ids": {1, 2}}, InvalidTypeError, "Event.data.ids"),
        ({"x": [1.0, math.nan]}, InvalidValueError, "Event.data.x[1]"),
        ({"x": {"y": {3: "z"}}}, InvalidTypeError, "Event.data.x.y"),
        ({"when": T0}, InvalidTypeError, "Event.data.when"),
    ],
)
def test_event_data_that_json_cannot_carry_is_refused_naming_the_path(data, cls, field):
    with pytest.raises(cls) as caught:
        make_event(None, S.RECEIVED, data=data)
    assert isinstance(caught.value, BanshishiError)
    assert caught.value.field == field
