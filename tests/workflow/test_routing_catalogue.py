"""The routing catalogue (派单目录): the most specific rule wins, ties are refused."""

import datetime as dt
from random import Random

import pytest
from hypothesis import given
from hypothesis import strategies as st

from banshishi import (
    DuplicateError,
    InvalidValueError,
    Issue,
    Location,
    NotFoundError,
    RoutingCatalogue,
    RoutingDecision,
    RoutingRule,
    TimeLimit,
    Track,
)
from cast import UNITS, new_issue

UNIT_IDS = ("county-transport", "county-water", "county-finance", "agri-bank")

categories = st.text(alphabet="0123", max_size=4)
places = st.text(alphabet="012", max_size=6)
rules = st.builds(
    RoutingRule,
    category=categories,
    place=places,
    unit=st.sampled_from(UNIT_IDS),
    track=st.none() | st.sampled_from(Track),
    time_limit=st.none() | st.integers(1, 20).map(TimeLimit.working_days),
)
catalogues_rules = st.lists(rules, max_size=12, unique_by=lambda rule: (rule.category, rule.place))
issue_categories = st.text(alphabet="0123", max_size=6)
division_codes = st.none() | st.text(alphabet="012", min_size=6, max_size=6)


def reference(rules: list[RoutingRule], category: str, code: str | None) -> RoutingDecision | None:
    """Brute force: every matching rule, the longest category prefix and then the
    longest place prefix first."""
    matching = [
        (len(rule.category), len(rule.place), row, rule)
        for row, rule in enumerate(rules, start=1)
        if category.startswith(rule.category)
        and (rule.place == "" if code is None else code.startswith(rule.place))
    ]
    if not matching:
        return None
    *_, row, rule = max(matching, key=lambda found: found[:2])
    return RoutingDecision(rule=rule, row=row)


def issue_at(category: str, code: str | None) -> Issue:
    location = None if code is None else Location(division_code=code)
    return new_issue(category=category, location=location)


@given(catalogues_rules, issue_categories, division_codes)
def test_route_gives_the_most_specific_matching_rule(
    found: list[RoutingRule], category: str, code: str | None
) -> None:
    catalogue = RoutingCatalogue(found)
    assert catalogue.route(issue_at(category, code)) == reference(found, category, code)


@given(catalogues_rules, st.randoms(use_true_random=False), issue_categories, division_codes)
def test_the_order_of_rows_does_not_change_the_rule_chosen(
    found: list[RoutingRule], random: Random, category: str, code: str | None
) -> None:
    shuffled = list(found)
    random.shuffle(shuffled)
    first = RoutingCatalogue(found).route_code(category, code)
    second = RoutingCatalogue(shuffled).route_code(category, code)
    assert (first and first.rule) == (second and second.rule)


@given(catalogues_rules.filter(bool), st.data())
def test_two_rules_with_the_same_prefixes_are_refused_naming_both_rows(
    found: list[RoutingRule], data: st.DataObject
) -> None:
    original = data.draw(st.integers(0, len(found) - 1))
    twin = RoutingRule(
        category=found[original].category, place=found[original].place, unit="county-water"
    )
    at = data.draw(st.integers(0, len(found)))
    with_twin = [*found[:at], twin, *found[at:]]
    rows = sorted([original + 1 + (original >= at), at + 1])
    with pytest.raises(DuplicateError, match=f"rows {rows[0]} and {rows[1]} ") as caught:
        RoutingCatalogue(with_twin)
    assert caught.value.value == (twin.category, twin.place)


def test_an_issue_without_a_place_matches_only_rules_for_every_place() -> None:
    catalogue = RoutingCatalogue(
        [
            RoutingRule(category="03", place="4401", unit="county-transport"),
            RoutingRule(category="", place="", unit="county-water"),
        ]
    )
    decision = catalogue.route(new_issue(category="0301"))
    assert decision == RoutingDecision(rule=catalogue.rules[1], row=2)


def test_a_longer_category_prefix_beats_a_longer_place_prefix() -> None:
    by_place = RoutingRule(category="03", place="440103", unit="county-water")
    by_category = RoutingRule(category="0301", place="", unit="county-transport")
    decision = RoutingCatalogue([by_place, by_category]).route_code("030105", "440103001")
    assert decision == RoutingDecision(rule=by_category, row=2)


def test_no_matching_rule_routes_to_none() -> None:
    catalogue = RoutingCatalogue([RoutingRule(category="09", unit="county-water")])
    assert catalogue.route(new_issue(category="0301")) is None


def test_rows_name_the_decision_and_must_number_every_rule_once() -> None:
    rule = RoutingRule(unit="county-water")
    assert RoutingCatalogue([rule], rows=(7,)).route_code("x", None) == RoutingDecision(
        rule=rule, row=7
    )
    with pytest.raises(InvalidValueError, match=r"RoutingCatalogue\.rows"):
        RoutingCatalogue([rule], rows=(1, 2))


@pytest.mark.parametrize(
    ("fields", "field"),
    [
        ({"place": "44a1"}, "RoutingRule.place"),
        ({"place": "4" * 13}, "RoutingRule.place"),
        ({"category": " 03"}, "RoutingRule.category"),
        ({"unit": " "}, "RoutingRule.unit"),
        ({"co_units": ("county-transport",)}, "RoutingRule.co_units"),
        ({"time_limit": "soon"}, "RoutingRule.time_limit"),
        ({"time_limit": dt.timedelta(0)}, "RoutingRule.time_limit"),
    ],
)
def test_a_bad_rule_is_refused_naming_its_field(fields: dict[str, object], field: str) -> None:
    with pytest.raises(InvalidValueError) as caught:
        RoutingRule(**{"unit": "county-transport", **fields})  # type: ignore[arg-type]
    assert caught.value.field == field


def test_a_rule_takes_a_time_limit_as_the_policy_does() -> None:
    assert RoutingRule(unit="u", time_limit="15个工作日").time_limit == TimeLimit.working_days(15)
    assert RoutingRule(unit="u", time_limit=dt.timedelta(hours=2)).time_limit == dt.timedelta(
        hours=2
    )


def test_units_are_checked_against_a_unit_tree() -> None:
    catalogue = RoutingCatalogue(
        [RoutingRule(unit="county-transport", co_units=("nowhere",))], rows=(3,)
    )
    with pytest.raises(NotFoundError, match="row 3") as caught:
        catalogue.check_units(UNITS)
    assert caught.value.value == "nowhere"
