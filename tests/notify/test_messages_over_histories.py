"""The messages of generated histories: what the store records is what
``messages_for`` derives step by step, and no message shows what its recipient
must not read."""

import tempfile
from pathlib import Path

from hypothesis import HealthCheck, given, settings

from banshishi import Ledger, LedgerStore, Message, messages_for, replay
from banshishi.testing.strategies import IssueHistory, issue_histories


def derived(history: IssueHistory) -> list[Message]:
    """Every message of the history, step by step, from the issue after each."""
    ledger = Ledger(policy=history.policy)
    history.apply_to(ledger)
    events = ledger.history(history.issue.id)
    found: list[Message] = []
    for version in range(1, len(events) + 1):
        after = replay(events[:version], policy=history.policy)
        found += messages_for(events[version - 1], after, version=version, policy=history.policy)
    return found


def history_units(history: IssueHistory) -> list[str]:
    """Every unit a step of the history names."""
    named = [history.issue.received_by or ""]
    for step in history.steps:
        named += [str(v) for k, v in step.args.items() if "unit" in k and isinstance(v, str)]
        named += list(step.args.get("co_units", ()))
    return sorted((unit for unit in named if unit), key=len, reverse=True)


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(issue_histories(max_steps=14))
def test_no_message_shows_what_its_recipient_must_not_read(history: IssueHistory) -> None:
    issue = history.issue
    messages = derived(history)
    if issue.requester is None:
        assert not [m for m in messages if m.kind.to_requester]
    for message in messages:
        assert message.record_id == issue.id
        assert issue.id in message.text
        # What the text says besides the ids in it (a drawn id may hold anything).
        said = message.text
        for known in (issue.id, message.recipient, *history_units(history)):
            said = said.replace(known, "")
        name = "" if issue.requester is None else issue.requester.name
        if len(name) > 1 and name.isalpha():  # a name as masking finds one (no digits)
            assert name not in said
        if issue.requester is not None and issue.requester.mobile:
            assert issue.requester.mobile not in message.text
        if issue.confidential and len(issue.title) > 3:
            assert issue.title not in message.text


@settings(
    max_examples=15,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)
@given(issue_histories(max_steps=12))
def test_the_store_records_each_steps_messages_once(history: IssueHistory) -> None:
    with tempfile.TemporaryDirectory() as folder:
        store = LedgerStore.open(Path(folder) / "ledger.db", create=True, policy=history.policy)
        with store:
            history.apply_to(store)
            pending = store.pending_messages()
    first: dict[str, Message] = {}
    for message in derived(history):
        first.setdefault(message.id, message)  # a reminder owed again is kept as first written
    expected = list(first.values())
    assert sorted(pending, key=lambda m: m.id) == sorted(expected, key=lambda m: m.id)
    assert len({m.id for m in pending}) == len(pending)
