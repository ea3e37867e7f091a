"""The summary lines in a ledger's SQLite file: written beside the events, read
back filtered, and folded into facts and counts in the database, as things
stand (``issues``) or at any past moment (``issue_lines``, every version of
each line with the span it held)."""

from collections.abc import Collection, Iterator, Sequence
from typing import Any

from pendulum import DateTime

from banshishi._core.errors import InconsistentRecordError, InvalidValueError
from banshishi._core.time import as_datetime
from banshishi._metrics.facts import FACT_SQL, OVERDUE_SQL, Facts, overdue_sql
from banshishi._metrics.summary import IssueSummary, PledgeSummary, micros
from banshishi._model.home_unit import HOME_UNIT_SQL
from banshishi._model.vocabulary import IssueStatus, Subject, Track

from .dispatch_rows import write_dispatches
from .event_store import Append
from .line_seal import line_digest
from .sql_dialect import Db, dialect_of
from .sqlite_file import (
    DIGEST,
    HASH,
    ISSUE_ROW,
    LINE_ROW,
    PLEDGE_ROW,
    RECORD_ID,
    SUBJECT,
    VERSION,
    listed,
    marks,
)
from .sqlite_rows import (
    FACT_COLUMNS,
    GROUP_KEYS,
    GROUP_VALUES,
    decoded,
    facts_of_row,
    group_column,
    issue_line,
    issue_row,
    pledge_line,
    pledge_row,
)

_CURRENT = (*ISSUE_ROW, DIGEST)
_WRITE_LINE = f"INSERT INTO issue_lines ({listed(LINE_ROW)}) VALUES ({marks(LINE_ROW)})"
_CLOSE_LINE = "UPDATE issue_lines SET until_us = ? WHERE id = ? AND version = ?"
_PLEDGE_COLUMNS = (*PLEDGE_ROW, DIGEST)
_SELECT_ISSUES = f"SELECT {listed(ISSUE_ROW)} FROM issues"
_SELECT_PLEDGES = f"SELECT {listed(PLEDGE_ROW)} FROM pledges"
_FACTS = len(FACT_SQL)
_HELD = "from_us <= ? AND (until_us IS NULL OR until_us > ?)"
"""The lines of ``issue_lines`` that held at the moment bound to both ``?``:
opened by an event at or before it, and not yet closed by a later one."""


Within = tuple[DateTime, Collection[str]]
"""The issues a periodic report of a unit counts: those whose line at the moment
given counts under one of the units given (its responsible unit, else the unit
that received it)."""


def write_lines(
    db: Db,
    appends: Sequence[Append],
    rows: Sequence[Sequence[Any]],
    issues: Sequence[IssueSummary],
    pledges: Sequence[PledgeSummary],
    key: bytes | None,
) -> None:
    """Write the summary lines of what ``appends`` add (whose linked event rows
    are ``rows``), inside the caller's transaction: ``issues`` holds the line
    after every issue event appended, in order; ``pledges`` each pledge's line at
    its new version. Each line is bound to its event (:func:`line_digest`);
    every issue line goes into ``issue_lines`` with its span, closing the span of
    the version before, and the last of each record is its current line (whose
    dispatches go to ``dispatch_lines``: see ``dispatch_rows``)."""
    hashes = {(row[SUBJECT], row[RECORD_ID], row[VERSION]): row[HASH] for row in rows}
    lines = iter(issues)
    written: list[tuple[Any, ...]] = []
    closing: list[tuple[int, str, int]] = []
    current: dict[str, tuple[Any, ...]] = {}
    latest: dict[str, IssueSummary] = {}
    subject = Subject.ISSUE.value
    for append in appends:
        if append.subject is not Subject.ISSUE or not append.events:
            continue
        record_id, version, events = append.record_id, append.expected_version, append.events
        starts = [micros(event.at) for event in events]
        if version:
            closing.append((starts[0], record_id, version))
        for index, start in enumerate(starts):
            version += 1
            line = next(lines, None)
            if line is None or line.id != record_id or line.version != version:
                raise _unmatched(record_id, version, line)
            values = issue_row(line)
            digest = line_digest(hashes[(subject, record_id, version)], (*values, start), key)
            until = starts[index + 1] if index + 1 < len(starts) else None
            written.append((*values, start, until, digest))
            current[record_id] = (*values, digest)
            latest[record_id] = line
    extra = next(lines, None)
    if extra is not None:
        raise _unmatched(extra.id, extra.version, extra)
    db.executemany(_WRITE_LINE, written)
    db.executemany(_CLOSE_LINE, closing)
    dialect = dialect_of(db)
    db.executemany(dialect.upsert("issues", _CURRENT, "id"), current.values())
    write_dispatches(db, latest)
    kept = []
    for pledge in pledges:
        event_hash = hashes.get((Subject.PLEDGE.value, pledge.id, pledge.version))
        if event_hash is None:
            raise _unmatched(pledge.id, pledge.version, pledge)
        values = pledge_row(pledge)
        kept.append((*values, line_digest(event_hash, values, key)))
    db.executemany(dialect.upsert("pledges", _PLEDGE_COLUMNS, "id"), kept)


def _unmatched(record_id: str, version: int, line: object) -> InconsistentRecordError:
    return InconsistentRecordError(
        field="issues" if not isinstance(line, PledgeSummary) else "pledges",
        value=line,
        problem=f"does not match the event appended: expected the line of {record_id!r} "
        f"at version {version}",
        hint="Give the summary line after every issue event appended, in order, and each "
        "pledge's line at its new version.",
    )


