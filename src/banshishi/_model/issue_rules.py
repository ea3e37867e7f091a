"""The rules that tie an issue's fields together, in one place.

They run when an issue is built and on the record as it would be after any
change, before anything is changed, so an issue can never be seen breaking one.
Two pairs of fields must therefore change together: the status with
``closed_at``, and the status with the last event of ``history``; ``Issue.update``
sets several fields in one step.

When a rule ties two fields and only one of them is being changed, the error
names the one being changed, with the value the caller gave.
"""

from collections.abc import Mapping
from typing import Any

from banshishi._core.errors import BanshishiError, ChronologyError, InconsistentRecordError

from .event import Event, check_chain
from .vocabulary import IssueStatus, Subject

NEEDS_FEEDBACK = frozenset({IssueStatus.ANSWERED, IssueStatus.CLOSED})
NO_ANSWER = "No matter is answered or closed until the requester has been answered."


def is_closure(event: Event) -> bool:
    """Whether ``event`` closed the issue: it entered 已办结. A step from closed to
    closed, such as a late rating, is not a closure."""
    return event.to_status is IssueStatus.CLOSED and event.from_status is not IssueStatus.CLOSED


def check_issue(record: Mapping[str, Any], *, changed: frozenset[str] = frozenset()) -> None:
    """Raise the first rule ``record`` breaks; ``changed`` names the fields being set."""
    _check_times(record, changed)
    _check_history(record)
    _check_answers(record, changed)
    _check_references(record, changed)
    _check_follow_up(record)
    _check_status_pairs(record, changed)


def _blame(
    error: type[BanshishiError],
    record: Mapping[str, Any],
    changed: frozenset[str],
    *,
    natural: tuple[str, object],
    other: str,
    problem: str,
    other_problem: str,
    hint: str = "",
) -> BanshishiError:
    """The error for a rule tying ``natural`` to ``other``: it names ``other`` when
    only ``other`` is being changed, and ``natural`` otherwise."""
    natural_field = natural[0].split(".")[1].split("[")[0]
    if other in changed and natural_field not in changed:
        return error(field=f"Issue.{other}", value=record[other], problem=other_problem, hint=hint)
    return error(field=natural[0], value=natural[1], problem=problem, hint=hint)


def _check_times(record: Mapping[str, Any], changed: frozenset[str]) -> None:
    received = record["received_at"]
    later = [(f"Issue.{name}", record[name]) for name in ("deadline", "closed_at")]
    for name in ("feedback", "evaluations", "history"):
        later += [(f"Issue.{name}[{i}].at", item.at) for i, item in enumerate(record[name])]
    if record["routed"] is not None:
        later.append(("Issue.routed.at", record["routed"].at))
    for name, moment_name in _FOLLOW_UP_TIMES:
        later += [
            (f"Issue.{name}[{i}].{moment_name}", getattr(item, moment_name))
            for i, item in enumerate(record[name])
        ]
    for field, moment in later:
        if moment is not None and moment < received:
            raise _blame(
                ChronologyError,
                record,
                changed,
                natural=(field, moment),
                other="received_at",
                problem=f"is before the issue was received ({received.isoformat()})",
                other_problem=f"would be after {field} ({moment.isoformat()})",
            )


_FOLLOW_UP_TIMES = (
    ("rectifications", "opened_at"),
    ("appeals", "filed_at"),
    ("visits", "done_at"),
    ("exclusions", "requested_at"),
)


def _check_follow_up(record: Mapping[str, Any]) -> None:
    """Appeals and rectifications point at ratings the issue has; rounds exist."""
    rated = len(record["evaluations"])
    for name in ("appeals", "rectifications"):
        for index, item in enumerate(record[name]):
            if item.rating is not None and item.rating >= rated:
                raise InconsistentRecordError(
                    field=f"Issue.{name}[{index}].rating",
                    value=item.rating,
                    problem=f"points past the issue's {rated} evaluations",
                )
    for name in ("rectifications", "visits"):
        for index, item in enumerate(record[name]):
            if item.round > record["round"]:
                raise InconsistentRecordError(
                    field=f"Issue.{name}[{index}].round",
                    value=item.round,
                    problem=f"is later than the issue's round {record['round']}",
                )
    for name, what in (("appeals", "appeal"), ("exclusions", "request for exclusion")):
        pending = [i for i, item in enumerate(record[name]) if item.is_pending]
        if len(pending) > 1:
            raise InconsistentRecordError(
                field=f"Issue.{name}[{pending[1]}].outcome",
                value=None,
                problem=f"leaves a second {what} pending: decide one before the next is filed",
            )


def _check_history(record: Mapping[str, Any]) -> None:
    check_chain(record["history"], owner="Issue", subject=Subject.ISSUE)


