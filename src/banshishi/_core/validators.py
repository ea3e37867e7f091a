"""attrs validators that raise the library's own errors, naming ``Class.field``.

attrs' stock validators raise bare ``TypeError``/``ValueError``; these raise
members of the ``BanshishiError`` tree instead, so a caller can catch one root.
"""

import enum
import re
import unicodedata
from collections.abc import Callable, Iterable, Mapping
from typing import Any, TypeVar

import attrs

from .errors import BanshishiError, InvalidTypeError, InvalidValueError

Item = TypeVar("Item")
Validator = Callable[[Any, "attrs.Attribute[Any]", Any], None]


def field_name(instance: object, attribute: "attrs.Attribute[Any]") -> str:
    """The dotted name errors use for ``attribute`` of ``instance``."""
    return f"{type(instance).__name__}.{attribute.name}"


_SURROGATE = re.compile("[\ud800-\udfff]")


def lone_surrogate(text: str) -> str | None:
    """The first lone surrogate in ``text`` (as ``"\\ud800"``), or ``None``.

    A JSON escape such as ``"\\ud800"`` or text decoded with ``surrogateescape``
    gives Python text holding half of a UTF-16 pair: it is not a character, and
    no file, database or terminal can encode it.
    """
    if text.isascii():
        return None
    found = _SURROGATE.search(text)
    return None if found is None else f"\\u{ord(found.group()):04x}"


def encodable(text: str, *, field: str) -> str:
    """``text`` if it holds no lone surrogate; else an ``InvalidValueError`` naming ``field``."""
    half = lone_surrogate(text)
    if half is not None:
        raise InvalidValueError(
            field=field,
            value=text,
            problem=f"holds a lone surrogate ({half}), which is not a character",
            hint="Decode the text as UTF-8 (or JSON with the pair complete) first.",
        )
    return text


def of_type(*types: type, optional: bool = False) -> Validator:
    """Require an instance of one of ``types`` (``None`` too when ``optional``).

    ``bool`` is refused where ``int`` is asked for: ``True`` is not a count. Text
    must be encodable: a lone surrogate is refused (see :func:`encodable`).
    """
    expected = " or ".join(t.__name__ for t in types) + (" or None" if optional else "")

    def check(instance: object, attribute: "attrs.Attribute[Any]", value: object) -> None:
        if value is None and optional:
            return
        is_bool_for_int = isinstance(value, bool) and bool not in types
        if is_bool_for_int or not isinstance(value, types):
            raise InvalidTypeError(
                field=field_name(instance, attribute),
                value=value,
                problem=f"must be {expected}",
            )
        if isinstance(value, str) and not value.isascii() and _SURROGATE.search(value):
            encodable(value, field=field_name(instance, attribute))

    return check


def whole_number(
    minimum: int,
    *,
    maximum: int | None = None,
    error: type[InvalidValueError] = InvalidValueError,
) -> Validator:
    """Require an ``int`` (not a ``bool``) of at least ``minimum`` (and at most
    ``maximum``, when given); else raise ``error``."""
    check_type = of_type(int)

    def check(instance: object, attribute: "attrs.Attribute[Any]", value: int) -> None:
        check_type(instance, attribute, value)
        if value < minimum:
            raise error(
                field=field_name(instance, attribute),
                value=value,
                problem=f"must be {minimum} or more",
            )
        if maximum is not None and value > maximum:
            raise error(
                field=field_name(instance, attribute),
                value=value,
                problem=f"must be at most {maximum:,}",
            )

    return check


def whole_given(value: object, *, field: str, minimum: int = 0) -> int:
    """``value`` if it is an ``int`` (not a ``bool``) of at least ``minimum``; else
    raise the library's error naming ``field``."""
    if not isinstance(value, int) or isinstance(value, bool):
        raise InvalidTypeError(field=field, value=value, problem="must be a whole number")
    if value < minimum:
        raise InvalidValueError(field=field, value=value, problem=f"must be {minimum} or more")
    return value


def iterable_given(values: object, *, field: str, of: str = "items") -> Iterable[Any]:
    """``values`` if it is an iterable of items; text and mappings are refused, since
    iterating them yields characters or keys, never the items meant."""
    if isinstance(values, str | bytes | Mapping) or not isinstance(values, Iterable):
        raise InvalidTypeError(field=field, value=values, problem=f"must be an iterable of {of}")
    return values


def items_given(values: object, kind: type[Item], *, field: str) -> list[Item]:
    """``values`` as a list, if it is an iterable of ``kind``; else a library error.

    Used at the entry of the rate calculators, so that passing pledges to an issue
    rate, or ``None``, fails at once with the position of the stray item.
    """
    items = list(iterable_given(values, field=field, of=kind.__name__))
    for index, item in enumerate(items):
        if not isinstance(item, kind):
            raise InvalidTypeError(
                field=f"{field}[{index}]", value=item, problem=f"must be a {kind.__name__}"
            )
    return items


