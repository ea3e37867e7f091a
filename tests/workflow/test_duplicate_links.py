"""A duplicate (重复件) is linked to an open original on the ledger: the refusals on
both ledgers (in memory and in a store), the original's duplicates, the machine's
single-record view, replay, and the duplicate counted once in every figure."""

from collections.abc import Iterator
from functools import partial
from pathlib import Path
from typing import Any

import pytest

from banshishi import (
    Command,
    DismissalReason,
    Feedback,
    FeedbackMethod,
    InvalidTypeError,
    IssueStatus,
    IssueSummary,
    IssueWorkflow,
    Ledger,
    LedgerStore,
    NotFoundError,
    PreconditionError,
    completion_rate,
    issue_figures,
    repeat_rate,
    replay,
    response_rate,
)
from banshishi._core.errors import BatchRefusedError
from banshishi._store import store_reading
from cast import CENTRE, CLERK, DISPATCHER, REVIEWER, T0, handler, new_issue

S = IssueStatus
DESK = handler(CENTRE)
DUPLICATE = DismissalReason.DUPLICATE


def receive(book: Ledger | LedgerStore, issue_id: str, minutes: int = 0) -> None:
    book.receive(
        new_issue(issue_id, received_at=T0.add(minutes=minutes), received_by=CENTRE),
        actor=CLERK,
    )


def close(book: Ledger | LedgerStore, issue_id: str) -> None:
    """Sign for, handle, answer and close (a reviewer's verified closure)."""
    book.apply(issue_id, "sign_for", actor=DESK, at=T0.add(hours=1))
    book.apply(issue_id, "resolve", actor=DESK, at=T0.add(hours=2))
    answer = Feedback(at=T0.add(hours=3), content="已修复", method=FeedbackMethod.PHONE)
    book.apply(issue_id, "answer", actor=DESK, at=answer.at, feedback=answer)
    book.apply(issue_id, "close", actor=REVIEWER, at=T0.add(hours=4), note="电话核实已修复")


def dismiss(book: Ledger | LedgerStore, issue_id: str, **args: Any) -> Any:
    args.setdefault("reason", DUPLICATE)
    return book.apply(
        issue_id, "dismiss", actor=DISPATCHER, at=T0.add(hours=5), note="重复", **args
    )


@pytest.fixture(params=["ledger", "store"])
def book(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Ledger | LedgerStore]:
    if request.param == "ledger":
        yield Ledger()
    else:
        with LedgerStore.open(tmp_path / "ledger.db", create=True) as store:
            yield store


# -- refusals ------------------------------------------------------------------------------


def test_an_original_not_on_the_ledger_is_refused_naming_it(book) -> None:
    receive(book, "dup")
    with pytest.raises(NotFoundError) as caught:
        dismiss(book, "dup", original="nowhere")
    assert (caught.value.field, caught.value.value) == ("dismiss.original", "nowhere")
    assert book.history("dup")[-1].name == "receive"


def test_a_closed_original_is_refused_as_no_longer_open(book) -> None:
    receive(book, "first")
    receive(book, "dup", 30)
    close(book, "first")
    with pytest.raises(PreconditionError) as caught:
        dismiss(book, "dup", original="first")
    assert (caught.value.field, caught.value.value) == ("dismiss.original", "first")
    assert "no longer open" in caught.value.problem
    assert "已办结" in caught.value.problem
    assert book.issue("dup").status is S.RECEIVED


def test_an_original_dismissed_for_another_reason_is_refused(book) -> None:
    receive(book, "first")
    receive(book, "dup", 30)
    dismiss(book, "first", reason=DismissalReason.INVALID)
    with pytest.raises(PreconditionError, match="no longer open"):
        dismiss(book, "dup", original="first")


def test_a_duplicate_of_a_duplicate_is_refused_naming_the_root(book) -> None:
    receive(book, "root")
    receive(book, "dup", 30)
    receive(book, "dup-2", 60)
    dismiss(book, "dup", original="root")
    with pytest.raises(PreconditionError) as caught:
        dismiss(book, "dup-2", original="dup")
    assert caught.value.value == "dup"
    assert "duplicate of 'root'" in caught.value.problem
    assert "'root'" in caught.value.hint
    assert dismiss(book, "dup-2", original="root") is S.DISMISSED


def test_the_step_s_own_checks_still_come_first_for_itself(book) -> None:
    receive(book, "dup")
    with pytest.raises(PreconditionError) as caught:
        dismiss(book, "dup", original="dup")
    assert caught.value.problem == "must name the other issue this one duplicates"


