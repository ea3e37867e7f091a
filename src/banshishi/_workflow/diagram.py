"""The workflows drawn and tabulated from their one definitions,
:class:`IssueWorkflow` and :class:`PledgeWorkflow`."""

from banshishi._core.errors import InvalidTypeError

from .issue_workflow import IssueWorkflow
from .machine import RecordMachine
from .role_checks import ROLE_CHECKS
from .transition_table import derive_rules


def workflow_diagram(machine: type[RecordMachine] = IssueWorkflow) -> str:
    """A workflow (the issue one by default) as a Mermaid state diagram, as
    python-statemachine draws it.

    >>> print(workflow_diagram().splitlines()[0])
    stateDiagram-v2
    """
    _check_machine(machine)
    return format(machine, "mermaid").rstrip() + "\n"


def _check_machine(machine: object) -> None:
    if not (isinstance(machine, type) and issubclass(machine, RecordMachine)):
        raise InvalidTypeError(
            field="machine", value=machine, problem="must be IssueWorkflow or PledgeWorkflow"
        )


def workflow_table(machine: type[RecordMachine] = IssueWorkflow) -> str:
    """Every transition of a workflow (the issue one by default) as a Markdown
    table: step, from, to, who may take it, and what else it checks.

    >>> for cell in workflow_table().splitlines()[3].strip("| ").split(" | "):
    ...     print(cell)
    `sign_for`
    已受理 received
    办理中 in_progress
    a handler of the receiving unit
    `self_sign_allowed`
    """
    lines = [
        "| step | from | to | who may take it | also checks |",
        "|---|---|---|---|---|",
    ]
    _check_machine(machine)
    for rule in derive_rules(machine):
        who = [ROLE_CHECKS[check][1] for check in rule.validators if check in ROLE_CHECKS]
        checks = [f"`{check.__name__}`" for check in rule.validators if check not in ROLE_CHECKS]
        checks += [
            f"`{condition.__name__}`" + ("" if expected else " is false")
            for condition, expected in rule.conditions
        ]
        lines.append(
            f"| `{rule.event}` | {rule.source.label} {rule.source.value} "
            f"| {rule.target.label} {rule.target.value} | {'; '.join(who)} "
            f"| {', '.join(checks) or '—'} |"
        )
    return "\n".join(lines) + "\n"


def arguments_table(machine: type[RecordMachine] = IssueWorkflow) -> str:
    """What each step takes, as a Markdown table (required arguments in bold)."""
    _check_machine(machine)
    steps = machine.steps
    lines = ["| step | arguments | note |", "|---|---|---|"]
    for event, (takes, needs) in steps.takes.items():
        names = [
            f"**{n}**" if n in needs else n
            for n in sorted(takes, key=lambda n: (n not in needs, n))
        ]
        note = "required: say why" if event in steps.needs_note else "optional"
        lines.append(f"| `{event}` | {', '.join(names) or '—'} | {note} |")
    return "\n".join(lines) + "\n"
