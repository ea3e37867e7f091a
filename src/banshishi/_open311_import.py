"""Open311 GeoReport v2 service requests read back as issues.

A request becomes an :class:`Issue` without history, the way a ledger imported
from a spreadsheet has none. Open311 knows nothing of urgency, channel or
administrative divisions, so the caller says what to assume. Every request is
checked before any issue is returned: one bad request, or two with one id,
refuses the lot, and the error names the request and key
(``requests[3].status``) and the value found.

>>> import pendulum
>>> [issue] = import_requests([{
...     "service_request_id": 638344, "status": "open", "service_name": "路灯",
...     "description": "路灯不亮", "requested_datetime": "2026-09-01T10:15:00+08:00",
... }], urgency="urgent")
>>> issue.id, issue.status.value, issue.channel.value, issue.received_at.isoformat()
('638344', 'received', 'mobile_platform', '2026-09-01T10:15:00+08:00')
"""

from collections.abc import Iterable, Mapping
from typing import Any, TypeVar, cast

from pendulum import DateTime

from ._channel import Channel
from ._errors import (
    BanshishiError,
    ChronologyError,
    DuplicateError,
    InconsistentRecordError,
    InvalidTypeError,
    InvalidValueError,
)
from ._feedback import Feedback, FeedbackMethod
from ._issue import Issue
from ._issue_rules import NEEDS_FEEDBACK
from ._labels import LabelledEnum
from ._location import Location
from ._open311 import load_requests
from ._open311_reader import Reader
from ._open311_status import Open311Status, issue_status
from ._status import IssueStatus
from ._track import Urgency
from ._validators import flag, iterable_given

_PLAIN = (Open311Status.OPEN, Open311Status.CLOSED)
_OURS = frozenset(status.value for status in IssueStatus)

# Where an error an Issue raises about one of its fields points in the request.
_KEY_OF_FIELD = {
    "id": "service_request_id",
    "title": "description",
    "description": "description",
    "category": "service_name",
    "responsible_unit": "agency_responsible",
    "requirements": "service_notice",
    "received_at": "requested_datetime",
    "deadline": "expected_datetime",
    "closed_at": "updated_datetime",
    "feedback": "status_notes",
    "status": "status",
}


def import_requests(
    requests: str | Iterable[Mapping[str, Any]] | Mapping[str, Any],
    *,
    urgency: Urgency | str,
    division_code: str | None = None,
    division_code_from_address_id: bool = False,
    channel: Channel | str = Channel.MOBILE_PLATFORM,
    feedback_method: FeedbackMethod | str = FeedbackMethod.ONLINE,
) -> list[Issue]:
    """Issues from GeoReport v2 service requests: mappings, JSON text, or either
    wrapped as ``{"service_requests": [...]}`` the way FixMyStreet sends them.

    - ``urgency`` (急难愁盼) has no default: Open311 has nothing to judge it by.
      The track follows from it.
    - ``channel`` defaults to 随手拍 (``mobile_platform``): Open311 clients are
      photo-and-send apps.
    - ``division_code`` is the administrative division of every request with an
      address or a point; it is required when one has either. With
      ``division_code_from_address_id`` each request's ``address_id`` is read as
      its code instead (:func:`export_requests` writes it there), falling back to
      ``division_code`` where ``address_id`` is empty.
    - An answered or closed request needs ``status_notes`` and
      ``updated_datetime``: they become the feedback (by ``feedback_method``),
      and a closed request is taken as closed at its ``closed_datetime`` (an
      extended export's) or else at ``updated_datetime``.

    The status is read through :data:`OPEN311_STATUSES`, from
    ``extended_status`` if present, else ``status`` (plain or extended, in any
    case); ``external_status_code``, when it names one of our statuses, picks it.
    Times must carry a UTC offset. ``lat`` and ``long`` may be numbers or numeric
    text; an empty string counts as absent. ``zipcode``, ``media_url`` and keys
    GeoReport v2 does not define are not kept.
    """
    options = _Options(
        urgency=_member(Urgency, urgency, "urgency"),
        channel=_member(Channel, channel, "channel"),
        method=_member(FeedbackMethod, feedback_method, "feedback_method"),
        division=_division(division_code),
        from_address_id=flag(division_code_from_address_id, field="division_code_from_address_id"),
    )
    items: object = load_requests(requests) if isinstance(requests, str) else requests
    if isinstance(items, Mapping) and "service_requests" in items:
        items = items["service_requests"]
    items = iterable_given(items, field="requests", of="service requests, or JSON text")
    issues: list[Issue] = []
    seen: dict[str, int] = {}
    for index, raw in enumerate(items):
        issue = _issue(raw, f"requests[{index}]", options)
        if issue.id in seen:
            raise DuplicateError(
                field=f"requests[{index}].service_request_id",
                value=raw["service_request_id"],
                problem=f"is also the id of requests[{seen[issue.id]}]",
            )
        seen[issue.id] = index
        issues.append(issue)
    return issues


