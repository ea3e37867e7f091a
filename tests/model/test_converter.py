"""The JSON converter: exact round trips, zones kept, and bad input named by path."""

import datetime as dt
import json
from collections.abc import Mapping
from fractions import Fraction
from typing import Any

import attrs
import pendulum
import pytest
from hypothesis import example, given
from hypothesis import strategies as st
from pendulum import DateTime

import banshishi as b
import strategies as s
from banshishi import BanshishiError, InvalidTypeError, Issue, structure, unstructure

MODELS = [
    (s.issues(), Issue),
    (s.people, b.Person),
    (s.locations, b.Location),
    (s.units, b.Unit),
    (s.feedback(), b.Feedback),
    (s.evaluations(), b.Evaluation),
    (s.pledges(), b.Pledge),
    (s.events(), b.Event),
    (s.rates, b.Rate),
]
MODEL_IDS = [kind.__name__ for _, kind in MODELS]
JSON_TYPES = (dict, list, str, int, float, bool, type(None))
RECEIVED = "2026-02-14T09:30:00+08:00[Asia/Shanghai]"


def through_json(model: object) -> Any:
    return json.loads(json.dumps(unstructure(model)))


def assert_plain_json(data: object) -> None:
    assert type(data) in JSON_TYPES, f"{type(data).__name__} is not a plain JSON type"
    if isinstance(data, dict):
        assert all(type(key) is str for key in data)
        data = list(data.values())
    for value in data if isinstance(data, list) else ():
        assert_plain_json(value)


def instants(value: object, path: str = "") -> list[tuple[str, DateTime]]:
    """Every DateTime inside a model, with where it sits."""
    if isinstance(value, DateTime):
        return [(path, value)]
    if attrs.has(type(value)):
        fields = attrs.fields(type(value))
        return [x for f in fields for x in instants(getattr(value, f.name), f"{path}.{f.name}")]
    if isinstance(value, tuple):
        return [x for i, v in enumerate(value) for x in instants(v, f"{path}[{i}]")]
    return []


def an_issue(**changes: Any) -> dict[str, Any]:
    required = {"id": "i-1", "title": "路灯不亮", "channel": "hotline", "urgency": "urgent"}
    return {**required, "received_at": RECEIVED, **changes}


def evaluation_json(**changes: Any) -> dict[str, Any]:
    at = "2026-02-15T10:00:00+08:00[Asia/Shanghai]"
    return {"issue_id": "i-1", "rating": "satisfied", "resolved": True, "at": at, **changes}


def raised_by(data: object, model: type = Issue) -> BanshishiError:
    with pytest.raises(BanshishiError) as caught:
        structure(data, model)
    return caught.value


@pytest.mark.parametrize(("models", "kind"), MODELS, ids=MODEL_IDS)
@given(data=st.data())
def test_every_model_goes_through_plain_json_and_back_with_its_zones(models, kind, data):
    original = data.draw(models)
    assert_plain_json(unstructure(original))
    restored = structure(through_json(original), kind)
    assert type(restored) is kind
    assert restored == original
    before, after = instants(original), instants(restored)
    assert [path for path, _ in after] == [path for path, _ in before]
    for (path, old), (_, new) in zip(before, after, strict=True):
        assert new.timezone_name == old.timezone_name, path
        assert new.utcoffset() == old.utcoffset(), path
        assert new == old, path


def test_the_minimal_issue_json_takes_its_defaults():
    issue = structure(an_issue(), Issue)
    assert issue.track is b.Track.IMMEDIATE
    assert issue.received_at.timezone_name == "Asia/Shanghai"
    assert unstructure(issue) == {**unstructure(issue), **an_issue()}


@given(event=s.events())
def test_event_data_comes_back_frozen_and_equal(event):
    restored = structure(through_json(event), b.Event)
    assert restored.data == event.data
    assert isinstance(restored.data, Mapping)
    assert not isinstance(restored.data, dict)
    with pytest.raises(TypeError):
        restored.data["new"] = 1  # type: ignore[index]


