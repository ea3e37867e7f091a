"""JSON-ready (un)structuring of every model, with cattrs.

``unstructure(model)`` gives dicts, lists, strings, numbers and booleans only;
``structure(data, Model)`` rebuilds the model exactly, time zones included.

Choices, and why:

* Instants are RFC 9557 text (``…+08:00[Asia/Shanghai]``). cattrs' stock JSON
  converter turns a pendulum ``DateTime`` into a stdlib ``datetime`` and keeps
  only the offset, which loses the zone and the type.
* Fractions (pledge progress) are exact text such as ``"3/4"``.
* Sets become sorted lists, so the same record always gives the same JSON.
* Primitives are strict: ``"5"`` is not an int and ``"false"`` is not a bool
  (cattrs would otherwise call ``int()``/``bool()`` on them). Unknown keys are
  refused.
* Every failure is re-raised as a ``BanshishiError`` whose ``field`` is the path
  to the bad value, such as ``Issue.requester.mobile`` or ``Issue.history[2].at``.
"""

import functools
from collections.abc import Callable, Mapping, Sequence, Set
from fractions import Fraction
from types import UnionType
from typing import TYPE_CHECKING, Any, TypeVar, Union, cast, get_args, get_origin

import attrs
from pendulum import DateTime

from banshishi._calendar.time_limit import TimeLimit
from banshishi._core.errors import BanshishiError, InvalidTypeError, InvalidValueError
from banshishi._core.labels import LabelledEnum
from banshishi._core.time import format_instant, parse_instant

from .event import Event, thaw_data
from .issue import Issue
from .pledge import Pledge
from .rate import Rate
from .units import Unit
from .vocabulary import STATUSES, Status, Subject

if TYPE_CHECKING:
    import cattrs

Model = TypeVar("Model")


def _strict(kind: type) -> Any:
    def structure(value: object, _: object) -> object:
        if isinstance(value, bool) and kind is not bool:
            ok = False
        elif kind is float:
            ok = isinstance(value, int | float)
        else:
            ok = isinstance(value, kind)
        if not ok:
            raise InvalidTypeError(
                field=kind.__name__, value=value, problem=f"must be {kind.__name__}"
            )
        if kind is not float:
            return value
        try:
            return float(value)  # type: ignore[arg-type]
        except OverflowError:
            raise InvalidValueError(field="float", value=value, problem="is too large") from None

    return structure


def _structure_fraction(value: object, _: object) -> Fraction:
    if not isinstance(value, str):
        raise InvalidTypeError(field="Fraction", value=value, problem="must be text like '3/4'")
    try:
        return Fraction(value)
    except (ValueError, ZeroDivisionError):
        raise InvalidValueError(
            field="Fraction", value=value, problem="is not a fraction"
        ) from None


def _structure_instant(value: object, _: object) -> DateTime:
    if not isinstance(value, str):
        raise InvalidTypeError(field="DateTime", value=value, problem="must be RFC 3339 text")
    return parse_instant(value, field="DateTime")


def _structure_limit(value: object, _: object) -> TimeLimit:
    return TimeLimit.parse(value)  # type: ignore[arg-type]  # parse refuses non-text


def _structure_data(value: object, _: object) -> object:
    if not isinstance(value, Mapping):
        raise InvalidTypeError(field="data", value=value, problem="must be a JSON object")
    return value  # Event's own converter freezes and checks it.


_STATUS_BY_SUBJECT = {subject.value: kind for subject, kind in STATUSES.items()}


def _passed_status(value: object, _: object) -> object:
    return value  # already read by the event's own hook, or left for Event to refuse


def _event_structure(base: Any) -> Any:
    def structure(value: object, target: object) -> object:
        if isinstance(value, Mapping):
            subject = value.get("subject", Subject.ISSUE.value)
            kind = _STATUS_BY_SUBJECT.get(subject) if isinstance(subject, str) else None
            if kind is not None:
                value = dict(value)
                for name in ("from_status", "to_status"):
                    if value.get(name) is not None:
                        try:
                            value[name] = _structure_enum(value[name], kind)
                        except BanshishiError as error:
                            raise error.at(f"Event.{name}") from None
        return base(value, target)

    return structure