class _Options:
    __slots__ = ("channel", "division", "from_address_id", "method", "urgency")

    def __init__(
        self,
        *,
        urgency: Urgency,
        channel: Channel,
        method: FeedbackMethod,
        division: str | None,
        from_address_id: bool,
    ) -> None:
        self.urgency = urgency
        self.channel = channel
        self.method = method
        self.division = division
        self.from_address_id = from_address_id


Kind = TypeVar("Kind", bound=LabelledEnum)


def _member(kind: type[Kind], value: object, field: str) -> Kind:
    try:
        return kind(cast(Any, value))
    except BanshishiError as error:
        raise error.at(field) from None


def _division(code: object) -> str | None:
    if code is None:
        return None
    try:
        return Location(division_code=code).division_code  # type: ignore[arg-type]
    except BanshishiError as error:
        raise error.at("division_code") from None


def _issue(raw: object, path: str, options: _Options) -> Issue:
    if not isinstance(raw, Mapping):
        raise InvalidTypeError(field=path, value=raw, problem="must be a mapping (a JSON object)")
    read = Reader(raw, path)
    request_id = read.required_identifier("service_request_id")
    status = _status(read)
    received = read.required_moment("requested_datetime")
    updated = read.moment("updated_datetime")
    expected = read.moment("expected_datetime")
    closed = read.moment("closed_datetime")  # ours, with extended=True
    if closed is not None and updated is not None and closed > updated:
        raise ChronologyError(
            field=f"{path}.closed_datetime",
            value=raw["closed_datetime"],
            problem=f"is after updated_datetime ({updated.isoformat()})",
        )
    times = (("updated_datetime", updated), ("expected_datetime", expected),
             ("closed_datetime", closed))  # fmt: skip
    for key, moment in times:
        if moment is not None and moment < received:
            raise ChronologyError(
                field=f"{path}.{key}",
                value=raw[key],
                problem=f"is before requested_datetime ({received.isoformat()})",
            )
    feedback: tuple[Feedback, ...] = ()
    if status is not IssueStatus.CLOSED:
        closed = None
    elif closed is None:
        closed = updated  # a plain request: taken as closed when last updated
    if status in NEEDS_FEEDBACK:
        answered = closed if closed is not None else updated
        feedback = (_answer(read, status, answered, options.method),)
    title, description = _title(read)
    service_code = read.identifier("service_code")
    read.identifier("zipcode")
    read.text("media_url")
    fields: dict[str, Any] = {
        "id": request_id,
        "title": title,
        "description": description,
        "channel": options.channel,
        "urgency": options.urgency,
        "received_at": received,
        "category": read.text("service_name") or service_code or "",
        "location": _location(read, options),
        "responsible_unit": read.text("agency_responsible"),
        "requirements": read.text("service_notice") or "",
        "deadline": expected,
        "status": status,
        "closed_at": closed,
        "feedback": feedback,
    }
    try:
        return Issue(**fields)
    except BanshishiError as error:
        name = error.field.removeprefix("Issue.").split(".")[0].split("[")[0]
        raise error.at(f"{path}.{_KEY_OF_FIELD.get(name, name)}") from None


