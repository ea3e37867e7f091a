"""Edge cases of the store found in review: long CSV fields, hand-edited files,
bad arguments, markup in names. Each gets the library's own error or report."""

import functools
import io
import sqlite3
from pathlib import Path

import pendulum
import pytest

from banshishi import (
    BatchRefusedError,
    InvalidTypeError,
    InvalidValueError,
    LedgerStore,
    Level,
    StoreError,
    Subject,
    Unit,
    UnitTree,
    export_events,
    import_events,
    read_events,
)
from banshishi._cli.main import main
from banshishi._store.event_store import link
from banshishi._store.sqlite_rows import GROUP_KEYS
from banshishi.store import Append
from cast import CLERK_C1 as CLERK
from cast import DISPATCHER_D1 as DISPATCHER
from cast import new_issue

T0 = pendulum.datetime(2026, 5, 11, 9, tz="Asia/Shanghai")


issue = functools.partial(new_issue, received_at=T0, received_by="centre")


@pytest.fixture
def ledger(tmp_path: Path) -> Path:
    path = tmp_path / "ledger.db"
    with LedgerStore.open(path, create=True) as store:
        store.receive(issue("a"), actor=CLERK)
        store.receive(issue("b"), actor=CLERK)
        store.apply("a", "transfer", actor=DISPATCHER, at=T0.add(hours=1), unit="u1")
    return path


def edit(path: Path, sql: str, *params: object) -> None:
    db = sqlite3.connect(path)
    with db:
        db.execute(sql, params)
    db.close()


def test_a_note_longer_than_the_csv_module_default_round_trips(tmp_path: Path) -> None:
    source = tmp_path / "source.db"
    note = "详" * 200_000
    with LedgerStore.open(source, create=True) as store:
        store.receive(issue("a"), actor=CLERK, note=note)
        text = io.StringIO()
        assert export_events(store, text) == 1
    with LedgerStore.open(tmp_path / "copy.db", create=True) as copy:
        assert import_events(copy, io.StringIO(text.getvalue())) == 1
        assert copy.history("a")[0].note == note


def test_a_csv_that_is_not_csv_is_refused_with_its_line() -> None:
    bad = "seq,subject\n" + '"unclosed\n' * 3
    with pytest.raises(InvalidValueError) as caught:
        read_events(io.StringIO(bad))
    assert "CSV" in str(caught.value) or "header" in str(caught.value)


def test_a_summary_with_an_unknown_value_is_a_store_error_and_breaks_verify(ledger: Path) -> None:
    edit(ledger, "UPDATE issues SET track = 'bogus' WHERE id = 'a'")
    with LedgerStore.open(ledger) as store:
        with pytest.raises(StoreError) as caught:
            store.summaries()
        assert "'a'" in str(caught.value)
        with pytest.raises(StoreError):
            store.report(at=T0, by="track")
        report = store.verify()
        assert not report
        assert "'a'" in report.problem
        assert not store.verify(deep=True)
    assert main(["report", "--db", str(ledger), "--by", "track"]) == 2
    assert main(["verify", "--db", str(ledger)]) == 1


def test_a_damaged_head_is_reported_not_raised(ledger: Path) -> None:
    edit(ledger, "UPDATE meta SET value = 'x' WHERE key = 'head_seq'")
    with LedgerStore.open(ledger) as store:
        report = store.verify()
        assert not report
        assert "head" in report.problem
        with pytest.raises(StoreError):
            store.receive(issue("c"), actor=CLERK)


def test_the_last_event_rewritten_with_a_fresh_hash_is_named_as_changed(ledger: Path) -> None:
    db = sqlite3.connect(ledger)
    seq, subject, record, version, at, *columns = db.execute(
        "SELECT seq, subject, record_id, version, at, name, actor, unit, role, from_status, "
        "to_status, note, data FROM events ORDER BY seq DESC LIMIT 1"
    ).fetchone()
    previous = db.execute("SELECT hash FROM events WHERE seq = ?", (seq - 1,)).fetchone()[0]
    columns[6] = "改过的备注"  # the note
    forged = link(previous, seq, subject, record, version, at, columns)
    with db:
        db.execute("UPDATE events SET note = ?, hash = ? WHERE seq = ?", (columns[6], forged, seq))
    db.close()
    with LedgerStore.open(ledger) as store:
        report = store.verify()
    assert (report.intact, report.first_bad) == (False, seq)
    assert "last event was changed" in report.problem