def _enum_value(member: LabelledEnum) -> str:
    return member.value


def _structure_enum(value: object, kind: type[LabelledEnum]) -> LabelledEnum:
    if not isinstance(value, str):
        raise InvalidTypeError(field=kind.__name__, value=value, problem="must be text")
    return kind(value)


def make_converter() -> "cattrs.Converter":
    """A new converter set up for banshishi's models; extend it for your own types.

    This is the plain cattrs converter: its ``structure`` raises cattrs' own
    errors. :func:`structure` wraps the library's converter and turns those into
    ``BanshishiError`` naming the path.
    """
    # cattrs loads with the first converter: its import is a cost ``import banshishi`` avoids.
    import cattrs
    from cattrs.gen import make_dict_structure_fn, make_dict_unstructure_fn, override

    converter = cattrs.Converter(
        forbid_extra_keys=True,
        unstruct_collection_overrides={Set: sorted, Sequence: list},
    )
    for kind in (str, int, float, bool):
        converter.register_structure_hook(kind, _strict(kind))
    # Vocabularies are str subclasses; registering on their base outranks the str hooks.
    converter.register_unstructure_hook(LabelledEnum, _enum_value)
    converter.register_structure_hook(LabelledEnum, _structure_enum)
    converter.register_unstructure_hook(DateTime, format_instant)
    converter.register_structure_hook(DateTime, _structure_instant)
    converter.register_unstructure_hook(Fraction, str)
    converter.register_structure_hook(Fraction, _structure_fraction)
    converter.register_unstructure_hook(TimeLimit, str)
    converter.register_structure_hook(TimeLimit, _structure_limit)
    converter.register_unstructure_hook(
        Event,
        make_dict_unstructure_fn(
            Event,
            converter,
            data=override(unstruct_hook=thaw_data),
            subject=override(omit_if_default=True),
        ),
    )
    # An event's statuses are read with its subject's vocabulary ("in_progress"
    # is a status of both), so the event hook reads them before the rest.
    converter.register_structure_hook_func(
        lambda target: target in (Status, Status | None), _passed_status
    )
    converter.register_structure_hook(
        Event,
        _event_structure(
            make_dict_structure_fn(
                Event,
                converter,
                data=override(struct_hook=_structure_data),
                _cattrs_forbid_extra_keys=True,
            )
        ),
    )
    done: set[object] = set()
    for model in MODELS:
        _check_shape(converter, model, done)
    return converter


MODELS = (Issue, Pledge, Unit, Rate)
"""The top-level models; the records nested in them are found by walking their fields."""


def _check_shape(converter: "cattrs.Converter", kind: Any, done: set[object]) -> None:
    """Make ``kind`` (and whatever it nests) refuse data of the wrong JSON shape.

    cattrs would otherwise read the string "abc" as the tuple ('a', 'b', 'c') and a
    dict as the list of its keys. Inner types are wrapped before outer ones,
    because cattrs builds a record's hook from the hooks of its fields.
    """
    if kind in done:
        return
    done.add(kind)
    if get_origin(kind) in (Union, UnionType):
        for option in get_args(kind):
            _check_shape(converter, option, done)
        return
    shape: tuple[type, ...]
    if get_origin(kind) in (tuple, frozenset):
        shape, expected = (list, tuple), "a JSON array"
        for item in get_args(kind):
            if item is not Ellipsis:
                _check_shape(converter, item, done)
    elif attrs.has(kind):
        shape, expected = (Mapping,), "a JSON object"
        for field in attrs.fields(kind):
            _check_shape(converter, field.type, done)
    else:
        return
    base = converter.get_structure_hook(kind)

    def structure(value: object, target: Any) -> object:
        if not isinstance(value, shape):
            raise InvalidTypeError(field="value", value=value, problem=f"must be {expected}")
        return base(value, target)

    if isinstance(kind, type):
        converter.register_structure_hook(kind, structure)
    else:  # a generic alias such as tuple[Feedback, ...] can only be matched by a predicate
        converter.register_structure_hook_func(lambda target: target == kind, structure)


