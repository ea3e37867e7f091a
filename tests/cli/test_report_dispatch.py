"""``banshishi report`` prints a table of the levels of dispatch (下派) when work
was handed down the chain of units, counted by the store as of the moment
asked, and none on a ledger where no work was."""

from pathlib import Path

from banshishi import LedgerStore, WorkflowPolicy
from cast import CHAIN, CLERK, DISPATCHER, LEAD, STREET, handler, new_issue
from cli_demo import cli
from working_time import sh


def ledger(path: Path, *, handed_down: bool) -> Path:
    with LedgerStore.open(path, create=True, policy=WorkflowPolicy(units=CHAIN)) as store:
        for number, issue_id in enumerate(("a", "b")):
            received = sh(2026, 9, 21, 9 + number)
            store.receive(new_issue(issue_id, received_at=received), actor=CLERK)
            store.apply(issue_id, "transfer", actor=DISPATCHER, at=received.add(minutes=30),
                        unit=LEAD, deadline=sh(2026, 9, 30, 18))  # fmt: skip
            store.apply(issue_id, "sign_for", actor=handler(), at=received.add(hours=1))
            if handed_down:
                store.apply(issue_id, "dispatch", actor=handler(), at=received.add(hours=2),
                            unit=STREET, due=sh(2026, 9, 25, 18))  # fmt: skip
        if handed_down:
            store.apply("a", "report_up", actor=handler(STREET), at=sh(2026, 9, 24, 9),
                        answer="已修复")  # fmt: skip
    return path


def test_the_report_shows_each_level_handed_down_as_of_the_moment(tmp_path: Path) -> None:
    path = ledger(tmp_path / "chain.db", handed_down=True)
    run = cli("report", "--db", path, "--as-of", "2026-09-26T09:00:00+08:00")
    assert run.code == 0, run.err
    assert "Dispatch (下派)" in run.out
    (row,) = [line for line in run.out.splitlines() if "二级承办" in line]
    cells = [cell.strip() for cell in row.strip("│ ").split("│")]
    assert cells == ["二级承办 (level 2)", "2", "1", "1", "1", "100.0% (1/1)", "0.0% (0/2)"]
    before = cli("report", "--db", path, "--as-of", "2026-09-21T10:30:00+08:00")
    assert before.code == 0
    assert "Dispatch (下派)" not in before.out  # nothing handed down yet


def test_a_ledger_with_nothing_handed_down_prints_no_dispatch_table(tmp_path: Path) -> None:
    path = ledger(tmp_path / "flat.db", handed_down=False)
    run = cli("report", "--db", path, "--as-of", "2026-09-26T09:00:00+08:00")
    assert run.code == 0, run.err
    assert "Rates as of" in run.out
    assert "下派" not in run.out
