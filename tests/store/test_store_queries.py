"""Queries on a LedgerStore, and the store as of a past moment.

The as-of views rebuilt from the events must be the records as they stood.
"""

from collections import Counter
from pathlib import Path
from typing import Any

import attrs
import pytest
from hypothesis import given
from hypothesis import strategies as st
from pendulum import DateTime

import pledge_steps as pw
from banshishi import (
    Actor,
    BanshishiError,
    DismissalReason,
    Evaluation,
    Feedback,
    FeedbackMethod,
    InvalidTypeError,
    Issue,
    IssueStatus,
    IssueSummary,
    LedgerStore,
    NaiveDatetimeError,
    Rate,
    Rating,
    Role,
    Track,
    UnitTree,
    WorkflowPolicy,
    issue_figures,
    pledge_completion_rate,
    redo_rate,
)
from banshishi._metrics.summary import micros
from cast import TOWNS as QUERY_UNITS
from issue_walks import (
    CLERK,
    DISPATCHER,
    HANDLERS,
    POLICIES,
    T0,
    THE_REQUESTER,
    HypothesisDraw,
    new_issue,
)
from store_helpers import (
    CENTRE,
    FEW,
    P,
    S,
    by_id,
    ids_of,
    open_new,
    random_ledger,
    rates_of,
    receive_issues,
    transfer_args,
)

FEEDBACK = Feedback(at=T0.add(hours=4), content="已修复", method=FeedbackMethod.PHONE)


# -- 5. queries ------------------------------------------------------------------------------


def handler(unit: str) -> Actor:
    return HANDLERS.get(unit) or Actor(id=f"h-{unit}", role=Role.HANDLER, unit=unit)


def query_store(path: Path) -> LedgerStore:
    """Six issues, received an hour apart from T0:

    q1 转办 to town-1 (due T0+2d); q2 共办, in progress in village-1 (due T0+5d);
    q3 督办, 转办 to town-2 (due T0+1d); q4 only received; q5 dismissed; q6 closed in
    town-1 after its deadline (T0+1d) had passed.
    """
    store = open_new(path)
    tracks = (Track.IMMEDIATE, Track.JOINT, Track.SUPERVISED, *[Track.IMMEDIATE] * 3)
    for number, track in enumerate(tracks, start=1):
        issue = new_issue(f"q{number}", track=track, received_at=T0.add(hours=number - 1))
        store.receive(issue, actor=CLERK)
    six = T0.add(hours=6)
    store.apply("q1", "transfer", actor=DISPATCHER, at=six, **transfer_args("town-1", 2))
    store.apply(
        "q2",
        "transfer",
        actor=DISPATCHER,
        at=six,
        co_units=("town-2",),
        **transfer_args("village-1", 5),
    )
    store.apply("q2", "sign_for", actor=handler("village-1"), at=six.add(hours=1))
    store.apply(
        "q3",
        "transfer",
        actor=DISPATCHER,
        at=six,
        supervising_unit="county",
        **transfer_args("town-2", 1),
    )
    store.apply(
        "q5",
        "dismiss",
        actor=DISPATCHER,
        at=six,
        note="重复",
        reason=DismissalReason.DUPLICATE,
        original="q4",
    )
    store.apply("q6", "transfer", actor=DISPATCHER, at=six, **transfer_args("town-1", 1))
    town = handler("town-1")
    store.apply("q6", "sign_for", actor=town, at=six.add(hours=1))
    store.apply("q6", "resolve", actor=town, at=T0.add(days=2))
    answer = attrs.evolve(FEEDBACK, at=T0.add(days=2, hours=1))
    store.apply("q6", "answer", actor=town, at=answer.at, feedback=answer)
    rating = Evaluation(issue_id="q6", rating=Rating.SATISFIED, resolved=True, at=T0.add(days=3))
    assert (
        store.apply("q6", "rate", actor=THE_REQUESTER, at=rating.at, evaluation=rating) is S.CLOSED
    )
    return store


