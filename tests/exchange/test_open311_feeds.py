"""Real GeoReport v2 feeds published by cities (tests/data/open311, sources in
tests/data/README.md): for each file, how many requests import, which do not and
why, and that what was imported comes back unchanged through an export, in JSON
and in XML.
"""

import json
from collections import Counter
from typing import Any

import pendulum
import pytest
from jsonschema import Draft7Validator
from referencing import Registry, Resource
from referencing.jsonschema import DRAFT7

import paths
from banshishi import (
    BanshishiError,
    DuplicateError,
    Issue,
    IssueStatus,
    Open311Import,
    dump_requests,
    export_requests,
    import_requests,
    read_requests,
)

DATA = paths.DATA / "open311"
SCHEMAS = DATA / "schema-georeport-v2"
DIVISION = "150102"
EXPORTED_AT = pendulum.datetime(2030, 1, 1, tz="Asia/Shanghai")
"""After every request of every feed."""

REQUIRED_ID = "is required"


def feed(name: str, **options: Any) -> Open311Import:
    options.setdefault("division_code", DIVISION)
    return import_requests(read_requests(DATA / name), urgency="urgent", on_bad="skip", **options)


# For each request feed: the requests it holds, the statuses imported (by count),
# the problems (field and reason, by count) and the notes (field, by count).
FEEDS: dict[str, tuple[int, dict[str, int], dict[tuple[str, str], int], dict[str, int]]] = {
    # Two different requests share A-173374: the later one is the problem.
    "koeln_sags-uns_requests.json": (
        50,
        {"received": 49},
        {("service_request_id", "is also the id of requests[13]"): 1},
        {},
    ),
    # 96 closed without status_notes (the dialect writes status_note): handled, unanswered.
    "koeln_sags-uns_requests_2024dialect.json": (
        100,
        {"resolved": 96, "received": 4},
        {},
        {"status_notes": 96},
    ),
    "chicago_service_requests.json": (2, {"received": 2}, {}, {}),
    "sanfrancisco_extended_request_example.json": (1, {"received": 1}, {}, {}),
    "toronto_requests.xml": (2, {"received": 2}, {}, {}),
    # Lists of services and servers, not requests: every entry lacks an id.
    "spec_example_services.json": (3, {}, {("service_request_id", REQUIRED_ID): 3}, {}),
    "r311_endpoints.json": (69, {}, {("service_request_id", REQUIRED_ID): 69}, {}),
    "open311_wiki_servers.json": (31, {}, {("service_request_id", REQUIRED_ID): 31}, {}),
}

# Files that are not a list of requests at all: refused whole, saying why.
NOT_FEEDS = {
    "giessen_services.xml": "the root element is 'services', not 'service_requests'",
    **{
        f"schema-georeport-v2/{name}": "must be a JSON array of service requests"
        for name in ("request.json", "service.json", "service-definition.json")
    },
    # The array schemas are JSON objects too.
    "schema-georeport-v2/requests.json": "must be a JSON array of service requests",
    "schema-georeport-v2/services.json": "must be a JSON array of service requests",
}


def test_every_file_in_the_data_folder_is_checked() -> None:
    files = {str(path.relative_to(DATA)) for path in DATA.rglob("*") if path.is_file()}
    assert files == set(FEEDS) | set(NOT_FEEDS)


@pytest.mark.parametrize("name", sorted(FEEDS))
def test_each_feed_imports_its_good_requests_and_lists_every_other_with_the_reason(
    name: str,
) -> None:
    total, statuses, problems, notes = FEEDS[name]
    found = feed(name)
    assert len(read_requests(DATA / name)) == total
    assert Counter(issue.status.value for issue in found.issues) == Counter(statuses)
    assert Counter((p.field, p.reason) for p in found.problems) == Counter(problems)
    assert Counter(note.field for note in found.notes) == Counter(notes)
    # Every request is imported or listed, never both, none dropped.
    listed = {problem.index for problem in found.problems}
    assert listed.isdisjoint(found.indexes)
    assert sorted([*found.indexes, *listed]) == list(range(total))
    assert [issue.id for issue in found.issues] == [
        str(request["service_request_id"])
        for index, request in enumerate(read_requests(DATA / name))
        if index in found.indexes
    ]


