"""What the hash chain proves, mode by mode, against someone who edits the file.

The attacks are those of the review: the last record cut off (its events and
its summary line) with the head in ``meta`` rewritten to the new last event,
and an event changed with every hash after it computed again. An unkeyed chain
cannot see either (docs/store.md says so); a keyed chain sees both; a head
receipt kept from before sees both on any chain.
"""

import contextlib
import io
import shutil
import sqlite3
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pendulum
import pytest
from hypothesis import given
from hypothesis import strategies as st

from banshishi import (
    Actor,
    ChainKeyError,
    ChainReport,
    Channel,
    HeadReceipt,
    InvalidTypeError,
    InvalidValueError,
    Issue,
    LedgerStore,
    Level,
    Role,
    StoreError,
    Unit,
    UnitTree,
    Urgency,
    export_events,
    read_events,
)
from banshishi._cli.key import chain_key_from_environment
from banshishi._cli.main import main
from banshishi._store.event_store import GENESIS, link
from cast import CLERK_C1 as CLERK
from cast import DISPATCHER_D1 as DISPATCHER
from store_helpers import reseal_lines

T0 = pendulum.datetime(2026, 5, 11, 9, tz="Asia/Shanghai")
KEY = bytes.fromhex("8f1c2b7a9e4d3f6a0b5c8d7e2f1a4b3c6d9e0f8a7b2c5d4e3f1a0b9c8d7e6f5a")
OTHER_KEY = b"another key, 32 bytes long......"
ISSUES = 5
EVENTS = 1 + 2 * ISSUES  # the tree, then each issue received and transferred


def build(path: Path, key: bytes | None = None) -> None:
    """A ledger of a unit tree and five issues; the last one's two events end the chain."""
    with LedgerStore.open(path, create=True, chain_key=key) as store:
        store.save_units(UnitTree([Unit(id="town", name="一镇", level=Level.TOWNSHIP)]), at=T0)
        for number in range(1, ISSUES + 1):
            store.receive(
                Issue(id=f"q{number}", title="路灯不亮", channel=Channel.HOTLINE,
                      urgency=Urgency.URGENT, received_at=T0.add(minutes=number),
                      received_by="centre"),
                actor=CLERK,
            )  # fmt: skip
            store.apply(f"q{number}", "transfer", actor=DISPATCHER, at=T0.add(hours=number),
                        unit="town", deadline=T0.add(days=15))  # fmt: skip


@pytest.fixture
def ledger(tmp_path: Path) -> Path:
    build(tmp_path / "ledger.db")
    return tmp_path / "ledger.db"


@pytest.fixture
def keyed(tmp_path: Path) -> Path:
    build(tmp_path / "keyed.db", KEY)
    return tmp_path / "keyed.db"


@contextlib.contextmanager
def raw(path: Path) -> Iterator[sqlite3.Connection]:
    db = sqlite3.connect(path)
    try:
        with db:
            yield db
    finally:
        db.close()


def cut(path: Path, events: int = 2) -> None:
    """Remove the last ``events`` events and the summary lines of records left with
    none, then record the new last event as the head, as the review did."""
    with raw(path) as db:
        last = db.execute("SELECT max(seq) FROM events").fetchone()[0]
        keep = last - events
        db.execute("DELETE FROM events WHERE seq > ?", (keep,))
        db.execute("DELETE FROM issues WHERE id NOT IN (SELECT record_id FROM events)")
        for record_id, version in db.execute(
            "SELECT record_id, max(version) FROM events GROUP BY record_id"
        ).fetchall():
            db.execute("UPDATE issues SET version = ? WHERE id = ?", (version, record_id))
        head = db.execute("SELECT hash FROM events WHERE seq = ?", (keep,)).fetchone()
        db.execute("UPDATE meta SET value = ? WHERE key = 'head_seq'", (str(keep),))
        db.execute(
            "UPDATE meta SET value = ? WHERE key = 'head_hash'", (head[0] if head else GENESIS,)
        )
        reseal_lines(db)


