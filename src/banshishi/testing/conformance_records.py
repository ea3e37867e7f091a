"""Conformance: records written and read back, versions, duplicates, whole batches,
and the versions of the unit tree and of the policy.

Each test takes the ``conformance_backend`` fixture (see
:mod:`banshishi.testing.conformance`) and starts from its empty store.
"""

from functools import partial
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st
from pendulum import DateTime

from banshishi import (
    Actor,
    BatchRefusedError,
    ChainReport,
    Command,
    ConcurrencyError,
    DismissalReason,
    DuplicateError,
    Evaluation,
    Feedback,
    FeedbackMethod,
    Issue,
    IssueSummary,
    Ledger,
    LedgerStore,
    Level,
    RaterKind,
    Rating,
    Role,
    RoleError,
    StoreError,
    Subject,
    Track,
    Unit,
    UnitTree,
    WorkflowPolicy,
    replay,
)
from banshishi.store import Append

from .backend import StoreBackend
from .conformance_cases import (
    CLERK,
    DISPATCHER,
    HANDLERS,
    HOUR,
    SOME,
    START,
    SUPERVISOR,
    UNITS,
    Racing,
    by_id,
    campaign,
    campaign_store,
    loop_commands,
    looped,
    make_issue,
    open_ledger,
    outcome,
    snapshot,
    transferred,
)

# -- round trips ------------------------------------------------------------------------


def test_a_campaign_written_reads_back_whole(conformance_backend: StoreBackend) -> None:
    made = campaign(seed=5)
    with campaign_store(conformance_backend, made) as store:
        ledger, pledges = made.ledger, made.pledges
        assert by_id(store.summaries()) == by_id(ledger.summary(i) for i in ledger)
        assert by_id(store.pledge_summaries()) == by_id(pledges.summary(p) for p in pledges)
        for issue_id in ledger:
            assert store.history(issue_id) == ledger.history(issue_id), issue_id
            assert store.version(issue_id) == len(ledger.history(issue_id))
            assert store.issue(issue_id) == ledger.issue(issue_id), issue_id
        for pledge_id in pledges:
            assert store.pledge_history(pledge_id) == pledges.history(pledge_id), pledge_id
            assert store.pledge(pledge_id) == pledges.pledge(pledge_id), pledge_id
        assert store.units is not None
        assert list(store.units) == list(made.units)
        stored = list(store.store.events())
        seqs = [event.seq for event in stored]
        events = sum(len(ledger.history(i)) for i in ledger)
        events += sum(len(pledges.history(p)) for p in pledges)
        assert len(stored) == events
        assert seqs == sorted(seqs)
        assert (store.units_version(), store.policy_version()) == (1, 1)
        # The unit tree and the policy are links of the chain too.
        assert store.verify() == ChainReport(intact=True, events=events + 2, head=store.head())
        for issue_id, record in store.store.records(Subject.ISSUE):
            assert [e.version for e in record] == list(range(1, len(record) + 1))
            assert tuple(e.event for e in record) == ledger.history(issue_id)
        until = made.start.add(days=20)
        early = list(store.store.events(Subject.ISSUE, until=until))
        assert early
        assert early == [
            e for e in stored if e.event.subject is Subject.ISSUE and e.event.at <= until
        ]
        before = snapshot(store)
    with open_ledger(conformance_backend, policy=made.policy) as again:  # another connection
        assert snapshot(again) == before


_EVENTS = ("transfer", "sign_for", "resolve", "answer", "rate", "urge")

Step = tuple[int, int, str, str, int, Rating]
"""Which of two issues, minutes after its last step, the event, a unit, days to a
deadline, a rating."""

_steps = st.lists(
    st.tuples(
        st.integers(0, 1),
        st.integers(1, 3 * 24 * 60),
        st.sampled_from(_EVENTS),
        st.sampled_from(UNITS),
        st.integers(1, 20),
        st.sampled_from(list(Rating)),
    ),
    min_size=1,
    max_size=12,
)


