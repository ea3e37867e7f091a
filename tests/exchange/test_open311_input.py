"""Open311 GeoReport v2 input: bad requests refused (or skipped) naming the field,
and JSON text and files read safely."""

import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pendulum
import pytest
from hypothesis import given
from hypothesis import strategies as st
from pendulum import DateTime

from banshishi import (
    BanshishiError,
    Channel,
    ChronologyError,
    DuplicateError,
    InconsistentRecordError,
    InvalidTypeError,
    InvalidValueError,
    Issue,
    IssueStatus,
    NaiveDatetimeError,
    UnknownValueError,
    Urgency,
    import_requests,
    withheld,
)
from banshishi._exchange.open311 import (
    EXTENDED_KEYS,
    SPEC_KEYS,
    dump_requests,
    export_requests,
    load_requests,
    read_requests,
    write_requests,
)
from banshishi.simulation import Campaign
from open311_requests import SPEC_SHAPED, T0, make, read
from strategies import json_values


@pytest.fixture(scope="module")
def campaign_issues(simulated: Callable[..., Campaign]) -> list[Issue]:
    campaign = simulated(issues=200, seed=311)
    return [*campaign.ledger.issues()]


@pytest.fixture(scope="module")
def campaign_end(simulated: Callable[..., Campaign]) -> DateTime:
    return simulated(issues=1, seed=311).end


# -- bad requests ------------------------------------------------------------------------

GOOD = SPEC_SHAPED[1]


@pytest.mark.parametrize(
    ("changes", "error", "key", "value"),
    [
        ({"status": "pending"}, UnknownValueError, "status", "pending"),
        ({"status": None}, InvalidValueError, "status", None),
        (
            {"status": "closed", "status_notes": "好", "updated_datetime": None},
            InconsistentRecordError,
            "updated_datetime",
            None,
        ),
        ({"status": "open", "extended_status": "FIXED"}, InconsistentRecordError, "status", "open"),
        (
            {"status": "IN_PROGRESS", "extended_status": "OPEN"},
            InconsistentRecordError,
            "status",
            "IN_PROGRESS",
        ),
        (
            {"extended_status": "OPEN", "external_status_code": "returned"},
            InconsistentRecordError,
            "external_status_code",
            "returned",
        ),
        (
            {"external_status_code": "closed"},
            InconsistentRecordError,
            "external_status_code",
            "closed",
        ),
        ({"extended_status": 7}, UnknownValueError, "extended_status", 7),
        (
            {"requested_datetime": "2026-09-06T06:37:38"},
            NaiveDatetimeError,
            "requested_datetime",
            "2026-09-06T06:37:38",
        ),
        ({"requested_datetime": None}, InvalidValueError, "requested_datetime", None),
        (
            {"updated_datetime": "2026-09-05T06:37:38-08:00"},
            ChronologyError,
            "updated_datetime",
            "2026-09-05T06:37:38-08:00",
        ),
        ({"expected_datetime": "yesterday"}, InvalidValueError, "expected_datetime", "yesterday"),
        ({"lat": "north"}, InvalidValueError, "lat", "north"),
        ({"lat": 91}, InvalidValueError, "lat", 91),
        ({"long": "inf"}, InvalidValueError, "long", "inf"),
        ({"lat": True}, InvalidTypeError, "lat", True),
        ({"long": None}, InconsistentRecordError, "long", None),
        ({"service_request_id": True}, InvalidTypeError, "service_request_id", True),
        ({"service_request_id": " "}, InvalidValueError, "service_request_id", " "),
        ({"service_request_id": None}, InvalidValueError, "service_request_id", None),
        ({"description": 5}, InvalidTypeError, "description", 5),
        ({"agency_responsible": ["a"]}, InvalidTypeError, "agency_responsible", ["a"]),
        ({"zipcode": 1.5}, InvalidTypeError, "zipcode", 1.5),
        ({"media_url": {}}, InvalidTypeError, "media_url", {}),
    ],
)
def test_a_bad_request_is_refused_naming_its_key_and_value_and_nothing_is_returned(
    changes: dict[str, Any], error: type[BanshishiError], key: str, value: object
) -> None:
    good = {**GOOD, "service_request_id": "first"}
    with pytest.raises(error) as raised:
        read([good, {**GOOD, **changes}], division_code="150102")
    assert raised.value.field == f"requests[1].{key}"
    assert raised.value.value == value


