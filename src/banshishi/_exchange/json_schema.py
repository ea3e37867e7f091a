"""JSON Schema (draft 2020-12) for the JSON that ``unstructure`` writes and ``structure`` reads.

The schema is generated, never written by hand: :func:`json_schema` walks a model's
attrs fields and their annotations, so a new field shows up in the schema the day
it is added. Other systems (a city platform, a form builder, a data exchange) can
then check a record before sending it, without running Python.

What the types say becomes the schema: text, whole numbers, numbers, yes/no,
``X | None``, tuples (arrays), frozensets (arrays of distinct, sorted items),
mappings (objects), nested records (``$defs`` + ``$ref``) and vocabularies (an
``enum`` of the English values, the Chinese labels in the description). Instants
are strings that must carry a UTC offset; fractions and time limits are strings
in the form the converter writes. Records refuse unknown keys, and the fields
without a default are ``required``.

What the validators say is added where a table here knows the validator: text
that must not be blank, whole numbers with a minimum (and maximum), distinct
items, latitude and longitude ranges, the 11-digit mobile number, the shape of
an ID number and the 6-, 9- or 12-digit division code. Rules that tie several
fields or records together (chronology, a closed issue's ``closed_at``, a chain
of events) are not JSON Schema's to check: ``structure`` still does.

>>> from banshishi import Evaluation
>>> schema = json_schema(Evaluation)
>>> schema["required"]
['issue_id', 'rating', 'resolved', 'at']
>>> schema["properties"]["round"]
{'type': 'integer', 'minimum': 1, 'default': 1}
>>> schema["$defs"]["Rating"]["enum"]
['very_satisfied', 'satisfied', 'basically_satisfied', 'dissatisfied', 'very_dissatisfied']
"""

import ast
import enum
import functools
import inspect
import re
import sys
import textwrap
from collections.abc import Callable, Mapping, Sequence, Set
from fractions import Fraction
from itertools import pairwise
from types import NoneType, UnionType
from typing import Any, Union, final, get_args, get_origin, get_type_hints
from urllib.parse import urlsplit

import attrs
from pendulum import DateTime

from banshishi._calendar.time_limit import TimeLimit
from banshishi._core.errors import InvalidTypeError, InvalidValueError
from banshishi._core.exports import defined_in
from banshishi._core.labels import LabelledEnum
from banshishi._model.converter import unstructure
from banshishi._model.event import Event, JsonValue
from banshishi._model.people import PERSONAL
from banshishi._model.vocabulary import STATUSES

from .schema_keywords import SHARED, constrain, validator_keywords

DIALECT = "https://json-schema.org/draft/2020-12/schema"
"""The JSON Schema dialect every generated schema declares in ``$schema``."""

SCHEMA_BASE_URI = "urn:banshishi:schemas:"
"""The default start of a schema's ``$id``; pass your own ``base_uri`` when you host the files."""

# Types the converter writes as text, and the shared definition describing that text.
_TEXT_TYPES: dict[object, str] = {DateTime: "Instant", Fraction: "Fraction", TimeLimit: "TimeLimit"}
_PRIMITIVES: dict[object, str] = {str: "string", bool: "boolean", int: "integer", float: "number"}
_ARRAYS = (tuple, list, Sequence, frozenset, set, Set)
_OBJECTS = (dict, Mapping)
# A record that is also a collection is written as the collection (cattrs' choice).
_COLLECTIONS = (Mapping, Sequence, Set)
# Event.data's values: the alias as written, and as cattrs leaves it after resolving
# the annotations (its self-references can only be followed by name).
_ANY_JSON = (JsonValue, get_args(get_type_hints(Event)["data"])[1])


def _prose(text: str | None) -> str:
    """The first paragraph of a docstring, on one line, without reST roles."""
    paragraph = inspect.cleandoc(text or "").split("\n\n")[0]
    paragraph = re.sub(r":\w+:`~?([^`]+)`", r"`\1`", paragraph).replace("``", "`")
    return " ".join(paragraph.split())


def _field_docs(cls: type) -> dict[str, str]:
    """The docstrings written under a class's fields, which Python itself throws away."""
    try:
        found = _class_def(cls)
    except (OSError, TypeError, SyntaxError, KeyError):  # no source to read: no descriptions
        return {}
    body = found.body if found is not None else []
    docs: dict[str, str] = {}
    for statement, after in pairwise(body):
        if (
            isinstance(statement, ast.AnnAssign)
            and isinstance(statement.target, ast.Name)
            and isinstance(after, ast.Expr)
            and isinstance(after.value, ast.Constant)
            and isinstance(after.value.value, str)
        ):
            docs[statement.target.id] = _prose(after.value.value)
    return docs


def _class_def(cls: type) -> ast.ClassDef | None:
    """The definition of ``cls`` in its source. A class the package publishes (its
    ``__module__`` is ``banshishi``) is looked up in the module that defines it."""
    origin = defined_in(cls)
    if origin == cls.__module__:
        tree = ast.parse(textwrap.dedent(inspect.getsource(cls)))
        first = tree.body[0] if tree.body else None
        return first if isinstance(first, ast.ClassDef) else None
    body = _module_source(origin).body
    found: ast.ClassDef | None = None
    for name in cls.__qualname__.split("."):
        classes = (s for s in body if isinstance(s, ast.ClassDef) and s.name == name)
        found = next(classes, None)
        if found is None:
            return None
        body = found.body
    return found


