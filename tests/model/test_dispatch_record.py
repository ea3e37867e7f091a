"""Dispatch (二级/三级承办): one hand-down of the work to a unit under the one
holding it, checked whole, and read as it stood at a moment."""

from typing import Any

import attrs
import pytest
from hypothesis import given
from hypothesis import strategies as st

from banshishi import (
    ChronologyError,
    Dispatch,
    InconsistentRecordError,
    InvalidTypeError,
    InvalidValueError,
    NaiveDatetimeError,
    structure,
    unstructure,
    withheld,
)
from cast import T0, new_issue

DUE = T0.add(days=3)


def dispatch(**fields: Any) -> Dispatch:
    values: dict[str, Any] = {
        "level": 2,
        "unit": "street",
        "from_unit": "district",
        "dispatched_at": T0.add(hours=1),
        "deadline": DUE,
    }
    return Dispatch(**{**values, **fields})


def test_a_new_dispatch_is_open_and_not_yet_on_time() -> None:
    made = dispatch(requirements="核实")
    assert made.is_open
    assert not made.on_time
    assert made.answer == made.reason == ""


def test_an_answer_by_the_deadline_is_on_time_and_one_after_it_is_not() -> None:
    assert dispatch(answered_at=DUE, answer="已修复").on_time
    late = dispatch(answered_at=DUE.add(minutes=1), answer="已修复")
    assert not late.on_time
    assert not late.is_open


def test_a_handed_back_dispatch_is_closed_and_never_on_time() -> None:
    back = dispatch(returned_at=T0.add(hours=2), reason="不属本街道")
    assert not back.is_open
    assert not back.on_time


@pytest.mark.parametrize(
    ("fields", "error", "field"),
    [
        ({"level": 1}, InvalidValueError, "Dispatch.level"),
        ({"level": True}, InvalidTypeError, "Dispatch.level"),
        ({"unit": ""}, InvalidValueError, "Dispatch.unit"),
        ({"unit": "district"}, InconsistentRecordError, "Dispatch.unit"),
        ({"deadline": T0.add(hours=1)}, ChronologyError, "Dispatch.deadline"),
        ({"deadline": T0}, ChronologyError, "Dispatch.deadline"),
        ({"answered_at": T0, "answer": "x"}, ChronologyError, "Dispatch.answered_at"),
        ({"returned_at": T0, "reason": "x"}, ChronologyError, "Dispatch.returned_at"),
        ({"answered_at": DUE}, InconsistentRecordError, "Dispatch.answer"),
        ({"answer": "已修复"}, InconsistentRecordError, "Dispatch.answer"),
        ({"returned_at": DUE, "reason": "  "}, InconsistentRecordError, "Dispatch.reason"),
        ({"reason": "不属本街道"}, InconsistentRecordError, "Dispatch.reason"),
        (
            {"answered_at": DUE, "answer": "a", "returned_at": DUE, "reason": "r"},
            InconsistentRecordError,
            "Dispatch.returned_at",
        ),
    ],
)
def test_an_inconsistent_dispatch_is_refused_naming_the_field(
    fields: dict[str, Any], error: type[Exception], field: str
) -> None:
    with pytest.raises(error) as caught:
        dispatch(**fields)
    assert type(caught.value) is error
    assert caught.value.field == field  # type: ignore[attr-defined]


def test_a_naive_moment_is_refused() -> None:
    with pytest.raises(NaiveDatetimeError):
        dispatch(deadline=DUE.naive())


def test_as_of_reads_the_dispatch_as_it_stood() -> None:
    answered = dispatch(answered_at=T0.add(hours=5), answer="已修复")
    assert answered.as_of(T0) is None
    assert answered.as_of(T0.add(hours=4)) == dispatch()
    assert answered.as_of(T0.add(hours=5)) == answered
    back = dispatch(returned_at=T0.add(hours=5), reason="不属本街道")
    assert back.as_of(T0.add(hours=2)) == dispatch()


def test_overdue_only_while_open_past_the_deadline() -> None:
    made = dispatch()
    assert not made.overdue_at(DUE)
    assert made.overdue_at(DUE.add(seconds=1))
    late = dispatch(answered_at=DUE.add(days=1), answer="已修复")
    assert late.overdue_at(DUE.add(hours=1))  # open then, past its deadline
    assert not late.overdue_at(DUE.add(days=2))  # answered by then, though late
    assert not made.overdue_at(T0)  # not yet made


@given(st.integers(0, 200), st.integers(0, 200))
def test_as_of_closes_exactly_from_the_answer_on(answer_hour: int, asked_hour: int) -> None:
    made = dispatch(
        dispatched_at=T0, deadline=T0.add(hours=100), answered_at=T0.add(hours=answer_hour),
        answer="已修复",
    )  # fmt: skip
    stood = made.as_of(T0.add(hours=asked_hour))
    assert stood is not None
    assert stood.is_open is (asked_hour < answer_hour)


def test_an_issue_reads_its_dispatches_as_of_a_moment_and_through_json() -> None:
    first = dispatch(answered_at=T0.add(hours=3), answer="已修复")
    second = dispatch(level=3, unit="community", from_unit="street", dispatched_at=T0.add(hours=2))
    issue = new_issue(dispatches=(first, second))
    assert issue.dispatches_as_of(None) == (first, second)
    assert issue.dispatches_as_of(T0) == ()
    assert issue.dispatches_as_of(T0.add(hours=2)) == (dispatch(), second)
    assert issue.dispatches_as_of(T0.add(hours=3)) == (first, second)
    assert structure(unstructure(issue), type(issue)) == issue
    with pytest.raises(InvalidTypeError):
        attrs.evolve(issue, dispatches=({"level": 2},))


def test_a_confidential_issue_shows_its_dispatch_texts_withheld() -> None:
    answered = dispatch(requirements="入户核实张三家", answered_at=DUE, answer="张三家已修")
    back = dispatch(level=3, unit="c", from_unit="street", returned_at=DUE, reason="张三不在")
    shown = withheld(new_issue(confidential=True, dispatches=(answered, back)))
    assert [(d.requirements, d.answer, d.reason) for d in shown.dispatches] == [
        ("", "保密", ""),
        ("", "", "保密"),
    ]
    assert [(d.unit, d.answered_at, d.returned_at) for d in shown.dispatches] == [
        ("street", DUE, None),
        ("c", None, DUE),
    ]
    assert withheld(new_issue(dispatches=(answered,))).dispatches == (answered,)
