"""An issue's request type (诉求类型) survives every exchange: JSON, the ledger file
(CSV and XLSX, Chinese or English headers) and an extended Open311 export; files and
feeds written before types, or without one, read as not classified."""

import io
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from banshishi import (
    InvalidValueError,
    Issue,
    RequestType,
    export_requests,
    import_requests,
    read_ledger_csv,
    read_ledger_file,
    structure,
    unstructure,
    write_ledger_csv,
    write_ledger_file,
)
from cast import T0, new_issue

KINDS = (None, *RequestType)


def typed(issue_id: str, kind: RequestType | None) -> Issue:
    return new_issue(issue_id, request_type=kind, received_by="centre", category="市政设施")


@settings(max_examples=30)
@given(kind=st.sampled_from(KINDS))
def test_the_request_type_round_trips_through_json(kind):
    issue = typed("a", kind)
    data = unstructure(issue)
    assert data["request_type"] == (None if kind is None else kind.value)
    assert structure(data, Issue) == issue


def test_json_written_before_types_reads_as_not_classified() -> None:
    data = unstructure(typed("a", RequestType.HELP))
    del data["request_type"]
    assert structure(data, Issue).request_type is None


def test_a_word_that_is_no_request_type_is_refused_naming_the_field() -> None:
    data = unstructure(typed("a", None))
    data["request_type"] = "gossip"
    with pytest.raises(InvalidValueError) as caught:
        structure(data, Issue)
    assert "request_type" in caught.value.field


@pytest.mark.parametrize("suffix", ["csv", "xlsx"])
@pytest.mark.parametrize("language", ["zh", "en"])
def test_every_request_type_round_trips_through_a_ledger_file(tmp_path: Path, suffix, language):
    issues = [typed(f"i-{n}", kind) for n, kind in enumerate(KINDS)]
    path = tmp_path / f"ledger.{suffix}"
    assert write_ledger_file(issues, path, language=language) == len(issues)
    read = read_ledger_file(path)
    assert [issue.request_type for issue in read.issues] == list(KINDS)
    assert list(read.issues) == issues


def test_a_ledger_file_names_the_type_by_its_chinese_label_and_reads_either_word() -> None:
    text = io.StringIO()
    write_ledger_csv([typed("a", RequestType.COMPLAINT)], text)
    header, row = text.getvalue().splitlines()[:2]
    assert "诉求类型" in header.split(",")
    assert "投诉" in row.split(",")
    english = text.getvalue().replace("投诉", "complaint")
    [issue] = read_ledger_csv(io.StringIO(english)).issues
    assert issue.request_type is RequestType.COMPLAINT


def test_a_ledger_file_without_the_column_reads_as_not_classified() -> None:
    text = io.StringIO()
    write_ledger_csv([typed("a", RequestType.HELP)], text)
    lines = [line.split(",") for line in text.getvalue().splitlines()]
    column = lines[0].index("诉求类型")
    older = "\n".join(",".join(cells[:column] + cells[column + 1 :]) for cells in lines)
    [issue] = read_ledger_csv(io.StringIO(older)).issues
    assert issue.request_type is None


def test_a_bad_type_in_a_ledger_file_is_reported_in_its_column() -> None:
    text = io.StringIO()
    write_ledger_csv([typed("a", RequestType.HELP)], text)
    bad = text.getvalue().replace("求助", "闲聊")
    result = read_ledger_csv(io.StringIO(bad), on_bad_rows="skip")
    assert result.issues == ()
    assert [problem.column for problem in result.problems] == ["诉求类型"]


def test_an_extended_open311_export_carries_the_type_and_reads_it_back() -> None:
    issues = [typed(f"i-{n}", kind) for n, kind in enumerate(KINDS)]
    plain = export_requests(issues, at=T0)
    assert all("request_type" not in request for request in plain)
    extended = export_requests(issues, at=T0, extended=True)
    assert [request["request_type"] for request in extended] == [
        None if kind is None else kind.value for kind in KINDS
    ]
    back = import_requests(extended, urgency="urgent")
    assert [issue.request_type for issue in back] == list(KINDS)
    assert [issue.request_type for issue in import_requests(plain, urgency="urgent")] == [
        None
    ] * len(KINDS)


def test_an_open311_request_type_that_is_none_of_ours_is_refused_naming_the_key() -> None:
    [request] = export_requests([typed("a", None)], at=T0, extended=True)
    request["request_type"] = "gossip"
    with pytest.raises(InvalidValueError) as caught:
        import_requests([request], urgency="urgent")
    assert caught.value.field == "requests[0].request_type"
