"""JSON Schema generated from the models: valid, in step with the converter, committed.

The generated files in docs/schemas/ are checked against the code; regenerate them
after changing a model with ``python3 tasks.py docs``.
"""

import copy
import datetime as dt
import enum
import json
import os
import re
import sys
import tempfile
from collections.abc import Iterator, Mapping
from functools import cache
from typing import Any, TypeVar, get_args

import attrs
import pendulum
import pytest
from hypothesis import given
from hypothesis import strategies as st
from jsonschema import Draft202012Validator

import banshishi as b
import paths
import strategies as s
from banshishi import (
    BanshishiError,
    Evaluation,
    Event,
    InvalidTypeError,
    InvalidValueError,
    Issue,
    Pledge,
    structure,
    unstructure,
)
from banshishi._exchange.json_schema import DIALECT, SCHEMA_BASE_URI, json_schema
from banshishi._exchange.schema_keywords import VALIDATOR_KEYWORDS, validator_name

SCHEMAS = paths.DOCS / "schemas"
SCHEMA_FILES = {"issue": Issue, "pledge": Pledge, "evaluation": Evaluation}
MODELS = [
    (s.issues(), Issue),
    (s.pledges(), Pledge),
    (s.evaluations(), Evaluation),
    (s.events(), Event),
    (s.people, b.Person),
    (s.locations, b.Location),
    (s.units, b.Unit),
    (s.rates, b.Rate),
    (s.feedback(), b.Feedback),
    (s.milestones(), b.Milestone),
    (s.charters(), b.ProjectCharter),
]
MODEL_IDS = [kind.__name__ for _, kind in MODELS]
TOP_LEVEL = [Issue, Pledge, Evaluation, b.Unit, b.Rate]


def render(model: type) -> str:
    return json.dumps(json_schema(model), ensure_ascii=False, indent=2) + "\n"


@cache
def validator_for(model: type) -> Draft202012Validator:
    return Draft202012Validator(json_schema(model))


def schema_accepts(data: object, model: type) -> bool:
    return bool(validator_for(model).is_valid(data))


def structure_accepts(data: object, model: type) -> bool:
    try:
        structure(copy.deepcopy(data), model)
    except BanshishiError:
        return False
    return True


def records(model: type, found: dict[str, type] | None = None) -> dict[str, type]:
    """Every attrs class reachable from ``model``'s fields, by name; walked here from
    the annotations, independently of the generator."""
    found = {} if found is None else found
    stack: list[Any] = [model]
    while stack:
        kind = stack.pop()
        stack.extend(get_args(kind))
        if isinstance(kind, type) and attrs.has(kind) and kind.__name__ not in found:
            found[kind.__name__] = kind
            stack.extend(field.type for field in attrs.fields(kind))
    return found


def vocabularies(model: type) -> list[type[enum.Enum]]:
    kinds: set[Any] = set()
    for record in records(model).values():
        for field in attrs.fields(record):
            stack = [field.type]
            while stack:
                kind = stack.pop()
                stack.extend(get_args(kind))
                if isinstance(kind, type) and issubclass(kind, enum.Enum):
                    kinds.add(kind)
    return sorted(kinds, key=lambda kind: kind.__name__)


def definition(model: type, record: type) -> dict[str, Any]:
    schema = json_schema(model)
    return schema if record is model else schema["$defs"][record.__name__]


# -- the schemas themselves ---------------------------------------------------------------


@pytest.mark.parametrize("model", TOP_LEVEL, ids=lambda m: m.__name__)
def test_every_schema_is_a_valid_draft_2020_12_schema(model):
    schema = json_schema(model)
    Draft202012Validator.check_schema(schema)
    assert schema["$schema"] == DIALECT == "https://json-schema.org/draft/2020-12/schema"
    assert schema["title"] == model.__name__


