"""Multi-level dispatch (二级/三级承办): the work handed down a chain of units.

The responsible unit is the first level. It may hand the work down (下派) to a
unit under it, the second level (二级承办), which may hand it to one under
that, the third (三级承办), and so on, each with its own deadline no later than
the one above. A sub-unit answers up to the level above (上报办理结果), or
returns the work up one level with a reason (逐级退回). :class:`Dispatch` is one
such hand-down and what became of it.
"""

from collections.abc import Iterable
from typing import final

import attrs
from pendulum import DateTime

from banshishi._core.errors import ChronologyError, InconsistentRecordError
from banshishi._core.time import (
    aware_datetime,
    check_aware,
    check_optional_aware,
    optional_aware_datetime,
)
from banshishi._core.validators import text, whole_number


@final
@attrs.frozen(kw_only=True)
class Dispatch:
    """The work handed down from ``from_unit`` to ``unit`` at ``level`` (2 for the
    unit under the responsible one, 3 for the one under that, …).

    It is open until the sub-unit answers up (``answered_at`` and ``answer``) or
    hands it back up (``returned_at`` and ``reason``), never both. A dispatch
    answered by its ``deadline`` was answered on time; one still open past it is
    overdue.
    """

    level: int = attrs.field(validator=whole_number(2))
    unit: str = attrs.field(validator=text())
    from_unit: str = attrs.field(validator=text())
    dispatched_at: DateTime = attrs.field(converter=aware_datetime, validator=check_aware)
    deadline: DateTime = attrs.field(converter=aware_datetime, validator=check_aware)
    requirements: str = attrs.field(default="", validator=text(required=False))
    """The work requirements the level above gave with it."""
    answered_at: DateTime | None = attrs.field(
        default=None, converter=optional_aware_datetime, validator=check_optional_aware
    )
    answer: str = attrs.field(default="", validator=text(required=False))
    """What the sub-unit reported up: how it handled the matter."""
    returned_at: DateTime | None = attrs.field(
        default=None, converter=optional_aware_datetime, validator=check_optional_aware
    )
    reason: str = attrs.field(default="", validator=text(required=False))
    """Why the sub-unit handed the work back up."""

    def __attrs_post_init__(self) -> None:
        if self.unit == self.from_unit:
            raise InconsistentRecordError(
                field="Dispatch.unit",
                value=self.unit,
                problem="is the unit that handed the work down",
                hint="A unit hands work down to another unit, under it.",
            )
        if self.deadline <= self.dispatched_at:
            raise ChronologyError(
                field="Dispatch.deadline",
                value=self.deadline,
                problem=f"is not after the dispatch ({self.dispatched_at.isoformat()})",
            )
        for name in ("answered_at", "returned_at"):
            moment = getattr(self, name)
            if moment is not None and moment < self.dispatched_at:
                raise ChronologyError(
                    field=f"Dispatch.{name}",
                    value=moment,
                    problem=f"is before the dispatch ({self.dispatched_at.isoformat()})",
                )
        if self.answered_at is not None and self.returned_at is not None:
            raise InconsistentRecordError(
                field="Dispatch.returned_at",
                value=self.returned_at,
                problem="is set on a dispatch already answered up",
                hint="A dispatch is either answered up or handed back, not both.",
            )
        _paired(self.answered_at, "answer", self.answer)
        _paired(self.returned_at, "reason", self.reason)

    @property
    def is_open(self) -> bool:
        """Whether the work is still with ``unit``: neither answered up nor handed back."""
        return self.answered_at is None and self.returned_at is None

    @property
    def on_time(self) -> bool:
        """Whether it was answered up by its deadline."""
        return self.answered_at is not None and self.answered_at <= self.deadline

    def as_of(self, moment: DateTime) -> "Dispatch | None":
        """The dispatch as it stood at ``moment``: ``None`` before it was made, and
        open if it was answered or handed back only later."""
        if moment < self.dispatched_at:
            return None
        if self.answered_at is not None and self.answered_at > moment:
            return attrs.evolve(self, answered_at=None, answer="")
        if self.returned_at is not None and self.returned_at > moment:
            return attrs.evolve(self, returned_at=None, reason="")
        return self

    def overdue_at(self, moment: DateTime) -> bool:
        """Whether it stood open past its deadline at ``moment``."""
        stood = self.as_of(moment)
        return stood is not None and stood.is_open and moment > self.deadline


def _paired(moment: DateTime | None, name: str, value: str) -> None:
    """An answer (or a reason) is given exactly when its moment is."""
    if (moment is None) != (not value.strip()):
        raise InconsistentRecordError(
            field=f"Dispatch.{name}",
            value=value,
            problem="is given without its moment" if moment is None else "is empty",
            hint="Give the text and its moment together.",
        )


def open_chain(dispatches: Iterable[Dispatch] | None) -> tuple[Dispatch, ...]:
    """The open dispatches among ``dispatches`` (a model's field, perhaps a list,
    perhaps ``None`` on a record bound without it), from the top level down: the
    units that hold the work below the responsible one."""
    held = [item for item in dispatches or () if item.is_open]
    return tuple(sorted(held, key=lambda item: item.level))
