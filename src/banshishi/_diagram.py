"""The workflow drawn and tabulated from its one definition, :class:`IssueWorkflow`."""

from ._role_checks import ROLE_CHECKS
from ._step import EVENT_ARGUMENTS, NEEDS_NOTE
from ._transition_table import RULES
from ._workflow import IssueWorkflow


def workflow_diagram() -> str:
    """The workflow as a Mermaid state diagram, as python-statemachine draws it.

    >>> print(workflow_diagram().splitlines()[0])
    stateDiagram-v2
    """
    return format(IssueWorkflow, "mermaid").rstrip() + "\n"


def workflow_table() -> str:
    """Every transition as a Markdown table: step, from, to, who may take it,
    and what else it checks.

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
    for rule in RULES:
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


def arguments_table() -> str:
    """What each step takes, as a Markdown table (required arguments in bold)."""
    lines = ["| step | arguments | note |", "|---|---|---|"]
    for event, (takes, needs) in EVENT_ARGUMENTS.items():
        names = [
            f"**{n}**" if n in needs else n
            for n in sorted(takes, key=lambda n: (n not in needs, n))
        ]
        note = "required: say why" if event in NEEDS_NOTE else "optional"
        lines.append(f"| `{event}` | {', '.join(names) or '—'} | {note} |")
    return "\n".join(lines) + "\n"
