"""``banshishi sweep``: the summary line and the JSON object a cron job reads, the
exit codes (0 done, 1 a damaged ledger, 2 bad input, 3 a ledger locked by another
writer), and refusals that say what to do, never with a traceback."""

import json
import sqlite3
from pathlib import Path

import pendulum
import pytest

from banshishi import LedgerStore, WorkflowPolicy
from cli_helpers import flat, run
from issue_walks import CLERK, DISPATCHER, T0, TREE, new_issue

AT = T0.add(days=1, hours=1).isoformat()  # the first item overdue, the second due soon


def _ledger(path: Path, *, policy: WorkflowPolicy | None = None) -> Path:
    """Three issues transferred to u1: due in 1, 2 and 30 days."""
    with LedgerStore.open(path, create=True, policy=policy) as store:
        for n, days in enumerate((1, 2, 30)):
            store.receive(new_issue(f"s-{n}"), actor=CLERK)
            store.apply(
                f"s-{n}",
                "transfer",
                actor=DISPATCHER,
                at=T0.add(hours=1),
                unit="u1",
                deadline=T0.add(days=days),
            )
    return path


def _versions(path: Path) -> dict[str, int]:
    with LedgerStore.open(path, read_only=True) as store:
        return {line.id: line.version for line in store.summaries()}


def test_a_sweep_prints_one_summary_line_and_a_second_changes_nothing(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    db = _ledger(tmp_path / "ledger.db")
    code, out, err = run(capsys, "sweep", "--db", db, "--at", AT)
    assert (code, err) == (0, "")
    assert len(out.strip().splitlines()) == 1
    assert "3 items with a deadline, 1 on track, 1 due soon, 1 overdue" in flat(out)
    assert "2 urged, 0 escalated; 1 batches written." in flat(out)
    assert _versions(db) == {"s-0": 3, "s-1": 3, "s-2": 2}
    code, out, _ = run(capsys, "sweep", "--db", db, "--at", AT)
    assert code == 0
    assert "0 urged, 0 escalated; 0 batches written." in flat(out)
    assert _versions(db) == {"s-0": 3, "s-1": 3, "s-2": 2}


def test_json_is_one_object_with_the_counts_and_the_ids(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    db = _ledger(tmp_path / "ledger.db", policy=WorkflowPolicy(units=TREE))
    args = ("sweep", "--db", db, "--at", AT, "--escalate", "--format", "json")
    code, out, err = run(capsys, *args, "--batch-size", "1")
    assert (code, err) == (0, "")
    record = json.loads(out)
    assert {key: record[key] for key in ("on_track", "due_soon", "overdue", "refused")} == {
        "on_track": 1,
        "due_soon": 1,
        "overdue": 1,
        "refused": 0,
    }
    assert (record["urged_ids"], record["escalated_ids"]) == (["s-0", "s-1"], ["s-0"])
    assert (record["urged"], record["escalated"], record["batches"]) == (2, 1, 3)
    assert record["dry_run"] is False
    assert pendulum.parse(record["at"].split("[")[0]) == pendulum.parse(AT)
    assert json.loads(run(capsys, *args)[1])["urged"] == 0


def test_a_dry_run_writes_nothing(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    db = _ledger(tmp_path / "ledger.db")
    before = db.read_bytes()
    code, out, _ = run(capsys, "sweep", "--db", db, "--at", AT, "--dry-run")
    assert code == 0
    assert "would be 2 urged, 0 escalated (dry run: nothing written)." in flat(out)
    assert db.read_bytes() == before
    assert _versions(db) == {"s-0": 2, "s-1": 2, "s-2": 2}


def test_escalating_without_a_unit_tree_is_refused_saying_why(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    db = _ledger(tmp_path / "ledger.db")
    code, out, err = run(capsys, "sweep", "--db", db, "--at", AT, "--escalate")
    assert (code, out) == (2, "")
    assert "--escalate" in err
    assert "unit tree in the ledger's policy" in flat(err)
    assert "Traceback" not in err
    assert _versions(db) == {"s-0": 2, "s-1": 2, "s-2": 2}


@pytest.mark.parametrize(
    ("args", "said"),
    [
        (("--at", "2026-02-30"), "--at is not a date on the calendar"),
        (("--at", "tomorrow"), "--at"),
        (("--batch-size", "0"), "batch_size"),
    ],
)
def test_bad_input_exits_2(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], args: tuple[str, ...], said: str
) -> None:
    db = _ledger(tmp_path / "ledger.db")
    code, out, err = run(capsys, "sweep", "--db", db, *args)
    assert (code, out) == (2, "")
    assert said in flat(err)
    assert "Traceback" not in err


def test_a_missing_ledger_or_a_file_that_is_not_one_exits_2(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    code, _, err = run(capsys, "sweep", "--db", tmp_path / "none.db")
    assert code == 2
    assert "does not exist" in err
    other = tmp_path / "notes.db"
    other.write_text("not a ledger", encoding="utf-8")
    code, _, err = run(capsys, "sweep", "--db", other)
    assert code == 2
    assert "not a banshishi ledger" in flat(err)
    assert other.read_text(encoding="utf-8") == "not a ledger"


def test_a_ledger_another_writer_holds_exits_3(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    db = _ledger(tmp_path / "ledger.db")
    holder = sqlite3.connect(db, isolation_level=None)
    try:
        holder.execute("BEGIN IMMEDIATE")
        code, out, err = run(capsys, "sweep", "--db", db, "--at", AT, "--wait", "0.1")
    finally:
        holder.execute("ROLLBACK")
        holder.close()
    assert (code, out) == (3, "")
    assert "locked by another writer" in flat(err)
    assert _versions(db) == {"s-0": 2, "s-1": 2, "s-2": 2}


def test_a_damaged_ledger_exits_1(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    db = _ledger(tmp_path / "ledger.db")
    damage = sqlite3.connect(db)
    damage.execute("UPDATE issues SET track = 'bogus' WHERE id = 's-0'")
    damage.commit()
    damage.close()
    code, out, err = run(capsys, "sweep", "--db", db, "--at", AT)
    assert (code, out) == (1, "")
    assert "cannot read" in flat(err)
    assert "Traceback" not in err
