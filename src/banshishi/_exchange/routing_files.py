"""Routing catalogues as files: CSV or XLSX (one rule a row) or TOML (one ``[[rule]]``
table a rule), read with every bad row reported and nothing taken from a file with any.

CSV columns, headed in English or Chinese, in any order (only ``unit`` is required):
``category`` 问题分类编码, ``place`` 事发地, ``unit`` 责任单位, ``co_units`` 协办单位
(separated by ``;``, ``；`` or ``、``), ``track`` 办理方式 (``joint`` or ``共办``, …),
``time_limit`` 办理时限 (``15 working days`` or ``15个工作日``) and ``id`` 事项编号
(the catalogue's own number for the rule, unique in it). Rows are numbered as a
spreadsheet shows them (the header is row 1). An XLSX workbook holds the same
columns in its sheet named 派单目录 (or its only sheet); it is read, not written. In
TOML the rules are the ``rule`` array of tables with the same keys (``co_units`` a
list of strings), numbered from 1 in the order written; the column named in a
problem is the key.

A problem is a :class:`RowProblem` (row, column, value, reason) and the file's
problems come together in one :class:`LedgerFileError`, as for a ledger file.
"""

import csv
import io
import json
import os
import re
from collections.abc import Iterable, Mapping
from pathlib import Path
from typing import Any

from banshishi._calendar.time_limit import TimeLimit
from banshishi._core.csv_text import CsvWriter, unguard
from banshishi._core.errors import (
    BanshishiError,
    InvalidTypeError,
    InvalidValueError,
    LedgerFileError,
    RowProblem,
)
from banshishi._core.whole_file import named_file, write_text_whole
from banshishi._model.units import UnitTree
from banshishi._model.vocabulary import Track
from banshishi._workflow.routing import RoutingCatalogue, RoutingRule

from .ledger_row import Beyond, SheetValue
from .xlsx_reader import xlsx_rows

COLUMNS: Mapping[str, str] = {
    "category": "问题分类编码",
    "place": "事发地",
    "unit": "责任单位",
    "co_units": "协办单位",
    "track": "办理方式",
    "time_limit": "办理时限",
    "id": "事项编号",
}
"""The columns (keys) of a catalogue, with their Chinese headers."""

SHEET = "派单目录"
"""The sheet a catalogue workbook is read from (or its only sheet)."""

_BY_HEADER = {**{key: key for key in COLUMNS}, **{label: key for key, label in COLUMNS.items()}}
_SEPARATORS = re.compile("[;；、]")
SHOWN_PROBLEMS = 5
"""How many problems the message of the error shows (all are in ``problems``)."""


def read_routing_catalogue(
    path: "str | os.PathLike[str]", *, units: UnitTree | None = None
) -> RoutingCatalogue:
    """The catalogue in the ``.csv``, ``.xlsx`` or ``.toml`` file at ``path``.

    Every bad row is reported in one :class:`LedgerFileError` (its ``problems``
    give row, column, value and reason) and nothing is taken from the file. With
    ``units``, a unit id the tree does not hold is a problem of its row.
    """
    file = named_file(path, field="path")
    suffix = file.suffix.lower()
    if suffix not in (".csv", ".toml", ".xlsx"):
        raise InvalidValueError(
            field="path", value=str(path), problem="must end in .csv, .xlsx or .toml"
        )
    if suffix == ".xlsx":
        return catalogue_from_xlsx(file, units=units)
    try:
        text = file.read_text(encoding="utf-8-sig")
    except (OSError, UnicodeDecodeError) as error:
        raise InvalidValueError(
            field="path", value=str(path), problem=f"cannot be read ({error})"
        ) from None
    if suffix == ".csv":
        return catalogue_from_csv(text, source=str(path), units=units)
    return catalogue_from_toml(text, source=str(path), units=units)