def test_a_request_that_is_not_an_object_is_refused_naming_its_position() -> None:
    with pytest.raises(InvalidTypeError) as raised:
        read([GOOD, ["not", "a", "request"]], division_code="150102")
    assert (raised.value.field, raised.value.value) == ("requests[1]", ["not", "a", "request"])


def test_two_requests_with_one_id_are_refused_even_when_one_writes_it_as_a_number() -> None:
    with pytest.raises(DuplicateError) as raised:
        read([GOOD, {**GOOD, "service_request_id": "2026090102"}], division_code="150102")
    assert (raised.value.field, raised.value.value) == (
        "requests[1].service_request_id",
        "2026090102",
    )


@pytest.mark.parametrize(
    ("options", "field"),
    [
        ({"urgency": "very"}, "urgency"),
        ({"channel": 5}, "channel"),
        ({"feedback_method": "pigeon"}, "feedback_method"),
        ({"division_code": "12"}, "division_code"),
        ({"division_code": 150102}, "division_code"),
        ({"division_code_from_address_id": "yes"}, "division_code_from_address_id"),
    ],
)
def test_bad_import_options_are_library_errors_naming_the_option(
    options: dict[str, Any], field: str
) -> None:
    with pytest.raises(BanshishiError) as raised:
        read([GOOD], **{"division_code": "150102", **options})
    assert raised.value.field == field


def test_chinese_labels_and_values_both_name_the_import_options() -> None:
    [issue] = read([GOOD], urgency="盼", channel="hotline", division_code="150102")
    assert (issue.urgency, issue.channel) == (Urgency.LONGED_FOR, Channel.HOTLINE)


@pytest.mark.parametrize(
    "text", ["[", "{}", "[1]", '"x"', "[NaN]", '{"service_requests": 3}', b"[]"]
)
def test_text_that_is_not_a_json_list_of_requests_is_refused_as_a_library_error(
    text: Any,
) -> None:
    with pytest.raises(BanshishiError) as raised:
        read(text)
    assert raised.value.field.startswith("requests")


@given(
    key=st.sampled_from([*SPEC_KEYS, *EXTENDED_KEYS]),
    value=json_values,
)
def test_any_json_value_in_any_key_imports_or_raises_a_library_error(key: str, value: Any) -> None:
    failure: BanshishiError | None = None
    try:
        [issue] = read([{**GOOD, key: value}], division_code="150102")
    except BanshishiError as error:
        failure = error
    else:
        assert isinstance(issue, Issue)
    assert failure is None or failure.field.startswith("requests[0].")


# -- JSON text and files -----------------------------------------------------------------


def test_requests_written_to_a_file_read_back_equal_and_keep_chinese_as_is(
    tmp_path: Path,
) -> None:
    requests = export_requests([make(category="供暖"), make(id="RX-2")], at=T0.add(days=1))
    path = tmp_path / "requests.json"
    write_requests(path, requests)
    assert read_requests(path) == requests == load_requests(dump_requests(requests))
    assert "供暖" in path.read_text(encoding="utf-8")
    assert [p.name for p in tmp_path.iterdir()] == ["requests.json"]


def test_a_write_that_fails_leaves_the_old_file_untouched_and_no_stray_file(
    tmp_path: Path,
) -> None:
    path = tmp_path / "requests.json"
    path.write_text("old", encoding="utf-8")
    with pytest.raises(InvalidValueError) as raised:
        write_requests(path, [{"service_request_id": "1"}, {"lat": {1, 2}}])
    assert raised.value.field == "requests[1]"
    assert path.read_text(encoding="utf-8") == "old"
    with pytest.raises(InvalidValueError):
        write_requests(tmp_path / "no-such-folder" / "r.json", [])
    assert [p.name for p in tmp_path.iterdir()] == ["requests.json"]