def _take(book: Ledger | LedgerStore, issue: Issue, step: Step, at: DateTime) -> object:
    """Take ``step`` on ``issue`` in ``book``: any event, by one of a few actors, so
    that some steps are refused (by role, by status)."""
    _, _, event, unit, days, rating = step
    requester = issue.requester.id if issue.requester is not None else "someone"
    actor = {
        "transfer": DISPATCHER,
        "urge": SUPERVISOR,
        "rate": Actor(id=requester, role=Role.REQUESTER),
    }.get(event, HANDLERS[unit])
    args: dict[str, Any] = {}
    if event == "transfer":
        args = {"unit": unit, "deadline": at.add(days=days)}
    elif event == "answer":
        args = {"feedback": Feedback(at=at, content="已答复", method=FeedbackMethod.PHONE)}
    elif event == "rate":
        evaluation = Evaluation(
            issue_id=issue.id,
            rating=rating,
            resolved=True,
            at=at,
            rater_kind=RaterKind.REQUESTER,
            rater=requester,
        )
        args = {"evaluation": evaluation}
    return book.apply(issue.id, event, actor=actor, at=at, **args)


@SOME
@given(steps=_steps)
def test_steps_through_the_store_take_and_refuse_what_the_ledger_does(
    conformance_backend: StoreBackend, steps: list[Step]
) -> None:
    """Each example adds two issues of its own to the test's one store."""
    ledger = Ledger()
    with open_ledger(conformance_backend) as store:
        base = len(store.summaries())
        issues = [make_issue(base + n) for n in (0, 1)]
        for issue in issues:
            ledger.receive(issue, actor=CLERK)
            store.receive(issue, actor=CLERK)
        moments = [issue.received_at for issue in issues]
        for step in steps:
            n, minutes = step[0], step[1]
            moments[n] = moments[n].add(minutes=minutes)
            issue, at = issues[n], moments[n]
            expected = outcome(partial(_take, ledger, issue, step, at))
            assert outcome(partial(_take, store, issue, step, at)) == expected
        lines = by_id(store.summaries())
        for issue in issues:
            assert store.history(issue.id) == ledger.history(issue.id)
            assert lines[issue.id] == ledger.summary(issue.id)
            assert store.version(issue.id) == len(ledger.history(issue.id))
        assert store.verify()


# -- versions ---------------------------------------------------------------------------


def test_a_stale_version_is_refused_and_writes_nothing(conformance_backend: StoreBackend) -> None:
    with open_ledger(conformance_backend) as store:
        (issue,) = transferred(store, [0])
        handler = HANDLERS[UNITS[0]]
        before = snapshot(store)
        for stale in (0, 1, 3):
            with pytest.raises(ConcurrencyError) as refused:
                store.apply(issue.id, "sign_for", actor=handler, at=issue.received_at + 2 * HOUR,
                            expected_version=stale)  # fmt: skip
            assert (refused.value.field, refused.value.value) == (
                f"issue {issue.id!r} version",
                stale,
            )
            assert "version 2" in str(refused.value)
            assert snapshot(store) == before
        store.apply(issue.id, "sign_for", actor=handler, at=issue.received_at + 2 * HOUR,
                    expected_version=2)  # fmt: skip
        assert store.version(issue.id) == 3


def test_of_two_writers_the_one_with_a_stale_copy_is_refused_and_retries(
    conformance_backend: StoreBackend,
) -> None:
    with open_ledger(conformance_backend) as first, open_ledger(conformance_backend) as second:
        (issue,) = transferred(first, [0])
        first.apply(issue.id, "urge", actor=SUPERVISOR, at=START.add(days=1), note="first")
        second.apply(issue.id, "urge", actor=SUPERVISOR, at=START.add(days=1), note="second")
        with pytest.raises(ConcurrencyError, match="stale"):
            first.apply(issue.id, "urge", actor=SUPERVISOR, at=START.add(days=1), note="stale")
        assert first.version(issue.id) == 4
        first.apply(issue.id, "urge", actor=SUPERVISOR, at=START.add(days=1), note="retried")
        notes = [event.note for event in second.history(issue.id)[2:]]
        assert notes == ["first", "second", "retried"]
        assert second.verify() == ChainReport(intact=True, events=5, head=second.head())