def write_routing_catalogue(catalogue: RoutingCatalogue, path: "str | os.PathLike[str]") -> Path:
    """Write ``catalogue`` to a ``.csv`` or ``.toml`` file, whole or not at all.
    Rows are written in the catalogue's order; the row numbers are the file's own."""
    suffix = Path(path).suffix.lower()
    if suffix == ".csv":
        return write_text_whole(path, catalogue_csv(catalogue), encoding="utf-8-sig")
    if suffix == ".toml":
        return write_text_whole(path, catalogue_toml(catalogue))
    raise InvalidValueError(field="path", value=str(path), problem="must end in .csv or .toml")


def catalogue_csv(catalogue: RoutingCatalogue) -> str:
    """The CSV text of ``catalogue`` (English headers)."""
    out = io.StringIO(newline="")
    writer = CsvWriter(out)
    writer.row(COLUMNS)
    for rule in catalogue.rules:
        writer.row(_cells(rule).values())
    return out.getvalue()


def catalogue_toml(catalogue: RoutingCatalogue) -> str:
    """The TOML text of ``catalogue``: one ``[[rule]]`` table a rule."""
    parts: list[str] = []
    for rule in catalogue.rules:
        lines = ["[[rule]]"]
        for key, value in _cells(rule).items():
            if key == "co_units":
                if rule.co_units:
                    items = ", ".join(_toml_string(unit) for unit in rule.co_units)
                    lines.append(f"co_units = [{items}]")
            elif value:
                lines.append(f"{key} = {_toml_string(value)}")
        parts.append("\n".join(lines) + "\n")
    return "\n".join(parts)


def _toml_string(text: str) -> str:
    # A JSON string is a TOML basic string: the same escapes, \uXXXX included.
    return json.dumps(text, ensure_ascii=False)


def _cells(rule: RoutingRule) -> dict[str, str]:
    limit = rule.time_limit
    if limit is not None and not isinstance(limit, TimeLimit):
        raise InvalidValueError(
            field="RoutingRule.time_limit",
            value=limit,
            problem="cannot be written to a file: only working days or hours can",
            hint="Use a TimeLimit such as TimeLimit.working_days(15) in a catalogue file.",
        )
    return {
        "category": rule.category,
        "place": rule.place,
        "unit": rule.unit,
        "co_units": "；".join(rule.co_units),
        "track": "" if rule.track is None else rule.track.value,
        "time_limit": "" if limit is None else str(limit),
        "id": rule.id or "",
    }


def catalogue_from_csv(
    text: str, *, source: str = "<text>", units: UnitTree | None = None
) -> RoutingCatalogue:
    """The catalogue in CSV ``text`` (see the module's docstring for the columns)."""
    lines = csv.reader(io.StringIO(text.removeprefix("\ufeff"), newline=""))
    header = next(lines, [])
    rows = (
        (number, [unguard(cell.strip()) for cell in cells])
        for number, cells in enumerate(lines, start=2)
    )
    return _from_rows(header, rows, source, units)


def catalogue_from_xlsx(
    path: "str | os.PathLike[str]", *, units: UnitTree | None = None
) -> RoutingCatalogue:
    """The catalogue in the sheet named 派单目录 (or the only sheet) of the XLSX
    workbook at ``path``: the same columns and checks as CSV, rows numbered as
    the sheet shows them. A cell must hold text; a place, a unit or a time limit
    may also be a whole number, and a category may not (a number cell has lost
    any leading zero, so the column should be formatted as text)."""
    file = named_file(path, field="path")
    with xlsx_rows(file, sheet=SHEET, what="routing catalogue") as rows:
        first = next(rows, (1, []))
        problems: list[RowProblem] = []
        header = [
            _text_cell(first[0], str(cell), cell, problems, heading=True) for cell in first[1]
        ]
        while header and header[-1] == "":
            header.pop()
        if problems:
            raise _refusal(str(path), problems)
        cells = ((number, _sheet_row(number, header, row, problems)) for number, row in rows)
        return _from_rows(header, cells, str(path), units, problems)


