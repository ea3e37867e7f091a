"""GeoReport v2 service requests as XML, read safely and written back.

A GeoReport v2 server answers ``GET requests.xml`` with::

    <service_requests>
      <request><service_request_id>1</service_request_id>…</request>
    </service_requests>

Each ``request`` becomes a dict of its child elements' text, the form the JSON
answer has, so the importer applies the same checks to both. An empty element
(``<description/>``) reads as ``""``, which the importer takes as absent. An
extension's nested elements (mySociety's ``<attributes>``, San Francisco's
``<notes>``) read as nested dicts, or lists when every child repeats one name;
the importer does not keep them.

The file is read with the standard library's expat parser, with everything that
makes XML dangerous refused rather than merely not expanded: a document type
declaration (so no entity can be declared, which rules out "billion laughs"
expansion and external entities), an undeclared entity, nesting deeper than
:data:`MAX_DEPTH` and text longer than :data:`MAX_FEED_SIZE`.
"""

import math
import re
from collections.abc import Iterable, Iterator, Mapping, Sequence
from typing import Any, NoReturn
from xml.parsers import expat

from banshishi._core.errors import InvalidTypeError, InvalidValueError

MAX_FEED_SIZE = 64 * 1024 * 1024
"""The most bytes (characters, for text) of a feed read: well beyond any page of one."""

MAX_DEPTH = 64
"""How deeply elements may nest; a request needs three or four levels."""

ROOT = "service_requests"
REQUEST = "request"

# Characters XML 1.0 does not allow in a document at all, even as a reference.
_NOT_XML = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ud800-\udfff\ufffe\uffff]")
_NAME = re.compile(r"[A-Za-z_][A-Za-z0-9_.-]*\Z")


class _Refused(Exception):
    def __init__(self, problem: str) -> None:
        super().__init__(problem)
        self.problem = problem


class _Element:
    __slots__ = ("children", "line", "name", "text")

    def __init__(self, name: str, line: int) -> None:
        self.name = name
        self.line = line
        self.text: list[str] = []
        self.children: list[_Element] = []


def looks_like_xml(text: str | bytes) -> bool:
    """Whether ``text`` starts (after a byte-order mark and blanks) with ``<``."""
    if isinstance(text, bytes):
        head = text[:64].removeprefix(b"\xef\xbb\xbf").lstrip()
        return head.startswith(b"<")
    return text.removeprefix("\ufeff").lstrip().startswith("<")


def parse_requests_xml(data: str | bytes, *, field: str = "requests") -> list[dict[str, Any]]:
    """The service requests in GeoReport v2 XML ``data``.

    Bytes are decoded as their XML declaration says (UTF-8 by default); text is
    taken as it is. Refused with :class:`InvalidValueError` naming ``field`` and
    the line: XML that is not well formed, a DTD or entity, a root other than
    ``service_requests``, a child of it other than ``request``, and a request
    holding one element twice.
    """
    if not isinstance(data, str | bytes):
        raise InvalidTypeError(field=field, value=data, problem="must be XML text or bytes")
    if len(data) > MAX_FEED_SIZE:
        _refuse(field, f"(XML of {len(data):,} characters)", f"is longer than {MAX_FEED_SIZE:,}")
    root = _parse(data, field)
    if root.name != ROOT:
        _refuse(
            field,
            root.name,
            f"is not GeoReport v2 service requests: the root element is {root.name!r}, "
            f"not {ROOT!r}",
        )
    requests: list[dict[str, Any]] = []
    for index, child in enumerate(root.children):
        path = f"{field}[{index}]"
        if child.name != REQUEST:
            _refuse(
                path,
                child.name,
                f"is a {child.name!r} element, not a {REQUEST!r} (line {child.line})",
            )
        requests.append(_mapping(child, path))
    return requests


