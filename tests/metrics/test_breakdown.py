"""Breakdown: a rate together with the items it was counted from."""

import attrs
import pytest
from hypothesis import given
from hypothesis import strategies as st

from banshishi import Breakdown, InvalidCountError, InvalidTypeError, Person, Rate
from strategies import people


class Item:
    """A distinct object that compares equal to any item with the same label."""

    def __init__(self, label: str, done: bool) -> None:
        self.label = label
        self.done = done

    def __eq__(self, other: object) -> bool:
        return isinstance(other, Item) and other.label == self.label

    def __hash__(self) -> int:
        return hash(self.label)

    def __repr__(self) -> str:
        return f"Item({self.label!r}, {self.done})"


items = st.lists(st.builds(Item, st.sampled_from(["a", "b", "c"]), st.booleans()), max_size=12).map(
    tuple
)


def is_done(item: Item) -> bool:
    return item.done


def breakdown_of(things: tuple[Item, ...]) -> Breakdown[Item]:
    return Breakdown.of(things, is_done)


breakdowns = items.map(breakdown_of)


@given(things=items)
def test_the_rate_counts_the_items_picked_out_of_the_denominator(things):
    breakdown = Breakdown.of(things, is_done)
    assert breakdown.denominator == things
    assert all(a is b for a, b in zip(breakdown.denominator, things, strict=True))
    assert breakdown.rate == Rate(sum(t.done for t in things), len(things))
    assert [id(t) for t in breakdown.numerator] == [id(t) for t in things if t.done]


@given(things=items)
def test_the_shortfall_is_the_items_not_counted_in_denominator_order(things):
    breakdown = Breakdown.of(things, is_done)
    expected = [t for t in things if not t.done]
    assert [id(t) for t in breakdown.shortfall] == [id(t) for t in expected]
    assert len(breakdown.shortfall) == breakdown.rate.shortfall


def test_the_shortfall_tells_equal_but_distinct_items_apart():
    first = Person(id="p-1", name="王芳")
    twin = Person(id="p-1", name="王芳")
    assert first == twin
    assert first is not twin
    breakdown = Breakdown.of([first, twin], lambda person: person is first)
    assert breakdown.rate == Rate(1, 2)
    assert len(breakdown.shortfall) == 1
    assert breakdown.shortfall[0] is twin


@given(person=people)
def test_an_item_counted_once_is_not_in_the_shortfall_even_if_listed_again(person):
    copy = attrs.evolve(person)
    breakdown = Breakdown(numerator=(person,), denominator=(person, copy))
    assert len(breakdown.shortfall) == 1
    assert breakdown.shortfall[0] is copy


def test_of_reads_a_one_shot_iterable_once():
    generated = (Item(str(n), n % 3 == 0) for n in range(10))
    breakdown = Breakdown.of(generated, is_done)
    assert len(breakdown.denominator) == 10
    assert breakdown.rate == Rate(4, 10)
    assert [t.label for t in breakdown.shortfall] == ["1", "2", "4", "5", "7", "8"]


@given(things=items, left_out=items)
def test_of_keeps_the_excluded_items_out_of_the_rate(things, left_out):
    breakdown = Breakdown.of(things, is_done, excluded=iter(left_out))
    assert breakdown.excluded == left_out
    assert breakdown.rate.denominator == len(things)


@given(left=breakdowns, right=breakdowns)
def test_adding_breakdowns_concatenates_their_items(left, right):
    total = left + right
    assert total.numerator == left.numerator + right.numerator
    assert total.denominator == left.denominator + right.denominator
    assert total.excluded == left.excluded + right.excluded
    assert [id(t) for t in total.shortfall] == [id(t) for t in left.shortfall + right.shortfall]


@given(left=breakdowns, right=breakdowns)
def test_the_rate_of_a_sum_is_the_sum_of_the_rates(left, right):
    assert (left + right).rate == left.rate + right.rate


@given(many=st.lists(breakdowns, min_size=1, max_size=5))
def test_summing_many_breakdowns_sums_their_rates(many):
    total = sum(many[1:], many[0])
    assert total.rate == sum(b.rate for b in many)


@pytest.mark.parametrize("other", [Rate(1, 2), (), 0, None])
def test_a_breakdown_only_adds_to_a_breakdown(other):
    with pytest.raises(TypeError):
        Breakdown(numerator=(), denominator=()) + other


@given(breakdown=breakdowns, places=st.integers(min_value=0, max_value=6))
def test_format_is_the_rates_format(breakdown, places):
    assert breakdown.format(places) == breakdown.rate.format(places)
    assert breakdown.format(places, no_data="n/a") == breakdown.rate.format(places, no_data="n/a")
    assert str(breakdown) == str(breakdown.rate)


def test_an_empty_breakdown_formats_as_no_data():
    empty = Breakdown.of([], is_done, excluded=[Item("x", True)])
    assert empty.format() == "—"
    assert empty.format(no_data="无数据") == "无数据"
    assert empty.shortfall == ()


def test_a_numerator_longer_than_the_denominator_is_refused_on_construction():
    stray = Item("x", True)
    with pytest.raises(InvalidCountError, match=r"Rate\.numerator") as caught:
        Breakdown(numerator=(stray, stray), denominator=(stray,))
    assert caught.value.field == "Rate.numerator"
    assert caught.value.value == 2


def test_breakdowns_hold_tuples_only():
    with pytest.raises(InvalidTypeError) as caught:
        Breakdown(numerator=[1], denominator=(1, 2))
    assert (caught.value.field, caught.value.value) == ("Breakdown.numerator", [1])


def test_sum_of_breakdowns_starts_from_zero_and_adds_items():
    a, b = Item("a", True), Item("b", False)
    parts = [Breakdown.of([a], lambda i: i.done), Breakdown.of([b], lambda i: i.done)]
    total = sum(parts)
    assert total.denominator == (a, b)
    assert total.shortfall == (b,)


def test_a_breakdown_is_frozen():
    breakdown = Breakdown(numerator=(), denominator=())
    with pytest.raises(attrs.exceptions.FrozenInstanceError):
        breakdown.numerator = (Item("a", True),)  # type: ignore[misc]