def flag(value: object, *, field: str) -> bool:
    """``value`` if it is a ``bool``; truthiness is not an answer to a yes/no option."""
    if not isinstance(value, bool):
        raise InvalidTypeError(field=field, value=value, problem="must be True or False")
    return value


def member_of(kind: type[enum.Enum], *, optional: bool = False) -> Validator:
    """Require a member of the enum ``kind``; plain strings are refused.

    Strings are parsed at the edges (``Channel("hotline")``, ``Channel("热线")``,
    the JSON converter), so a model never holds an unparsed value.
    """
    check_type = of_type(kind, optional=optional)

    def check(instance: object, attribute: "attrs.Attribute[Any]", value: object) -> None:
        if isinstance(value, str) and not isinstance(value, kind):
            raise InvalidTypeError(
                field=field_name(instance, attribute),
                value=value,
                problem=f"must be a {kind.__name__} member",
                hint=f"Parse text with {kind.__name__}(text) first.",
            )
        check_type(instance, attribute, value)

    return check


def text(*, required: bool = True) -> Validator:
    """Require a ``str``; when ``required``, one with something besides white space."""
    check_type = of_type(str)

    def check(instance: object, attribute: "attrs.Attribute[Any]", value: object) -> None:
        check_type(instance, attribute, value)
        if required and not str(value).strip():
            raise InvalidValueError(
                field=field_name(instance, attribute), value=value, problem="must not be empty"
            )

    return check


_required_text = text()


def normal_id(text: str) -> str:
    """The normal form of a record's id: NFKC (full-width letters and digits
    become the usual ones, ``ＲＸ－１`` → ``RX-1``), without surrounding white
    space (an ideographic space included)."""
    return unicodedata.normalize("NFKC", text).strip()


def id_key(text: str) -> str:
    """What ids are compared by to find one given twice: the normal form, case
    folded, so that ``RX-1``, ``rx-1`` and ``ＲＸ－１ `` are one id."""
    return unicodedata.normalize("NFKC", normal_id(text).casefold())


def identifier(*, optional: bool = False) -> Validator:
    """Require the id of an issue or a pledge: text in normal form (see
    :func:`normal_id`), or ``None`` when ``optional``.

    An id that is not in normal form is refused, never changed: the library
    does not rewrite a key someone else may hold, and the error says what to
    write instead.
    """

    def check(instance: object, attribute: "attrs.Attribute[Any]", value: object) -> None:
        if value is None and optional:
            return
        _required_text(instance, attribute, value)
        normal = normal_id(str(value))
        if normal != value:
            raise InvalidValueError(
                field=field_name(instance, attribute),
                value=value,
                problem="is not an id in normal form (NFKC, no surrounding spaces)",
                hint=f"Write it {normal!r}.",
            )

    return check


def optional_text(instance: object, attribute: "attrs.Attribute[Any]", value: object) -> None:
    """``None`` or a non-empty ``str``."""
    if value is not None:
        _required_text(instance, attribute, value)


def items_of(
    item: Validator,
    *,
    container: type[tuple[Any, ...] | frozenset[Any]] = tuple,
    unique: bool = False,
) -> Validator:
    """Require a ``container`` (a tuple unless told) whose every element passes ``item``.

    Only the declared container is accepted: a frozenset has no order and a tuple
    may repeat, so taking one for the other would change the record silently.
    Element errors are re-addressed to ``Class.field[i]``; ``unique`` refuses repeats.
    """

    def check(instance: object, attribute: "attrs.Attribute[Any]", value: object) -> None:
        name = field_name(instance, attribute)
        if type(value) is not container:
            raise InvalidTypeError(
                field=name, value=value, problem=f"must be a {container.__name__}"
            )
        seen: set[object] = set()
        for index, element in enumerate(value):
            try:
                item(instance, attribute, element)
            except BanshishiError as error:
                raise error.at(f"{name}[{index}]") from None
            if unique:
                if element in seen:
                    raise InvalidValueError(
                        field=f"{name}[{index}]", value=element, problem="appears more than once"
                    )
                seen.add(element)

    return check


def as_tuple(value: object) -> object:
    """attrs converter: a list becomes a tuple; anything else goes to the validator."""
    return tuple(value) if isinstance(value, list) else value


def members_given(value: object, kind: type, field: str) -> list[Any] | None:
    """``None``, one ``kind`` member, or a collection of them, as a list (or
    ``None``); anything else raises ``InvalidTypeError`` naming ``field``."""
    if value is None:
        return None
    if isinstance(value, str) and not isinstance(value, kind):
        raise InvalidTypeError(field=field, value=value, problem=f"must be a {kind.__name__}")
    items = [value] if isinstance(value, kind) else list(iterable_given(value, field=field))
    for member in items:
        if not isinstance(member, kind):
            raise InvalidTypeError(field=field, value=member, problem=f"must be a {kind.__name__}")
    return items
