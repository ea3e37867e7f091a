"""Conformance: the outbox, the messages each step owes, kept with its events.

Every step that owes messages writes them in the transaction of its events: a
refused batch writes neither, and a writer killed with SIGKILL while the backend
writes a batch's messages leaves neither its events nor its messages. The
pending messages are the ones :func:`messages_for` derives from the steps,
oldest first; marking them sent is idempotent (the first moment is kept), and
an unknown id is refused with nothing marked. A host that stops before marking
reads the same messages again (delivery is at least once). The sweep's
reminders are owed once per deadline and level, the answer of an original
reaches the requesters of its duplicates, and a dispatch chain's and an
extension's messages are written as their steps owe them.
"""

import datetime as dt
import os
import signal
from multiprocessing.connection import Connection

import pytest

from banshishi import (
    BatchRefusedError,
    DismissalReason,
    LedgerStore,
    Message,
    MessageKind,
    NotFoundError,
    Subject,
    messages_for,
    replay,
)

from .backend import BackendSpec, StoreBackend, open_backend
from .conformance_cases import (
    CLERK,
    DISPATCHER,
    HANDLERS,
    STEPS,
    UNITS,
    URGE_AT,
    loop_commands,
    looped,
    make_issue,
    open_ledger,
    transferred,
)
from .conformance_processes import DyingStore, said_by_child


def owed(store: LedgerStore) -> list[Message]:
    """Every message the store's issues' steps owe, as :func:`messages_for` derives
    them from each event and the issue after it (duplicates aside)."""
    found: list[Message] = []
    for line in store.summaries():
        history = store.history(line.id)
        for version in range(1, len(history) + 1):
            issue = replay(history[:version], policy=store.policy)
            event = history[version - 1]
            found += messages_for(event, issue, version=version, policy=store.policy)
    return found


def test_each_step_writes_the_messages_it_owes(conformance_backend: StoreBackend) -> None:
    with open_ledger(conformance_backend) as store:
        looped(store, range(3))
        pending = store.pending_messages()
        assert sorted(pending, key=lambda m: m.id) == sorted(owed(store), key=lambda m: m.id)
        kinds = [message.kind for message in pending]
        assert kinds[:3] == [MessageKind.RECEIVED] * 3  # the first write's, first
        assert {MessageKind.ASSIGNED, MessageKind.ANSWERED} <= set(kinds[3:])
        assert store.message_counts() == {"pending": len(pending), "sent": 0}
        assert store.pending_messages(limit=4) == pending[:4]


def test_marking_sent_is_idempotent_and_refuses_an_unknown_id(
    conformance_backend: StoreBackend,
) -> None:
    with open_ledger(conformance_backend) as store:
        looped(store, range(2))
        first, second, *rest = store.pending_messages()
        assert store.mark_sent([first.id], at=URGE_AT) == 1
        assert store.mark_sent([first.id, second.id], at=URGE_AT.add(hours=1)) == 1
        with pytest.raises(NotFoundError, match="no-such-message"):
            store.mark_sent([rest[0].id, "no-such-message"], at=URGE_AT)
        assert store.pending_messages() == rest  # nothing of the refused call was marked
        assert store.message_counts() == {"pending": len(rest), "sent": 2}
    with open_ledger(conformance_backend) as again:
        sent = {m.id: m for m in again.store.pending_messages()}
        assert first.id not in sent
        assert second.id not in sent
        assert again.mark_sent([first.id], at=URGE_AT.add(days=1)) == 0


def test_a_refused_batch_writes_no_messages(conformance_backend: StoreBackend) -> None:
    with open_ledger(conformance_backend) as store:
        issues = transferred(store, range(2))
        before = store.pending_messages()
        commands = [*loop_commands(issues[0], 0)[1:], loop_commands(issues[1], 1)[2]]
        with pytest.raises(BatchRefusedError):
            store.apply_many(commands)  # the last resolves an issue nobody signed for
        assert store.pending_messages() == before


def test_a_host_that_stops_before_marking_reads_the_messages_again(
    conformance_backend: StoreBackend,
) -> None:
    with open_ledger(conformance_backend) as store:
        transferred(store, range(3))
        delivered = store.pending_messages(limit=2)  # delivered, then the host dies
    with open_ledger(conformance_backend) as host:
        assert host.pending_messages(limit=2) == delivered  # at least once
        host.mark_sent([message.id for message in delivered], at=URGE_AT)
        assert not {m.id for m in delivered} & {m.id for m in host.pending_messages()}


def _dying_host(spec: BackendSpec, say: Connection) -> None:
    store = LedgerStore(open_backend(spec))
    for message in store.pending_messages(limit=2):
        say.send(message.id)  # delivered: the parent is the SMS gateway
    say.send("dying")
    os.kill(os.getpid(), signal.SIGKILL)  # before mark_sent


def test_a_host_killed_after_delivering_and_before_marking_reads_them_again(
    conformance_backend: StoreBackend,
) -> None:
    with open_ledger(conformance_backend) as store:
        transferred(store, range(2))
    said, code = said_by_child(_dying_host, conformance_backend.spec)
    assert code == -signal.SIGKILL, said
    with open_ledger(conformance_backend) as host:
        again = [message.id for message in host.pending_messages(limit=2)]
        assert [*again, "dying"] == said
        assert host.mark_sent(again, at=URGE_AT) == 2


