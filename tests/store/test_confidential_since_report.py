"""A store's periodic report about a past period, made now, withholds the title
of an overdue issue marked confidential since (保密件): the mark then or now
withholds it, as the report over the issues rebuilt says (the Python path)."""

from pathlib import Path

from banshishi import LedgerStore
from banshishi._model.confidential import WITHHELD
from banshishi._store.store_reading import rebuilt_periodic_report
from cast import CLERK, DISPATCHER, T0, new_issue


def test_an_issue_marked_confidential_since_is_withheld_from_a_past_report(
    tmp_path: Path,
) -> None:
    with LedgerStore.open(tmp_path / "ledger.db", create=True) as store:
        store.receive(new_issue("secret", received_at=T0, title="举报某店售假"), actor=CLERK)
        store.receive(new_issue("plain", received_at=T0.add(minutes=1)), actor=CLERK)
        for issue_id in ("secret", "plain"):
            store.apply(issue_id, "transfer", actor=DISPATCHER, at=T0.add(hours=1),
                        unit="u1", deadline=T0.add(days=2))  # fmt: skip
        later = T0.add(days=20)
        store.apply("secret", "mark_confidential", actor=DISPATCHER, at=later, note="涉及举报人")
        past = T0.add(days=5)  # both overdue then; the mark came later
        report = store.periodic_report(period="week", at=past)
        titles = {item.id: item.title for item in report.overdue}
        assert titles["secret"] == WITHHELD
        assert titles["plain"] != WITHHELD
        expected = rebuilt_periodic_report(
            store.store, store.policy, "week", past, None, "completion", 1, 6
        )
        assert {item.id: item.title for item in expected.overdue} == titles
