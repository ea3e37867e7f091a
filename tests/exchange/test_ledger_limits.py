"""Ledger files in bounded time and memory (issue 17, items 7 and 9).

Crafted workbooks that once took minutes or gigabytes (a part inflating a
thousand times over, a cell at the last column in every row, millions of
shared strings, one enormous string) are refused or read at the cost of their
real content; a CSV cell or record is capped; and a check of any length keeps
the first problems and counts the rest. Limits are lowered for a test where a
real one would need a large file.
"""

import csv
import io
import re
import zipfile
from pathlib import Path

import pendulum
import pytest

import paths
from banshishi import (
    Issue,
    IssueStatus,
    LedgerFileError,
    check_ledger_file,
    read_ledger_file,
    write_ledger_file,
)
from banshishi._cli.main import main
from banshishi._exchange import ledger_csv as _ledger_csv
from banshishi._exchange import xlsx_reader as _xlsx_reader
from banshishi._exchange import xlsx_sheet as _xlsx_sheet
from banshishi._exchange.ledger_cells import MAX_CELL_TEXT
from banshishi._exchange.ledger_check import SHOWN_PROBLEMS, reason_kind
from banshishi._exchange.ledger_columns import COLUMNS
from banshishi._exchange.xlsx_reader import xlsx_rows
from cast import new_issue

T0 = pendulum.datetime(2026, 7, 1, 9, tz="Asia/Shanghai")
SHEET = "xl/worksheets/sheet1.xml"
STRINGS_REL = (
    '<Relationship Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/'
    'sharedStrings" Target="sharedStrings.xml" Id="rId9" /></Relationships>'
)
SST = '<sst xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"{}>{}</sst>'


def issue(issue_id: str = "RX-1", **fields: object) -> Issue:
    return new_issue(issue_id, **{"received_at": T0, **fields})


@pytest.fixture
def workbook(tmp_path: Path) -> dict[str, bytes]:
    """The parts of a one-issue ledger workbook, as written."""
    path = tmp_path / "base.xlsx"
    write_ledger_file([issue()], path)
    with zipfile.ZipFile(path) as archive:
        return {name: archive.read(name) for name in archive.namelist()}


def build(path: Path, parts: dict[str, bytes], changes: dict[str, str] | None = None) -> Path:
    """A workbook of ``parts`` with ``changes`` (part name → text) made."""
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, data in {**parts, **(changes or {})}.items():
            archive.writestr(name, data)
    return path


def with_rows(parts: dict[str, bytes], rows: str) -> str:
    """The sheet with ``rows`` (XML) added after the written ones."""
    return parts[SHEET].decode().replace("</sheetData>", rows + "</sheetData>")


def with_strings(parts: dict[str, bytes], sst: str) -> dict[str, str]:
    rels = parts["xl/_rels/workbook.xml.rels"].decode().replace("</Relationships>", STRINGS_REL)
    return {"xl/sharedStrings.xml": sst, "xl/_rels/workbook.xml.rels": rels}


def refused(path: Path) -> str:
    with pytest.raises(LedgerFileError) as caught:
        read_ledger_file(path)
    assert caught.value.field == "ledger file"
    return caught.value.problem


# -- XLSX (item 7) ------------------------------------------------------------------------


def test_a_part_inflating_more_than_the_ratio_is_refused_before_it_is_read(tmp_path, workbook):
    padding = '<row r="3">' + '<c r="A3"/>' * 400_000 + "</row>"  # 4 MB in a few kilobytes
    path = build(tmp_path / "padded.xlsx", workbook, {SHEET: with_rows(workbook, padding)})
    assert path.stat().st_size < 100_000
    problem = refused(path)
    assert "inflates" in problem
    assert f"{_xlsx_reader.MAX_RATIO} times" in problem


def test_many_sheets_pointing_at_one_sheet_are_read_once(tmp_path, workbook):
    book = workbook["xl/workbook.xml"].decode()
    one = re.search(r"<sheet [^>]*/>", book)
    assert one is not None
    many = "".join(one.group().replace("台账", f"s{n}") for n in range(20)) + one.group()
    path = build(
        tmp_path / "many.xlsx", workbook, {"xl/workbook.xml": book.replace(one.group(), many)}
    )
    assert [found.id for found in read_ledger_file(path).issues] == ["RX-1"]


