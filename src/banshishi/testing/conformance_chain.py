"""Conformance: the hash chain, and changes made behind the store's back.

Rows are changed with plain SQL through :meth:`StoreBackend.execute` (the
statements run on SQLite, PostgreSQL and MariaDB alike): an event's note edited,
the last event deleted, a summary line's rating edited, a line's span stretched.
``verify()`` must find each; a keyed chain must refuse the wrong key, and a head
receipt kept from before must keep holding as the ledger grows, and only then.
"""

from collections.abc import Callable

import pytest

from banshishi import ChainKeyError, ChainReport, HeadReceipt

from .backend import StoreBackend
from .conformance_cases import STEPS, looped, make_issue, open_ledger

ISSUES = 4
EVENTS = ISSUES * STEPS
"""Receipts are events 1-4, then each issue's five steps in turn."""
KEY = bytes.fromhex("8f1c2b7a9e4d3f6a0b5c8d7e2f1a4b3c6d9e0f8a7b2c5d4e3f1a0b9c8d7e6f5a")
OTHER_KEY = b"another key, 32 bytes long......"
HOUR_US = 3_600_000_000


def _ledger(backend: StoreBackend, key: bytes | None = None) -> None:
    with open_ledger(backend, chain_key=key) as store:
        looped(store, range(ISSUES))


def _verify(
    backend: StoreBackend, key: bytes | None = None, *, expect_head: HeadReceipt | None = None
) -> ChainReport:
    with open_ledger(backend, chain_key=key) as store:
        return store.verify(expect_head=expect_head)


def test_a_healthy_chain_verifies_with_its_receipt(conformance_backend: StoreBackend) -> None:
    _ledger(conformance_backend)
    with open_ledger(conformance_backend) as store:
        report = store.verify(deep=True)
        assert report == ChainReport(intact=True, events=EVENTS, head=store.head())
        assert report.head is not None
        assert report.head.events == EVENTS
        assert store.verify(expect_head=report.head)
        assert store.verify(expect_head=str(report.head))
        events = list(store.store.events())
        assert [e.seq for e in events] == list(range(1, EVENTS + 1))
        assert events[-1].hash == report.head.head


ISSUE = make_issue(2).id
Tamper = Callable[[StoreBackend], None]


def _note(backend: StoreBackend) -> None:
    backend.execute(
        f"UPDATE {backend.table('events')} SET note = 'nothing happened' WHERE seq = 10"
    )


def _last(backend: StoreBackend) -> None:
    backend.execute(f"DELETE FROM {backend.table('events')} WHERE seq = {EVENTS}")


def _rating(backend: StoreBackend) -> None:
    backend.execute(
        f"UPDATE {backend.table('issues')} SET rating = 'very_satisfied' WHERE id = '{ISSUE}'"
    )


def _old_rating(backend: StoreBackend) -> None:
    lines = backend.table("issue_lines")
    backend.execute(
        f"UPDATE {lines} SET rating = 'very_satisfied' WHERE id = '{ISSUE}' AND version = {STEPS}"
    )


def _span(backend: StoreBackend) -> None:
    lines = backend.table("issue_lines")
    backend.execute(
        f"UPDATE {lines} SET until_us = until_us + {HOUR_US} WHERE id = '{ISSUE}' AND version = 2"
    )


@pytest.mark.parametrize(
    ("tamper", "first_bad", "events"),
    [
        pytest.param(_note, 10, 9, id="event-note"),
        pytest.param(_last, None, EVENTS - 1, id="last-event-deleted"),
        pytest.param(_rating, None, EVENTS, id="summary-rating"),
        pytest.param(_old_rating, None, EVENTS, id="line-rating"),
        pytest.param(_span, None, EVENTS, id="line-span"),
    ],
)
def test_a_change_behind_the_stores_back_is_found(
    conformance_backend: StoreBackend, tamper: Tamper, first_bad: int | None, events: int
) -> None:
    _ledger(conformance_backend)
    tamper(conformance_backend)
    report = _verify(conformance_backend)
    assert not report.intact
    assert report.problem
    assert report.head is None
    if first_bad is not None:
        assert (report.first_bad, report.events) == (first_bad, events)
        assert f"event {first_bad}" in report.problem
    elif events == EVENTS:  # a summary line: the events are sound
        assert report.events == EVENTS
        assert ISSUE in report.problem
    else:
        assert report.events == events


def test_a_kept_receipt_holds_as_the_ledger_grows_and_sees_a_change(
    conformance_backend: StoreBackend,
) -> None:
    _ledger(conformance_backend)
    with open_ledger(conformance_backend) as store:
        kept = store.verify().head
        assert kept is not None
        looped(store, range(ISSUES, ISSUES + 2))
        assert store.verify(expect_head=kept)
        other = HeadReceipt(events=kept.events, head="ab" * 32)
        assert not store.verify(expect_head=other)
        longer = HeadReceipt(events=EVENTS + 2 * STEPS + 1, head=kept.head)
        assert not store.verify(expect_head=longer)
    _note(conformance_backend)  # event 10, before the receipt's end
    assert not _verify(conformance_backend, expect_head=kept)


def test_a_keyed_chain_opens_only_with_its_key(conformance_backend: StoreBackend) -> None:
    _ledger(conformance_backend, KEY)
    assert _verify(conformance_backend, KEY) == ChainReport(
        intact=True, events=EVENTS, head=_head(conformance_backend, KEY)
    )
    with pytest.raises(ChainKeyError):
        conformance_backend.open(chain_key=OTHER_KEY)
    with open_ledger(conformance_backend) as unkeyed:  # read, but neither written nor verified
        assert len(unkeyed.summaries()) == ISSUES
        with pytest.raises(ChainKeyError):
            unkeyed.verify()
        with pytest.raises(ChainKeyError):
            looped(unkeyed, [ISSUES])
    _note(conformance_backend)
    report = _verify(conformance_backend, KEY)
    assert (report.intact, report.first_bad) == (False, 10)


def test_an_unkeyed_chain_refuses_a_key(conformance_backend: StoreBackend) -> None:
    _ledger(conformance_backend)
    with pytest.raises(ChainKeyError):
        conformance_backend.open(chain_key=KEY)
    assert _verify(conformance_backend).intact


def _head(backend: StoreBackend, key: bytes) -> HeadReceipt:
    with open_ledger(backend, chain_key=key) as store:
        head: HeadReceipt = store.head()
        return head
