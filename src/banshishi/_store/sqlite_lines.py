"""The summary lines in a ledger's SQLite file: written beside the events, read
back filtered, and folded into facts and counts in the database."""

import sqlite3
from collections.abc import Collection, Iterator, Sequence
from typing import Any

from pendulum import DateTime

from banshishi._core.errors import InvalidValueError
from banshishi._core.time import as_datetime
from banshishi._metrics.facts import FACT_SQL, OVERDUE_SQL, Facts
from banshishi._metrics.summary import IssueSummary, PledgeSummary, micros
from banshishi._model.home_unit import HOME_UNIT_SQL
from banshishi._model.vocabulary import IssueStatus, Track

from .sqlite_file import ISSUE_ROW, PLEDGE_ROW, listed, marks
from .sqlite_rows import (
    FACT_COLUMNS,
    GROUP_KEYS,
    GROUP_VALUES,
    decoded,
    facts_of_row,
    issue_line,
    issue_row,
    pledge_line,
    pledge_row,
)

_WRITE_ISSUE = f"INSERT OR REPLACE INTO issues ({listed(ISSUE_ROW)}) VALUES ({marks(ISSUE_ROW)})"
_WRITE_PLEDGE = (
    f"INSERT OR REPLACE INTO pledges ({listed(PLEDGE_ROW)}) VALUES ({marks(PLEDGE_ROW)})"
)
_SELECT_ISSUES = f"SELECT {listed(ISSUE_ROW)} FROM issues"
_SELECT_PLEDGES = f"SELECT {listed(PLEDGE_ROW)} FROM pledges"
_FACTS = len(FACT_SQL)


def write_lines(
    db: sqlite3.Connection, issues: Sequence[IssueSummary], pledges: Sequence[PledgeSummary]
) -> None:
    """Write (or replace) the summary lines, inside the caller's transaction."""
    db.executemany(_WRITE_ISSUE, [issue_row(line) for line in issues])
    db.executemany(_WRITE_PLEDGE, [pledge_row(line) for line in pledges])


def issue_lines(
    db: sqlite3.Connection,
    *,
    units: Collection[str] | None = None,
    status: Collection[IssueStatus] | None = None,
    track: Collection[Track] | None = None,
    received_from: DateTime | None = None,
    received_before: DateTime | None = None,
    overdue_at: DateTime | None = None,
) -> Iterator[IssueSummary]:
    """The issue lines that match every filter given (see
    :meth:`EventStore.issue_summaries`)."""
    where: list[str] = []
    params: list[Any] = []
    for column, wanted in ((HOME_UNIT_SQL, units), ("status", status), ("track", track)):
        if wanted is not None:
            values = [getattr(item, "value", item) for item in wanted]
            where.append(f"{column} IN ({marks(values)})" if values else "0")
            params += values
    if received_from is not None:
        where.append("received_us >= ?")
        params.append(micros(as_datetime(received_from, field="received_from")))
    if received_before is not None:
        where.append("received_us < ?")
        params.append(micros(as_datetime(received_before, field="received_before")))
    if overdue_at is not None:
        where.append(OVERDUE_SQL)
        params.append(micros(as_datetime(overdue_at, field="overdue_at")))
    clause = f"WHERE {' AND '.join(where)}" if where else ""
    cursor = db.execute(f"{_SELECT_ISSUES} {clause}", params)
    cursor.arraysize = 10_000
    while rows := cursor.fetchmany():
        yield from map(issue_line, rows)


def fact_counts(
    db: sqlite3.Connection, *, at: DateTime, group: str | tuple[str, ...] | None = None
) -> Iterator[tuple[Any, Facts, int]]:
    """Every issue line reduced to its group key and its facts, identical ones
    merged with how many there are (see :meth:`EventStore.issue_fact_counts`)."""
    keys = () if group is None else (group,) if isinstance(group, str) else tuple(group)
    for key in keys:
        if key not in GROUP_KEYS:
            raise InvalidValueError(
                field="group", value=key, problem=f"must be one of {', '.join(GROUP_KEYS)}"
            )
    counts = _fact_counts(db, micros(as_datetime(at, field="at")), keys)
    if isinstance(group, str):
        return ((key[0], facts, n) for key, facts, n in counts)
    if group is None:
        return ((None, facts, n) for _, facts, n in counts)
    return counts


def _fact_counts(
    db: sqlite3.Connection, now: int, keys: tuple[str, ...]
) -> Iterator[tuple[Any, Facts, int]]:
    # Only identical lines are merged here; what they count for is decided by
    # figures_of_facts, as for lines read one by one.
    width = len(keys)
    selected = "".join(f"{GROUP_KEYS[key]}, " for key in keys)
    positions = listed(str(n) for n in range(1, width + _FACTS + 1))
    query = f"SELECT {selected}{FACT_COLUMNS}, count(*) FROM issues GROUP BY {positions}"
    readers = [GROUP_VALUES.get(key) for key in keys]
    for row in db.execute(query, (now,)):
        values = tuple(
            row[n] if read is None else decoded("issue summary", row[n:], read)
            for n, read in enumerate(readers)
        )
        yield values, facts_of_row(row[width : width + _FACTS]), row[width + _FACTS]


def pledge_lines(db: sqlite3.Connection) -> Iterator[PledgeSummary]:
    """Every pledge line, in the order written."""
    for row in db.execute(f"{_SELECT_PLEDGES} ORDER BY rowid"):
        yield pledge_line(row)