def test_a_part_larger_than_its_limit_is_refused_by_its_declared_size(
    tmp_path, workbook, monkeypatch
):
    monkeypatch.setattr(_xlsx_reader, "MAX_SHEET_BYTES", 1_000)
    problem = refused(build(tmp_path / "big.xlsx", workbook))
    assert SHEET in problem
    assert "more than the 1,000" in problem


def test_a_cell_at_the_last_column_costs_one_cell_not_sixteen_thousand(tmp_path, workbook):
    far = "".join(
        f'<row r="{n}"><c r="A{n}" t="inlineStr"><is><t>RX-{n}</t></is></c>'
        f'<c r="XFD{n}" t="inlineStr"><is><t>x</t></is></c></row>'
        for n in range(3, 203)
    )
    path = build(tmp_path / "far.xlsx", workbook, {SHEET: with_rows(workbook, far)})
    with xlsx_rows(path) as rows:
        widths = [len(cells) for _, cells in rows]
    assert max(widths) == len(COLUMNS) + 1  # the ledger's columns and the first beyond them
    problems = read_ledger_file(path, on_bad_rows="skip").problems
    beyond = [p for p in problems if "column 16384" in p.reason]
    assert [p.row for p in beyond] == list(range(3, 203))


def test_a_value_right_of_the_ledgers_columns_in_the_header_is_refused(tmp_path, workbook):
    sheet = (
        workbook[SHEET]
        .decode()
        .replace("</row>", '<c r="ZZ1" t="inlineStr"><is><t>多余</t></is></c></row>', 1)
    )
    with pytest.raises(LedgerFileError) as caught:
        read_ledger_file(build(tmp_path / "wide.xlsx", workbook, {SHEET: sheet}))
    past = f"column 702, past the {len(COLUMNS)} columns"
    assert any(past in p.reason for p in caught.value.problems)


def test_more_shared_strings_than_declared_or_allowed_are_refused(tmp_path, workbook, monkeypatch):
    monkeypatch.setattr(_xlsx_reader, "MAX_SHARED_STRINGS", 10)
    strings = "<si><t>a</t></si>" * 11
    path = build(tmp_path / "held.xlsx", workbook, with_strings(workbook, SST.format("", strings)))
    assert "holds more than 10 shared strings" in refused(path)
    # A declared count over the limit is refused before the strings are read:
    # here they could not even be parsed.
    declared = SST.format(' uniqueCount="10000000"', "<si><t>broken")
    path = build(tmp_path / "declared.xlsx", workbook, with_strings(workbook, declared))
    assert "declares 10,000,000 shared strings" in refused(path)


def test_a_shared_string_longer_than_a_cell_is_refused_as_it_is_read(tmp_path, workbook):
    sst = SST.format("", "<si><t>ok</t></si><si><t>" + "长" * (MAX_CELL_TEXT + 1) + "</t></si>")
    path = build(tmp_path / "long.xlsx", workbook, with_strings(workbook, sst))
    assert "shared string 1 is longer than the 32,767 characters" in refused(path)


@pytest.mark.parametrize("index", ["-1", "2", "99999999999999999999", "x"])
def test_a_shared_string_index_outside_the_table_is_refused(tmp_path, workbook, index):
    sst = SST.format("", "<si><t>first</t></si><si><t>last</t></si>")
    sheet = re.sub(
        r'<c r="B2" t="inlineStr"><is><t>[^<]*</t></is></c>',
        f'<c r="B2" t="s"><v>{index}</v></c>',
        workbook[SHEET].decode(),
    )
    assert f"<v>{index}</v>" in sheet
    changes = {**with_strings(workbook, sst), SHEET: sheet}
    problem = refused(build(tmp_path / "index.xlsx", workbook, changes))
    assert "cell B2 refers to shared string" in problem
    assert "has 2" in problem


