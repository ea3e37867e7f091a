"""What each accepted pledge step changes, computed before anything is changed."""

from collections.abc import Callable, Mapping
from types import MappingProxyType
from typing import Any

from ._effects import complete_milestone, nothing

Effect = Callable[[Any, Any], dict[str, Any]]


def publish(model: Any, step: Any) -> dict[str, Any]:
    changes = {"published_at": step.at, "deadline": step.args["deadline"]}
    if "charter" in step.args:
        changes["charter"] = step.args["charter"]
    return changes


def add_milestones(model: Any, step: Any) -> dict[str, Any]:
    return {"milestones": model.milestones + step.args["milestones"]}


def fulfil(model: Any, step: Any) -> dict[str, Any]:
    return {"fulfilled_at": step.at}


def extend(model: Any, step: Any) -> dict[str, Any]:
    return {"deadline": step.args["deadline"]}


def withdraw(model: Any, step: Any) -> dict[str, Any]:
    return {"withdrawn_at": step.at}


PLEDGE_EFFECTS: Mapping[str, Effect] = MappingProxyType(
    {
        "publish": publish,
        "start": nothing,
        "add_milestones": add_milestones,
        "complete_milestone": complete_milestone,
        "fulfil": fulfil,
        "lapse": nothing,
        "extend": extend,
        "withdraw": withdraw,
    }
)
"""The effect of each pledge step, by name."""


def settle_pledge(model: Any, step: Any, target: Any) -> dict[str, Any]:
    """Accept ``step`` as going to ``target`` and return every field it changes."""
    step.target = target
    changes = PLEDGE_EFFECTS[step.event](model, step)
    step.accept(target)
    return changes
