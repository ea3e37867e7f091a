"""Pledgers' names for a disclosure list, read from a CSV file.

The ledger keeps pledgers by id; a published list should name them. The file
has a header row with ``id`` and ``name`` columns (others are ignored), one
pledger a row, in UTF-8 (a byte-order mark, as Excel writes, is fine).
"""

import csv
import io
import os
from pathlib import Path

from banshishi._core.csv_text import unguard
from banshishi._core.errors import DuplicateError, InvalidValueError
from banshishi._core.whole_file import failure_text

NAME_COLUMNS = ("id", "name")


def read_pledger_names(path: str | os.PathLike[str]) -> dict[str, str]:
    """The pledger ids and names in the CSV file ``path``; a file that cannot be
    read, lacks a column, has a row with an empty cell or names one id twice
    raises :class:`InvalidValueError` (or :class:`DuplicateError`) naming the
    file, the row and the column."""
    try:
        text = Path(path).read_text(encoding="utf-8-sig")
    except OSError as error:
        raise InvalidValueError(
            field="names", value=str(path), problem=f"cannot be read ({failure_text(error)})"
        ) from None
    except UnicodeDecodeError:
        raise InvalidValueError(
            field="names", value=str(path), problem="is not UTF-8 text"
        ) from None
    return pledger_names(text, source=str(path))


def pledger_names(text: str, *, source: str = "names") -> dict[str, str]:
    """The pledger ids and names in CSV ``text`` (see :func:`read_pledger_names`).

    >>> pledger_names("id,name\\npm-001,张三\\nleader-02,李四\\n")
    {'pm-001': '张三', 'leader-02': '李四'}
    """
    try:
        rows = list(csv.reader(io.StringIO(text, newline="")))
    except csv.Error as error:
        raise InvalidValueError(
            field=source, value=text[:80], problem=f"is not CSV ({error})"
        ) from None
    header = [cell.strip() for cell in rows[0]] if rows else []
    missing = [column for column in NAME_COLUMNS if column not in header]
    if missing:
        raise InvalidValueError(
            field=f"{source} row 1",
            value=header,
            problem=f"lacks the column{'s' if len(missing) > 1 else ''} {', '.join(missing)}",
            hint="The first row names the columns: id,name.",
        )
    at = {column: header.index(column) for column in NAME_COLUMNS}
    names: dict[str, str] = {}
    for number, row in enumerate(rows[1:], start=2):
        if not any(cell.strip() for cell in row):
            continue  # a blank line
        cells = {}
        for column, index in at.items():
            cell = unguard(row[index]).strip() if index < len(row) else ""
            if not cell:
                raise InvalidValueError(
                    field=f"{source} row {number}, column {column}",
                    value=cell,
                    problem="is empty",
                )
            cells[column] = cell
        if cells["id"] in names:
            raise DuplicateError(
                field=f"{source} row {number}, column id",
                value=cells["id"],
                problem="names a pledger already named above",
            )
        names[cells["id"]] = cells["name"]
    return names
