"""What reading a feed of Open311 service requests found, request by request."""

from typing import Literal, final

import attrs

from banshishi._core.errors import BanshishiError, _shown
from banshishi._model.issue import Issue

BadRequests = Literal["refuse", "skip"]
"""What to do about bad requests: take nothing from the feed, or take the good ones."""


@final
@attrs.frozen(kw_only=True)
class RequestProblem:
    """Something found about one request of a feed.

    ``index`` is the request's position in the feed (from 0), ``id`` its
    ``service_request_id`` as given (``None`` when it has none that can be
    read), ``field`` the key the problem is in ("" for the request as a whole),
    ``value`` what that key held and ``reason`` what is wrong, or what was done.
    """

    index: int
    id: str | None
    field: str
    value: object
    reason: str

    def __str__(self) -> str:
        who = f"requests[{self.index}]" + (f" ({self.id})" if self.id is not None else "")
        where = f"{who}.{self.field}" if self.field else who
        return f"{where} ({_shown(self.value, 60)}): {self.reason}"

    @classmethod
    def of(cls, error: BanshishiError, *, index: int, id: str | None) -> "RequestProblem":
        """The problem a library error about ``requests[index]`` reports."""
        prefix = f"requests[{index}]"
        field = error.field.removeprefix(prefix).removeprefix(".")
        reason = f"{error.problem}. {error.hint}" if error.hint else error.problem
        return cls(index=index, id=id, field=field, value=error.value, reason=reason)


@final
@attrs.frozen(kw_only=True)
class Open311Import:
    """What ``import_requests(..., on_bad="skip")`` read from a feed.

    ``issues`` are in feed order and ``indexes`` gives the position of the
    request each came from. ``problems`` lists every request passed over, with
    the reason (a request may have more than one). ``notes`` lists requests
    imported with something to know, such as a closed request without
    ``status_notes`` taken as 已办理 (handled, not answered). Every request of
    the feed is either among the issues or among the problems.
    """

    issues: tuple[Issue, ...]
    indexes: tuple[int, ...]
    problems: tuple[RequestProblem, ...]
    notes: tuple[RequestProblem, ...]
