"""The assessment's records in a ledger file (台账): the first rating, follow-up
visits, requests for exclusion, the first routed transfer, dispatches down the
chain of units and the original of a duplicate survive the trip, so a ledger
read back gives the same figures as the ledger itself, in CSV and XLSX; old
files without their columns still read; bad cells are reported in their column.
"""

import csv
import io
import json
import re

import attrs
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from banshishi import (
    Dispatch,
    IssueStatus,
    IssueSummary,
    Ledger,
    LedgerFileError,
    dispatch_figures,
    issue_figures,
    read_ledger_csv,
    read_ledger_file,
    write_ledger_csv,
    write_ledger_file,
)
from banshishi._exchange.ledger_columns import COLUMNS
from banshishi.testing.strategies import issue_histories

HISTORY_ONLY = ("response", "returns", "on_time")
"""Rates a row cannot give as the ledger does, since only the history knows their
facts: whether a unit signed for an issue later dismissed, whether one was ever
sent back, and the step an answer counts from. They are compared with the
ledger's issues with their history set aside instead."""

NEW_KEYS = (
    "duplicate_of", "first_rating", "first_resolved", "first_rated_at", "first_rating_round",
    "visits", "exclusions", "routing_rule", "routed_unit", "routed_at", "routed_sent_back",
    "dispatches",
)  # fmt: skip


def issues_of(histories):
    """The issues the drawn histories leave in a ledger, one per id."""
    found = {}
    for history in histories:
        ledger = Ledger(policy=history.policy)
        history.apply_to(ledger)
        found.setdefault(history.issue.id, ledger.issue(history.issue.id))
    return list(found.values())


NOT_FOR_XLSX = re.compile("[\x00-\x08\x0b-\x1f\ufffe\uffff]|x005F_")
"""What an XLSX cell cannot hold (an oracle apart from the library's own check)."""


def for_xlsx(value):
    """``value`` with what an XLSX text cell cannot hold replaced by "?" (the history,
    which a row does not carry, left alone): the texts only, never a figure."""
    if type(value) is str:
        return NOT_FOR_XLSX.sub("?", value)
    if isinstance(value, tuple):
        return tuple(for_xlsx(item) for item in value)
    if attrs.has(type(value)):
        changes = {
            field.name: for_xlsx(getattr(value, field.name))
            for field in attrs.fields(type(value))
            if field.name != "history"
        }
        return attrs.evolve(value, **changes)
    return value


def figures(issues, at):
    return issue_figures([IssueSummary.of(issue, version=0, as_of=at) for issue in issues], at=at)


def bare(issue):
    """What a row can say of ``issue``: no history, the first routed transfer kept."""
    return attrs.evolve(issue, history=(), routed=issue.routing_as_of())


def last_moment(issue):
    return max(event.at for event in issue.history)


def assert_same_figures(originals, copies):
    at = max(map(last_moment, originals)).add(days=400)  # every deadline passed
    ours, theirs = figures(originals, at), figures(copies, at)
    for name, rate in ours.rates().items():
        if name not in HISTORY_ONLY:
            assert theirs.rates()[name] == rate, name
    without = figures([bare(issue) for issue in originals], at)
    assert theirs == without
    assert (theirs.excluded, theirs.received, theirs.dismissed, theirs.statuses) == (
        ours.excluded,
        ours.received,
        ours.dismissed,
        ours.statuses,
    )
    # Dispatches are carried whole: their figures agree at every moment, past ones too.
    for moment in {at, *(d.dispatched_at for issue in originals for d in issue.dispatches)}:
        assert dispatch_figures(copies, moment) == dispatch_figures(originals, moment)


histories = st.lists(issue_histories(max_steps=25), min_size=1, max_size=3)


@settings(max_examples=25)
@given(drawn=histories, language=st.sampled_from(["zh", "en"]))
def test_a_csv_ledger_read_back_gives_the_ledgers_figures(drawn, language):
    originals = issues_of(drawn)
    buffer = io.StringIO(newline="")
    write_ledger_csv(originals, buffer, language=language, include_confidential=True)
    copies = read_ledger_csv(io.StringIO(buffer.getvalue(), newline="")).issues
    assert [copy.id for copy in copies] == [issue.id for issue in originals]
    for original, copy in zip(originals, copies, strict=True):
        assert copy.visits == original.visits
        assert copy.exclusions == original.exclusions
        assert copy.dispatches == original.dispatches
        assert copy.routing_as_of() == original.routing_as_of()
    assert_same_figures(originals, copies)


