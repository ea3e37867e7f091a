"""Issues as Open311 GeoReport v2 service requests, and the JSON they travel in.

:func:`export_requests` writes each issue as the object GeoReport v2 returns from
``GET requests.json``: every key the spec lists, ``None`` (JSON ``null``) where
we know nothing, times as RFC 3339 text with their UTC offset, and ``status``
only ever ``open`` or ``closed``. With ``extended=True`` two keys follow the
spec's: ``extended_status``, mySociety's finer status (see
:mod:`banshishi._exchange.open311_status`), and ``external_status_code``, our own status,
the key mySociety's extension gives a back end's own code. Reading both back
recovers our status exactly.

>>> import pendulum
>>> from banshishi import Channel, Issue, Urgency
>>> issue = Issue(id="RX-1", title="路灯不亮", channel=Channel.HOTLINE,
...     urgency=Urgency.URGENT, category="市政设施",
...     received_at=pendulum.datetime(2026, 9, 1, 10, 15, tz="Asia/Shanghai"))
>>> [request] = export_requests([issue], at=pendulum.datetime(2026, 9, 2, tz="Asia/Shanghai"))
>>> request["status"], request["requested_datetime"], request["updated_datetime"]
('open', '2026-09-01T10:15:00+08:00', '2026-09-01T10:15:00+08:00')
>>> request["service_name"], request["service_code"] == service_code("市政设施")
('市政设施', True)
"""

import hashlib
import json
import os
import unicodedata
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from pathlib import Path
from typing import Any, Literal

from pendulum import DateTime

from banshishi._core.errors import (
    ChronologyError,
    DuplicateError,
    InvalidTypeError,
    InvalidValueError,
)
from banshishi._core.json_input import read_json
from banshishi._core.time import as_datetime
from banshishi._core.validators import encodable, flag, iterable_given
from banshishi._core.whole_file import write_text_whole
from banshishi._model.confidential import exported
from banshishi._model.issue import Issue
from banshishi._model.vocabulary import DismissalReason, IssueStatus

from .open311_status import dismissal_reason, open311_status
from .open311_xml import MAX_FEED_SIZE, looks_like_xml, parse_requests_xml, xml_parts

SPEC_KEYS = (
    "service_request_id",
    "status",
    "status_notes",
    "service_name",
    "service_code",
    "description",
    "agency_responsible",
    "service_notice",
    "requested_datetime",
    "updated_datetime",
    "expected_datetime",
    "address",
    "address_id",
    "zipcode",
    "lat",
    "long",
    "media_url",
)
"""The keys of a service request in GeoReport v2's ``GET requests``, in its order."""

EXTENDED_KEYS = (
    "extended_status",
    "external_status_code",
    "closed_datetime",
    "answered_datetime",
    "request_type",
    "confidential",
    "repeat_of",
)
"""The keys ``extended=True`` adds after :data:`SPEC_KEYS`."""


def service_code(category: str) -> str | None:
    """A stable ``service_code`` for a category: ``c-`` and 12 hex digits of the
    SHA-256 of its text (Unicode NFC, UTF-8); ``None`` for no category.

    Categories are free Chinese text, and a code must not change between runs,
    machines or versions, so it is derived from the text alone; anyone can
    compute it again. ``service_name`` carries the text itself.

    >>> service_code("供暖")
    'c-2b111fa9e917'
    """
    if not isinstance(category, str):
        raise InvalidTypeError(field="category", value=category, problem="must be text")
    if category == "":
        return None
    digest = hashlib.sha256(unicodedata.normalize("NFC", category).encode("utf-8"))
    return "c-" + digest.hexdigest()[:12]


