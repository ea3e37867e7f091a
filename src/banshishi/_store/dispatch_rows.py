"""The dispatch lines: each issue's dispatches (二级/三级承办), one row each, for
the database to count by level as of any moment.

An issue's summary line carries its dispatches (``IssueSummary.dispatches``,
kept in the line tables' ``dispatches`` column as JSON text, and bound to its
event with the rest of the line). The ``dispatch_lines`` table keeps the same
dispatches of each issue's *current* line, one row each, written in the same
transaction. A dispatch only ever gains its answer or its return, each dated,
so its row as it stands says how it stood at any earlier moment too
(:meth:`Dispatch.as_of`): the counts as of a moment read the rows' moments,
as ``dispatch_figures`` reads the records. :func:`dispatch_problem` checks the
table against the current lines, so a row changed outside banshishi is found
without rebuilding a record.
"""

import json
from collections.abc import Iterable, Mapping, Sequence
from typing import Any

from banshishi._metrics.summary import DispatchLine, IssueSummary

from .sql_dialect import Db, count_if

DISPATCH_ROW = (
    "issue_id",
    "n",
    "level",
    "unit",
    "dispatched_us",
    "deadline_us",
    "answered_us",
    "returned_us",
)
"""The ``dispatch_lines`` table's columns: the ``n``-th dispatch of an issue
(from 0), as its current line carries it."""
DISPATCHES_TABLE = """CREATE TABLE dispatch_lines (
    issue_id TEXT NOT NULL, n INTEGER NOT NULL, level INTEGER NOT NULL, unit TEXT NOT NULL,
    dispatched_us INTEGER NOT NULL, deadline_us INTEGER NOT NULL,
    answered_us INTEGER, returned_us INTEGER,
    PRIMARY KEY (issue_id, n)
) WITHOUT ROWID;"""
"""The table in a ledger file."""
_FIELDS = DISPATCH_ROW[2:]


_COLUMNS, _MARKS = ", ".join(DISPATCH_ROW), ", ".join("?" * len(DISPATCH_ROW))


def _insert(table: str) -> str:
    """The statement adding rows to ``table`` (``dispatch_lines``, perhaps in a schema)."""
    return f"INSERT INTO {table} ({_COLUMNS}) VALUES ({_MARKS})"


_NEVER = 2**62
"""A moment later than any (as microseconds): "as things stand"."""

_STOOD = "dispatched_us <= ?"
_ANSWERED = "answered_us IS NOT NULL AND answered_us <= ?"
_RETURNED = "returned_us IS NOT NULL AND returned_us <= ?"
COUNTS_SQL = (
    "SELECT level, count(*), "
    f"{count_if(_ANSWERED)}, "
    f"{count_if(_ANSWERED + ' AND answered_us <= deadline_us')}, "
    f"{count_if(_RETURNED)}, "
    f"{count_if(f'NOT ({_ANSWERED}) AND NOT ({_RETURNED}) AND deadline_us < ?')} "
    f"FROM dispatch_lines WHERE {_STOOD} GROUP BY level ORDER BY level"
)
"""Each level's dispatches made by a moment (bound last), and of those the ones
answered up by then (on time: by their deadline), handed back by then, and open
then past their deadline at the moment overdue is judged: the facts
:func:`dispatch_figures` reads off each :meth:`Dispatch.as_of`."""


def encode_dispatches(lines: Sequence[DispatchLine]) -> str | None:
    """The ``dispatches`` column of a line: JSON text, ``NULL`` for none."""
    if not lines:
        return None
    rows = [[getattr(line, name) for name in _FIELDS] for line in lines]
    return json.dumps(rows, ensure_ascii=False, separators=(",", ":"))


def decode_dispatches(text: str | None) -> tuple[DispatchLine, ...]:
    """The dispatches kept as ``text`` (:func:`encode_dispatches`)."""
    if text is None:
        return ()
    rows = json.loads(text)
    if not isinstance(rows, list):
        raise ValueError("the dispatches are not a list")
    return tuple(_line(row) for row in rows)


