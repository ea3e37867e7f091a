"""An issue marked confidential after intake (``mark_confidential``) is withheld
from the event export as one marked at intake is: every event of it, the receive
event included, though that event was written before the mark."""

import io
from pathlib import Path

from banshishi import LedgerStore, export_events
from cast import CLERK, DISPATCHER, T0, new_issue

SECRET = "举报某厂夜间偷排污水"
CALLER = "张桂兰"


def exported(store: LedgerStore, *, whole: bool = False) -> str:
    out = io.StringIO()
    export_events(store, out, include_confidential=whole)
    return out.getvalue()


def test_an_issue_marked_after_intake_is_withheld_whole(tmp_path: Path) -> None:
    with LedgerStore.open(tmp_path / "ledger.db", create=True) as store:
        store.receive(new_issue("later", title=SECRET), actor=CLERK)
        store.receive(new_issue("open", title="路灯不亮"), actor=CLERK)
        before = exported(store)
        assert SECRET in before
        store.apply(
            "later",
            "mark_confidential",
            actor=DISPATCHER,
            at=T0.add(hours=1),
            note="涉及举报人信息",
        )
        withheld, whole = exported(store), exported(store, whole=True)
    assert SECRET not in withheld
    assert "路灯不亮" in withheld
    assert SECRET in whole
    later = [line for line in withheld.splitlines() if ",later," in line]
    assert len(later) == 2
    assert all('""withheld"":true' in line for line in later)


def test_an_issue_unmarked_again_is_exported_in_the_clear(tmp_path: Path) -> None:
    with LedgerStore.open(tmp_path / "ledger.db", create=True) as store:
        store.receive(new_issue("later", title=SECRET), actor=CLERK)
        store.apply(
            "later",
            "mark_confidential",
            actor=DISPATCHER,
            at=T0.add(hours=1),
            note="涉及举报人信息",
        )
        store.apply(
            "later",
            "unmark_confidential",
            actor=DISPATCHER,
            at=T0.add(hours=2),
            note="经核实不涉密",
        )
        assert SECRET in exported(store)