@settings(max_examples=10)
@given(drawn=histories)
def test_an_xlsx_ledger_read_back_gives_the_ledgers_figures(tmp_path_factory, drawn):
    originals = [for_xlsx(issue) for issue in issues_of(drawn)]
    path = tmp_path_factory.mktemp("xlsx") / "台账.xlsx"
    write_ledger_file(originals, path, include_confidential=True)
    assert_same_figures(originals, read_ledger_file(path).issues)


def handed_down(issues):
    """``issues`` with the work of three of them handed down two levels (the
    simulated county does not dispatch): answered up on time, handed back, and
    left open past its deadline; and one dismissed issue linked to an original as
    its duplicate."""
    chosen = [issue for issue in issues if issue.responsible_unit][:3]
    changed = {}
    for n, issue in enumerate(chosen):
        start = issue.received_at.add(hours=1)
        second = Dispatch(
            level=2,
            unit=f"street-{n}",
            from_unit=issue.responsible_unit,
            dispatched_at=start,
            deadline=start.add(days=3),
            answered_at=start.add(days=2 + 2 * n) if n < 2 else None,
            answer="已处理" if n < 2 else "",
        )
        third = Dispatch(
            level=3,
            unit=f"community-{n}",
            from_unit=second.unit,
            dispatched_at=start.add(hours=1),
            deadline=start.add(days=2),
            returned_at=start.add(days=1) if n == 1 else None,
            reason="不属于本社区" if n == 1 else "",
        )
        changed[issue.id] = attrs.evolve(issue, dispatches=(second, third))
    dismissed = next(i for i in issues if i.status is IssueStatus.DISMISSED and i.id not in changed)
    changed[dismissed.id] = attrs.evolve(dismissed, duplicate_of=chosen[0].id)
    return [changed.get(issue.id, issue) for issue in issues]


@pytest.mark.parametrize("kind", ["csv", "xlsx"])
def test_the_simulated_county_ledger_read_back_gives_every_assessment_figure(
    tmp_path, simulated, kind
):
    campaign = simulated(issues=150)
    originals = handed_down(list(campaign.ledger.issues()))
    path = tmp_path / f"ledger.{kind}"
    write_ledger_file(originals, path)  # confidential ones withheld: the figures stay
    copies = read_ledger_file(path).issues
    assert_same_figures(originals, copies)
    at = campaign.end
    counted = figures(copies, at)
    # Not an empty comparison: the county has each kind of record.
    assert counted.first_satisfaction.denominator > 0
    assert counted.visit_satisfaction.denominator > 0
    assert counted.routing.denominator > 0
    assert counted.excluded > 0
    levels = dispatch_figures(copies, at)
    assert levels == dispatch_figures(originals, at)
    # The county hands work down by itself too; the chains added here reach level 3.
    assert list(levels) == [2, 3]
    assert levels[2].dispatched >= 3
    assert (levels[3].dispatched, levels[3].handed_back) == (3, 1)


def rows_of(issues):
    buffer = io.StringIO(newline="")
    write_ledger_csv(issues, buffer, language="en", include_confidential=True)
    return list(csv.reader(io.StringIO(buffer.getvalue(), newline="")))


@pytest.fixture(scope="module")
def county_rows(simulated):
    """The en rows of the county's issues that fill every new column between them."""
    issues = handed_down(list(simulated(issues=150).ledger.issues()))
    rows = rows_of(issues)
    header = rows[0]
    chosen = []
    for key in NEW_KEYS:
        index = header.index(key)
        chosen += [n for n, row in enumerate(rows[1:], 1) if row[index]][:1]
    assert len(chosen) >= 3
    return header, [rows[n] for n in sorted(set(chosen))]


def test_every_new_column_is_filled_somewhere_in_the_county(county_rows):
    header, rows = county_rows
    filled = {key for key in NEW_KEYS if any(row[header.index(key)] for row in rows)}
    assert filled == set(NEW_KEYS)


def test_a_file_written_before_the_new_columns_still_reads_with_the_lists_empty(county_rows):
    header, rows = county_rows
    kept = [index for index, key in enumerate(header) if key not in NEW_KEYS]
    old = [[row[index] for index in kept] for row in [header, *rows]]
    buffer = io.StringIO(newline="")
    csv.writer(buffer).writerows(old)
    copies = read_ledger_csv(io.StringIO(buffer.getvalue(), newline="")).issues
    assert len(copies) == len(rows)
    for copy in copies:
        assert (copy.visits, copy.exclusions, copy.dispatches) == ((), (), ())
        assert (copy.routed, copy.duplicate_of) == (None, None)
        assert len(copy.evaluations) <= 1


