"""A periodic report's overdue list keeps a confidential issue (保密件), titled 保密,
from a store and from memory alike, and counts it in every figure."""

from pathlib import Path

import attrs

from banshishi import LedgerStore, periodic_report
from cast import CLERK_C1, DISPATCHER_D1, T0, new_issue

SECRET = "举报某店售假"


def test_the_overdue_list_titles_a_confidential_issue_withheld(tmp_path: Path) -> None:
    at = T0.add(days=40)
    with LedgerStore.open(tmp_path / "ledger.db", create=True) as store:
        for issue_id, flag in (("open", False), ("secret", True)):
            issue = new_issue(issue_id, title=SECRET, confidential=flag, received_by="centre")
            store.receive(issue, actor=CLERK_C1)
            store.apply(
                issue_id,
                "transfer",
                actor=DISPATCHER_D1,
                at=T0.add(hours=1),
                unit="water",
                deadline=T0.add(days=3),
            )
        stored = store.periodic_report(period="month", at=at)
        issues = list(store.issues())
    kept = periodic_report(issues, period="month", at=at)
    for report in (stored, kept):
        titles = {item.id: item.title for item in report.overdue}
        assert titles == {"open": SECRET, "secret": "保密"}
    unflagged = [attrs.evolve(i, confidential=False) for i in issues]
    plain = periodic_report(unflagged, period="month", at=at)
    assert (plain.flow, plain.figures, plain.by_unit) == (kept.flow, kept.figures, kept.by_unit)
    assert [item.id for item in plain.overdue] == [item.id for item in kept.overdue]
