"""The workflow policy kept with a ledger (issue 18, item 6).

A ledger keeps its WorkflowPolicy in its hash chain: a process that opens it
with another policy is refused, so two processes can no longer write different
deadlines into one ledger; a change is an explicit, recorded version; a ledger
made before takes the policy given at its first opening and records it.
"""

import datetime as dt
import io
import shutil
import sqlite3
from pathlib import Path

import pytest

import paths
from banshishi import (
    Actor,
    ConcurrencyError,
    LedgerStore,
    Role,
    StoreError,
    TimeLimit,
    Track,
    WorkflowPolicy,
    WorkingHours,
    YearSchedule,
    china_calendar,
    export_events,
    import_events,
)
from banshishi._workflow.policy import DEFAULT_POLICY
from issue_walks import CLERK, DISPATCHER, T0, new_issue

JOINT_15 = WorkflowPolicy(time_limits={Track.IMMEDIATE: "1 working day",
                                       Track.JOINT: "15 working days"})  # fmt: skip
JOINT_10 = WorkflowPolicy(time_limits={Track.IMMEDIATE: "1 working day",
                                       Track.JOINT: "10 working days"})  # fmt: skip
LEADER = Actor(id="liu", role=Role.LEADER, unit="county")
OLD = paths.DATA / "schema1-ledger.db"


def rules(policy: WorkflowPolicy) -> dict[str, object]:
    return policy.to_dict()


def transferred_deadline(store: LedgerStore, issue_id: str, at: dt.datetime) -> object:
    """Receive a 共办 item and transfer it without a deadline: the policy's limit sets it."""
    store.receive(new_issue(issue_id, track=Track.JOINT, received_at=at), actor=CLERK)
    store.apply(issue_id, "transfer", actor=DISPATCHER, at=at.add(minutes=5), unit="u1",
                co_units=("u2",))  # fmt: skip
    return store.issue(issue_id).deadline


def test_a_ledger_keeps_the_policy_it_was_created_with(tmp_path: Path) -> None:
    path = tmp_path / "ledger.db"
    with LedgerStore.open(path, create=True, policy=JOINT_15) as store:
        [kept] = store.policy_history()
        assert (kept.version, kept.seq) == (1, 1)
        assert rules(kept.policy) == rules(JOINT_15)
        due = transferred_deadline(store, "a", T0)
    with LedgerStore.open(path) as store:  # no policy given: the ledger's own
        assert rules(store.policy) == rules(JOINT_15)
        assert transferred_deadline(store, "b", T0) == due
        assert store.verify()


def test_opening_with_another_policy_is_refused_and_writes_nothing(tmp_path: Path) -> None:
    path = tmp_path / "ledger.db"
    with LedgerStore.open(path, create=True, policy=JOINT_15) as store:
        transferred_deadline(store, "a", T0)
        head = store.head()
    before = path.read_bytes()
    with pytest.raises(StoreError) as refused:
        LedgerStore.open(path, policy=JOINT_10)
    assert (refused.value.field, refused.value.value) == ("policy", ["time_limits"])
    assert "change_policy" in str(refused.value)
    assert path.read_bytes() == before
    with LedgerStore.open(path, policy=JOINT_15) as store:  # the same rules are welcome
        assert store.head() == head


def test_a_ledger_created_under_the_default_records_nothing_yet_refuses_others(
    tmp_path: Path,
) -> None:
    path = tmp_path / "ledger.db"
    with LedgerStore.open(path, create=True) as store:
        store.receive(new_issue("a"), actor=CLERK)
        assert (store.policy_version(), store.policy_history()) == (0, ())
        assert store.verify().events == 1
    with pytest.raises(StoreError) as refused:
        LedgerStore.open(path, policy=JOINT_15)
    assert "the default, never changed" in str(refused.value)
    with LedgerStore.open(path, policy=WorkflowPolicy()) as store:  # equal to the default
        assert store.policy is DEFAULT_POLICY


def test_a_change_of_policy_is_a_version_and_applies_from_then_on(tmp_path: Path) -> None:
    path = tmp_path / "ledger.db"
    with LedgerStore.open(path, create=True, policy=JOINT_15) as store:
        before = transferred_deadline(store, "a", T0)
        store.change_policy(JOINT_10, actor=LEADER, at=T0.add(days=1), note="县政府令 2026-7号")
        after = transferred_deadline(store, "b", T0)
        assert after < before
        assert store.issue("a").deadline == before  # steps already taken keep theirs
    with LedgerStore.open(path) as store:
        first, second = store.policy_history()
        assert rules(second.policy) == rules(JOINT_10)
        assert (second.version, second.change.actor, second.change.note) == (
            2, LEADER, "县政府令 2026-7号")  # fmt: skip
        assert second.change.at == T0.add(days=1)
        assert first.seq < second.seq
        assert rules(store.policy) == rules(JOINT_10)
        assert store.verify(deep=True)


