"""The SLA sweep on a ledger kept in a store: the same findings and the same steps
as the in-memory sweep on the same ledger, nothing done twice, nothing written by a
dry run, and green items never read."""

import sqlite3
from collections.abc import Iterator, Sequence
from pathlib import Path
from typing import Any

import pendulum
import pytest
from hypothesis import event as note_event
from hypothesis import given
from hypothesis import strategies as st

from banshishi import (
    InvalidTypeError,
    InvalidValueError,
    IssueSummary,
    LedgerStore,
    SlaLevel,
    StoreError,
    SweepRules,
    WorkflowPolicy,
    sweep,
)
from banshishi._store import store_sweep
from banshishi.store import SqliteEventStore
from issue_walks import DISPATCHER, POLICIES, T0, TREE, HypothesisDraw
from store_helpers import (
    FEW,
    by_id,
    open_new,
    random_ledger,
    receive_issues,
    snapshot,
    sweep_outcome,
    transfer_args,
)

LATER = ({"hours": 0}, {"hours": 3}, {"days": 1}, {"days": 8}, {"days": 40})
WINDOWS = ("1 working day", "3 working days", pendulum.duration(hours=2))


@FEW
@given(data=st.data())
def test_the_store_sweeps_as_the_ledger_does(tmp_path_factory: Any, data: st.DataObject) -> None:
    """On the same random ledger at the same moment: the same levels, urges,
    escalations and refusals, the same new events on every issue, whatever the batch
    size; and a second sweep, on either, changes nothing."""
    draw = HypothesisDraw(data)
    policy: WorkflowPolicy = draw.choice(POLICIES)
    ledger, last = random_ledger(
        draw, policy, issues=draw.integer(1, 6), steps=draw.integer(0, 30), backdated=False
    )
    at = last.add(**draw.choice(LATER))
    rules = SweepRules(
        due_soon_within=draw.choice(WINDOWS),
        escalate_overdue=policy.units is not None and draw.chance(60),
    )
    path = tmp_path_factory.mktemp("sweep") / "ledger.db"
    with open_new(path, policy=policy) as store:
        store.write_ledgers(ledger)
        got = store.sweep(at=at, rules=rules, batch_size=draw.choice((1, 2, 1_000)))
        expected = sweep(ledger, at, rules=rules)
        assert sweep_outcome(got) == sweep_outcome(expected)
        assert list(got.on_track) == sorted(got.on_track)  # a store lists by id
        note_event(f"urged {min(len(got.urged), 2)}+, escalated {min(len(got.escalated), 1)}+")
        note_event(f"refused {min(len(got.refused), 1)}+")
        for issue_id in ledger:
            assert store.history(issue_id) == ledger.history(issue_id), issue_id
        before = snapshot(store)
        again = store.sweep(at=at, rules=rules)
        assert not again.changed
        assert not sweep(ledger, at, rules=rules).changed
        assert again.counts() == got.counts()
        assert snapshot(store) == before


@FEW
@given(data=st.data())
def test_a_dry_run_writes_nothing_and_says_what_a_sweep_would_do(
    tmp_path_factory: Any, data: st.DataObject
) -> None:
    draw = HypothesisDraw(data)
    policy: WorkflowPolicy = draw.choice(POLICIES)
    ledger, last = random_ledger(draw, policy, issues=draw.integer(1, 5), steps=20)
    at = last.add(**draw.choice(LATER))
    rules = SweepRules(escalate_overdue=policy.units is not None)
    path = tmp_path_factory.mktemp("dry") / "ledger.db"
    with open_new(path, policy=policy) as store:
        store.write_ledgers(ledger)
        before = snapshot(store)
        dry = store.sweep(at=at, rules=rules, dry_run=True)
        assert snapshot(store) == before
        real = store.sweep(at=at, rules=rules)
    # A dry run cannot know what the workflow would refuse: it plans those steps too.
    assert dry.counts() == real.counts()
    assert set(real.urged) <= set(dry.urged)
    assert set(real.escalated) <= set(dry.escalated)
    assert set(dry.urged) - set(real.urged) <= set(real.refused)
    assert set(dry.escalated) - set(real.escalated) <= set(real.refused)


def _transferred(store: LedgerStore, *days: int) -> list[str]:
    """Issues received at T0 and after, each transferred with a deadline ``days`` on."""
    ids = [f"s-{n}" for n in range(len(days))]
    receive_issues(store, *ids)
    for issue_id, due in zip(ids, days, strict=True):
        store.apply(
            issue_id, "transfer", actor=DISPATCHER, at=T0.add(hours=1), **transfer_args(days=due)
        )
    return ids


class _Watched(SqliteEventStore):
    """A store that notes which issues' summary lines it hands out."""

    seen: set[str]

    def issue_summaries(self, **filters: Any) -> Iterator[IssueSummary]:
        for line in super().issue_summaries(**filters):
            self.seen.add(line.id)
            yield line