@functools.cache
def _module_source(name: str) -> ast.Module:
    return ast.parse(inspect.getsource(sys.modules[name]))


def _kebab(name: str) -> str:
    return re.sub(r"(?<=[a-z0-9])(?=[A-Z])", "-", name).lower()


def _is_json(value: object) -> bool:
    if isinstance(value, list):
        return all(_is_json(item) for item in value)
    if isinstance(value, dict):
        return all(isinstance(k, str) and _is_json(v) for k, v in value.items())
    return value is None or type(value) in (str, int, float, bool)


def _refuse(where: str, kind: object) -> InvalidTypeError:
    return InvalidTypeError(
        field=where,
        value=kind,
        problem="has a type that JSON Schema generation cannot describe",
        hint="Use str, int, float, bool, DateTime, Fraction, TimeLimit, a vocabulary, an "
        "attrs record, or tuples, frozensets, mappings with text keys and unions of them.",
    )


@final
@attrs.define
class _Builder:
    """One schema being generated: the root model and the definitions found so far."""

    root: type
    defs: dict[str, dict[str, Any]] = attrs.Factory(dict)
    names: dict[object, str] = attrs.Factory(dict)

    def ref(self, key: object, name: str, make: Callable[[], dict[str, Any]]) -> dict[str, Any]:
        known = self.names.get(key)
        if known is None:
            taken = set(self.names.values())
            known = name if name not in taken else f"{getattr(key, '__module__', '')}.{name}"
            self.names[key] = known
            self.defs[known] = {}  # reserved first, so a record may refer to itself
            self.defs[known] = make()
        return {"$ref": f"#/$defs/{known}"}

    def shared(self, name: str) -> dict[str, Any]:
        return self.ref(name, name, lambda: {"title": name, **SHARED[name]})

    def link(self, schema: Any) -> Any:
        """``schema`` with its references to shared definitions (which validator
        keywords name, such as ``#/$defs/Text``) pointed at this schema's own copy."""
        if isinstance(schema, list):
            return [self.link(item) for item in schema]
        if not isinstance(schema, dict):
            return schema
        linked = {key: self.link(value) for key, value in schema.items()}
        name = str(schema.get("$ref", "")).removeprefix("#/$defs/")
        return linked | self.shared(name) if name in SHARED else linked

    def kind(self, kind: Any, where: str) -> dict[str, Any]:
        """The schema of a value annotated ``kind``; ``where`` names it in errors."""
        origin, args = get_origin(kind), get_args(kind)
        try:
            hash(kind)
        except TypeError:  # not a type at all, such as a list written as an annotation
            raise _refuse(where, kind) from None
        if kind is self.root:
            return {"$ref": "#"}
        if any(kind == alias for alias in _ANY_JSON):
            return {}
        if kind in _TEXT_TYPES:
            return self.shared(_TEXT_TYPES[kind])
        if isinstance(kind, type) and issubclass(kind, LabelledEnum):
            return self.ref(kind, kind.__name__, lambda: _vocabulary(kind))
        if isinstance(kind, type) and issubclass(kind, enum.Enum):
            raise _refuse(where, kind)
        if kind in _PRIMITIVES:
            return {"type": _PRIMITIVES[kind]}
        if kind is NoneType or kind is None:
            return {"type": "null"}
        if origin in (Union, UnionType):
            real = [self.kind(option, where) for option in args if option is not NoneType]
            nulls = [{"type": "null"}] if NoneType in args else []
            return {"anyOf": real + nulls} if len(real) + len(nulls) > 1 else real[0]
        if origin in _ARRAYS:
            return self.array(origin, args, where)
        if origin in _OBJECTS and len(args) == 2:
            return self.mapping(args[0], args[1], where)
        if isinstance(kind, type) and attrs.has(kind) and not issubclass(kind, _COLLECTIONS):
            return self.ref(kind, kind.__name__, lambda: self.record(kind))
        raise _refuse(where, kind)

    def array(self, origin: object, args: tuple[Any, ...], where: str) -> dict[str, Any]:
        if origin is tuple and not (len(args) == 2 and args[1] is Ellipsis):
            if not args or Ellipsis in args:
                raise _refuse(where, origin)
            items = [self.kind(arg, f"{where}[{i}]") for i, arg in enumerate(args)]
            n = len(items)
            return {"type": "array", "prefixItems": items, "minItems": n, "maxItems": n}
        if len(args) != (2 if origin is tuple else 1):
            raise _refuse(where, origin)
        schema = {"type": "array", "items": self.kind(args[0], f"{where}[]")}
        if schema["items"] == {}:
            del schema["items"]
        return {**schema, "uniqueItems": True} if origin in (frozenset, set, Set) else schema

    def mapping(self, key: Any, value: Any, where: str) -> dict[str, Any]:
        schema: dict[str, Any] = {"type": "object"}
        if isinstance(key, type) and issubclass(key, LabelledEnum):
            schema["propertyNames"] = self.kind(key, f"{where}.keys")
        elif key is not str:
            raise _refuse(f"{where}.keys", key)
        values = self.kind(value, f"{where}.values")
        return {**schema, "additionalProperties": values} if values else schema

    def record(self, cls: type) -> dict[str, Any]:
        """A record's object schema: its fields, the required ones, nothing else."""
        docs = _field_docs(cls)
        try:  # resolves annotations written as text, such as tuple["Task", ...]
            hints = get_type_hints(cls)
        except (NameError, TypeError, AttributeError, SyntaxError):  # names out of reach
            raise _refuse(cls.__name__, cls.__annotations__) from None
        properties: dict[str, Any] = {}
        required: list[str] = []
        for field in attrs.fields(cls):
            if not field.init:  # the converter neither writes nor reads these
                continue
            where = f"{cls.__name__}.{field.name}"
            kind = hints.get(field.name, field.type)
            properties[field.name] = self.field(field, kind, where, docs.get(field.name, ""))
            if field.default is attrs.NOTHING:
                required.append(field.name)
        schema: dict[str, Any] = {"title": cls.__name__}
        description = _prose(cls.__dict__.get("__doc__"))
        schema |= {"description": description} if description else {}
        schema |= {"type": "object", "properties": properties, "required": required}
        schema["additionalProperties"] = False
        if cls is Event:
            schema["allOf"] = self.status_rules()
        return schema

    def field(self, field: "attrs.Attribute[Any]", kind: Any, where: str, doc: str) -> Any:
        notes = [doc, field.metadata.get("description", "")]
        if field.metadata.get(PERSONAL):
            notes.append("Personal data: mask it before the record is disclosed.")
        text = " ".join(note for note in notes if isinstance(note, str) and note)
        keywords = self.link(validator_keywords(field.validator))
        schema = constrain(self.kind(kind, where), keywords)
        schema = {"description": text, **schema} if text else schema
        default = field.default
        if default is not attrs.NOTHING and not isinstance(default, attrs.Factory):  # type: ignore[arg-type]
            written = unstructure(default)
            if _is_json(written):
                schema["default"] = written
        return schema

    def status_rules(self) -> list[dict[str, Any]]:
        """An event's statuses come from its subject's vocabulary; a missing subject
        means the default (an issue), since the converter leaves it out."""
        default = attrs.fields(Event).subject.default
        rules = []
        for subject, kind in STATUSES.items():
            vocabulary = self.kind(kind, "Event.to_status")
            condition: dict[str, Any] = {"properties": {"subject": {"const": subject.value}}}
            if subject != default:
                condition["required"] = ["subject"]
            then = {"from_status": {"anyOf": [vocabulary, {"type": "null"}]}}
            rules.append(
                {"if": condition, "then": {"properties": then | {"to_status": vocabulary}}}
            )
        return rules


