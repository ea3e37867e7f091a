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
from typing import Any, Literal, TypeVar, cast, overload

from pendulum import DateTime

from banshishi._core.errors import (
    BanshishiError,
    ChronologyError,
    DuplicateError,
    InconsistentRecordError,
    InvalidTypeError,
    InvalidValueError,
)
from banshishi._core.labels import LabelledEnum
from banshishi._core.validators import flag, id_key, iterable_given
from banshishi._model.evaluation import Feedback, FeedbackMethod
from banshishi._model.issue import Issue
from banshishi._model.issue_rules import NEEDS_FEEDBACK
from banshishi._model.location import Location
from banshishi._model.vocabulary import Channel, IssueStatus, RequestType, Urgency

from .open311 import load_requests
from .open311_reader import Reader
from .open311_result import BadRequests, Open311Import, RequestProblem
from .open311_status import Open311Status, issue_status

_PLAIN = (Open311Status.OPEN, Open311Status.CLOSED)
_OURS = frozenset(status.value for status in IssueStatus)

# Where an error an Issue raises about one of its fields points in the request.
_KEY_OF_FIELD = {
    "id": "service_request_id",
    "title": "description",
    "description": "description",
    "category": "service_name",
    "request_type": "request_type",
    "confidential": "confidential",
    "repeat_of": "repeat_of",
    "responsible_unit": "agency_responsible",
    "requirements": "service_notice",
    "received_at": "requested_datetime",
    "deadline": "expected_datetime",
    "closed_at": "updated_datetime",
    "feedback": "status_notes",
    "status": "status",
}


@overload
def import_requests(
    requests: str | Iterable[Mapping[str, Any]] | Mapping[str, Any],
    *,
    urgency: Urgency | str,
    division_code: str | None = None,
    division_code_from_address_id: bool = False,
    channel: Channel | str = Channel.MOBILE_PLATFORM,
    feedback_method: FeedbackMethod | str = FeedbackMethod.ONLINE,
    default_answer: str | None = None,
    on_bad: Literal["refuse"] = "refuse",
) -> list[Issue]: ...


@overload
def import_requests(
    requests: str | Iterable[Mapping[str, Any]] | Mapping[str, Any],
    *,
    urgency: Urgency | str,
    division_code: str | None = None,
    division_code_from_address_id: bool = False,
    channel: Channel | str = Channel.MOBILE_PLATFORM,
    feedback_method: FeedbackMethod | str = FeedbackMethod.ONLINE,
    default_answer: str | None = None,
    on_bad: Literal["skip"],
) -> Open311Import: ...