def rewrite(path: Path, seq: int) -> None:
    """Change event ``seq``'s note and compute every hash from it on again, and the
    head, with the unkeyed chain's function (all anyone without a key can use)."""
    with raw(path) as db:
        db.execute("UPDATE events SET note = '已电话回访' WHERE seq = ?", (seq,))
        previous = GENESIS
        for row in db.execute("SELECT * FROM events ORDER BY seq").fetchall():
            previous = link(previous, *row[:5], row[5:13])
            db.execute("UPDATE events SET hash = ? WHERE seq = ?", (previous, row[0]))
        db.execute("UPDATE meta SET value = ? WHERE key = 'head_hash'", (previous,))
        reseal_lines(db)


def verify(path: Path, key: bytes | None = None, **options: Any) -> ChainReport:
    with LedgerStore.open(path, chain_key=key) as store:
        return store.verify(**options)


def receipt(path: Path, key: bytes | None = None) -> HeadReceipt:
    with LedgerStore.open(path, chain_key=key) as store:
        report = store.verify()
    assert report.intact
    assert report.head is not None
    return report.head


# -- 1. the last record cut off, the head rewritten ------------------------------------------


def test_an_unkeyed_chain_cannot_see_the_last_record_cut_off(ledger: Path) -> None:
    cut(ledger)
    with LedgerStore.open(ledger) as store:
        # What the docs say an unkeyed chain does not prove, pinned here.
        assert store.verify()
        assert store.verify(deep=True)
        assert len(store.summaries()) == ISSUES - 1


def test_a_kept_receipt_sees_the_last_record_cut_off(ledger: Path) -> None:
    kept = receipt(ledger)
    assert kept.events == EVENTS
    cut(ledger)
    report = verify(ledger, expect_head=kept)
    assert not report
    assert (report.events, report.first_bad) == (EVENTS - 2, EVENTS - 1)
    assert "the kept receipt records 11: events were removed from the end" in report.problem


def test_a_keyed_chain_sees_the_last_record_cut_off(keyed: Path) -> None:
    cut(keyed)
    for deep in (False, True):
        report = verify(keyed, KEY, deep=deep)
        assert not report
        assert "is not sealed with the key" in report.problem


def test_a_keyed_ledger_cut_off_is_never_written_on(keyed: Path) -> None:
    cut(keyed)
    with LedgerStore.open(keyed, chain_key=KEY) as store:
        head = store.head()
        with pytest.raises(StoreError, match="not sealed with the chain's key"):
            store.apply("q1", "sign_for", actor=Actor(id="h", role=Role.HANDLER, unit="town"),
                        at=T0.add(days=1))  # fmt: skip
        assert store.head() == head
        assert store.version("q1") == 2


