"""Ledger files (台账): issues as a CSV or XLSX file with Chinese (or English)
headers, to hand to the people who keep and check ledgers in spreadsheets, and
to take their files back.

A file holds each issue as it stands, without its history (see
``_ledger_columns`` for what a row keeps), so an issue read back has the same
status, deadline, closure, answer and rating to count rates from.

Reading checks every row and keeps every problem, each with the row number the
spreadsheet shows (the header is row 1), the column as headed and the reason.
By default nothing is taken from a file with any bad row: :func:`read_ledger_file`
raises :class:`LedgerFileError` listing them. With ``on_bad_rows="skip"`` the
good rows come back with the problems beside them. A bad header (an unknown,
missing or repeated column, or headers in two languages) is refused either way.

Writing is all or nothing too, in memory that does not grow with the ledger:
each issue is turned into its row as the rows are written, under a temporary
name that is renamed over the target only once every row is written (a stream
gets the rows from a temporary file once all are made), so a refusal or a crash
never leaves half a ledger behind.
"""

import os
import shutil
import tempfile
from collections.abc import Callable, Iterable, Iterator
from pathlib import Path
from typing import IO, Literal

import pendulum
from pendulum import DateTime

from banshishi._core.errors import (
    BanshishiError,
    DuplicateError,
    InvalidTypeError,
    InvalidValueError,
    LedgerFileError,
)
from banshishi._core.validators import encodable, id_key, iterable_given
from banshishi._core.whole_file import named_file, written_whole
from banshishi._model.confidential import exported
from banshishi._model.issue import Issue

from .ledger_cells import MAX_CELL_TEXT, Cell, Language, joinable
from .ledger_columns import COLUMNS
from .ledger_csv import csv_rows, csv_text, write_csv
from .ledger_import import LedgerImport, read_rows
from .ledger_row import row_cells
from .xlsx import unwritable, write_xlsx
from .xlsx_reader import xlsx_rows

Format = Literal["csv", "xlsx"]
"""The file formats a ledger is written in: CSV (UTF-8) or an Excel workbook."""

BadRows = Literal["refuse", "skip"]
"""What to do about bad rows: take nothing from the file, or take the good rows."""


def write_ledger_file(
    issues: Iterable[Issue],
    path: "str | os.PathLike[str]",
    *,
    language: Language = "zh",
    format: Format | None = None,
    include_confidential: bool = False,
) -> int:
    """Write ``issues`` to ``path`` as a ledger; returns the rows written.

    A confidential issue (保密件) is written withheld (its texts, requester and
    address replaced or left out, see ``withheld``) unless ``include_confidential``
    asks for an unmasked exchange; its 保密 column says 是 either way.

    ``format`` is taken from the suffix (``.csv`` or ``.xlsx``) unless given.
    Times are written ``YYYY-MM-DD HH:mm:ss`` in China Standard Time (UTC+8).
    A CSV file is UTF-8 with a byte-order mark, so that Excel shows Chinese
    correctly, and a text cell that a spreadsheet would take for a formula
    (starting ``=``, ``+``, ``-``, ``@``) gets a leading apostrophe, which
    :func:`read_ledger_file` removes.
    """
    target = file_path(path)
    kind = file_format(target, format)
    rows = _Rows(issues, _language(language), xlsx=kind == "xlsx", whole=include_confidential)
    header = [column.header(language) for column in COLUMNS]
    if kind == "xlsx":
        _replace(target, lambda temp: write_xlsx(temp, header, rows, modified=rows.latest))
    else:

        def write(temp: Path) -> None:
            with temp.open("w", encoding="utf-8-sig", newline="") as file:
                write_csv(file, header, rows)

        _replace(target, write)
    return rows.count


