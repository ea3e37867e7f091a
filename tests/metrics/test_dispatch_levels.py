"""Figures by level of dispatch (二级/三级承办): each dispatch counted once, at its
level, as it stood at the moment asked; checked against a brute-force count over
random histories and against hand-made cases."""

from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from banshishi import (
    Dispatch,
    DispatchLevelFigures,
    InconsistentRecordError,
    InvalidTypeError,
    InvalidValueError,
    Ledger,
    NaiveDatetimeError,
    Rate,
    dispatch_figures,
)
from banshishi.testing.strategies import issue_histories
from cast import T0, new_issue

DUE = T0.add(days=3)


def dispatch(**fields: Any) -> Dispatch:
    values: dict[str, Any] = {
        "level": 2, "unit": "street", "from_unit": "district",
        "dispatched_at": T0.add(hours=1), "deadline": DUE,
    }  # fmt: skip
    return Dispatch(**{**values, **fields})


ON_TIME = dispatch(answered_at=T0.add(days=1), answer="已修复")
LATE = dispatch(answered_at=DUE.add(days=1), answer="已修复")
BACK = dispatch(returned_at=T0.add(hours=5), reason="不属本街道")
OPEN3 = dispatch(level=3, unit="community", from_unit="street", dispatched_at=T0.add(hours=2))


def test_each_level_counts_its_dispatches_as_they_stood() -> None:
    issues = [new_issue("a", dispatches=(ON_TIME, OPEN3)), new_issue("b", dispatches=(LATE, BACK))]
    at = DUE.add(hours=1)  # LATE not yet answered, OPEN3 past its deadline
    figures = dispatch_figures(issues, at)
    assert list(figures) == [2, 3]
    assert figures[2] == DispatchLevelFigures(
        level=2, dispatched=3, answered=1, answered_on_time=1, handed_back=1, overdue=1
    )
    assert figures[3] == DispatchLevelFigures(level=3, dispatched=1, overdue=1)
    later = dispatch_figures(issues, DUE.add(days=2))[2]
    assert (later.answered, later.answered_on_time, later.overdue) == (2, 1, 0)
    assert later.on_time_rate == Rate(1, 2)
    assert later.hand_back_rate == Rate(1, 3)
    assert later.answer_rate == Rate(2, 3)
    assert later.open == 0


def test_nothing_dispatched_yet_gives_no_levels() -> None:
    assert dispatch_figures([new_issue("a", dispatches=(ON_TIME,))], T0) == {}
    assert dispatch_figures([], T0) == {}


def test_bad_input_is_refused_naming_it() -> None:
    with pytest.raises(InvalidTypeError) as caught:
        dispatch_figures([new_issue("a"), "b"], T0)  # type: ignore[list-item]
    assert caught.value.field == "dispatch_figures.issues[1]"
    with pytest.raises(NaiveDatetimeError):
        dispatch_figures([], T0.naive())
    with pytest.raises(InconsistentRecordError) as caught:
        DispatchLevelFigures(level=2, dispatched=1, answered=1, answered_on_time=2)
    assert caught.value.field == "DispatchLevelFigures.answered_on_time"
    with pytest.raises(InconsistentRecordError) as caught:
        DispatchLevelFigures(level=2, dispatched=1, answered=1, handed_back=1)
    assert caught.value.field == "DispatchLevelFigures.dispatched"
    with pytest.raises(InvalidValueError):
        DispatchLevelFigures(level=1)


def test_figures_of_one_level_add_up_and_other_levels_do_not() -> None:
    one = DispatchLevelFigures(level=2, dispatched=2, answered=1, answered_on_time=1)
    two = DispatchLevelFigures(level=2, dispatched=3, handed_back=1, overdue=2)
    assert one + two == DispatchLevelFigures(
        level=2, dispatched=5, answered=1, answered_on_time=1, handed_back=1, overdue=2
    )
    with pytest.raises(InvalidTypeError):
        one + DispatchLevelFigures(level=3)


def brute_force(issues: list[Any], at: Any) -> dict[int, list[int]]:
    """The five counts per level, read off each dispatch's own moments."""
    counts: dict[int, list[int]] = {}
    for issue in issues:
        for made in issue.dispatches:
            if made.dispatched_at > at:
                continue
            answered = made.answered_at is not None and made.answered_at <= at
            back = made.returned_at is not None and made.returned_at <= at
            row = counts.setdefault(made.level, [0] * 5)
            row[0] += 1
            row[1] += answered
            row[2] += answered and made.answered_at <= made.deadline
            row[3] += back
            row[4] += not answered and not back and at > made.deadline
    return counts


@settings(max_examples=20, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(issue_histories(max_steps=20), min_size=1, max_size=3), st.integers(0, 60))
def test_figures_agree_with_a_brute_force_count(histories: list[Any], days: int) -> None:
    records = []
    for history in histories:  # each on its own ledger: their ids may repeat
        ledger = Ledger(policy=history.policy)
        history.apply_to(ledger)
        records.append(ledger.issue(history.issue.id))
    at = min(record.received_at for record in records).add(days=days)
    figures = dispatch_figures(records, at)
    expected = brute_force(records, at)
    assert {level: [getattr(f, name) for name in NAMES] for level, f in figures.items()} == (
        expected
    )
    made = sum(1 for record in records for d in record.dispatches if d.dispatched_at <= at)
    assert sum(f.dispatched for f in figures.values()) == made  # each counted once


NAMES = ("dispatched", "answered", "answered_on_time", "handed_back", "overdue")