def test_a_duplicate_is_linked_only_to_its_original_as_read(
    conformance_backend: StoreBackend,
) -> None:
    with open_ledger(conformance_backend) as first, open_ledger(conformance_backend) as second:
        original, duplicate = make_issue(0), make_issue(1)
        first.receive_many([original, duplicate], actor=CLERK)

        def urge() -> None:  # another writer moves the original on meanwhile
            second.apply(
                original.id, "mark_confidential", actor=DISPATCHER, at=START.add(hours=1),
                note="涉及个人隐私",
            )  # fmt: skip

        racing = LedgerStore(Racing(first.store, urge))
        link = partial(
            racing.apply, duplicate.id, "dismiss", actor=DISPATCHER, at=START.add(hours=2),
            note="重复", reason=DismissalReason.DUPLICATE, original=original.id,
        )  # fmt: skip
        with pytest.raises(ConcurrencyError, match="stale"):
            link()
        assert second.version(duplicate.id) == 1  # nothing written
        link()  # read again: the original is still open
        assert second.summaries_as_of(START.add(days=1))[1].duplicate_of == original.id
        assert second.verify()


def test_receiving_an_issue_already_stored_is_a_duplicate(
    conformance_backend: StoreBackend,
) -> None:
    with open_ledger(conformance_backend) as store:
        issues = looped(store, range(3))
        before = snapshot(store)
        with pytest.raises(DuplicateError):
            store.receive(issues[1], actor=CLERK)
        with pytest.raises(BatchRefusedError) as refused:
            store.receive_many([make_issue(7), issues[2], make_issue(8)], actor=CLERK)
        assert refused.value.index == 1
        assert isinstance(refused.value.error, DuplicateError)
        assert snapshot(store) == before
        assert store.version(make_issue(7).id) == 0


def _appended(n: int, events: int) -> tuple[Append, list[IssueSummary]]:
    """A new issue's first ``events`` events on the loop, and its line after each."""
    ledger = Ledger()
    issue = make_issue(n)
    ledger.receive(issue, actor=CLERK)
    assert ledger.apply_many(loop_commands(issue, n)[: events - 1]) == ()
    history = ledger.history(issue.id)
    lines = [IssueSummary.of(replay(history[:k]), version=k) for k in range(1, events + 1)]
    return Append(record_id=issue.id, events=history, expected_version=0), lines


def test_the_backend_writes_a_batch_whole_or_not_at_all(conformance_backend: StoreBackend) -> None:
    """At the level of :class:`EventStore`: a batch with one stale or duplicate record
    writes none of the others, whatever came before it in the batch."""
    store = conformance_backend.open()
    first, first_lines = _appended(0, 2)
    second, second_lines = _appended(1, 3)
    assert store.append([first, second], issues=[*first_lines, *second_lines]) == 5
    head = store.head()
    third, third_lines = _appended(2, 1)
    more, more_lines = _appended(0, 3)
    later = Append(record_id=more.record_id, events=more.events[2:], expected_version=2)
    stale = Append(record_id=more.record_id, events=more.events[2:], expected_version=1)
    for bad, error in ((stale, ConcurrencyError), (first, DuplicateError)):
        with pytest.raises(error):
            store.append([third, later, bad], issues=[*third_lines, more_lines[2], *first_lines])
        assert store.head() == head
        assert (store.version(Subject.ISSUE, third.record_id), len(list(store.events()))) == (0, 5)
        assert store.version(Subject.ISSUE, first.record_id) == 2
        assert by_id(store.issue_summaries()) == {
            line.id: line for line in (first_lines[-1], second_lines[-1])
        }
    assert store.append([third, later], issues=[*third_lines, more_lines[2]]) == 7
    assert [(e.seq, e.record_id, e.version) for e in store.events()][-2:] == [
        (6, third.record_id, 1), (7, first.record_id, 3)
    ]  # fmt: skip
    assert store.verify() == ChainReport(intact=True, events=7, head=store.head())


