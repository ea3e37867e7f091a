"""What a periodic report needs of a ledger's SQLite file beyond fact counts,
counted by the database over the lines that held at each moment: a period's
flow (collected, transferred, closed) and the overdue list with each issue's
title and requester as it was received."""

import json
import sqlite3
from collections.abc import Iterator
from typing import Any

from pendulum import DateTime

from banshishi._core.time import as_datetime
from banshishi._metrics.facts import OVERDUE_SQL
from banshishi._metrics.summary import IssueSummary, micros
from banshishi._model.vocabulary import IssueStatus, Subject

from .sqlite_file import ISSUE_ROW, listed
from .sqlite_lines import Within, held_sql, within_sql
from .sqlite_rows import decoded, issue_line

_CLOSED = IssueStatus.CLOSED.value


def period_flow(
    db: sqlite3.Connection,
    *,
    start: DateTime,
    end: DateTime,
    since: DateTime,
    within: Within | None = None,
) -> tuple[int, int, int]:
    """How many issues, of those recorded by ``end``, were collected (not yet
    recorded at ``start``, and received at or after ``since``), transferred for
    the first time (transferred at ``end``, not at ``start``) and closed (closed at
    ``end``, not at ``start``) between the two moments."""
    first, last = (micros(as_datetime(m, field=f)) for m, f in ((start, "start"), (end, "end")))
    chosen, params = within_sql(within, "e.id")
    row = db.execute(
        "SELECT coalesce(sum(s.id IS NULL AND e.received_us >= ?), 0), "
        "coalesce(sum(e.transferred AND (s.id IS NULL OR NOT s.transferred)), 0), "
        f"coalesce(sum(e.status = '{_CLOSED}' AND (s.id IS NULL OR s.status != '{_CLOSED}')), 0) "
        f"FROM issue_lines e LEFT JOIN issue_lines s ON s.id = e.id AND {held_sql('s')} "
        f"WHERE {held_sql('e')}{chosen}",
        [micros(as_datetime(since, field="since")), first, first, last, last, *params],
    ).fetchone()
    return int(row[0]), int(row[1]), int(row[2])


def overdue_lines(
    db: sqlite3.Connection, *, at: DateTime, within: Within | None = None
) -> Iterator[tuple[IssueSummary, str, str | None]]:
    """Each issue overdue at ``at`` (its line then, by the overdue rule), with the
    title and the requester's name its ``receive`` event recorded."""
    now = micros(as_datetime(at, field="at"))
    chosen, params = within_sql(within)
    query = (
        f"SELECT {listed('x.' + name for name in ISSUE_ROW)}, e.data FROM "
        f"(SELECT {listed(ISSUE_ROW)} FROM issue_lines WHERE {held_sql('issue_lines')} "
        f"AND {OVERDUE_SQL}{chosen}) x "
        "JOIN events e ON e.subject = ? AND e.record_id = x.id AND e.version = 1"
    )
    width = len(ISSUE_ROW)
    for row in db.execute(query, [now, now, now, *params, Subject.ISSUE.value]):
        line = issue_line(row[:width])
        title, requester = decoded("issue summary", row, lambda r: _intake(r[width]))
        yield line, title, requester


def _intake(data: Any) -> tuple[str, str | None]:
    recorded = json.loads(data)
    person = recorded.get("requester")
    name = person.get("name") if isinstance(person, dict) else None
    return str(recorded["title"]), None if name is None else str(name)