@functools.cache
def _converter() -> "cattrs.Converter":
    """The library's own converter, built on first use: its hooks cost ~15 ms to make."""
    return make_converter()


def unstructure(model: object) -> Any:
    """``model`` as JSON-ready data: dicts, lists, strings, numbers, booleans and None.

    >>> from banshishi import Rate
    >>> unstructure(Rate(432, 1248))
    {'numerator': 432, 'denominator': 1248}
    """
    return _converter().unstructure(model)


def structure(data: Any, model: type[Model]) -> Model:
    """Rebuild a ``model`` instance from :func:`unstructure` output.

    Bad data raises a ``BanshishiError`` naming the path to the bad value:

    >>> from banshishi import Rate
    >>> structure({"numerator": 5, "denominator": 3}, Rate)
    Traceback (most recent call last):
    ...
    banshishi.InvalidCountError: Rate.numerator is larger than the denominator 3; got 5
    """
    if not (isinstance(model, type) and attrs.has(model)):
        raise InvalidTypeError(
            field="model", value=model, problem="must be a banshishi model class"
        )
    if not isinstance(data, Mapping):
        raise InvalidTypeError(field=model.__name__, value=data, problem="must be a JSON object")
    try:
        return cast(Model, _converter().structure(data, model))
    except BanshishiError as error:
        raise _translate(error, model.__name__) from error
    except Exception as error:
        from cattrs.errors import BaseValidationError, StructureHandlerNotFoundError

        if isinstance(error, BaseValidationError):
            raise _translate(error, model.__name__) from error
        if isinstance(error, StructureHandlerNotFoundError):
            raise InvalidTypeError(
                field="model", value=model, problem="cannot be read back from JSON"
            ) from None
        raise


@functools.cache
def field_reader(model: type, name: str) -> "Callable[[Any], Any]":
    """A function reading the JSON of ``model``'s field ``name`` back as
    :func:`structure` reads it into a ``model``: the same hook and converter,
    without ``model``'s validators (a value inside, such as a ``Feedback``, is
    still built and checked whole). For data the library wrote and checked
    already: a trusted rebuild reads a step's arguments so. It raises whatever
    the hook raises; :func:`structure` is the one that names a bad value."""
    field = attrs.fields_dict(model)[name]
    hook = _converter().get_structure_hook(field.type)
    kind = field.type
    convert = field.converter
    if convert is None:
        return lambda value: None if value is None else hook(value, kind)
    return lambda value: cast(Any, convert)(None if value is None else hook(value, kind))


def _translate(error: BaseException, path: str) -> BanshishiError:
    """Turn what cattrs raised at ``path`` into one library error naming the bad value."""
    from cattrs.errors import BaseValidationError, ForbiddenExtraKeysError

    if isinstance(error, ForbiddenExtraKeysError):
        return InvalidValueError(
            field=path, value=sorted(error.extra_fields), problem="has unknown keys"
        )
    if isinstance(error, BaseValidationError):
        inner = error.exceptions[0]
        return _translate(inner, path + _step(inner))
    if isinstance(error, BanshishiError):
        _, dot, rest = error.field.partition(".")
        return error.at(f"{path}.{rest}" if dot else path)
    if isinstance(error, KeyError):
        return InvalidValueError(field=path, value=None, problem="is required but missing")
    return InvalidValueError(field=path, value=None, problem=f"could not be read ({error})")


def _step(error: BaseException) -> str:
    from cattrs.errors import AttributeValidationNote, IterableValidationNote

    for note in getattr(error, "__notes__", ()):
        if isinstance(note, AttributeValidationNote):
            return f".{note.name}"
        if isinstance(note, IterableValidationNote):
            return f"[{note.index}]"
    return ""