def test_a_refused_link_in_a_store_batch_writes_nothing(tmp_path: Path) -> None:
    with LedgerStore.open(tmp_path / "l.db", create=True) as store:
        receive(store, "first")
        receive(store, "dup", 30)
        close(store, "first")
        commands = [
            Command(issue_id="dup", event="transfer", actor=DISPATCHER, at=T0.add(hours=5),
                    args={"unit": "u1", "deadline": T0.add(days=3)}),
            Command(issue_id="dup", event="send_back", actor=handler("u1"),
                    at=T0.add(hours=6), note="不属本单位"),
            Command(issue_id="dup", event="dismiss", actor=DISPATCHER, at=T0.add(hours=7),
                    note="重复", args={"reason": DUPLICATE, "original": "first"}),
        ]  # fmt: skip
        with pytest.raises(BatchRefusedError) as caught:
            store.apply_many(commands)
        assert caught.value.index == 2
        assert store.version("dup") == 1
        assert store.issue("first").status is S.CLOSED


# -- links ---------------------------------------------------------------------------------


def test_an_open_original_takes_its_duplicates_in_order(book) -> None:
    receive(book, "first")
    for minutes, issue_id in ((40, "b"), (20, "a"), (50, "other")):
        receive(book, issue_id, minutes)
    book.apply("first", "transfer", actor=DISPATCHER, at=T0.add(hours=1), unit="u1",
               deadline=T0.add(days=3))  # fmt: skip
    assert dismiss(book, "b", original="first") is S.DISMISSED
    assert dismiss(book, "a", original="first") is S.DISMISSED
    assert book.issue("a").duplicate_of == "first"
    readers = [book.duplicates_of] if isinstance(book, Ledger) else [
        book.ledger().duplicates_of,
        partial(store_reading.duplicates_of, book.store),
    ]  # fmt: skip
    for duplicates_of in readers:
        assert duplicates_of("first") == ("a", "b")  # by receipt
        assert duplicates_of("other") == ()
        with pytest.raises(NotFoundError) as caught:
            duplicates_of("nowhere")
        assert (caught.value.field, caught.value.value) == ("original_id", "nowhere")


def test_the_store_reads_an_original_it_has_not_cached(tmp_path: Path) -> None:
    path = tmp_path / "l.db"
    with LedgerStore.open(path, create=True) as store:
        receive(store, "first")
        receive(store, "dup", 30)
        close(store, "first")
    with LedgerStore.open(path) as fresh:  # nothing cached
        with pytest.raises(PreconditionError, match="no longer open"):
            dismiss(fresh, "dup", original="first")
        receive(fresh, "second", 60)
    with LedgerStore.open(path) as fresh:
        assert dismiss(fresh, "dup", original="second") is S.DISMISSED
        assert fresh.issue("dup").duplicate_of == "second"


def test_a_ledger_not_linked_checks_one_record_as_the_machine_does() -> None:
    lone = Ledger(linked=False)
    receive(lone, "dup")
    assert dismiss(lone, "dup", original="elsewhere") is S.DISMISSED
    issue = new_issue("dup", received_at=T0, received_by=CENTRE)
    workflow = IssueWorkflow(issue)
    workflow.dismiss(actor=DISPATCHER, at=T0.add(hours=5), note="重复", reason=DUPLICATE,
                     original="elsewhere")  # fmt: skip
    assert lone.history("dup")[-1] == issue.history[-1]
    assert lone.issue("dup").duplicate_of == issue.duplicate_of == "elsewhere"
    with pytest.raises(InvalidTypeError) as caught:
        Ledger(linked="yes")  # type: ignore[arg-type]
    assert caught.value.field == "Ledger.linked"


def test_a_duplicate_replays_from_its_own_events(book) -> None:
    receive(book, "first")
    receive(book, "dup", 30)
    dismiss(book, "dup", original="first")
    assert replay(book.history("dup")) == book.issue("dup")


# -- counted once --------------------------------------------------------------------------


def test_a_duplicate_is_in_no_denominator_of_any_figure(book) -> None:
    receive(book, "first")
    receive(book, "dup", 30)
    receive(book, "third", 40)
    dismiss(book, "dup", original="first")
    close(book, "first")
    issues = list(book.issues())
    moment = T0.add(days=1)
    assert completion_rate(issues, as_of=moment).rate.denominator == 2
    assert [i.id for i in completion_rate(issues, as_of=moment).excluded] == ["dup"]
    assert response_rate(issues, as_of=moment).rate.denominator == 2
    assert repeat_rate(issues, as_of=moment).rate.denominator == 2
    lines = [IssueSummary.of(issue, version=len(issue.history), as_of=moment) for issue in issues]
    figures = issue_figures(lines, at=moment)
    assert figures.completion.denominator == 2
    assert figures.dismissed == 1
    assert all(rate.denominator <= 2 for rate in figures.rates().values())
    if isinstance(book, LedgerStore):
        assert book.figures(at=moment, as_of=moment) == figures


def test_an_issue_reads_as_merged_from_its_dismissal_on(book) -> None:
    receive(book, "first")
    receive(book, "dup", 30)
    dismiss(book, "dup", original="first")  # at T0 + 5 hours
    dup, first = book.issue("dup"), book.issue("first")
    assert not dup.merged_as_of(T0.add(hours=4, minutes=59))
    assert dup.merged_as_of(T0.add(hours=5))
    assert dup.merged_as_of()
    assert not first.merged_as_of()