@given(issue=s.issues())
def test_vocabulary_values_come_out_as_plain_text_and_sets_as_sorted_lists(issue):
    unstructured = unstructure(issue)
    for name in ("channel", "urgency", "track", "status"):
        assert type(unstructured[name]) is str
        assert unstructured[name] == getattr(issue, name).value
    for evaluation, original in zip(unstructured["evaluations"], issue.evaluations, strict=True):
        assert type(evaluation["rating"]) is str
        assert evaluation["rating"] == original.rating.value
    groups = unstructured["target_groups"]
    assert type(groups) is list
    assert groups == sorted(group.value for group in issue.target_groups)
    assert all(type(group) is str for group in groups)


@given(pledge=s.pledges())
def test_a_pledges_progress_is_computed_so_its_json_does_not_store_it(pledge):
    data = unstructure(pledge)
    assert "progress" not in data
    rebuilt = structure(data, type(pledge))
    assert rebuilt == pledge
    assert rebuilt.progress == pledge.progress


@given(value=st.fractions(min_value=0, max_value=1))
def test_fractions_come_out_as_exact_text(value):
    text = unstructure(value)
    assert type(text) is str
    n, d = value.numerator, value.denominator
    assert text == (f"{n}/{d}" if d != 1 else str(n))
    assert Fraction(text) == value


@given(moment=s.fixed_offset_moments())
@example(moment=pendulum.datetime(2026, 1, 1, tz="UTC").in_timezone(pendulum.FixedTimezone(0)))
def test_a_fixed_offset_round_trips_without_an_invented_zone_name(moment):
    sent = b.Feedback(at=moment, content="已电话回复", method=b.FeedbackMethod.PHONE)
    assert "[" not in through_json(sent)["at"]
    restored = structure(through_json(sent), b.Feedback)
    assert restored.at == moment
    assert restored.at.utcoffset() == moment.utcoffset()
    assert isinstance(restored.at.tzinfo, pendulum.FixedTimezone)
    assert restored.at.timezone_name == moment.timezone_name


RATED = evaluation_json(rating="excellent")
NAIVE = dt.datetime(2026, 2, 14, 9, 30)
CLASH = "2026-01-01T00:00:00+05:00[Asia/Shanghai]"
EARLY = "2026-02-13T09:30:00+08:00"
PHONE = {"id": "p", "name": "李明", "mobile": "12345"}
POINT = {"division_code": "150102", "latitude": "40.8"}


@pytest.mark.parametrize(
    ("key", "sent", "error", "field", "bad"),
    [
        ("channel", "fax", b.UnknownValueError, "channel", "fax"),
        ("received_at", NAIVE.isoformat(), b.NaiveDatetimeError, "received_at", NAIVE.isoformat()),
        ("received_at", CLASH, b.InvalidValueError, "received_at", CLASH),
        ("deadline", EARLY, b.ChronologyError, "deadline", pendulum.parse(EARLY)),
        ("title", "", b.InvalidValueError, "title", ""),
        ("title", 5, InvalidTypeError, "title", 5),
        ("requester", PHONE, b.InvalidValueError, "requester.mobile", "12345"),
        ("location", POINT, InvalidTypeError, "location.latitude", "40.8"),
        ("co_units", ["u-1", 7], InvalidTypeError, "co_units[1]", 7),
        ("target_groups", ["elderly", "x"], b.UnknownValueError, "target_groups[1]", "x"),
        ("evaluations", [RATED], b.UnknownValueError, "evaluations[0].rating", "excellent"),
    ],
)
def test_bad_values_raise_a_library_error_naming_their_path(key, sent, error, field, bad):
    caught = raised_by(an_issue(**{key: sent}))
    assert type(caught) is error
    assert caught.field == f"Issue.{field}"
    assert caught.value == bad
    assert caught.field in str(caught)


STRICT = [("rating", 5), ("resolved", "false"), ("resolved", 0), ("round", "5"), ("round", True)]


@pytest.mark.parametrize(("key", "sent"), [*STRICT, ("comment", 5), ("at", 1_771_000_000)])
def test_nested_primitives_are_strict_and_named_by_index(key, sent):
    caught = raised_by(an_issue(evaluations=[evaluation_json(**{key: sent})]))
    assert type(caught) is InvalidTypeError
    assert caught.field == f"Issue.evaluations[0].{key}"
    assert caught.value == sent
    assert type(caught.value) is type(sent)


