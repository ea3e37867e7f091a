"""A sweep killed half-way: SIGKILL inside the transaction of its third batch leaves
the two batches before it, whole, and none of the third; the chain verifies, and a
second sweep at the same moment urges the rest and nothing twice."""

import signal
import subprocess
import sys
from pathlib import Path

from banshishi import LedgerStore, SlaLevel
from reliability_cases import CLERK, URGE_AT, count, integrity, make_issue, transfer

ISSUES = 30
BATCH = 7  # the child dies writing its third batch, after two whole ones

CHILD = """
import os, signal, sys
sys.path.insert(0, sys.argv[2])
import reliability_cases as cases
import test_sweep_killed as t
from banshishi import LedgerStore
from banshishi._store import sqlite_store

written = []
write_lines = sqlite_store.write_lines


def dying(db, appends, rows, issues, pledges, key):  # inside the batch's transaction
    write_lines(db, appends, rows, issues, pledges, key)
    if len(written) == 2:
        print("dying", flush=True)
        os.kill(os.getpid(), signal.SIGKILL)
    written.append(len(issues))


sqlite_store.write_lines = dying
with LedgerStore.open(sys.argv[1]) as store:
    store.sweep(
        at=cases.URGE_AT,
        batch_size=t.BATCH,
        progress=lambda done, total: print(f"committed {done} of {total}", flush=True),
    )
print("finished", flush=True)
"""


def _urges(store: LedgerStore) -> dict[str, int]:
    found: dict[str, int] = {}
    for line in store.summaries():
        found[line.id] = sum(event.name == "urge" for event in store.history(line.id))
    return found


def test_a_sweep_killed_half_way_leaves_whole_batches(tmp_path: Path) -> None:
    path = tmp_path / "ledger.db"
    issues = [make_issue(n) for n in range(ISSUES)]
    with LedgerStore.open(path, create=True) as store:
        store.receive_many(issues, actor=CLERK)
        store.apply_many([transfer(issue, n) for n, issue in enumerate(issues)])
    script = tmp_path / "child.py"
    script.write_text(CHILD, encoding="utf-8")
    child = subprocess.run(
        [sys.executable, str(script), str(path), str(Path(__file__).parent)],
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert child.returncode == -signal.SIGKILL, child.stderr
    assert child.stdout.split("\n") == [
        f"committed {BATCH} of {ISSUES}",
        f"committed {2 * BATCH} of {ISSUES}",
        "dying",
        "",
    ]
    assert integrity(path) == "ok"
    with LedgerStore.open(path) as store:
        assert store.verify()
        urges = _urges(store)
        done = sorted(issue_id for issue_id, n in urges.items() if n)
        # Two whole batches, of the items listed first (by id), each urged once.
        assert done == sorted(urges)[: 2 * BATCH]
        assert set(urges.values()) == {0, 1}
        assert count(path, "events") == 2 * ISSUES + 2 * BATCH
        report = store.sweep(at=URGE_AT, batch_size=BATCH)
        assert report.counts()[SlaLevel.OVERDUE] == ISSUES
        assert sorted(report.urged) == sorted(urges)[2 * BATCH :]
        assert set(_urges(store).values()) == {1}
        assert not store.sweep(at=URGE_AT).changed
        assert store.verify().events == 3 * ISSUES
