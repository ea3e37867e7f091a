"""The SQLite store folds summary lines into facts in the database, reading each
fact through the table's SQL (``FACT_SQL``); it must hand over exactly the facts
the Python reading (``facts_of``) gives of the same lines, grouped by the same
keys, and keep every line as written (its columns listed once, in ``ISSUE_ROW``)."""

import sqlite3
from collections import Counter
from collections.abc import Iterable, Iterator
from pathlib import Path
from typing import Any

import attrs
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from pendulum import DateTime

from banshishi import Channel, IssueStatus, Rating, Track, Urgency, issue_figures
from banshishi._metrics.facts import DUE_STATUSES, OVERDUE_SQL, Facts, overdue
from banshishi._metrics.figures import facts_of, figures_of_facts
from banshishi._metrics.summary import IssueSummary, micros
from banshishi._store.dispatch_rows import encode_dispatches
from banshishi._store.sqlite_file import ISSUE_ROW, build_ledger
from banshishi._store.sqlite_lines import fact_counts, issue_lines
from banshishi._store.sqlite_rows import issue_row
from strategies import moments

HOUR = 3_600_000_000
YEARS = 30 * 365 * 24 * HOUR
UNITS = st.none() | st.sampled_from(["u1", "u2", "u3"])

lines = st.builds(
    IssueSummary,
    id=st.text(alphabet="abc123", min_size=1, max_size=6),
    version=st.integers(1, 60),
    status=st.sampled_from(list(IssueStatus)),
    track=st.sampled_from(list(Track)),
    channel=st.sampled_from(list(Channel)),
    urgency=st.sampled_from(list(Urgency)),
    unit=UNITS,
    received_by=UNITS,
    category=st.text(max_size=4),
    received_us=st.integers(-YEARS, 2 * YEARS),
    deadline_us=st.none() | st.integers(-YEARS, 2 * YEARS),
    deadline_provisional=st.booleans(),
    on_time=st.none() | st.booleans(),
    signed_for=st.booleans(),
    handed_over=st.booleans(),
    returned=st.booleans(),
    answered=st.booleans(),
    redone=st.booleans(),
    rating=st.none() | st.sampled_from(list(Rating)),
    resolved=st.none() | st.booleans(),
)
ledgers = st.lists(lines, max_size=25, unique_by=lambda line: line.id)
settle = settings(max_examples=80, deadline=None, suppress_health_check=[HealthCheck.too_slow])

KEYS: dict[str, Any] = {
    "unit": lambda line: line.home_unit,
    "track": lambda line: line.track,
    "channel": lambda line: line.channel,
    "urgency": lambda line: line.urgency,
    "hour": lambda line: line.received_us // HOUR,
}


@pytest.fixture(scope="module")
def db(tmp_path_factory: pytest.TempPathFactory) -> Iterator[sqlite3.Connection]:
    path: Path = tmp_path_factory.mktemp("fold") / "ledger.db"
    build_ledger(path)
    connection = sqlite3.connect(path, isolation_level=None)
    yield connection
    connection.close()


def tally(folded: Iterable[tuple[Any, Facts, int]]) -> Counter[tuple[Any, Facts]]:
    """The fold's counts by (key, facts); each pair must come once."""
    counts: Counter[tuple[Any, Facts]] = Counter()
    for value, facts, n in folded:
        assert (value, facts) not in counts
        assert isinstance(facts, Facts)
        counts[value, facts] += n
    return counts


def stored(db: sqlite3.Connection, written: list[IssueSummary]) -> None:
    db.execute("BEGIN")
    db.execute("DELETE FROM issues")
    db.executemany(
        f"INSERT OR REPLACE INTO issues ({', '.join(ISSUE_ROW)}) "
        f"VALUES ({', '.join('?' * len(ISSUE_ROW))})",
        [issue_row(line) for line in written],
    )
    db.execute("COMMIT")


def test_the_issues_table_has_a_column_for_each_field_of_a_line(db: sqlite3.Connection) -> None:
    columns = {row[1] for row in db.execute("PRAGMA table_info(issues)")}
    assert columns - {"digest"} == set(ISSUE_ROW)
    assert set(ISSUE_ROW) == {field.name for field in attrs.fields(IssueSummary)}


@settle
@given(written=ledgers)
def test_every_line_is_read_back_as_written(
    db: sqlite3.Connection, written: list[IssueSummary]
) -> None:
    stored(db, written)
    assert sorted(issue_lines(db), key=lambda line: line.id) == sorted(
        written, key=lambda line: line.id
    )
    cursor = db.execute("SELECT * FROM issues")  # each column by its own name
    names = [column[0] for column in cursor.description]
    kept = {row[names.index("id")]: dict(zip(names, row, strict=True)) for row in cursor}
    for columns in kept.values():
        assert columns.pop("digest") is None  # written here by hand, bound to no event
    names.remove("digest")
    assert kept == {line.id: {n: sql_value(getattr(line, n)) for n in names} for line in written}


def sql_value(value: object) -> object:
    """A line's value as SQLite keeps it: members by their value, flags as 0 or 1,
    dispatches as JSON text (``NULL`` for none)."""
    if isinstance(value, tuple):
        return encode_dispatches(value)
    if isinstance(value, bool):
        return int(value)
    return getattr(value, "value", value)


@settle
@given(written=ledgers, at=moments())
def test_the_fold_gives_the_facts_python_reads_off_the_lines(
    db: sqlite3.Connection, written: list[IssueSummary], at: DateTime
) -> None:
    stored(db, written)
    now = micros(at)
    assert tally(fact_counts(db, at=at)) == Counter((None, facts_of(line, now)) for line in written)
    for name, key in KEYS.items():
        folded = tally(fact_counts(db, at=at, group=name))
        assert folded == Counter((key(line), facts_of(line, now)) for line in written), name
    both = tally(fact_counts(db, at=at, group=("unit", "track")))
    assert both == Counter(((line.home_unit, line.track), facts_of(line, now)) for line in written)
    folded_figures = figures_of_facts((facts, n) for _, facts, n in fact_counts(db, at=at))
    assert folded_figures == issue_figures(written, at=at)


@settle
@given(written=ledgers, at=moments())
def test_the_overdue_filter_is_the_overdue_rule(
    db: sqlite3.Connection, written: list[IssueSummary], at: DateTime
) -> None:
    stored(db, written)
    found = {line.id for line in issue_lines(db, overdue_at=at)}
    assert found == {line.id for line in written if line.is_overdue(at)}


def test_the_overdue_rule_in_sql_and_in_python_agree_at_the_edges() -> None:
    db = sqlite3.connect(":memory:")
    db.execute("CREATE TABLE issues (status TEXT, deadline_us INTEGER)")
    cases = [(status, deadline) for status in IssueStatus for deadline in (None, 9, 10, 11)]
    db.executemany("INSERT INTO issues VALUES (?, ?)", [(s.value, d) for s, d in cases])
    found = set(db.execute(f"SELECT status, deadline_us FROM issues WHERE {OVERDUE_SQL}", (10,)))
    assert found == {(s.value, d) for s, d in cases if overdue(s, d, 10)}
    assert {IssueStatus(status) for status, _ in found} == DUE_STATUSES
    db.close()