@pytest.mark.parametrize(("name", "model"), SCHEMA_FILES.items())
def test_the_committed_schema_files_are_exactly_what_the_code_generates(name, model):
    path = SCHEMAS / f"{name}.schema.json"
    assert path.read_text(encoding="utf-8") == render(model), "run: python3 tasks.py docs"
    assert (
        json.loads(path.read_text(encoding="utf-8"))["$id"]
        == f"urn:banshishi:schemas:{name}.schema.json"
    )


@pytest.mark.parametrize("model", TOP_LEVEL, ids=lambda m: m.__name__)
def test_every_record_lists_exactly_its_fields_and_requires_those_without_defaults(model):
    for record in records(model).values():
        schema = definition(model, record)
        fields = attrs.fields(record)
        assert list(schema["properties"]) == [field.name for field in fields]
        assert schema["required"] == [f.name for f in fields if f.default is attrs.NOTHING]
        assert schema["additionalProperties"] is False
        assert schema["type"] == "object"


@pytest.mark.parametrize("model", TOP_LEVEL, ids=lambda m: m.__name__)
def test_every_vocabulary_lists_its_values_and_names_each_chinese_label(model):
    defs = json_schema(model).get("$defs", {})
    for kind in vocabularies(model):
        vocabulary = defs[kind.__name__]
        assert vocabulary["enum"] == [member.value for member in kind]
        assert all(f"{m.value} = {m.label}" in vocabulary["description"] for m in kind)


def test_fields_carry_their_docstrings_and_personal_data_is_flagged():
    issue = json_schema(Issue)
    assert "roads, heating, water" in issue["properties"]["category"]["description"]
    assert "工作要求" in issue["properties"]["requirements"]["description"]
    person = issue["$defs"]["Person"]["properties"]
    flagged = {
        name for name, field in person.items() if "Personal data" in field.get("description", "")
    }
    assert flagged == {"name", "mobile", "id_number", "address"}


def test_defaults_are_given_as_the_json_the_converter_writes():
    issue = json_schema(Issue)["properties"]
    assert issue["status"]["default"] == "received"
    assert issue["target_groups"]["default"] == []
    assert issue["round"]["default"] == 1
    assert "default" not in issue["track"]  # follows from the urgency


def test_every_validator_on_the_models_is_one_the_generator_knows():
    def leaves(validator: object) -> Iterator[object]:
        if validator is None:
            return
        parts = getattr(validator, "_validators", None)
        inner = getattr(validator, "validator", None)
        if parts is not None:
            for part in parts:
                yield from leaves(part)
        elif inner is not None and type(validator).__name__ == "_OptionalValidator":
            yield from leaves(inner)
        else:
            yield validator

    seen = {
        validator_name(leaf)
        for model in TOP_LEVEL
        for record in records(model).values()
        for field in attrs.fields(record)
        for leaf in leaves(field.validator)
    }
    assert "banshishi._model.people._check_mobile" in seen
    assert seen <= set(VALIDATOR_KEYWORDS), seen - set(VALIDATOR_KEYWORDS)


def test_each_call_returns_a_new_schema_that_can_be_changed_safely():
    first = json_schema(Issue)
    first["$defs"]["Text"]["pattern"] = "changed"
    first["properties"]["co_units"]["items"]["extra"] = 1
    second = json_schema(Issue)
    assert second["$defs"]["Text"]["pattern"] != "changed"
    assert "extra" not in second["properties"]["co_units"]["items"]


def test_a_base_uri_names_the_schema_and_references_still_resolve():
    schema = json_schema(Issue, base_uri="https://example.org/schemas/")
    assert schema["$id"] == "https://example.org/schemas/issue.schema.json"
    assert json_schema(b.ProjectCharter)["$id"] == SCHEMA_BASE_URI + "project-charter.schema.json"
    data = unstructure(
        Issue(
            id="i-1",
            title="路灯不亮",
            channel=b.Channel.HOTLINE,
            urgency=b.Urgency.URGENT,
            received_at=pendulum.datetime(2026, 2, 14),
        )
    )
    assert Draft202012Validator(schema).is_valid(data)
    assert not Draft202012Validator(schema).is_valid({**data, "channel": "fax"})


