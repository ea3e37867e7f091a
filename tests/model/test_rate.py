"""Rate: exact counts, half-up percentages, and adding by counts."""

import decimal
import functools
import operator
from decimal import ROUND_HALF_UP, Decimal
from fractions import Fraction

import pytest
from hypothesis import given
from hypothesis import strategies as st

from banshishi import BanshishiError, InvalidCountError, InvalidTypeError, Rate
from strategies import rates

places = st.integers(min_value=0, max_value=6)

bounded_rates = st.integers(min_value=0, max_value=10**12).flatmap(
    lambda d: st.builds(Rate, st.integers(min_value=0, max_value=d), st.just(d))
)
rates_with_data = bounded_rates.filter(lambda r: r.denominator > 0)


def decimal_oracle(numerator: int, denominator: int, places: int) -> str:
    with decimal.localcontext() as context:
        context.prec = 200
        percent = Decimal(numerator) * 100 / Decimal(denominator)
        rounded = percent.quantize(Decimal(1).scaleb(-places), rounding=ROUND_HALF_UP)
    return f"{rounded:f}%"


@pytest.mark.parametrize(
    ("done", "items", "printed"),
    [
        (432, 1248, "34.6%"),
        (902, 2410, "37.4%"),
        (12471, 21776, "57.3%"),
        (168288, 291528, "57.7%"),
    ],
)
def test_the_published_figures_print_as_the_reports_printed_them(done, items, printed):
    assert Rate(done, items).format(places=1) == printed


@given(rate=rates, places=places)
def test_format_never_raises_for_a_valid_rate(rate, places):
    text = rate.format(places)
    assert text.endswith("%") if rate.has_data else text == "—"


@given(rate=rates_with_data, places=places)
def test_format_matches_a_decimal_half_up_oracle(rate, places):
    expected = decimal_oracle(rate.numerator, rate.denominator, places)
    assert rate.format(places) == expected


@given(places=places, half=st.integers(min_value=0), scale=st.integers(min_value=1, max_value=50))
def test_an_exact_tie_rounds_up(places, half, scale):
    denominator = 2 * 10 ** (places + 2)
    odd = (2 * half + 1) % denominator  # the percentage is exactly (k + 0.5) units of 10**-places
    rate = Rate(odd * scale, denominator * scale)
    k = odd // 2
    rounded_up = Decimal(k + 1).scaleb(-places)
    assert rate.format(places) == f"{rounded_up:f}%"
    assert rate.format(places) == decimal_oracle(rate.numerator, rate.denominator, places)


@given(left=bounded_rates, right=bounded_rates)
def test_adding_rates_adds_their_counts(left, right):
    total = left + right
    assert total == Rate(left.numerator + right.numerator, left.denominator + right.denominator)
    if total.has_data:
        assert total.value == Fraction(
            left.numerator + right.numerator, left.denominator + right.denominator
        )


@given(rate=rates)
def test_a_value_lies_between_zero_and_one(rate):
    if rate.has_data:
        assert 0 <= rate.value <= 1
        assert rate.value == Fraction(rate.numerator, rate.denominator)
        assert rate.shortfall == rate.denominator - rate.numerator


@given(many=st.lists(rates, min_size=1, max_size=8))
def test_sum_with_the_default_start_equals_the_pairwise_fold(many):
    folded = functools.reduce(operator.add, many)
    assert sum(many) == folded
    assert sum(many, Rate(0, 0)) == folded
    assert folded.numerator == sum(r.numerator for r in many)
    assert folded.denominator == sum(r.denominator for r in many)


@given(places=places)
def test_a_zero_denominator_formats_as_no_data_not_zero(places):
    empty = Rate(0, 0)
    assert not empty.has_data
    assert empty.value is None
    assert empty.format(places) == "—"
    assert empty.format(places, no_data="n/a") == "n/a"
    assert "0" not in empty.format(places)


@given(rate=rates)
def test_adding_a_no_data_rate_leaves_the_other_unchanged(rate):
    assert rate + Rate(0, 0) == rate
    assert Rate(0, 0) + rate == rate


@given(rate=rates_with_data)
def test_a_rate_with_data_never_prints_the_no_data_marker(rate):
    assert rate.has_data
    assert rate.format(no_data="NO DATA") != "NO DATA"


@pytest.mark.parametrize(
    ("numerator", "denominator", "field", "bad"),
    [
        (-1, 5, "Rate.numerator", -1),
        (0, -3, "Rate.denominator", -3),
        (6, 5, "Rate.numerator", 6),
    ],
)
def test_negative_counts_and_a_numerator_above_the_denominator_are_refused(
    numerator, denominator, field, bad
):
    with pytest.raises(InvalidCountError, match=field) as caught:
        Rate(numerator, denominator)
    assert caught.value.field == field
    assert caught.value.value == bad
    assert isinstance(caught.value, BanshishiError)
    assert isinstance(caught.value, ValueError)


@given(
    denominator=st.integers(min_value=0, max_value=10**6),
    excess=st.integers(min_value=1, max_value=10**6),
)
def test_any_numerator_above_its_denominator_is_refused(denominator, excess):
    with pytest.raises(InvalidCountError, match="larger than the denominator") as caught:
        Rate(denominator + excess, denominator)
    assert caught.value.value == denominator + excess


@pytest.mark.parametrize(
    ("numerator", "denominator", "field", "bad"),
    [
        (True, 1, "Rate.numerator", True),
        (0, False, "Rate.denominator", False),
        (1.0, 2, "Rate.numerator", 1.0),
        (1, 2.0, "Rate.denominator", 2.0),
        ("1", 2, "Rate.numerator", "1"),
    ],
)
def test_bool_float_and_text_counts_are_refused(numerator, denominator, field, bad):
    with pytest.raises(InvalidTypeError, match=field) as caught:
        Rate(numerator, denominator)
    assert caught.value.field == field
    assert caught.value.value == bad
    assert type(caught.value.value) is type(bad)


@pytest.mark.parametrize("bad_places", [-1, 1.0, True, "1", None])
def test_bad_places_are_refused(bad_places):
    with pytest.raises(InvalidTypeError, match=r"Rate\.format\.places") as caught:
        Rate(1, 3).format(bad_places)
    assert caught.value.field == "Rate.format.places"
    assert caught.value.value == bad_places
    assert type(caught.value.value) is type(bad_places)
    assert isinstance(caught.value, TypeError)


def test_bad_places_are_refused_even_without_data():
    with pytest.raises(InvalidTypeError, match="places"):
        Rate(0, 0).format(-1)


@pytest.mark.parametrize("other", [1, 1.5, "1", None, True])
def test_a_rate_does_not_add_to_anything_but_a_rate(other):
    with pytest.raises(TypeError):
        Rate(1, 2) + other
    with pytest.raises(TypeError):
        other + Rate(1, 2)


@given(rate=rates)
def test_str_shows_the_percentage_and_the_counts(rate):
    text = str(rate)
    assert f"{rate.numerator}/{rate.denominator}" in text
    assert rate.format() in text


@given(rate=rates)
def test_a_rate_is_a_frozen_value(rate):
    copy = Rate(rate.numerator, rate.denominator)
    assert copy == rate
    assert hash(copy) == hash(rate)
    with pytest.raises(AttributeError):
        rate.numerator = 0  # type: ignore[misc]
