"""Time limits (TimeLimit): amounts of working days, working hours or calendar time,
read from text in English or Chinese.

Every expected deadline below is derived by hand from the State Council's 2025 and
2026 schedules, not read off the library; the comment next to each one shows the
count (the days of 2026 that differ from an ordinary week are listed in
tests/working_time.py). Office hours are 09:00-12:00 and 13:30-17:30 (seven hours
a day) in Asia/Shanghai unless a test says otherwise.
"""

import pytest
from hypothesis import given
from hypothesis import strategies as st

from banshishi import (
    BanshishiError,
    InvalidTypeError,
    InvalidValueError,
    LimitUnit,
    TimeLimit,
)
from working_time import DAYS, HRS

# -- 1. TimeLimit ----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("1 working day", DAYS(1)),
        ("15 working days", DAYS(15)),
        ("2 working hours", HRS(2)),
        ("1 working hour", HRS(1)),
        ("15个工作日", DAYS(15)),
        ("15工作日", DAYS(15)),
        ("2个工作小时", HRS(2)),
        ("  3   Working   Days ", DAYS(3)),
        ("7 WORKING HOURS", HRS(7)),
        ("015 working days", DAYS(15)),
    ],
)
def test_time_limit_parses_english_and_chinese(text: str, expected: TimeLimit) -> None:
    assert TimeLimit.parse(text) == expected


def test_time_limit_writes_the_english_form_singular_and_plural() -> None:
    assert str(DAYS(1)) == "1 working day"
    assert str(DAYS(15)) == "15 working days"
    assert str(HRS(1)) == "1 working hour"
    assert str(HRS(2)) == "2 working hours"
    assert TimeLimit(2, LimitUnit.WORKING_HOURS) == HRS(2)


@given(amount=st.integers(min_value=1, max_value=100_000), unit=st.sampled_from(LimitUnit))
def test_time_limit_text_round_trips(amount: int, unit: LimitUnit) -> None:
    limit = TimeLimit(amount, unit)
    assert TimeLimit.parse(str(limit)) == limit
    assert TimeLimit.parse(f"{amount}个{unit.label}") == limit  # 工作日 / 工作小时
    assert (limit.amount, limit.unit) == (amount, unit)


@pytest.mark.parametrize(
    "text",
    [
        "",
        "   ",
        "1",
        "working days",
        "1 day",
        "1 working week",
        "-1 working days",
        "1.5 working days",
        "1,000 working days",
        "15 working days, please",
        "1工作周",
        "个工作日",
    ],
)
def test_time_limit_refuses_text_that_is_not_a_limit(text: str) -> None:
    with pytest.raises(InvalidValueError) as caught:
        TimeLimit.parse(text)
    assert caught.value.field == "TimeLimit"
    assert caught.value.value == text


@pytest.mark.parametrize("text", ["0 working days", "0个工作小时"])
def test_time_limit_refuses_zero_in_text(text: str) -> None:
    with pytest.raises(InvalidValueError) as caught:
        TimeLimit.parse(text)
    assert (caught.value.field, caught.value.value) == ("TimeLimit.amount", 0)


@pytest.mark.parametrize("value", [b"1 working day", 1, None, DAYS(1)])
def test_time_limit_parse_refuses_anything_but_text(value: object) -> None:
    with pytest.raises(InvalidTypeError) as caught:
        TimeLimit.parse(value)  # type: ignore[arg-type]
    assert caught.value.field == "TimeLimit"


@pytest.mark.parametrize(
    ("amount", "error"),
    [
        (0, InvalidValueError),
        (-1, InvalidValueError),
        (True, InvalidTypeError),  # a bool is not a count
        (False, InvalidTypeError),
        (1.0, InvalidTypeError),
        ("1", InvalidTypeError),
    ],
)
def test_time_limit_refuses_amounts_that_are_not_positive_whole_numbers(
    amount: object, error: type[BanshishiError]
) -> None:
    for unit in LimitUnit:
        with pytest.raises(error) as caught:
            TimeLimit(amount, unit)  # type: ignore[arg-type]
        assert type(caught.value) is error
        assert caught.value.field == "TimeLimit.amount"


def test_time_limit_refuses_a_unit_given_as_text() -> None:
    with pytest.raises(InvalidTypeError) as caught:
        TimeLimit(1, "working_days")  # type: ignore[arg-type]
    assert caught.value.field == "TimeLimit.unit"
