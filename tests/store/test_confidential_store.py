"""A store keeps an issue's confidential flag (保密件) in its receive event, only when
set (so every other issue's events are as they always were), rebuilds it when
reopened; the event CSV withholds a confidential issue's events unless asked, and a
withheld file is refused on import by name."""

import io
from pathlib import Path

import attrs
import pytest

from banshishi import InvalidValueError, LedgerStore, Location, Person, export_events, import_events
from banshishi._store.event_csv import WITHHELD_ARGUMENTS
from banshishi._workflow.issue_arguments import Arguments
from cast import CLERK_C1, DISPATCHER_D1, T0, new_issue

SECRET = "举报某店售假"
MOBILE = "13812345678"


def intake(issue_id: str, confidential: bool):
    return new_issue(
        issue_id,
        title=SECRET,
        description=f"请回电 {MOBILE}",
        confidential=confidential,
        received_by="centre",
        requester=Person(id="p-1", name="张桂兰", mobile=MOBILE),
        location=Location(division_code="150125001003", address="城关街道文化社区56号"),
    )


def filled(path: Path) -> None:
    with LedgerStore.open(path, create=True) as store:
        for issue_id, flag in (("open", False), ("secret", True)):
            store.receive(intake(issue_id, flag), actor=CLERK_C1)
            store.apply(
                issue_id,
                "transfer",
                actor=DISPATCHER_D1,
                at=T0.add(hours=1),
                unit="water",
                note=f"联系 {MOBILE}",
                requirements=f"{SECRET}，回电 {MOBILE}",
            )


def test_the_flag_round_trips_through_the_store_and_only_a_set_one_is_recorded(
    tmp_path: Path,
) -> None:
    path = tmp_path / "ledger.db"
    filled(path)
    with LedgerStore.open(path) as store:
        assert store.issue("secret").confidential is True
        assert store.issue("open").confidential is False
        assert store.history("secret")[0].data["confidential"] is True
        assert "confidential" not in store.history("open")[0].data
        assert store.verify(deep=True)


def exported(path: Path, **options: bool) -> str:
    text = io.StringIO()
    with LedgerStore.open(path) as store:
        export_events(store, text, **options)
    return text.getvalue()


def test_the_event_csv_withholds_a_confidential_issue_unless_asked(tmp_path: Path) -> None:
    path = tmp_path / "ledger.db"
    filled(path)
    masked = exported(path)
    rows = [line for line in masked.splitlines() if ",secret," in line]
    assert len(rows) == 2
    for row in rows:
        assert SECRET not in row
        assert MOBILE not in row
        assert "张桂兰" not in row
        assert "文化社区" not in row
    assert '""withheld"":true' in rows[1]  # CSV doubles the quotes
    assert ",transfer,d-1,centre,dispatcher,received,transferred," in rows[1]  # kept
    assert '""unit"":""water""' in rows[1]  # and so are the step's ids
    # the other issue is exported as it always was
    assert [line for line in masked.splitlines() if ",open," in line] == [
        line for line in exported(path, include_confidential=True).splitlines() if ",open," in line
    ]


def test_an_unmasked_event_csv_round_trips_and_a_withheld_one_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "ledger.db"
    filled(path)
    with LedgerStore.open(path) as store:
        original = store.issue("secret")
    whole = exported(path, include_confidential=True)
    with LedgerStore.open(tmp_path / "copy.db", create=True) as target:
        import_events(target, io.StringIO(whole))
        assert target.issue("secret") == original
    with (
        LedgerStore.open(tmp_path / "other.db", create=True) as target,
        pytest.raises(InvalidValueError) as caught,
    ):
        import_events(target, io.StringIO(exported(path)))
    assert "column data" in caught.value.field
    assert "include-confidential" in str(caught.value)


IDS = frozenset(
    {"unit", "person", "co_units", "supervising_unit", "supervisor", "original", "routing_rule"}
)
"""The step arguments that are ids of units, people, issues or routing rules (a rule's
key is its catalogue number or its category and place prefixes, which a withheld
issue shows anyway): shown withheld or not."""


def test_every_step_argument_that_carries_text_is_withheld() -> None:
    textual = {
        field.name
        for field in attrs.fields(Arguments)
        if any(word in str(field.type) for word in ("str", "Milestone", "Feedback", "Evaluation"))
    }
    assert textual - IDS == WITHHELD_ARGUMENTS
