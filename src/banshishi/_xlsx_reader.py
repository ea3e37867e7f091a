"""Reading the ledger sheet of an XLSX workbook in bounded time and memory.

A workbook is a zip archive of XML parts, and every size in it can lie or
explode: a part of a few kilobytes can inflate to gigabytes, a sheet can place
one cell at the last of 16,384 columns in every row, a table of shared strings
can hold ten million entries or one string of 600 MB. So the reader

* checks each part's size, as the archive declares it, before reading it: at
  most :data:`MAX_SHEET_BYTES` for the sheet, :data:`MAX_STRINGS_BYTES` for the
  shared strings and :data:`MAX_PART_BYTES` for any other part, and at most
  :data:`MAX_RATIO` times its compressed size (the archive never yields more
  than it declares: the zip reader stops there);
* reads only the parts it needs (the workbook, its relationships, the styles,
  the shared strings and the one ledger sheet), as a stream of XML events, with
  no tree kept;
* refuses a workbook declaring or holding more than :data:`MAX_SHARED_STRINGS`
  shared strings or :data:`MAX_ROWS` rows, and a cell or string longer than
  :data:`MAX_CELL_TEXT` characters, as soon as it is seen;
* keeps the ledger's columns only: of any cell further right, a row keeps just
  the first with a value (as :class:`Beyond`), which is reported;
* refuses a document type declaration (and so every entity trick) outright.

Time is linear in the bytes read, and memory bounded by the limits. Values are
read as openpyxl reads them: date-formatted numbers as date-times (taken as
China Standard Time by the ledger), formulas and error cells as
:class:`SheetValue`, never evaluated.
"""

import contextlib
import datetime as dt
import posixpath
import zipfile
import zlib
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import NoReturn
from xml.parsers import expat

from openpyxl.styles.numbers import BUILTIN_FORMATS, is_date_format, is_timedelta_format
from openpyxl.utils.datetime import MAC_EPOCH, WINDOWS_EPOCH, from_excel, from_ISO8601

from ._errors import LedgerFileError
from ._ledger_cells import MAX_CELL_TEXT
from ._ledger_columns import COLUMNS
from ._ledger_row import Beyond, SheetValue

SHEET = "台账"
"""The name of the sheet a ledger is written to and read from."""

MAX_ROWS = 1_048_576
"""The most rows a sheet has in Excel."""
MAX_SHEET_BYTES = 256 << 20
"""The largest ledger sheet read, uncompressed (about 200,000 full rows)."""
MAX_STRINGS_BYTES = 64 << 20
"""The largest table of shared strings read, uncompressed."""
MAX_SHARED_STRINGS = 2_000_000
"""The most shared strings a workbook may declare or hold."""
MAX_PART_BYTES = 8 << 20
"""The largest other part read (the workbook, its relationships, the styles)."""
MAX_RATIO = 200
"""How many times its compressed size a part may inflate to; real sheets inflate
ten to fifty times."""
MAX_ENTRIES = 10_000
"""The most entries the archive may hold."""

WIDTH = len(COLUMNS)
"""The columns kept of each row: a ledger has no more."""

_CHUNK = 1 << 16
_RAW_TEXT = 2 * MAX_CELL_TEXT  # escapes (x005F_) make the XML text longer than the cell's


class _Refusal(Exception):
    """Why the workbook cannot be read; raised inside the XML handlers."""


def _refuse(problem: str) -> NoReturn:
    raise _Refusal(problem)


@contextlib.contextmanager
def xlsx_rows(path: Path) -> Iterator[Iterator[tuple[int, list[object]]]]:
    """The rows of the ledger sheet of ``path``, each numbered as the sheet
    numbers it, with at most :data:`WIDTH` cells (and a :class:`Beyond`)."""
    try:
        handle = path.open("rb")
    except OSError as error:
        raise _error(path, f"cannot be read ({error.strerror})") from None
    try:
        try:
            archive = zipfile.ZipFile(handle)
        except _BROKEN as error:
            raise _broken(path, error) from None
        with archive:
            try:
                sheet, strings, styles, epoch = _open_workbook(archive)
            except _Refusal as refusal:
                raise _broken(path, refusal) from None
            except _BROKEN as error:
                raise _broken(path, error) from None
            yield _guarded(_Sheet(strings, styles, epoch).rows(archive, sheet), path)
    finally:
        handle.close()


_BROKEN = (
    zipfile.BadZipFile, zlib.error, EOFError, OSError, KeyError, ValueError, expat.ExpatError,
)  # fmt: skip
"""What the zip and XML readers raise on a file that is not a sound workbook."""


def _guarded(
    rows: Iterator[tuple[int, list[object]]], path: Path
) -> Iterator[tuple[int, list[object]]]:
    try:
        yield from rows
    except _Refusal as refusal:
        raise _broken(path, refusal) from None
    except _BROKEN as error:
        raise _broken(path, error) from None


def _error(path: Path, problem: str, hint: str = "") -> LedgerFileError:
    return LedgerFileError(field="ledger file", value=str(path), problem=problem, hint=hint)


