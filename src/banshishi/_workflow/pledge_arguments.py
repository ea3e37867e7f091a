"""The steps of :class:`PledgeWorkflow` and the arguments they take."""

from collections.abc import Mapping
from types import MappingProxyType
from typing import final

import attrs
from pendulum import DateTime

from banshishi._core.time import check_optional_aware, optional_aware_datetime
from banshishi._core.validators import as_tuple, items_of, of_type, optional_text
from banshishi._model.milestone import Milestone
from banshishi._model.pledge import ProjectCharter
from banshishi._model.vocabulary import Subject

from .step import Steps


@final
@attrs.frozen(kw_only=True)
class PledgeArguments:
    """Every argument a pledge step can take; each step takes a few of them."""

    deadline: DateTime | None = attrs.field(
        default=None, converter=optional_aware_datetime, validator=check_optional_aware
    )
    """publish: when the pledge is due (from the charter if omitted); extend: the new date."""
    charter: ProjectCharter | None = attrs.field(
        default=None, validator=of_type(ProjectCharter, optional=True)
    )
    """publish: the project charter (实事项目书) of a key project."""
    milestones: tuple[Milestone, ...] | None = attrs.field(
        default=None,
        converter=as_tuple,
        validator=attrs.validators.optional(items_of(of_type(Milestone))),
    )
    """add_milestones: the milestones to add."""
    milestone: str | None = attrs.field(default=None, validator=optional_text)
    """complete_milestone: the name of the milestone done."""


PLEDGE_EVENT_ARGUMENTS: Mapping[str, tuple[frozenset[str], frozenset[str]]] = MappingProxyType(
    {
        # event: (arguments it takes, arguments it requires)
        "publish": (frozenset({"deadline", "charter"}), frozenset()),
        "start": (frozenset(), frozenset()),
        "add_milestones": (frozenset({"milestones"}), frozenset({"milestones"})),
        "complete_milestone": (frozenset({"milestone"}), frozenset({"milestone"})),
        "fulfil": (frozenset(), frozenset()),
        "lapse": (frozenset(), frozenset()),
        "extend": (frozenset({"deadline"}), frozenset({"deadline"})),
        "withdraw": (frozenset(), frozenset()),
    }
)
"""For each pledge step: the :class:`PledgeArguments` it takes and those it requires."""

CLAIM = "claim"
"""The name of the event that puts a pledge on the record (认领); it has no source status."""

PLEDGE_STEPS = Steps(
    Subject.PLEDGE,
    PledgeArguments,
    PLEDGE_EVENT_ARGUMENTS,
    frozenset({"extend", "withdraw"}),
    CLAIM,
)
"""The steps of :class:`PledgeWorkflow`; ``extend`` and ``withdraw`` must say why."""