def _line(row: Any) -> DispatchLine:
    if not isinstance(row, list) or len(row) != len(_FIELDS):
        raise ValueError(f"a dispatch is not {len(_FIELDS)} values: {row!r}")
    level, unit, dispatched, deadline, answered, returned = row
    for value in (level, dispatched, deadline):
        if type(value) is not int:
            raise ValueError(f"a dispatch holds {value!r} where a whole number belongs")
    for value in (answered, returned):
        if value is not None and type(value) is not int:
            raise ValueError(f"a dispatch holds {value!r} where a moment belongs")
    if not isinstance(unit, str):
        raise ValueError(f"a dispatch holds {unit!r} where a unit belongs")
    return DispatchLine(
        level=level,
        unit=unit,
        dispatched_us=dispatched,
        deadline_us=deadline,
        answered_us=answered,
        returned_us=returned,
    )


def rows_of(issue_id: str, lines: Iterable[DispatchLine]) -> list[tuple[Any, ...]]:
    """The rows of ``dispatch_lines`` for an issue's dispatches."""
    return [
        (issue_id, n, *(getattr(line, name) for name in _FIELDS)) for n, line in enumerate(lines)
    ]


def write_dispatches(db: Db, current: Mapping[str, IssueSummary]) -> None:
    """Keep the dispatches of each issue's ``current`` line (by id) in
    ``dispatch_lines``, inside the caller's transaction. An issue never loses a
    dispatch, so one whose line has none has no rows to change."""
    dispatched = {key: line for key, line in current.items() if line.dispatches}
    if not dispatched:
        return
    db.executemany("DELETE FROM dispatch_lines WHERE issue_id = ?", [(k,) for k in dispatched])
    rows = [row for key, line in dispatched.items() for row in rows_of(key, line.dispatches)]
    db.executemany(_insert("dispatch_lines"), rows)


def fill_dispatches(db: Db, schema: str) -> None:
    """Make ``dispatch_lines`` in ``schema`` again from the current lines there."""
    db.execute(f"DELETE FROM {schema}.dispatch_lines")
    rows = db.execute(f"SELECT id, dispatches FROM {schema}.issues WHERE dispatches IS NOT NULL")
    made = [row for key, text in rows.fetchall() for row in rows_of(key, decode_dispatches(text))]
    db.executemany(_insert(f"{schema}.dispatch_lines"), made)


def dispatch_counts(
    db: Db, *, at: int, as_of: int | None
) -> list[tuple[int, int, int, int, int, int]]:
    """The counts of each level (``COUNTS_SQL``) as things stood at ``as_of`` (as
    they stand if ``None``), overdue judged at ``at`` (both :func:`micros`)."""
    stood = _NEVER if as_of is None else as_of
    rows = db.execute(COUNTS_SQL, (stood, stood, stood, stood, stood, at, stood)).fetchall()
    return [tuple(int(value) for value in row) for row in rows]  # type: ignore[misc]


_DUE = (
    "SELECT issue_id, n FROM dispatch_lines WHERE answered_us IS NULL AND returned_us IS NULL "
    "AND deadline_us <= ? ORDER BY issue_id, n"
)


def dispatches_due(db: Db, by: int) -> list[tuple[str, int]]:
    """The open dispatches due by ``by`` (:func:`micros`), as (issue id, place among
    the issue's dispatches), in order."""
    return [(str(issue_id), int(n)) for issue_id, n in db.execute(_DUE, (by,)).fetchall()]


def dispatch_problem(db: Db) -> str:
    """What is wrong with ``dispatch_lines`` (``""`` if nothing): a row that is
    not a dispatch of its issue's current line, or a dispatch with no row."""
    kept: dict[str, list[tuple[Any, ...]]] = {}
    for row in db.execute(f"SELECT {_COLUMNS} FROM dispatch_lines"):
        kept.setdefault(row[0], []).append(tuple(row))
    lines = db.execute("SELECT id, dispatches FROM issues WHERE dispatches IS NOT NULL")
    for issue_id, text in lines.fetchall():
        try:
            wanted = rows_of(issue_id, decode_dispatches(text))
        except ValueError:
            return f"the dispatches of issue {issue_id!r} cannot be read"
        if sorted(kept.pop(issue_id, [])) != wanted:
            return (
                f"the dispatch lines of issue {issue_id!r} are not its line's dispatches: "
                "they were changed outside banshishi"
            )
    if kept:
        return f"issue {min(kept)!r} has dispatch lines its line does not carry"
    return ""
