"""Taking the rows of a ledger file (台账): every row read, every problem kept.

A spreadsheet user fixes a file best in one pass, so reading never stops at the
first bad row: each row becomes an issue or a list of problems, ids are checked
across rows, and only then is the file judged, as a whole.
"""

from collections.abc import Iterator
from typing import final

import attrs

from ._errors import InvalidValueError, LedgerFileError
from ._issue import Issue
from ._ledger_cells import Language, as_text
from ._ledger_row import RowProblem, blank, read_header, read_row

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
    first = next(rows, None)
    if first is None:
        raise LedgerFileError(
            field="ledger file", value=source, problem="is empty: it has no header row"
        )
    header, problems = read_header(first[1])
    if problems:
        raise _refusal(source, problems, "has a header that is not a ledger's")
    at_id = next(i for i, column in enumerate(header.columns) if column and column.key == "id")
    issues: list[Issue] = []
    numbers: list[int] = []
    first_row: dict[str, int] = {}
    for number, cells in rows:
        if blank(cells):
            continue
        found = read_row(cells, header, row=number, exact=exact)
        key = _id_text(cells[at_id] if at_id < len(cells) else None)
        earlier = number if key is None else first_row.setdefault(key, number)
        if earlier != number:
            problems.append(
                RowProblem(
                    row=number,
                    column=header.text("id"),
                    value=cells[at_id],
                    reason=f"repeats the id of row {earlier}",
                )
            )
        if isinstance(found, Issue):
            if earlier == number:
                issues.append(found)
                numbers.append(number)
        else:
            problems.extend(found)
    if problems and not skip:
        raise _refusal(source, problems, "has rows that are not valid issues, so nothing was read")
    return LedgerImport(
        issues=tuple(issues),
        rows=tuple(numbers),
        problems=tuple(problems),
        language=header.language,
    )


def _id_text(raw: object) -> str | None:
    try:
        text = as_text(raw)
    except InvalidValueError:
        return None
    return text if text.strip() else None


def _refusal(source: str, problems: list[RowProblem], what: str) -> LedgerFileError:
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
