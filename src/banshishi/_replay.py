"""Rebuilding an issue from its audit events."""

from collections.abc import Iterable

from ._actor import Actor
from ._converter import structure
from ._errors import InconsistentRecordError, InvalidValueError
from ._event import Event, thaw_data
from ._issue import Issue
from ._ledger import INTAKE_FIELDS, Ledger
from ._policy import DEFAULT_POLICY, WorkflowPolicy
from ._step import RECEIVE, arguments_from_data
from ._validators import items_given


def replay(
    events: Iterable[Event],
    *,
    start: Issue | None = None,
    policy: WorkflowPolicy = DEFAULT_POLICY,
) -> Issue:
    """The issue that ``events`` describe, rebuilt by taking every step again.

    A history that begins with the ``receive`` event rebuilds the issue from
    nothing; any other needs ``start``, the issue as it stood before the first
    event. Each step goes through the workflow's checks again under ``policy``
    and must reach the status its event records, so a history that could not
    have happened raises instead of rebuilding something else.

    The rebuilt issue carries exactly the events given as its history.
    """
    recorded = items_given(events, Event, field="events")
    ledger = Ledger(policy=policy)
    rest = recorded
    if recorded and recorded[0].name == RECEIVE and recorded[0].from_status is None:
        first = recorded[0]
        intake = {name: value for name, value in first.data.items() if name in INTAKE_FIELDS}
        issue = structure(thaw_data(intake), Issue)
        # Receive it again, so a receipt no receiver could have recorded is refused.
        ledger.receive(
            issue, actor=Actor(id=first.actor, role=first.role, unit=first.unit), note=first.note
        )
        _same(ledger.history(issue.id)[0], first, 0)
        rest = recorded[1:]
    elif start is None:
        raise InvalidValueError(
            field="events",
            value=recorded[:1],
            problem="do not begin with a receive event",
            hint="Pass start=, the issue as it stood before the first event.",
        )
    else:
        if start.history:
            raise InconsistentRecordError(
                field="start.history",
                value=start.history,
                problem="must be empty: the events given are the history",
            )
        issue = start
        ledger.add(start)
    for index, event in enumerate(rest, start=len(recorded) - len(rest)):
        actor = Actor(id=event.actor, role=event.role, unit=event.unit)
        ledger.apply(
            issue.id,
            event.name,
            actor=actor,
            at=event.at,
            note=event.note,
            **arguments_from_data(event),
        )
        _same(ledger.history(issue.id)[-1], event, index)
    return ledger.issue(issue.id)


def _same(rebuilt: Event, recorded: Event, index: int) -> None:
    if rebuilt != recorded:
        raise InconsistentRecordError(
            field=f"events[{index}]",
            value=recorded,
            problem=f"replays to a different record: {rebuilt}",
        )