def test_a_process_that_opened_before_a_change_cannot_write_under_the_old_rules(
    tmp_path: Path,
) -> None:
    path = tmp_path / "ledger.db"
    with LedgerStore.open(path, create=True, policy=JOINT_15) as early:
        with LedgerStore.open(path) as other:
            other.change_policy(JOINT_10, at=T0, note="new limits")
        head = early.head()
        with pytest.raises(ConcurrencyError) as refused:
            early.receive(new_issue("a"), actor=CLERK)
        assert refused.value.field == "policy version"
        assert early.head() == head
        assert early.version("a") == 0
        with pytest.raises(ConcurrencyError):
            early.change_policy(JOINT_15, at=T0, note="back")
    with LedgerStore.open(path) as store:
        assert rules(store.policy) == rules(JOINT_10)


def test_an_old_ledger_takes_the_policy_given_at_first_open_and_records_it(
    tmp_path: Path,
) -> None:
    path = tmp_path / "old.db"
    shutil.copyfile(OLD, path)
    with LedgerStore.open(path, policy=JOINT_15) as store:
        [kept] = store.policy_history()
        assert rules(kept.policy) == rules(JOINT_15)
        assert "first opened" in kept.change.note
        assert store.verify(deep=True)
    with pytest.raises(StoreError):
        LedgerStore.open(path, policy=JOINT_10)
    # Under the default, an old ledger records no version, yet keeps its policy from then on.
    default = tmp_path / "old-default.db"
    shutil.copyfile(OLD, default)
    with LedgerStore.open(default) as store:
        events = store.verify().events
        assert store.policy_history() == ()
    with pytest.raises(StoreError):
        LedgerStore.open(default, policy=JOINT_10)
    with LedgerStore.open(default) as store:
        assert store.verify().events == events


def test_reading_only_records_nothing(tmp_path: Path) -> None:
    path = tmp_path / "old.db"
    shutil.copyfile(OLD, path)
    before = path.read_bytes()
    with LedgerStore.open(path, policy=JOINT_15, read_only=True) as store:
        assert rules(store.policy) == rules(JOINT_15)
        assert store.policy_history() == ()
    assert path.read_bytes() == before


def test_a_policy_with_a_loaded_schedule_is_kept_whole(tmp_path: Path) -> None:
    year = china_calendar().official_years.stop
    schedule = YearSchedule.from_dict({"year": year, "holidays": {"元旦": [f"{year}-01-01"]}})
    calendar = china_calendar().with_schedule(schedule)
    policy = WorkflowPolicy(
        working_hours=WorkingHours(calendar=calendar, cutoff=dt.time(16)),
        evaluation_window=TimeLimit.working_days(3),
        provisional_years=1,
    )
    path = tmp_path / "ledger.db"
    LedgerStore.open(path, create=True, policy=policy).close()
    with LedgerStore.open(path) as store:
        assert store.policy == policy
        assert store.policy.working_hours.calendar.schedule(year) == schedule


def test_an_edited_policy_breaks_the_chain(tmp_path: Path) -> None:
    path = tmp_path / "ledger.db"
    with LedgerStore.open(path, create=True, policy=JOINT_15) as store:
        store.receive(new_issue("a"), actor=CLERK)
    db = sqlite3.connect(path)
    db.execute("UPDATE events SET data = replace(data, '15 working days', '30 working days') "
               "WHERE subject = 'policy'")  # fmt: skip
    db.commit()
    db.close()
    with LedgerStore.open(path, read_only=True) as store:
        report = store.verify()
    assert not report.intact
    assert report.first_bad == 1
    assert "policy" in report.problem


def test_an_export_carries_the_policy_into_the_ledger_it_is_imported_into(
    tmp_path: Path,
) -> None:
    with LedgerStore.open(tmp_path / "a.db", create=True, policy=JOINT_15) as source:
        transferred_deadline(source, "a", T0)
        source.change_policy(JOINT_10, at=T0.add(days=1), note="new limits")
        transferred_deadline(source, "b", T0.add(days=1))
        text = io.StringIO()
        export_events(source, text)
        history = [(v.version, rules(v.policy), v.change.note) for v in source.policy_history()]
    text.seek(0)
    with LedgerStore.open(tmp_path / "b.db", create=True) as target:
        assert import_events(target, text) == 2 + 2 * 2
        assert rules(target.policy) == rules(JOINT_10)
        assert target.verify(deep=True)
    with LedgerStore.open(tmp_path / "b.db") as target:
        got = [(v.version, rules(v.policy), v.change.note) for v in target.policy_history()]
        assert got == history


def test_a_damaged_policy_is_refused_for_writing_and_reported_by_verify(tmp_path: Path) -> None:
    path = tmp_path / "ledger.db"
    LedgerStore.open(path, create=True, policy=JOINT_15).close()
    db = sqlite3.connect(path)
    db.execute("UPDATE events SET data = '{not json' WHERE subject = 'policy'")
    db.commit()
    db.close()
    with pytest.raises(StoreError) as refused:
        LedgerStore.open(path)
    assert refused.value.field == "version 1 of the policy (event 1)"
    with LedgerStore.open(path, read_only=True) as store:
        report = store.verify()
    assert (report.intact, report.first_bad) == (False, 1)