def test_a_set_written_with_an_item_twice_is_not_what_unstructure_writes():
    issue = Issue(
        id="i-2",
        title="老旧小区加装电梯",
        channel=b.Channel.HOTLINE,
        urgency=b.Urgency.LONGED_FOR,
        received_at=pendulum.datetime(2026, 2, 14),
        target_groups=frozenset({b.TargetGroup.ELDERLY}),
    )
    data = unstructure(issue)
    assert schema_accepts(data, Issue)
    twice = {**data, "target_groups": data["target_groups"] * 2}
    assert not schema_accepts(twice, Issue)


@pytest.mark.parametrize("base_uri", ["", "issue/", "schemas", "https://example.org/x#/", 5, None])
def test_a_base_uri_that_is_not_an_absolute_uri_prefix_is_refused(base_uri):
    with pytest.raises(InvalidValueError) as caught:
        json_schema(Issue, base_uri=base_uri)
    assert caught.value.field == "base_uri"
    assert caught.value.value == base_uri


# -- what cannot be described is refused ------------------------------------------------------

Item = TypeVar("Item")


@attrs.frozen
class WithAny:
    note: Any


@attrs.frozen
class WithDateKeys:
    days: Mapping[dt.date, str]


@attrs.frozen
class WithStdlibTime:
    at: dt.datetime


@attrs.frozen
class WithTypeVar:
    items: tuple[Item, ...]


@attrs.frozen
class WithListAnnotation:
    note: [1]  # type: ignore[valid-type]


@attrs.frozen
class Nesting:
    inner: WithStdlibTime | None


@pytest.mark.parametrize(
    ("model", "field", "value"),
    [
        (WithAny, "WithAny.note", Any),
        (WithDateKeys, "WithDateKeys.days.keys", dt.date),
        (WithStdlibTime, "WithStdlibTime.at", dt.datetime),
        (WithTypeVar, "WithTypeVar.items[]", Item),
        (Nesting, "WithStdlibTime.at", dt.datetime),
        (WithListAnnotation, "WithListAnnotation.note", [1]),
    ],
)
def test_a_model_with_a_field_of_an_indescribable_type_is_refused_naming_the_field(
    model, field, value
):
    with pytest.raises(InvalidTypeError) as caught:
        json_schema(model)
    assert caught.value.field == field
    assert caught.value.value == value


@pytest.mark.parametrize(
    "model", ["Issue", object, dict, b.TimeLimit, b.Weights, b.IssueStatus, Issue.__init__]
)
def test_anything_but_a_record_written_as_a_json_object_is_refused(model):
    with pytest.raises(InvalidTypeError) as caught:
        json_schema(model)
    assert caught.value.field == "model"


def test_every_exported_record_gets_a_valid_schema_or_a_library_error():
    described = 0
    for name in b.__all__:
        kind = getattr(b, name)
        if isinstance(kind, type) and attrs.has(kind):
            try:
                schema = json_schema(kind)
            except BanshishiError:
                continue
            Draft202012Validator.check_schema(schema)
            described += 1
    assert described >= 20


@attrs.frozen
class Task:
    name: str
    parts: tuple["Task", ...] = ()


# The converter needs the text annotation resolved; the schema generator does not.
TASK_SCHEMA = json_schema(Task)
attrs.resolve_types(Task)


@attrs.frozen
class Project:
    lead: b.Person
    tasks: tuple[Task, ...]
    person: "Person | None" = None


@attrs.frozen
class Person:  # the same name as banshishi's Person, another class
    nickname: str


