"""The ids of issues and pledges (issue 17, item 10).

An id is refused unless it is in normal form (NFKC, no surrounding white
space), so ``RX-1``, ``RX-1 `` and ``ＲＸ－１`` can never be three issues; and
where ids arrive together (a ledger file, a batch of Open311 requests, a ledger
file being written) two that differ only in case are one id given twice.
"""

import functools
import io
import unicodedata

import pendulum
import pytest
from hypothesis import given
from hypothesis import strategies as st

from banshishi import (
    DuplicateError,
    Evaluation,
    InvalidValueError,
    Issue,
    LedgerFileError,
    Pledge,
    PledgeListKind,
    PledgerKind,
    Rating,
    import_requests,
    read_ledger_csv,
    structure,
    write_ledger_csv,
)
from banshishi._core.validators import id_key, normal_id
from cast import new_issue

T0 = pendulum.datetime(2026, 7, 1, 9, tz="Asia/Shanghai")


issue = functools.partial(new_issue, received_at=T0)


@pytest.mark.parametrize(
    ("written", "normal"),
    [
        (" RX-1", "RX-1"),
        ("RX-1\t", "RX-1"),
        ("RX-1\u3000", "RX-1"),  # an ideographic space
        ("ＲＸ－１", "RX-1"),  # full-width letters, hyphen and digit
        ("RX①", "RX1"),
        ("ｒｘ-1", "rx-1"),
    ],
)
def test_an_issue_id_not_in_normal_form_is_refused_saying_what_to_write(written, normal):
    with pytest.raises(InvalidValueError) as refused:
        issue(written)
    assert refused.value.field == "Issue.id"
    assert "normal form" in refused.value.problem
    assert refused.value.hint == f"Write it {normal!r}."


@given(st.text(min_size=1, max_size=12))
def test_an_id_is_taken_exactly_when_it_is_its_own_normal_form(text):
    if not text.strip():
        return
    if normal_id(text) == text:
        assert issue(text).id == text
    else:
        with pytest.raises(InvalidValueError, match="normal form"):
            issue(text)


@given(st.text(min_size=1, max_size=12))
def test_the_normal_form_is_normal(text):
    normal = normal_id(text)
    assert normal == normal.strip()
    assert unicodedata.is_normalized("NFKC", normal) or normal != normal_id(normal)
    assert id_key(text) == id_key(normal)


def test_references_to_issues_and_pledges_must_be_in_normal_form_too():
    with pytest.raises(InvalidValueError) as refused:
        Evaluation(issue_id="RX-1 ", rating=Rating.SATISFIED, resolved=True, at=T0)
    assert refused.value.field == "Evaluation.issue_id"
    pledge = {"title": "修路", "pledger": "p-1", "pledger_kind": PledgerKind.LEADER,
              "list_kind": PledgeListKind.LIVELIHOOD_PLAN, "claimed_at": T0}  # fmt: skip
    for field, value in (("id", "ＫＰ-1"), ("issue", " RX-1"), ("parent", "KP-0 ")):
        with pytest.raises(InvalidValueError) as refused:
            Pledge(**{"id": "KP-1", **pledge, field: value})
        assert refused.value.field == f"Pledge.{field}"


def test_structure_refuses_an_id_not_in_normal_form():
    from banshishi import unstructure

    data = unstructure(issue("RX-1"))
    data["id"] = "ＲＸ-1"
    with pytest.raises(InvalidValueError) as refused:
        structure(data, Issue)
    assert refused.value.field == "Issue.id"


def ledger_text(*ids: str) -> str:
    buffer = io.StringIO(newline="")
    write_ledger_csv([issue(f"TEMPLATE-{n}") for n in range(len(ids))], buffer)
    text = buffer.getvalue()
    for n, written in enumerate(ids):
        text = text.replace(f"TEMPLATE-{n},", f"{written},", 1)
    return text


@pytest.mark.parametrize("later", ["rx-1", "Rx-1"])
def test_a_ledger_file_repeating_an_id_in_another_case_reports_the_repeat(later):
    with pytest.raises(LedgerFileError) as refused:
        read_ledger_csv(io.StringIO(ledger_text("RX-1", later), newline=""))
    (problem,) = refused.value.problems
    assert (problem.row, problem.column, problem.value) == (3, "编号", later)
    assert problem.reason == "repeats the id of row 2"


@pytest.mark.parametrize("later", [" RX-1", "ＲＸ-1", "RX-1\u3000"])
def test_a_ledger_file_id_not_in_normal_form_is_a_problem_and_a_repeat(later):
    with pytest.raises(LedgerFileError) as refused:
        read_ledger_csv(io.StringIO(ledger_text("RX-1", later), newline=""))
    reasons = [problem.reason for problem in refused.value.problems]
    assert reasons[0] == "repeats the id of row 2"
    assert any("normal form" in reason for reason in reasons[1:])


def test_writing_a_ledger_with_ids_differing_only_in_case_is_refused():
    with pytest.raises(DuplicateError) as refused:
        write_ledger_csv([issue("RX-1"), issue("rx-1")], io.StringIO())
    assert refused.value.field == "issues[1].id"


def test_open311_requests_whose_ids_differ_only_in_case_are_one_id_twice():
    request = {"status": "open", "description": "路灯不亮",
               "requested_datetime": "2026-09-01T10:15:00+08:00"}  # fmt: skip
    with pytest.raises(DuplicateError) as refused:
        import_requests(
            [{**request, "service_request_id": "SR-1"}, {**request, "service_request_id": "sr-1"}],
            urgency="urgent",
        )
    assert refused.value.field == "requests[1].service_request_id"


def test_open311_ids_not_in_normal_form_are_refused_naming_the_request_key():
    request = {"service_request_id": "ＳＲ-1", "status": "open", "description": "路灯不亮",
               "requested_datetime": "2026-09-01T10:15:00+08:00"}  # fmt: skip
    with pytest.raises(InvalidValueError) as refused:
        import_requests([request], urgency="urgent")
    assert refused.value.field == "requests[0].service_request_id"
