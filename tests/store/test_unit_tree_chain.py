"""The unit tree kept with a ledger is a record of its hash chain.

Each saving of the tree is one version, linked into the chain like an event, so
an edit of the tree in the file (a unit renamed, moved, removed or doubled) is
found by ``verify`` and ``verify --deep``; reports by unit follow the last
version the chain holds, and nothing outside it. A ledger written before the
tree was chained (tests/data/schema1-ledger.db, made by banshishi at commit
bef4166: see tests/data/README.md) opens with its tree brought into the chain.
"""

import contextlib
import io
import shutil
import sqlite3
from collections.abc import Callable, Iterator
from pathlib import Path

import attrs
import pendulum
import pytest

import paths
from banshishi import (
    Actor,
    ConcurrencyError,
    FixedClock,
    InvalidTypeError,
    InvalidValueError,
    Issue,
    LedgerStore,
    Role,
    StoredUnitTree,
    StoreError,
    Unit,
    UnitTree,
    export_events,
    import_events,
    read_events,
)
from banshishi._cli.main import main
from banshishi._store import sqlite_store
from banshishi._store.event_store import link
from banshishi._store.schema_upgrade import UPGRADE_NOTE, upgrade
from banshishi._store.sqlite_file import SCHEMA
from cast import CLERK_C1 as CLERK
from cast import DISPATCHER_D1 as DISPATCHER
from cast import TOWNS as TREE
from cast import new_issue
from store_helpers import reseal_lines

T0 = pendulum.datetime(2026, 5, 11, 9, tz="Asia/Shanghai")
ADMIN = Actor(id="admin-1", role=Role.SUPERVISOR, unit="county")
OLD_LEDGER = paths.DATA / "schema1-ledger.db"

MOVED = UnitTree(
    [unit if unit.id != "village-1" else attrs.evolve(unit, parent="town-2") for unit in TREE]
)


def issue(number: int) -> Issue:
    """q1, q2, …: the issues of tests/data/schema1-ledger.db, a minute apart."""
    return new_issue(f"q{number}", received_at=T0.add(minutes=number), received_by="centre")


def fill(store: LedgerStore) -> None:
    """q1 to q3, sent to town-1, village-1 and town-2."""
    for number, unit in enumerate(["town-1", "village-1", "town-2"], start=1):
        store.receive(issue(number), actor=CLERK)
        store.apply(f"q{number}", "transfer", actor=DISPATCHER, at=T0.add(hours=number),
                    unit=unit, deadline=T0.add(days=15))  # fmt: skip


@pytest.fixture
def ledger(tmp_path: Path) -> Path:
    """A ledger whose tree (version 1, the chain's first link) came before its issues."""
    path = tmp_path / "ledger.db"
    with LedgerStore.open(path, create=True) as store:
        store.save_units(TREE, at=T0)
        fill(store)
    return path


@contextlib.contextmanager
def raw(path: Path) -> Iterator[sqlite3.Connection]:
    db = sqlite3.connect(path)
    try:
        with db:
            yield db
    finally:
        db.close()


def tables(path: Path) -> set[str]:
    with raw(path) as db:
        return {row[0] for row in db.execute("SELECT name FROM sqlite_master WHERE type='table'")}


def edit_tree(path: Path, change: str) -> None:
    """Apply the JSON edit ``change`` (SQL over ``tree``, the tree's JSON text) to
    the tree wherever the file keeps it."""
    with raw(path) as db:
        if "units" in tables(path):  # a tree kept in a table of its own
            db.execute(f"UPDATE units SET body = (SELECT {change} FROM (SELECT body AS tree))")
        else:
            db.execute(
                f"UPDATE events SET data = (SELECT {change} FROM (SELECT data AS tree)) "
                "WHERE subject = 'units'"
            )


def unit_rows(tree: UnitTree | None) -> list[Unit]:
    return [] if tree is None else list(tree)


