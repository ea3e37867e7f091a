"""The trusted rebuild gives exactly the record the checked replay gives.

``restore`` applies each recorded step's effects without taking the step again;
``replay`` takes every step again through every check. On every history the
walks generate (both engines, every track, redos, appeals, visits, send-backs,
extensions) and on the simulated campaign, both rebuild the same issue or
pledge, history included, and ``restore`` tells ``each`` every version.
"""

import attrs
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from banshishi import (
    Event,
    FixedClock,
    InconsistentRecordError,
    InvalidTypeError,
    InvalidValueError,
    Ledger,
    PledgeLedger,
    PledgeWorkflow,
    replay,
    replay_pledge,
)
from banshishi._metrics.summary import IssueSummary
from banshishi._workflow.trusted_replay import restore, trusted_replay, trusted_replay_pledge
from cast import T0
from issue_walks import ISSUE_ID, HypothesisDraw, RandomDraw, drive
from pledge_steps import (
    KEEPERS,
    KINDS,
    SUPERVISOR,
    claimed,
    draw_call,
    draw_claim_fields,
    new_pledge,
    on_ledger,
    on_machine,
)


@settings(max_examples=30, suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])
@given(data=st.data())
def test_a_trusted_rebuild_of_any_walk_is_the_checked_replay(data):
    run = drive(HypothesisDraw(data), most=40)
    history = run.ledger.history(ISSUE_ID)
    checked = replay(history, policy=run.policy)
    assert trusted_replay(history, policy=run.policy) == checked
    assert checked == run.ledger.issue(ISSUE_ID)


@pytest.mark.parametrize("seed", range(6))
def test_long_walks_rebuild_the_same_both_ways(seed):
    run = drive(RandomDraw(seed), most=80, stop=False)
    history = run.ledger.history(ISSUE_ID)
    assert trusted_replay(history, policy=run.policy) == replay(history, policy=run.policy)


@settings(max_examples=30, suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])
@given(st.data())
def test_a_trusted_rebuild_of_any_pledge_walk_is_the_checked_replay(data):
    kind = data.draw(st.sampled_from(list(KINDS)), label="kind")
    fields = draw_claim_fields(data, kind)
    pledge = new_pledge(kind, **fields)
    workflow = PledgeWorkflow(pledge, clock=FixedClock(T0))
    ledger = claimed(new_pledge(kind, **fields), actor=SUPERVISOR)
    for _ in range(data.draw(st.integers(1, 15), label="steps")):
        call = draw_call(data, pledge, KEEPERS[kind])
        on_ledger(ledger, pledge.id, call)
        on_machine(workflow, call)
    history = ledger.history(pledge.id)
    assert trusted_replay_pledge(history) == replay_pledge(history)
    start = new_pledge(kind, **fields)
    assert trusted_replay_pledge(pledge.history, start=start) == pledge


def test_the_simulated_campaign_rebuilds_the_same_both_ways(simulated):
    campaign = simulated(issues=300)
    policy = campaign.policy
    for issue_id in campaign.ledger:
        history = campaign.ledger.history(issue_id)
        assert trusted_replay(history, policy=policy) == replay(history, policy=policy), issue_id
    for pledge_id in campaign.pledges:
        history = campaign.pledges.history(pledge_id)
        assert trusted_replay_pledge(history, policy=policy) == replay_pledge(
            history, policy=policy
        ), pledge_id


def test_each_is_told_every_version_with_the_record_standing_at_it(simulated):
    campaign = simulated(issues=300)
    issue_id = max(campaign.ledger, key=lambda i: campaign.ledger.version(i))
    history = campaign.ledger.history(issue_id)
    seen: list[tuple[int, IssueSummary]] = []

    def each(book, record_id, version):
        assert record_id == issue_id
        seen.append((version, book.summary(record_id)))

    into = Ledger(policy=campaign.policy)
    assert restore(history, policy=campaign.policy, into=into, each=each) == issue_id
    assert [version for version, _ in seen] == list(range(1, len(history) + 1))
    for version, line in seen:  # each line is the one the issue had at that version
        then = replay(history[:version], policy=campaign.policy)
        assert line == IssueSummary.of(then, version=version)
    assert into.issue(issue_id) == campaign.ledger.issue(issue_id)


def test_restore_into_a_ledger_adds_to_what_it_holds(simulated):
    campaign = simulated(issues=300)
    into = Ledger(policy=campaign.policy)
    ids = list(campaign.ledger)[:20]
    for issue_id in ids:
        restore(campaign.ledger.history(issue_id), policy=campaign.policy, into=into)
    assert list(into) == ids
    assert [into.issue(i) for i in ids] == [campaign.ledger.issue(i) for i in ids]


def test_an_event_that_does_not_follow_on_is_refused_and_leaves_nothing(simulated):
    campaign = simulated(issues=300)
    issue_id = max(campaign.ledger, key=lambda i: campaign.ledger.version(i))
    history = list(campaign.ledger.history(issue_id))
    history[2] = attrs.evolve(history[2], from_status=history[-1].to_status)
    if history[2].from_status is history[1].to_status:  # pragma: no cover - not in this campaign
        history[2] = attrs.evolve(history[2], from_status=history[0].to_status)
    into = Ledger(policy=campaign.policy)
    with pytest.raises(InconsistentRecordError, match="from_status"):
        restore(history, policy=campaign.policy, into=into)
    assert issue_id not in into


def test_restore_refuses_what_it_cannot_rebuild(simulated):
    campaign = simulated(issues=300)
    issue_id = next(iter(campaign.ledger))
    history = campaign.ledger.history(issue_id)
    with pytest.raises(InvalidValueError, match="empty"):
        restore([], policy=campaign.policy)
    with pytest.raises(InvalidTypeError, match="PledgeLedger"):
        restore(history, policy=campaign.policy, into=PledgeLedger())
    with pytest.raises(InvalidTypeError, match=r"events\[0\]"):
        restore(["receive"], policy=campaign.policy)  # type: ignore[list-item]
    with pytest.raises(InvalidValueError, match="start="):
        restore(history[1:], policy=campaign.policy)


def test_a_history_without_its_receipt_rebuilds_from_a_start(simulated):
    campaign = simulated(issues=300)
    issue_id = max(campaign.ledger, key=lambda i: campaign.ledger.version(i))
    history = campaign.ledger.history(issue_id)
    start = replay(history[:1], policy=campaign.policy)
    bare = attrs.evolve(start, history=())
    rebuilt = trusted_replay(history[1:], policy=campaign.policy, start=bare)
    assert rebuilt == replay(history[1:], policy=campaign.policy, start=bare)
    assert rebuilt.history == history[1:]
    assert isinstance(rebuilt.history[0], Event)