def write_ledger_csv(
    issues: Iterable[Issue],
    file: IO[str],
    *,
    language: Language = "zh",
    include_confidential: bool = False,
) -> int:
    """Write ``issues`` as a CSV ledger to the text stream ``file``; returns the
    rows written. A confidential issue is withheld unless ``include_confidential``
    (as for :func:`write_ledger_file`). Nothing is written if any issue is refused: the rows go to a
    private temporary file as they are made (so memory does not grow with the
    ledger), and are copied to ``file`` once all are made.

    The stream's encoding is the caller's: open a file with
    ``encoding="utf-8-sig", newline=""`` for one Excel opens correctly.
    """
    _stream(file, "write")
    rows = _Rows(issues, _language(language), xlsx=False, whole=include_confidential)
    with tempfile.SpooledTemporaryFile(
        max_size=SPOOLED, mode="w+", encoding="utf-8", newline=""
    ) as spool:
        write_csv(spool, [column.header(language) for column in COLUMNS], rows)
        spool.seek(0)
        shutil.copyfileobj(spool, file)
    return rows.count


SPOOLED = 8 << 20
"""How much of a CSV ledger written to a stream is held in memory before the rest
waits in a temporary file."""


def read_ledger_file(
    path: "str | os.PathLike[str]",
    *,
    on_bad_rows: BadRows = "refuse",
    format: Format | None = None,
) -> LedgerImport:
    """Read the ledger in ``path``: headers in Chinese or in English, each cell
    checked and each row rebuilt into an :class:`Issue` (without history).

    Times may be ``YYYY-MM-DD HH:mm:ss`` (China Standard Time), RFC 3339 with
    an offset, or, in a workbook, date-time cells (China Standard Time).
    Vocabulary words may be Chinese labels or English values. A CSV file may
    have a byte-order mark or not; one saved by Excel as GB18030 (GBK) is read
    too. See the module notes for ``on_bad_rows``.

    The file is read as a stream, within the limits docs/ledger-files.md gives
    (a cell holds at most ``MAX_CELL_TEXT`` characters; a workbook's parts are
    checked before they are read); a file past one is refused whole. For a file
    too large to hold every issue in memory, use :func:`check_ledger_file`.
    """
    source = file_path(path)
    kind = file_format(source, format)
    skip = _bad_rows(on_bad_rows)
    if kind == "xlsx":
        with xlsx_rows(source) as rows:
            return read_rows(rows, source=str(source), skip=skip, exact=False)
    with csv_text(source) as text:
        return _read_csv(text, source=str(source), skip=skip)


def read_ledger_csv(file: IO[str], *, on_bad_rows: BadRows = "refuse") -> LedgerImport:
    """Read a CSV ledger from the text stream ``file`` (opened with ``newline=""``);
    as :func:`read_ledger_file` otherwise."""
    _stream(file, "readline")
    source = str(getattr(file, "name", "<stream>"))
    return _read_csv(file, source=source, skip=_bad_rows(on_bad_rows))


# -- writing -------------------------------------------------------------------------------

_NO_DATE = pendulum.datetime(1980, 1, 1, tz="UTC")


class _Rows:
    """Each issue as its row, checked to read back as written, made as the rows
    are read (once): how many were made, and the latest moment they record."""

    def __init__(
        self, issues: Iterable[Issue], language: Language, *, xlsx: bool, whole: object
    ) -> None:
        self._issues = iterable_given(issues, field="issues", of="Issue")
        self._shown = exported(whole)
        self._language = language
        self._xlsx = xlsx
        self.count = 0
        self._latest: DateTime | None = None

    def latest(self) -> DateTime:
        """The latest moment the rows made so far record (a fixed date if none)."""
        return _NO_DATE if self._latest is None else self._latest

    def __iter__(self) -> Iterator[list[Cell]]:
        seen: dict[str, int] = {}
        for index, issue in enumerate(self._issues):
            if not isinstance(issue, Issue):
                raise InvalidTypeError(
                    field=f"issues[{index}]", value=issue, problem="must be a Issue"
                )
            earlier = seen.setdefault(id_key(issue.id), index)
            if earlier != index:
                raise DuplicateError(
                    field=f"issues[{index}].id",
                    value=issue.id,
                    problem=f"is the id of issues[{earlier}] too",
                    hint="A ledger holds each issue once (ids differing only in case are one).",
                )
            yield self._row(index, self._shown(issue))
            self.count += 1
            latest = _latest(issue)
            if self._latest is None or latest > self._latest:
                self._latest = latest

    def _row(self, index: int, issue: Issue) -> list[Cell]:
        for position, unit in enumerate(issue.co_units):
            if not joinable(unit):
                raise InvalidValueError(
                    field=f"issues[{index}].co_units[{position}]",
                    value=unit,
                    problem="cannot be written in a list cell: it has surrounding spaces "
                    "or a separator (、 ; ； , ， or a line break)",
                )
        try:
            row = row_cells(issue, self._language)
        except BanshishiError as error:
            raise error.at(f"issues[{index}].{error.field}") from None
        for column, value in zip(COLUMNS, row, strict=True):
            if isinstance(value, str):
                _check_text(value, field=f"issues[{index}].{column.key}", xlsx=self._xlsx)
        return row


