"""Checking a ledger file (台账) of any length in bounded memory.

:func:`read_ledger_file` hands back every issue, so its memory grows with the
file. :func:`check_ledger_file` only judges the file: it reads one row at a
time, keeps the first :data:`SHOWN_PROBLEMS` problems and counts the rest by
column and reason, and can stream every problem to a CSV file as it goes. What
it keeps besides grows only with the ids (one short string per row, to find
repeats).
"""

import os
import re
from collections import Counter
from collections.abc import Callable, Mapping
from typing import IO, final

import attrs

from banshishi._core.csv_text import CsvWriter
from banshishi._core.errors import InvalidValueError, LedgerFileError, RowProblem
from banshishi._model.issue import Issue
from banshishi._model.vocabulary import IssueStatus

from .ledger_csv import csv_rows, csv_text
from .ledger_file import Format, file_format, file_path
from .ledger_import import RowReading
from .ledger_row import SheetValue
from .xlsx_reader import xlsx_rows

SHOWN_PROBLEMS = 100
"""How many problems a check keeps one by one; the rest are counted."""

MAX_REASONS = 1_000
"""How many different (column, reason) pairs a check counts apart; any further
ones are counted together as ``(other reasons)``."""

PROBLEM_COLUMNS = ("row", "column", "value", "reason")
"""The header of the CSV file every problem is written to."""

_Write = Callable[[RowProblem], None]


@final
@attrs.frozen(kw_only=True)
class LedgerCheck:
    """What :func:`check_ledger_file` found.

    ``rows`` is how many rows were read (blank ones and the header left out) and
    ``valid`` how many of them make valid issues, by status in ``statuses``.
    ``problem_count`` counts every problem; ``problems`` holds the first
    :data:`SHOWN_PROBLEMS` of them, and ``by_reason`` all of them counted by
    column and reason, most frequent first, as ``(column, reason, count)``.
    """

    rows: int
    valid: int
    statuses: Mapping[IssueStatus, int]
    problem_count: int
    problems: tuple[RowProblem, ...]
    by_reason: tuple[tuple[str, str, int], ...]

    def __bool__(self) -> bool:
        """Whether the file would be read whole: not a single problem."""
        return self.problem_count == 0


def check_ledger_file(
    path: "str | os.PathLike[str]",
    *,
    format: Format | None = None,
    problems: IO[str] | None = None,
) -> LedgerCheck:
    """Check every row of the ledger in ``path`` as :func:`read_ledger_file`
    would, keeping none of the issues; see :class:`LedgerCheck`.

    ``problems``, a text stream (opened with ``newline=""``), receives every
    problem as CSV as it is found: row, column, value and reason. A header that
    is not a ledger's, or a file that cannot be read at all, raises
    :class:`LedgerFileError` as reading does (its problems go to ``problems``
    too).
    """
    source = file_path(path)
    kind = file_format(source, format)
    write = _problem_writer(problems)
    tally = _Tally(write)
    try:
        if kind == "xlsx":
            with xlsx_rows(source) as rows:
                tally.take(RowReading(rows, source=str(source), exact=False))
        else:
            with csv_text(source) as text:
                tally.take(RowReading(csv_rows(text, str(source)), source=str(source), exact=True))
    except LedgerFileError as refused:
        for problem in refused.problems:
            write(problem)
        raise
    return tally.result()


class _Tally:
    def __init__(self, write: _Write) -> None:
        self.write = write
        self.rows = 0
        self.statuses: Counter[IssueStatus] = Counter()
        self.count = 0
        self.kept: list[RowProblem] = []
        self.reasons: Counter[tuple[str, str]] = Counter()

    def take(self, reading: RowReading) -> None:
        for _, found in reading:
            self.rows += 1
            if isinstance(found, Issue):
                self.statuses[found.status] += 1
                continue
            for problem in found:
                self.count += 1
                if len(self.kept) < SHOWN_PROBLEMS:
                    self.kept.append(problem)
                group = (problem.column, reason_kind(problem.reason))
                if group in self.reasons or len(self.reasons) < MAX_REASONS:
                    self.reasons[group] += 1
                else:
                    self.reasons[("", "(other reasons)")] += 1
                self.write(problem)

    def result(self) -> LedgerCheck:
        return LedgerCheck(
            rows=self.rows,
            valid=sum(self.statuses.values()),
            statuses=dict(self.statuses),
            problem_count=self.count,
            problems=tuple(self.kept),
            by_reason=tuple((c, r, n) for (c, r), n in self.reasons.most_common()),
        )


_DETAIL = re.compile(r"(?:\. |: | \().*", re.DOTALL)
_NUMBER = re.compile(r"\b(row|column) [0-9]+|^has [0-9]+ cells")


def reason_kind(reason: str) -> str:
    """``reason`` without what is particular to one row (the advice after it,
    the value in brackets, the row, column or cell count it names), to count
    problems by.

    >>> reason_kind("repeats the id of row 17")
    'repeats the id of row N'
    >>> reason_kind("is before the issue was received (2026-07-01T09:00:00+08:00)")
    'is before the issue was received'
    >>> reason_kind("is not an RFC 3339 date-time. Write YYYY-MM-DD HH:mm:ss")
    'is not an RFC 3339 date-time'
    """
    return _NUMBER.sub(_general, _DETAIL.sub("", reason))


def _general(found: "re.Match[str]") -> str:
    return f"{found[1]} N" if found[1] else "has N cells"


def _problem_writer(file: IO[str] | None) -> _Write:
    if file is None:
        return _ignore
    if isinstance(file, str | bytes | os.PathLike) or not callable(getattr(file, "write", None)):
        raise InvalidValueError(
            field="problems", value=file, problem="must be a text stream with a write() method"
        )
    writer = CsvWriter(file)  # the one CSV writer: CRLF, quoting, formula guards
    writer.row(PROBLEM_COLUMNS)

    def write(problem: RowProblem) -> None:
        writer.row((problem.row, problem.column, _cell_text(problem.value), problem.reason))

    return write


def _ignore(problem: RowProblem) -> None:
    return None


def _cell_text(value: object) -> str:
    if value is None:
        return ""
    if isinstance(value, SheetValue):
        return value.text
    return value if isinstance(value, str) else str(value)