def _answer(
    read: Reader, status: IssueStatus, updated: DateTime | None, method: FeedbackMethod
) -> Feedback:
    """The feedback an answered or closed request implies: its notes, when updated."""
    notes = read.text("status_notes")
    if notes is not None and notes.strip() and updated is not None:
        return Feedback(at=updated, content=notes, method=method)
    key = "updated_datetime" if notes is not None and notes.strip() else "status_notes"
    raise InconsistentRecordError(
        field=f"{read.path}.{key}",
        value=read.raw.get(key),
        problem=f"is needed on a {status.value} request",
        hint="An answered or closed issue needs the answer given to the requester: "
        "status_notes at updated_datetime.",
    )


def _status(read: Reader) -> IssueStatus:
    """Our status, from ``status``, ``extended_status`` and ``external_status_code``."""
    path, raw = read.path, read.raw
    given = read.required("status")
    plain = Open311Status.read(given, field=f"{path}.status")
    extended_value = read.optional("extended_status")
    extended = (
        None
        if extended_value is None
        else Open311Status.read(extended_value, field=f"{path}.extended_status")
    )
    code = raw.get("external_status_code")
    ours = IssueStatus(code) if isinstance(code, str) and code in _OURS else None
    if extended is None and plain in _PLAIN and ours is not None:
        # A plain status and our own code: the code decides, if it is as open.
        if ours.is_open != (plain is Open311Status.OPEN):
            raise InconsistentRecordError(
                field=f"{path}.external_status_code",
                value=code,
                problem=f"is not a status of a request marked {given!r}",
            )
        return ours
    chosen = extended or plain
    status = issue_status(chosen, ours=ours, field=f"{path}.external_status_code")
    if extended is not None and plain is not extended:
        agreeing = {_plain(status.is_open), _plain(extended.is_open)}
        if plain not in agreeing:
            raise InconsistentRecordError(
                field=f"{path}.status",
                value=given,
                problem=f"contradicts extended_status {extended.value!r}",
            )
    return status


def _plain(is_open: bool) -> Open311Status:
    return Open311Status.OPEN if is_open else Open311Status.CLOSED


def _title(read: Reader) -> tuple[str, str]:
    """The first line of ``description`` as the title, the rest as the description;
    with no description, the service name, or the request's id."""
    text = read.text("description")
    if text is not None:
        first, _, rest = text.partition("\n")
        first = first.removesuffix("\r")
        if first.strip():
            return first, rest
    name = read.text("service_name")
    if name is not None and name.strip():
        return name.strip(), text or ""
    return f"Open311 request {read.identifier('service_request_id')}", text or ""


def _location(read: Reader, options: _Options) -> Location | None:
    path = read.path
    address = read.text("address")
    lat, long = read.degrees("lat", 90), read.degrees("long", 180)
    if (lat is None) != (long is None):
        missing = "long" if long is None else "lat"
        raise InconsistentRecordError(
            field=f"{path}.{missing}",
            value=read.raw.get(missing),
            problem="is missing, and lat and long come together",
        )
    code_key = "division_code"
    code = options.division
    address_id = read.identifier("address_id")
    if options.from_address_id and address_id is not None:
        code_key, code = f"{path}.address_id", address_id
    if address is None and lat is None and code_key == "division_code":
        return None
    if code is None:
        key = "address" if address is not None else "lat"
        raise InvalidValueError(
            field=f"{path}.{key}",
            value=read.raw.get(key),
            problem="places the request, but no administrative-division code was given",
            hint="Give the division code of the requests' places as division_code, or pass "
            "division_code_from_address_id=True when each address_id holds one (on the "
            "command line: --division-code CODE or --division-code-from-address-id).",
        )
    try:
        return Location(division_code=code, address=address or "", latitude=lat, longitude=long)
    except BanshishiError as error:
        raise error.at(code_key) from None
