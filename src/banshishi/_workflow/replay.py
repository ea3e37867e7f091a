"""Rebuilding an issue or a pledge from its audit events."""

from collections.abc import Callable, Iterable
from typing import Any

from banshishi._core.errors import InconsistentRecordError, InvalidValueError
from banshishi._core.validators import items_given
from banshishi._model.converter import structure
from banshishi._model.event import Event, thaw_data
from banshishi._model.issue import Issue
from banshishi._model.people import Actor
from banshishi._model.pledge import Pledge

from .issue_arguments import ISSUE_STEPS, RECEIVE
from .ledger import INTAKE_FIELDS, Ledger
from .pledge_arguments import CLAIM, PLEDGE_STEPS
from .pledge_ledger import PledgeLedger
from .policy import DEFAULT_POLICY, WorkflowPolicy
from .step import arguments_from_data


def replay(
    events: Iterable[Event],
    *,
    start: Issue | None = None,
    policy: WorkflowPolicy = DEFAULT_POLICY,
    each: Callable[[Ledger, str], None] | None = None,
) -> Issue:
    """The issue that ``events`` describe, rebuilt by taking every step again.

    A history that begins with the ``receive`` event rebuilds the issue from
    nothing; any other needs ``start``, the issue as it stood before the first
    event. Each step goes through the workflow's checks again under ``policy``
    and must reach the status its event records, so a history that could not
    have happened raises instead of rebuilding something else. Checks across
    issues (a duplicate's original open on the ledger) were made when the step
    was taken, and cannot be made again on one issue's events: the machine does
    not make them either.

    The rebuilt issue carries exactly the events given as its history.
    ``each(ledger, issue_id)``, if given, is called after every event is taken
    again (a store reads the issue's summary line at each version so).
    """
    recorded = items_given(events, Event, field="events")
    # One issue alone: a duplicate's original is not on this ledger (see originals).
    ledger = Ledger(policy=policy, linked=False)
    skip = 0
    if recorded and recorded[0].name == RECEIVE and recorded[0].from_status is None:
        first = recorded[0]
        intake = {name: value for name, value in first.data.items() if name in INTAKE_FIELDS}
        issue = structure(thaw_data(intake), Issue)
        # Receive it again, so a receipt no receiver could have recorded is refused.
        ledger.receive(
            issue, actor=Actor(id=first.actor, role=first.role, unit=first.unit), note=first.note
        )
        _same(ledger.events(issue.id)[0], first, 0)
        skip = 1
        if each is not None:
            each(ledger, issue.id)
    else:
        issue = starting_record(recorded, start)
        ledger.add(issue)
    _take_again(ledger, issue.id, recorded, skip, ISSUE_STEPS, each)
    return ledger.issue(issue.id)


def replay_pledge(
    events: Iterable[Event],
    *,
    start: Pledge | None = None,
    policy: WorkflowPolicy = DEFAULT_POLICY,
) -> Pledge:
    """The pledge that ``events`` describe, rebuilt by taking every step again.

    As :func:`replay` does for an issue: a history that begins with the ``claim``
    event rebuilds the pledge from nothing; any other needs ``start``.
    """
    recorded = items_given(events, Event, field="events")
    ledger = PledgeLedger(policy=policy)
    skip = 0
    if recorded and recorded[0].name == CLAIM and recorded[0].from_status is None:
        first = recorded[0]
        pledge = structure(thaw_data(first.data), Pledge)
        ledger.claim(
            pledge, actor=Actor(id=first.actor, role=first.role, unit=first.unit), note=first.note
        )
        _same(ledger.events(pledge.id)[0], first, 0)
        skip = 1
    else:
        pledge = starting_record(recorded, start)
        ledger.add(pledge)
    _take_again(ledger, pledge.id, recorded, skip, PLEDGE_STEPS, None)
    return ledger.pledge(pledge.id)


def starting_record(recorded: list[Event], start: Any) -> Any:
    """``start``, the record as it stood before ``recorded`` (which do not begin
    with the event creating it): refused if missing, or if it has a history."""
    if start is None:
        raise InvalidValueError(
            field="events",
            value=recorded[:1],
            problem="do not begin with the event that creates the record",
            hint="Pass start=, the record as it stood before the first event.",
        )
    if start.history:
        raise InconsistentRecordError(
            field="start.history",
            value=start.history,
            problem="must be empty: the events given are the history",
        )
    return start


def _take_again(
    ledger: Any,
    record_id: str,
    recorded: list[Event],
    skip: int,
    steps: Any,
    each: Callable[[Any, str], None] | None,
) -> None:
    for index in range(skip, len(recorded)):
        event = recorded[index]
        actor = Actor(id=event.actor, role=event.role, unit=event.unit)
        ledger.apply(
            record_id,
            event.name,
            actor=actor,
            at=event.at,
            note=event.note,
            **arguments_from_data(event, steps),
        )
        # Only the event this step built: building the whole history again at
        # every step made a rebuild cost the square of the history's length.
        _same(ledger.events(record_id, index)[0], event, index)
        if each is not None:
            each(ledger, record_id)


def _same(rebuilt: Event, recorded: Event, index: int) -> None:
    if rebuilt != recorded:
        raise InconsistentRecordError(
            field=f"events[{index}]",
            value=recorded,
            problem=f"replays to a different record: {rebuilt}",
        )