def test_the_sweep_owes_each_reminder_once_per_deadline(conformance_backend: StoreBackend) -> None:
    with open_ledger(conformance_backend) as store:
        issues = transferred(store, range(3))
        store.mark_sent([m.id for m in store.pending_messages()], at=URGE_AT)
        store.sweep(at=URGE_AT)
        store.sweep(at=URGE_AT.add(hours=1))
        reminders = store.pending_messages()
        assert sorted((m.record_id, m.kind, m.recipient) for m in reminders) == [
            (issue.id, MessageKind.OVERDUE, UNITS[n]) for n, issue in enumerate(issues)
        ]


def test_the_answer_of_an_original_reaches_its_duplicates_requesters(
    conformance_backend: StoreBackend,
) -> None:
    with open_ledger(conformance_backend) as store:
        original, copy = make_issue(1), make_issue(2)
        store.receive_many([original, copy], actor=CLERK)
        store.apply(
            copy.id,
            "dismiss",
            actor=DISPATCHER,
            at=copy.received_at + dt.timedelta(minutes=5),
            note="同一路灯，已有工单",
            reason=DismissalReason.DUPLICATE,
            original=original.id,
        )
        assert store.store.duplicates_of(original.id) == [copy.id]
        store.apply_many(loop_commands(original, 1)[:4])  # transfer … answer
        answered = [m for m in store.pending_messages() if m.kind is MessageKind.ANSWERED]
        assert sorted(m.record_id for m in answered) == sorted([original.id, copy.id])
        told = next(m for m in answered if m.record_id == copy.id)
        assert told.recipient == "requester"
        assert copy.id in told.text
        assert original.id not in told.text


def test_a_dispatch_chain_and_an_extension_write_what_they_owe(
    conformance_backend: StoreBackend,
) -> None:
    with open_ledger(conformance_backend) as store:
        (issue,) = transferred(store, range(1))
        lead, below = HANDLERS[UNITS[0]], HANDLERS[UNITS[1]]
        at = issue.received_at + dt.timedelta(hours=2)
        store.apply(issue.id, "sign_for", actor=lead, at=at)
        due = at + dt.timedelta(days=3)
        store.apply(issue.id, "dispatch", actor=lead, at=at, unit=UNITS[1], due=due)
        store.apply(issue.id, "hand_back", actor=below, at=at, note="需补充材料")
        store.apply(issue.id, "dispatch", actor=lead, at=at, unit=UNITS[1], due=due)
        store.apply(issue.id, "report_up", actor=below, at=at, answer="已修复")
        later = issue.received_at + dt.timedelta(days=20)
        store.apply(issue.id, "extend", actor=DISPATCHER, at=at, note="需协调", deadline=later)
        pending = store.pending_messages()
        assert [(m.kind, m.recipient) for m in pending[2:]] == [
            (MessageKind.ASSIGNED, UNITS[1]),
            (MessageKind.HANDED_BACK, UNITS[0]),
            (MessageKind.ASSIGNED, UNITS[1]),
            (MessageKind.REPORTED_UP, UNITS[0]),
            (MessageKind.EXTENDED, "requester"),
        ]
        assert sorted(pending, key=lambda m: m.id) == sorted(owed(store), key=lambda m: m.id)
        assert len({m.id for m in pending}) == len(pending)  # the same step twice: two ids
        assert f"{due.month}月{due.day}日" in pending[2].text  # the dispatch's own deadline


def test_a_ledger_made_before_the_outbox_gets_one_when_opened(
    conformance_backend: StoreBackend,
) -> None:
    with open_ledger(conformance_backend) as store:
        transferred(store, range(1))
        head = store.head()
    conformance_backend.execute(f"DROP TABLE {conformance_backend.table('outbox')}")
    with open_ledger(conformance_backend) as store:
        assert store.head() == head  # the chain untouched
        assert store.pending_messages() == []
        store.sweep(at=URGE_AT)
        assert [m.kind for m in store.pending_messages()] == [MessageKind.OVERDUE]
        assert store.verify()


# -- a writer killed while the backend writes a batch's messages -------------------------


def _dying_writer(spec: BackendSpec, say: Connection) -> None:
    store = LedgerStore(DyingStore(open_backend(spec), 2, say, "messages"))
    looped(store, range(4))  # two whole batches
    store.receive_many([make_issue(n) for n in range(100, 110)], actor=CLERK)
    say.send("finished")


def test_a_writer_killed_writing_messages_leaves_neither_steps_nor_messages(
    conformance_backend: StoreBackend,
) -> None:
    conformance_backend.open().close()
    said, code = said_by_child(_dying_writer, conformance_backend.spec)
    assert code == -signal.SIGKILL, said
    assert said == ["committed 1", "committed 2", "appending", "dying"]
    with open_ledger(conformance_backend) as store:
        assert store.verify()
        assert len(list(store.store.events())) == 4 * STEPS
        assert store.store.version(Subject.ISSUE, make_issue(100).id) == 0
        pending = store.pending_messages()
        assert sorted(m.id for m in pending) == sorted(m.id for m in owed(store))
        assert not [m for m in pending if m.record_id == make_issue(100).id]