@pytest.mark.parametrize("name", sorted(NOT_FEEDS))
def test_a_file_that_is_not_a_list_of_requests_is_refused_saying_why(name: str) -> None:
    with pytest.raises(BanshishiError) as refused:
        read_requests(DATA / name)
    assert NOT_FEEDS[name] in str(refused.value)


@pytest.mark.parametrize("name", [name for name in sorted(FEEDS) if FEEDS[name][1]])
@pytest.mark.parametrize("form", ["json", "xml"])
def test_what_a_feed_imported_comes_back_unchanged_through_an_export(name: str, form: str) -> None:
    issues = feed(name).issues
    text = dump_requests(export_requests(issues, at=EXPORTED_AT, extended=True), format=form)
    back = import_requests(text, urgency="urgent", division_code_from_address_id=True)
    assert tuple(back) == issues


def test_kolns_repeated_id_belongs_to_two_different_requests_and_refuses_the_feed_by_default() -> (
    None
):
    requests = read_requests(DATA / "koeln_sags-uns_requests.json")
    assert requests[13]["service_request_id"] == requests[14]["service_request_id"] == "A-173374"
    assert requests[13]["description"] != requests[14]["description"]
    with pytest.raises(DuplicateError) as refused:
        import_requests(requests, urgency="urgent", division_code=DIVISION)
    assert (refused.value.field, refused.value.value) == (
        "requests[14].service_request_id",
        "A-173374",
    )
    [problem] = feed("koeln_sags-uns_requests.json").problems
    assert (problem.index, problem.id, problem.value) == (14, "A-173374", "A-173374")
    assert "A-173374" in [issue.id for issue in feed("koeln_sags-uns_requests.json").issues]


def test_kolns_closed_requests_without_notes_are_handled_but_unanswered() -> None:
    found = feed("koeln_sags-uns_requests_2024dialect.json")
    resolved = [issue for issue in found.issues if issue.status is IssueStatus.RESOLVED]
    assert len(resolved) == 96
    assert all(issue.feedback == () and issue.closed_at is None for issue in resolved)
    requests = read_requests(DATA / "koeln_sags-uns_requests_2024dialect.json")
    assert {requests[note.index]["status"] for note in found.notes} == {"closed"}
    assert all(IssueStatus.RESOLVED.label in note.reason for note in found.notes)


def test_with_a_default_answer_kolns_closed_requests_are_closed_with_that_answer() -> None:
    answer = "Das Anliegen wurde bearbeitet."
    found = feed("koeln_sags-uns_requests_2024dialect.json", default_answer=answer)
    closed = [issue for issue in found.issues if issue.status is IssueStatus.CLOSED]
    assert len(closed) == 96
    assert len(found.notes) == 96
    assert {(f.content, f.at == issue.closed_at) for issue in closed for f in issue.feedback} == {
        (answer, True)
    }
    text = dump_requests(export_requests(found.issues, at=EXPORTED_AT, extended=True))
    back = import_requests(text, urgency="urgent", division_code_from_address_id=True)
    assert tuple(back) == found.issues


def _validator() -> Draft7Validator:
    schemas = {name: json.loads((SCHEMAS / name).read_text()) for name in ("request.json",)}
    registry: Registry[Any] = Registry().with_resources(
        (name, Resource.from_contents(schema, default_specification=DRAFT7))
        for name, schema in schemas.items()
    )
    return Draft7Validator(json.loads((SCHEMAS / "requests.json").read_text()), registry=registry)


@pytest.mark.parametrize("name", [name for name in sorted(FEEDS) if FEEDS[name][1]])
def test_the_export_of_each_feed_is_valid_under_the_specs_json_schema(name: str) -> None:
    issues: tuple[Issue, ...] = feed(name).issues
    errors = list(_validator().iter_errors(export_requests(issues, at=EXPORTED_AT)))
    assert errors == []
