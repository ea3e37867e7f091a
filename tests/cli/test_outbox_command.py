"""``banshishi outbox``: the pending messages as a table or JSON lines, marking
them sent, and the exit codes (0 done, 2 bad input, 3 a ledger locked by another
writer), never with a traceback."""

import json
import sqlite3
from pathlib import Path

import pytest

from banshishi import LedgerStore, MessageKind
from cli_helpers import exit_code, flat, run
from issue_walks import CLERK, DISPATCHER, T0, new_issue


def _ledger(path: Path) -> Path:
    """Two issues received (from a requester) and transferred to u1: four messages."""
    with LedgerStore.open(path, create=True) as store:
        for n in range(2):
            store.receive(new_issue(f"o-{n}"), actor=CLERK)
            store.apply(f"o-{n}", "transfer", actor=DISPATCHER, at=T0.add(hours=1), unit="u1")
    return path


def _pending(capsys: pytest.CaptureFixture[str], db: Path) -> list[dict[str, object]]:
    code, out, err = run(capsys, "outbox", "--db", db, "--format", "json")
    assert (code, err) == (0, "")
    return [json.loads(line) for line in out.splitlines() if line.strip()]


def test_the_outbox_lists_the_pending_messages_oldest_first(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    db = _ledger(tmp_path / "ledger.db")
    pending = _pending(capsys, db)
    assert [(m["record_id"], m["kind"]) for m in pending] == [
        ("o-0", "received"),
        ("o-0", "assigned"),
        ("o-1", "received"),
        ("o-1", "assigned"),
    ]
    assert all(m["sent_at"] is None for m in pending)
    code, out, err = run(capsys, "outbox", "--db", db, "--limit", "1")
    assert (code, err) == (0, "")
    assert "4 pending" in flat(out)
    assert MessageKind.RECEIVED.label in out
    assert MessageKind.ASSIGNED.label not in out


def test_marking_sent_takes_them_off_the_list_once(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    db = _ledger(tmp_path / "ledger.db")
    first, second, *rest = _pending(capsys, db)
    code, out, err = run(
        capsys, "outbox", "--db", db, "--mark-sent", str(first["id"]), "--at", "2026-03-03"
    )
    assert (code, err) == (0, "")
    assert "1 marked sent." in flat(out)
    code, out, _ = run(capsys, "outbox", "--db", db, "--mark-sent", first["id"], second["id"])
    assert code == 0
    assert "1 marked sent, 1 sent before." in flat(out)
    assert _pending(capsys, db) == rest
    with LedgerStore.open(db, read_only=True) as store:
        assert store.message_counts() == {"pending": 2, "sent": 2}


def test_an_unknown_id_marks_nothing_and_exits_2(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    db = _ledger(tmp_path / "ledger.db")
    first, *_ = _pending(capsys, db)
    code, _, err = run(capsys, "outbox", "--db", db, "--mark-sent", first["id"], "no-such")
    assert code == 2
    assert "message_id is not in the outbox; got 'no-such'" in flat(err)
    assert "Traceback" not in err
    assert len(_pending(capsys, db)) == 4


def test_bad_input_exits_2_and_a_locked_ledger_3(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    db = _ledger(tmp_path / "ledger.db")
    assert run(capsys, "outbox", "--db", tmp_path / "none.db")[0] == 2
    assert run(capsys, "outbox", "--db", db, "--limit", "0")[0] == 2
    assert exit_code(capsys, "outbox", "--db", db, "--limit", "many")[0] == 2
    first, *_ = _pending(capsys, db)
    holder = sqlite3.connect(db, isolation_level=None)
    try:
        holder.execute("BEGIN IMMEDIATE")
        code, _, err = run(
            capsys, "outbox", "--db", db, "--mark-sent", first["id"], "--wait", "0.1"
        )
    finally:
        holder.close()
    assert code == 3
    assert "locked by another writer" in flat(err)