def test_a_shared_string_in_range_is_read(tmp_path, workbook):
    sst = SST.format("", "<si><t>first</t></si><si><r><t>路灯</t></r><r><t>坏了</t></r></si>")
    sheet = re.sub(
        r'<c r="B2" t="inlineStr"><is><t>[^<]*</t></is></c>',
        '<c r="B2" t="s"><v>1</v></c>',
        workbook[SHEET].decode(),
    )
    changes = {**with_strings(workbook, sst), SHEET: sheet}
    (found,) = read_ledger_file(build(tmp_path / "ok.xlsx", workbook, changes)).issues
    assert found.title == "路灯坏了"


def test_a_damaged_compressed_part_is_refused(tmp_path, workbook):
    path = build(tmp_path / "damaged.xlsx", workbook)
    data = bytearray(path.read_bytes())
    with zipfile.ZipFile(path) as archive:
        info = archive.getinfo(SHEET)
    start = info.header_offset + 30 + len(info.filename.encode()) + len(info.extra)
    for offset in range(start + 10, start + 40):
        data[offset] ^= 0x5A
    path.write_bytes(bytes(data))
    assert "is not an XLSX workbook that can be read" in refused(path)


def test_a_document_type_declaration_is_refused(tmp_path, workbook):
    bomb = (
        '<?xml version="1.0"?><!DOCTYPE lol [<!ENTITY a "aaaaaaaaaa">'
        '<!ENTITY b "&a;&a;&a;&a;&a;&a;&a;&a;&a;&a;">]>'
    )
    sheet = bomb + workbook[SHEET].decode().replace("RX-1", "&b;")
    path = build(tmp_path / "bomb.xlsx", workbook, {SHEET: sheet})
    assert "document type" in refused(path)


def test_rows_past_the_last_row_of_a_sheet_are_refused(tmp_path, workbook, monkeypatch):
    monkeypatch.setattr(_xlsx_sheet, "MAX_ROWS", 3)
    extra = '<row r="4"><c r="A4" t="inlineStr"><is><t>RX-4</t></is></c></row>'
    path = build(tmp_path / "rows.xlsx", workbook, {SHEET: with_rows(workbook, extra)})
    assert "rows past row 3" in refused(path)


def test_a_number_that_cannot_be_read_is_a_row_problem_not_a_crash(tmp_path, workbook):
    sheet = re.sub(
        r'<c r="B2" t="inlineStr"><is><t>[^<]*</t></is></c>',
        '<c r="B2"><v>' + "9" * 5000 + "</v></c>",
        workbook[SHEET].decode(),
    )
    path = build(tmp_path / "number.xlsx", workbook, {SHEET: sheet})
    (problem,) = read_ledger_file(path, on_bad_rows="skip").problems
    assert (problem.row, problem.column) == (2, "标题")
    assert "number that cannot be read" in problem.reason


# -- CSV (item 9) -------------------------------------------------------------------------


def csv_of(issues: list[Issue]) -> str:
    buffer = io.StringIO(newline="")
    from banshishi import write_ledger_csv

    write_ledger_csv(issues, buffer)
    return buffer.getvalue()


def test_a_cell_longer_than_the_limit_is_refused_on_writing_in_either_format(tmp_path):
    long = issue(description="长" * (MAX_CELL_TEXT + 1))
    for name in ("l.csv", "l.xlsx"):
        with pytest.raises(ValueError, match="32,767 characters a ledger cell holds"):
            write_ledger_file([long], tmp_path / name)
        assert not (tmp_path / name).exists()


def test_a_csv_cell_longer_than_the_limit_refuses_the_file_naming_the_row(tmp_path):
    text = csv_of([issue("RX-1"), issue("RX-2")])
    path = tmp_path / "long.csv"
    path.write_text(text.replace("路灯不亮", "长" * (MAX_CELL_TEXT + 5), 2).replace(
        "长" * (MAX_CELL_TEXT + 5), "路灯不亮", 1), encoding="utf-8")  # fmt: skip
    problem = refused(path)
    assert "a cell at row 3 is longer than the 32,767 characters" in problem


def test_a_csv_record_longer_than_a_row_can_be_is_refused_before_it_is_held(tmp_path, monkeypatch):
    monkeypatch.setattr(_ledger_csv, "MAX_ROW_TEXT", 5_000)
    text = csv_of([issue()])
    path = tmp_path / "commas.csv"
    path.write_text(text + "RX-2" + "," * 6_000 + "\r\n", encoding="utf-8")
    assert "row 3 is longer than a ledger row can be" in refused(path)
    # Line breaks inside a quoted cell count toward the record too.
    path.write_text(text + 'RX-2,"' + "长\n" * 3_000 + '"\r\n', encoding="utf-8")
    assert "row 3 is longer" in refused(path)


