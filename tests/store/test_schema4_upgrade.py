"""A ledger written at schema 3 is brought to schema 4 on opening: its lines are
made again from its events with the columns schema 4 added (the request type,
the confidential mark, the exclusion from assessment, the first rating and the
回访 answers), bound to their events; the events and the head are untouched.

tests/data/schema3-ledger.db was written by banshishi at commit a7e133d; see
tests/data/README.md.
"""

import hashlib
import shutil
import sqlite3
from pathlib import Path

import pendulum
import pytest

import paths
from banshishi import LedgerStore
from banshishi._store import rebuild
from banshishi._store.sqlite_file import ADDED_IN_4, SCHEMA
from store_helpers import by_id

OLD = paths.DATA / "schema3-ledger.db"


@pytest.fixture
def old(tmp_path: Path) -> Path:
    path = tmp_path / "old.db"
    shutil.copyfile(OLD, path)
    return path


def _read(path: Path, query: str) -> list[tuple[object, ...]]:
    db = sqlite3.connect(path)
    try:
        return db.execute(query).fetchall()
    finally:
        db.close()


def columns(path: Path, table: str) -> set[str]:
    return {str(row[1]) for row in _read(path, f"PRAGMA table_info({table})")}


def test_a_schema_3_ledger_gets_the_new_columns_and_keeps_its_events(old: Path) -> None:
    assert _read(old, "SELECT value FROM meta WHERE key = 'schema'") == [("3",)]
    assert not set(ADDED_IN_4) & columns(old, "issue_lines")
    before = _read(old, "SELECT * FROM events ORDER BY seq")
    with LedgerStore.open(old) as store:
        receipt = store.head()
        times = sorted({stored.event.at for stored in store.store.events()})
        for moment in (*times[:: max(1, len(times) // 8)], times[-1]):
            expected = rebuild.summaries_as_of(store.store, store.policy, moment)
            assert by_id(store.summaries_as_of(moment)) == by_id(expected)
        current = store.summaries()
        # the demo's issues carry a request type, which the old lines did not keep
        assert {line.request_type for line in current} - {None}
        assert store.verify(deep=True)
        assert store.verify(expect_head=receipt)
    assert _read(old, "SELECT * FROM events ORDER BY seq") == before
    assert _read(old, "SELECT value FROM meta WHERE key = 'schema'") == [(str(SCHEMA),)]
    assert set(ADDED_IN_4) <= columns(old, "issue_lines")
    assert set(ADDED_IN_4) <= columns(old, "issues")
    with LedgerStore.open(old) as again:  # opened once more: nothing left to do
        assert by_id(again.summaries()) == by_id(current)


def test_a_schema_3_ledger_read_only_is_read_with_the_new_facts_and_left_untouched(
    old: Path,
) -> None:
    digest = hashlib.sha256(old.read_bytes()).hexdigest()
    later = pendulum.datetime(2100, 1, 1, tz="Asia/Shanghai")
    with LedgerStore.open(old, read_only=True) as store:
        expected = rebuild.summaries_as_of(store.store, store.policy, later)
        assert by_id(store.summaries()) == by_id(expected)
        by_type = store.report(by="request_type", at=later)
        assert sum(row.figures.received for row in by_type[:-1]) == len(expected)
        assert store.verify()
    assert hashlib.sha256(old.read_bytes()).hexdigest() == digest
