"""Checking a ledger file's hash chain: every link in place and unchanged, the
head the ``meta`` table records (and, on a keyed chain, its seal), a kept head
receipt if given, and the summary lines against the events."""

from banshishi._core.errors import StoreError
from banshishi._metrics.summary import IssueSummary, PledgeSummary
from banshishi._model.vocabulary import Subject

from .chain_key import HeadReceipt, same, seal
from .event_store import GENESIS, ChainReport, link
from .line_check import line_problem
from .policy_history import POLICY_ID, POLICY_SUBJECT
from .sql_dialect import Db, dialect_of
from .sqlite_file import (
    AT,
    EVENT,
    HASH,
    ISSUE_ROW,
    PLEDGE_ROW,
    RECORD_ID,
    SELECT_EVENTS,
    SEQ,
    SUBJECT,
    VERSION,
    listed,
    read_head,
    read_meta,
)
from .sqlite_rows import issue_line, pledge_line
from .unit_history import TREE_ID, TREE_SUBJECT

_RECORDS = frozenset(subject.value for subject in Subject)
_KEPT = frozenset({(TREE_SUBJECT, TREE_ID), (POLICY_SUBJECT, POLICY_ID)})
"""The records kept beside the issues and pledges: the unit tree and the policy."""


def check_chain(
    db: Db, *, key: bytes | None, expect: HeadReceipt | None, sealed: bool = True
) -> ChainReport:
    """The report on the chain in ``db``, its links computed with ``key`` (``None``
    for an unkeyed chain) and its head checked against ``expect`` if given; with
    ``sealed``, every summary line against the digest binding it to its event."""
    previous, expected = GENESIS, 1
    # Which event first breaks its record's run of versions is asked of the
    # database, so memory does not grow with the ledger's records.
    out_of_step = _first_out_of_step(db)
    count = 0
    for row in db.execute(f"{SELECT_EVENTS} ORDER BY seq"):
        seq, subject, record_id = row[SEQ], row[SUBJECT], row[RECORD_ID]
        version, at, columns, stored = row[VERSION], row[AT], row[EVENT], row[HASH]
        where = f"event {seq} ({subject} {record_id!r}, version {version})"
        if seq != expected:
            missing = f"events {expected}–{seq - 1} are" if seq > expected + 1 else None
            problem = f"{missing or f'event {expected} is'} missing before {where}"
            return ChainReport(intact=False, events=count, first_bad=expected, problem=problem)
        key_of = (subject, record_id)
        if subject not in _RECORDS and key_of not in _KEPT:
            problem = f"{where} belongs to no record a ledger keeps"
            return ChainReport(intact=False, events=count, first_bad=seq, problem=problem)
        if seq == out_of_step:
            before = _events_before(db, subject, record_id, seq)
            problem = f"{where} does not follow version {before} of its record"
            return ChainReport(intact=False, events=count, first_bad=seq, problem=problem)
        if link(previous, seq, subject, record_id, version, at, columns, key) != stored:
            problem = f"{where} does not match its hash: it was changed, or inserted"
            return ChainReport(intact=False, events=count, first_bad=seq, problem=problem)
        if expect is not None and seq == expect.events and stored != expect.head:
            return _unlike_receipt(count + 1, expect)
        previous, expected, count = stored, expected + 1, count + 1
    broken = _head_problem(db, count, previous, key)
    if broken is not None:
        return broken
    if expect is not None and count < expect.events:
        problem = (
            f"the chain ends at event {count} but the kept receipt records "
            f"{expect.events}: events were removed from the end"
        )
        return ChainReport(intact=False, events=count, first_bad=count + 1, problem=problem)
    if expect is not None and expect.events == 0 and expect.head != GENESIS:
        return _unlike_receipt(count, expect)  # no chain ever had that receipt
    problem = _summary_problem(db)
    if not problem and sealed:
        problem = line_problem(db, key)
    if problem:
        return ChainReport(intact=False, events=count, problem=problem)
    return ChainReport(intact=True, events=count, head=HeadReceipt(events=count, head=previous))