def versions(stored: StoredUnitTree) -> tuple[object, ...]:
    """A version of the tree, less its place in the chain."""
    change = stored.change
    return (stored.version, list(change.tree), change.at, change.actor, change.note)


def by_unit(store: LedgerStore) -> dict[str, int]:
    return {row.label: row.figures.received for row in store.report(at=T0.add(days=1), by="unit")}


# -- 1. an edit of the tree in the file is found -----------------------------------------

EDITS = {
    "rename": "json_set(tree, '$[1].name', '改名镇')",
    "reparent": "json_set(tree, '$[2].parent', 'town-2')",
    "delete": "json_remove(tree, '$[2]')",
    "duplicate": "json_insert(tree, '$[#]', json_extract(tree, '$[3]'))",
}


@pytest.mark.parametrize("change", list(EDITS.values()), ids=list(EDITS))
def test_an_edit_of_the_saved_tree_is_found_by_verify_and_verify_deep(
    ledger: Path, change: str, capsys: pytest.CaptureFixture[str]
) -> None:
    with LedgerStore.open(ledger) as store:
        before = unit_rows(store.units)
    edit_tree(ledger, change)
    with LedgerStore.open(ledger) as store:
        with contextlib.suppress(StoreError):  # a doubled unit is no tree at all
            assert unit_rows(store.units) != before  # reads see the edit ...
        for report in (store.verify(), store.verify(deep=True)):
            assert not report.intact  # ... and the chain shows it
            assert report.first_bad == 1
            assert "event 1 (units 'tree', version 1)" in report.problem
    capsys.readouterr()
    assert main(["verify", "--deep", "--db", str(ledger)]) == 1
    assert "BROKEN (first bad event: 1)" in capsys.readouterr().err


def test_a_second_tree_slipped_into_the_file_is_found(ledger: Path) -> None:
    with raw(ledger) as db:
        if "units" in tables(ledger):
            db.execute("INSERT INTO units SELECT body FROM units")
        else:
            row = db.execute("SELECT * FROM events WHERE subject = 'units'").fetchone()
            last = db.execute("SELECT max(seq) FROM events").fetchone()[0]
            db.execute(
                f"INSERT INTO events VALUES ({', '.join('?' * len(row))})",
                (last + 1, *row[1:3], 2, *row[4:]),
            )
    with LedgerStore.open(ledger) as store:
        assert not store.verify(deep=True)


def test_a_tree_rewritten_with_fresh_hashes_is_no_tree_and_verify_deep_says_so(
    ledger: Path,
) -> None:
    # Someone recomputes every hash after doubling a unit: the unkeyed chain holds,
    # but no tree can be rebuilt from that version, and the deep check rebuilds it.
    edit_tree(ledger, EDITS["duplicate"])
    with raw(ledger) as db:
        previous = "0" * 64
        for row in db.execute("SELECT * FROM events ORDER BY seq").fetchall():
            previous = link(previous, *row[:5], row[5:13])
            db.execute("UPDATE events SET hash = ? WHERE seq = ?", (previous, row[0]))
        db.execute("UPDATE meta SET value = ? WHERE key = 'head_hash'", (previous,))
        reseal_lines(db)
    with LedgerStore.open(ledger) as store:
        assert store.verify()
        deep = store.verify(deep=True)
        assert not deep
        assert "version 1 of the unit tree (event 1)" in deep.problem
        assert "appears twice" in deep.problem
        with pytest.raises(StoreError, match="version 1 of the unit tree"):
            store.units  # noqa: B018 - reading the tree is what is tested


# -- 2. the tree has versions and a history ------------------------------------------------


