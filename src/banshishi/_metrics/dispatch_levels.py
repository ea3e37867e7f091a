"""Figures for each level of dispatch (二级/三级承办): how the units under the
responsible ones did with the work handed down to them.

For each level (2 for the units under the responsible unit, 3 for the ones under
those, …) and at a moment: how many dispatches had been made, answered up,
answered up by their own deadline, handed back (逐级退回), and were open past
their deadline (overdue). Each dispatch counts once, at its own level, as it
stood at that moment (``Issue.dispatches_as_of``). Rates are exact counts
(:class:`Rate`), so the figures of two periods or two places add up.

A store reads the same figures off its lines: each issue's summary line carries
its dispatches (:class:`DispatchLine`, their moments in microseconds), and the
database counts them by level as of any moment (``_store/dispatch_rows``),
judging each fact as :meth:`Dispatch.as_of` does (:func:`figures_of_counts`).
"""

from collections.abc import Iterable
from typing import Any, final

import attrs
from pendulum import DateTime

from banshishi._core.errors import InconsistentRecordError, InvalidTypeError
from banshishi._core.time import as_datetime
from banshishi._core.validators import whole_number
from banshishi._model.issue import Issue
from banshishi._model.rate import Rate

_count = whole_number(0)


@final
@attrs.frozen(kw_only=True)
class DispatchLevelFigures:
    """The dispatches of one ``level`` as they stood at a moment.

    ``dispatched`` counts every dispatch made by then; of those, ``answered``
    were answered up (``answered_on_time`` by their deadline), ``handed_back``
    were returned up a level, and ``overdue`` were still open past their
    deadline. Two figures of the same level add up (``+``).
    """

    level: int = attrs.field(validator=whole_number(2))
    dispatched: int = attrs.field(default=0, validator=_count)
    answered: int = attrs.field(default=0, validator=_count)
    answered_on_time: int = attrs.field(default=0, validator=_count)
    handed_back: int = attrs.field(default=0, validator=_count)
    overdue: int = attrs.field(default=0, validator=_count)

    def __attrs_post_init__(self) -> None:
        if self.answered_on_time > self.answered:
            raise InconsistentRecordError(
                field="DispatchLevelFigures.answered_on_time",
                value=self.answered_on_time,
                problem=f"is more than those answered up ({self.answered})",
            )
        if self.answered + self.handed_back + self.overdue > self.dispatched:
            raise InconsistentRecordError(
                field="DispatchLevelFigures.dispatched",
                value=self.dispatched,
                problem="is fewer than those answered up, handed back and overdue together "
                f"({self.answered} + {self.handed_back} + {self.overdue})",
            )

    @property
    def open(self) -> int:
        """Dispatches neither answered up nor handed back: the work still at this level."""
        return self.dispatched - self.answered - self.handed_back

    @property
    def on_time_rate(self) -> Rate:
        """按时上报率: those answered up by their deadline, out of those answered up."""
        return Rate(self.answered_on_time, self.answered)

    @property
    def answer_rate(self) -> Rate:
        """Those answered up, out of those dispatched."""
        return Rate(self.answered, self.dispatched)

    @property
    def hand_back_rate(self) -> Rate:
        """转派退回率: those handed back, out of those dispatched."""
        return Rate(self.handed_back, self.dispatched)

    def __add__(self, other: object) -> "DispatchLevelFigures":
        if not isinstance(other, DispatchLevelFigures) or other.level != self.level:
            raise InvalidTypeError(
                field="DispatchLevelFigures.__add__.other",
                value=other,
                problem=f"is not the figures of level {self.level}",
            )
        counts = {
            name: getattr(self, name) + getattr(other, name)
            for name in ("dispatched", "answered", "answered_on_time", "handed_back", "overdue")
        }
        return DispatchLevelFigures(level=self.level, **counts)


def dispatch_figures(issues: Iterable[Issue], as_of: Any) -> dict[int, DispatchLevelFigures]:
    """The figures of each level of dispatch over ``issues`` as they stood at
    ``as_of`` (an aware moment), by level, lowest first; a level no dispatch
    reached by then is left out."""
    moment: DateTime = as_datetime(as_of, field="dispatch_figures.as_of")
    counts: dict[int, list[int]] = {}
    for index, issue in enumerate(issues):
        if not isinstance(issue, Issue):
            raise InvalidTypeError(
                field=f"dispatch_figures.issues[{index}]", value=issue, problem="is not an Issue"
            )
        for dispatch in issue.dispatches_as_of(moment):
            row = counts.setdefault(dispatch.level, [0, 0, 0, 0, 0])
            row[0] += 1
            row[1] += dispatch.answered_at is not None
            row[2] += dispatch.on_time
            row[3] += dispatch.returned_at is not None
            row[4] += dispatch.is_open and moment > dispatch.deadline
    return {
        level: DispatchLevelFigures(
            level=level,
            dispatched=row[0],
            answered=row[1],
            answered_on_time=row[2],
            handed_back=row[3],
            overdue=row[4],
        )
        for level, row in sorted(counts.items())
    }


def figures_of_counts(
    counts: Iterable[tuple[int, int, int, int, int, int]],
) -> dict[int, DispatchLevelFigures]:
    """The figures of each level from the counts a store folds (level, dispatched,
    answered up, answered up on time, handed back, overdue), lowest level first."""
    return {
        level: DispatchLevelFigures(
            level=level,
            dispatched=dispatched,
            answered=answered,
            answered_on_time=on_time,
            handed_back=handed_back,
            overdue=overdue,
        )
        for level, dispatched, answered, on_time, handed_back, overdue in sorted(counts)
    }