def _check_answers(record: Mapping[str, Any], changed: frozenset[str]) -> None:
    """Nothing is answered or closed, now or in the history, before any feedback."""
    first = min((item.at for item in record["feedback"]), default=None)
    status = record["status"]
    if status in NEEDS_FEEDBACK and first is None:
        raise _blame(
            InconsistentRecordError,
            record,
            changed,
            natural=("Issue.status", status),
            other="feedback",
            problem=f"leaves a {status.value} issue with no feedback",
            other_problem=f"cannot be emptied on a {status.value} issue",
            hint=NO_ANSWER,
        )
    closed_at = record["closed_at"]
    if closed_at is not None and (first is None or closed_at < first):
        raise _blame(
            ChronologyError,
            record,
            changed,
            natural=("Issue.closed_at", closed_at),
            other="feedback",
            problem="is before the requester was first answered",
            other_problem=f"has no answer given by the closure ({closed_at.isoformat()})",
            hint=NO_ANSWER,
        )
    history = record["history"]
    # A history recorded from mid-life may start from an answered or closed status.
    marks = [(0, history[0].at, history[0].from_status)] if history else []
    marks += [(i, event.at, event.to_status) for i, event in enumerate(history)]
    for index, at, reached in marks:
        if reached in NEEDS_FEEDBACK and (first is None or at < first):
            raise _blame(
                ChronologyError,
                record,
                changed,
                natural=(f"Issue.history[{index}].at", at),
                other="feedback",
                problem=f"records the issue {reached.value} before any feedback",
                other_problem=f"has no answer given by {at.isoformat()}, when the history "
                f"records the issue {reached.value}",
                hint=NO_ANSWER,
            )


def _check_references(record: Mapping[str, Any], changed: frozenset[str]) -> None:
    unit = record["responsible_unit"]
    if unit is not None and unit in record["co_units"]:
        raise _blame(
            InconsistentRecordError,
            record,
            changed,
            natural=("Issue.co_units", record["co_units"]),
            other="responsible_unit",
            problem=f"must not repeat the responsible unit {unit!r}",
            other_problem="is already one of the co-units",
        )
    co_units = record["co_units"]
    for index, unit in enumerate(record["parts_reported"]):
        if unit not in co_units:
            raise _blame(
                InconsistentRecordError,
                record,
                changed,
                natural=(f"Issue.parts_reported[{index}]", unit),
                other="co_units",
                problem="is not one of the co-units",
                other_problem=f"no longer includes {unit!r}, which has reported its part",
            )
    if record["duplicate_of"] is not None and record["duplicate_of"] == record["id"]:
        raise InconsistentRecordError(
            field="Issue.duplicate_of", value=record["duplicate_of"], problem="is the issue itself"
        )
    if record["repeat_of"] is not None and record["repeat_of"] == record["id"]:
        raise InconsistentRecordError(
            field="Issue.repeat_of", value=record["repeat_of"], problem="is the issue itself"
        )
    names: set[str] = set()
    for index, milestone in enumerate(record["milestones"]):
        if milestone.name in names:
            raise InconsistentRecordError(
                field=f"Issue.milestones[{index}].name",
                value=milestone.name,
                problem="is the name of an earlier milestone",
            )
        names.add(milestone.name)
    for index, evaluation in enumerate(record["evaluations"]):
        if evaluation.round > record["round"]:
            raise _blame(
                InconsistentRecordError,
                record,
                changed,
                natural=(f"Issue.evaluations[{index}].round", evaluation.round),
                other="round",
                problem=f"is later than the issue's round {record['round']}",
                other_problem=f"would be before evaluation round {evaluation.round}",
            )
        if evaluation.issue_id != record["id"]:
            raise _blame(
                InconsistentRecordError,
                record,
                changed,
                natural=(f"Issue.evaluations[{index}].issue_id", evaluation.issue_id),
                other="id",
                problem=f"does not match the issue id {record['id']!r}",
                other_problem=f"no longer matches its evaluations' {evaluation.issue_id!r}",
            )


def _check_status_pairs(record: Mapping[str, Any], changed: frozenset[str]) -> None:
    status, closed_at, history = record["status"], record["closed_at"], record["history"]
    together = "Change the status, closed_at and history together with Issue.update()."
    if (status is IssueStatus.CLOSED) != (closed_at is not None):
        raise _blame(
            InconsistentRecordError,
            record,
            changed,
            natural=("Issue.closed_at", closed_at),
            other="status",
            problem=f"must be set exactly when the status is closed ({status.value!r})",
            other_problem=f"does not agree with closed_at ({closed_at})",
            hint=together,
        )
    if not history:
        return
    last = history[-1].to_status
    if last is not status:
        raise _blame(
            InconsistentRecordError,
            record,
            changed,
            natural=("Issue.status", status),
            other="history",
            problem=f"differs from the last event's status {last.value!r}",
            other_problem=f"ends in {last.value!r} but the status is {status.value!r}",
            hint=together,
        )
    closures = [event.at for event in history if is_closure(event)]
    if status is IssueStatus.CLOSED and closures and closed_at != closures[-1]:
        raise _blame(
            InconsistentRecordError,
            record,
            changed,
            natural=("Issue.closed_at", closed_at),
            other="history",
            problem=f"differs from the closure time in the history ({closures[-1].isoformat()})",
            other_problem=f"records the closure at another time than closed_at ({closed_at})",
            hint=together,
        )
