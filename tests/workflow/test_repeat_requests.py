"""A repeat request (重复诉求) names its earlier, closed issue at intake: the ledger,
the store and replay keep it as received, no step changes it, and an intake that
asks find_repeat over a ledger's issues finds the earlier one."""

from pathlib import Path

import attrs
from hypothesis import HealthCheck, given, settings

from banshishi import (
    Feedback,
    FeedbackMethod,
    IssueStatus,
    Ledger,
    LedgerStore,
    find_repeat,
    replay,
)
from banshishi.testing.strategies import issue_histories
from cast import CENTRE, CLERK, REVIEWER, T0, ZHANG, handler, new_issue

DESK = handler(CENTRE)


def noise(issue_id: str, days: float = 0, **fields) -> object:
    given = {"category": "噪音", "requester": ZHANG, **fields}
    return new_issue(issue_id, received_at=T0.add(minutes=round(days * 24 * 60)),
                     received_by=CENTRE, **given)  # fmt: skip


def close(book: Ledger | LedgerStore, issue_id: str) -> None:
    book.apply(issue_id, "sign_for", actor=DESK, at=T0.add(hours=1))
    book.apply(issue_id, "resolve", actor=DESK, at=T0.add(hours=2))
    answer = Feedback(at=T0.add(hours=3), content="已协调", method=FeedbackMethod.PHONE)
    book.apply(issue_id, "answer", actor=DESK, at=answer.at, feedback=answer)
    book.apply(issue_id, "close", actor=REVIEWER, at=T0.add(hours=4), note="核实办结")


def test_an_intake_finds_the_earlier_issue_and_both_engines_keep_it(tmp_path: Path) -> None:
    ledger = Ledger()
    with LedgerStore.open(tmp_path / "l.db", create=True) as store:
        for book in (ledger, store):
            book.receive(noise("first"), actor=CLERK)
            close(book, "first")
            new = noise("again", days=5)
            earlier = find_repeat(new, book.issues(), within_days=7, as_of=new.received_at)
            assert earlier is not None
            assert earlier.id == "first"
            book.receive(attrs.evolve(new, repeat_of=earlier.id), actor=CLERK)
            assert book.issue("again").repeat_of == "first"
            assert book.history("again")[0].data["repeat_of"] == "first"
            assert replay(book.history("again")) == book.issue("again")
        assert store.issue("again") == ledger.issue("again")
        assert store.summaries() == [ledger.summary(i) for i in ("first", "again")]
    with LedgerStore.open(tmp_path / "l.db") as reopened:  # rebuilt from its events
        assert reopened.issue("again") == ledger.issue("again")


def test_an_issue_within_the_window_of_an_open_one_is_no_repeat() -> None:
    ledger = Ledger()
    ledger.receive(noise("first"), actor=CLERK)
    new = noise("again", days=1)
    assert find_repeat(new, ledger.issues(), within_days=7, as_of=new.received_at) is None


@settings(max_examples=25, suppress_health_check=[HealthCheck.too_slow], deadline=None)
@given(history=issue_histories(max_steps=12))
def test_no_step_changes_what_intake_recorded_as_repeated(history) -> None:
    ledger = Ledger(policy=history.policy)
    assert history.apply_to(ledger) is history.status
    issue = ledger.issue(history.issue.id)
    assert issue.repeat_of == history.issue.repeat_of
    assert replay(ledger.history(issue.id), policy=history.policy) == issue
    assert IssueStatus.DISMISSED not in {e.to_status for e in issue.history} or (
        issue.duplicate_of is None
    )


def test_the_ledger_finds_the_same_repeat_as_the_pure_function_over_its_issues() -> None:
    ledger = Ledger()
    ledger.receive(noise("first"), actor=CLERK)
    close(ledger, "first")
    ledger.receive(noise("other-matter", days=0.1, category="路灯"), actor=CLERK)
    ledger.receive(new_issue("stranger", received_at=T0, received_by=CENTRE, category="噪音"),
                   actor=CLERK)  # fmt: skip
    for days, within in ((5, 7), (8, 7), (7, 7), (0.1, 0)):
        new = noise("new", days=days)
        expected = find_repeat(new, ledger.issues(), within_days=within, as_of=new.received_at)
        assert ledger.find_repeat(new, within_days=within) == expected
    assert ledger.find_repeat(noise("new", days=5), within_days=7).id == "first"
    assert ledger.find_repeat(noise("new", days=5), within_days=7, as_of=T0) is None
    nothing = new_issue("blank", received_at=T0.add(days=1), requester=ZHANG)
    assert ledger.find_repeat(nothing, within_days=7) is None  # no category: no matter