def test_the_unit_filter_takes_the_whole_subtree_of_the_saved_tree(tmp_path: Path) -> None:
    path = tmp_path / "ledger.db"
    with query_store(path) as store:
        assert store.units is None
        # With no tree saved, a unit is just itself.
        assert ids_of(store.summaries(unit="town-1")) == {"q1", "q6"}
        assert ids_of(store.summaries(unit="county")) == set()
        store.save_units(QUERY_UNITS)
        assert store.units is not None
        assert list(store.units) == list(QUERY_UNITS)
        assert ids_of(store.summaries(unit="county")) == {"q1", "q2", "q3", "q6"}
        assert ids_of(store.summaries(unit="town-1")) == {"q1", "q2", "q6"}
        assert ids_of(store.summaries(unit="village-1")) == {"q2"}
        assert ids_of(store.summaries(unit="town-2")) == {"q3"}
        assert ids_of(store.summaries(unit="elsewhere")) == set()
        assert store.verify()
    with LedgerStore.open(path) as reopened:
        assert list(reopened.units or ()) == list(QUERY_UNITS)
        assert ids_of(reopened.summaries(unit="town-1")) == {"q1", "q2", "q6"}
        # Saving another tree replaces the first: village-1 moves under town-2.
        moved = UnitTree(
            [
                unit if unit.id != "village-1" else attrs.evolve(unit, parent="town-2")
                for unit in QUERY_UNITS
            ]
        )
        reopened.save_units(moved)
        assert list(reopened.units or ()) == list(moved)
        assert ids_of(reopened.summaries(unit="town-1")) == {"q1", "q6"}
        assert ids_of(reopened.summaries(unit="town-2")) == {"q2", "q3"}


def test_status_and_track_filters_take_one_value_or_several(tmp_path: Path) -> None:
    with query_store(tmp_path / "ledger.db") as store:
        store.save_units(QUERY_UNITS)
        every = store.summaries()
        assert ids_of(every) == {f"q{n}" for n in range(1, 7)}
        assert ids_of(store.summaries(status=S.TRANSFERRED)) == {"q1", "q3"}
        assert ids_of(store.summaries(status=[S.IN_PROGRESS, S.DISMISSED])) == {"q2", "q5"}
        assert ids_of(store.summaries(status=frozenset({S.CLOSED}))) == {"q6"}
        assert store.summaries(status=()) == []
        assert store.summaries(status=S.RESOLVED) == []
        assert ids_of(store.summaries(track=Track.JOINT)) == {"q2"}
        assert ids_of(store.summaries(track={Track.SUPERVISED, Track.JOINT})) == {"q2", "q3"}
        assert store.summaries(track=[]) == []
        # Filters together: every one must match.
        assert ids_of(store.summaries(unit="town-1", status=S.TRANSFERRED)) == {"q1"}
        assert ids_of(store.summaries(unit="county", track=Track.IMMEDIATE)) == {"q1", "q6"}
        for status in IssueStatus:
            expected = {line.id for line in every if line.status is status}
            assert ids_of(store.summaries(status=status)) == expected
        for track in Track:
            expected = {line.id for line in every if line.track is track}
            assert ids_of(store.summaries(track=track)) == expected


def test_the_receipt_window_includes_its_start_and_excludes_its_end(tmp_path: Path) -> None:
    with query_store(tmp_path / "ledger.db") as store:
        one, three = T0.add(hours=1), T0.add(hours=3)
        after_one = {"q2", "q3", "q4", "q5", "q6"}
        assert ids_of(store.summaries(received_from=one)) == after_one
        assert ids_of(store.summaries(received_before=one)) == {"q1"}
        assert ids_of(store.summaries(received_from=one, received_before=three)) == {"q2", "q3"}
        assert store.summaries(received_from=three, received_before=three) == []
        assert store.summaries(received_from=three, received_before=one) == []
        # Moments are instants, whatever their zone; a microsecond counts.
        new_york = one.in_timezone("America/New_York")
        assert ids_of(store.summaries(received_from=new_york)) == after_one
        assert ids_of(store.summaries(received_from=one.add(microseconds=1))) == after_one - {"q2"}
        assert ids_of(store.summaries(received_before=one.add(microseconds=1))) == {"q1", "q2"}
        for line in store.summaries():
            assert line.received_us == micros(store.issue(line.id).received_at)