def refused(header, row):
    buffer = io.StringIO(newline="")
    csv.writer(buffer).writerows([header, row])
    with pytest.raises(LedgerFileError) as caught:
        read_ledger_csv(io.StringIO(buffer.getvalue(), newline=""))
    return caught.value.problems


def with_cell(header, row, key, value):
    changed = list(row)
    changed[header.index(key)] = value
    return changed


@pytest.mark.parametrize(
    ("key", "value", "reason"),
    [
        ("visits", "[{", "is not JSON"),
        ("visits", "[" * 30_000, "is JSON nested too deeply"),
        ("visits", '{"round": 1}', "must be a JSON array of visit records"),
        ("visits", '[{"round": 1, "due": "soon"}]', "has a bad visit (item 1): Visit.due"),
        ("exclusions", '[{"grounds": "because"}]', "has a bad request for exclusion (item 1)"),
        ("dispatches", "[1]", "has a bad dispatch (item 1)"),
        ("routed_at", "yesterday", "Write YYYY-MM-DD HH:mm:ss"),
        ("first_rating", "great", "is not one of the words allowed here"),
    ],
)
def test_a_bad_cell_is_reported_in_its_row_and_column(county_rows, key, value, reason):
    header, rows = county_rows
    problems = refused(header, with_cell(header, rows[0], key, value))
    assert [(p.row, p.column) for p in problems] == [(2, key)]
    assert reason in problems[0].reason


def test_a_visit_of_a_later_round_than_the_issue_is_reported_in_the_visits_column(county_rows):
    header, rows = county_rows
    row = next(r for r in rows if r[header.index("visits")])
    visits = json.loads(row[header.index("visits")])
    visits[0]["round"] = 99
    problems = refused(header, with_cell(header, row, "visits", json.dumps(visits)))
    assert [(p.column, p.reason) for p in problems] == [
        ("visits", f"is later than the issue's round {row[header.index('round')] or 1}")
    ]


def test_a_partial_routed_transfer_or_a_first_rating_alone_is_reported(county_rows):
    header, rows = county_rows
    row = next(r for r in rows if r[header.index("routing_rule")])
    problems = refused(header, with_cell(header, row, "routed_unit", ""))
    assert [(p.column, p.reason) for p in problems] == [
        ("routed_unit", "must be filled in when routing_rule is")
    ]
    row = next(r for r in rows if r[header.index("first_rating")])
    alone = row
    for key in ("rating", "resolved", "rated_at", "rater_kind", "rater", "rating_round"):
        alone = with_cell(header, alone, key, "")
    alone = with_cell(header, alone, "rating_comment", "")
    problems = refused(header, alone)
    assert [p.column for p in problems] == ["first_rating"]
    assert "without the rating that counts (rating)" in problems[0].reason


def test_a_first_rating_not_before_the_one_that_counts_is_reported(county_rows):
    header, rows = county_rows
    row = next(r for r in rows if r[header.index("first_rating")])
    later = with_cell(header, row, "first_rating_round", "9")
    problems = refused(header, later)
    assert [p.column for p in problems] == ["first_rated_at"]
    assert "is not before the rating that counts" in problems[0].reason


def test_list_cells_hold_text_an_xlsx_cell_can_and_read_back_exactly(tmp_path, simulated):
    issue = next(
        i for i in handed_down(list(simulated(issues=150).ledger.issues())) if i.dispatches
    )
    odd = "x005F_\ufffe\uffff\x01"
    dispatch = attrs.evolve(issue.dispatches[0], requirements=odd)
    issue = attrs.evolve(issue, dispatches=(dispatch, *issue.dispatches[1:]))
    path = tmp_path / "odd.xlsx"
    write_ledger_file([issue], path, include_confidential=True)
    (copy,) = read_ledger_file(path).issues
    assert copy.dispatches == issue.dispatches


def test_the_new_columns_come_in_the_documented_order():
    keys = [column.key for column in COLUMNS]
    assert [key for key in keys if key in NEW_KEYS] == sorted(NEW_KEYS, key=keys.index)
    assert keys.index("duplicate_of") == keys.index("repeat_of") + 1