def export_requests(
    issues: Iterable[Issue],
    *,
    at: DateTime,
    extended: bool = False,
    include_confidential: bool = False,
) -> list[dict[str, Any]]:
    """The issues as GeoReport v2 service requests, as they stand at ``at``.

    ``at`` is the moment of the export: ``updated_datetime`` is the time of the
    last thing that happened to an issue (a step, an answer, a rating, a visit, …),
    so an issue with anything recorded after ``at`` is refused
    (``ChronologyError``), as are two issues with one id. ``address_id``
    carries the issue's administrative-division code, the one identifier of a
    place we keep; ``zipcode`` and ``media_url`` are always ``None``.

    A confidential issue (保密件) is exported withheld: ``description`` reads
    ``保密``, ``address``, ``lat`` and ``long`` are ``None``, and status notes give
    no answer's text (see ``withheld``), unless ``include_confidential`` asks for
    an unmasked exchange. With ``extended``, ``confidential`` (``"true"`` or
    ``"false"``) says which are.
    """
    return list(
        request_stream(issues, at=at, extended=extended, include_confidential=include_confidential)
    )


def request_stream(
    issues: Iterable[Issue],
    *,
    at: DateTime,
    extended: bool = False,
    include_confidential: bool = False,
) -> Iterator[dict[str, Any]]:
    """:func:`export_requests`, one request at a time, as ``issues`` are read:
    for an export in memory that does not grow with the ledger. The arguments
    are checked at once; each issue as it comes."""
    at = as_datetime(at, field="at")
    extended = flag(extended, field="extended")
    given = iterable_given(issues, field="issues", of="Issue")
    return _requests(given, at, extended, exported(include_confidential))


def _requests(
    issues: Iterable[Any], at: DateTime, extended: bool, shown: Callable[[Issue], Issue]
) -> Iterator[dict[str, Any]]:
    seen: dict[str, int] = {}
    for index, issue in enumerate(issues):
        if not isinstance(issue, Issue):
            raise InvalidTypeError(field=f"issues[{index}]", value=issue, problem="must be a Issue")
        if issue.id in seen:
            raise DuplicateError(
                field=f"issues[{index}].id",
                value=issue.id,
                problem=f"is also the id of issues[{seen[issue.id]}]",
            )
        seen[issue.id] = index
        yield _request(shown(issue), at=at, extended=extended, path=f"issues[{index}]")


def _request(issue: Issue, *, at: DateTime, extended: bool, path: str) -> dict[str, Any]:
    updated = _last_happened(issue, at=at, path=path)
    row = open311_status(issue, at=at)
    place = issue.location
    deadline = issue.deadline
    request: dict[str, Any] = {
        "service_request_id": issue.id,
        "status": row.coarse,
        "status_notes": _status_notes(issue, at),
        "service_name": issue.category or None,
        "service_code": service_code(issue.category),
        "description": f"{issue.title}\n{issue.description}" if issue.description else issue.title,
        "agency_responsible": issue.responsible_unit,
        "service_notice": issue.requirements or None,
        "requested_datetime": issue.received_at.isoformat(),
        "updated_datetime": updated.isoformat(),
        "expected_datetime": None if deadline is None else deadline.isoformat(),
        "address": (place.address or None) if place else None,
        "address_id": place.division_code if place else None,
        "zipcode": None,
        "lat": place.latitude if place else None,
        "long": place.longitude if place else None,
        "media_url": None,
    }
    if extended:
        request["extended_status"] = row.open311.value
        request["external_status_code"] = issue.status.value
        closed = issue.closed_at_as_of(at)
        request["closed_datetime"] = None if closed is None else closed.isoformat()
        # The answer that led to the closure, or the answer of the round standing.
        answered = issue.answered_at_as_of(at if closed is None else closed)
        request["answered_datetime"] = None if answered is None else answered.isoformat()
        kind = issue.request_type
        request["request_type"] = None if kind is None else kind.value
        # Text, as XML has no other way to say it: "true" or "false".
        request["confidential"] = "true" if issue.confidential else "false"
        request["repeat_of"] = issue.repeat_of
    return request