def test_overdue_at_keeps_the_open_issues_past_their_deadline(tmp_path: Path) -> None:
    with query_store(tmp_path / "ledger.db") as store:
        issues = {issue.id: issue for issue in store.issues()}
        assert issues["q3"].deadline == T0.add(days=1) == issues["q6"].deadline
        day = T0.add(days=1)
        assert store.summaries(overdue_at=day) == []  # due at that very moment: not late yet
        assert ids_of(store.summaries(overdue_at=day.add(microseconds=1))) == {"q3"}
        assert ids_of(store.summaries(overdue_at=T0.add(days=30))) == {"q1", "q2", "q3"}
        for at in (T0, day, day.add(seconds=1), T0.add(days=2, seconds=1), T0.add(days=30)):
            expected = {
                issue.id
                for issue in issues.values()
                if issue.status not in (S.CLOSED, S.DISMISSED)
                and issue.deadline is not None
                and issue.deadline < at
            }
            assert ids_of(store.summaries(overdue_at=at)) == expected
            assert store.figures(at=at).overdue == len(expected)
            assert {line.id for line in store.summaries() if line.is_overdue(at)} == expected
        assert ids_of(store.summaries(overdue_at=T0.add(days=30), status=S.IN_PROGRESS)) == {"q2"}


@pytest.mark.parametrize(
    ("filters", "error", "field"),
    [
        ({"status": "received"}, InvalidTypeError, "status"),
        ({"status": ["received"]}, InvalidTypeError, "status"),
        ({"status": [S.CLOSED, Track.JOINT]}, InvalidTypeError, "status"),
        ({"track": "joint"}, InvalidTypeError, "track"),
        ({"track": [S.CLOSED]}, InvalidTypeError, "track"),
        ({"received_from": "2026-03-02"}, InvalidTypeError, "received_from"),
        ({"received_before": 1_772_413_200}, InvalidTypeError, "received_before"),
        ({"overdue_at": T0.date()}, InvalidTypeError, "overdue_at"),
        ({"received_from": T0.naive()}, NaiveDatetimeError, "received_from"),
    ],
    ids=lambda value: str(value) if not isinstance(value, dict) else "-".join(value),
)
def test_filters_of_the_wrong_type_are_refused(
    tmp_path: Path, filters: dict[str, Any], error: type[BanshishiError], field: str
) -> None:
    with open_new(tmp_path / "ledger.db") as store:
        receive_issues(store, "a")
        with pytest.raises(error) as caught:
            store.summaries(**filters)
        assert type(caught.value) is error
        assert caught.value.field == field
        assert field in str(caught.value)


@pytest.mark.parametrize("unit", [5, ["town-1"], ("county",)], ids=["number", "list", "tuple"])
def test_a_unit_filter_of_the_wrong_type_is_refused(tmp_path: Path, unit: Any) -> None:
    with query_store(tmp_path / "ledger.db") as store:
        store.save_units(QUERY_UNITS)
        with pytest.raises(InvalidTypeError) as caught:
            store.summaries(unit=unit)
        assert caught.value.field == "unit"
        assert "unit" in str(caught.value)


# -- 6. the store as of a past moment --------------------------------------------------------