def test_a_csv_row_with_thousands_of_cells_keeps_the_ledgers_and_reports_one_beyond():
    text = csv_of([issue()])
    header, row = text.splitlines()[:2]
    cells = next(csv.reader([row]))
    wide = cells + [""] * 5_000 + ["多余"] + ["x"] * 5_000
    rows = list(_ledger_csv.csv_rows(io.StringIO(header + "\r\n" + ",".join(wide) + "\r\n"), "s"))
    assert len(rows[1][1]) == len(COLUMNS) + 1
    from banshishi import read_ledger_csv

    buffer = io.StringIO(header + "\r\n" + ",".join(wide) + "\r\n", newline="")
    (problem,) = read_ledger_csv(buffer, on_bad_rows="skip").problems
    assert problem.reason == f"has a value in column {len(cells) + 5_001}, which has no header"
    assert problem.value == "多余"


def test_a_gb18030_file_is_still_read_and_checked_in_chunks(tmp_path):
    path = tmp_path / "gbk.csv"
    path.write_bytes(csv_of([issue(title="长" * 3_000)]).encode("gb18030"))
    (found,) = read_ledger_file(path).issues
    assert found.title == "长" * 3_000


# -- checking in bounded memory (item 9) --------------------------------------------------


def bad_file(path: Path, good: int, bad: int) -> Path:
    """A ledger of ``good`` valid rows followed by ``bad`` rows with an unknown channel."""
    text = csv_of([issue(f"RX-{n}") for n in range(good + bad)])
    lines = text.split("\r\n")
    for index in range(good + 1, good + bad + 1):
        lines[index] = lines[index].replace(",热线电话,", ",电报,", 1)
    path.write_text("\r\n".join(lines), encoding="utf-8")
    return path


def test_a_check_keeps_the_first_problems_and_counts_them_all_by_column_and_reason(tmp_path):
    path = bad_file(tmp_path / "bad.csv", good=5, bad=SHOWN_PROBLEMS + 50)
    sink = io.StringIO(newline="")
    found = check_ledger_file(path, problems=sink)
    assert not found
    assert (found.rows, found.valid) == (SHOWN_PROBLEMS + 55, 5)
    assert found.statuses == {IssueStatus.RECEIVED: 5}
    assert found.problem_count == SHOWN_PROBLEMS + 50
    assert len(found.problems) == SHOWN_PROBLEMS
    assert [p.row for p in found.problems] == list(range(7, 7 + SHOWN_PROBLEMS))
    assert found.by_reason == (
        ("渠道", "is not one of the words allowed here", SHOWN_PROBLEMS + 50),
    )
    written = list(csv.reader(io.StringIO(sink.getvalue(), newline="")))
    assert written[0] == ["row", "column", "value", "reason"]
    assert [int(row[0]) for row in written[1:]] == list(range(7, 7 + SHOWN_PROBLEMS + 50))
    assert {row[2] for row in written[1:]} == {"电报"}


def test_a_check_agrees_with_reading_the_file(tmp_path):
    path = bad_file(tmp_path / "bad.csv", good=3, bad=4)
    found = check_ledger_file(path)
    read = read_ledger_file(path, on_bad_rows="skip")
    assert found.problems == read.problems
    assert found.valid == len(read.issues)
    good = check_ledger_file(bad_file(tmp_path / "good.csv", good=3, bad=0))
    assert good
    assert (good.problem_count, good.valid) == (0, 3)


def test_the_reasons_counted_together_leave_out_what_is_particular_to_a_row():
    assert reason_kind("repeats the id of row 17") == reason_kind("repeats the id of row 4")
    assert reason_kind("has a value in column 40, which has no header") == (
        "has a value in column N, which has no header"
    )
    assert reason_kind("is not one of the words allowed here. Use one of: 热线") == (
        "is not one of the words allowed here"
    )
    assert reason_kind("has 36 cells but the header has 37: a column is missing") == (
        "has N cells but the header has 37"
    )
    assert reason_kind("is not an RFC 3339 date-time") == "is not an RFC 3339 date-time"