def test_a_batch_with_a_refused_step_writes_nothing(conformance_backend: StoreBackend) -> None:
    with open_ledger(conformance_backend) as store:
        issues = transferred(store, range(2))
        before = snapshot(store)
        wrong = HANDLERS[UNITS[3]]  # not the unit either issue was sent to
        batch = [
            Command(issue_id=issues[0].id, event="sign_for", actor=HANDLERS[UNITS[0]],
                    at=START.add(hours=3)),
            Command(issue_id=issues[1].id, event="sign_for", actor=wrong, at=START.add(hours=3)),
        ]  # fmt: skip
        with pytest.raises(BatchRefusedError) as refused:
            store.apply_many(batch)
        assert (refused.value.index, type(refused.value.error)) == (1, RoleError)
        assert snapshot(store) == before
        # Nothing stayed in memory either: the first step is still to take.
        fixed = [batch[0], Command(issue_id=issues[1].id, event="sign_for",
                                   actor=HANDLERS[UNITS[1]], at=START.add(hours=3))]  # fmt: skip
        assert store.apply_many(fixed) == 2
        assert store.verify() == ChainReport(intact=True, events=6, head=store.head())


# -- the unit tree and the policy, versioned in the chain -----------------------------------

TOWN = Unit(id="town", name="一镇", level=Level.TOWNSHIP)
VILLAGE = Unit(id="village", name="一村", level=Level.VILLAGE, parent="town")


def test_the_unit_tree_is_kept_in_versions(conformance_backend: StoreBackend) -> None:
    with open_ledger(conformance_backend) as store:
        assert (store.units, store.units_version()) == (None, 0)
        store.save_units(UnitTree([TOWN]), at=START, note="first")
        transferred(store, [0])
        store.save_units(UnitTree([TOWN, VILLAGE]), at=START.add(days=1), expected_version=1)
        head = store.head()
        with pytest.raises(ConcurrencyError):
            store.save_units(UnitTree([TOWN]), at=START.add(days=2), expected_version=1)
        assert store.head() == head
    with open_ledger(conformance_backend) as store:
        assert store.units is not None
        assert list(store.units) == [TOWN, VILLAGE]
        assert store.units_version() == 2
        history = store.unit_history()
        assert [(kept.version, kept.change.note) for kept in history] == [(1, "first"), (2, "")]
        assert history[0].seq < history[1].seq
        assert store.verify() == ChainReport(intact=True, events=4, head=store.head())


JOINT_15 = WorkflowPolicy(
    time_limits={Track.IMMEDIATE: "1 working day", Track.JOINT: "15 working days"}
)
JOINT_10 = WorkflowPolicy(
    time_limits={Track.IMMEDIATE: "1 working day", Track.JOINT: "10 working days"}
)


def test_the_policy_is_kept_in_versions(conformance_backend: StoreBackend) -> None:
    with open_ledger(conformance_backend, policy=JOINT_15) as early:
        assert early.policy_version() == 1
        with open_ledger(conformance_backend) as other:  # the ledger's own policy
            assert other.policy.to_dict() == JOINT_15.to_dict()
            other.change_policy(JOINT_10, at=START, note="new limits")
            assert other.policy_version() == 2
        head = early.head()
        with pytest.raises(ConcurrencyError) as refused:
            early.receive(make_issue(0), actor=CLERK)
        assert refused.value.field == "policy version"
        assert early.head() == head
    with pytest.raises(StoreError):
        open_ledger(conformance_backend, policy=JOINT_15)
    with open_ledger(conformance_backend) as store:
        first, second = store.policy_history()
        assert (first.version, second.version, second.change.note) == (1, 2, "new limits")
        assert store.policy.to_dict() == JOINT_10.to_dict()
        assert store.verify() == ChainReport(intact=True, events=2, head=store.head())
