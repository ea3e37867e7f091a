"""The workflow as a table, read off :class:`IssueWorkflow` when the module loads.

For every (status, event) the table holds the candidate transitions in the
order the class declares them, each with its validators and conditions: the
very functions the class names. :func:`take` walks them exactly as
python-statemachine does (run a candidate's validators, then test its
conditions; the first candidate whose conditions hold is taken), so the bulk
engine and the machine accept and refuse the same steps. Both complete a
step's arguments before it comes here (see ``completion``): the checks only read.
"""

from collections.abc import Callable, Mapping
from types import MappingProxyType
from typing import Any, final

import attrs

from banshishi._core.errors import InconsistentRecordError
from banshishi._model.vocabulary import Status

from .issue_workflow import IssueWorkflow
from .machine import RecordMachine, refusal
from .role_checks import Check
from .step import Step

Condition = Callable[[Any, Step], bool]


@final
@attrs.frozen
class Rule:
    """One transition of the workflow: ``event`` takes ``source`` to ``target``
    when every validator passes and every condition has its expected value."""

    event: str
    source: Status
    target: Status
    validators: tuple[Check, ...]
    conditions: tuple[tuple[Condition, bool], ...]
    machine: type[RecordMachine] = IssueWorkflow


def derive_rules(machine: type[RecordMachine] = IssueWorkflow) -> tuple[Rule, ...]:
    """Every transition of ``machine`` as a :class:`Rule`, in declaration order."""
    rules: list[Rule] = []
    for state in machine.states:
        for transition in state.transitions:
            where = f"{machine.__name__}.{state.id}"
            validators = [spec.func for spec in _passed(transition.validators, where)]
            conditions = [
                (spec.func, spec.expected_value is not False)
                for spec in _passed(transition.cond, where)
            ]
            for event in transition.events:
                rules.append(
                    Rule(
                        event=str(event),
                        source=state.value,
                        target=transition.target.value,
                        validators=tuple(validators),
                        conditions=tuple(conditions),
                        machine=machine,
                    )
                )
    return tuple(rules)


def _passed(specs: Any, where: str) -> list[Any]:
    """The callback specs, each of which must hold the function itself: the bulk
    engine calls them directly, with no machine to look a name up on."""
    found = list(specs)
    for spec in found:
        if not callable(spec.func):
            raise InconsistentRecordError(
                field=where,
                value=spec.func,
                problem="names a check instead of passing the function",
            )
    return found


RULES = derive_rules()
"""Every transition of :class:`IssueWorkflow`, in the order the class declares them."""


def index_rules(rules: tuple[Rule, ...]) -> Mapping[tuple[Status, str], tuple[Rule, ...]]:
    """The rules keyed by (source status, event), each key's in declaration order."""
    table: dict[tuple[Status, str], list[Rule]] = {}
    for rule in rules:
        table.setdefault((rule.source, rule.event), []).append(rule)
    return MappingProxyType({key: tuple(value) for key, value in table.items()})


TABLE = index_rules(RULES)
"""The candidate rules for each (status, event), in declaration order."""


def take(model: Any, step: Step, rules: tuple[Rule, ...]) -> Rule:
    """The rule ``step`` takes on ``model``: validators raise, conditions choose."""
    if len(rules) == 1 and not rules[0].conditions:  # the common case, without the loops
        rule = rules[0]
        for check in rule.validators:
            check(model, step)
        return rule
    for rule in rules:
        for check in rule.validators:
            check(model, step)
        for condition, expected in rule.conditions:
            if bool(condition(model, step)) is not expected:
                break
        else:
            return rule
    raise refusal(rules[0].machine, step.event, rules[0].source)