def _sheet_row(
    number: int, header: list[str], row: list[object], problems: list[RowProblem]
) -> list[str]:
    """The row's cells as text; a row with a cell no text stands for is left
    out (as empty), its problems kept, so it is reported once."""
    found: list[RowProblem] = []
    cells = [
        _text_cell(number, header[index] if index < len(header) else "", value, found)
        for index, value in enumerate(row)
    ]
    problems.extend(found)
    return [] if found else cells


def _text_cell(
    row: int, column: str, value: object, problems: list[RowProblem], *, heading: bool = False
) -> str:
    """A sheet's cell as the text a CSV cell would hold; a cell no text stands
    for is a problem (kept in ``problems``) and reads as empty."""
    if value is None:
        return ""
    if isinstance(value, str):
        return value.strip()
    if isinstance(value, int) and not isinstance(value, bool):
        if heading or _BY_HEADER.get(column) != "category":
            return str(value)
        reason = "is a number cell, which has lost any leading zero: format the column as text"
    elif isinstance(value, Beyond):
        value, reason = value.value, "is right of the last column"
    elif isinstance(value, SheetValue):
        reason = f"must be text, not {value.what}"
        value = value.text
    else:
        kinds: dict[type, str] = {float: "a number with a fraction", bool: "a true/false cell"}
        reason = f"must be text, not {kinds.get(type(value), 'a date')}"
    problems.append(RowProblem(row=row, column=column, value=value, reason=reason))
    return ""


def _from_rows(
    header: list[str],
    lines: "Iterable[tuple[int, list[str]]]",
    source: str,
    units: UnitTree | None,
    problems: list[RowProblem] | None = None,
) -> RoutingCatalogue:
    """The catalogue in a header and numbered rows of cell text (CSV or XLSX);
    ``problems`` already found in the cells (filled as the rows are read)."""
    header_problems: list[RowProblem] = []
    keys: list[str | None] = []
    for heading in header:
        key = _BY_HEADER.get(heading.strip())
        if key is None or key in keys:
            reason = "repeats a column" if key else "is not a column of a routing catalogue"
            header_problems.append(RowProblem(row=1, column=heading, value=heading, reason=reason))
        keys.append(key)
    if "unit" not in keys:
        header_problems.append(
            RowProblem(row=1, column="", value=header, reason="has no unit column")
        )
    if header_problems:
        raise _refusal(source, header_problems)
    found = [] if problems is None else problems
    records: list[tuple[int, dict[str, tuple[str, object]]]] = []
    for number, cells in lines:
        if not any(cells):
            continue
        if any(cells[len(keys) :]):
            found.append(
                RowProblem(row=number, column="", value=cells, reason="has more cells than headers")
            )
            continue
        record: dict[str, tuple[str, object]] = {
            key: (header[index], cells[index] if index < len(cells) else "")
            for index, key in enumerate(keys)
            if key is not None
        }
        records.append((number, record))
    return _built(records, source, found, units)


def catalogue_from_toml(
    text: str, *, source: str = "<text>", units: UnitTree | None = None
) -> RoutingCatalogue:
    """The catalogue in TOML ``text``: a ``rule`` array of tables."""
    import tomllib  # loaded with the first TOML catalogue: most processes never read one

    try:
        document = tomllib.loads(text)
    except (tomllib.TOMLDecodeError, RecursionError, ValueError) as error:
        raise InvalidValueError(
            field="routing catalogue", value=source, problem=f"is not valid TOML: {error}"
        ) from None
    tables = document.get("rule", [])
    problems: list[RowProblem] = []
    extra = sorted(set(document) - {"rule"})
    if extra or not isinstance(tables, list):
        reason = "must be an array of [[rule]] tables, and the only key at the top"
        problems.append(
            RowProblem(row=0, column=", ".join(extra) or "rule", value=extra, reason=reason)
        )
        raise _refusal(source, problems)
    records: list[tuple[int, dict[str, tuple[str, object]]]] = []
    for number, table in enumerate(tables, start=1):
        if not isinstance(table, dict):
            problems.append(RowProblem(row=number, column="", value=table, reason="is not a table"))
            continue
        for key in table:
            if key not in COLUMNS:
                reason = "is not a key of a routing rule"
                problems.append(RowProblem(row=number, column=key, value=table[key], reason=reason))
        records.append((number, {key: (key, table[key]) for key in COLUMNS if key in table}))
    return _built(records, source, problems, units)