def _broken(path: Path, error: Exception) -> LedgerFileError:
    if isinstance(error, _Refusal):
        return _error(path, f"is not an XLSX workbook that can be read: {error}")
    return _error(
        path, f"is not an XLSX workbook that can be read ({type(error).__name__}: {error})"
    )


# -- the parts ----------------------------------------------------------------------------


def _part(archive: zipfile.ZipFile, name: str, limit: int) -> zipfile.ZipInfo:
    """The entry ``name``, if its declared size is within ``limit`` and the ratio."""
    info = archive.getinfo(name)
    if info.flag_bits & 0x1:
        _refuse(f"its part {name} is encrypted")
    if info.compress_type not in (zipfile.ZIP_STORED, zipfile.ZIP_DEFLATED):
        _refuse(f"its part {name} is compressed in a way Excel does not write")
    if info.file_size > limit:
        _refuse(f"its part {name} is {info.file_size:,} bytes, more than the {limit:,} read")
    if info.file_size > (1 << 20) and info.file_size > MAX_RATIO * info.compress_size:
        _refuse(
            f"its part {name} inflates {info.file_size:,} bytes from "
            f"{info.compress_size:,}, more than {MAX_RATIO} times over"
        )
    return info


def _parse(
    archive: zipfile.ZipFile,
    info: zipfile.ZipInfo,
    start: Callable[[str, dict[str, str]], None],
    end: Callable[[str], None] | None = None,
    text: Callable[[str], None] | None = None,
) -> Iterator[None]:
    """Feed the part to an XML parser with the given handlers (element names
    without their prefix), a chunk at a time; yields after each chunk."""
    parser = expat.ParserCreate()
    parser.buffer_text = True
    parser.StartDoctypeDeclHandler = _no_doctype
    parser.EntityDeclHandler = _no_doctype
    parser.StartElementHandler = lambda name, attributes: start(_local(name), attributes)
    if end is not None:
        parser.EndElementHandler = lambda name: end(_local(name))
    if text is not None:
        parser.CharacterDataHandler = text
    with archive.open(info) as stream:
        while chunk := stream.read(_CHUNK):
            parser.Parse(chunk, False)
            yield
    parser.Parse(b"", True)
    yield


def _no_doctype(*_: object) -> NoReturn:
    _refuse("it declares a document type, which no workbook part has")


def _local(name: str) -> str:
    return name.rpartition(":")[2]


def _attribute(attributes: dict[str, str], local: str) -> str | None:
    for name, value in attributes.items():
        if _local(name) == local:
            return value
    return None


def _run(parts: Iterator[None]) -> None:
    for _ in parts:
        pass


def _relations(archive: zipfile.ZipFile, source: str) -> dict[str, tuple[str, str]]:
    """The relationships of the part ``source``: id → (type, target part name)."""
    folder, name = posixpath.split(source)
    rels = posixpath.join(folder, "_rels", f"{name}.rels")
    found: dict[str, tuple[str, str]] = {}
    if rels not in archive.NameToInfo:
        return found

    def start(element: str, attributes: dict[str, str]) -> None:
        if element != "Relationship" or attributes.get("TargetMode") == "External":
            return
        target = attributes.get("Target", "")
        if target.startswith("/"):
            target = target[1:]
        else:
            target = posixpath.normpath(posixpath.join(folder, target))
        found[attributes.get("Id", "")] = (attributes.get("Type", ""), target)
        if len(found) > MAX_ENTRIES:
            _refuse(f"{rels} lists more than {MAX_ENTRIES:,} relationships")

    _run(_parse(archive, _part(archive, rels, MAX_PART_BYTES), start))
    return found


def _open_workbook(
    archive: zipfile.ZipFile,
) -> tuple[zipfile.ZipInfo, list[str], dict[int, bool], dt.datetime]:
    """The ledger sheet's entry, the shared strings, the date styles (style index →
    whether a duration) and the date epoch."""
    if len(archive.infolist()) > MAX_ENTRIES:
        _refuse(f"it holds more than {MAX_ENTRIES:,} parts")
    book = next(
        (t for kind, t in _relations(archive, "").values() if kind.endswith("/officeDocument")),
        "xl/workbook.xml",
    )
    sheets: list[tuple[str, str]] = []
    epoch = [WINDOWS_EPOCH]

    def start(element: str, attributes: dict[str, str]) -> None:
        if element == "sheet":
            sheets.append((attributes.get("name", ""), _attribute(attributes, "id") or ""))
            if len(sheets) > MAX_ENTRIES:
                _refuse(f"it lists more than {MAX_ENTRIES:,} sheets")
        elif element == "workbookPr" and attributes.get("date1904") in ("1", "true"):
            epoch[0] = MAC_EPOCH

    _run(_parse(archive, _part(archive, book, MAX_PART_BYTES), start))
    relations = _relations(archive, book)
    names = [name for name, _ in sheets]
    if SHEET not in names and len(names) != 1:
        _refuse(f"it has no sheet named {SHEET} (and more than one sheet)")
    title, key = sheets[names.index(SHEET) if SHEET in names else 0]
    kind, target = relations.get(key, ("", ""))
    if not kind.endswith("/worksheet"):
        what = "a chart sheet" if kind.endswith("/chartsheet") else "no worksheet"
        _refuse(f"it has {what} where the ledger's sheet {title!r} should be")
    strings: list[str] = []
    styles: dict[int, bool] = {}
    for kind, part in relations.values():
        if kind.endswith("/sharedStrings"):
            strings = _shared_strings(archive, _part(archive, part, MAX_STRINGS_BYTES))
        elif kind.endswith("/styles"):
            styles = _date_styles(archive, _part(archive, part, MAX_PART_BYTES))
    return _part(archive, target, MAX_SHEET_BYTES), strings, styles, epoch[0]


