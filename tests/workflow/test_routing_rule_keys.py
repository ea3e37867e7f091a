"""The key of a routing rule: its catalogue number (事项编号) if it has one, else
its two prefixes; unique in a catalogue and in a file, and kept by both formats."""

import pytest
from hypothesis import given
from hypothesis import strategies as st

from banshishi import DuplicateError, LedgerFileError, RoutingCatalogue, RoutingRule
from banshishi._exchange.routing_files import (
    catalogue_csv,
    catalogue_from_csv,
    catalogue_from_toml,
    catalogue_toml,
)


def test_a_rule_without_an_id_is_keyed_by_its_prefixes_with_a_star_for_any():
    assert RoutingRule(category="0301", place="4401", unit="u").key == "0301/4401"
    assert RoutingRule(place="4401", unit="u").key == "*/4401"
    assert RoutingRule(unit="u").key == "*/*"
    assert RoutingRule(category="03", unit="u", id="BJ-017").key == "BJ-017"


def test_two_rules_with_one_key_are_refused_naming_both_rows():
    with pytest.raises(DuplicateError, match="rows 1 and 2 have the same id 'R-1'"):
        RoutingCatalogue(
            [RoutingRule(category="01", unit="a", id="R-1"), RoutingRule(unit="b", id="R-1")]
        )
    # An id may not take the key another rule has by its prefixes either.
    with pytest.raises(DuplicateError, match="'03/\\*'"):
        RoutingCatalogue([RoutingRule(category="03", unit="a"), RoutingRule(unit="b", id="03/*")])


def test_a_file_reports_a_repeated_id_as_a_problem_of_the_later_row():
    text = "事项编号,问题分类编码,责任单位\nR-1,01,a\nR-2,02,b\nR-1,03,c\n"
    with pytest.raises(LedgerFileError) as caught:
        catalogue_from_csv(text)
    (problem,) = caught.value.problems
    assert (problem.row, problem.column, problem.value) == (4, "事项编号", "R-1")
    assert problem.reason == "has the same id as row 2"


ids = st.none() | st.text(alphabet="R-0123456789局", min_size=1, max_size=5)


@given(st.lists(ids, min_size=1, max_size=5))
def test_ids_survive_csv_and_toml(given_ids):
    rules = [
        RoutingRule(category=f"{index:02d}", unit="u", id=rule_id)
        for index, rule_id in enumerate(given_ids)
    ]
    keys = [rule.key for rule in rules]
    if len(set(keys)) < len(keys):
        with pytest.raises(DuplicateError):
            RoutingCatalogue(rules)
        return
    catalogue = RoutingCatalogue(rules)
    assert catalogue_from_csv(catalogue_csv(catalogue)).rules == catalogue.rules
    assert catalogue_from_toml(catalogue_toml(catalogue)).rules == catalogue.rules
