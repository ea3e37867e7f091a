"""The rules that tie an issue's fields together, in one place.

They run when an issue is built and on the record as it would be after any
change, before anything is changed, so an issue can never be seen breaking one.
Two pairs of fields must therefore change together: the status with
``closed_at``, and the status with the last event of ``history``; ``Issue.update``
sets several fields in one step.
"""

from collections.abc import Mapping
from typing import Any

from pendulum import DateTime

from ._errors import ChronologyError, InconsistentRecordError
from ._status import IssueStatus

NEEDS_FEEDBACK = frozenset({IssueStatus.ANSWERED, IssueStatus.CLOSED})
NO_ANSWER = "No matter is answered or closed until the requester has been answered."


def check_issue(record: Mapping[str, Any], *, changed: str | None = None) -> None:
    """Raise the first rule ``record`` breaks. ``changed`` names the field being assigned."""
    _check_times(record, changed)
    _check_history(record)
    _check_answers(record, changed)
    _check_references(record)
    _check_status_pairs(record)


def _check_times(record: Mapping[str, Any], changed: str | None) -> None:
    received: DateTime = record["received_at"]
    later = [(f"Issue.{name}", record[name]) for name in ("deadline", "closed_at")]
    for name in ("feedback", "evaluations", "history"):
        later += [(f"Issue.{name}[{i}].at", item.at) for i, item in enumerate(record[name])]
    for field, moment in later:
        if moment is None or moment >= received:
            continue
        if changed == "received_at":  # the new receipt time is what is wrong
            raise ChronologyError(
                field="Issue.received_at",
                value=received,
                problem=f"would be after {field} ({moment.isoformat()})",
            )
        raise ChronologyError(
            field=field,
            value=moment,
            problem=f"is before the issue was received ({received.isoformat()})",
        )


def _check_history(record: Mapping[str, Any]) -> None:
    previous = None
    for index, event in enumerate(record["history"]):
        field = f"Issue.history[{index}]"
        if previous is not None and event.at < previous.at:
            raise ChronologyError(
                field=f"{field}.at", value=event.at, problem="is earlier than the event before it"
            )
        if previous is not None and event.from_status is not previous.to_status:
            raise InconsistentRecordError(
                field=f"{field}.from_status",
                value=event.from_status,
                problem=f"does not follow on from {previous.to_status.value!r}",
            )
        previous = event


def _check_answers(record: Mapping[str, Any], changed: str | None) -> None:
    """Nothing is answered or closed, now or in the history, before any feedback."""
    answered = [item.at for item in record["feedback"]]
    first = min(answered, default=None)
    status = record["status"]
    if status in NEEDS_FEEDBACK and first is None:
        field = "feedback" if changed == "feedback" else "status"
        raise InconsistentRecordError(
            field=f"Issue.{field}",
            value=record[field],
            problem=f"leaves a {status.value} issue with no feedback",
            hint=NO_ANSWER,
        )
    closed_at = record["closed_at"]
    if closed_at is not None and (first is None or closed_at < first):
        raise ChronologyError(
            field="Issue.closed_at",
            value=closed_at,
            problem="is before the requester was first answered",
            hint=NO_ANSWER,
        )
    for index, event in enumerate(record["history"]):
        if event.to_status in NEEDS_FEEDBACK and (first is None or event.at < first):
            raise ChronologyError(
                field=f"Issue.history[{index}].at",
                value=event.at,
                problem=f"records the issue {event.to_status.value} before any feedback",
                hint=NO_ANSWER,
            )


def _check_references(record: Mapping[str, Any]) -> None:
    unit = record["responsible_unit"]
    if unit is not None and unit in record["co_units"]:
        raise InconsistentRecordError(
            field="Issue.co_units",
            value=record["co_units"],
            problem=f"must not repeat the responsible unit {unit!r}",
        )
    for index, evaluation in enumerate(record["evaluations"]):
        if evaluation.issue_id != record["id"]:
            raise InconsistentRecordError(
                field=f"Issue.evaluations[{index}].issue_id",
                value=evaluation.issue_id,
                problem=f"does not match the issue id {record['id']!r}",
            )


def _check_status_pairs(record: Mapping[str, Any]) -> None:
    status, closed_at, history = record["status"], record["closed_at"], record["history"]
    if (status is IssueStatus.CLOSED) != (closed_at is not None):
        raise InconsistentRecordError(
            field="Issue.closed_at",
            value=closed_at,
            problem=f"must be set exactly when the status is closed ({status.value!r})",
            hint="Change the status and closed_at together with Issue.update().",
        )
    if not history:
        return
    if history[-1].to_status is not status:
        raise InconsistentRecordError(
            field="Issue.status",
            value=status,
            problem=f"differs from the last event's status {history[-1].to_status.value!r}",
            hint="Change the status and the history together with Issue.update().",
        )
    closures = [event.at for event in history if event.to_status is IssueStatus.CLOSED]
    if status is IssueStatus.CLOSED and closures and closed_at != closures[-1]:
        raise InconsistentRecordError(
            field="Issue.closed_at",
            value=closed_at,
            problem=f"differs from the time the history records the closure ({closures[-1]})",
        )
