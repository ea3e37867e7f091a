"""Checking the summary lines against the events they are bound to, without
rebuilding a record: each line's digest (``line_seal``) over its values and
its event's hash, the spans of each issue's versions laid end to end, and the
dispatch lines against the current lines they are kept from."""

from banshishi._model.vocabulary import Subject

from .dispatch_rows import dispatch_problem
from .line_seal import line_digest
from .sql_dialect import Db, dialect_of
from .sqlite_file import ISSUE_ROW, PLEDGE_ROW, listed

_WIDTH = len(ISSUE_ROW)
_ISSUE = Subject.ISSUE.value


def line_problem(db: Db, key: bytes | None) -> str:
    """What is wrong with the lines (``""`` if nothing): a line whose digest does
    not match its values and its event, spans that do not follow each other, a
    version missing, a current line that is not its record's last version, or
    dispatch lines that are not the current lines' dispatches."""
    return (
        _history_problem(db, key)
        or _span_problem(db)
        or _current_problem(db, key)
        or dispatch_problem(db)
        or _pledge_problem(db, key)
    )


def _history_problem(db: Db, key: bytes | None) -> str:
    query = (
        f"SELECT {listed('l.' + name for name in ISSUE_ROW)}, l.from_us, l.digest, e.hash "
        "FROM issue_lines l LEFT JOIN events e "
        "ON e.subject = ? AND e.record_id = l.id AND e.version = l.version"
    )
    cursor = db.execute(query, (_ISSUE,))
    cursor.arraysize = 10_000
    while rows := cursor.fetchmany():
        for row in rows:
            values, start, digest, event_hash = row[:_WIDTH], row[_WIDTH], row[-2], row[-1]
            where = f"the line of issue {row[0]!r} at version {row[1]}"
            if event_hash is None:
                return f"{where} has no event: it was added outside banshishi"
            if digest != line_digest(event_hash, (*values, start), key):
                return f"{where} does not match its digest: it was changed outside banshishi"
    return ""


def _span_problem(db: Db) -> str:
    gap = db.execute(
        "SELECT id, min(version), max(version), count(*) FROM issue_lines GROUP BY id "
        "HAVING min(version) != 1 OR max(version) != count(*) LIMIT 1"
    ).fetchone()
    if gap is not None:
        return f"the lines of issue {gap[0]!r} miss a version between 1 and {gap[2]}"
    differs = dialect_of(db).distinct("n.from_us", "l.until_us")
    broken = db.execute(
        "SELECT l.id, l.version FROM issue_lines l LEFT JOIN issue_lines n "
        "ON n.id = l.id AND n.version = l.version + 1 "
        "WHERE (n.id IS NULL AND l.until_us IS NOT NULL) "
        f"OR (n.id IS NOT NULL AND {differs}) LIMIT 1"
    ).fetchone()
    if broken is not None:
        return (
            f"the line of issue {broken[0]!r} at version {broken[1]} does not end where "
            "the next begins: its span was changed outside banshishi"
        )
    return ""


def _current_problem(db: Db, key: bytes | None) -> str:
    query = (
        f"SELECT {listed('i.' + name for name in ISSUE_ROW)}, i.digest, l.digest, l.until_us, "
        "l.from_us, e.hash FROM issues i LEFT JOIN issue_lines l "
        "ON l.id = i.id AND l.version = i.version LEFT JOIN events e "
        "ON e.subject = ? AND e.record_id = i.id AND e.version = i.version"
    )
    cursor = db.execute(query, (_ISSUE,))
    cursor.arraysize = 10_000
    while rows := cursor.fetchmany():
        for row in rows:
            values = row[:_WIDTH]
            digest, kept, until, start, event_hash = row[_WIDTH:]
            where = f"the summary of issue {row[0]!r}"
            if kept is None or until is not None or digest != kept:
                return f"{where} is not the last version of its lines"
            if event_hash is None or digest != line_digest(event_hash, (*values, start), key):
                return f"{where} does not match its digest: it was changed outside banshishi"
    orphan = db.execute(
        "SELECT l.id FROM issue_lines l LEFT JOIN issues i ON i.id = l.id "
        "WHERE i.id IS NULL LIMIT 1"
    ).fetchone()
    if orphan is not None:
        return f"issue {orphan[0]!r} has lines but no summary"
    return ""


def _pledge_problem(db: Db, key: bytes | None) -> str:
    query = (
        f"SELECT {listed('p.' + name for name in PLEDGE_ROW)}, p.digest, e.hash FROM pledges p "
        "LEFT JOIN events e ON e.subject = ? AND e.record_id = p.id AND e.version = p.version"
    )
    for row in db.execute(query, (Subject.PLEDGE.value,)):
        values, digest, event_hash = row[: len(PLEDGE_ROW)], row[-2], row[-1]
        if event_hash is None or digest != line_digest(event_hash, values, key):
            return (
                f"the summary of pledge {row[0]!r} does not match its digest: it was changed "
                "outside banshishi"
            )
    return ""
