"""Each summary line is bound to the event that produced it, so plain ``verify``
finds any line edited in the file, without rebuilding a record."""

import sqlite3
from collections.abc import Callable
from pathlib import Path

import pytest

from banshishi import LedgerStore
from banshishi._store.line_seal import line_digest
from banshishi._store.sqlite_file import ISSUE_ROW
from banshishi.simulation import Campaign
from store_helpers import reseal_lines

KEY = b"a key of at least sixteen bytes"


@pytest.fixture(scope="module")
def campaign(simulated: Callable[..., Campaign]) -> Campaign:
    return simulated(issues=40, seed=5)


def written(path: Path, campaign: Campaign, key: bytes | None = None) -> Path:
    with LedgerStore.open(path, create=True, chain_key=key) as store:
        store.change_policy(campaign.policy, at=campaign.start)
        store.write_ledgers(campaign.ledger, campaign.pledges)
        assert store.verify()
    return path


def edit(path: Path, *statements: str) -> None:
    db = sqlite3.connect(path)
    with db:
        for statement in statements:
            assert db.execute(statement).rowcount >= 1, statement
    db.close()


def problem(path: Path, key: bytes | None = None) -> str:
    with LedgerStore.open(path, chain_key=key) as store:
        report = store.verify()
    assert not report
    return report.problem or ""


RATED = "SELECT id FROM issues WHERE rating != 'very_satisfied' LIMIT 1"
EDITS: dict[str, tuple[tuple[str, ...], str]] = {
    "a current rating raised": (
        (f"UPDATE issues SET rating = 'very_satisfied', resolved = 1 WHERE id = ({RATED})",),
        "does not match its digest",
    ),
    "a past status": (
        (
            "UPDATE issue_lines SET status = 'closed' WHERE (id, version) IN "
            "(SELECT id, version FROM issue_lines WHERE until_us IS NOT NULL LIMIT 1)",
        ),
        "does not match its digest",
    ),
    "a past span stretched": (
        (
            "UPDATE issue_lines SET until_us = until_us + 1000000 WHERE (id, version) IN "
            "(SELECT id, version FROM issue_lines WHERE until_us IS NOT NULL LIMIT 1)",
        ),
        "does not end where the next begins",
    ),
    "a version dropped": (
        ("DELETE FROM issue_lines WHERE (id, version) IN (SELECT id, 1 FROM issues LIMIT 1)",),
        "miss a version",
    ),
    "a line added": (
        (
            "INSERT INTO issue_lines SELECT id, version + 1, status, track, channel, urgency, "
            "unit, received_by, category, received_us, deadline_us, on_time, signed_for, "
            "handed_over, returned, answered, redone, rating, resolved, deadline_provisional, "
            "transferred, answered_us, request_type, confidential, excluded, first_rating, "
            "visit_contacted, visit_solved, visit_satisfied, repeat_of, duplicate_of, "
            "routing_rule, routed_unit, routed_sent_back, dispatches, from_us, until_us, digest "
            "FROM issue_lines "
            "WHERE until_us IS NULL LIMIT 1",
        ),
        "has no event",
    ),
}


@pytest.mark.parametrize("what", list(EDITS))
def test_plain_verify_finds_an_edited_line(tmp_path: Path, campaign: Campaign, what: str) -> None:
    path = written(tmp_path / "ledger.db", campaign)
    statements, said = EDITS[what]
    edit(path, *statements)
    assert said in problem(path)


def test_an_edited_line_is_found_on_a_keyed_chain_even_with_the_unkeyed_digest(
    tmp_path: Path, campaign: Campaign
) -> None:
    path = written(tmp_path / "keyed.db", campaign, KEY)
    edit(path, f"UPDATE issues SET rating = 'very_satisfied' WHERE id = ({RATED})")
    db = sqlite3.connect(path)
    with db:
        reseal_lines(db)  # what anyone without the key can compute
    db.close()
    assert "does not match its digest" in problem(path, KEY)


def test_the_digest_covers_every_value_of_a_line() -> None:
    values = ("i-1", 3, "closed", None, 7)
    digest = line_digest("0" * 64, values, None)
    for index in range(len(values)):
        changed = list(values)
        changed[index] = "~" if changed[index] is None else None
        assert line_digest("0" * 64, changed, None) != digest
    assert line_digest("1" * 64, values, None) != digest
    assert line_digest("0" * 64, values, KEY) != digest


@pytest.mark.parametrize("column", [c for c in ISSUE_ROW if c not in ("id", "version")])
def test_every_column_of_a_current_line_is_bound(
    tmp_path: Path, campaign: Campaign, column: str
) -> None:
    path = written(tmp_path / f"{column}.db", campaign)
    first = "WHERE id = (SELECT min(id) FROM issues)"
    db = sqlite3.connect(path)
    try:
        with db:
            db.execute(
                f"UPDATE issues SET {column} = CASE WHEN {column} IS NULL THEN 1 END {first}"
            )
    except sqlite3.IntegrityError:  # a NOT NULL column: change its value instead
        with db:
            db.execute(f"UPDATE issues SET {column} = {column} || 'x' {first}")
    db.close()
    assert problem(path)