def issue_lines(
    db: Db,
    *,
    units: Collection[str] | None = None,
    status: Collection[IssueStatus] | None = None,
    track: Collection[Track] | None = None,
    received_from: DateTime | None = None,
    received_before: DateTime | None = None,
    overdue_at: DateTime | None = None,
    as_of: DateTime | None = None,
) -> Iterator[IssueSummary]:
    """The issue lines that match every filter given (see
    :meth:`EventStore.issue_summaries`); with ``as_of``, the lines as they stood
    then, of the issues received by then."""
    where: list[str] = []
    params: list[Any] = []
    table = "issues"
    if as_of is not None:
        moment = micros(as_datetime(as_of, field="as_of"))
        table = "issue_lines"
        where.append(_HELD)
        params += [moment, moment]
    for column, wanted in ((HOME_UNIT_SQL, units), ("status", status), ("track", track)):
        if wanted is not None:
            values = [getattr(item, "value", item) for item in wanted]
            where.append(f"{column} IN ({marks(values)})" if values else "1 = 0")
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
    cursor = db.execute(f"SELECT {listed(ISSUE_ROW)} FROM {table} {clause}", params)
    cursor.arraysize = 10_000
    while rows := cursor.fetchmany():
        yield from map(issue_line, rows)


def fact_counts(
    db: Db,
    *,
    at: DateTime,
    group: str | tuple[str, ...] | None = None,
    as_of: DateTime | None = None,
    within: Within | None = None,
) -> Iterator[tuple[Any, Facts, int]]:
    """Every issue line reduced to its group key and its facts, identical ones
    merged with how many there are (see :meth:`EventStore.issue_fact_counts`);
    with ``as_of``, the lines as they stood then; with ``within``, only the
    issues it takes (see :func:`within_sql`)."""
    keys = () if group is None else (group,) if isinstance(group, str) else tuple(group)
    for key in keys:
        if key not in GROUP_KEYS:
            raise InvalidValueError(
                field="group", value=key, problem=f"must be one of {', '.join(GROUP_KEYS)}"
            )
    held = None if as_of is None else micros(as_datetime(as_of, field="as_of"))
    counts = _fact_counts(db, micros(as_datetime(at, field="at")), keys, held, within)
    if isinstance(group, str):
        return ((key[0], facts, n) for key, facts, n in counts)
    if group is None:
        return ((None, facts, n) for _, facts, n in counts)
    return counts


def _fact_counts(
    db: Db,
    now: int,
    keys: tuple[str, ...],
    held: int | None,
    within: Within | None,
) -> Iterator[tuple[Any, Facts, int]]:
    # Only identical lines are merged here; what they count for is decided by
    # figures_of_facts, as for lines read one by one.
    width = len(keys)
    dialect = dialect_of(db)
    selected = "".join(f"{group_column(key, dialect)}, " for key in keys)
    positions = listed(str(n) for n in range(1, width + _FACTS + 1))
    source, params = (
        ("issues WHERE 1 = 1", [now])
        if held is None
        else (f"issue_lines WHERE {_HELD}", [now, held, held])
    )
    chosen, chosen_params = within_sql(within)
    query = f"SELECT {selected}{FACT_COLUMNS}, count(*) FROM {source}{chosen} GROUP BY {positions}"
    params += chosen_params
    readers = [GROUP_VALUES.get(key) for key in keys]
    for row in db.execute(query, params):
        values = tuple(
            row[n] if read is None else decoded("issue summary", row[n:], read)
            for n, read in enumerate(readers)
        )
        yield values, facts_of_row(row[width : width + _FACTS]), row[width + _FACTS]


def within_sql(within: Within | None, column: str = "id") -> tuple[str, list[Any]]:
    """``within`` as a condition on ``column`` (an issue id) to add to a WHERE
    clause, with its parameters; nothing if ``None``."""
    if within is None:
        return "", []
    moment = micros(as_datetime(within[0], field="within"))
    units = list(within[1])
    if not units:
        return " AND 1 = 0", []
    return (
        f" AND {column} IN (SELECT id FROM issue_lines WHERE {_HELD} "
        f"AND {HOME_UNIT_SQL} IN ({marks(units)}))",
        [moment, moment, *units],
    )


def held_sql(alias: str) -> str:
    """The lines of ``issue_lines`` (named ``alias``) that held at the moment bound
    to both ``?``."""
    return _HELD.replace("from_us", f"{alias}.from_us").replace("until_us", f"{alias}.until_us")


def facts_at(
    db: Db, moments: Sequence[DateTime], within: Within | None = None
) -> Iterator[tuple[int, Facts, int]]:
    """The fact counts of the lines that held at each of ``moments`` (overdue
    judged at that moment), in one pass: each keyed by the moment's position."""
    if not moments:
        return iter(())
    at = [micros(as_datetime(moment, field="moments")) for moment in moments]
    values = " UNION ALL ".join("SELECT ? AS k, ? AS t" for _ in at)
    facts = listed(
        overdue_sql("m.t") if name == "overdue" else sql for name, sql in FACT_SQL.items()
    )
    chosen, chosen_params = within_sql(within, "l.id")
    query = (
        f"WITH m AS ({values}) SELECT m.k, {facts}, count(*) "
        "FROM issue_lines l JOIN m ON l.from_us <= m.t AND (l.until_us IS NULL OR "
        f"l.until_us > m.t){chosen} GROUP BY {listed(str(n) for n in range(1, _FACTS + 2))}"
    )
    params = [value for pair in enumerate(at) for value in pair] + chosen_params
    return (
        (row[0], facts_of_row(row[1 : 1 + _FACTS]), row[1 + _FACTS])
        for row in db.execute(query, params)
    )


def pledge_lines(db: Db) -> Iterator[PledgeSummary]:
    """Every pledge line, by id."""
    for row in db.execute(f"{_SELECT_PLEDGES} ORDER BY id"):
        yield pledge_line(row)