@pytest.mark.parametrize(
    ("data", "field", "extra"),
    [
        (an_issue(priority="high"), "Issue", ["priority"]),
        (an_issue(evaluations=[evaluation_json(stars=5)]), "Issue.evaluations[0]", ["stars"]),
    ],
)
def test_an_unknown_key_is_refused_with_its_path(data, field, extra):
    caught = raised_by(data)
    assert type(caught) is b.InvalidValueError
    assert caught.field == field
    assert caught.value == extra


@pytest.mark.parametrize("key", ["id", "title", "channel", "urgency", "received_at"])
def test_a_missing_required_key_is_named(key):
    data = an_issue()
    del data[key]
    caught = raised_by(data)
    assert type(caught) is b.InvalidValueError
    assert caught.field == f"Issue.{key}"
    assert "missing" in str(caught)


@pytest.mark.parametrize(
    ("key", "sent", "field", "bad"),
    [
        ("co_units", "abc", "co_units", "abc"),
        ("co_units", {"u-1": "u-2"}, "co_units", {"u-1": "u-2"}),
        ("target_groups", "", "target_groups", ""),
        ("feedback", "", "feedback", ""),
        ("requester", "李明", "requester", "李明"),
        ("feedback", ["已回复"], "feedback[0]", "已回复"),
    ],
)
def test_a_value_of_the_wrong_shape_is_a_type_error_not_iterated(key, sent, field, bad):
    caught = raised_by(an_issue(**{key: sent}))
    assert type(caught) is InvalidTypeError
    assert caught.field == f"Issue.{field}"
    assert caught.value == bad


@pytest.mark.parametrize("data", [[], "{}", None, 5, ("id", "x")])
def test_data_that_is_not_an_object_is_refused(data):
    caught = raised_by(data)
    assert type(caught) is InvalidTypeError
    assert caught.value is data


@pytest.mark.parametrize("model", [dict, int, "Issue", None, b.Channel])
def test_only_model_classes_can_be_structured(model):
    caught = raised_by(an_issue(), model)
    assert type(caught) is InvalidTypeError
    assert caught.field == "model"
    assert caught.value is model


def json_paths(data: object, prefix: tuple[Any, ...] = ()) -> list[tuple[Any, ...]]:
    if isinstance(data, dict):
        items: Any = data.items()
    elif isinstance(data, list):
        items = enumerate(data)
    else:
        return []
    return [p for k, v in items for p in [(*prefix, k), *json_paths(v, (*prefix, k))]]


@given(issue=s.issues(), data=st.data())
def test_one_random_bad_value_never_escapes_as_anything_but_a_library_error(issue, data):
    unstructured = through_json(issue)
    *steps, last = data.draw(st.sampled_from(json_paths(unstructured)))
    target = unstructured
    for step in steps:
        target = target[step]
    target[last] = data.draw(s.json_values)
    outcome: object
    try:
        outcome = structure(unstructured, Issue)
    except BanshishiError as error:
        outcome = error
    if isinstance(outcome, BanshishiError):
        assert outcome.field.startswith("Issue")
    else:
        assert type(outcome) is Issue


def test_make_converter_returns_an_independent_converter():
    first, second = b.make_converter(), b.make_converter()
    assert first is not second
    rate = b.Rate(3, 4)
    first.register_unstructure_hook(b.Rate, lambda r: f"{r.numerator} of {r.denominator}")
    assert first.unstructure(rate) == "3 of 4"
    assert second.unstructure(rate) == attrs.asdict(rate)
    assert unstructure(rate) == attrs.asdict(rate)
    assert second.structure(unstructure(rate), b.Rate) == structure(unstructure(rate), b.Rate)


def test_a_fraction_with_a_zero_denominator_is_refused_naming_the_field():
    from banshishi import InvalidValueError, ThreeReview, structure

    data = {"unit": "u", "period": "p", "self_evaluation": "1/0", "people": "1", "review": "1"}
    with pytest.raises(InvalidValueError) as refused:
        structure(data, ThreeReview)
    assert refused.value.field == "ThreeReview.self_evaluation"
    assert refused.value.value == "1/0"
