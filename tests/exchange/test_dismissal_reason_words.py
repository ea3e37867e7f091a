"""A dismissal reason spelt in words: its value, its label (重复件) or its former label
(重复诉求), as older files, feeds and hand-kept histories spell it. Each reads as the
same reason; what leaves the system says 重复件."""

from typing import Any

import pytest

from banshishi import DismissalReason, Event, IssueStatus, Role, export_requests
from banshishi._exchange.ledger_cells import Choice
from banshishi._exchange.open311_reader import Reader
from open311_requests import T0, make

WORDS = ("duplicate", "重复件", "重复诉求")


def dismissed(reason: str) -> Any:
    """An issue whose history dismissed it giving ``reason`` as written, and no link."""
    event = Event(
        name="dismiss",
        actor="d-1",
        role=Role.DISPATCHER,
        at=T0.add(hours=1),
        from_status=IssueStatus.RECEIVED,
        to_status=IssueStatus.DISMISSED,
        note="",
        data={"reason": reason},
    )
    return make(IssueStatus.DISMISSED, history=(event,))


@pytest.mark.parametrize("word", WORDS)
def test_a_history_giving_the_reason_in_any_word_exports_as_a_duplicate(word: str) -> None:
    [request] = export_requests([dismissed(word)], at=T0.add(days=30), extended=True)
    assert request["extended_status"] == "DUPLICATE"
    assert request["status_notes"] == "重复件"


def test_a_history_giving_an_unknown_reason_exports_as_no_reason_given() -> None:
    [request] = export_requests([dismissed("重复")], at=T0.add(days=30), extended=True)
    assert request["extended_status"] == "NOT_COUNCILS_RESPONSIBILITY"
    assert request["status_notes"] == "不予受理"


@pytest.mark.parametrize("word", WORDS)
def test_a_ledger_cell_and_an_open311_key_read_the_reason_in_any_word(word: str) -> None:
    assert Choice(DismissalReason).read(f" {word} ") is DismissalReason.DUPLICATE
    reader = Reader({"reason": word}, "requests[0]")
    assert reader.member("reason", DismissalReason) is DismissalReason.DUPLICATE


def test_a_ledger_cell_writes_the_current_label_or_the_value() -> None:
    cell = Choice(DismissalReason)
    assert cell.write(DismissalReason("重复诉求"), "zh") == "重复件"
    assert cell.write(DismissalReason("重复诉求"), "en") == "duplicate"
