"""Ledger files as Excel workbooks (.xlsx), through openpyxl.

Written: one sheet named 台账 with a bold, frozen header row, a filter on the
header and column widths fitted to the text of the first rows (a Chinese
character counts twice). Every text is stored as a text cell, so a title starting with ``=`` stays a
title and never becomes a formula. The same ledger gives the same bytes: the
zip entries and the workbook's dates are fixed (to the latest moment the ledger
records) instead of taken from the clock.

Read: see ``xlsx_reader``, which reads the sheet in bounded time and memory.

openpyxl is imported when a workbook is first written, not with the package: most
programs never write one, and it is the costliest import the package has.
"""

import datetime as dt
import itertools
import os
import re
import unicodedata
import zipfile
from collections.abc import Callable, Iterable, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

from .ledger_cells import Cell
from .xlsx_reader import SHEET

if TYPE_CHECKING:
    from _typeshed import SizedBuffer
    from openpyxl.cell import Cell as SheetCell

WIDTH_SAMPLE = 1000
"""How many rows column widths are fitted to: enough to see the data's shape,
few enough that a ledger of a million rows is not measured cell by cell."""

# Characters an XLSX cell cannot carry as openpyxl writes it: XML forbids most
# control characters and U+FFFE/U+FFFF, a carriage return comes back as a line
# feed, and openpyxl's reader deletes the text "x005F_" wherever it occurs.
_UNWRITABLE = re.compile("[\x00-\x08\x0b\x0c\x0d\x0e-\x1f\ufffe\uffff]|x005F_")


def unwritable(text: str) -> str | None:
    """Why ``text`` cannot go into an XLSX cell unchanged, or ``None`` if it can
    (its length is checked for either format, against ``MAX_CELL_TEXT``)."""
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
    path: Path,
    header: Sequence[str],
    rows: Iterable[Sequence[Cell]],
    *,
    modified: Callable[[], dt.datetime],
) -> None:
    """Write a one-sheet workbook to ``path`` (the caller chose a temporary name),
    each row as it comes: only the first ``WIDTH_SAMPLE`` rows, which the
    column widths are fitted to, are held at once. The workbook is dated
    ``modified()``, asked once every row is written."""
    from openpyxl import Workbook
    from openpyxl.cell import WriteOnlyCell
    from openpyxl.styles import Font
    from openpyxl.utils import get_column_letter
    from openpyxl.writer.excel import ExcelWriter

    workbook = Workbook(write_only=True)
    sheet: Any = workbook.create_sheet(SHEET)
    sheet.freeze_panes = "A2"
    given = iter(rows)
    sample = list(itertools.islice(given, WIDTH_SAMPLE))
    for index in range(len(header)):
        column = [header[index], *(row[index] for row in sample)]
        sheet.column_dimensions[get_column_letter(index + 1)].width = _width(column)
    bold = Font(bold=True)
    titles = []
    for text in header:
        cell = WriteOnlyCell(sheet, value=text)
        cell.font = bold
        titles.append(cell)
    with _SteadyZip(path, "w", zipfile.ZIP_DEFLATED, allowZip64=True) as archive:
        sheet.append(titles)
        count = 0
        for row in itertools.chain(sample, given):
            sheet.append([_cell(sheet, value, WriteOnlyCell) for value in row])
            count += 1
        last = get_column_letter(max(len(header), 1))
        sheet.auto_filter.ref = f"A1:{last}{count + 1}"
        stamp = modified().astimezone(dt.UTC).replace(tzinfo=None, microsecond=0)
        workbook.properties.created = stamp
        workbook.properties.modified = stamp
        ExcelWriter(workbook, archive).save()


def _cell(sheet: Any, value: Cell, text_cell: "Callable[..., SheetCell]") -> object:
    if value is None or value == "":
        return None
    if isinstance(value, str):
        # Every text is a text cell: openpyxl would otherwise take "=…" for a
        # formula and "#N/A" for an error value.
        cell = text_cell(sheet, value=value)
        cell.data_type = "s"
        return cell
    return value