def import_requests(
    requests: str | Iterable[Mapping[str, Any]] | Mapping[str, Any],
    *,
    urgency: Urgency | str,
    division_code: str | None = None,
    division_code_from_address_id: bool = False,
    channel: Channel | str = Channel.MOBILE_PLATFORM,
    feedback_method: FeedbackMethod | str = FeedbackMethod.ONLINE,
    default_answer: str | None = None,
    on_bad: BadRequests = "refuse",
) -> list[Issue] | Open311Import:
    """Issues from GeoReport v2 service requests: mappings, JSON or XML text, or
    either wrapped as ``{"service_requests": [...]}`` the way FixMyStreet sends them.

    - ``urgency`` (急难愁盼) has no default: Open311 has nothing to judge it by.
      The track follows from it.
    - ``channel`` defaults to 随手拍 (``mobile_platform``): Open311 clients are
      photo-and-send apps.
    - ``division_code`` is the administrative division of every request with an
      address or a point; it is required when one has either. With
      ``division_code_from_address_id`` each request's ``address_id`` is read as
      its code instead (:func:`export_requests` writes it there), falling back to
      ``division_code`` where ``address_id`` is empty.
    - An answered or closed request's ``status_notes`` are the answer given (by
      ``feedback_method``), and a closed request is taken as closed at its
      ``closed_datetime`` (an extended export's) or else at ``updated_datetime``,
      and answered at its ``answered_datetime`` (an extended export's) or else
      when closed. One without notes was handled but not answered: it is
      imported as 已办理 (``resolved``), with the reason among the ``notes``,
      unless ``default_answer`` gives the text to take as the answer.
    - ``on_bad="refuse"`` (the default) takes nothing from a feed with a bad
      request and raises the first error; ``on_bad="skip"`` returns an
      :class:`Open311Import` with the good issues beside the problems of the
      others (a repeated id is a problem of the later request).

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
        default_answer=_default_answer(default_answer),
    )
    skip = _on_bad(on_bad)
    items: object = load_requests(requests) if isinstance(requests, str) else requests
    if isinstance(items, Mapping) and "service_requests" in items:
        items = items["service_requests"]
    items = iterable_given(items, field="requests", of="service requests, or JSON or XML text")
    issues: list[Issue] = []
    indexes: list[int] = []
    problems: list[RequestProblem] = []
    notes: list[RequestProblem] = []
    seen: dict[str, int] = {}
    for index, raw in enumerate(items):
        path = f"requests[{index}]"
        errors: list[BanshishiError] = []
        try:
            issue, note = _issue(raw, path, options)
        except BanshishiError as error:
            errors.append(error)
        given_id, key = _id(raw, path)
        if key is not None and key in seen:  # ids differing only in case are one id
            errors.append(
                DuplicateError(
                    field=f"{path}.service_request_id",
                    value=cast(Mapping[str, Any], raw)["service_request_id"],
                    problem=f"is also the id of requests[{seen[key]}]",
                )
            )
        elif key is not None:
            seen[key] = index
        if errors and not skip:
            raise errors[0]
        if errors:
            problems += [RequestProblem.of(e, index=index, id=given_id) for e in errors]
            continue
        issues.append(issue)
        indexes.append(index)
        if note is not None:
            notes.append(RequestProblem(index=index, id=given_id, **note))
    if not skip:
        return issues
    return Open311Import(
        issues=tuple(issues), indexes=tuple(indexes), problems=tuple(problems), notes=tuple(notes)
    )


def _id(raw: object, path: str) -> tuple[str | None, str | None]:
    """The id a request gives, and the key it is compared by; ``None`` for none."""
    if not isinstance(raw, Mapping):
        return None, None
    try:
        given = Reader(raw, path).identifier("service_request_id")
        return given, None if given is None else id_key(given)
    except BanshishiError:
        return None, None


def _on_bad(on_bad: object) -> bool:
    if on_bad == "refuse" or on_bad == "skip":
        return on_bad == "skip"
    raise InvalidValueError(field="on_bad", value=on_bad, problem="must be 'refuse' or 'skip'")


def _default_answer(text: object) -> str | None:
    if text is None:
        return None
    if not isinstance(text, str) or not text.strip():
        raise InvalidValueError(
            field="default_answer", value=text, problem="must be text that is not blank, or None"
        )
    return text


class _Options:
    __slots__ = ("channel", "default_answer", "division", "from_address_id", "method", "urgency")

    def __init__(
        self,
        *,
        urgency: Urgency,
        channel: Channel,
        method: FeedbackMethod,
        division: str | None,
        from_address_id: bool,
        default_answer: str | None,
    ) -> None:
        self.default_answer = default_answer
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


Note = dict[str, Any]
"""What to record about a request imported with a caveat: field, value, reason."""


def _issue(raw: object, path: str, options: _Options) -> tuple[Issue, Note | None]:
    if not isinstance(raw, Mapping):
        raise InvalidTypeError(field=path, value=raw, problem="must be a mapping (a JSON object)")
    read = Reader(raw, path)
    request_id = read.required_identifier("service_request_id")
    status = _status(read)
    received = read.required_moment("requested_datetime")
    updated = read.moment("updated_datetime")
    expected = read.moment("expected_datetime")
    closed = read.moment("closed_datetime")  # ours, with extended=True
    answered = read.moment("answered_datetime")  # ours, with extended=True
    if closed is not None and updated is not None and closed > updated:
        raise ChronologyError(
            field=f"{path}.closed_datetime",
            value=raw["closed_datetime"],
            problem=f"is after updated_datetime ({updated.isoformat()})",
        )
    latest = closed if closed is not None else updated
    if answered is not None and latest is not None and answered > latest:
        raise ChronologyError(
            field=f"{path}.answered_datetime",
            value=raw["answered_datetime"],
            problem=f"is after the request was closed or last updated ({latest.isoformat()})",
        )
    times = (
        ("updated_datetime", updated),
        ("expected_datetime", expected),
        ("closed_datetime", closed),
        ("answered_datetime", answered),
    )
    for key, moment in times:
        if moment is not None and moment < received:
            raise ChronologyError(
                field=f"{path}.{key}",
                value=raw[key],
                problem=f"is before requested_datetime ({received.isoformat()})",
            )
    feedback: tuple[Feedback, ...] = ()
    note: Note | None = None
    notes = read.text("status_notes")
    if status in NEEDS_FEEDBACK and (notes is None or not notes.strip()):
        if options.default_answer is None:
            note = _unanswered(status, read.raw.get("status_notes"))
            status = IssueStatus.RESOLVED  # handled, but no answer to the requester is known
        else:
            notes = options.default_answer
            note = {
                "field": "status_notes",
                "value": read.raw.get("status_notes"),
                "reason": f"is missing on a request marked {status.value}: "
                "the default answer was taken as the answer given",
            }
    if status is not IssueStatus.CLOSED:
        closed = None
    elif closed is None:
        closed = updated  # a plain request: taken as closed when last updated
    if status in NEEDS_FEEDBACK:
        if answered is None:
            answered = closed if closed is not None else updated
        feedback = (_answer(read, status, notes, answered, options.method),)
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
        "request_type": read.member("request_type", RequestType),  # ours, with extended=True
        "confidential": read.yes_no("confidential"),  # ours, with extended=True
        "repeat_of": read.identifier("repeat_of"),  # ours, with extended=True
        "location": _location(read, options),
        "responsible_unit": read.text("agency_responsible"),
        "requirements": read.text("service_notice") or "",
        "deadline": expected,
        "status": status,
        "closed_at": closed,
        "feedback": feedback,
    }
    try:
        return Issue(**fields), note
    except BanshishiError as error:
        name = error.field.removeprefix("Issue.").split(".")[0].split("[")[0]
        raise error.at(f"{path}.{_KEY_OF_FIELD.get(name, name)}") from None


def _answer(
    read: Reader,
    status: IssueStatus,
    notes: str | None,
    updated: DateTime | None,
    method: FeedbackMethod,
) -> Feedback:
    """The feedback an answered or closed request implies: its notes, when updated."""
    if notes is not None and updated is not None:
        return Feedback(at=updated, content=notes, method=method)
    raise InconsistentRecordError(
        field=f"{read.path}.updated_datetime",
        value=read.raw.get("updated_datetime"),
        problem=f"is needed on a {status.value} request",
        hint="An answered or closed issue needs the time the requester was answered: "
        "status_notes at updated_datetime.",
    )


def _unanswered(status: IssueStatus, value: object) -> Note:
    """Why a request marked answered or closed, without notes, is imported as 已办理."""
    return {
        "field": "status_notes",
        "value": value,
        "reason": f"is missing on a request marked {status.value}: no answer to the requester is "
        f"known, so it was imported as {IssueStatus.RESOLVED.label} "
        f"({IssueStatus.RESOLVED.value}), handled but not answered. Pass default_answer "
        "to take a text as the answer given.",
    }


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