@pytest.fixture(scope="module")
def templates(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    folder = tmp_path_factory.mktemp("templates")
    build(folder / "plain.db")
    build(folder / "keyed.db", KEY)
    return {"plain": folder / "plain.db", "keyed": folder / "keyed.db"}


@given(events=st.integers(1, EVENTS), keyed_chain=st.booleans())
def test_any_cut_from_the_end_is_seen_by_a_key_or_a_receipt(
    templates: dict[str, Path], tmp_path_factory: pytest.TempPathFactory, events: int,
    keyed_chain: bool,
) -> None:  # fmt: skip
    path = tmp_path_factory.mktemp("cut") / "ledger.db"
    shutil.copyfile(templates["keyed" if keyed_chain else "plain"], path)
    key = KEY if keyed_chain else None
    kept = receipt(path, key)
    cut(path, events)
    assert not verify(path, key, expect_head=kept)
    if keyed_chain:
        assert not verify(path, key)


# -- 2. an event changed, every later hash computed again -----------------------------------


def test_history_rewritten_with_fresh_hashes_is_seen_only_by_a_receipt_when_unkeyed(
    ledger: Path,
) -> None:
    kept = receipt(ledger)
    rewrite(ledger, 4)
    assert verify(ledger)  # not provable without a key or a receipt
    report = verify(ledger, expect_head=kept)
    assert not report
    assert f"event {EVENTS} does not have the hash the kept receipt records" in report.problem


def test_history_rewritten_without_the_key_is_found_where_it_was_changed(keyed: Path) -> None:
    rewrite(keyed, 4)
    report = verify(keyed, KEY)
    assert (report.intact, report.first_bad, report.events) == (False, 1, 0)
    # Every link is wrong, the first first: the rewriter could not compute any.
    assert "event 1 (units 'tree', version 1) does not match its hash" in report.problem


def test_a_keyed_chain_rewritten_as_unkeyed_refuses_its_key(keyed: Path) -> None:
    with raw(keyed) as db:
        db.execute("UPDATE meta SET value = 'sha256' WHERE key = 'chain'")
    rewrite(keyed, 4)
    with pytest.raises(ChainKeyError, match="the ledger's chain is not keyed"):
        LedgerStore.open(keyed, chain_key=KEY)


# -- 3. the key ------------------------------------------------------------------------------


def test_the_key_is_never_written_to_the_file(keyed: Path) -> None:
    with LedgerStore.open(keyed, chain_key=KEY) as store:  # keep the WAL files while open
        store.receive(
            Issue(id="q9", title="噪音", channel=Channel.HOTLINE, urgency=Urgency.WORRYING,
                  received_at=T0.add(days=1), received_by="centre"),
            actor=CLERK,
        )  # fmt: skip
        files = [p for p in keyed.parent.iterdir() if p.name.startswith(keyed.name)]
        assert len(files) == 3  # the ledger, its -wal and -shm
        contents = b"".join(p.read_bytes() for p in files)
    for form in (KEY, KEY.hex().encode(), KEY.hex().upper().encode()):
        assert form not in contents


def test_a_keyed_ledger_opened_without_its_key_reads_but_does_not_write_or_verify(
    keyed: Path,
) -> None:
    with LedgerStore.open(keyed) as store:
        assert len(store.summaries()) == ISSUES
        assert store.units is not None
        head = store.head()
        with pytest.raises(ChainKeyError, match="is needed to write to this ledger"):
            store.apply("q1", "sign_for", actor=Actor(id="h", role=Role.HANDLER, unit="town"),
                        at=T0.add(days=1))  # fmt: skip
        assert store.head() == head
        with pytest.raises(ChainKeyError, match="is needed to verify this ledger"):
            store.verify()


def test_the_wrong_key_is_refused_and_not_shown(keyed: Path) -> None:
    with pytest.raises(ChainKeyError) as refused:
        LedgerStore.open(keyed, chain_key=OTHER_KEY)
    assert "is not the key this ledger's chain was made with" in str(refused.value)
    assert OTHER_KEY.decode() not in str(refused.value)


def test_an_unkeyed_ledger_refuses_a_key(ledger: Path) -> None:
    with pytest.raises(ChainKeyError, match="was given, but the ledger's chain is not keyed"):
        LedgerStore.open(ledger, chain_key=KEY)


def test_a_text_key_is_its_utf8_bytes(tmp_path: Path) -> None:
    text = "县级热线台账的密钥-2026"
    build(tmp_path / "text.db", text.encode())
    with LedgerStore.open(tmp_path / "text.db", chain_key=text) as store:
        assert store.verify()


@pytest.mark.parametrize(
    ("key", "error"),
    [
        (b"short", InvalidValueError),
        ("十五个字节", InvalidValueError),
        (12345, InvalidTypeError),
        ("\ud800" * 20, InvalidValueError),
    ],
)
def test_a_key_too_short_or_not_bytes_is_refused_unshown(
    tmp_path: Path, key: object, error: type[Exception]
) -> None:
    with pytest.raises(error) as refused:
        LedgerStore.open(tmp_path / "new.db", create=True, chain_key=key)  # type: ignore[arg-type]
    assert refused.value.field == "chain_key"  # type: ignore[attr-defined]
    assert str(key) not in str(refused.value)
    assert not (tmp_path / "new.db").exists()


def test_a_keyed_export_is_checked_with_the_key(keyed: Path) -> None:
    text = io.StringIO()
    with LedgerStore.open(keyed) as store:
        export_events(store, text)
    assert len(read_events(io.StringIO(text.getvalue()), chain_key=KEY)) == ISSUES
    for key in (None, OTHER_KEY):
        with pytest.raises(InvalidValueError, match="line 2, column hash"):
            read_events(io.StringIO(text.getvalue()), chain_key=key)


# -- 4. head receipts --------------------------------------------------------------------------


@given(events=st.integers(0, 10**15), digest=st.binary(min_size=32, max_size=32))
def test_a_receipt_reads_back_from_its_text(events: int, digest: bytes) -> None:
    kept = HeadReceipt(events=events, head=digest.hex())
    assert str(kept) == f"{events}:{digest.hex()}"
    assert HeadReceipt.parse(str(kept)) == kept
    assert HeadReceipt.parse(f" {kept}\n") == kept


@pytest.mark.parametrize(
    "text",
    [
        "",
        "11",
        "11:abc",
        "-1:" + "a" * 64,
        "11:" + "A" * 64,
        "11:" + "g" * 64,
        "11;" + "a" * 64,
        11,
    ],
)
def test_a_malformed_receipt_is_refused(ledger: Path, text: object) -> None:
    with pytest.raises(InvalidValueError) as refused:
        verify(ledger, expect_head=text)
    assert refused.value.field == "expect_head"


def test_a_receipt_keeps_holding_as_the_ledger_grows(ledger: Path) -> None:
    kept = receipt(ledger)
    with LedgerStore.open(ledger) as store:
        assert store.head() == kept
        store.apply("q1", "sign_for", actor=Actor(id="h", role=Role.HANDLER, unit="town"),
                    at=T0.add(days=1))  # fmt: skip
        report = store.verify(expect_head=str(kept))
        assert report
        assert report.head == HeadReceipt(events=EVENTS + 1, head=store.head().head)


def test_a_receipt_of_another_chain_is_refused(ledger: Path, tmp_path: Path) -> None:
    build(tmp_path / "other.db", KEY)
    other = receipt(tmp_path / "other.db", KEY)
    report = verify(ledger, expect_head=other)
    assert not report
    assert "does not have the hash the kept receipt records" in report.problem
    empty = tmp_path / "empty.db"
    LedgerStore.open(empty, create=True).close()
    assert verify(empty, expect_head=HeadReceipt(events=0, head=GENESIS))
    assert not verify(empty, expect_head=HeadReceipt(events=0, head="1" * 64))
    assert verify(ledger, expect_head=HeadReceipt(events=0, head=GENESIS))
    assert not verify(ledger, expect_head=HeadReceipt(events=0, head="1" * 64))


# -- 5. the command line ----------------------------------------------------------------------


def run(capsys: pytest.CaptureFixture[str], *args: object) -> tuple[int, str, str]:
    capsys.readouterr()
    code = main([str(arg) for arg in args])
    captured = capsys.readouterr()
    return code, captured.out, captured.err


def test_verify_prints_the_receipt_and_checks_a_kept_one(
    ledger: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    code, out, _ = run(capsys, "verify", "--db", ledger)
    assert code == 0
    assert "(unkeyed chain)" in out
    printed = out.split("head receipt: ")[1].strip()
    assert HeadReceipt.parse(printed) == receipt(ledger)
    code, out, _ = run(capsys, "verify", "--db", ledger, "--expect-head", printed)
    assert code == 0
    assert f"holds the kept receipt's {EVENTS} events unchanged" in out
    cut(ledger)
    assert run(capsys, "verify", "--db", ledger, "--deep")[0] == 0
    code, _, err = run(capsys, "verify", "--db", ledger, "--deep", "--expect-head", printed)
    assert code == 1
    assert "events were removed from the end" in err
    code, _, err = run(capsys, "verify", "--db", ledger, "--expect-head", "yesterday's")
    assert code == 2
    assert "--expect-head is not a head receipt" in err


def test_the_key_comes_from_a_key_file_or_the_environment(
    keyed: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
) -> None:  # fmt: skip
    monkeypatch.delenv("BANSHISHI_CHAIN_KEY", raising=False)
    monkeypatch.delenv("BANSHISHI_CHAIN_KEY_FILE", raising=False)
    code, _, err = run(capsys, "verify", "--db", keyed)
    assert code == 2
    assert "is needed to verify this ledger" in err
    key_file = tmp_path / "chain.key"
    key_file.write_bytes(KEY + b"\n")
    monkeypatch.setenv("BANSHISHI_CHAIN_KEY_FILE", str(key_file))
    code, out, _ = run(capsys, "verify", "--db", keyed)
    assert code == 0
    assert "(keyed chain, checked with the key)" in out
    monkeypatch.setenv("BANSHISHI_CHAIN_KEY", OTHER_KEY.decode())
    code, _, err = run(capsys, "verify", "--db", keyed)
    assert (code, "are both set" in err) == (2, True)
    monkeypatch.delenv("BANSHISHI_CHAIN_KEY_FILE")
    code, _, err = run(capsys, "verify", "--db", keyed)
    assert (code, "is not the key" in err, OTHER_KEY.decode() in err) == (2, True, False)
    monkeypatch.delenv("BANSHISHI_CHAIN_KEY")
    monkeypatch.setenv("BANSHISHI_CHAIN_KEY_FILE", str(tmp_path / "missing.key"))
    code, _, err = run(capsys, "report", "--db", keyed)
    assert (code, "cannot be read" in err) == (2, True)


def test_the_key_is_no_command_line_option(keyed: Path, capsys: pytest.CaptureFixture[str]) -> None:
    for option in ("--chain-key", "--key"):
        with pytest.raises(SystemExit) as refused:
            main(["verify", "--db", str(keyed), option, KEY.hex()])
        assert refused.value.code == 2
    capsys.readouterr()


def test_import_makes_a_keyed_ledger_and_prints_its_receipt(
    keyed: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
) -> None:  # fmt: skip
    monkeypatch.setenv("BANSHISHI_CHAIN_KEY", KEY.hex())  # the hex text is the key here
    monkeypatch.delenv("BANSHISHI_CHAIN_KEY_FILE", raising=False)
    exported = tmp_path / "events.csv"
    with LedgerStore.open(keyed) as store, exported.open("w", encoding="utf-8") as file:
        export_events(store, file)
    # The file's chain was made with the bytes of KEY, not with its hex text.
    code, _, err = run(capsys, "import", exported, "--db", tmp_path / "copy.db")
    assert (code, "column hash" in err) == (2, True)
    monkeypatch.delenv("BANSHISHI_CHAIN_KEY")
    key_file = tmp_path / "chain.key"
    key_file.write_bytes(KEY)
    monkeypatch.setenv("BANSHISHI_CHAIN_KEY_FILE", str(key_file))
    code, out, _ = run(capsys, "import", exported, "--db", tmp_path / "copy.db")
    assert code == 0
    assert f"{EVENTS} events imported" in out
    printed = HeadReceipt.parse(out.split("head receipt: ")[1].strip())
    assert printed == receipt(tmp_path / "copy.db", KEY)
    with pytest.raises(ChainKeyError):
        LedgerStore.open(tmp_path / "copy.db", chain_key=OTHER_KEY)


def test_demo_makes_a_keyed_ledger_when_given_a_key(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("BANSHISHI_CHAIN_KEY_FILE", raising=False)
    monkeypatch.setenv("BANSHISHI_CHAIN_KEY", "县级热线台账的密钥-2026")
    path = tmp_path / "demo.db"
    code, out, _ = run(capsys, "demo", "--db", path, "--issues", 20)
    assert code == 0
    printed = HeadReceipt.parse(out.split("head receipt: ")[1].strip())
    assert printed == receipt(path, "县级热线台账的密钥-2026".encode())
    with LedgerStore.open(path) as store, pytest.raises(ChainKeyError):
        store.verify()


def test_a_key_in_the_environment_is_taken_as_the_bytes_given() -> None:
    raw_key = b"\xff\xfe not UTF-8 at all, 32 bytes"
    text = raw_key.decode("utf-8", "surrogateescape")  # how Python shows such a variable
    assert chain_key_from_environment({"BANSHISHI_CHAIN_KEY": text}) == raw_key
    assert chain_key_from_environment({}) is None
