"""What each accepted pledge step changes, computed before anything is changed."""

from collections.abc import Mapping
from types import MappingProxyType
from typing import Any

from .effects import Effect, accept, add_milestones, complete_milestone, new_deadline, nothing


def publish(model: Any, step: Any) -> dict[str, Any]:
    changes = {"published_at": step.at, "deadline": step.args["deadline"]}
    if "charter" in step.args:
        changes["charter"] = step.args["charter"]
    return changes


def fulfil(model: Any, step: Any) -> dict[str, Any]:
    return {"fulfilled_at": step.at}


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
        "extend": new_deadline,
        "withdraw": withdraw,
    }
)
"""The effect of each pledge step, by name."""


def settle_pledge(model: Any, step: Any, target: Any) -> dict[str, Any]:
    """Accept ``step`` as going to ``target`` and return every field it changes."""
    return accept(PLEDGE_EFFECTS, model, step, target)
