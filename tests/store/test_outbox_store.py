"""The outbox of a ledger file: the table made for a ledger made before it,
kept outside the hash chain, written only by live steps, and never lost or
doubled whatever order steps and marking come in (a stateful test)."""

import sqlite3
import tempfile
from pathlib import Path

import pytest
from hypothesis import settings
from hypothesis import strategies as st
from hypothesis.stateful import RuleBasedStateMachine, invariant, precondition, rule

from banshishi import (
    ConcurrencyError,
    Ledger,
    LedgerStore,
    MessageKind,
    StoreError,
    messages_for,
    replay,
)
from banshishi._store.sqlite_file import SCHEMA
from issue_walks import CLERK, DISPATCHER, T0, new_issue


def _received(path: Path, count: int = 2, **options: object) -> LedgerStore:
    store = LedgerStore.open(path, create=True, **options)  # type: ignore[arg-type]
    for n in range(count):
        store.receive(new_issue(f"m-{n}"), actor=CLERK)
    return store


def test_a_ledger_made_before_the_outbox_gets_it_when_opened_to_write(tmp_path: Path) -> None:
    path = tmp_path / "old.db"
    with _received(path) as store:
        head = store.head()
    with sqlite3.connect(path) as raw:
        raw.execute("DROP TABLE outbox")  # as a ledger of an earlier banshishi has none
    raw.close()
    with LedgerStore.open(path, read_only=True) as reader:
        assert reader.pending_messages() == []
        assert reader.message_counts() == {"pending": 0, "sent": 0}
    with LedgerStore.open(path) as writer:
        assert writer.head() == head  # no event, no new schema: the chain untouched
        writer.apply("m-0", "transfer", actor=DISPATCHER, at=T0.add(hours=1), unit="u1")
        assert [m.kind for m in writer.pending_messages()] == [MessageKind.ASSIGNED]
        assert writer.verify(deep=True)
    with sqlite3.connect(path) as raw:
        assert raw.execute("SELECT value FROM meta WHERE key = 'schema'").fetchone() == (
            str(SCHEMA),
        )
    raw.close()


def test_the_outbox_is_outside_the_chain(tmp_path: Path) -> None:
    with _received(tmp_path / "ledger.db") as store:
        head = store.head()
        store.mark_sent([m.id for m in store.pending_messages()])
        assert store.head() == head
        assert store.verify(deep=True)
        assert store.message_counts() == {"pending": 0, "sent": 2}


def test_mark_sent_dates_by_the_clock_and_refuses_one_text(tmp_path: Path) -> None:
    with _received(tmp_path / "ledger.db") as store:
        first, _ = store.pending_messages()
        with pytest.raises(TypeError, match="must be a list of ids, not one text"):
            store.mark_sent(first.id)
        with pytest.raises(TypeError, match=r"message_ids\[0\] must be text"):
            store.mark_sent([3])  # type: ignore[list-item]
        assert store.mark_sent([first.id]) == 1
    with (
        LedgerStore.open(tmp_path / "ledger.db", read_only=True) as reader,
        pytest.raises(StoreError, match="open for reading only"),
    ):
        reader.mark_sent([first.id])


def test_a_stale_write_records_no_message(tmp_path: Path) -> None:
    with _received(tmp_path / "ledger.db", 1) as store:
        with pytest.raises(ConcurrencyError):
            store.apply("m-0", "transfer", actor=DISPATCHER, unit="u1", expected_version=0)
        assert len(store.pending_messages()) == 1


def test_without_templates_no_message_is_recorded(tmp_path: Path) -> None:
    with _received(tmp_path / "ledger.db", templates=None) as store:
        store.apply("m-0", "transfer", actor=DISPATCHER, at=T0.add(hours=1), unit="u1")
        assert store.pending_messages() == []


def test_histories_written_whole_owe_no_messages(tmp_path: Path) -> None:
    ledger = Ledger()
    ledger.receive(new_issue("w-0"), actor=CLERK)
    ledger.apply("w-0", "transfer", actor=DISPATCHER, at=T0.add(hours=1), unit="u1")
    with LedgerStore.open(tmp_path / "ledger.db", create=True) as store:
        store.write_ledgers(ledger)
        assert store.pending_messages() == []
    with LedgerStore.open(tmp_path / "other.db", create=True) as store:
        store.write_histories([("w-0", ledger.history("w-0"))])
        assert store.pending_messages() == []
        assert store.version("w-0") == 2


class OutboxMachine(RuleBasedStateMachine):
    """Steps, marking and restarts in any order: every message a step owes is
    pending or sent, exactly once."""

    def __init__(self) -> None:
        super().__init__()
        self.folder = tempfile.TemporaryDirectory()
        self.path = Path(self.folder.name) / "ledger.db"
        self.store = LedgerStore.open(self.path, create=True)
        self.received = 0
        self.transferred: list[str] = []
        self.marked: set[str] = set()

    def teardown(self) -> None:
        self.store.close()
        self.folder.cleanup()

    @rule()
    def receive(self) -> None:
        issue = new_issue(f"s-{self.received}")
        self.store.receive(issue, actor=CLERK)
        self.received += 1

    @precondition(lambda self: self.received > len(self.transferred))
    @rule()
    def transfer(self) -> None:
        issue_id = f"s-{len(self.transferred)}"
        at = T0.add(hours=1)
        self.store.apply(issue_id, "transfer", actor=DISPATCHER, at=at, unit="u1")
        self.transferred.append(issue_id)

    @precondition(lambda self: self.transferred)
    @rule(days=st.integers(min_value=0, max_value=40))
    def sweep(self, days: int) -> None:
        self.store.sweep(at=T0.add(days=days, hours=2))

    @rule(data=st.data())
    def mark_some(self, data: st.DataObject) -> None:
        pending = [m.id for m in self.store.pending_messages()]
        chosen = data.draw(
            st.lists(st.sampled_from(pending), unique=True) if pending else st.just([])
        )
        again = (
            data.draw(st.lists(st.sampled_from(sorted(self.marked)), max_size=2))
            if self.marked
            else []
        )
        if chosen or again:
            assert self.store.mark_sent([*chosen, *again], at=T0.add(days=50)) == len(chosen)
        self.marked.update(chosen)

    @rule()
    def restart(self) -> None:
        self.store.close()
        self.store = LedgerStore.open(self.path)

    @invariant()
    def every_owed_message_is_pending_or_sent_once(self) -> None:
        owed: list[str] = []
        for line in self.store.summaries():
            history = self.store.history(line.id)
            for version in range(1, len(history) + 1):
                issue = replay(history[:version])
                owed += [m.id for m in messages_for(history[version - 1], issue, version=version)]
        pending = [m.id for m in self.store.pending_messages()]
        assert len(set(pending)) == len(pending)
        assert not set(pending) & self.marked
        assert set(pending) | self.marked == set(owed)
        counts = self.store.message_counts()
        assert counts == {"pending": len(pending), "sent": len(self.marked)}


OutboxMachine.TestCase.settings = settings(max_examples=10, stateful_step_count=12, deadline=None)
test_the_outbox_never_loses_nor_doubles_a_message = OutboxMachine.TestCase