def test_records_that_nest_themselves_are_described_with_references_to_themselves():
    root = json_schema(Task)
    assert root == TASK_SCHEMA
    assert root["properties"]["parts"]["items"] == {"$ref": "#"}
    nested = json_schema(Project)
    assert nested["$defs"]["Task"]["properties"]["parts"]["items"] == {"$ref": "#/$defs/Task"}
    deep = Task(name="a", parts=(Task(name="b", parts=(Task(name="c"),)),))
    assert Draft202012Validator(root).is_valid(unstructure(deep))
    broken = unstructure(deep)
    broken["parts"][0]["parts"][0]["name"] = 5
    assert not Draft202012Validator(root).is_valid(broken)


def test_two_records_with_one_name_get_two_definitions():
    schema = json_schema(Project)
    people = [name for name in schema["$defs"] if name.endswith("Person")]
    assert len(people) == 2
    data = unstructure(Project(lead=b.Person(id="p-1", name="王芳"), tasks=(), person=Person("x")))
    assert Draft202012Validator(schema).is_valid(data)
    swapped = {**data, "person": data["lead"]}
    assert not Draft202012Validator(schema).is_valid(swapped)


# -- what the models write, the schema accepts ------------------------------------------------


@pytest.mark.parametrize(("models", "kind"), MODELS, ids=MODEL_IDS)
@given(data=st.data())
def test_every_generated_model_unstructures_to_json_its_schema_accepts(models, kind, data):
    written = json.loads(json.dumps(unstructure(data.draw(models))))
    errors = [error.message for error in validator_for(kind).iter_errors(written)]
    assert errors == []


def test_a_simulated_campaigns_issues_and_pledges_all_validate(campaign):
    issues = [unstructure(issue) for issue in campaign.ledger.issues()]
    pledges = [unstructure(pledge) for pledge in campaign.pledges.pledges()]
    assert len(issues) == 200
    assert pledges
    for key in ("history", "evaluations", "appeals", "rectifications", "visits", "feedback"):
        assert any(issue[key] for issue in issues), f"the campaign never filled {key}"
    assert any(pledge["history"] for pledge in pledges)
    for issue in issues:
        assert [e.message for e in validator_for(Issue).iter_errors(issue)] == []
    for pledge in pledges:
        assert [e.message for e in validator_for(Pledge).iter_errors(pledge)] == []
    evaluations = [e for issue in issues for e in issue["evaluations"]]
    assert evaluations
    assert all(schema_accepts(e, Evaluation) for e in evaluations)


# -- what the schema rejects, structure refuses -------------------------------------------------

Where = tuple[str | int, ...]


@attrs.frozen
class Mutation:
    """One change that breaks a record: ``kind`` of change at ``path`` in its JSON."""

    kind: str
    path: Where

    def apply(self, data: Any) -> Any:
        broken = copy.deepcopy(data)
        *parents, last = self.path if self.kind != "unknown key" else (*self.path, "surplus")
        holder = broken
        for step in parents:
            holder = holder[step]
        if self.kind == "unknown key":
            holder[last] = 1
        elif self.kind == "missing":
            del holder[last]
        elif self.kind == "wrong enum value":
            holder[last] = "no_such_value"
        elif self.kind == "naive datetime":
            holder[last] = holder[last][:19]
        else:  # a value of the wrong JSON type
            holder[last] = wrong_type(holder[last])
        return broken


def wrong_type(value: object) -> object:
    if isinstance(value, bool):
        return "true"
    if isinstance(value, str):
        return 5
    if isinstance(value, int | float):
        return str(value)
    if isinstance(value, list | dict):
        return "x"
    return True  # for None


def mutations(record: object, data: dict[str, Any], path: Where = ()) -> Iterator[Mutation]:
    """Every mutation of the five kinds that ``record``'s JSON ``data`` offers."""
    yield Mutation("unknown key", path)
    for field in attrs.fields(type(record)):
        if field.name not in data:  # Event.subject, left out when it is the default
            continue
        here = (*path, field.name)
        yield Mutation("wrong type", here)
        if field.default is attrs.NOTHING:
            yield Mutation("missing", here)
        yield from value_mutations(getattr(record, field.name), data[field.name], here)


