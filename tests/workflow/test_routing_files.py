"""Routing catalogues as CSV and TOML files: round trips, and every bad row reported."""

import tempfile
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

from banshishi import (
    LedgerFileError,
    RoutingCatalogue,
    RoutingRule,
    TimeLimit,
    Track,
    read_routing_catalogue,
    write_routing_catalogue,
)
from banshishi._exchange.routing_files import (
    catalogue_csv,
    catalogue_from_csv,
    catalogue_from_toml,
    catalogue_toml,
)
from cast import UNITS

# Unit ids and category codes with the characters a file must carry: CJK, commas,
# quotes, a leading formula character, backslashes.
names = st.text(alphabet='ab,"=\\-局 ', min_size=1, max_size=6).map(str.strip).filter(bool)
rules = st.builds(
    RoutingRule,
    category=st.text(alphabet='03,"=\\', max_size=4),
    place=st.text(alphabet="0123456789", max_size=12),
    unit=names,
    co_units=st.lists(names.map("协".__add__), max_size=2, unique=True).map(tuple),
    track=st.none() | st.sampled_from(Track),
    time_limit=st.none() | st.integers(1, 30).map(TimeLimit.working_hours),
)
catalogues = st.lists(rules, max_size=6, unique_by=lambda rule: (rule.category, rule.place)).map(
    RoutingCatalogue
)


def renumbered(catalogue: RoutingCatalogue, start: int) -> RoutingCatalogue:
    return RoutingCatalogue(catalogue.rules, rows=tuple(range(start, start + len(catalogue))))


@given(catalogues)
def test_csv_and_toml_round_trips_give_the_same_catalogue(catalogue: RoutingCatalogue) -> None:
    from_csv = catalogue_from_csv(catalogue_csv(catalogue))
    from_toml = catalogue_from_toml(catalogue_toml(catalogue))
    assert from_csv == renumbered(catalogue, 2)  # the CSV header is row 1
    assert from_toml == renumbered(catalogue, 1)
    assert from_csv.rules == from_toml.rules


@given(catalogues)
def test_files_on_disk_read_back_as_written(catalogue: RoutingCatalogue) -> None:
    with tempfile.TemporaryDirectory() as folder:
        for name in ("catalogue.csv", "catalogue.toml"):
            path = write_routing_catalogue(catalogue, Path(folder) / name)
            assert read_routing_catalogue(path).rules == catalogue.rules


def problems_of(
    text: str, *, toml: bool = False, **options: object
) -> list[tuple[int, str, object]]:
    read = catalogue_from_toml if toml else catalogue_from_csv
    with pytest.raises(LedgerFileError) as caught:
        read(text, **options)  # type: ignore[arg-type]
    return [(problem.row, problem.column, problem.value) for problem in caught.value.problems]


def test_every_bad_csv_row_is_reported_with_its_row_column_and_value() -> None:
    text = (
        "问题分类编码,事发地,责任单位,协办单位,办理方式,办理时限\n"
        "0301,4401,county-transport,,共办,15个工作日\n"
        "0302,44x1,county-water,,,\n"  # a place that is not digits
        "0303,,county-water,,sometimes,\n"  # no such track
        "0304,,county-water,,,soon\n"  # no such time limit
        "0301,4401,county-finance,,,\n"  # the same prefixes as row 2
        "0305,,,,,\n"  # no unit
    )
    assert problems_of(text) == [
        (3, "事发地", "44x1"),
        (4, "办理方式", "sometimes"),
        (5, "办理时限", "soon"),
        (6, "问题分类编码", "0301"),
        (7, "责任单位", ""),
    ]


def test_a_tie_in_a_file_names_the_earlier_row() -> None:
    text = "category,place,unit\n03,44,a\n03,4401,b\n03,44,c\n"
    with pytest.raises(LedgerFileError) as caught:
        catalogue_from_csv(text, source="routing.csv")
    (problem,) = caught.value.problems
    assert (problem.row, problem.reason) == (4, "has the same category and place prefixes as row 2")
    assert caught.value.value == "routing.csv"


def test_toml_without_an_array_of_rules_is_refused() -> None:
    assert problems_of('title = "x"\n', toml=True) == [(0, "title", ["title"])]
    assert problems_of('rule = "x"\n', toml=True) == [(0, "rule", [])]


def test_unit_ids_are_checked_against_a_unit_tree_when_one_is_given() -> None:
    text = "category,unit,co_units\n01,county-transport,county-finance；nowhere\n02,somewhere,\n"
    assert problems_of(text, units=UNITS) == [(2, "co_units", "nowhere"), (3, "unit", "somewhere")]
    assert len(catalogue_from_csv(text)) == 2  # without a tree any id is taken


def test_a_bad_header_is_refused_before_any_row() -> None:
    assert problems_of("unit,colour\nx,red\n") == [(1, "colour", "colour")]
    assert problems_of("category\n03\n") == [(1, "", ["category"])]


def test_bad_toml_rules_are_reported_by_position_and_key() -> None:
    text = """
[[rule]]
category = "03"
unit = "county-transport"
co_units = ["county-finance"]
time_limit = "2 working hours"

[[rule]]
unit = 7

[[rule]]
unit = "county-water"
colour = "red"
"""
    assert problems_of(text, toml=True) == [(2, "unit", 7), (3, "colour", "red")]
    good = catalogue_from_toml(text.split("[[rule]]\nunit = 7")[0])
    assert good.rules[0].co_units == ("county-finance",)
    assert good.rules[0].time_limit == TimeLimit.working_hours(2)


def test_a_wrong_suffix_or_an_elapsed_limit_is_refused(tmp_path: Path) -> None:
    import datetime as dt

    from banshishi import InvalidValueError

    catalogue = RoutingCatalogue([RoutingRule(unit="u", time_limit=dt.timedelta(hours=2))])
    with pytest.raises(InvalidValueError, match=r"RoutingRule\.time_limit"):
        write_routing_catalogue(catalogue, tmp_path / "c.csv")
    assert not (tmp_path / "c.csv").exists()
    with pytest.raises(InvalidValueError, match=r"must end in \.csv, \.xlsx or \.toml"):
        read_routing_catalogue(tmp_path / "c.xls")