def test_as_of_a_moment_leaves_out_what_came_later(tmp_path: Path) -> None:
    with open_new(tmp_path / "ledger.db") as store:
        store.receive(new_issue("early"), actor=CLERK)
        store.apply("early", "sign_for", actor=CENTRE, at=T0.add(hours=2))
        store.receive(new_issue("late", received_at=T0.add(days=1)), actor=CLERK)
        store.claim(pw.new_pledge(id="first"), actor=pw.MEMBER)
        store.apply_pledge(
            "first", "publish", actor=pw.MEMBER, at=pw.T0.add(hours=1), deadline=pw.DUE
        )
        store.apply_pledge("first", "start", actor=pw.MEMBER, at=pw.T0.add(hours=2))
        store.apply_pledge("first", "fulfil", actor=pw.REVIEWER, at=pw.T0.add(hours=5))
        store.claim(pw.new_pledge(id="second", claimed_at=pw.T0.add(days=2)), actor=pw.MEMBER)
        hour = T0.add(hours=1)
        (early,) = store.issues(as_of=hour)
        assert (early.id, early.status) == ("early", S.RECEIVED)
        assert early.history == store.history("early")[:1]
        assert list(store.ledger(as_of=hour)) == ["early"]
        assert store.ledger(as_of=hour).counts() == {S.RECEIVED: 1}
        assert [(line.id, line.status, line.version) for line in store.summaries_as_of(hour)] == [
            ("early", S.RECEIVED, 1)
        ]
        assert list(store.issues(as_of=T0.subtract(seconds=1))) == []
        assert store.summaries_as_of(T0.subtract(seconds=1)) == []
        both = store.ledger(as_of=T0.add(days=1))
        assert both.counts() == {S.IN_PROGRESS: 1, S.RECEIVED: 1}
        assert sorted(both) == ["early", "late"]
        # Pledges too: the first was under way, not yet fulfilled, at three o'clock.
        three = pw.T0.add(hours=3)
        assert [(p.id, p.status) for p in store.pledges(as_of=three)] == [("first", P.IN_PROGRESS)]
        full = list(store.pledges())
        assert pledge_completion_rate(store.pledges(as_of=three)).rate == Rate(0, 1)
        assert pledge_completion_rate(full, as_of=three).rate == Rate(0, 1)
        at_five = store.pledge_ledger(as_of=pw.T0.add(hours=5))
        assert pledge_completion_rate(at_five.pledges()).rate == Rate(1, 1)
        assert len(store.pledge_ledger(as_of=pw.T0.add(days=3))) == 2
        # Now (as_of None) is everything.
        assert list(store.ledger().issues()) == list(store.issues())
        assert [i.id for i in store.issues(as_of=None)] == ["early", "late"]


@FEW
@given(data=st.data(), policy=st.sampled_from(POLICIES))
def test_the_store_as_of_a_moment_holds_the_issues_as_they_stood(
    tmp_path_factory: pytest.TempPathFactory, data: st.DataObject, policy: WorkflowPolicy
) -> None:
    """Rebuilt from the events up to a moment, each issue stands as the full issue says it
    stood (status_as_of and its siblings), its summary line is IssueSummary.of as of that
    moment, and the figures are the rates as of that moment. Feedback and ratings are
    dated at their steps here; see the test after this one for those dated earlier."""
    draw = HypothesisDraw(data)
    ledger, last = random_ledger(
        draw, policy, issues=draw.integer(1, 3), steps=draw.integer(1, 30), backdated=False
    )
    issues = {issue.id: issue for issue in ledger.issues()}
    full = list(issues.values())
    times = sorted({event.at for issue in full for event in issue.history})
    moments = [
        draw.choice(times),
        draw.choice(times).add(seconds=draw.choice((1, 1800))),
        T0.subtract(seconds=1),
        last.add(days=1),
    ]
    with open_new(tmp_path_factory.mktemp("as-of") / "ledger.db", policy=policy) as store:
        store.write_ledgers(ledger)
        for moment in moments:
            rebuilt = {issue.id: issue for issue in store.issues(as_of=moment)}
            assert set(rebuilt) == {i.id for i in full if i.received_at <= moment}
            for issue_id, then in rebuilt.items():
                issue = issues[issue_id]
                assert then.history == tuple(e for e in issue.history if e.at <= moment)
                assert then.status is issue.status_as_of(moment)
                assert then.closed_at_as_of() == issue.closed_at_as_of(moment)
                assert then.signed_for_as_of() == issue.signed_for_as_of(moment)
                assert then.transferred_as_of() == issue.transferred_as_of(moment)
                assert then.returned_as_of() == issue.returned_as_of(moment)
                assert then.redone_as_of() == issue.redone_as_of(moment)
                assert then.answered_as_of() == issue.answered_as_of(moment)
                assert then.latest_evaluation_as_of() == issue.latest_evaluation_as_of(moment)
            lines = by_id(store.summaries_as_of(moment))
            assert set(lines) == set(rebuilt)
            for issue_id, line in lines.items():
                then = rebuilt[issue_id]
                expected = IssueSummary.of(
                    issues[issue_id], version=len(then.history), as_of=moment
                )
                # The track and unit are those the issue had then (see the test below).
                assert line == attrs.evolve(expected, track=then.track, unit=then.responsible_unit)
            as_of = rates_of(full, as_of=moment)
            assert issue_figures(lines.values(), at=moment).rates() == as_of
            assert rates_of(list(rebuilt.values())) == as_of
            assert store.ledger(as_of=moment).counts() == Counter(
                status for i in full if (status := i.status_as_of(moment)) is not None
            )
        assert list(store.issues(as_of=last.add(days=1))) == sorted(full, key=lambda i: i.id)