def test_each_saving_is_a_version_and_reports_follow_the_last(ledger: Path) -> None:
    later = T0.add(days=2)
    with LedgerStore.open(ledger) as store:
        assert store.units_version() == 1
        assert by_unit(store)["一镇"] == 2  # town-1 and village-1 under it
        store.save_units(MOVED, actor=ADMIN, at=later, note="一村划归二镇", expected_version=1)
        assert store.units_version() == 2
        assert unit_rows(store.units) == list(MOVED)
        assert by_unit(store)["一镇"] == 1
        assert by_unit(store)["二镇"] == 2
        history = store.unit_history()
        assert [stored.version for stored in history] == [1, 2]
        assert [unit_rows(stored.tree) for stored in history] == [list(TREE), list(MOVED)]
        assert (history[1].change.actor, history[1].change.at, history[1].change.note) == (
            ADMIN, later, "一村划归二镇",
        )  # fmt: skip
        assert history[0].change.actor is None
        assert [stored.seq for stored in history] == [1, 8]
        # The tree's versions are links of the chain, not events of any record.
        assert all(stored.record_id.startswith("q") for stored in store.store.events())
        report = store.verify(deep=True)
        assert (report.intact, report.events) == (True, 8)


def test_a_save_against_a_stale_version_of_the_tree_writes_nothing(ledger: Path) -> None:
    with LedgerStore.open(ledger) as store:
        head = store.head()
        with pytest.raises(ConcurrencyError, match="unit tree version"):
            store.save_units(MOVED, at=T0, expected_version=0)
        assert store.head() == head
        assert unit_rows(store.units) == list(TREE)


@pytest.mark.parametrize(
    ("call", "field"),
    [
        (lambda s: s.save_units(list(TREE)), "units"),
        (lambda s: s.save_units(TREE, at=T0, actor="admin"), "UnitTreeChange.actor"),
        (lambda s: s.save_units(TREE, at=T0, expected_version="1"), "expected_version"),
        (lambda s: s.write_histories([], units=[TREE]), "units[0]"),
    ],
)
def test_bad_arguments_to_save_a_tree_are_refused_by_name(
    ledger: Path, call: Callable[[LedgerStore], None], field: str
) -> None:
    with LedgerStore.open(ledger) as store:
        head = store.head()
        with pytest.raises(InvalidTypeError) as refused:
            call(store)
        assert refused.value.field == field
        assert store.head() == head


def test_a_tree_table_added_to_the_file_changes_no_report(ledger: Path) -> None:
    renamed = '[{"id": "county", "name": "假县", "level": "county", "parent": null}]'
    with raw(ledger) as db:
        db.execute("CREATE TABLE units (body TEXT NOT NULL)")
        db.execute("INSERT INTO units VALUES (?)", (renamed,))
    with LedgerStore.open(ledger) as store:
        assert unit_rows(store.units) == list(TREE)
        assert "县政府" in by_unit(store)


def test_export_and_import_carry_every_version_of_the_tree(ledger: Path, tmp_path: Path) -> None:
    with LedgerStore.open(ledger) as store:
        store.save_units(MOVED, actor=ADMIN, at=T0.add(days=2), note="一村划归二镇")
        exported = io.StringIO()
        assert export_events(store, exported) == 8
        history = [versions(stored) for stored in store.unit_history()]
    text = exported.getvalue()
    assert [len(histories) for _, histories in read_events(io.StringIO(text))] == [2, 2, 2]
    with LedgerStore.open(tmp_path / "copy.db", create=True) as copy:
        assert import_events(copy, io.StringIO(text)) == 8
        assert [versions(stored) for stored in copy.unit_history()] == history
        assert copy.verify(deep=True)
    tampered = text.replace("一村划归二镇", "一村划归一镇")
    with pytest.raises(InvalidValueError, match="line 9, column hash"):
        read_events(io.StringIO(tampered))


# -- 3. ledgers written before the tree was chained ---------------------------------------


def old_ledger(tmp_path: Path) -> Path:
    path = tmp_path / "old.db"
    shutil.copyfile(OLD_LEDGER, path)
    return path


