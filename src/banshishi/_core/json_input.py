"""One reader for every JSON text the library takes in.

Python's ``json`` module takes the last of two equal keys without a word, reads
``NaN`` and ``Infinity``, which JSON does not have, nests as deep as the stack
allows and then raises ``RecursionError``, and turns an escape such as
``"\\ud800"`` into half a character. :func:`read_json` refuses all of these with
an ``InvalidValueError`` naming the field the text came from and, inside it,
the path to the bad value, so that Open311 files, holiday schedules and what a
ledger keeps (event data, the unit tree) are all read by the same rules.
"""

import json
import re
from collections.abc import Iterator
from typing import Any, NoReturn

from .errors import InvalidTypeError, InvalidValueError
from .validators import lone_surrogate

MAX_DEPTH = 64
"""How deeply JSON text may nest (arrays and objects); nothing the library reads
needs more than a handful of levels."""

_ESCAPED_SURROGATE = re.compile(r"\\u[dD][89a-fA-F]")


class _Refused(Exception):
    """Raised inside the decoder's hooks; carries the reason out of ``json``."""

    def __init__(self, problem: str, value: object) -> None:
        super().__init__(problem)
        self.problem = problem
        self.value = value


def _unique(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
    found = dict(pairs)
    if len(found) != len(pairs):
        seen: set[str] = set()
        for key, _ in pairs:
            if key in seen:
                raise _Refused(f"has the key {key!r} twice in one object", key)
            seen.add(key)
    return found


def _constant(name: str) -> NoReturn:
    raise _Refused(f"holds {name}, which is not a number JSON allows", name)


_DECODER = json.JSONDecoder(object_pairs_hook=_unique, parse_constant=_constant)


def read_json(text: str, *, field: str) -> Any:
    """The value in the JSON ``text``, which came from ``field`` (a file, a column).

    Refused with :class:`InvalidValueError`: text that is not JSON, an object
    with a key twice, ``NaN`` or ``Infinity``, nesting deeper than
    :data:`MAX_DEPTH`, a number too long to read, and a lone surrogate.
    """
    if not isinstance(text, str):
        raise InvalidTypeError(field=field, value=text, problem="must be JSON text")
    half = lone_surrogate(text)
    if half is not None:
        _refuse(field, text, f"holds a lone surrogate ({half}), which is not a character")
    try:
        value = _DECODER.decode(text)
    except _Refused as refused:
        _refuse(field, refused.value, refused.problem)
    except json.JSONDecodeError as error:
        where = f"at line {error.lineno}, column {error.colno}"
        _refuse(field, text, f"is not valid JSON ({error.msg} {where})")
    except RecursionError:
        _refuse(field, text, f"nests deeper than {MAX_DEPTH} levels")
    except ValueError:  # a number of more digits than Python converts
        _refuse(field, text, "holds a number too long to read")
    # Only text with many brackets can nest deeply, and only an escape can make
    # a lone surrogate: the walk below is skipped for everything else.
    deep = text.count("[") + text.count("{") > MAX_DEPTH
    if deep or _ESCAPED_SURROGATE.search(text):
        _check(value, field, deep=deep)
    return value


def _check(value: Any, field: str, *, deep: bool) -> None:
    for path, depth, item in _walk(value, field):
        if deep and depth >= MAX_DEPTH and isinstance(item, dict | list):
            _refuse(path, "(nested data)", f"nests deeper than {MAX_DEPTH} levels")
        if isinstance(item, str):
            half = lone_surrogate(item)
            if half is not None:
                _refuse(path, item, f"holds a lone surrogate ({half}), which is not a character")


def _walk(value: Any, field: str) -> Iterator[tuple[str, int, Any]]:
    """Every value inside ``value`` (keys too) in the order of the text, with its
    path and how many arrays and objects hold it; no recursion."""
    stack: list[tuple[str, int, Any]] = [(field, 0, value)]
    while stack:
        path, depth, item = stack.pop()
        yield path, depth, item
        inner: list[tuple[str, int, Any]] = []
        if isinstance(item, dict):
            for key, found in item.items():
                inner.append((f"{path} (a key)", depth + 1, key))
                inner.append((f"{path}.{key}", depth + 1, found))
        elif isinstance(item, list):
            inner = [(f"{path}[{index}]", depth + 1, found) for index, found in enumerate(item)]
        stack.extend(reversed(inner))


def _refuse(field: str, value: object, problem: str) -> NoReturn:
    raise InvalidValueError(field=field, value=value, problem=problem) from None