class _Reads:
    """A read-only connection noting the values bound to each query."""

    def __init__(self, db: sqlite3.Connection, bound: list[tuple[Any, ...]]) -> None:
        self._db, self._bound = db, bound

    def execute(self, sql: str, values: Sequence[Any] = ()) -> sqlite3.Cursor:
        self._bound.append(tuple(values))
        return self._db.execute(sql, values)

    def close(self) -> None:
        self._db.close()


def test_green_items_are_never_read(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Neither their summary lines nor their events: only their ids."""
    path = tmp_path / "ledger.db"
    with open_new(path) as store:
        ids = _transferred(store, 2, 30, 30, 1)
    bound: list[tuple[Any, ...]] = []
    connect = store_sweep.connect_read_only
    monkeypatch.setattr(store_sweep, "connect_read_only", lambda p: _Reads(connect(p), bound))
    watched = _Watched(path)
    watched.seen = set()
    with LedgerStore(watched) as store:
        at = T0.add(days=2, hours=5)  # past the first's deadline; the last's is near
        report = store.sweep(at=at)
    assert report.counts() == {SlaLevel.ON_TRACK: 2, SlaLevel.DUE_SOON: 0, SlaLevel.OVERDUE: 2}
    assert report.on_track == (ids[1], ids[2])
    assert sorted(report.urged) == sorted([ids[0], ids[3]])
    assert watched.seen == {ids[0], ids[3]}
    assert len(bound) == 2  # the green ids, then the others' events
    assert set(bound[1]) == {ids[0], ids[3]}


class _Elsewhere:
    """Another backend: the SQLite one behind the protocol, nothing more."""

    def __init__(self, store: SqliteEventStore) -> None:
        self._store = store

    def __getattr__(self, name: str) -> Any:
        return getattr(self._store, name)


def test_another_backend_sweeps_alike(tmp_path: Path) -> None:
    """Through the EventStore protocol alone: the same report and the same events."""
    reports, histories = [], []
    for name in ("sqlite", "other"):
        path = tmp_path / f"{name}.db"
        with open_new(path, policy=WorkflowPolicy(units=TREE)) as store:
            ids = _transferred(store, 2, 30, 1, 4)
        backend = SqliteEventStore(path)
        with LedgerStore(backend if name == "sqlite" else _Elsewhere(backend)) as store:
            rules = SweepRules(escalate_overdue=True)
            store.sweep(at=T0.add(days=1, hours=5), rules=rules)
            reports.append(store.sweep(at=T0.add(days=3, hours=5), rules=rules))
            histories.append([store.history(issue_id) for issue_id in ids])
    assert reports[0] == reports[1]
    assert histories[0] == histories[1]
    assert reports[0].urged == (ids[0], ids[3])
    assert reports[0].escalated == (ids[0],)  # the third was escalated the day before


def test_progress_is_told_after_each_batch(tmp_path: Path) -> None:
    told: list[tuple[int, int]] = []
    with open_new(tmp_path / "ledger.db") as store:
        _transferred(store, *[1] * 5)
        report = store.sweep(at=T0.add(days=10), batch_size=2, progress=lambda *p: told.append(p))
        assert len(report.urged) == 5
        assert [line.version for line in store.summaries()] == [3] * 5
    assert told == [(2, 5), (4, 5), (5, 5)]


def test_escalation_needs_the_policys_unit_tree(tmp_path: Path) -> None:
    with open_new(tmp_path / "ledger.db") as store, pytest.raises(InvalidValueError) as caught:
        store.sweep(at=T0, rules=SweepRules(escalate_overdue=True))
    assert caught.value.field == "SweepRules.escalate_overdue"


@pytest.mark.parametrize(
    ("option", "value", "error", "field"),
    [
        ("batch_size", 0, InvalidValueError, "batch_size"),
        ("batch_size", "10", InvalidTypeError, "batch_size"),
        ("dry_run", "yes", InvalidTypeError, "dry_run"),
        ("progress", 3, InvalidTypeError, "progress"),
        ("rules", {"urge": True}, InvalidTypeError, "rules"),
        ("at", "tomorrow", InvalidTypeError, "at"),
    ],
)
def test_bad_options_are_refused_naming_them(
    tmp_path: Path, option: str, value: object, error: type[Exception], field: str
) -> None:
    with open_new(tmp_path / "ledger.db") as store:
        _transferred(store, 1)
        before = snapshot(store)
        options: dict[str, Any] = {"at": T0.add(days=5), option: value}
        with pytest.raises(error) as caught:
            store.sweep(**options)
        assert getattr(caught.value, "field", None) == field
        assert snapshot(store) == before


def test_a_ledger_opened_for_reading_can_only_dry_run(tmp_path: Path) -> None:
    path = tmp_path / "ledger.db"
    with open_new(path) as store:
        ids = _transferred(store, 1)
    with LedgerStore.open(path, read_only=True) as store:
        assert store.sweep(at=T0.add(days=5), dry_run=True).urged == tuple(ids)
        with pytest.raises(StoreError):
            store.sweep(at=T0.add(days=5))
        assert by_id(store.summaries())[ids[0]].version == 2
