"""What validators and text types add to a generated JSON Schema.

:func:`json_schema` takes the shape of a record from its annotations; this module
adds what the annotations do not say. ``SHARED`` holds the definitions of text the
converter writes (instants, fractions, time limits), of non-blank text and of
record ids;
``VALIDATOR_KEYWORDS`` says, for each validator the library uses, which keywords
it stands for, reading the numbers from the validator itself (``whole_number(1)``
gives ``minimum: 1``).

>>> from banshishi import Evaluation
>>> import attrs
>>> validator_keywords(attrs.fields(Evaluation).round.validator)
{'minimum': 1}
"""

import inspect
from collections.abc import Callable, Mapping
from types import CodeType, FunctionType, ModuleType
from typing import Any, cast

import attrs

from banshishi._core import time, validators
from banshishi._model import event, location, people, pledge

# Every character str.isspace() accepts, so "not blank" means what str.strip() means.
# Patterns end in "$(?!\n)": Python's re lets a bare "$" match before a final newline.
_SPACE = r"\t-\r\u001c-\u0020\u0085\u00a0\u1680\u2000-\u200a\u2028\u2029\u202f\u205f\u3000"
_END = r"$(?!\n)"
_INSTANT = (
    r"^[0-9]{4}-(0[1-9]|1[0-2])-(0[1-9]|[12][0-9]|3[01])[Tt]([01][0-9]|2[0-3]):[0-5][0-9]"
    r":[0-5][0-9](\.[0-9]+)?([Zz]|[+-]([01][0-9]|2[0-3]):[0-5][0-9])(\[[A-Za-z0-9_+/-]+\])?"
) + _END

SHARED: dict[str, dict[str, Any]] = {
    "Instant": {
        "description": "An instant as RFC 3339 text with a UTC offset, optionally followed by"
        " its IANA time zone in brackets (RFC 9557), e.g."
        " 2026-02-14T09:30:00+08:00[Asia/Shanghai]. Text without an offset is refused.",
        "type": "string",
        "pattern": _INSTANT,
    },
    "Text": {
        "description": "Text with at least one character that is not white space.",
        "type": "string",
        "pattern": f"[^{_SPACE}]",
    },
    "Id": {
        "description": "The id of an issue or a pledge: text in Unicode normal form NFKC"
        " (no full-width letters or digits), with no white space at either end.",
        "type": "string",
        "pattern": f"^[^{_SPACE}]([\\s\\S]*[^{_SPACE}])?" + _END,
    },
    "Fraction": {
        "description": "An exact fraction such as 3/4, or a whole number such as 1.",
        "type": "string",
        "pattern": "^-?[0-9]+(/[1-9][0-9]*)?" + _END,
    },
    "TimeLimit": {
        "description": "A time limit such as '1 working day' or '15 working days'.",
        "type": "string",
        "pattern": "^(1 working (day|hour)|([2-9]|[1-9][0-9]+) working (day|hour)s)" + _END,
    },
}
_TEXT_REF = {"$ref": "#/$defs/Text"}
_ID_REF = {"$ref": "#/$defs/Id"}


def _pattern(text: str) -> dict[str, Any]:
    return {"pattern": f"^{text}{_END}"}


def _whole(env: Mapping[str, Any]) -> dict[str, Any]:
    found = {"minimum": env["minimum"]}
    return found if env["maximum"] is None else {**found, "maximum": env["maximum"]}


def _items(env: Mapping[str, Any]) -> dict[str, Any]:
    found: dict[str, Any] = {"items": validator_keywords(env["item"])}
    return {**found, "uniqueItems": True} if env["unique"] else found


def validator_name(validator: object) -> str:
    """``module.qualname`` of a validator, the key of :data:`VALIDATOR_KEYWORDS`."""
    return f"{getattr(validator, '__module__', '?')}.{getattr(validator, '__qualname__', '?')}"


def _checks_of(factory: Callable[..., object]) -> str:
    """The key of the validators ``factory`` makes: its inner function ``check``."""
    consts = cast(FunctionType, factory).__code__.co_consts
    (code,) = (c for c in consts if isinstance(c, CodeType) and c.co_name == "check")
    return f"{factory.__module__}.{code.co_qualname}"