def _parse(data: str | bytes, field: str) -> _Element:
    parser = expat.ParserCreate("utf-8" if isinstance(data, str) else None)
    parser.SetParamEntityParsing(expat.XML_PARAM_ENTITY_PARSING_NEVER)
    stack: list[_Element] = []
    found: list[_Element] = []

    def forbid(what: str) -> Any:
        def handler(*_: object) -> NoReturn:
            raise _Refused(f"holds {what} (line {parser.CurrentLineNumber}), which is refused")

        return handler

    def start(name: str, _attributes: object) -> None:
        if len(stack) >= MAX_DEPTH:
            raise _Refused(f"nests deeper than {MAX_DEPTH} elements")
        element = _Element(name, parser.CurrentLineNumber)
        (stack[-1].children if stack else found).append(element)
        stack.append(element)

    def end(_name: str) -> None:
        stack.pop()

    def characters(text: str) -> None:
        if stack:
            stack[-1].text.append(text)

    parser.StartElementHandler = start
    parser.EndElementHandler = end
    parser.CharacterDataHandler = characters
    parser.StartDoctypeDeclHandler = forbid("a document type declaration (DTD)")
    parser.EntityDeclHandler = forbid("an entity declaration")
    parser.UnparsedEntityDeclHandler = forbid("an entity declaration")
    parser.ExternalEntityRefHandler = forbid("an external entity")
    parser.SkippedEntityHandler = forbid("an entity reference")
    parser.buffer_text = True
    try:
        parser.Parse(data.encode("utf-8") if isinstance(data, str) else data, True)
    except _Refused as refused:
        _refuse(field, "(XML text)", refused.problem)
    except expat.ExpatError as error:
        reason = expat.ErrorString(error.code)
        _refuse(
            field,
            "(XML text)",
            f"is not well-formed XML ({reason} at line {error.lineno}, column {error.offset + 1})",
        )
    except (UnicodeError, LookupError, ValueError) as error:  # an unknown encoding
        _refuse(field, "(XML text)", f"cannot be decoded as its XML declaration says ({error})")
    return found[0]


def _mapping(element: _Element, path: str) -> dict[str, Any]:
    _no_mixed_text(element, path)
    found: dict[str, Any] = {}
    for child in element.children:
        if child.name in found:
            _refuse(
                f"{path}.{child.name}",
                child.name,
                f"is an element the request holds twice (line {child.line})",
            )
        found[child.name] = _value(child, f"{path}.{child.name}")
    return found


def _value(element: _Element, path: str) -> Any:
    if not element.children:
        return "".join(element.text)
    names = {child.name for child in element.children}
    if len(element.children) > 1 and len(names) == 1:
        _no_mixed_text(element, path)
        return [_value(child, f"{path}[{i}]") for i, child in enumerate(element.children)]
    return _mapping(element, path)


def _no_mixed_text(element: _Element, path: str) -> None:
    text = "".join(element.text)
    if text.strip():
        _refuse(path, text, f"mixes text with elements (line {element.line})")


def _refuse(field: str, value: object, problem: str) -> NoReturn:
    raise InvalidValueError(field=field, value=value, problem=problem) from None


# -- writing ---------------------------------------------------------------------------------


def dump_requests_xml(requests: Sequence[Mapping[str, Any]]) -> str:
    """``requests`` as GeoReport v2 XML text: ``None`` as an empty element, numbers
    as JSON writes them. Only text, numbers and ``None`` can be written."""
    return "".join(xml_parts(requests))


def xml_parts(requests: Iterable[Mapping[str, Any]]) -> Iterator[str]:
    """The text of :func:`dump_requests_xml`, in parts, one request's at a time:
    for writing requests as they are made."""
    yield f'<?xml version="1.0" encoding="UTF-8"?>\n<{ROOT}>\n'
    for index, request in enumerate(requests):
        lines = [f"  <{REQUEST}>"]
        for key, value in request.items():
            path = f"requests[{index}].{key}"
            if not isinstance(key, str) or not _NAME.match(key) or key.lower().startswith("xml"):
                raise InvalidValueError(
                    field=path, value=key, problem="is not a name an XML element can have"
                )
            text = _text(value, path)
            lines.append(f"    <{key}/>" if text == "" else f"    <{key}>{text}</{key}>")
        lines.append(f"  </{REQUEST}>")
        yield "\n".join(lines) + "\n"
    yield f"</{ROOT}>\n"


def _text(value: object, path: str) -> str:
    if value is None:
        return ""
    if isinstance(value, bool) or not isinstance(value, str | int | float):
        raise InvalidTypeError(
            field=path,
            value=value,
            problem="cannot be written as XML: only text, numbers and null can",
        )
    if isinstance(value, float) and not math.isfinite(value):
        raise InvalidValueError(field=path, value=value, problem="is not a finite number")
    if isinstance(value, float):
        return repr(value)
    if isinstance(value, int):
        if not -(10**18) < value < 10**18:
            raise InvalidValueError(
                field=path, value="(a number of more than 18 digits)", problem="is too long"
            )
        return str(value)
    bad = _NOT_XML.search(value)
    if bad is not None:
        raise InvalidValueError(
            field=path,
            value=value,
            problem=f"holds the character U+{ord(bad.group()):04X}, which XML 1.0 does not allow",
        )
    escaped = value.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
    return escaped.replace("\r", "&#13;")  # a parser would turn a bare CR into LF
