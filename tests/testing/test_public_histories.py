"""The public histories (banshishi.testing.strategies): every drawn history is one
the workflow accepts, on every engine and store, and the strategies reach every
status, track and step within a bounded number of examples."""

import tempfile
from collections import Counter
from pathlib import Path

import attrs
from hypothesis import HealthCheck, Phase, given, seed, settings
from hypothesis import strategies as st

from banshishi import (
    IssueStatus,
    IssueWorkflow,
    Ledger,
    LedgerStore,
    PledgeLedger,
    PledgeStatus,
    PledgeWorkflow,
    Track,
    replay,
    replay_pledge,
)
from banshishi._workflow.issue_arguments import EVENT_ARGUMENTS
from banshishi._workflow.pledge_arguments import PLEDGE_EVENT_ARGUMENTS
from banshishi.testing.strategies import (
    IssueHistory,
    PledgeHistory,
    issue_histories,
    new_issues,
    pledge_histories,
    unit_trees,
)

SLOW = settings(max_examples=10, deadline=None, suppress_health_check=[HealthCheck.too_slow])
"""Store round trips write a SQLite file per example: a few are enough."""
COUNTED = settings(max_examples=200, deadline=None, database=None, derandomize=True)
"""The coverage checks draw a fixed, bounded sample (the same in every run)."""


@given(issue_histories())
def test_an_issue_history_is_accepted_by_the_ledger_and_the_machine_alike(
    history: IssueHistory,
) -> None:
    ledger = Ledger(policy=history.policy)
    assert history.apply_to(ledger) is history.status
    issue = ledger.issue(history.issue.id)
    assert [event.to_status for event in issue.history[1:]] == list(history.statuses)
    workflow = IssueWorkflow(attrs.evolve(history.issue), policy=history.policy)
    for step, status in zip(history.steps, history.statuses, strict=True):
        take = getattr(workflow, step.event)
        take(actor=step.actor, at=step.at, note=step.note, **step.args)
        assert workflow.model.status is status
    assert workflow.model.history == issue.history[1:]


@given(issue_histories())
def test_an_issue_history_replays_to_the_same_issue(history: IssueHistory) -> None:
    ledger = Ledger(policy=history.policy)
    history.apply_to(ledger)
    issue = ledger.issue(history.issue.id)
    assert replay(issue.history, policy=history.policy) == issue


@SLOW
@given(histories=st.lists(issue_histories(max_steps=12), min_size=1, max_size=3))
def test_issue_histories_go_into_a_sqlite_store_with_the_same_summaries(
    histories: list[IssueHistory],
) -> None:
    histories = list({history.issue.id: history for history in histories}.values())
    ledger = Ledger()
    with (
        tempfile.TemporaryDirectory() as folder,
        LedgerStore.open(Path(folder) / "ledger.db", create=True) as store,
    ):
        for history in histories:
            assert history.apply_to(store) is history.apply_to(ledger) is history.status
        kept = {line.id: line for line in store.summaries()}
        for history in histories:
            issue_id = history.issue.id
            assert kept[issue_id] == ledger.summary(issue_id)
            assert store.history(issue_id) == ledger.history(issue_id)
        assert store.verify().intact


@given(pledge_histories())
def test_a_pledge_history_is_accepted_by_the_ledger_and_the_machine_alike(
    history: PledgeHistory,
) -> None:
    ledger = PledgeLedger(policy=history.policy)
    assert history.apply_to(ledger) is history.status
    pledge = ledger.pledge(history.pledge.id)
    assert [event.to_status for event in pledge.history[1:]] == list(history.statuses)
    workflow = PledgeWorkflow(attrs.evolve(history.pledge), policy=history.policy)
    for step in history.steps:
        getattr(workflow, step.event)(actor=step.actor, at=step.at, note=step.note, **step.args)
    assert workflow.model.history == pledge.history[1:]
    assert replay_pledge(pledge.history, policy=history.policy) == pledge


@SLOW
@given(history=pledge_histories())
def test_a_pledge_history_goes_into_a_sqlite_store_with_the_same_summary(
    history: PledgeHistory,
) -> None:
    ledger = PledgeLedger()
    with (
        tempfile.TemporaryDirectory() as folder,
        LedgerStore.open(Path(folder) / "ledger.db", create=True) as store,
    ):
        assert history.apply_to(store) is history.apply_to(ledger) is history.status
        assert store.pledge_summaries() == [ledger.summary(history.pledge.id)]
        assert store.pledge_history(history.pledge.id) == ledger.history(history.pledge.id)


@given(data=st.data())
def test_histories_keep_to_the_tree_and_the_issues_they_are_given(data: st.DataObject) -> None:
    tree = data.draw(unit_trees(min_size=3, max_size=5))
    ids = [unit.id for unit in tree]
    issues = new_issues(ids=st.just("A-1"), received_by=st.sampled_from(ids))
    history = data.draw(issue_histories(units=tree, issues=issues, max_steps=10))
    assert history.issue.id == "A-1"
    assert history.policy.units is tree  # the policy checks every unit named against it
    for step in history.steps:
        assert step.issue_id == "A-1"
        named = [step.args.get("unit"), step.args.get("supervising_unit")]
        assert {unit for unit in named if unit is not None} <= set(ids)
        assert set(step.args.get("co_units", ())) <= set(ids)
    moments = [history.issue.received_at, *(step.at for step in history.steps)]
    assert moments == sorted(moments)


def test_issue_histories_reach_every_status_track_and_step() -> None:
    events: Counter[str] = Counter()
    statuses: Counter[IssueStatus] = Counter()
    tracks: Counter[Track] = Counter()

    # A fixed seed (not derandomized, whose draws move with the function's code):
    # 200 histories that between them take every step, side steps included.
    @settings(max_examples=200, deadline=None, database=None, phases=[Phase.generate])
    @seed(4)
    @given(issue_histories())
    def count(history: IssueHistory) -> None:
        events.update(step.event for step in history.steps)
        statuses.update(history.statuses)
        tracks[history.issue.track] += 1

    count()
    assert set(events) == set(EVENT_ARGUMENTS)
    assert set(statuses) >= set(IssueStatus) - {IssueStatus.RECEIVED}
    assert set(tracks) == set(Track)


def test_pledge_histories_reach_every_status_and_step() -> None:
    events: Counter[str] = Counter()
    statuses: Counter[PledgeStatus] = Counter()

    @COUNTED
    @seed(20)
    @given(pledge_histories())
    def count(history: PledgeHistory) -> None:
        events.update(step.event for step in history.steps)
        statuses.update(history.statuses)

    count()
    assert set(events) == set(PLEDGE_EVENT_ARGUMENTS)
    assert set(statuses) >= set(PledgeStatus) - {PledgeStatus.DRAFT}
