"""``banshishi sweep`` says how many items have work handed down (下派) due soon
or overdue by the dispatch's own deadline, and lists them in its JSON."""

import json
from pathlib import Path

from banshishi import LedgerStore, WorkflowPolicy
from cast import CHAIN, CLERK, DISPATCHER, LEAD, STREET, handler, new_issue
from cli_demo import cli
from working_time import sh


def test_the_sweep_counts_and_lists_the_work_handed_down_that_is_due(tmp_path: Path) -> None:
    path = tmp_path / "chain.db"
    with LedgerStore.open(path, create=True, policy=WorkflowPolicy(units=CHAIN)) as store:
        store.receive(new_issue("a", received_at=sh(2026, 9, 21, 9)), actor=CLERK)
        store.apply("a", "transfer", actor=DISPATCHER, at=sh(2026, 9, 21, 10), unit=LEAD,
                    deadline=sh(2026, 9, 30, 18))  # fmt: skip
        store.apply("a", "sign_for", actor=handler(), at=sh(2026, 9, 21, 11))
        store.apply("a", "dispatch", actor=handler(), at=sh(2026, 9, 21, 12), unit=STREET,
                    due=sh(2026, 9, 23, 18))  # fmt: skip
    run = cli("sweep", "--db", path, "--at", "2026-09-24T09:00:00+08:00")
    assert run.code == 0, run.err
    assert "1 with work handed down due" in run.out
    run = cli("sweep", "--db", path, "--at", "2026-09-24T10:00:00+08:00", "--format", "json")
    assert run.code == 0, run.err
    assert json.loads(run.out)["dispatches_due_ids"] == ["a"]
    early = cli("sweep", "--db", path, "--at", "2026-09-21T13:00:00+08:00", "--dry-run")
    assert early.code == 0
    assert "handed down" not in early.out
    with LedgerStore.open(path) as store:
        kinds = [m.kind.value for m in store.pending_messages()]
    assert kinds.count("dispatch_overdue") == 1  # two sweeps, one reminder
