"""Linking a duplicate in a store checks the original as the store holds it when
the link is written: an original another writer closed after this one read it
is not linked to (the write is refused as stale, and taken again it is refused
because the original is closed), and the original's version is not changed."""

from pathlib import Path
from typing import Any

import pytest

from banshishi import (
    ConcurrencyError,
    DismissalReason,
    Feedback,
    FeedbackMethod,
    LedgerStore,
    PreconditionError,
)
from banshishi.testing.conformance_cases import Racing
from cast import CENTRE, CLERK, DISPATCHER, REVIEWER, T0, handler, new_issue

DESK = handler(CENTRE)


def close(store: LedgerStore, issue_id: str) -> None:
    store.apply(issue_id, "sign_for", actor=DESK, at=T0.add(hours=1))
    store.apply(issue_id, "resolve", actor=DESK, at=T0.add(hours=2))
    answer = Feedback(at=T0.add(hours=3), content="已修复", method=FeedbackMethod.PHONE)
    store.apply(issue_id, "answer", actor=DESK, at=answer.at, feedback=answer)
    store.apply(issue_id, "close", actor=REVIEWER, at=T0.add(hours=4), note="电话核实已修复")


def linked(store: LedgerStore) -> list[str]:
    return sorted(line.id for line in store.summaries() if line.duplicate_of == "orig")


def link(store: LedgerStore, issue_id: str, original: str) -> Any:
    return store.apply(
        issue_id, "dismiss", actor=DISPATCHER, at=T0.add(hours=5), note="重复",
        reason=DismissalReason.DUPLICATE, original=original,
    )  # fmt: skip


def test_an_original_closed_by_another_writer_meanwhile_is_not_linked(tmp_path: Path) -> None:
    path = tmp_path / "ledger.db"
    with LedgerStore.open(path, create=True) as first:
        for number, issue_id in enumerate(("orig", "dup-1", "dup-2")):
            first.receive(
                new_issue(issue_id, received_at=T0.add(minutes=number), received_by=CENTRE),
                actor=CLERK,
            )
        link(first, "dup-1", "orig")  # reads the original into this writer's cache
        with LedgerStore.open(path) as second:
            close(second, "orig")
            closed = second.version("orig")
        with pytest.raises(ConcurrencyError) as caught:
            link(first, "dup-2", "orig")  # its copy of the original is stale
        assert "'orig'" in str(caught.value)
        assert first.version("dup-2") == 1  # nothing written
        with pytest.raises(PreconditionError):
            link(first, "dup-2", "orig")  # read afresh: closed, no longer open
        assert first.version("orig") == closed
        assert linked(first) == ["dup-1"]
        assert first.verify()


def test_an_original_closed_between_the_check_and_the_write_is_not_linked(
    tmp_path: Path,
) -> None:
    path = tmp_path / "ledger.db"
    with LedgerStore.open(path, create=True) as setup:
        for number, issue_id in enumerate(("orig", "dup")):
            setup.receive(
                new_issue(issue_id, received_at=T0.add(minutes=number), received_by=CENTRE),
                actor=CLERK,
            )

    def close_it() -> None:
        with LedgerStore.open(path) as second:
            close(second, "orig")

    with LedgerStore.open(path) as opened:
        racing = LedgerStore(Racing(opened.store, close_it))
        with pytest.raises(ConcurrencyError) as caught:
            link(racing, "dup", "orig")
        assert "'orig'" in str(caught.value)
        assert racing.version("dup") == 1  # nothing written
        assert linked(racing) == []
        with pytest.raises(PreconditionError):
            link(racing, "dup", "orig")  # taken again: the original is closed
        assert racing.verify()
