"""The checks on the steps that decide how an issue counts and shows: exclusion
from the assessment (不纳入考核) and the confidential flag (保密).

Like the checks in ``guards``, each is a function of ``(model, step)`` that
:class:`IssueWorkflow` names on its transitions and the ledger calls directly.
"""

from typing import Any

from .guards import refuse
from .step import Step


def exclusion_requestable(model: Any, step: Step) -> None:
    """申请不纳入考核: one request at a time, and none once one is approved."""
    for item in model.exclusions:
        if item.is_pending:
            raise refuse(
                step,
                "exclusions",
                item.grounds,
                "include a request still pending",
                "A reviewer decides it first.",
            )
        if item.approved_by(None):
            raise refuse(step, "exclusions", item.grounds, "include one approved already")


def exclusion_pending(model: Any, step: Step) -> None:
    """A reviewer decides the request for exclusion that is pending."""
    if not any(item.is_pending for item in model.exclusions):
        raise refuse(step, "exclusions", len(model.exclusions), "include none pending to decide")


def marking_changes(model: Any, step: Step) -> None:
    """Marking an issue confidential, or lifting the mark, changes the flag."""
    marking = step.event == "mark_confidential"
    if bool(model.confidential) == marking:
        state = "confidential already" if marking else "not confidential"
        raise refuse(step, "confidential", model.confidential, f"says the issue is {state}")
