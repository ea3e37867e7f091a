"""The outbox of a ledger file through a dispatch chain and an extension: a
dispatch tells the unit below its own deadline, a hand-back and an answer
reported up tell the unit above, an extension tells the requester; each
written with its step, the same as ``messages_for`` derives, and none for a
refused step."""

from pathlib import Path
from typing import Any

import pytest

from banshishi import (
    Actor,
    Channel,
    Issue,
    LedgerStore,
    MessageKind,
    Person,
    Role,
    RoleError,
    Urgency,
    WorkflowPolicy,
    messages_for,
    replay,
)
from cast import T0, WORKS

K = MessageKind
POLICY = WorkflowPolicy(units=WORKS)
CLERK = Actor(id="clerk", role=Role.INTAKE_CLERK, unit="centre")
DISPATCHER = Actor(id="d", role=Role.DISPATCHER, unit="centre")


def handler(unit: str) -> Actor:
    return Actor(id=f"{unit}.h", role=Role.HANDLER, unit=unit)


def walked(path: Path, *, requester: Person | None) -> LedgerStore:
    """An item transferred to works, extended, handed down two levels, handed
    back by the village and answered up by the street office."""
    store = LedgerStore.open(path, create=True, policy=POLICY)
    store.receive(
        Issue(
            id="c-1",
            title="路灯不亮，联系电话13904712345",
            channel=Channel.HOTLINE,
            urgency=Urgency.URGENT,
            received_at=T0,
            received_by="centre",
            requester=requester,
        ),
        actor=CLERK,
    )
    steps: list[tuple[str, Actor, str, dict[str, Any]]] = [
        ("transfer", DISPATCHER, "", {"unit": "works", "deadline": T0.add(days=10)}),
        ("sign_for", handler("works"), "", {}),
        ("extend", DISPATCHER, "需协调", {"deadline": T0.add(days=12)}),
        ("dispatch", handler("works"), "", {"unit": "street", "due": T0.add(days=8)}),
        ("dispatch", handler("street"), "", {"unit": "village", "due": T0.add(days=6)}),
        ("hand_back", handler("village"), "不属本社区，请联系13904712345", {}),
        ("report_up", handler("street"), "", {"answer": "已修复"}),
    ]
    for hours, (name, actor, note, args) in enumerate(steps, start=1):
        store.apply("c-1", name, actor=actor, at=T0.add(hours=hours), note=note, **args)
    return store


def derived(store: LedgerStore) -> list[Any]:
    """The messages of every step of c-1, derived from the issue after each."""
    history = store.history("c-1")
    return [
        message
        for version in range(1, len(history) + 1)
        for message in messages_for(
            history[version - 1],
            replay(history[:version], policy=POLICY),
            version=version,
            policy=POLICY,
        )
    ]


def test_the_chain_and_the_extension_write_their_messages_with_their_steps(
    tmp_path: Path,
) -> None:
    with walked(tmp_path / "ledger.db", requester=Person(id="p", name="张三")) as store:
        pending = store.pending_messages()
        assert [(m.kind, m.recipient) for m in pending] == [
            (K.RECEIVED, "requester"),
            (K.ASSIGNED, "works"),
            (K.EXTENDED, "requester"),
            (K.ASSIGNED, "street"),
            (K.ASSIGNED, "village"),
            (K.HANDED_BACK, "street"),
            (K.REPORTED_UP, "works"),
        ]
        assert pending == derived(store)
    extended, to_street, to_village, back, up = pending[2:]
    new_deadline = f"{T0.add(days=12).month}月{T0.add(days=12).day}日"
    assert new_deadline in extended.text
    assert f"{T0.add(days=8).month}月{T0.add(days=8).day}日" in to_street.text
    assert f"{T0.add(days=6).month}月{T0.add(days=6).day}日" in to_village.text
    assert "不属本社区" in back.text
    assert "13904712345" not in back.text
    assert "village" in back.text
    assert new_deadline in up.text  # the works' own deadline: the issue's, extended
    with LedgerStore.open(tmp_path / "ledger.db", read_only=True) as reader:
        assert reader.pending_messages() == pending  # kept, each once


def test_with_no_requester_the_extension_owes_nothing(tmp_path: Path) -> None:
    with walked(tmp_path / "ledger.db", requester=None) as store:
        kinds = [m.kind for m in store.pending_messages()]
    assert K.EXTENDED not in kinds
    assert kinds.count(K.HANDED_BACK) == kinds.count(K.REPORTED_UP) == 1


def test_a_refused_report_up_writes_no_message(tmp_path: Path) -> None:
    with walked(tmp_path / "ledger.db", requester=None) as store:
        before = store.message_counts()
        with pytest.raises(RoleError):
            store.apply(
                "c-1", "report_up", actor=handler("village"), at=T0.add(hours=9), answer="已修复"
            )
        assert store.message_counts() == before
        store.mark_sent([m.id for m in store.pending_messages()], at=T0.add(hours=9))
        store.apply("c-1", "resolve", actor=handler("works"), at=T0.add(hours=10))
        assert store.message_counts() == {"pending": 0, "sent": before["pending"]}