def test_a_check_with_more_reasons_than_it_counts_apart_lumps_the_rest(tmp_path, monkeypatch):
    from banshishi._exchange import ledger_check as _ledger_check

    monkeypatch.setattr(_ledger_check, "MAX_REASONS", 1)
    text = csv_of([issue("RX-1"), issue("RX-2"), issue("RX-3")])
    lines = text.split("\r\n")
    lines[2] = lines[2].replace(",热线电话,", ",电报,", 1)
    lines[3] = lines[3].replace("2026-07-01 09:00:00", "昨天", 1)
    path = tmp_path / "two.csv"
    path.write_text("\r\n".join(lines), encoding="utf-8")
    found = check_ledger_file(path)
    assert [count for *_, count in found.by_reason] == [1, 1]
    assert found.by_reason[1][:2] == ("", "(other reasons)")


def test_the_cli_check_prints_a_hundred_problems_and_a_summary_and_writes_all_on_request(
    tmp_path, capsys
):
    path = bad_file(tmp_path / "bad.csv", good=2, bad=600)
    every = tmp_path / "problems.csv"
    assert main(["ledger-file", "check", str(path), "--problems", str(every)]) == 2
    err = capsys.readouterr().err
    words = " ".join(err.split())  # the titles may wrap
    assert "600 problems" in words
    assert "(the first 100)" in words
    assert "by column and reason" in words
    numbered = [line for line in err.splitlines() if re.match(r"│ +[0-9]+ │", line)]
    assert len(numbered) == SHOWN_PROBLEMS  # one line a problem listed, none for the rest
    with every.open(encoding="utf-8", newline="") as file:
        assert len(list(csv.reader(file))) == 601


def test_the_cli_check_of_a_sound_file_counts_its_rows(tmp_path, capsys):
    path = bad_file(tmp_path / "good.csv", good=4, bad=0)
    every = tmp_path / "problems.csv"
    assert main(["ledger-file", "check", str(path), "--problems", str(every)]) == 0
    assert "4 rows, all valid (已受理 4)" in capsys.readouterr().out
    assert every.read_bytes() == b"row,column,value,reason\r\n"


def test_the_cli_check_writes_header_problems_too(tmp_path, capsys):
    path = tmp_path / "header.csv"
    path.write_text("编号,标题,未知\r\nRX-1,路灯,x\r\n", encoding="utf-8")
    every = tmp_path / "problems.csv"
    assert main(["ledger-file", "check", str(path), "--problems", str(every)]) == 2
    assert "未知" in capsys.readouterr().err
    assert "未知" in every.read_text(encoding="utf-8")


def test_problem_cells_a_spreadsheet_would_run_are_guarded(tmp_path):
    path = tmp_path / "formula.csv"
    text = csv_of([issue()])
    path.write_text(text.replace(",热线电话,", ",@SUM(1),", 1), encoding="utf-8")
    sink = io.StringIO(newline="")
    check_ledger_file(path, problems=sink)
    assert "'@SUM(1)" in sink.getvalue()


def test_the_docs_page_states_the_limits_the_readers_keep():
    page = (paths.DOCS / "ledger-files.md").read_text()
    limits = page.split("## Limits", 1)[1]
    reader = _xlsx_reader
    for stated in (
        f"{MAX_CELL_TEXT:,} characters",
        f"{len(COLUMNS)} columns",
        f"{_xlsx_reader.MAX_ENTRIES:,} parts",
        f"{_xlsx_reader.MAX_SHEET_BYTES >> 20} MiB uncompressed",
        f"{reader.MAX_STRINGS_BYTES >> 20} MiB and {reader.MAX_SHARED_STRINGS:,} strings",
        f"{_xlsx_reader.MAX_PART_BYTES >> 20} MiB",
        f"{_xlsx_reader.MAX_RATIO} times",
        f"{_xlsx_sheet.MAX_ROWS:,} rows",
        f"about {_ledger_csv.MAX_ROW_TEXT / 1e6:.1f} million characters",
    ):
        assert stated in " ".join(limits.split()), stated