def test_reading_a_missing_or_non_utf8_file_gives_library_errors(tmp_path: Path) -> None:
    with pytest.raises(InvalidValueError) as raised:
        read_requests(tmp_path / "missing.json")
    assert raised.value.field == "path"
    (tmp_path / "gbk.json").write_bytes('["供暖"]'.encode("gbk"))
    with pytest.raises(InvalidValueError) as raised:
        read_requests(tmp_path / "gbk.json")
    assert raised.value.value == str(tmp_path / "gbk.json")


def test_dumping_something_that_is_not_a_list_of_mappings_is_refused() -> None:
    for bad, field in (({"a": 1}, "requests"), ([1], "requests[0]")):
        with pytest.raises(InvalidTypeError) as raised:
            dump_requests(bad)  # type: ignore[arg-type]
        assert raised.value.field == field
    assert json.loads(dump_requests([])) == []


@pytest.mark.parametrize(
    ("given", "field"),
    [
        ("[" * 100_000 + "]" * 100_000, "requests"),  # nesting too deep for the parser
        ('[{"service_request_id": ' + "9" * 5000 + "}]", "requests"),  # a number too long
        ([{**SPEC_SHAPED[0], "lat": 10**5000, "long": 1}], "requests[0].lat"),
        ([{**SPEC_SHAPED[0], "service_request_id": 10**30}], "requests[0].service_request_id"),
    ],
    ids=["deep", "long-number", "huge-lat", "huge-id"],
)
def test_pathological_json_is_refused_with_a_library_error(given: object, field: str) -> None:
    with pytest.raises(InvalidValueError) as refused:
        import_requests(given, urgency="urgent", division_code="150125")
    assert refused.value.field == field
    assert len(str(refused.value)) < 2_000


def test_a_time_at_the_very_start_of_the_calendar_is_refused_on_import() -> None:
    request = {**SPEC_SHAPED[0], "requested_datetime": "0001-01-01T00:00:00+14:00"}
    with pytest.raises(InvalidValueError) as refused:
        import_requests([request], urgency="urgent", division_code="150125")
    assert refused.value.field == "requests[0].requested_datetime"


def test_without_a_service_name_the_service_code_is_the_category() -> None:
    request = {**SPEC_SHAPED[0], "service_name": None, "service_code": "006"}
    [issue] = import_requests([request], urgency="urgent", division_code="150125")
    assert issue.category == "006"


def test_a_dismissal_is_explained_and_an_answer_is_the_latest_feedback(
    campaign_issues: list[Issue], campaign_end: DateTime
) -> None:
    requests = export_requests(campaign_issues, at=campaign_end)
    notes = {r["service_request_id"]: r["status_notes"] for r in requests}
    shown = [withheld(issue) for issue in campaign_issues]  # a 保密件's answer is withheld
    answered = [i for i in shown if i.status is IssueStatus.CLOSED and i.feedback]
    assert answered
    for issue in answered:
        latest = max(issue.feedback, key=lambda item: item.at)
        assert notes[issue.id] == latest.content
    dismissed = [i for i in campaign_issues if i.status is IssueStatus.DISMISSED]
    assert dismissed
    assert all(notes[i.id] for i in dismissed)


def test_an_answer_dated_after_the_closing_is_refused() -> None:
    request = {"service_request_id": "1", "status": "closed", "status_notes": "已修复",
               "description": "路灯不亮", "requested_datetime": "2026-06-01T09:00:00+08:00",
               "updated_datetime": "2026-06-03T09:00:00+08:00",
               "closed_datetime": "2026-06-02T09:00:00+08:00",
               "answered_datetime": "2026-06-02T10:00:00+08:00"}  # fmt: skip
    with pytest.raises(ChronologyError) as refused:
        import_requests([request], urgency="urgent")
    assert refused.value.field == "requests[0].answered_datetime"
    request["answered_datetime"] = "2026-06-01T17:00:00+08:00"
    (issue,) = import_requests([request], urgency="urgent")
    assert [item.at for item in issue.feedback] == [
        pendulum.datetime(2026, 6, 1, 17, tz="Asia/Shanghai")
    ]
