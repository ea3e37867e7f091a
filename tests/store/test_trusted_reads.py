"""A LedgerStore reads records by the trusted rebuild: the same records as the
checked replay, at a cost that grows with the history, not with its square."""

import pytest

from banshishi import LedgerStore, Subject, replay, replay_pledge
from banshishi._model import event as event_module
from cast import CLERK, DISPATCHER, SUPERVISOR, T0, new_issue


@pytest.fixture(scope="module")
def stored(simulated, tmp_path_factory):
    campaign = simulated(issues=120, seed=5)
    path = tmp_path_factory.mktemp("trusted") / "ledger.db"
    with LedgerStore.open(path, create=True, policy=campaign.policy) as store:
        store.write_ledgers(campaign.ledger, campaign.pledges)
    return campaign, path


def test_every_record_read_is_the_one_the_checked_replay_gives(stored):
    campaign, path = stored
    with LedgerStore.open(path, read_only=True) as store:
        policy = store.policy
        issues = list(store.issues())
        assert issues == [replay(store.history(i.id), policy=policy) for i in issues]
        assert issues == list(campaign.ledger.issues())
        pledges = list(store.pledges())
        assert pledges == [
            replay_pledge(store.pledge_history(p.id), policy=policy) for p in pledges
        ]
        assert pledges == list(campaign.pledges.pledges())
        some = issues[len(issues) // 2]
        assert store.issue(some.id) == some
        assert store.pledge(pledges[0].id) == pledges[0]


def test_a_past_moment_reads_the_records_the_checked_replay_gives(stored):
    campaign, path = stored
    moment = campaign.start.add(days=40)
    with LedgerStore.open(path, read_only=True) as store:
        policy = store.policy
        then = list(store.issues(as_of=moment))
        expected = []
        for issue_id in campaign.ledger:
            events = [e for e in store.history(issue_id) if e.at <= moment]
            if events:
                expected.append(replay(events, policy=policy))
        assert sorted(then, key=lambda i: i.id) == sorted(expected, key=lambda i: i.id)
        ledger = store.ledger(as_of=moment)
        assert sorted(ledger.issues(), key=lambda i: i.id) == sorted(expected, key=lambda i: i.id)
        assert list(store.pledge_ledger().pledges()) == list(store.pledges())


def _urged(path, steps: int) -> None:
    with LedgerStore.open(path, create=True) as store:
        store.receive(new_issue("long"), actor=CLERK)
        store.apply("long", "transfer", actor=DISPATCHER, at=T0.add(hours=1), unit="u1")
        for n in range(steps):
            store.apply(
                "long", "urge", actor=SUPERVISOR, at=T0.add(hours=2, minutes=n), note="催办"
            )


def _events_built(path, monkeypatch) -> int:
    built = 0
    original = event_module.Event.__attrs_post_init__

    def counted(self):
        nonlocal built
        built += 1
        original(self)

    with LedgerStore.open(path, read_only=True) as store:
        monkeypatch.setattr(event_module.Event, "__attrs_post_init__", counted)
        try:
            issue = store.issue("long")
        finally:
            monkeypatch.setattr(event_module.Event, "__attrs_post_init__", original)
    assert len(issue.history) == store_version(path)
    return built


def store_version(path) -> int:
    with LedgerStore.open(path, read_only=True) as store:
        return store.store.version(Subject.ISSUE, "long")


def test_reading_an_issue_builds_each_of_its_events_once(tmp_path, monkeypatch):
    short, long = tmp_path / "short.db", tmp_path / "long.db"
    _urged(short, 10)
    _urged(long, 40)
    # One event built per stored event (read from its row), none built again by
    # the rebuild: the work grows with the history, not with its square.
    assert _events_built(short, monkeypatch) == 12
    assert _events_built(long, monkeypatch) == 42
