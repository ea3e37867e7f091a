"""Ledger files as CSV: UTF-8 text that Excel opens correctly and cannot be
tricked into running.

Excel takes a CSV file without a byte-order mark for the local code page, so a
ledger is written with one; a file Excel saved in a Chinese locale (GB18030) is
read too. Cells are written by the one CSV writer (``_csv_text``): text a
spreadsheet would run as a formula is written behind an apostrophe, and read
back without it.
"""

import codecs
import contextlib
import csv
import io
from collections.abc import Iterable, Iterator
from pathlib import Path
from typing import IO

from banshishi._core.csv_text import CsvWriter, unguard
from banshishi._core.errors import LedgerFileError

from .ledger_cells import MAX_CELL_TEXT, Cell
from .ledger_columns import COLUMNS
from .ledger_row import Beyond

WIDTH = len(COLUMNS)
"""The cells kept of each record: a ledger has no more columns."""


def write_csv(file: IO[str], header: list[str], rows: Iterable[list[Cell]]) -> None:
    """Write the header and the rows, text guarded, with Excel's CRLF line ends."""
    writer = CsvWriter(file)
    writer.row(header)
    for row in rows:
        writer.row(row)


MAX_ROW_TEXT = (WIDTH + 1) * (MAX_CELL_TEXT + 3)
"""The most characters one CSV record may take, line breaks in cells included:
every column full, quoted and guarded, and one column more."""


class _TooLong(Exception):
    """A record longer than :data:`MAX_ROW_TEXT`."""


class _Lines:
    """The lines of ``file`` for ``csv.reader``, refusing a record (one or more
    lines) longer than :data:`MAX_ROW_TEXT` before it is all in memory."""

    __slots__ = ("file", "used")

    def __init__(self, file: IO[str]) -> None:
        self.file = file
        self.used = 0

    def __iter__(self) -> "_Lines":
        return self

    def __next__(self) -> str:
        line = self.file.readline(MAX_ROW_TEXT + 1 - self.used)
        if not line:
            raise StopIteration
        self.used += len(line)
        if self.used > MAX_ROW_TEXT:
            raise _TooLong
        return line


def csv_rows(file: IO[str], source: str) -> Iterator[tuple[int, list[object]]]:
    """The records of ``file`` numbered from 1 as a spreadsheet shows them (a
    cell with line breaks in it does not add rows), unguarded, with at most
    :data:`WIDTH` cells (and a :class:`Beyond`).

    A cell longer than :data:`MAX_CELL_TEXT` characters, or a record longer than
    :data:`MAX_ROW_TEXT`, refuses the file: memory stays within one record.
    """
    number = 0
    lines = _Lines(file)
    rows = csv.reader(lines)
    limit = csv.field_size_limit()
    try:
        while True:
            # The csv module's field limit is process-wide: set to a cell's most
            # (and its guard) only while a record is read, then put back.
            csv.field_size_limit(MAX_CELL_TEXT + 1)
            try:
                row = next(rows, None)
            finally:
                csv.field_size_limit(limit)
            if row is None:
                return
            number += 1
            lines.used = 0
            yield number, _kept(row, number, source)
    except csv.Error as error:
        if "field limit" in str(error):
            raise _too_long(source, f"a cell at row {number + 1} is longer") from None
        raise LedgerFileError(
            field="ledger file",
            value=source,
            problem=f"is not valid CSV at row {number + 1} ({error})",
        ) from None
    except _TooLong:
        raise _too_long(source, f"row {number + 1} is longer than a ledger row can be") from None
    except UnicodeDecodeError as error:
        raise LedgerFileError(
            field="ledger file",
            value=source,
            problem=f"is not text in the stream's encoding ({error})",
        ) from None


def _kept(row: list[str], number: int, source: str) -> list[object]:
    """The row's cells unguarded, cut at the ledger's width (see :class:`Beyond`)."""
    cells: list[object] = [unguard(cell) for cell in row[:WIDTH]]
    # The field limit lets a guarded cell one character past the most through.
    longest = max(map(len, row), default=0)
    if longest > MAX_CELL_TEXT and any(len(unguard(cell)) > MAX_CELL_TEXT for cell in row):
        raise _too_long(source, f"a cell at row {number} is longer")
    for index in range(WIDTH, len(row)):
        if row[index]:
            cells.append(Beyond(column=index + 1, value=unguard(row[index])))
            break
    return cells


def _too_long(source: str, what: str) -> LedgerFileError:
    return LedgerFileError(
        field="ledger file",
        value=source,
        problem=f"is refused: {what} than the {MAX_CELL_TEXT:,} characters a ledger cell holds",
        hint="Shorten the text; Excel would cut the cell short anyway.",
    )


@contextlib.contextmanager
def csv_text(path: Path) -> Iterator[IO[str]]:
    """The CSV file ``path`` as a text stream, read a chunk at a time: UTF-8
    (with or without a byte-order mark), else GB18030, which Excel uses for
    "CSV" in a Chinese locale. The whole file is checked to decode first."""
    try:
        raw = path.open("rb")
    except OSError as error:
        raise _unreadable(path, error) from None
    with raw:
        try:
            if raw.read(4) == b"PK\x03\x04":
                raise LedgerFileError(
                    field="ledger file",
                    value=str(path),
                    problem="is a zip archive (an XLSX workbook?), not CSV text",
                    hint="Name it .xlsx, or pass format='xlsx'.",
                )
            encoding = next(
                (name for name in ("utf-8-sig", "gb18030") if _decodes(raw, name)), None
            )
            raw.seek(0)
        except OSError as error:
            raise _unreadable(path, error) from None
        if encoding is None:
            raise LedgerFileError(
                field="ledger file",
                value=str(path),
                problem="is not text: neither UTF-8 nor GB18030",
                hint="Save it as CSV UTF-8.",
            )
        text = io.TextIOWrapper(raw, encoding=encoding, newline="")
        try:
            yield text
        finally:
            text.detach()


def _decodes(raw: IO[bytes], encoding: str) -> bool:
    """Whether all of ``raw`` decodes as ``encoding``, read a chunk at a time."""
    raw.seek(0)
    decoder = codecs.getincrementaldecoder(encoding)()
    try:
        while chunk := raw.read(1 << 20):
            decoder.decode(chunk)
        decoder.decode(b"", final=True)
    except UnicodeDecodeError:
        return False
    return True


def _unreadable(path: Path, error: OSError) -> LedgerFileError:
    return LedgerFileError(
        field="ledger file", value=str(path), problem=f"cannot be read ({error.strerror or error})"
    )