def _last_happened(issue: Issue, *, at: DateTime, path: str) -> DateTime:
    """The latest moment something happened to ``issue``; refused if after ``at``.

    Deadlines and due dates are plans, not happenings, so they do not count.
    """
    moments: list[tuple[str, DateTime | None]] = [("received_at", issue.received_at)]
    moments.append(("closed_at", issue.closed_at))
    for name, attribute in _HAPPENINGS:
        for index, item in enumerate(getattr(issue, name)):
            moments.append((f"{name}[{index}].{attribute}", getattr(item, attribute)))
    known = [(name, moment) for name, moment in moments if moment is not None]
    name, latest = max(known, key=lambda pair: pair[1])
    if latest > at:
        raise ChronologyError(
            field=f"{path}.{name}",
            value=latest,
            problem=f"is after the moment of the export ({at.isoformat()})",
            hint="Export at a moment no earlier than the last thing recorded on the issues.",
        )
    return latest


_HAPPENINGS = (
    ("history", "at"),
    ("feedback", "at"),
    ("evaluations", "at"),
    ("rectifications", "opened_at"),
    ("rectifications", "answered_at"),
    ("appeals", "filed_at"),
    ("appeals", "decided_at"),
    ("visits", "done_at"),
    ("milestones", "done_at"),
    ("dispatches", "dispatched_at"),
    ("dispatches", "answered_at"),
    ("dispatches", "returned_at"),
)


def _status_notes(issue: Issue, at: DateTime) -> str | None:
    """The answer given, for an answered or closed issue; else the note of the step
    that brought the issue to its status. A dismissal always says why."""
    if issue.status in (IssueStatus.ANSWERED, IssueStatus.CLOSED):
        given = [item for item in issue.feedback if item.at <= at]
        return max(reversed(given), key=lambda item: item.at).content if given else None
    for event in reversed(issue.history):
        if event.to_status is issue.status and event.from_status is not issue.status:
            if event.note.strip():
                return event.note
            break
    if issue.status is IssueStatus.DISMISSED:
        reason = dismissal_reason(issue)
        if issue.duplicate_of is not None:
            reason = DismissalReason.DUPLICATE
        return reason.label if reason is not None else IssueStatus.DISMISSED.label
    return None


# -- JSON and XML text and files -----------------------------------------------------------

Format = Literal["json", "xml"]
"""The two forms a GeoReport v2 server answers in: ``requests.json`` and ``requests.xml``."""


def dump_requests(requests: Sequence[Mapping[str, Any]], *, format: Format = "json") -> str:
    """``requests`` as text: a JSON array (Chinese kept as is, indented), or with
    ``format="xml"`` GeoReport v2 XML (``<service_requests><request>…``)."""
    kind = _format(format)
    if isinstance(requests, str | bytes | Mapping) or not isinstance(requests, Sequence):
        raise InvalidTypeError(
            field="requests", value=requests, problem="must be a list of service requests"
        )
    for index, request in enumerate(requests):
        if not isinstance(request, Mapping):
            raise InvalidTypeError(
                field=f"requests[{index}]", value=request, problem="must be a mapping"
            )
    return "".join(request_text(requests, format=kind))


def request_text(
    requests: Iterable[Mapping[str, Any]], *, format: Format = "json"
) -> Iterator[str]:
    """The text of :func:`dump_requests`, in parts, one request's at a time, made
    as ``requests`` are read: for writing them as they are made."""
    kind = _format(format)
    if kind == "xml":
        for part in xml_parts(_mappings(requests)):
            yield encodable(part, field="requests")
        return
    opening = "[\n  "
    for index, request in enumerate(_mappings(requests)):
        try:
            part = json.dumps(dict(request), ensure_ascii=False, indent=2, allow_nan=False)
        except (TypeError, ValueError, RecursionError) as error:
            raise InvalidValueError(
                field=f"requests[{index}]",
                value=request,
                problem=f"cannot be written as JSON ({error})",
            ) from None
        yield opening + encodable(part, field=f"requests[{index}]").replace("\n", "\n  ")
        opening = ",\n  "
    yield "[]\n" if opening.startswith("[") else "\n]\n"


