"""Taking the rows of a ledger file (台账): every row read, every problem kept.

A spreadsheet user fixes a file best in one pass, so reading never stops at the
first bad row: each row becomes an issue or a list of problems, ids are checked
across rows, and only then is the file judged, as a whole.
"""

from collections.abc import Iterator
from typing import final

import attrs

from banshishi._core.errors import InvalidValueError, LedgerFileError, RowProblem
from banshishi._core.validators import id_key
from banshishi._model.issue import Issue

from .ledger_cells import Language, as_text
from .ledger_row import blank, read_header, read_row

SHOWN_PROBLEMS = 5
"""How many problems a :class:`LedgerFileError` message lists; all are in ``problems``."""


@final
@attrs.frozen(kw_only=True)
class LedgerImport:
    """What was read from a ledger file.

    ``issues`` are in file order, ``rows`` gives the row number each came from,
    and ``problems`` lists the rows passed over (always empty unless bad rows
    were skipped). ``language`` is that of the file's headers.
    """

    issues: tuple[Issue, ...]
    rows: tuple[int, ...]
    problems: tuple[RowProblem, ...]
    language: Language


def read_rows(
    rows: Iterator[tuple[int, list[object]]], *, source: str, skip: bool, exact: bool
) -> LedgerImport:
    """The issues in ``rows`` (numbered as the spreadsheet shows them, header
    first) read from ``source``: all of them, or, when any row is bad, a
    :class:`LedgerFileError` listing every problem, unless ``skip`` asks for the
    good rows. ``exact`` (CSV) refuses a row shorter than the header.
    """
    reading = RowReading(rows, source=source, exact=exact)
    issues: list[Issue] = []
    numbers: list[int] = []
    problems: list[RowProblem] = []
    for number, found in reading:
        if isinstance(found, Issue):
            issues.append(found)
            numbers.append(number)
        else:
            problems.extend(found)
    if problems and not skip:
        raise refusal(source, problems, "has rows that are not valid issues, so nothing was read")
    return LedgerImport(
        issues=tuple(issues),
        rows=tuple(numbers),
        problems=tuple(problems),
        language=reading.language,
    )


class RowReading:
    """The rows of a ledger file after its header, one at a time: each row's
    number with its issue, or with every problem that stops it.

    The header is read when this is made, and a bad one raises
    :class:`LedgerFileError` at once. Ids are checked across rows: a row
    repeating an earlier row's id is reported (of ids differing only in case,
    the later is a repeat too). Only the ids are kept, so memory grows with them
    alone, however many problems are found.
    """

    def __init__(
        self, rows: Iterator[tuple[int, list[object]]], *, source: str, exact: bool
    ) -> None:
        first = next(rows, None)
        if first is None:
            raise LedgerFileError(
                field="ledger file", value=source, problem="is empty: it has no header row"
            )
        header, problems = read_header(first[1])
        if problems:
            raise refusal(source, problems, "has a header that is not a ledger's")
        self.header = header
        self.language: Language = header.language
        self._rows = rows
        self._exact = exact
        self._at_id = next(i for i, c in enumerate(header.columns) if c and c.key == "id")
        self._first_row: dict[str, int] = {}

    def __iter__(self) -> Iterator[tuple[int, Issue | list[RowProblem]]]:
        for number, cells in self._rows:
            if blank(cells):
                continue
            found = read_row(cells, self.header, row=number, exact=self._exact)
            raw = cells[self._at_id] if self._at_id < len(cells) else None
            key = _id_key(raw)
            earlier = number if key is None else self._first_row.setdefault(key, number)
            if earlier == number:
                yield number, found
                continue
            repeat = RowProblem(
                row=number,
                column=self.header.text("id"),
                value=raw,
                reason=f"repeats the id of row {earlier}",
            )
            yield number, [repeat, *([] if isinstance(found, Issue) else found)]


def _id_key(raw: object) -> str | None:
    try:
        text = as_text(raw)
    except InvalidValueError:
        return None
    return id_key(text) if text.strip() else None


def refusal(source: str, problems: list[RowProblem], what: str) -> LedgerFileError:
    count = len(problems)
    shown = "; ".join(str(problem) for problem in problems[:SHOWN_PROBLEMS])
    more = f"; and {count - SHOWN_PROBLEMS} more" if count > SHOWN_PROBLEMS else ""
    noun = "problem" if count == 1 else "problems"
    return LedgerFileError(
        field="ledger file",
        value=source,
        problem=f"{what} ({count} {noun}): {shown}{more}",
        hint="Every problem is in the error's problems. Fix those rows, "
        "or read with on_bad_rows='skip' to take the good rows.",
        problems=tuple(problems),
    )
