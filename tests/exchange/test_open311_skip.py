"""Importing a feed with bad requests (``on_bad="skip"``) and closed requests
without notes (handled, not answered, unless a default answer is given)."""

from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from banshishi import (
    BanshishiError,
    DuplicateError,
    InvalidValueError,
    IssueStatus,
    Open311Import,
    RequestProblem,
    import_requests,
)

GOOD = {
    "service_request_id": "SR-1",
    "status": "open",
    "service_name": "路灯",
    "requested_datetime": "2026-09-01T10:15:00+08:00",
    "updated_datetime": "2026-09-02T10:15:00+08:00",
}
CLOSED = {**GOOD, "status": "closed"}

# Ways to spoil a request, each with the key the problem is reported in.
SPOILERS: dict[str, tuple[str, Any]] = {
    "status": ("status", "pending"),
    "time": ("requested_datetime", "yesterday"),
    "id": ("service_request_id", None),
    "place": ("lat", 91),
}


def skip(requests: Any, **options: Any) -> Open311Import:
    return import_requests(requests, urgency="urgent", on_bad="skip", **options)


def test_skipping_returns_the_good_issues_beside_each_bad_requests_problem() -> None:
    bad = {**GOOD, "service_request_id": "SR-2", "status": "pending"}
    found = skip([GOOD, bad, {**GOOD, "service_request_id": "SR-3"}, "not a request"])
    assert [issue.id for issue in found.issues] == ["SR-1", "SR-3"]
    assert found.indexes == (0, 2)
    assert found.problems[0] == RequestProblem(
        index=1,
        id="SR-2",
        field="status",
        value="pending",
        reason=found.problems[0].reason,
    )
    assert "is not an Open311 status" in found.problems[0].reason
    assert (found.problems[1].index, found.problems[1].id, found.problems[1].field) == (3, None, "")
    assert str(found.problems[0]).startswith("requests[1] (SR-2).status ('pending'): ")


def test_by_default_one_bad_request_still_refuses_the_feed() -> None:
    with pytest.raises(BanshishiError) as refused:
        import_requests([GOOD, {**GOOD, "status": "pending"}], urgency="urgent")
    assert refused.value.field == "requests[1].status"


def test_a_repeated_id_is_a_problem_of_the_later_request_only() -> None:
    later = {**GOOD, "service_request_id": "sr-1", "service_name": "井盖"}
    found = skip([GOOD, later])
    assert [issue.category for issue in found.issues] == ["路灯"]
    [problem] = found.problems
    assert (problem.index, problem.id, problem.field) == (1, "sr-1", "service_request_id")
    assert problem.reason == "is also the id of requests[0]"
    with pytest.raises(DuplicateError):
        import_requests([GOOD, later], urgency="urgent")


def test_a_bad_request_that_repeats_an_id_has_both_problems() -> None:
    found = skip([GOOD, {**GOOD, "status": "pending"}])
    assert [problem.field for problem in found.problems] == ["status", "service_request_id"]
    assert {problem.index for problem in found.problems} == {1}


@given(
    spoiled=st.lists(st.sampled_from([None, *SPOILERS]), min_size=1, max_size=8),
    repeat=st.booleans(),
)
def test_every_request_is_imported_or_listed_and_the_good_ones_import_as_alone(
    spoiled: list[str | None], repeat: bool
) -> None:
    feed = []
    for index, spoiler in enumerate(spoiled):
        request: dict[str, Any] = {**GOOD, "service_request_id": f"SR-{index}"}
        if repeat and index > 0:
            request["service_request_id"] = "SR-0"
        if spoiler is not None:
            key, value = SPOILERS[spoiler]
            request[key] = value
        feed.append(request)
    found = skip(feed, division_code="150102")
    listed = {problem.index for problem in found.problems}
    assert listed.isdisjoint(found.indexes)
    assert sorted([*listed, *found.indexes]) == list(range(len(feed)))
    good = [feed[index] for index in found.indexes]
    assert import_requests(good, urgency="urgent", division_code="150102") == list(found.issues)
    for problem in found.problems:  # each problem names the key that was spoiled, or the id
        spoiler = spoiled[problem.index]
        expected = {"service_request_id"} | ({SPOILERS[spoiler][0]} if spoiler else set())
        assert problem.field in expected


@pytest.mark.parametrize(
    ("changes", "status"),
    [
        ({}, "closed"),
        ({"status_notes": "  "}, "closed"),
        ({"status_notes": ""}, "closed"),
        ({"extended_status": "FIXED", "closed_datetime": "2026-09-02T09:00:00+08:00"}, "closed"),
        (
            {
                "status": "open",
                "extended_status": "IN_PROGRESS",
                "external_status_code": "answered",
            },
            "answered",
        ),
        ({"updated_datetime": None}, "closed"),
    ],
)
def test_a_closed_or_answered_request_without_notes_is_handled_but_not_answered(
    changes: dict[str, Any], status: str
) -> None:
    found = skip([{**CLOSED, **changes}])
    [issue] = found.issues
    assert issue.status is IssueStatus.RESOLVED
    assert (issue.feedback, issue.closed_at) == ((), None)
    [note] = found.notes
    assert (note.index, note.id, note.field) == (0, "SR-1", "status_notes")
    assert f"request marked {status}" in note.reason
    assert "已办理" in note.reason
    assert found.problems == ()
    assert import_requests([{**CLOSED, **changes}], urgency="urgent") == [issue]


def test_a_default_answer_closes_such_a_request_with_that_text_and_says_so() -> None:
    found = skip(
        [CLOSED, {**CLOSED, "service_request_id": "SR-2", "status_notes": "已修复"}],
        default_answer="已处理完毕",
    )
    assert [issue.status for issue in found.issues] == [IssueStatus.CLOSED] * 2
    assert [issue.feedback[0].content for issue in found.issues] == ["已处理完毕", "已修复"]
    assert found.issues[0].closed_at == found.issues[0].feedback[0].at
    [note] = found.notes  # only the request that had no notes of its own
    assert (note.index, note.field) == (0, "status_notes")
    assert "default answer" in note.reason


def test_a_default_answer_still_needs_the_time_of_the_answer() -> None:
    with pytest.raises(BanshishiError) as refused:
        import_requests(
            [{**CLOSED, "updated_datetime": None}], urgency="urgent", default_answer="好"
        )
    assert refused.value.field == "requests[0].updated_datetime"


def test_notes_with_no_time_are_still_refused_rather_than_timed_by_guess() -> None:
    request = {**CLOSED, "status_notes": "已修复", "updated_datetime": None}
    [problem] = skip([request]).problems
    assert problem.field == "updated_datetime"


@pytest.mark.parametrize(
    ("options", "field"),
    [
        ({"on_bad": "ignore"}, "on_bad"),
        ({"default_answer": " "}, "default_answer"),
        ({"default_answer": 5}, "default_answer"),
    ],
)
def test_bad_options_are_refused_naming_them(options: dict[str, Any], field: str) -> None:
    with pytest.raises(InvalidValueError) as refused:
        import_requests([GOOD], urgency="urgent", **options)
    assert refused.value.field == field
