"""An issue as it stands, without its history: what a message about it reads.

A ledger gives one read off its row in place (:meth:`Ledger.view`), without
building the whole :class:`Issue` and its events, which is what a step's
messages would otherwise cost a write.
"""

from operator import attrgetter
from typing import Any, Self, final

import attrs
from pendulum import DateTime

from .dispatch import Dispatch
from .people import Person
from .vocabulary import RequestType, Track


@final
@attrs.frozen(kw_only=True)
class IssueView:
    """The fields of an issue a message reads, as the issue stands: its number
    (``id``), title, requester, track, request type, deadline, responsible unit,
    co-units, supervising unit, confidential mark and dispatches. Every
    :class:`Issue` has them too, under the same names."""

    id: str
    title: str
    requester: Person | None
    track: Track
    request_type: RequestType | None
    deadline: DateTime | None
    responsible_unit: str | None
    co_units: tuple[str, ...]
    supervising_unit: str | None
    confidential: bool
    dispatches: tuple[Dispatch, ...]

    @classmethod
    def of(cls, issue: Any) -> Self:
        """The view of ``issue`` (an :class:`Issue`, or anything with its fields)."""
        return cls(**dict(zip(VIEW_FIELDS, _read(issue), strict=True)))


VIEW_FIELDS = tuple(field.name for field in attrs.fields(IssueView))
"""The fields an :class:`IssueView` holds."""
_read = attrgetter(*VIEW_FIELDS)
