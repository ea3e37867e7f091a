"""Ledger files as CSV: UTF-8 text that Excel opens correctly and cannot be
tricked into running.

Excel takes a CSV file without a byte-order mark for the local code page, so a
ledger is written with one; a file Excel saved in a Chinese locale (GB18030) is
read too. Cells are written by the one CSV writer (``_csv_text``): text a
spreadsheet would run as a formula is written behind an apostrophe, and read
back without it.
"""

import csv
from collections.abc import Iterator
from pathlib import Path
from typing import IO

from ._csv_text import CsvWriter, unguard
from ._errors import LedgerFileError
from ._ledger_cells import Cell


def write_csv(file: IO[str], header: list[str], rows: list[list[Cell]]) -> None:
    """Write the header and the rows, text guarded, with Excel's CRLF line ends."""
    writer = CsvWriter(file)
    writer.row(header)
    for row in rows:
        writer.row(row)


def csv_rows(file: IO[str], source: str) -> Iterator[tuple[int, list[object]]]:
    """The records of ``file`` numbered from 1 as a spreadsheet shows them (a
    cell with line breaks in it does not add rows), unguarded."""
    number = 0
    limit = csv.field_size_limit()
    try:
        for number, row in enumerate(_reader(file, limit), start=1):
            yield number, [unguard(cell) for cell in row]
    except csv.Error as error:
        raise LedgerFileError(
            field="ledger file",
            value=source,
            problem=f"is not valid CSV at row {number + 1} ({error})",
        ) from None
    except UnicodeDecodeError as error:
        raise LedgerFileError(
            field="ledger file",
            value=source,
            problem=f"is not text in the stream's encoding ({error})",
        ) from None


def _reader(file: IO[str], limit: int) -> Iterator[list[str]]:
    """csv.reader over ``file`` with room for long descriptions; the module's
    process-wide field limit is raised only while a row is read, then put back."""
    rows = csv.reader(file)
    while True:
        csv.field_size_limit(max(limit, 1 << 30))
        try:
            row = next(rows, None)
        finally:
            csv.field_size_limit(limit)
        if row is None:
            return
        yield row


def decode(data: bytes, source: Path) -> str:
    """The text of a CSV file: UTF-8 (with or without a byte-order mark), else
    GB18030, which Excel uses for "CSV" in a Chinese locale."""
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError:
        pass
    try:
        return data.decode("gb18030")
    except UnicodeDecodeError:
        raise LedgerFileError(
            field="ledger file",
            value=str(source),
            problem="is not text: neither UTF-8 nor GB18030",
            hint="Save it as CSV UTF-8.",
        ) from None
