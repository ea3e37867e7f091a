"""The ledger sheet of an XLSX workbook, turned from XML events into rows.

:class:`SheetRows` holds the handlers an XML parser calls for the sheet's
elements (``xlsx_reader`` feeds it the part a chunk at a time); each finished
row waits in ``done`` as its number and at most :data:`WIDTH` cell values
(and a :class:`Beyond`). Nothing is kept of a cell right of the ledger's
columns but the first value there, and no text longer than a cell may be is
gathered, so a row costs the same however far its cells reach.
"""

import datetime as dt
from typing import NoReturn

from .ledger_cells import MAX_CELL_TEXT
from .ledger_columns import COLUMNS
from .ledger_row import Beyond, SheetValue

MAX_ROWS = 1_048_576
"""The most rows a sheet has in Excel."""

WIDTH = len(COLUMNS)
"""The columns kept of each row: a ledger has no more."""

_RAW_TEXT = 2 * MAX_CELL_TEXT  # escapes (x005F_) make the XML text longer than the cell's


class Refusal(Exception):
    """Why the workbook cannot be read; raised inside the XML handlers."""


def refuse(problem: str) -> NoReturn:
    raise Refusal(problem)


class CellText:
    """Character data gathered for one value, refused once past the cell limit."""

    __slots__ = ("collecting", "parts", "size", "what")

    def __init__(self, what: str) -> None:
        self.reset(what)

    def reset(self, what: str) -> None:
        self.what = what
        self.parts: list[str] = []
        self.size = 0
        self.collecting = False

    def add(self, data: str) -> None:
        if self.collecting:
            self.size += len(data)
            if self.size > _RAW_TEXT:
                self._too_long()
            self.parts.append(data)

    def value(self) -> str:
        found = "".join(self.parts).replace("x005F_", "")  # as openpyxl reads it
        if len(found) > MAX_CELL_TEXT:
            self._too_long()
        return found

    def _too_long(self) -> NoReturn:
        refuse(f"{self.what} is longer than the {MAX_CELL_TEXT:,} characters a cell holds")


class SheetRows:
    """The handlers that turn the sheet's XML into rows of cell values."""

    def __init__(self, strings: list[str], styles: dict[int, bool], epoch: dt.datetime) -> None:
        from openpyxl.utils.datetime import from_excel, from_ISO8601

        self.from_excel = from_excel
        self.from_iso = from_ISO8601
        self.strings = strings
        self.styles = styles
        self.epoch = epoch
        self.done: list[tuple[int, list[object]]] = []
        self.number = 0
        self.cells: list[object] = []
        self.beyond: Beyond | None = None
        self.column = 0
        self.kind = "n"
        self.style = 0
        self.formula: str | None = None
        self.value: str | None = None
        self.inline: str | None = None
        self.target = ""
        self.in_inline = False
        self.phonetic = 0
        self.text = CellText("a cell")

    def start(self, element: str, attributes: dict[str, str]) -> None:
        if element == "c":
            self.column = _column(attributes.get("r"), self.column)
            self.kind = attributes.get("t", "n")
            self.style = whole(attributes.get("s"), 0)
            self.formula = self.value = self.inline = None
        elif element == "row":
            self._start_row(attributes.get("r"))
        elif element in ("v", "f", "is"):
            self.target = element
            self.text.reset(f"cell {_letters(self.column)}{self.number}")
            self.text.collecting = element != "is"
            self.in_inline = element == "is"
        elif element == "t" and self.in_inline and not self.phonetic:
            self.text.collecting = True
        elif element == "rPh":
            self.phonetic += 1

    def end(self, element: str) -> None:
        if element == "c":
            self._place(self._cell())
        elif element == "row":
            if self.cells or self.beyond is not None:
                self.done.append((self.number, self._row()))
        elif element == "t":
            self.text.collecting = False
        elif element == "rPh":
            self.phonetic -= 1
        elif element == self.target:
            self.text.collecting = self.in_inline = False
            self.target = ""
            found = self.text.value()
            if element == "v":
                self.value = found
            elif element == "f":
                self.formula = found
            else:
                self.inline = found

    def _start_row(self, number: str | None) -> None:
        self.number = whole(number, 0) or self.number + 1
        if self.number > MAX_ROWS:
            refuse(f"its sheet has rows past row {MAX_ROWS:,}, the last a sheet has")
        self.cells = []
        self.beyond = None
        self.column = 0

    def _row(self) -> list[object]:
        cells = self.cells
        if self.beyond is not None:
            cells = [*cells, *([None] * (WIDTH - len(cells))), self.beyond]
        return cells

    def _place(self, value: object) -> None:
        if self.column > WIDTH:
            if self.beyond is None and not (value is None or value == ""):
                self.beyond = Beyond(column=self.column, value=value)
            return
        if len(self.cells) < self.column:
            self.cells.extend([None] * (self.column - len(self.cells)))
        self.cells[self.column - 1] = value

    def _cell(self) -> object:
        if self.formula is not None:
            shown = f"={self.formula}"
            return SheetValue(text=shown, what=f"a formula ({shown})")
        if self.kind == "inlineStr":
            return self.inline
        value = self.value
        if not value:
            return None
        if self.kind == "s":
            return self._shared(value)
        if self.kind == "e":
            return SheetValue(text=value, what=f"a spreadsheet error ({value})")
        if self.kind == "b":
            if value not in ("0", "1"):
                return SheetValue(text=value, what="a true/false cell holding neither")
            return value == "1"
        if self.kind == "d":
            try:
                return self.from_iso(value)  # type: ignore[no-untyped-call]
            except (ValueError, TypeError, OverflowError):
                return SheetValue(text=value, what="a date cell holding no date")
        if self.kind == "n":
            return self._number(value)
        return value  # "str": the text a formula gave, or text stored as such

    def _shared(self, value: str) -> str:
        index = whole(value, -1)
        if not 0 <= index < len(self.strings):
            refuse(
                f"cell {_letters(self.column)}{self.number} refers to shared string "
                f"{value!r}, but the workbook has {len(self.strings):,}"
            )
        return self.strings[index]

    def _number(self, value: str) -> object:
        try:
            number: float | int = float(value) if any(c in value for c in ".Ee") else int(value)
        except ValueError:  # not a number, or more digits than Python converts
            return SheetValue(text=value[:40], what="a number that cannot be read")
        duration = self.styles.get(self.style)
        if duration is None:
            return number
        try:
            return self.from_excel(number, self.epoch, timedelta=duration)
        except (OverflowError, ValueError):
            return SheetValue(text=value, what="a date out of range (#VALUE!)")


def whole(text: str | None, default: int) -> int:
    """``text`` as a whole number of up to 12 ASCII digits, else ``default``."""
    if text is None or not (text.isascii() and text.isdigit()) or len(text) > 12:
        return default
    return int(text)


def _column(reference: str | None, previous: int) -> int:
    """The column (from 1) a cell reference such as ``AB12`` names; the next one
    after ``previous`` when there is none."""
    if not reference:
        return previous + 1
    index = 0
    for position, char in enumerate(reference):
        if "A" <= char <= "Z":
            index = index * 26 + ord(char) - 64
        elif "a" <= char <= "z":
            index = index * 26 + ord(char) - 96
        else:
            break
        if position > 6:  # past any sheet's last column: far enough
            break
    return index or previous + 1


def _letters(column: int) -> str:
    letters = ""
    while column > 0:
        column, remainder = divmod(column - 1, 26)
        letters = chr(65 + remainder) + letters
    return letters