def test_two_appends_for_one_record_in_one_write_chain_their_versions(tmp_path: Path) -> None:
    with LedgerStore.open(tmp_path / "a.db", create=True) as source:
        source.receive(issue("a"), actor=CLERK)
        source.apply("a", "transfer", actor=DISPATCHER, at=T0.add(hours=1), unit="u1")
        events = source.history("a")
        lines = list(source.store.issue_summaries(as_of=events[0].at))
        lines += source.summaries()
    with LedgerStore.open(tmp_path / "b.db", create=True) as target:
        target.store.append(
            [
                Append(record_id="a", events=events[:1], expected_version=0),
                Append(record_id="a", events=events[1:], expected_version=1),
            ],
            issues=lines,
        )
        assert target.version("a") == 2
        assert target.verify()
        assert list(target.store.issue_summaries(as_of=events[0].at)) == lines[:1]


@pytest.mark.parametrize(
    "call",
    [
        lambda s: s.apply(["a"], "transfer", actor=DISPATCHER, unit="u1"),
        lambda s: s.version(["a"]),
        lambda s: s.apply_many(5),
        lambda s: s.summaries(status="open"),
        lambda s: s.summaries(unit=5),
        lambda s: s.store.issue_fact_counts(at=T0, group="bogus"),
    ],
    ids=["list-id", "version-list", "batch-int", "status-text", "unit-int", "group"],
)
def test_bad_arguments_get_the_library_s_errors(ledger: Path, call) -> None:
    with LedgerStore.open(ledger) as store:
        before = store.version("a")
        with pytest.raises((InvalidTypeError, InvalidValueError)):
            call(store)
        assert store.version("a") == before


def test_a_store_must_be_an_event_store() -> None:
    with pytest.raises(InvalidTypeError):
        LedgerStore(5)  # type: ignore[arg-type]


@pytest.mark.parametrize("item", [("a",), ("a", [1, 2]), (["a"], []), "ab"])
def test_write_histories_refuses_malformed_items(ledger: Path, item) -> None:
    with LedgerStore.open(ledger) as store, pytest.raises(BatchRefusedError) as caught:
        store.write_histories([item])
    assert isinstance(caught.value.error, InvalidTypeError)


def test_an_import_file_that_is_not_utf8_exits_2(tmp_path: Path) -> None:
    bad = tmp_path / "events.csv"
    bad.write_bytes("seq,名称\n".encode("gbk"))
    assert main(["import", str(bad), "--db", str(tmp_path / "new.db")]) == 2
    assert not (tmp_path / "new.db").exists()


def test_unit_names_with_markup_are_printed_as_they_are(tmp_path: Path, capsys) -> None:
    path = tmp_path / "ledger.db"
    with LedgerStore.open(path, create=True) as store:
        store.save_units(
            UnitTree([Unit(id="office[/]", name="[red]办公室[/]", level=Level.COUNTY)])
        )
        store.receive(issue("a"), actor=CLERK)
        store.apply("a", "transfer", actor=DISPATCHER, at=T0.add(hours=1), unit="office[/]")
    assert main(["report", "--db", str(path), "--by", "unit"]) == 0
    assert "[red]办公室[/]" in capsys.readouterr().out


@pytest.mark.parametrize("received", [-1, -3_600_000_000, -3_600_000_001, 0, 7_200_000_001])
def test_the_hour_of_receipt_rounds_down_in_sqlite_as_in_python(received: int) -> None:
    db = sqlite3.connect(":memory:")
    db.execute("CREATE TABLE issues (received_us INTEGER)")
    db.execute("INSERT INTO issues VALUES (?)", (received,))
    (hour,) = db.execute(f"SELECT {GROUP_KEYS['hour']} FROM issues").fetchone()
    assert hour == received // 3_600_000_000


def test_subject_values_name_the_tables() -> None:
    assert {s.value for s in Subject} == {"issue", "pledge"}
