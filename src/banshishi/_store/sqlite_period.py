"""What a periodic report needs of a ledger's SQLite file beyond fact counts,
counted by the database over the lines that held at each moment: a period's
flow (collected, transferred, closed) and the overdue list with each issue's
title and requester as it was received."""

import json
from collections.abc import Iterator, Sequence
from typing import Any

from pendulum import DateTime

from banshishi._core.time import as_datetime
from banshishi._metrics.facts import OVERDUE_SQL
from banshishi._metrics.summary import IssueSummary, micros
from banshishi._model.confidential import WITHHELD
from banshishi._model.vocabulary import IssueStatus, Subject

from .sql_dialect import Db, count_if
from .sqlite_file import ISSUE_ROW, listed
from .sqlite_lines import Within, held_sql, within_sql
from .sqlite_rows import decoded, issue_line

_CLOSED = IssueStatus.CLOSED.value


def period_flows(
    db: Db,
    *,
    moments: Sequence[DateTime],
    sinces: Sequence[DateTime],
    within: Within | None = None,
) -> list[tuple[int, int, int]]:
    """The flow of each span between consecutive ``moments``, in one pass: of the
    issues recorded by the span's end, how many were collected (not yet recorded
    at its start, and received at or after its ``sinces`` entry), transferred for
    the first time (transferred at its end, not at its start) and closed (closed
    at its end, not at its start). The issues counted are those recorded by the
    last moment (and ``within``, if given)."""
    at = [micros(as_datetime(moment, field="moments")) for moment in moments]
    last = len(at) - 1
    joins, params = "", []
    for index in range(last):
        alias = f"l{index}"
        joins += f" LEFT JOIN issue_lines {alias} ON {alias}.id = l{last}.id AND {held_sql(alias)}"
        params += [at[index], at[index]]
    sums: list[str] = []
    since_params: list[int] = []
    for index, since in enumerate(sinces):
        start, end = f"l{index}", f"l{index + 1}"
        sums += [
            count_if(f"{end}.id IS NOT NULL AND {start}.id IS NULL AND {end}.received_us >= ?"),
            count_if(
                f"{end}.id IS NOT NULL AND {end}.transferred = 1 "
                f"AND ({start}.id IS NULL OR {start}.transferred = 0)"
            ),
            count_if(
                f"{end}.id IS NOT NULL AND {end}.status = '{_CLOSED}' "
                f"AND ({start}.id IS NULL OR {start}.status != '{_CLOSED}')"
            ),
        ]
        since_params.append(micros(as_datetime(since, field="sinces")))
    chosen, chosen_params = within_sql(within, f"l{last}.id")
    query = (
        f"SELECT {', '.join(sums)} FROM issue_lines l{last}{joins} "
        f"WHERE {held_sql(f'l{last}')}{chosen}"
    )
    row = db.execute(query, [*since_params, *params, at[last], at[last], *chosen_params]).fetchone()
    return [(int(row[3 * i]), int(row[3 * i + 1]), int(row[3 * i + 2])) for i in range(len(sinces))]


def overdue_lines(
    db: Db, *, at: DateTime, within: Within | None = None
) -> Iterator[tuple[IssueSummary, str, str | None]]:
    """Each issue overdue at ``at`` (its line then, by the overdue rule), with the
    title and the requester's name its ``receive`` event recorded (both withheld
    for an issue marked confidential then or now: a report made now about a
    past moment shows nothing marked since)."""
    now = micros(as_datetime(at, field="at"))
    chosen, params = within_sql(within)
    query = (
        f"SELECT {listed('x.' + name for name in ISSUE_ROW)}, e.data, c.confidential FROM "
        f"(SELECT {listed(ISSUE_ROW)} FROM issue_lines l WHERE {held_sql('l')} "
        f"AND {OVERDUE_SQL}{chosen}) x "
        "JOIN events e ON e.subject = ? AND e.record_id = x.id AND e.version = 1 "
        "JOIN issues c ON c.id = x.id"
    )
    width = len(ISSUE_ROW)
    for row in db.execute(query, [now, now, now, *params, Subject.ISSUE.value]):
        line = issue_line(row[:width])
        title, requester = decoded("issue summary", row, lambda r: _intake(r[width]))
        if line.confidential or row[-1]:  # 保密件, then or now: withheld from every list
            title, requester = WITHHELD, None
        yield line, title, requester


def _intake(data: Any) -> tuple[str, str | None]:
    recorded = json.loads(data)
    person = recorded.get("requester")
    name = person.get("name") if isinstance(person, dict) else None
    return str(recorded["title"]), None if name is None else str(name)
