"""Receiving a batch of issues taken in by different units: ``receive_many``
takes ``(issue, actor)`` pairs beside bare issues received by ``actor=``."""

from pathlib import Path
from typing import Any

import pytest

from banshishi import (
    Actor,
    BatchRefusedError,
    ChainReport,
    InvalidTypeError,
    Ledger,
    LedgerStore,
    Role,
)
from issue_walks import CLERK, new_issue

TOWNSHIP = Actor(id="li", role=Role.INTAKE_CLERK, unit="township")


def receivers(book: Ledger | LedgerStore, *ids: str) -> list[tuple[str, str | None]]:
    return [(book.history(i)[0].actor, book.history(i)[0].unit) for i in ids]


def test_pairs_name_their_own_receiver_on_both_engines(tmp_path: Path) -> None:
    batch: list[Any] = [(new_issue("a"), TOWNSHIP), new_issue("b"), (new_issue("c"), CLERK)]
    ledger = Ledger()
    ledger.receive_many(batch, actor=CLERK)
    expected = [("li", "township"), ("clerk", "centre"), ("clerk", "centre")]
    assert receivers(ledger, "a", "b", "c") == expected
    with LedgerStore.open(tmp_path / "ledger.db", create=True) as store:
        assert store.receive_many([(new_issue("a"), TOWNSHIP), (new_issue("c"), CLERK)]) == 2
        assert receivers(store, "a", "c") == [expected[0], expected[2]]
        assert store.verify() == ChainReport(intact=True, events=2, head=store.head())


def test_a_single_actor_still_receives_a_plain_batch() -> None:
    ledger = Ledger()
    ledger.receive_many([new_issue("a"), new_issue("b")], actor=TOWNSHIP)
    assert receivers(ledger, "a", "b") == [("li", "township")] * 2


@pytest.mark.parametrize(
    ("item", "problem"),
    [
        (new_issue("b"), "no actor was given"),
        ((new_issue("b"), "li"), "(issue, actor) pair"),
        ((new_issue("b"), TOWNSHIP, CLERK), "(issue, actor) pair"),
    ],
    ids=["bare-without-actor", "actor-as-text", "triple"],
)
def test_an_item_without_a_receiver_refuses_the_store_batch(
    tmp_path: Path, item: Any, problem: str
) -> None:
    with LedgerStore.open(tmp_path / "ledger.db", create=True) as store:
        with pytest.raises(BatchRefusedError) as caught:
            store.receive_many([(new_issue("a"), TOWNSHIP), item])
        assert caught.value.index == 1
        assert type(caught.value.error) is InvalidTypeError
        assert caught.value.error.field == "issues[1]"
        assert problem in str(caught.value.error)
        assert store.version("a") == 0  # all or nothing
    with pytest.raises(InvalidTypeError) as refused:
        Ledger().receive_many([item])
    assert refused.value.field == "issues[0]"


def test_an_actor_that_is_not_one_is_refused_before_anything_is_received() -> None:
    ledger = Ledger()
    with pytest.raises(InvalidTypeError) as refused:
        ledger.receive_many([new_issue("a")], actor="clerk")  # type: ignore[arg-type]
    assert refused.value.field == "actor"
    assert list(ledger.issues()) == []