def _private(module: ModuleType, qualname: str) -> str:
    """The key of a validator private to ``module`` (the tests check that it exists)."""
    return f"{module.__name__}.{qualname}"


Rule = Callable[[Mapping[str, Any]], dict[str, Any]]
VALIDATOR_KEYWORDS: dict[str, Rule] = {
    _checks_of(validators.text): lambda v: _TEXT_REF if v["required"] else {},
    validator_name(validators.optional_text): lambda v: _TEXT_REF,
    _checks_of(validators.identifier): lambda v: _ID_REF,
    _checks_of(validators.whole_number): _whole,
    _checks_of(validators.items_of): _items,
    _private(location, "_in_range.<locals>.check"): lambda v: {
        "minimum": v["low"],
        "maximum": v["high"],
    },
    _private(location, "_check_division_code"): lambda v: _pattern(
        "(" + "|".join(f"[0-9]{{{n}}}" for n in v["_CODE_LENGTHS"]) + ")"
    ),
    _private(people, "_check_mobile"): lambda v: _pattern("1[0-9]{10}"),
    _private(people, "_check_id_number"): lambda v: _pattern("[0-9]{17}[0-9Xx]"),
    _private(pledge, "_check_weight"): lambda v: {"minimum": 0},
    # These check only what the type already says (or, for an event's statuses,
    # what json_schema's rule on the event's subject says), so they add nothing.
    _checks_of(validators.of_type): lambda v: {},
    _checks_of(validators.member_of): lambda v: {},
    validator_name(time.check_aware): lambda v: {},
    validator_name(time.check_optional_aware): lambda v: {},
    _private(event, "_check_status"): lambda v: {},
}
"""What each known validator adds to a field's schema, keyed by ``module.qualname``
(taken from the shared validators themselves and from the modules of the
private ones, so that a move fails here);
the rule reads the validator's closure (``minimum``, ``required`` …) and globals.
Validators missing here add nothing: the schema is then looser than ``structure``."""


def _noop(instance: object, attribute: object, value: object) -> None:
    """Only there to learn the types of attrs' composite validators."""


_AND = type(attrs.validators.and_(_noop))
_OPTIONAL = type(attrs.validators.optional(_noop))


def validator_keywords(validator: object) -> dict[str, Any]:
    """The schema keywords a field's attrs ``validator`` adds (``{}`` if none or unknown)."""
    if validator is None:
        return {}
    if isinstance(validator, _AND):
        found: dict[str, Any] = {}
        for part in getattr(validator, "_validators", ()):
            merge(found, validator_keywords(part))
        return found
    if isinstance(validator, _OPTIONAL):
        return validator_keywords(getattr(validator, "validator", None))
    rule = VALIDATOR_KEYWORDS.get(validator_name(validator))
    if rule is None or not inspect.isfunction(validator):
        return {}
    closure = inspect.getclosurevars(validator)
    return rule({**closure.globals, **closure.nonlocals})


def merge(target: dict[str, Any], extra: Mapping[str, Any]) -> None:
    """Add ``extra``'s keywords to ``target`` (copying, never sharing); a clash goes
    to ``allOf`` so that both hold."""
    if "$ref" in extra:  # a shared definition, which says the type itself
        target.pop("type", None)
    for key, value in extra.items():
        if key == "items":
            if value:
                items = dict(target.get("items", {}))
                merge(items, value)
                target["items"] = items
        elif key in target and target[key] != value:
            target["allOf"] = [*target.get("allOf", ()), {key: value}]
        else:
            target[key] = dict(value) if isinstance(value, dict) else value


def constrain(schema: dict[str, Any], extra: Mapping[str, Any]) -> dict[str, Any]:
    """``schema`` with ``extra`` applied to the value (past a ``| None``)."""
    if not extra:
        return schema
    if "anyOf" in schema:
        options = [o if o == {"type": "null"} else constrain(o, extra) for o in schema["anyOf"]]
        return {**schema, "anyOf": options}
    merged = dict(schema)
    merge(merged, extra)
    return merged