def _unlike_receipt(count: int, expect: HeadReceipt) -> ChainReport:
    problem = (
        f"event {expect.events} does not have the hash the kept receipt records: the events "
        "up to it were changed and the hashes after the change computed again"
    )
    return ChainReport(intact=False, events=count, problem=problem)


def _head_problem(db: Db, count: int, last: str, key: bytes | None) -> ChainReport | None:
    """What is wrong with the head ``meta`` records, for a chain of ``count``
    sound events ending in ``last``; on a keyed chain, with its seal too."""
    try:
        meta = read_meta(db)
        head_seq, head_hash = read_head(meta)
    except StoreError as error:
        return ChainReport(intact=False, events=count, problem=str(error))
    if head_seq != count:
        problem = (
            f"the chain ends at event {count} but the ledger's head records event "
            f"{head_seq}: events were removed from the end"
        )
        return ChainReport(intact=False, events=count, first_bad=count + 1, problem=problem)
    if head_hash != last:
        problem = (
            f"the ledger's head records another hash for event {count}: the last event was changed"
        )
        return ChainReport(intact=False, events=count, first_bad=count or None, problem=problem)
    if key is not None and not same(meta.get("head_seal", ""), seal(key, count, last)):
        problem = (
            f"the ledger's head (event {count}) is not sealed with the key: events were "
            "removed from the end, or the head was rewritten, by someone without the key"
        )
        return ChainReport(intact=False, events=count, problem=problem)
    return None


def _first_out_of_step(db: Db) -> int | None:
    """The first event (by sequence number) whose version is not one more than
    that of its record's event before it (1 for its first), if any."""
    differs = dialect_of(db).distinct("version", "place")
    row = db.execute(
        "SELECT seq FROM (SELECT seq, version, row_number() OVER "
        "(PARTITION BY subject, record_id ORDER BY seq) AS place FROM events) AS placed "
        f"WHERE {differs} ORDER BY seq LIMIT 1"
    ).fetchone()
    return None if row is None else int(row[0])


def _events_before(db: Db, subject: str, record_id: str, seq: int) -> int:
    """How many events of the record come before event ``seq``."""
    query = "SELECT count(*) FROM events WHERE subject = ? AND record_id = ? AND seq < ?"
    return int(db.execute(query, (subject, record_id, seq)).fetchone()[0])


def _summary_problem(db: Db) -> str:
    """What is wrong with the summary lines, judged by the events (a chain whose
    every record's versions run 1, 2, 3 ... in order): each record has one line
    that can be read, at its version and in the status its last event left it."""
    last = "(SELECT max(e.version) FROM events e WHERE e.subject = ? AND e.record_id = t.id)"
    status = (
        f"(SELECT e.to_status FROM events e WHERE e.subject = ? AND e.record_id = t.id "
        f"AND e.version = {last})"
    )
    tables = (
        (Subject.ISSUE, "issues", ISSUE_ROW, issue_line),
        (Subject.PLEDGE, "pledges", PLEDGE_ROW, pledge_line),
    )
    for subject, table, columns, read in tables:
        query = f"SELECT {listed('t.' + name for name in columns)}, {last}, {status} FROM {table} t"
        cursor = db.execute(query, (subject.value,) * 3)
        cursor.arraysize = 10_000
        width = len(columns)
        while rows := cursor.fetchmany():
            for row in rows:
                try:
                    line: IssueSummary | PledgeSummary = read(row[:width])
                except StoreError as error:
                    return str(error)
                version, to_status = row[width] or 0, row[width + 1]
                if version != line.version:
                    return (
                        f"the summary of {subject.value} {line.id!r} is at version "
                        f"{line.version}, the events at {version}"
                    )
                if to_status != line.status.value:
                    return (
                        f"the summary of {subject.value} {line.id!r} says {line.status.value!r}, "
                        f"its events {to_status!r}"
                    )
    for subject, table, _, _ in tables:
        missing = db.execute(
            f"SELECT record_id FROM events e WHERE subject = ? AND NOT EXISTS "
            f"(SELECT 1 FROM {table} t WHERE t.id = e.record_id) ORDER BY record_id LIMIT 1",
            (subject.value,),
        ).fetchone()
        if missing is not None:
            return f"{subject.value} {missing[0]!r} has events but no summary line"
    return ""
