"""The figures of each level of dispatch (二级/三级承办) read off a store: its
dispatch lines, kept from each issue's current line in the same transaction,
counted by the database as of any moment and found equal to the Python path's
(:func:`dispatch_figures` over the issues rebuilt); checked by ``verify``."""

import sqlite3
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from banshishi import (
    DispatchLevelFigures,
    IssueSummary,
    LedgerStore,
    MessageKind,
    WorkflowPolicy,
    dispatch_figures,
    sweep,
)
from banshishi.testing.conformance_cases import Racing
from banshishi.testing.strategies import issue_histories
from cast import CHAIN, CLERK, COMMUNITY, DISPATCHER, LEAD, STREET, handler, new_issue
from working_time import sh

POLICY = WorkflowPolicy(units=CHAIN)
DEADLINE = sh(2026, 9, 30, 18)


def chain(store: LedgerStore, issue_id: str, received: Any) -> None:
    """An issue transferred to LEAD, handed down two levels."""
    store.receive(new_issue(issue_id, received_at=received), actor=CLERK)
    step = store.apply
    step(issue_id, "transfer", actor=DISPATCHER, at=received.add(minutes=30), unit=LEAD,
         deadline=DEADLINE)  # fmt: skip
    step(issue_id, "sign_for", actor=handler(), at=received.add(hours=1))
    step(issue_id, "dispatch", actor=handler(), at=received.add(hours=2), unit=STREET,
         due=sh(2026, 9, 28, 18))  # fmt: skip
    step(issue_id, "dispatch", actor=handler(STREET), at=received.add(hours=3), unit=COMMUNITY,
         due=sh(2026, 9, 25, 18))  # fmt: skip


@pytest.fixture
def store(tmp_path: Path) -> Any:
    with LedgerStore.open(tmp_path / "ledger.db", create=True, policy=POLICY) as opened:
        chain(opened, "a", sh(2026, 9, 21, 9))
        chain(opened, "b", sh(2026, 9, 21, 10))
        opened.apply("a", "report_up", actor=handler(COMMUNITY), at=sh(2026, 9, 24, 9),
                     answer="已修复路灯")  # fmt: skip
        opened.apply("a", "report_up", actor=handler(STREET), at=sh(2026, 9, 29, 9),
                     answer="经核实已修复")  # fmt: skip
        opened.apply("b", "hand_back", actor=handler(COMMUNITY), at=sh(2026, 9, 22, 9),
                     note="不属本社区")  # fmt: skip
        yield opened


def test_each_level_is_counted_by_the_database_as_it_stood(store: LedgerStore) -> None:
    late = sh(2026, 9, 29, 12)  # a's street answer came after its due (28th); b's is open
    figures = store.dispatch_figures(as_of=late)
    assert figures == {
        2: DispatchLevelFigures(
            level=2, dispatched=2, answered=1, answered_on_time=0, handed_back=0, overdue=1
        ),
        3: DispatchLevelFigures(
            level=3, dispatched=2, answered=1, answered_on_time=1, handed_back=1, overdue=0
        ),
    }
    assert figures == dispatch_figures(store.issues(), late)
    # Before the street's answer, a's level 2 stood open; overdue judged later.
    before = sh(2026, 9, 23, 9)
    assert store.dispatch_figures(as_of=before)[2] == DispatchLevelFigures(level=2, dispatched=2)
    judged = store.dispatch_figures(at=sh(2026, 10, 1), as_of=before)
    assert (judged[2].overdue, judged[3].overdue) == (2, 1)
    assert store.dispatch_figures(as_of=sh(2026, 9, 21, 9)) == {}
    assert store.dispatch_figures(at=late) == figures  # as things stand, same moment


def test_the_summary_line_carries_the_dispatches_and_reads_them_back(
    store: LedgerStore,
) -> None:
    line = {item.id: item for item in store.summaries()}["a"]
    assert [(d.level, d.unit) for d in line.dispatches] == [(2, STREET), (3, COMMUNITY)]
    assert line == IssueSummary.of(store.issue("a"), version=store.version("a"))
    earlier = {item.id: item for item in store.summaries_as_of(sh(2026, 9, 21, 11, 30))}["a"]
    assert [d.level for d in earlier.dispatches] == [2]


def test_verify_finds_a_dispatch_line_changed_outside_banshishi(
    tmp_path: Path, store: LedgerStore
) -> None:
    assert store.verify()
    assert store.verify(deep=True)
    path = tmp_path / "ledger.db"
    store.close()
    for edit, said in (
        ("UPDATE dispatch_lines SET answered_us = NULL WHERE issue_id = 'a' AND n = 0", "a"),
        ("DELETE FROM dispatch_lines WHERE issue_id = 'b' AND n = 1", "b"),
        ("INSERT INTO dispatch_lines VALUES ('c', 0, 2, 'x', 1, 2, NULL, NULL)", "c"),
    ):
        copy = tmp_path / f"copy-{said}.db"
        copy.write_bytes(path.read_bytes())
        db = sqlite3.connect(copy)
        db.execute(edit)
        db.commit()
        db.close()
        with LedgerStore.open(copy) as edited:
            report = edited.verify()
            assert not report
            assert "dispatch lines" in report.problem
            assert repr(said) in report.problem


