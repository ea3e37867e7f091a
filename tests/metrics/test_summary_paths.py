"""The summary line has one definition, :meth:`IssueSummary.of` (through the facts
the rates read, :class:`IssueAsOf`), and one fast path kept for speed,
:func:`issue_summary_of_row`, which reads a ledger's row in place. These tests
prove the fast path against the definition over generated ledgers: simulated
campaigns (every step of the workflow, provisional years included), and rows as
a store leaves them, the recorded history added as events and later steps
taken on top (or the issue imported without its history, mid-life).
"""

import datetime as dt

import attrs
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from banshishi import Actor, Event, Issue, IssueStatus, Ledger, completion_rate, replay
from banshishi._metrics.summary import IssueSummary, issue_summary_of_row
from banshishi._simulation.campaign import Campaign, simulate_campaign
from banshishi._workflow.engine import WIDTH
from banshishi._workflow.issue_arguments import ISSUE_STEPS
from banshishi._workflow.step import arguments_from_data

STARTS = (None, dt.date(2026, 11, 1), dt.date(2027, 6, 1))
"""The demo's quarter, one running into a year with no official schedule yet,
and one wholly in such years (deadlines counted provisionally)."""
EVERY_STATUS = frozenset(IssueStatus)

campaigns = st.builds(
    lambda issues, seed, start: simulate_campaign(issues=issues, seed=seed, start=start),
    issues=st.integers(min_value=1, max_value=12),
    seed=st.integers(min_value=0, max_value=2**32),
    start=st.sampled_from(STARTS),
)
slow = settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.too_slow])


def assert_fast_path_agrees(ledger: Ledger) -> int:
    """Every row with a history gives, read in place, the line the definition gives
    of its issue; returns how many rows were compared."""
    compared = 0
    for issue_id, row in ledger.rows_in(EVERY_STATUS):
        issue = ledger.issue(issue_id)
        fast = issue_summary_of_row(issue_id, row, WIDTH)
        if not issue.history:
            assert fast is None  # the caller summarises such an issue through the definition
            continue
        assert fast == IssueSummary.of(issue, version=len(issue.history)), issue_id
        compared += 1
    return compared


@slow
@given(campaign=campaigns)
def test_the_fast_line_of_a_simulated_ledger_is_the_defined_line(campaign: Campaign) -> None:
    assert assert_fast_path_agrees(campaign.ledger) == len(campaign.ledger)


def take_again(ledger: Ledger, issue_id: str, events: tuple[Event, ...]) -> None:
    """Take the recorded steps again on ``ledger``, as a store's writer would after
    reading the record: the row then mixes added events and steps taken."""
    for event in events:
        actor = Actor(id=event.actor, role=event.role, unit=event.unit)
        ledger.apply(
            issue_id,
            event.name,
            actor=actor,
            at=event.at,
            note=event.note,
            **arguments_from_data(event, ISSUE_STEPS),
        )


@slow
@given(campaign=campaigns, data=st.data())
def test_the_fast_line_of_a_row_read_back_and_stepped_on_is_the_defined_line(
    campaign: Campaign, data: st.DataObject
) -> None:
    """Each issue is cut at a drawn step: the part before is added as it stood (its
    events in the row, as a store hydrates it), or imported without its history;
    the steps after are taken again on top."""
    ledger = Ledger(policy=campaign.policy)
    imported: list[str] = []
    for issue in campaign.ledger.issues():
        events = issue.history
        cut = data.draw(st.integers(min_value=1, max_value=len(events)), label=issue.id)
        before = replay(events[:cut], policy=campaign.policy)
        if cut < len(events) and data.draw(st.booleans(), label=f"{issue.id} bare"):
            ledger.add(attrs.evolve(before, history=()))  # imported mid-life, no history
            imported.append(issue.id)
        else:
            ledger.add(before)
        take_again(ledger, issue.id, events[cut:])
        assert ledger.issue(issue.id).status is issue.status
    compared = assert_fast_path_agrees(ledger)
    assert compared == len(ledger)


@slow
@given(campaign=campaigns)
def test_the_ledgers_completion_rate_from_its_counts_is_the_defined_rate(
    campaign: Campaign,
) -> None:
    """:meth:`Ledger.completion_rate` counts statuses for speed; it is the rate."""
    ledger = campaign.ledger
    assert ledger.completion_rate() == completion_rate(ledger.issues()).rate


def test_an_issue_added_without_a_history_has_no_fast_line() -> None:
    campaign = simulate_campaign(issues=3, seed=11)
    ledger = Ledger(policy=campaign.policy)
    for issue in campaign.ledger.issues():
        bare: Issue = attrs.evolve(issue, history=())
        ledger.add(bare)
    assert all(
        issue_summary_of_row(issue_id, row, WIDTH) is None
        for issue_id, row in ledger.rows_in(EVERY_STATUS)
    )
