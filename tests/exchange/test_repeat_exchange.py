"""A repeat request's earlier issue (Issue.repeat_of, 旧工单编号) survives every
exchange: JSON, the ledger file (CSV and XLSX, Chinese or English headers), the
event CSV and an extended Open311 export; files and feeds written before it, or
without one, read as no repeat."""

import io
from pathlib import Path

import pytest

from banshishi import (
    Issue,
    LedgerStore,
    export_events,
    export_requests,
    import_events,
    import_requests,
    read_ledger_csv,
    read_ledger_file,
    structure,
    unstructure,
    write_ledger_csv,
    write_ledger_file,
)
from cast import CLERK, T0, new_issue

EARLIER = (None, "2026-0001", "旧-17")


def repeating(issue_id: str, earlier: str | None) -> Issue:
    return new_issue(issue_id, repeat_of=earlier, received_by="centre", category="噪音")


@pytest.mark.parametrize("earlier", EARLIER)
def test_the_earlier_issue_round_trips_through_json(earlier) -> None:
    issue = repeating("a", earlier)
    data = unstructure(issue)
    assert data["repeat_of"] == earlier
    assert structure(data, Issue) == issue
    del data["repeat_of"]  # as written before the field
    assert structure(data, Issue).repeat_of is None


@pytest.mark.parametrize("suffix", ["csv", "xlsx"])
@pytest.mark.parametrize("language", ["zh", "en"])
def test_the_earlier_issue_round_trips_through_a_ledger_file(tmp_path: Path, suffix, language):
    issues = [repeating(f"i-{n}", earlier) for n, earlier in enumerate(EARLIER)]
    path = tmp_path / f"ledger.{suffix}"
    assert write_ledger_file(issues, path, language=language) == len(issues)
    assert list(read_ledger_file(path).issues) == issues


def test_a_ledger_file_without_the_column_reads_as_no_repeat() -> None:
    text = io.StringIO()
    write_ledger_csv([repeating("a", "old-1")], text)
    lines = [line.split(",") for line in text.getvalue().splitlines()]
    column = lines[0].index("旧工单编号")
    assert lines[1][column] == "old-1"
    older = "\n".join(",".join(cells[:column] + cells[column + 1 :]) for cells in lines)
    [issue] = read_ledger_csv(io.StringIO(older)).issues
    assert issue.repeat_of is None


def test_a_ledger_file_naming_the_issue_itself_is_reported_in_its_column() -> None:
    text = io.StringIO()
    write_ledger_csv([repeating("a", "old-1")], text)
    bad = text.getvalue().replace("old-1", "a")
    result = read_ledger_csv(io.StringIO(bad), on_bad_rows="skip")
    assert result.issues == ()
    assert [problem.column for problem in result.problems] == ["旧工单编号"]


def test_an_extended_open311_export_carries_the_earlier_issue_and_reads_it_back() -> None:
    issues = [repeating(f"i-{n}", earlier) for n, earlier in enumerate(EARLIER)]
    plain = export_requests(issues, at=T0)
    assert all("repeat_of" not in request for request in plain)
    extended = export_requests(issues, at=T0, extended=True)
    assert [request["repeat_of"] for request in extended] == list(EARLIER)
    assert [i.repeat_of for i in import_requests(extended, urgency="urgent")] == list(EARLIER)
    assert [i.repeat_of for i in import_requests(plain, urgency="urgent")] == [None] * 3


def test_the_receive_event_records_it_only_when_set_and_the_event_csv_keeps_it(
    tmp_path: Path,
) -> None:
    with LedgerStore.open(tmp_path / "a.db", create=True) as store:
        store.receive(repeating("plain", None), actor=CLERK)
        store.receive(repeating("again", "plain"), actor=CLERK)
        assert "repeat_of" not in store.history("plain")[0].data
        assert store.history("again")[0].data["repeat_of"] == "plain"
        text = io.StringIO()
        export_events(store, text)
    with LedgerStore.open(tmp_path / "b.db", create=True) as copy:
        import_events(copy, io.StringIO(text.getvalue()))
        assert copy.issue("again").repeat_of == "plain"
        assert copy.issue("plain").repeat_of is None