def _check_text(text: str, *, field: str, xlsx: bool) -> None:
    encodable(text, field=field)
    if len(text) > MAX_CELL_TEXT:
        raise InvalidValueError(
            field=field,
            value=text,
            problem=f"is longer than the {MAX_CELL_TEXT:,} characters a ledger cell holds",
            hint="A spreadsheet would cut it short; keep the full text in the ledger store.",
        )
    reason = unwritable(text) if xlsx else None
    if reason is not None:
        raise InvalidValueError(
            field=field,
            value=text,
            problem=reason,
            hint="Write the ledger as CSV, which keeps any text.",
        )


def _latest(issue: Issue) -> DateTime:
    return max(m for m in (issue.received_at, issue.closed_at, issue.deadline) if m is not None)


def _replace(target: Path, write: Callable[[Path], None]) -> None:
    """Write through ``write`` to a temporary file beside ``target``, then rename it
    over ``target``; on any failure, leave ``target`` as it was. A ledger file
    holds personal data unmasked: a new one is readable by its owner only."""
    with written_whole(
        target, field="ledger file", error=LedgerFileError, private=True
    ) as temporary:
        write(temporary)


# -- reading -------------------------------------------------------------------------------


def _read_csv(file: IO[str], *, source: str, skip: bool) -> LedgerImport:
    return read_rows(csv_rows(file, source), source=source, skip=skip, exact=True)


# -- arguments -----------------------------------------------------------------------------


def file_path(path: object) -> Path:
    if not isinstance(path, str | os.PathLike) or isinstance(path, bytes):
        raise InvalidTypeError(field="path", value=path, problem="must be a path (str or PathLike)")
    return named_file(path, field="path")


def _stream(file: object, use: str) -> None:
    # A path given here by mistake would be read as its characters, one per line.
    if isinstance(file, str | bytes | os.PathLike) or not callable(getattr(file, use, None)):
        raise InvalidTypeError(
            field="file",
            value=file,
            problem=f"must be a text stream with a {use}() method",
            hint="For a path, use read_ledger_file or write_ledger_file.",
        )


def file_format(path: Path, format: object) -> Format:
    if format == "csv" or format == "xlsx":
        return format
    if format is not None:
        raise InvalidValueError(
            field="format", value=format, problem="must be 'csv', 'xlsx' or None"
        )
    suffix = path.suffix.lower()
    if suffix == ".csv":
        return "csv"
    if suffix == ".xlsx":
        return "xlsx"
    old = " An .xls file is Excel's old format: save it as .xlsx." if suffix == ".xls" else ""
    raise InvalidValueError(
        field="path",
        value=str(path),
        problem="names neither a .csv nor a .xlsx file",
        hint=f"Pass format='csv' or format='xlsx' to choose.{old}",
    )


def _language(language: object) -> Language:
    if language == "zh" or language == "en":
        return language
    raise InvalidValueError(field="language", value=language, problem="must be 'zh' or 'en'")


def _bad_rows(on_bad_rows: object) -> bool:
    if on_bad_rows == "refuse" or on_bad_rows == "skip":
        return on_bad_rows == "skip"
    raise InvalidValueError(
        field="on_bad_rows", value=on_bad_rows, problem="must be 'refuse' or 'skip'"
    )
