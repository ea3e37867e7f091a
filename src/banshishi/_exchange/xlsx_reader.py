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
  shared strings or ``MAX_ROWS`` rows, and a cell or string longer than
  :data:`MAX_CELL_TEXT` characters, as soon as it is seen;
* keeps the ledger's columns only: of any cell further right, a row keeps just
  the first with a value (as :class:`Beyond`), which is reported;
* refuses a document type declaration (and so every entity trick) outright.

Time is linear in the bytes read, and memory bounded by the limits. The sheet's
rows are made by ``xlsx_sheet``. Values are
read as openpyxl reads them: date-formatted numbers as date-times (taken as
China Standard Time by the ledger), formulas and error cells as
:class:`SheetValue`, never evaluated. openpyxl's date rules are imported when a
workbook is first read, not with the package.
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

from banshishi._core.errors import LedgerFileError

from .xlsx_sheet import CellText, Refusal, SheetRows, refuse, whole

SHEET = "台账"
"""The name of the sheet a ledger is written to and read from."""

MAX_SHEET_BYTES = 256 << 20
"""The largest ledger sheet read, uncompressed."""
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

_CHUNK = 1 << 16


@contextlib.contextmanager
def xlsx_rows(
    path: Path, *, sheet: str = SHEET, what: str = "ledger file"
) -> Iterator[Iterator[tuple[int, list[object]]]]:
    """The rows of the sheet named ``sheet`` of ``path`` (or of its only sheet),
    each numbered as the sheet numbers it, with at most ``WIDTH`` cells (and a
    :class:`Beyond`). Errors name the file as ``what``."""
    try:
        handle = path.open("rb")
    except OSError as error:
        raise _error(path, f"cannot be read ({error.strerror})", what=what) from None
    try:
        try:
            archive = zipfile.ZipFile(handle)
        except _BROKEN as error:
            raise _broken(path, error, what) from None
        with archive:
            try:
                part, strings, styles, epoch = _open_workbook(archive, sheet)
            except Refusal as refusal:
                raise _broken(path, refusal, what) from None
            except _BROKEN as error:
                raise _broken(path, error, what) from None
            rows = _sheet_rows(archive, part, SheetRows(strings, styles, epoch))
            yield _guarded(rows, path, what)
    finally:
        handle.close()


_BROKEN = (
    zipfile.BadZipFile,
    zlib.error,
    EOFError,
    OSError,
    KeyError,
    ValueError,
    expat.ExpatError,
)
"""What the zip and XML readers raise on a file that is not a sound workbook."""


def _sheet_rows(
    archive: zipfile.ZipFile, info: zipfile.ZipInfo, sheet: SheetRows
) -> Iterator[tuple[int, list[object]]]:
    for _ in _parse(archive, info, sheet.start, sheet.end, sheet.text.add):
        yield from sheet.done
        sheet.done.clear()


def _guarded(
    rows: Iterator[tuple[int, list[object]]], path: Path, what: str
) -> Iterator[tuple[int, list[object]]]:
    try:
        yield from rows
    except Refusal as refusal:
        raise _broken(path, refusal, what) from None
    except _BROKEN as error:
        raise _broken(path, error, what) from None


def _error(path: Path, problem: str, hint: str = "", *, what: str) -> LedgerFileError:
    return LedgerFileError(field=what, value=str(path), problem=problem, hint=hint)


def _broken(path: Path, error: Exception, what: str) -> LedgerFileError:
    if isinstance(error, Refusal):
        return _error(path, f"is not an XLSX workbook that can be read: {error}", what=what)
    return _error(
        path,
        f"is not an XLSX workbook that can be read ({type(error).__name__}: {error})",
        what=what,
    )


# -- the parts ----------------------------------------------------------------------------


def _part(archive: zipfile.ZipFile, name: str, limit: int) -> zipfile.ZipInfo:
    """The entry ``name``, if its declared size is within ``limit`` and the ratio."""
    info = archive.getinfo(name)
    if info.flag_bits & 0x1:
        refuse(f"its part {name} is encrypted")
    if info.compress_type not in (zipfile.ZIP_STORED, zipfile.ZIP_DEFLATED):
        refuse(f"its part {name} is compressed in a way Excel does not write")
    if info.file_size > limit:
        refuse(f"its part {name} is {info.file_size:,} bytes, more than the {limit:,} read")
    if info.file_size > (1 << 20) and info.file_size > MAX_RATIO * info.compress_size:
        refuse(
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
    refuse("it declares a document type, which no workbook part has")


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
            refuse(f"{rels} lists more than {MAX_ENTRIES:,} relationships")

    _run(_parse(archive, _part(archive, rels, MAX_PART_BYTES), start))
    return found


def _open_workbook(
    archive: zipfile.ZipFile, wanted: str
) -> tuple[zipfile.ZipInfo, list[str], dict[int, bool], dt.datetime]:
    """The ledger sheet's entry, the shared strings, the date styles (style index →
    whether a duration) and the date epoch."""
    from openpyxl.utils.datetime import MAC_EPOCH, WINDOWS_EPOCH

    if len(archive.infolist()) > MAX_ENTRIES:
        refuse(f"it holds more than {MAX_ENTRIES:,} parts")
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
                refuse(f"it lists more than {MAX_ENTRIES:,} sheets")
        elif element == "workbookPr" and attributes.get("date1904") in ("1", "true"):
            epoch[0] = MAC_EPOCH

    _run(_parse(archive, _part(archive, book, MAX_PART_BYTES), start))
    relations = _relations(archive, book)
    names = [name for name, _ in sheets]
    if wanted not in names and len(names) != 1:
        refuse(f"it has no sheet named {wanted} (and more than one sheet)")
    title, key = sheets[names.index(wanted) if wanted in names else 0]
    kind, target = relations.get(key, ("", ""))
    if not kind.endswith("/worksheet"):
        what = "a chart sheet" if kind.endswith("/chartsheet") else "no worksheet"
        refuse(f"it has {what} where the sheet {title!r} should be")
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
    text = CellText(f"shared string {len(strings)}")
    depth = {"si": 0, "rPh": 0}

    def start(element: str, attributes: dict[str, str]) -> None:
        if element == "sst":
            declared = whole(attributes.get("uniqueCount") or attributes.get("count"), 0)
            if declared > MAX_SHARED_STRINGS:
                refuse(
                    f"it declares {declared:,} shared strings, more than the "
                    f"{MAX_SHARED_STRINGS:,} read"
                )
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
                refuse(f"it holds more than {MAX_SHARED_STRINGS:,} shared strings")

    _run(_parse(archive, info, start, end, text.add))
    return strings


def _date_styles(archive: zipfile.ZipFile, info: zipfile.ZipInfo) -> dict[int, bool]:
    """Which cell styles show a date (style index → whether as a duration)."""
    from openpyxl.styles.numbers import BUILTIN_FORMATS, is_date_format, is_timedelta_format

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
            code = BUILTIN_FORMATS.get(whole(number, -1), "General")
        if is_date_format(code):
            styles[index] = bool(is_timedelta_format(code))
    return styles