def test_an_old_ledger_opens_with_its_tree_chained_and_its_events_untouched(
    tmp_path: Path,
) -> None:
    path = old_ledger(tmp_path)
    with raw(path) as db:
        assert db.execute("SELECT value FROM meta WHERE key = 'schema'").fetchone() == ("1",)
        events = db.execute("SELECT * FROM events ORDER BY seq").fetchall()
        old_head = db.execute("SELECT value FROM meta WHERE key = 'head_hash'").fetchone()[0]
    assert "units" in tables(path)
    moment = T0.add(days=30)
    with LedgerStore.open(path, clock=FixedClock(moment)) as store:
        assert unit_rows(store.units) == list(TREE)
        (first,) = store.unit_history()
        assert (first.version, first.seq, first.change.at) == (1, 7, moment)
        assert (first.change.note, first.change.actor) == (UPGRADE_NOTE, None)
        report = store.verify(deep=True)
        assert (report.intact, report.events) == (True, 7)
        # A receipt kept before the upgrade still holds: the events were not rewritten.
        assert store.verify(expect_head=f"6:{old_head}")
        assert by_unit(store)["一镇"] == 2
    with raw(path) as db:
        assert db.execute("SELECT * FROM events WHERE seq <= 6 ORDER BY seq").fetchall() == events
        assert db.execute("SELECT value FROM meta WHERE key = 'schema'").fetchone() == (
            str(SCHEMA),
        )
    assert "units" not in tables(path)
    with LedgerStore.open(path) as store:  # opened again, nothing more to do
        assert store.units_version() == 1
        assert store.verify()


def test_an_old_ledger_behaves_as_a_new_one_after_the_upgrade(tmp_path: Path) -> None:
    path = old_ledger(tmp_path)
    with LedgerStore.open(path) as store:
        old = by_unit(store)
    with LedgerStore.open(tmp_path / "new.db", create=True) as store:
        store.save_units(TREE, at=T0)
        fill(store)
        assert by_unit(store) == old
    edit_tree(path, EDITS["rename"])
    with LedgerStore.open(path) as store:
        report = store.verify()
        assert (report.intact, report.first_bad) == (False, 7)


def test_an_old_ledger_that_cannot_be_written_is_left_as_it_is(tmp_path: Path) -> None:
    path = old_ledger(tmp_path)
    before = path.read_bytes()
    db = sqlite3.connect(f"{path.resolve().as_uri()}?mode=ro", uri=True, isolation_level=None)
    try:
        assert "read-only" in upgrade(db, FixedClock(T0).now)
    finally:
        db.close()
    assert path.read_bytes() == before


def test_an_old_ledger_left_as_it_is_reads_its_tree_and_does_not_verify(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    path = old_ledger(tmp_path)
    monkeypatch.setattr(sqlite_store, "upgrade", lambda db, now: "it is read-only here")
    with LedgerStore.open(path) as store:
        assert unit_rows(store.units) == list(TREE)
        assert by_unit(store)["一镇"] == 2
        report = store.verify()
        assert not report.intact
        assert report.problem == "the unit tree is outside the hash chain: it is read-only here"
    assert "units" in tables(path)


def test_an_old_ledger_whose_tree_cannot_be_read_opens_and_is_not_intact(tmp_path: Path) -> None:
    path = old_ledger(tmp_path)
    with raw(path) as db:
        db.execute("UPDATE units SET body = '[' || body")
    with LedgerStore.open(path) as store:
        with pytest.raises(StoreError, match="the unit tree saved outside the chain"):
            store.units  # noqa: B018 - reading the tree is what is tested
        report = store.verify()
        assert not report.intact
        assert "outside the hash chain" in report.problem
        assert len(store.summaries()) == 3  # everything else reads as before
        # Saving a tree again replaces the unreadable one, in the chain.
        store.save_units(TREE, at=T0)
        assert store.verify(deep=True)
    assert "units" not in tables(path)
    with LedgerStore.open(path) as store:
        assert store.units_version() == 1
        assert store.verify()