def answered_an_hour_after_the_feedback(store: LedgerStore) -> tuple[Issue, DateTime]:
    """An issue answered at 04:00 with feedback given at 03:00; and 03:30."""
    receive_issues(store, "a")
    store.apply("a", "sign_for", actor=CENTRE, at=T0.add(hours=1))
    store.apply("a", "resolve", actor=CENTRE, at=T0.add(hours=2))
    feedback = attrs.evolve(FEEDBACK, at=T0.add(hours=3))
    store.apply("a", "answer", actor=CENTRE, at=T0.add(hours=4), feedback=feedback)
    return store.issue("a"), T0.add(hours=3, minutes=30)


def test_feedback_dated_before_its_answer_step_counts_from_the_step_everywhere(
    tmp_path: Path,
) -> None:
    """One as-of rule for an answer (docs/metrics.md): it counts from the step that
    recorded it, in the issue's methods and rates as in the ledger as it stood."""
    with open_new(tmp_path / "ledger.db") as store:
        issue, moment = answered_an_hour_after_the_feedback(store)
        assert not issue.answered_as_of(moment)
        assert redo_rate([issue], as_of=moment).rate == Rate(0, 0)
        assert redo_rate(store.issues(as_of=moment)).rate == Rate(0, 0)
        (then,) = store.issues(as_of=moment)
        assert then.status is issue.status_as_of(moment) is S.RESOLVED
        (line,) = store.summaries_as_of(moment)
        assert line.answered is IssueSummary.of(issue, version=3, as_of=moment).answered is False
        later = T0.add(hours=4)
        (line,) = store.summaries_as_of(later)
        assert line.answered is IssueSummary.of(issue, version=4, as_of=later).answered is True


def test_summaries_as_of_a_moment_have_the_unit_and_track_of_then(tmp_path: Path) -> None:
    """``IssueSummary.of(issue, as_of=m)`` keeps the issue's present unit and track
    (it reads the full issue); ``summaries_as_of(m)`` rebuilds the issue as it
    stood and has those of then. The rate facts agree."""
    with open_new(tmp_path / "ledger.db") as store:
        receive_issues(store, "a")
        store.apply("a", "transfer", actor=DISPATCHER, at=T0.add(hours=2), **transfer_args())
        store.apply(
            "a",
            "change_track",
            actor=DISPATCHER,
            at=T0.add(hours=3),
            track=Track.JOINT,
            co_units=("u2",),
            note="多部门共办",
        )
        issue = store.issue("a")
        moment = T0.add(hours=1)
        (line,) = store.summaries_as_of(moment)
        assert (line.unit, line.track) == (None, Track.IMMEDIATE)  # as the events say
        present = IssueSummary.of(issue, version=1, as_of=moment)
        assert (present.unit, present.track) == ("u1", Track.JOINT)
        assert attrs.evolve(present, unit=None, track=Track.IMMEDIATE) == line