def _built(
    records: list[tuple[int, dict[str, tuple[str, object]]]],
    source: str,
    problems: list[RowProblem],
    units: UnitTree | None,
) -> RoutingCatalogue:
    rules: list[RoutingRule] = []
    rows: list[int] = []
    first: dict[tuple[str, str], int] = {}
    ids: dict[str, int] = {}
    for number, record in records:
        found = _rule(number, record, units)
        if isinstance(found, list):
            problems.extend(found)
            continue
        earlier = first.setdefault((found.category, found.place), number)
        if earlier != number:
            column = record.get("category", ("category", ""))[0]
            reason = f"has the same category and place prefixes as row {earlier}"
            problems.append(
                RowProblem(row=number, column=column, value=found.category, reason=reason)
            )
            continue
        same = ids.setdefault(found.key, number)
        if same != number:
            column = record.get("id", ("id", ""))[0]
            reason = f"has the same id as row {same}"
            problems.append(RowProblem(row=number, column=column, value=found.key, reason=reason))
            continue
        rules.append(found)
        rows.append(number)
    if problems:
        raise _refusal(source, sorted(problems, key=lambda problem: problem.row))
    return RoutingCatalogue(tuple(rules), rows=tuple(rows))


def _rule(
    number: int, record: dict[str, tuple[str, object]], units: UnitTree | None
) -> RoutingRule | list[RowProblem]:
    problems: list[RowProblem] = []
    arguments: dict[str, Any] = {}
    for key, (column, value) in record.items():
        try:
            arguments[key] = _value(key, value)
        except BanshishiError as error:
            problems.append(
                RowProblem(row=number, column=column, value=value, reason=error.problem)
            )
    if problems:
        return problems
    try:
        rule = RoutingRule(**arguments)
    except BanshishiError as error:
        key = error.field.removeprefix("RoutingRule.").split("[")[0]
        column = record.get(key, (key if key in COLUMNS else "", None))[0]
        return [RowProblem(row=number, column=column, value=error.value, reason=error.problem)]
    if units is not None:
        for key, names in (("unit", (rule.unit,)), ("co_units", rule.co_units)):
            for name in names:
                if name not in units:
                    column = record[key][0]
                    reason = "is not a unit of the unit tree"
                    problems.append(
                        RowProblem(row=number, column=column, value=name, reason=reason)
                    )
    return problems or rule


def _value(key: str, value: object) -> object:
    """A cell as the rule's field takes it: text split, parsed or kept; ``None`` empty."""
    if key == "co_units":
        if isinstance(value, str):
            return tuple(part.strip() for part in _SEPARATORS.split(value) if part.strip())
        if isinstance(value, list):
            return tuple(value)
        raise InvalidTypeError(field=key, value=value, problem="must be text or a list of text")
    if not isinstance(value, str):
        raise InvalidTypeError(field=key, value=value, problem="must be text")
    if key == "track":
        return Track(value) if value else None
    if key == "time_limit":
        return TimeLimit.parse(value) if value else None
    if key == "id":
        return value or None
    return value


def _problem(row: int, column: str, value: object, reason: str) -> RowProblem:
    return RowProblem(row=row, column=column, value=value, reason=reason)


def _refusal(source: str, problems: list[RowProblem]) -> LedgerFileError:
    count = len(problems)
    shown = "; ".join(str(problem) for problem in problems[:SHOWN_PROBLEMS])
    more = f"; and {count - SHOWN_PROBLEMS} more" if count > SHOWN_PROBLEMS else ""
    noun = "problem" if count == 1 else "problems"
    return LedgerFileError(
        field="routing catalogue",
        value=source,
        problem=f"has bad rows ({count} {noun}): {shown}{more}",
        hint="Every problem is in the error's problems; fix those rows. Nothing was read.",
        problems=tuple(problems),
    )