def _mappings(requests: Iterable[object]) -> Iterator[Mapping[str, Any]]:
    for index, request in enumerate(requests):
        if not isinstance(request, Mapping):
            raise InvalidTypeError(
                field=f"requests[{index}]", value=request, problem="must be a mapping"
            )
        yield request


def load_requests(text: str) -> list[dict[str, Any]]:
    """The service requests in ``text``: GeoReport v2 XML when it starts with
    ``<``, else JSON, either an array of objects or an object whose
    ``service_requests`` is one (as FixMyStreet wraps them)."""
    if not isinstance(text, str):
        raise InvalidTypeError(field="requests", value=text, problem="must be JSON or XML text")
    if looks_like_xml(text):
        return parse_requests_xml(text)
    return _from_json(text)


def _from_json(text: str) -> list[dict[str, Any]]:
    data = read_json(text, field="requests")
    if isinstance(data, dict) and "service_requests" in data:
        data = data["service_requests"]
    if not isinstance(data, list):
        raise InvalidTypeError(
            field="requests", value=data, problem="must be a JSON array of service requests"
        )
    for index, item in enumerate(data):
        if not isinstance(item, dict):
            raise InvalidTypeError(
                field=f"requests[{index}]", value=item, problem="must be a JSON object"
            )
    return data


def write_requests(
    path: str | os.PathLike[str],
    requests: Sequence[Mapping[str, Any]],
    *,
    format: Format | None = None,
) -> None:
    """Write ``requests`` to the file ``path`` as JSON or XML (UTF-8): ``format``,
    or else XML for a name ending ``.xml`` and JSON for any other.

    The text is written under a temporary name beside ``path`` and moved into
    place only when complete, so a failure leaves the old file, or none. The
    requests are not masked: a new file is readable by its owner only.
    """
    kind = _format(format) if format is not None else _by_suffix(path) or "json"
    write_text_whole(path, dump_requests(requests, format=kind), private=True)


def read_requests(
    path: str | os.PathLike[str], *, format: Format | None = None
) -> list[dict[str, Any]]:
    """The service requests in the file ``path``: ``format``, or else XML for a
    name ending ``.xml``, JSON for ``.json``, and for any other name what the
    content looks like (see :func:`load_requests`). XML is read as its
    declaration says (UTF-8 by default), JSON as UTF-8; a file longer than
    :data:`MAX_FEED_SIZE` bytes is refused unread."""
    kind = _format(format) if format is not None else _by_suffix(path)
    source = Path(path)
    try:
        if source.stat().st_size > MAX_FEED_SIZE:
            raise InvalidValueError(
                field="path",
                value=str(path),
                problem=f"is longer than {MAX_FEED_SIZE:,} bytes, the most a feed is read to",
            )
        data = source.read_bytes()
    except OSError as error:
        raise InvalidValueError(
            field="path", value=str(path), problem=f"cannot be read ({error.strerror})"
        ) from None
    if kind == "xml" or (kind is None and looks_like_xml(data)):
        return parse_requests_xml(data)
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError:
        raise InvalidValueError(
            field="path", value=str(path), problem="is not UTF-8 text"
        ) from None
    return _from_json(text)


def _format(format: object) -> Format:
    if format == "json" or format == "xml":
        return "xml" if format == "xml" else "json"
    raise InvalidValueError(field="format", value=format, problem="must be 'json' or 'xml'")


def _by_suffix(path: object) -> Format | None:
    suffix = Path(path).suffix.lower() if isinstance(path, str | os.PathLike) else ""
    return "xml" if suffix == ".xml" else "json" if suffix == ".json" else None
