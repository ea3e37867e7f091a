"""The checks of multi-level dispatch (二级/三级承办): who may hand the work down
the chain of units, by when, and how it comes back up.

The responsible unit holds the work at level 1; each open :class:`Dispatch`
holds it one level further down. Only the unit at the bottom of the chain hands
it down again (one open dispatch per level), and only the bottom level answers
up or hands back, so the chain unwinds one level at a time. ``chain_clear`` (in
``guards``) keeps an issue from being resolved, sent back or dismissed while
the work is still down the chain.
"""

from typing import Any

import attrs

from banshishi._core.errors import ChronologyError
from banshishi._model.dispatch import Dispatch, open_chain

from .guards import refuse
from .step import Step


def dispatch_allowed(model: Any, step: Step) -> None:
    """下派: the unit holding the work at the bottom of the chain hands it to a
    unit under it (in the policy's unit tree, when it has one), due no later
    than its own deadline."""
    chain = open_chain(model.dispatches)
    holders = [model.responsible_unit, *(item.unit for item in chain)]
    holder, unit = step.actor.unit, step.args["unit"]
    if holder not in holders:  # the role check refuses it first; alone, this does
        raise refuse(step, "actor.unit", holder, "does not hold the work")
    level = holders.index(holder) + 2
    if level <= len(holders):
        raise refuse(
            step,
            "actor.unit",
            holder,
            f"has already handed the work down to {holders[level - 1]!r} (level {level})",
            "One dispatch per level is open at a time: it is answered up or handed back first.",
        )
    tree = step.policy.units
    if tree is not None and unit not in tree:
        raise refuse(step, "unit", unit, "is not a unit of this deployment")
    if unit in holders:
        raise refuse(step, "unit", unit, "already holds the work in this chain")
    if (
        tree is not None
        and holder is not None
        and holder in tree
        and not tree.is_within(unit, holder)
    ):
        raise refuse(step, "unit", unit, f"is not a unit under {holder!r}")
    due = step.args["due"]
    if due <= step.at:
        raise ChronologyError(
            field=f"{step.event}.due",
            value=due,
            problem=f"is not after the step itself ({step.at.isoformat()})",
        )
    above = model.deadline if not chain else chain[-1].deadline
    if above is not None and due > above:
        raise ChronologyError(
            field=f"{step.event}.due",
            value=due,
            problem=f"is later than the deadline of level {level - 1} ({above.isoformat()})",
            hint="A sub-unit's deadline falls no later than the one above it.",
        )


def chain_bottom(model: Any, step: Step) -> None:
    """A level answers up or hands back only with no level open under it."""
    level = _held(model, step).level
    under = [item for item in open_chain(model.dispatches) if item.level > level]
    if under:
        raise refuse(
            step,
            "dispatches",
            [item.unit for item in under],
            f"still hold the work under level {level}",
            "The chain is answered up (or handed back) one level at a time, from the bottom.",
        )


def _held(model: Any, step: Step) -> Dispatch:
    """The open dispatch whose unit is the actor's (the role check found it)."""
    for item in open_chain(model.dispatches):
        if item.unit == step.actor.unit:
            return item
    raise refuse(step, "actor.unit", step.actor.unit, "was not handed the work")


def closed_dispatch(model: Any, step: Step, **changes: Any) -> dict[str, Any]:
    """The ``dispatches`` field with the actor's open dispatch changed by ``changes``."""
    held = _held(model, step)
    return {
        "dispatches": tuple(
            attrs.evolve(item, **changes) if item is held else item for item in model.dispatches
        )
    }