def _shared_strings(archive: zipfile.ZipFile, info: zipfile.ZipInfo) -> list[str]:
    strings: list[str] = []
    text = _Text(f"shared string {len(strings)}")
    depth = {"si": 0, "rPh": 0}

    def start(element: str, attributes: dict[str, str]) -> None:
        if element == "sst":
            declared = _whole(attributes.get("uniqueCount") or attributes.get("count"), 0)
            if declared > MAX_SHARED_STRINGS:
                _refuse(f"it declares {declared:,} shared strings, more than the "
                        f"{MAX_SHARED_STRINGS:,} read")  # fmt: skip
        elif element == "si":
            depth["si"] += 1
            text.reset(f"shared string {len(strings)}")
        elif element == "rPh":
            depth["rPh"] += 1
        elif element == "t" and depth["si"] and not depth["rPh"]:
            text.collecting = True

    def end(element: str) -> None:
        if element == "t":
            text.collecting = False
        elif element == "rPh":
            depth["rPh"] -= 1
        elif element == "si":
            depth["si"] -= 1
            strings.append(text.value())
            if len(strings) > MAX_SHARED_STRINGS:
                _refuse(f"it holds more than {MAX_SHARED_STRINGS:,} shared strings")

    _run(_parse(archive, info, start, end, text.add))
    return strings


def _date_styles(archive: zipfile.ZipFile, info: zipfile.ZipInfo) -> dict[int, bool]:
    """Which cell styles show a date (style index → whether as a duration)."""
    custom: dict[str, str] = {}
    formats: list[str] = []
    inside = {"cellXfs": False}

    def start(element: str, attributes: dict[str, str]) -> None:
        if element == "numFmt":
            custom[attributes.get("numFmtId", "")] = attributes.get("formatCode", "")
        elif element == "cellXfs":
            inside["cellXfs"] = True
        elif element == "xf" and inside["cellXfs"]:
            formats.append(attributes.get("numFmtId", "0"))

    def end(element: str) -> None:
        if element == "cellXfs":
            inside["cellXfs"] = False

    _run(_parse(archive, info, start, end))
    styles: dict[int, bool] = {}
    for index, number in enumerate(formats):
        code = custom.get(number)
        if code is None:
            code = BUILTIN_FORMATS.get(_whole(number, -1), "General")
        if is_date_format(code):
            styles[index] = bool(is_timedelta_format(code))
    return styles


class _Text:
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
        _refuse(f"{self.what} is longer than the {MAX_CELL_TEXT:,} characters a cell holds")


# -- the sheet ----------------------------------------------------------------------------


class _Sheet:
    """The handlers that turn the sheet's XML into rows of cell values."""

    def __init__(self, strings: list[str], styles: dict[int, bool], epoch: dt.datetime) -> None:
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
        self.text = _Text("a cell")

    def rows(
        self, archive: zipfile.ZipFile, info: zipfile.ZipInfo
    ) -> Iterator[tuple[int, list[object]]]:
        for _ in _parse(archive, info, self.start, self.end, self.text.add):
            yield from self.done
            self.done.clear()

    def start(self, element: str, attributes: dict[str, str]) -> None:
        if element == "c":
            self.column = _column(attributes.get("r"), self.column)
            self.kind = attributes.get("t", "n")
            self.style = _whole(attributes.get("s"), 0)
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
        self.number = _whole(number, 0) or self.number + 1
        if self.number > MAX_ROWS:
            _refuse(f"its sheet has rows past row {MAX_ROWS:,}, the last a sheet has")
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
                return from_ISO8601(value)  # type: ignore[no-untyped-call]
            except (ValueError, TypeError, OverflowError):
                return SheetValue(text=value, what="a date cell holding no date")
        if self.kind == "n":
            return self._number(value)
        return value  # "str": the text a formula gave, or text stored as such

    def _shared(self, value: str) -> str:
        index = _whole(value, -1)
        if not 0 <= index < len(self.strings):
            _refuse(
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
            return from_excel(number, self.epoch, timedelta=duration)
        except (OverflowError, ValueError):
            return SheetValue(text=value, what="a date out of range (#VALUE!)")


def _whole(text: str | None, default: int) -> int:
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
