"""A store keeps an issue's request type (诉求类型) in its receive event, counts a
transfer's deadline with the type's limit under the ledger's kept policy, rebuilds
the same issue when reopened, and reads ledgers written before types as not
classified."""

import shutil
from pathlib import Path

import pytest

import paths
from banshishi import LedgerStore, RequestType, Track, WorkflowPolicy
from cast import CLERK_C1, DISPATCHER_D1, T0, new_issue

GUANGDONG = WorkflowPolicy(
    time_limits={Track.IMMEDIATE: "1 working day"},
    type_limits={
        RequestType.CONSULTATION: "2 working days",
        RequestType.COMPLAINT: "15 working days",
        (RequestType.COMPLAINT, Track.IMMEDIATE): "24 working hours",
    },
)


@pytest.mark.parametrize("kind", [None, *RequestType])
def test_a_typed_issue_round_trips_through_the_store_with_its_deadline(
    tmp_path: Path, kind
) -> None:
    path = tmp_path / "ledger.db"
    at = T0.add(minutes=30)
    with LedgerStore.open(path, create=True, policy=GUANGDONG) as store:
        store.receive(new_issue("a", request_type=kind, received_by="centre"), actor=CLERK_C1)
        store.apply("a", "transfer", actor=DISPATCHER_D1, at=at, unit="water")
        issue = store.issue("a")
    limit = GUANGDONG.limit_for(Track.IMMEDIATE, kind)
    assert limit is not None
    assert issue.request_type is kind
    assert issue.deadline == GUANGDONG.after(at, limit)
    with LedgerStore.open(path) as store:  # the kept policy, the events replayed
        assert store.issue("a") == issue
        assert [rebuilt.request_type for rebuilt in store.issues()] == [kind]
        assert store.verify()


def test_a_ledger_written_before_types_reads_every_issue_as_not_classified(
    tmp_path: Path,
) -> None:
    copy = tmp_path / "old.db"
    shutil.copy(paths.DATA / "schema2-ledger.db", copy)
    with LedgerStore.open(copy, read_only=True) as store:
        issues = list(store.issues())
    assert issues
    assert {issue.request_type for issue in issues} == {None}