def value_mutations(value: object, written: Any, path: Where) -> Iterator[Mutation]:
    if isinstance(value, enum.Enum):
        yield Mutation("wrong enum value", path)
    elif isinstance(value, pendulum.DateTime):
        yield Mutation("naive datetime", path)
    elif attrs.has(type(value)):
        yield from mutations(value, written, path)
    elif isinstance(value, tuple | frozenset):
        items = sorted(value) if isinstance(value, frozenset) else value
        for index, item in enumerate(items):
            yield from value_mutations(item, written[index], (*path, index))
    # Event.data holds any JSON: nothing in it can be wrong.


@pytest.mark.parametrize(("models", "kind"), MODELS, ids=MODEL_IDS)
@given(data=st.data())
def test_json_the_schema_rejects_is_also_refused_by_structure(models, kind, data):
    record = data.draw(models)
    written = unstructure(record)
    mutation = data.draw(st.sampled_from(list(mutations(record, written))))
    broken = mutation.apply(written)
    assert not schema_accepts(broken, kind), mutation
    assert not structure_accepts(broken, kind), mutation


@pytest.mark.parametrize(("models", "kind"), MODELS[:3], ids=MODEL_IDS[:3])
@given(data=st.data())
def test_every_kind_of_mutation_turns_up_in_the_models(models, kind, data):
    record = data.draw(models)
    found = {mutation.kind for mutation in mutations(record, unstructure(record))}
    assert {"unknown key", "wrong type", "missing", "wrong enum value", "naive datetime"} <= found


# -- where the schema says what the validators say, the two agree -------------------------------

SPACES = "".join(chr(c) for c in range(0x110000) if chr(c).isspace())


def test_the_blank_text_pattern_excludes_exactly_what_str_strip_removes():
    pattern = re.compile(json_schema(b.Unit)["$defs"]["Text"]["pattern"])
    allowed_alone = [c for c in map(chr, range(0x110000)) if pattern.search(c)]
    assert len(allowed_alone) == 0x110000 - len(SPACES)
    assert not any(c.isspace() for c in allowed_alone)


@given(name=st.text(alphabet=SPACES[:8] + SPACES[-4:] + "a\ufeff", max_size=4))
def test_schema_and_structure_agree_on_blank_names(name):
    data = {"id": "u-1", "name": name, "level": "county"}
    assert schema_accepts(data, b.Unit) == structure_accepts(data, b.Unit) == bool(name.strip())


TAILS = st.sampled_from(["", "\n", " ", "0", "Ａ"])


def with_tail(valid: st.SearchStrategy[str]) -> st.SearchStrategy[str]:
    """Valid text, sometimes with one character too many after it."""
    return st.builds(lambda text, tail: text + tail, valid, TAILS)


@given(mobile=st.text(alphabet="0123456789１\n ", min_size=9, max_size=12) | with_tail(s.mobiles()))
def test_schema_and_structure_agree_on_mobile_numbers(mobile):
    data = {"id": "p-1", "name": "王芳", "mobile": mobile}
    assert schema_accepts(data, b.Person) == structure_accepts(data, b.Person)


DIVISION_CODES = st.sampled_from(["150102", "150102001", "150102001001"])


@given(code=st.text(alphabet="0123456789a\n", min_size=5, max_size=13) | with_tail(DIVISION_CODES))
def test_schema_and_structure_agree_on_division_codes(code):
    data = {"division_code": code}
    assert schema_accepts(data, b.Location) == structure_accepts(data, b.Location)


@given(latitude=st.floats(-200, 200), longitude=st.floats(-400, 400) | st.integers(-400, 400))
def test_schema_and_structure_agree_on_coordinates(latitude, longitude):
    data = {"division_code": "110101", "latitude": latitude, "longitude": longitude}
    assert schema_accepts(data, b.Location) == structure_accepts(data, b.Location)


