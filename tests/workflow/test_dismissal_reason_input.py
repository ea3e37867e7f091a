"""A ``dismiss`` step takes its reason in any word for it: the value, the label
重复件 or the former label 重复诉求, on both ledgers (in memory and in a store). The
event records the value, so the history replays as it was written."""

from collections.abc import Iterator
from pathlib import Path

import pytest

from banshishi import IssueStatus, Ledger, LedgerStore, replay
from cast import CENTRE, CLERK, DISPATCHER, T0, new_issue

WORDS = ("duplicate", "重复件", "重复诉求")


@pytest.fixture(params=["ledger", "store"])
def book(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Ledger | LedgerStore]:
    if request.param == "ledger":
        yield Ledger()
    else:
        with LedgerStore.open(tmp_path / "ledger.db", create=True) as store:
            yield store


def linked(book: Ledger | LedgerStore, word: str) -> None:
    """Receive an original and a second call, then dismiss the second giving ``word``."""
    for n, issue_id in enumerate(("first", "dup")):
        issue = new_issue(issue_id, received_at=T0.add(minutes=n), received_by=CENTRE)
        book.receive(issue, actor=CLERK)
    book.apply(
        "dup",
        "dismiss",
        actor=DISPATCHER,
        at=T0.add(hours=1),
        note="同一路灯",
        reason=word,
        original="first",
    )


@pytest.mark.parametrize("word", WORDS)
def test_a_duplicate_dismissed_in_any_word_is_linked_and_recorded_by_value(book, word) -> None:
    linked(book, word)
    dup = book.issue("dup")
    assert (dup.status, dup.duplicate_of) == (IssueStatus.DISMISSED, "first")
    assert book.history("dup")[-1].data["reason"] == "duplicate"
    assert replay(book.history("dup")) == dup