def _vocabulary(kind: type[LabelledEnum]) -> dict[str, Any]:
    members = "; ".join(f"{member.value} = {member.label}" for member in kind)
    summary = _prose(kind.__dict__.get("__doc__"))
    return {
        "title": kind.__name__,
        "description": f"{summary} {members}." if summary else f"{members}.",
        "type": "string",
        "enum": [member.value for member in kind],
    }


def json_schema(model: type, *, base_uri: str = SCHEMA_BASE_URI) -> dict[str, Any]:
    """A JSON Schema (draft 2020-12) for ``unstructure(instance)`` of the attrs class
    ``model``, generated from its fields; a new dict on every call.

    ``$id`` is ``base_uri`` followed by the model's name, such as
    ``issue.schema.json``. A model with a field of a type the JSON converter has no
    plain form for (``Any``, ``object``, stdlib ``datetime``, a type variable …)
    raises ``InvalidTypeError`` naming the field.
    """
    if not (isinstance(model, type) and attrs.has(model)):
        raise InvalidTypeError(field="model", value=model, problem="must be an attrs model class")
    if model in _TEXT_TYPES or issubclass(model, _COLLECTIONS):
        raise InvalidTypeError(
            field="model", value=model, problem="is not written as a JSON object of its fields"
        )
    parts = urlsplit(base_uri) if isinstance(base_uri, str) else None
    if parts is None or not parts.scheme or parts.fragment or base_uri[-1:] not in ("/", ":"):
        raise InvalidValueError(
            field="base_uri",
            value=base_uri,
            problem="must be an absolute URI ending in '/' or ':', without a fragment",
            hint=f"For example {SCHEMA_BASE_URI!r} or 'https://example.org/schemas/'.",
        )
    builder = _Builder(model)
    body = builder.record(model)
    schema: dict[str, Any] = {"$schema": DIALECT}
    schema["$id"] = f"{base_uri}{_kebab(model.__name__)}.schema.json"
    schema |= body
    if builder.defs:
        schema["$defs"] = dict(sorted(builder.defs.items()))
    return schema
