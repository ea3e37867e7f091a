"""Confidential matters (保密件) in every export: over random ledgers with some issues
marked confidential, none is ever in a disclosure list, every export withholds them
unless an unmasked exchange is asked for, an unmasked export round-trips them whole,
and every figure is the same with the flag as without it."""

import io

import attrs
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from banshishi import (
    InvalidTypeError,
    InvalidValueError,
    Issue,
    IssueSummary,
    disclose_issues,
    dump_requests,
    export_requests,
    import_requests,
    issue_figures,
    read_ledger_csv,
    structure,
    unstructure,
    withheld,
    write_ledger_csv,
)
from banshishi.simulation import simulate_campaign

CAMPAIGN = simulate_campaign(issues=40, seed=11)
ISSUES = tuple(CAMPAIGN.ledger.issues())
AT = CAMPAIGN.end

marks = st.lists(st.booleans(), min_size=len(ISSUES), max_size=len(ISSUES))


def marked(flags: list[bool]) -> list[Issue]:
    return [attrs.evolve(i, confidential=f) for i, f in zip(ISSUES, flags, strict=True)]


def secret_ids(issues: list[Issue]) -> set[str]:
    return {issue.id for issue in issues if issue.confidential}


def figures(issues: list[Issue]):
    return issue_figures([IssueSummary.of(i, version=0, as_of=AT) for i in issues], at=AT)


@settings(max_examples=10, deadline=None)
@given(flags=marks, mask=st.booleans())
def test_no_confidential_issue_is_ever_in_a_disclosure_list(flags, mask) -> None:
    issues = marked(flags)
    listed = {line.id for line in disclose_issues(issues, at=AT, mask=mask)}
    everyone = {line.id for line in disclose_issues(list(ISSUES), at=AT, mask=mask)}
    assert listed == everyone - secret_ids(issues)


@settings(max_examples=10, deadline=None)
@given(flags=marks)
def test_figures_are_the_same_with_the_flag_and_through_withheld_exports(flags) -> None:
    issues = marked(flags)
    assert figures(issues) == figures(list(ISSUES))
    buffer = io.StringIO()
    write_ledger_csv(issues, buffer)  # withheld
    read_back = list(read_ledger_csv(io.StringIO(buffer.getvalue())).issues)
    plain = io.StringIO()
    write_ledger_csv(list(ISSUES), plain)
    assert figures(read_back) == figures(
        list(read_ledger_csv(io.StringIO(plain.getvalue())).issues)
    )


def _withheld_request(request: dict, original: dict) -> None:
    assert request["description"] == "保密"
    assert request["address"] is None
    assert request["lat"] is None
    assert request["long"] is None
    assert request["service_notice"] is None
    for key in (
        "service_request_id",
        "status",
        "agency_responsible",
        "requested_datetime",
        "updated_datetime",
        "expected_datetime",
        "address_id",
        "service_code",
    ):
        assert request[key] == original[key], key


@settings(max_examples=10, deadline=None)
@given(flags=marks, extended=st.booleans())
def test_open311_withholds_confidential_issues_unless_asked(flags, extended) -> None:
    issues = marked(flags)
    secret = secret_ids(issues)
    originals = export_requests(list(ISSUES), at=AT, extended=extended)
    masked = export_requests(issues, at=AT, extended=extended)
    whole = export_requests(issues, at=AT, extended=extended, include_confidential=True)
    for request, original, full in zip(masked, originals, whole, strict=True):
        if extended:
            flag = "true" if request["service_request_id"] in secret else "false"
            assert request["confidential"] == full["confidential"] == flag
            original = {**original, "confidential": flag}
        assert full == original
        if request["service_request_id"] in secret:
            _withheld_request(request, original)
        else:
            assert request == original


@settings(max_examples=5, deadline=None)
@given(flags=marks)
def test_an_unmasked_open311_export_reads_back_the_flag(flags) -> None:
    issues = marked(flags)
    requests = export_requests(issues, at=AT, extended=True, include_confidential=True)
    found = import_requests(requests, urgency=ISSUES[0].urgency, division_code_from_address_id=True)
    assert secret_ids(list(found)) == secret_ids(issues)


@settings(max_examples=10, deadline=None)
@given(flags=marks)
def test_the_ledger_file_withholds_confidential_issues_unless_asked(flags) -> None:
    issues = marked(flags)
    secret = secret_ids(issues)
    masked, whole = io.StringIO(), io.StringIO()
    write_ledger_csv(issues, masked)
    write_ledger_csv(issues, whole, include_confidential=True)
    for text in (masked.getvalue(), whole.getvalue()):
        assert secret_ids(list(read_ledger_csv(io.StringIO(text)).issues)) == secret
    shown = {i.id: i for i in read_ledger_csv(io.StringIO(masked.getvalue())).issues}
    kept = {i.id: i for i in read_ledger_csv(io.StringIO(whole.getvalue())).issues}
    for issue in issues:
        if issue.id in secret:
            line = shown[issue.id]
            assert line.title == "保密"
            assert line.description == ""
            assert line.requester is None
            assert line.location is None or line.location.address == ""
            assert [f.content for f in line.feedback] == ["保密"] * len(line.feedback)
            assert line.status is kept[issue.id].status
            assert line.deadline == kept[issue.id].deadline
            assert kept[issue.id].title == issue.title
            assert kept[issue.id].requester == issue.requester
        else:
            assert shown[issue.id] == kept[issue.id]


@settings(max_examples=20)
@given(flag=st.booleans())
def test_the_flag_round_trips_through_json(flag) -> None:
    issue = attrs.evolve(ISSUES[0], confidential=flag)
    data = unstructure(issue)
    assert data["confidential"] is flag
    assert structure(data, Issue) == issue


def test_json_written_before_the_flag_reads_as_not_confidential() -> None:
    data = unstructure(attrs.evolve(ISSUES[0], confidential=True))
    del data["confidential"]
    assert structure(data, Issue).confidential is False


@pytest.mark.parametrize("value", [1, "yes", None])
def test_an_include_confidential_that_is_not_a_bool_is_refused(value) -> None:
    with pytest.raises(InvalidTypeError) as caught:
        export_requests(list(ISSUES), at=AT, include_confidential=value)
    assert caught.value.field == "include_confidential"
    with pytest.raises(InvalidTypeError):
        write_ledger_csv(list(ISSUES), io.StringIO(), include_confidential=value)


def test_the_flag_reads_back_from_an_xml_feed_and_a_bad_one_is_refused() -> None:
    secret = attrs.evolve(ISSUES[0], confidential=True)
    requests = export_requests([secret], at=AT, extended=True, include_confidential=True)
    text = dump_requests(requests, format="xml")
    assert "<confidential>true</confidential>" in text
    [found] = import_requests(text, urgency=secret.urgency, division_code_from_address_id=True)
    assert found.confidential is True
    assert found.title == secret.title
    requests[0]["confidential"] = "perhaps"
    with pytest.raises(InvalidValueError) as caught:
        import_requests(requests, urgency=secret.urgency, division_code_from_address_id=True)
    assert caught.value.field.endswith(".confidential")


def test_withheld_leaves_an_issue_that_is_not_confidential_as_it_is() -> None:
    assert all(withheld(issue) is issue for issue in ISSUES)
    secret = withheld(attrs.evolve(ISSUES[0], confidential=True))
    assert secret.title == "保密"
    assert secret.confidential is True
