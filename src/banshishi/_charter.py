"""The project charter (实事项目书) of a key livelihood project."""

from typing import final

import attrs
from pendulum import DateTime

from ._time import aware_datetime, check_aware
from ._validators import as_tuple, items_of, text


@final
@attrs.frozen(kw_only=True)
class ProjectCharter:
    """ "One project, one plan, one leader, one task force, followed to the end":
    the goal, the measures, the leader who leads it, the task force (ids of the
    people or units on it) and the deadline.
    """

    goal: str = attrs.field(validator=text())
    measures: tuple[str, ...] = attrs.field(
        converter=as_tuple, validator=items_of(text(), unique=True)
    )
    lead: str = attrs.field(validator=text())
    """The id of the leader who leads the project (包联领导)."""
    task_force: tuple[str, ...] = attrs.field(
        converter=as_tuple, validator=items_of(text(), unique=True)
    )
    deadline: DateTime = attrs.field(converter=aware_datetime, validator=check_aware)
