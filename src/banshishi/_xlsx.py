"""Ledger files as Excel workbooks (.xlsx), through openpyxl.

Written: one sheet named 台账 with a bold, frozen header row, a filter on the
header and column widths fitted to the text of the first rows (a Chinese
character counts twice). Every text is stored as a text cell, so a title starting with ``=`` stays a
title and never becomes a formula. The same ledger gives the same bytes: the
zip entries and the workbook's dates are fixed (to the latest moment the ledger
records) instead of taken from the clock.

Read: the sheet named 台账, or the only sheet. Date-time cells are taken as
China Standard Time; formulas and error cells are reported, never evaluated.
"""

import contextlib
import datetime as dt
import os
import re
import unicodedata
import zipfile
from collections.abc import Iterator, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

import openpyxl
from openpyxl.cell import WriteOnlyCell
from openpyxl.styles import Font
from openpyxl.utils import get_column_letter
from openpyxl.utils.exceptions import InvalidFileException
from openpyxl.writer.excel import ExcelWriter

from ._errors import LedgerFileError

if TYPE_CHECKING:
    from _typeshed import SizedBuffer
from ._ledger_cells import Cell
from ._ledger_row import SheetValue

SHEET = "台账"
"""The name of the sheet a ledger is written to and read from."""

WIDTH_SAMPLE = 1000
"""How many rows column widths are fitted to: enough to see the data's shape,
few enough that a ledger of a million rows is not measured cell by cell."""

MAX_CELL_TEXT = 32_767
"""The most characters Excel keeps in one cell."""

# Characters an XLSX cell cannot carry as openpyxl writes it: XML forbids most
# control characters and U+FFFE/U+FFFF, a carriage return comes back as a line
# feed, and openpyxl's reader deletes the text "x005F_" wherever it occurs.
_UNWRITABLE = re.compile("[\x00-\x08\x0b\x0c\x0d\x0e-\x1f\ufffe\uffff]|x005F_")


def unwritable(text: str) -> str | None:
    """Why ``text`` cannot go into an XLSX cell unchanged, or ``None`` if it can."""
    if len(text) > MAX_CELL_TEXT:
        return f"is longer than the {MAX_CELL_TEXT:,} characters an XLSX cell holds"
    found = _UNWRITABLE.search(text)
    if found is not None:
        return f"contains {found.group()!r}, which an XLSX cell cannot hold"
    return None


_ZIP_DATE = (1980, 1, 1, 0, 0, 0)


class _SteadyZip(zipfile.ZipFile):
    """A zip archive that dates every entry 1980-01-01, so that writing the same
    workbook twice gives the same bytes (openpyxl would date each by the clock)."""

    def writestr(
        self,
        zinfo_or_arcname: str | zipfile.ZipInfo,
        data: "SizedBuffer | str",
        compress_type: int | None = None,
        compresslevel: int | None = None,
    ) -> None:
        if not isinstance(zinfo_or_arcname, zipfile.ZipInfo):
            zinfo_or_arcname = zipfile.ZipInfo(zinfo_or_arcname, date_time=_ZIP_DATE)
            zinfo_or_arcname.compress_type = zipfile.ZIP_DEFLATED
            zinfo_or_arcname.external_attr = 0o600 << 16
        super().writestr(zinfo_or_arcname, data, compress_type, compresslevel)

    def write(
        self,
        filename: "str | os.PathLike[str]",
        arcname: "str | os.PathLike[str] | None" = None,
        compress_type: int | None = None,
        compresslevel: int | None = None,
    ) -> None:
        with open(filename, "rb") as source:
            data = source.read()
        self.writestr(os.fspath(arcname or filename), data, compress_type, compresslevel)


def _width(cells: Sequence[Cell]) -> float:
    """A column width that shows the widest cell, within reason."""
    widest = 0
    for cell in cells:
        for line in str(cell or "").splitlines() or [""]:
            wide = sum(2 if unicodedata.east_asian_width(ch) in "WF" else 1 for ch in line)
            widest = max(widest, wide)
    return float(min(max(widest + 2, 8), 60))