@given(number=st.integers(-3, 3))
def test_schema_and_structure_agree_on_whole_numbers_with_a_minimum(number):
    at = "2026-02-14T09:30:00+08:00"
    evaluation = {"issue_id": "i-1", "rating": "satisfied", "resolved": True, "at": at}
    rectification = {"round": 2, "cause": "ordered", "opened_at": at, "deadline": at}
    for model, data, minimum in [
        (Evaluation, {**evaluation, "round": number}, 1),
        (b.Rectification, {**rectification, "rating": number}, 0),
        (b.Rectification, {**rectification, "round": number}, 2),
    ]:
        accepted = number >= minimum
        assert schema_accepts(data, model) == structure_accepts(data, model) == accepted


@given(id_number=s.id_numbers() | st.text(alphabet="0123456789Xx", min_size=17, max_size=19))
def test_every_id_number_structure_reads_the_schema_accepts(id_number):
    data = {"id": "p-1", "name": "王芳", "id_number": id_number}
    if structure_accepts(data, b.Person):
        assert schema_accepts(data, b.Person)


STATUS_VALUES = sorted({m.value for m in b.IssueStatus} | {m.value for m in b.PledgeStatus})


@given(
    subject=st.sampled_from([None, "issue", "pledge"]),
    from_status=st.none() | st.sampled_from(STATUS_VALUES),
    to_status=st.sampled_from(STATUS_VALUES),
)
def test_schema_and_structure_agree_that_statuses_follow_the_events_subject(
    subject, from_status, to_status
):
    data = {
        "name": "publish",
        "actor": "p-1",
        "role": "leader",
        "at": "2026-02-14T09:30:00Z",
        "from_status": from_status,
        "to_status": to_status,
    }
    if subject is not None:
        data["subject"] = subject
    assert schema_accepts(data, Event) == structure_accepts(data, Event)


@given(moment=s.moments() | s.fixed_offset_moments())
def test_every_instant_the_library_writes_matches_the_pattern_and_its_naive_part_does_not(moment):
    text = b.format_instant(moment)
    data = {"issue_id": "i-1", "rating": "satisfied", "resolved": False}
    assert schema_accepts({**data, "at": text}, Evaluation)
    assert not schema_accepts({**data, "at": moment.naive().isoformat()}, Evaluation)
    assert not schema_accepts({**data, "at": text + "\n"}, Evaluation)


LOOSE_INSTANTS = (
    r"[0-9]{4}-[0-9]{2}-[0-9]{2}[Tt ][0-9]{2}:[0-9]{2}:[0-9]{2}(\.[0-9]{1,3})?"
    r"([Zz]|[+-][0-9]{2}:[0-9]{2})?(\[(Asia/Shanghai|UTC|Etc/GMT\+8|Nowhere|)\])?"
)


@given(text=st.from_regex(LOOSE_INSTANTS, fullmatch=True))
def test_every_instant_structure_reads_the_schema_accepts(text):
    data = {"issue_id": "i-1", "rating": "satisfied", "resolved": False, "at": text}
    if structure_accepts(data, Evaluation):
        assert schema_accepts(data, Evaluation)


def write_schemas() -> None:
    """Write each schema file whole: to a temporary name first, then renamed."""
    SCHEMAS.mkdir(parents=True, exist_ok=True)
    for name, model in SCHEMA_FILES.items():
        target = SCHEMAS / f"{name}.schema.json"
        handle, temporary = tempfile.mkstemp(dir=SCHEMAS, suffix=".tmp")
        try:
            with os.fdopen(handle, "w", encoding="utf-8") as file:
                file.write(render(model))
            os.chmod(temporary, 0o644)
            os.replace(temporary, target)
        except BaseException:
            os.unlink(temporary)
            raise


if __name__ == "__main__":
    write_schemas()
    sys.exit(0)