@settings(
    max_examples=12,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture],
)
@given(
    st.lists(issue_histories(max_steps=25), min_size=1, max_size=4, unique_by=lambda h: h.issue.id),
    st.data(),
)
def test_any_histories_count_in_the_store_as_in_python(
    tmp_path_factory: pytest.TempPathFactory, histories: list[Any], data: st.DataObject
) -> None:
    path = tmp_path_factory.mktemp("dispatch") / "ledger.db"
    with LedgerStore.open(path, create=True) as stored:
        for history in histories:
            history.apply_to(stored)
        issues = list(stored.issues())
        times = sorted({event.at for issue in issues for event in issue.history})
        for _ in range(3):
            moment = data.draw(st.sampled_from(times)).add(
                microseconds=data.draw(st.sampled_from((0, -1, 3_600_000_000)))
            )
            assert stored.dispatch_figures(as_of=moment) == dispatch_figures(issues, moment)
        assert stored.verify(deep=True)


def reminders(store: LedgerStore) -> list[tuple[str, str, str]]:
    return sorted(
        (m.record_id, m.kind.value, m.recipient)
        for m in store.pending_messages()
        if m.kind in (MessageKind.DISPATCH_DUE_SOON, MessageKind.DISPATCH_OVERDUE)
    )


def test_the_sweep_reminds_each_open_dispatch_due_soon_or_overdue_once(
    store: LedgerStore,
) -> None:
    early = sh(2026, 9, 22, 12)  # nothing due within a day yet
    store.sweep(at=early)
    assert reminders(store) == []
    soon = sh(2026, 9, 27, 12)  # b's street dispatch is due on the 28th, 18:00
    store.sweep(at=soon, dry_run=True)
    assert reminders(store) == []  # a dry run owes nothing
    report = store.sweep(at=soon)
    assert report.dispatches_due == ("b",)
    assert sweep(store.ledger(), soon).dispatches_due == ("b",)  # in memory alike
    assert reminders(store) == [("b", "dispatch_due_soon", STREET)]
    store.sweep(at=soon.add(hours=1))
    assert len(reminders(store)) == 1  # once per dispatch and level
    store.sweep(at=sh(2026, 9, 29, 12))
    assert reminders(store) == [
        ("b", "dispatch_due_soon", STREET),
        ("b", "dispatch_overdue", STREET),
    ]
    (overdue,) = [m for m in store.pending_messages() if m.kind is MessageKind.DISPATCH_OVERDUE]
    assert "9月28日" in overdue.text  # the dispatch's own deadline, not the issue's
    assert store.verify()  # reminders are no events: the chain is as it was
    assert store.verify(deep=True)


def test_a_store_without_templates_owes_no_dispatch_reminder(tmp_path: Path) -> None:
    with LedgerStore.open(
        tmp_path / "quiet.db", create=True, policy=POLICY, templates=None
    ) as quiet:
        chain(quiet, "a", sh(2026, 9, 21, 9))
        quiet.sweep(at=sh(2026, 9, 29, 12))
        assert quiet.pending_messages() == []


class AnsweredMeanwhile:
    """A backend on which another writer answers a dispatch up just after the
    sweep found it due, before its reminders are written."""

    def __init__(self, store: Any, answer: Any) -> None:
        self._store, self._answer, self._asked = store, answer, 0

    def __getattr__(self, name: str) -> Any:
        return getattr(self._store, name)

    def dispatches_due(self, **kwargs: Any) -> Any:
        found = self._store.dispatches_due(**kwargs)
        self._asked += 1
        if self._asked == 2:  # the reminders' own reading: answered right after it
            self._answer()
        return found


def test_a_dispatch_answered_while_the_sweep_reads_is_not_reminded(
    tmp_path: Path, store: LedgerStore
) -> None:
    store.close()
    path = tmp_path / "ledger.db"

    def answer_up() -> None:  # b's street office answers up meanwhile
        with LedgerStore.open(path) as other:
            other.apply("b", "report_up", actor=handler(STREET), at=sh(2026, 9, 27, 11),
                        answer="已办结")  # fmt: skip

    with LedgerStore.open(path) as opened:
        racing = LedgerStore(AnsweredMeanwhile(opened.store, answer_up), policy=POLICY)
        report = racing.sweep(at=sh(2026, 9, 27, 12))
        assert report.dispatches_due == ("b",)  # found due, then answered
        assert reminders(racing) == []
        assert racing.verify()


def test_a_dispatch_answered_just_before_its_reminder_is_written_is_not_reminded(
    tmp_path: Path, store: LedgerStore
) -> None:
    store.close()
    path = tmp_path / "ledger.db"

    def answer_up() -> None:  # between the reading and the write
        with LedgerStore.open(path) as other:
            other.apply("b", "report_up", actor=handler(STREET), at=sh(2026, 9, 27, 11),
                        answer="已办结")  # fmt: skip

    with LedgerStore.open(path) as opened:
        racing = LedgerStore(Racing(opened.store, answer_up), policy=POLICY)
        racing.sweep(at=sh(2026, 9, 27, 12))  # the stale write is read again, then owes none
        assert reminders(racing) == []
        assert racing.version("b") == opened.version("b")