def write_xlsx(
    path: Path, header: Sequence[str], rows: Sequence[Sequence[Cell]], *, modified: dt.datetime
) -> None:
    """Write a one-sheet workbook to ``path`` (the caller chose a temporary name)."""
    workbook = openpyxl.Workbook(write_only=True)
    sheet: Any = workbook.create_sheet(SHEET)
    sheet.freeze_panes = "A2"
    sample = rows[:WIDTH_SAMPLE]
    for index in range(len(header)):
        column = [header[index], *(row[index] for row in sample)]
        sheet.column_dimensions[get_column_letter(index + 1)].width = _width(column)
    last = get_column_letter(max(len(header), 1))
    sheet.auto_filter.ref = f"A1:{last}{len(rows) + 1}"
    bold = Font(bold=True)
    titles = []
    for text in header:
        cell = WriteOnlyCell(sheet, value=text)
        cell.font = bold
        titles.append(cell)
    sheet.append(titles)
    for row in rows:
        sheet.append([_cell(sheet, value) for value in row])
    stamp = modified.astimezone(dt.UTC).replace(tzinfo=None, microsecond=0)
    workbook.properties.created = stamp
    workbook.properties.modified = stamp
    with _SteadyZip(path, "w", zipfile.ZIP_DEFLATED, allowZip64=True) as archive:
        ExcelWriter(workbook, archive).save()


def _cell(sheet: Any, value: Cell) -> object:
    if value is None or value == "":
        return None
    if isinstance(value, str):
        # Every text is a text cell: openpyxl would otherwise take "=…" for a
        # formula and "#N/A" for an error value.
        cell = WriteOnlyCell(sheet, value=value)
        cell.data_type = "s"
        return cell
    return value


@contextlib.contextmanager
def xlsx_rows(path: Path) -> Iterator[Iterator[tuple[int, list[object]]]]:
    """The rows of the ledger sheet of ``path``, numbered from 1, each cell a
    value (formulas and error cells as :class:`SheetValue`)."""
    try:
        # openpyxl judges a path by its suffix; a stream lets format="xlsx" decide.
        handle = path.open("rb")
    except OSError as error:
        raise LedgerFileError(
            field="ledger file", value=str(path), problem=f"cannot be read ({error.strerror})"
        ) from None
    try:
        workbook = openpyxl.load_workbook(handle, read_only=True, data_only=False)
    except _BROKEN as error:
        handle.close()
        raise _broken(path, error) from None
    try:
        names = workbook.sheetnames
        if SHEET not in names and len(names) != 1:
            raise LedgerFileError(
                field="ledger file",
                value=str(path),
                problem=f"has no sheet named {SHEET} (and more than one sheet)",
                hint=f"Name the ledger's sheet {SHEET}.",
            )
        sheet = workbook[SHEET if SHEET in names else names[0]]
        if not hasattr(sheet, "iter_rows"):
            raise LedgerFileError(
                field="ledger file",
                value=str(path),
                problem=f"has a chart sheet where the ledger's sheet {sheet.title!r} should be",
            )
        # A sheet's declared size may be wrong (some tools write too small a
        # one); read every row there is instead of trusting it.
        sheet.reset_dimensions()
        yield _rows(sheet, path)
    finally:
        workbook.close()
        handle.close()


_BROKEN = (zipfile.BadZipFile, InvalidFileException, KeyError, ValueError, OSError, SyntaxError)
"""What openpyxl raises on a file that is not a sound workbook (a bad zip, missing
parts, XML that does not parse: ElementTree's ParseError is a SyntaxError)."""


def _broken(path: Path, error: Exception) -> LedgerFileError:
    return LedgerFileError(
        field="ledger file",
        value=str(path),
        problem=f"is not an XLSX workbook that can be read ({type(error).__name__}: {error})",
    )


def _rows(sheet: Any, path: Path) -> Iterator[tuple[int, list[object]]]:
    # The sheet is parsed as it is read, so a broken part can surface mid-way.
    try:
        for number, row in enumerate(sheet.iter_rows(), start=1):
            yield number, [_value(cell) for cell in row]
    except _BROKEN as error:
        raise _broken(path, error) from None


def _value(cell: Any) -> object:
    kind = getattr(cell, "data_type", "n")
    value = getattr(cell, "value", None)
    if kind == "f":
        return SheetValue(text=str(value), what=f"a formula ({value})")
    if kind == "e":
        return SheetValue(text=str(value), what=f"a spreadsheet error ({value})")
    return value
