"""Changing a built issue: every rule still holds, and a refused change changes nothing."""

import functools

import attrs
import pendulum
import pytest
from hypothesis import given
from hypothesis import strategies as st

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
    Issue,
    IssueStatus,
    Rating,
    Role,
    Track,
    structure,
    unstructure,
)
from cast import new_issue
from strategies import issues

T0 = pendulum.datetime(2026, 4, 7, 10, tz="Asia/Shanghai")
S = IssueStatus
ANSWER = Feedback(at=T0.add(days=1), content="已处理", method=FeedbackMethod.PHONE)


make_issue = functools.partial(new_issue, received_at=T0)


def event(at, from_status, to_status):
    return Event(
        name="step",
        actor="a",
        role=Role.HANDLER,
        at=at,
        from_status=from_status,
        to_status=to_status,
    )


def test_update_closes_an_answered_issue_in_one_step():
    issue = make_issue(status=S.ANSWERED, feedback=(ANSWER,))
    issue.update(status=S.CLOSED, closed_at=T0.add(days=2))
    assert (issue.status, issue.closed_at) == (S.CLOSED, T0.add(days=2))


def test_closing_by_single_assignments_is_refused_because_the_fields_must_agree():
    issue = make_issue(status=S.ANSWERED, feedback=(ANSWER,))
    with pytest.raises(InconsistentRecordError) as caught:
        issue.status = S.CLOSED
    assert (caught.value.field, caught.value.value) == ("Issue.status", S.CLOSED)
    with pytest.raises(InconsistentRecordError):
        issue.closed_at = T0.add(days=2)
    assert (issue.status, issue.closed_at) == (S.ANSWERED, None)


def test_a_refused_update_changes_no_field_at_all():
    issue = make_issue(status=S.ANSWERED, feedback=(ANSWER,))
    before = issue.as_record()
    with pytest.raises(ChronologyError):
        issue.update(
            title="新标题", status=S.CLOSED, closed_at=T0.add(hours=1)
        )  # before the answer
    assert issue.as_record() == before


def test_update_names_the_field_the_caller_changed_with_the_value_given():
    issue = make_issue(status=S.ANSWERED, feedback=(ANSWER,), deadline=T0.add(days=2))
    with pytest.raises(ChronologyError) as caught:
        issue.update(received_at=T0.add(days=3))
    assert (caught.value.field, caught.value.value) == ("Issue.received_at", T0.add(days=3))
    with pytest.raises(InconsistentRecordError) as caught:
        issue.update(feedback=())
    assert (caught.value.field, caught.value.value) == ("Issue.feedback", ())


def test_a_history_starting_from_a_closed_status_needs_an_answer_before_it():
    reopen = event(T0.add(days=2), S.CLOSED, S.IN_PROGRESS)
    with pytest.raises(ChronologyError) as caught:
        make_issue(status=S.IN_PROGRESS, history=(reopen,))
    assert caught.value.field == "Issue.history[0].at"
    issue = make_issue(status=S.IN_PROGRESS, history=(reopen,), feedback=(ANSWER,))
    assert issue.status_as_of(T0.add(days=1, hours=12)) is S.CLOSED


def test_a_field_cannot_be_deleted():
    issue = make_issue(deadline=T0.add(days=1))
    with pytest.raises(InvalidTypeError) as caught:
        del issue.deadline
    assert caught.value.field == "Issue.deadline"
    assert issue.deadline == T0.add(days=1)


def test_update_refuses_names_that_are_not_fields():
    issue = make_issue()
    with pytest.raises(InvalidValueError) as caught:
        issue.update(titel="x", colour="red")
    assert caught.value.field == "Issue.update"
    assert caught.value.value == ["colour", "titel"]


def test_a_status_that_contradicts_the_history_is_refused_and_update_moves_both():
    history = (event(T0, None, S.RECEIVED), event(T0.add(hours=1), S.RECEIVED, S.TRANSFERRED))
    issue = make_issue(status=S.TRANSFERRED, history=history)
    with pytest.raises(InconsistentRecordError):
        issue.status = S.DISMISSED
    step = event(T0.add(hours=2), S.TRANSFERRED, S.DISMISSED)
    issue.update(status=S.DISMISSED, history=(*history, step))
    assert issue.status_as_of() is issue.status_as_of(T0.add(years=5)) is S.DISMISSED


