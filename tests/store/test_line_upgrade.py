"""A ledger written before schema 3 is brought up to date on opening: every
issue's lines through time built from its events, the events left as they were.

tests/data/schema2-ledger.db was written by banshishi at commit a07e41e (schema
2: one summary line per issue, no history of lines); see tests/data/README.md.
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
from banshishi._store.sqlite_file import SCHEMA
from store_helpers import by_id

OLD = paths.DATA / "schema2-ledger.db"


@pytest.fixture
def old(tmp_path: Path) -> Path:
    path = tmp_path / "old.db"
    shutil.copyfile(OLD, path)
    return path


def events_of(path: Path) -> list[tuple[object, ...]]:
    db = sqlite3.connect(path)
    try:
        return db.execute("SELECT * FROM events ORDER BY seq").fetchall()
    finally:
        db.close()


def schema_of(path: Path) -> str:
    db = sqlite3.connect(path)
    try:
        return str(db.execute("SELECT value FROM meta WHERE key = 'schema'").fetchone()[0])
    finally:
        db.close()


def moments(store: LedgerStore) -> list[pendulum.DateTime]:
    times = sorted({stored.event.at for stored in store.store.events()})
    picked = [*times[:: max(1, len(times) // 12)], times[-1]]
    return [m for t in picked for m in (t, t.subtract(microseconds=1))]


def test_an_old_ledger_gets_its_lines_through_time_and_keeps_its_events(old: Path) -> None:
    assert schema_of(old) == "2"
    before = events_of(old)
    with LedgerStore.open(old) as store:
        receipt = store.head()
        for moment in moments(store):
            expected = rebuild.summaries_as_of(store.store, store.policy, moment)
            assert by_id(store.summaries_as_of(moment)) == by_id(expected)
        current = by_id(store.summaries())
        long_after = pendulum.datetime(2100, 1, 1, tz="Asia/Shanghai")
        assert current == by_id(rebuild.summaries_as_of(store.store, store.policy, long_after))
        assert store.verify()
        assert store.verify(deep=True)
        assert store.verify(expect_head=receipt)
    assert events_of(old) == before
    assert schema_of(old) == str(SCHEMA)
    with LedgerStore.open(old) as again:  # opened once more: nothing left to do
        assert by_id(again.summaries()) == current
        assert again.verify()


def test_an_old_ledger_read_only_is_read_through_time_and_left_untouched(old: Path) -> None:
    digest = hashlib.sha256(old.read_bytes()).hexdigest()
    with LedgerStore.open(old, read_only=True) as store:
        for moment in moments(store)[:6]:
            expected = rebuild.summaries_as_of(store.store, store.policy, moment)
            assert by_id(store.summaries_as_of(moment)) == by_id(expected)
            assert store.report(as_of=moment, by="unit")[-1].figures.received == len(expected)
        assert store.verify()
    assert hashlib.sha256(old.read_bytes()).hexdigest() == digest
    assert schema_of(old) == "2"
