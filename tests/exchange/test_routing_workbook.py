"""Routing catalogues in XLSX workbooks: read as the CSV of the same rows is read,
with the same row problems, and the problems only a sheet's cells can have."""

import datetime as dt
import tempfile
from collections.abc import Sequence
from pathlib import Path

import openpyxl
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from banshishi import (
    LedgerFileError,
    RoutingCatalogue,
    RoutingRule,
    TimeLimit,
    Track,
    read_routing_catalogue,
)
from banshishi._exchange.routing_files import catalogue_csv, catalogue_from_csv
from cast import UNITS

HEADER = ["问题分类编码", "事发地", "责任单位", "协办单位", "办理方式", "办理时限"]

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
catalogues = st.lists(rules, max_size=5, unique_by=lambda rule: (rule.category, rule.place)).map(
    RoutingCatalogue
)


def workbook(path: Path, rows: Sequence[Sequence[object]], *, title: str = "派单目录") -> Path:
    """A workbook whose one sheet holds ``rows``, text kept as text (never a formula)."""
    book = openpyxl.Workbook()
    sheet = book.active
    assert sheet is not None
    sheet.title = title
    for number, row in enumerate(rows, start=1):
        for column, value in enumerate(row, start=1):
            if value is None or value == "":
                continue
            cell = sheet.cell(row=number, column=column, value=value)
            if isinstance(value, str):
                cell.data_type = "s"
    book.save(path)
    return path


def csv_rows(text: str) -> list[list[str]]:
    import csv
    import io

    from banshishi._core.csv_text import unguard

    return [[unguard(cell) for cell in row] for row in csv.reader(io.StringIO(text))]


@settings(max_examples=25, deadline=None)
@given(catalogues)
def test_a_workbook_reads_as_the_csv_of_the_same_rows(catalogue: RoutingCatalogue) -> None:
    text = catalogue_csv(catalogue)
    with tempfile.TemporaryDirectory() as folder:
        path = workbook(Path(folder) / "routing.xlsx", csv_rows(text.removeprefix("\ufeff")))
        from_sheet = read_routing_catalogue(path)
    assert from_sheet == catalogue_from_csv(text)
    assert from_sheet.rules == catalogue.rules
    assert from_sheet.rows == tuple(range(2, len(catalogue) + 2))


def problems(path: Path, **options: object) -> list[tuple[int, str, object]]:
    with pytest.raises(LedgerFileError) as caught:
        read_routing_catalogue(path, **options)  # type: ignore[arg-type]
    assert caught.value.field == "routing catalogue"
    return [(problem.row, problem.column, problem.value) for problem in caught.value.problems]


BAD_ROWS = [
    HEADER,
    ["0301", "4401", "county-transport", "", "共办", "15个工作日"],
    ["0302", "44x1", "county-water", "", "", ""],
    ["0303", "", "county-water", "", "sometimes", ""],
    ["0304", "", "county-water", "", "", "soon"],
    ["0301", "4401", "county-finance", "", "", ""],
    ["0305", "", "", "", "", ""],
]


def test_bad_rows_in_a_sheet_are_the_bad_rows_of_the_same_csv(tmp_path: Path) -> None:
    path = workbook(tmp_path / "bad.xlsx", BAD_ROWS)
    text = "\n".join(",".join(row) for row in BAD_ROWS) + "\n"
    with pytest.raises(LedgerFileError) as from_csv:
        catalogue_from_csv(text)
    expected = [(p.row, p.column, p.value) for p in from_csv.value.problems]
    assert problems(path) == expected
    assert expected[0] == (3, "事发地", "44x1")


def test_cells_that_are_not_text_are_row_problems_each_reported_once(tmp_path: Path) -> None:
    rows: list[list[object]] = [
        HEADER,
        [None, None, "city-12345"],
        ["0301", 440103, "county-transport"],  # a whole-number place reads as its digits
        [301, None, "county-water"],  # a number category has lost its leading zero
        ["05", 44.5, "county-water"],
        ["06", None, True],
        ["07", None, "county-water", None, None, dt.datetime(2026, 3, 2)],
        ["08", None, "county-water", None, None, None, "right of the columns"],
    ]
    found = problems(workbook(tmp_path / "cells.xlsx", rows))
    assert found == [
        (4, "问题分类编码", 301),
        (5, "事发地", 44.5),
        (6, "责任单位", True),
        (7, "办理时限", dt.datetime(2026, 3, 2)),
        (8, "", ["08", "", "county-water", "", "", "", "right of the columns"]),
    ]
    good = workbook(tmp_path / "good.xlsx", rows[:3])
    decision = read_routing_catalogue(good).route_code("030101", "440103001")
    assert decision is not None
    assert (decision.row, decision.rule.unit) == (3, "county-transport")


def test_a_formula_is_refused_rather_than_taken_for_its_text(tmp_path: Path) -> None:
    book = openpyxl.Workbook()
    sheet = book.active
    assert sheet is not None
    sheet.append(["category", "unit"])
    sheet.append(["03", '="county-water"'])  # openpyxl stores "=…" as a formula
    book.save(tmp_path / "formula.xlsx")
    ((row, column, value),) = problems(tmp_path / "formula.xlsx")
    assert (row, column) == (2, "unit")
    assert value == '="county-water"'


def test_the_catalogue_sheet_is_found_by_name_among_others(tmp_path: Path) -> None:
    book = openpyxl.Workbook()
    notes = book.active
    assert notes is not None
    notes.title = "说明"
    notes.append(["this sheet explains the catalogue"])
    book.create_sheet("派单目录").append(["unit"])
    book["派单目录"].append(["city-12345"])
    book.save(tmp_path / "two.xlsx")
    assert read_routing_catalogue(tmp_path / "two.xlsx").rules == (RoutingRule(unit="city-12345"),)
    book["派单目录"].title = "目录"
    book.save(tmp_path / "unnamed.xlsx")
    with pytest.raises(LedgerFileError, match="no sheet named 派单目录") as caught:
        read_routing_catalogue(tmp_path / "unnamed.xlsx")
    assert caught.value.field == "routing catalogue"


def test_a_file_that_is_not_a_workbook_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "routing.xlsx"
    path.write_text("category,unit\n03,x\n", encoding="utf-8")
    with pytest.raises(LedgerFileError, match="is not an XLSX workbook") as caught:
        read_routing_catalogue(path)
    assert caught.value.value == str(path)


def test_a_bad_header_in_a_sheet_is_refused_before_any_row(tmp_path: Path) -> None:
    assert problems(workbook(tmp_path / "h.xlsx", [["unit", "colour"], ["x", "red"]])) == [
        (1, "colour", "colour")
    ]
    assert problems(workbook(tmp_path / "n.xlsx", [["category"], ["03"]])) == [
        (1, "", ["category"])
    ]


def test_unit_ids_in_a_sheet_are_checked_against_a_unit_tree(tmp_path: Path) -> None:
    rows = [["category", "unit", "co_units"], ["01", "county-transport", "nowhere"]]
    path = workbook(tmp_path / "units.xlsx", rows)
    assert problems(path, units=UNITS) == [(2, "co_units", "nowhere")]
    assert len(read_routing_catalogue(path)) == 1