CROSS_FIELD_ASSIGNMENTS = [
    # (starting fields, field assigned, bad value, error class, field the error names)
    (
        {},
        "history",
        (event(T0.add(hours=2), None, S.RECEIVED), event(T0.add(hours=1), S.RECEIVED, S.RECEIVED)),
        ChronologyError,
        "Issue.history[1].at",
    ),
    (
        {},
        "feedback",
        (attrs.evolve(ANSWER, at=T0.subtract(days=1)),),
        ChronologyError,
        "Issue.feedback[0].at",
    ),
    (
        {},
        "evaluations",
        (Evaluation(issue_id="other", rating=Rating.SATISFIED, resolved=True, at=T0),),
        InconsistentRecordError,
        "Issue.evaluations[0].issue_id",
    ),
    (
        {"evaluations": (Evaluation(issue_id="i", rating=Rating.SATISFIED, resolved=True, at=T0),)},
        "id",
        "i2",
        InconsistentRecordError,
        "Issue.id",
    ),
    ({"responsible_unit": "u1"}, "co_units", ("u1",), InconsistentRecordError, "Issue.co_units"),
    (
        {"co_units": ("u1",)},
        "responsible_unit",
        "u1",
        InconsistentRecordError,
        "Issue.responsible_unit",
    ),
    (
        {"deadline": T0.add(days=1)},
        "received_at",
        T0.add(days=2),
        ChronologyError,
        "Issue.received_at",
    ),
    (
        {"status": S.ANSWERED, "feedback": (ANSWER,)},
        "feedback",
        (),
        InconsistentRecordError,
        "Issue.feedback",
    ),
    ({}, "status", S.ANSWERED, InconsistentRecordError, "Issue.status"),
    ({}, "closed_at", T0.add(days=2), ChronologyError, "Issue.closed_at"),
    ({}, "target_groups", (), InvalidTypeError, "Issue.target_groups"),
    ({}, "history", frozenset(), InvalidTypeError, "Issue.history"),
]


@pytest.mark.parametrize(("start", "name", "value", "error", "field"), CROSS_FIELD_ASSIGNMENTS)
def test_an_assignment_that_breaks_a_rule_is_refused_and_changes_nothing(
    start, name, value, error, field
):
    issue = make_issue(**start)
    before = issue.as_record()
    with pytest.raises(error) as caught:
        setattr(issue, name, value)
    assert caught.value.field == field
    assert issue.as_record() == before


def test_a_bad_urgency_is_reported_as_such_even_when_the_track_is_left_to_default():
    for urgency in ("urgent", None, 5):
        with pytest.raises(InvalidTypeError) as caught:
            make_issue(urgency=urgency)
        assert (caught.value.field, caught.value.value) == ("Issue.urgency", urgency)


CHANGES = st.sampled_from(
    [
        ("status", S.IN_PROGRESS),
        ("status", S.CLOSED),
        ("status", S.DISMISSED),
        ("closed_at", None),
        ("closed_at", T0.add(days=3)),
        ("feedback", ()),
        ("feedback", (ANSWER,)),
        ("history", ()),
        ("deadline", T0.subtract(days=1)),
        ("deadline", None),
        ("received_at", T0.add(days=30)),
        ("id", "renamed"),
        ("track", Track.SUPERVISED),
        ("co_units", ("u9",)),
        ("responsible_unit", "u9"),
    ]
)


@given(issues(), st.lists(st.tuples(CHANGES, st.booleans()), max_size=6))
def test_any_sequence_of_changes_keeps_a_record_that_can_be_rebuilt(issue, changes):
    for (name, value), batch_with_status in changes:
        before = issue.as_record()
        update = {name: value}
        if batch_with_status and name != "status":
            update["status"] = (
                S.CLOSED if value is not None and name == "closed_at" else issue.status
            )
        try:
            if len(update) == 1:
                setattr(issue, name, value)
            else:
                issue.update(**update)
        except BanshishiError:
            assert issue.as_record() == before
        # Whatever happened, the issue is one that could have been built, and survives JSON.
        assert Issue(**issue.as_record()) == issue
        assert structure(unstructure(issue), Issue) == issue
