"""Rates over issues: completion, on-time completion, response, return and redo."""

import datetime as dt

import pendulum
import pytest
from hypothesis import given
from hypothesis import strategies as st

from banshishi import (
    Channel,
    Event,
    Feedback,
    FeedbackMethod,
    Issue,
    IssueStatus,
    NaiveDatetimeError,
    Role,
    Urgency,
    completion_rate,
    on_time_completion_rate,
    redo_rate,
    response_rate,
    return_rate,
)
from strategies import closure_time, issues, moments

S = IssueStatus
T0 = pendulum.datetime(2026, 3, 2, 9, tz="Asia/Shanghai")
ALL_RATES = [completion_rate, on_time_completion_rate, response_rate, return_rate, redo_rate]


def hours(n):
    return T0.add(hours=n)


def step(from_status, to_status, at):
    who = {"name": "step", "actor": "a", "role": Role.HANDLER}
    return Event(**who, at=at, from_status=from_status, to_status=to_status)


def answer(at):
    return (Feedback(at=at, content="已答复", method=FeedbackMethod.PHONE),)


def make_issue(id="i", *, steps=None, **overrides):
    """An issue; ``steps`` is [(status, hour), ...] after receipt and becomes its history."""
    fields = {"id": id, "title": id, "channel": Channel.HOTLINE, "urgency": Urgency.URGENT}
    fields["received_at"] = T0
    if steps is not None:
        history, previous = [], None
        for status, hour in [(S.RECEIVED, 0), *steps]:
            history.append(step(previous, status, hours(hour)))
            previous = status
        fields |= {"history": tuple(history), "status": previous}
        if previous is S.CLOSED:
            fields["closed_at"] = closure_time(history)
    fields |= overrides
    if fields.get("status") in (S.ANSWERED, S.CLOSED) and "feedback" not in fields:
        fields["feedback"] = answer(fields.get("closed_at") or hours(1))
    return Issue(**fields)


def ids(items):
    return sorted(i.id for i in items)


@pytest.mark.parametrize("rate", ALL_RATES, ids=lambda r: r.__name__)
def test_dismissed_issues_are_excluded_and_in_no_denominator(rate):
    dismissed = make_issue("x", status=S.DISMISSED)
    kept = make_issue("k", steps=[(S.TRANSFERRED, 1), (S.IN_PROGRESS, 2), (S.ANSWERED, 3)])
    result = rate([dismissed, kept])
    assert dismissed in result.excluded
    assert dismissed not in result.denominator
    assert dismissed not in result.numerator


@pytest.mark.parametrize("rate", ALL_RATES, ids=lambda r: r.__name__)
def test_issues_received_after_as_of_are_ignored_entirely(rate):
    future = make_issue("f", received_at=hours(10), status=S.DISMISSED)
    later = make_issue("l", received_at=hours(10), status=S.CLOSED, closed_at=hours(11))
    result = rate([future, later], as_of=hours(5))
    assert (result.numerator, result.denominator, result.excluded) == ((), (), ())


def test_an_issue_dismissed_later_still_counts_before_its_dismissal():
    issue = make_issue(steps=[(S.TRANSFERRED, 1), (S.DISMISSED, 5)])
    assert completion_rate([issue], as_of=hours(2)).denominator == (issue,)
    assert completion_rate([issue], as_of=hours(5)).excluded == (issue,)


def test_completion_reads_the_status_off_the_history_as_of_a_moment():
    issue = make_issue(steps=[(S.TRANSFERRED, 1), (S.IN_PROGRESS, 2), (S.CLOSED, 5)])
    assert completion_rate([issue], as_of=hours(4)).shortfall == (issue,)
    assert completion_rate([issue], as_of=hours(5)).numerator == (issue,)
    assert completion_rate([issue]).numerator == (issue,)
    assert completion_rate([issue], as_of=T0.subtract(seconds=1)).denominator == ()


def test_an_issue_reopened_for_a_redo_after_closing_is_not_closed_afterwards():
    steps = [(S.IN_PROGRESS, 1), (S.CLOSED, 2), (S.IN_PROGRESS, 3)]
    issue = make_issue(steps=steps, feedback=answer(hours(2)))
    assert completion_rate([issue], as_of=hours(2)).numerator == (issue,)
    assert completion_rate([issue], as_of=hours(3)).shortfall == (issue,)
    assert completion_rate([issue]).shortfall == (issue,)
    assert redo_rate([issue], as_of=hours(2)).rate.numerator == 0
    assert redo_rate([issue], as_of=hours(3)).numerator == (issue,)


def test_without_history_a_closed_issue_counts_open_before_its_closed_at():
    issue = make_issue(status=S.CLOSED, closed_at=hours(24))
    assert completion_rate([issue], as_of=hours(23)).shortfall == (issue,)
    assert completion_rate([issue], as_of=hours(24)).numerator == (issue,)
    assert response_rate([issue], as_of=hours(23)).numerator == (issue,)


def test_shortfall_lists_the_issues_not_done_in_order():
    done = make_issue("done", status=S.CLOSED, closed_at=hours(2))
    waiting = [make_issue(f"w{n}", status=status) for n, status in enumerate(S) if status.is_open]
    result = completion_rate([waiting[0], done, *waiting[1:]])
    assert result.numerator == (done,)
    assert result.shortfall == tuple(waiting)
    assert result.rate.numerator == 1
    assert result.rate.denominator == len(waiting) + 1


def test_on_time_compares_closed_at_with_the_deadline_inclusively():
    exact = make_issue("exact", status=S.CLOSED, closed_at=hours(48), deadline=hours(48))
    late = make_issue("late", status=S.CLOSED, closed_at=hours(49), deadline=hours(48))
    early = make_issue("early", status=S.CLOSED, closed_at=hours(1), deadline=hours(48))
    undated = make_issue("undated", status=S.CLOSED, closed_at=hours(1))
    open_overdue = make_issue("open", deadline=hours(1))
    result = on_time_completion_rate([exact, late, early, undated, open_overdue])
    assert ids(result.numerator) == ["early", "exact"]
    assert ids(result.denominator) == ["early", "exact", "late"]
    assert ids(result.excluded) == ["undated"]
    assert result.format() == "66.7%"


def test_on_time_with_history_uses_the_time_the_issue_was_closed_as_of():
    issue = make_issue(steps=[(S.IN_PROGRESS, 1), (S.CLOSED, 6)], deadline=hours(6))
    assert on_time_completion_rate([issue], as_of=hours(5)).denominator == ()
    assert on_time_completion_rate([issue], as_of=hours(6)).numerator == (issue,)


def test_response_counts_issues_a_unit_has_signed_for():
    signed = [
        make_issue("p", steps=[(S.TRANSFERRED, 1), (S.IN_PROGRESS, 2)]),
        make_issue("r", steps=[(S.TRANSFERRED, 1), (S.IN_PROGRESS, 2), (S.RETURNED, 3)]),
        make_issue("s", status=S.RESOLVED),
    ]
    unsigned = [make_issue("t", steps=[(S.TRANSFERRED, 1)]), make_issue("n")]
    result = response_rate([*signed, *unsigned])
    assert ids(result.numerator) == ["p", "r", "s"]
    assert ids(result.shortfall) == ["n", "t"]
    # without a history an issue is taken to have had its status since receipt
    assert ids(response_rate(signed, as_of=hours(1)).numerator) == ["s"]


def test_return_rate_is_out_of_transferred_issues():
    bounced = make_issue("b", steps=[(S.TRANSFERRED, 1), (S.RETURNED, 2), (S.TRANSFERRED, 3)])
    kept = make_issue("k", steps=[(S.TRANSFERRED, 1), (S.IN_PROGRESS, 2)])
    fresh = make_issue("f")
    result = return_rate([bounced, kept, fresh])
    assert ids(result.denominator) == ["b", "k"]
    assert ids(result.numerator) == ["b"]
    assert return_rate([bounced], as_of=hours(1)).shortfall == (bounced,)


def test_redo_rate_is_out_of_answered_issues():
    redone = make_issue(
        "r",
        steps=[(S.IN_PROGRESS, 1), (S.ANSWERED, 2), (S.IN_PROGRESS, 3)],
        feedback=answer(hours(2)),
    )
    answered = make_issue("a", steps=[(S.IN_PROGRESS, 1), (S.ANSWERED, 2)])
    unanswered = make_issue("u", steps=[(S.IN_PROGRESS, 1)])
    result = redo_rate([redone, answered, unanswered])
    assert ids(result.denominator) == ["a", "r"]
    assert ids(result.numerator) == ["r"]
    assert redo_rate([redone], as_of=hours(1)).denominator == ()


def test_a_partial_history_opening_on_a_closed_issue_is_read_without_crashing():
    # A ledger imported mid-life: the first recorded step reopens an already closed issue.
    reopen = step(S.CLOSED, S.IN_PROGRESS, hours(2))
    issue = make_issue(
        status=S.IN_PROGRESS, history=(reopen,), deadline=hours(24), feedback=answer(T0)
    )
    before = hours(1)
    assert issue.status_as_of(before) is S.CLOSED
    assert completion_rate([issue], as_of=before).numerator == (issue,)
    assert issue.closed_at_as_of(before) is None  # closed at some unrecorded time
    result = on_time_completion_rate([issue], as_of=before)
    assert result.excluded == (issue,)
    assert result.denominator == ()


@pytest.mark.parametrize("rate", ALL_RATES, ids=lambda r: r.__name__)
def test_a_naive_as_of_is_refused_with_the_librarys_own_error(rate):
    naive = dt.datetime(2026, 3, 3, 9)
    with pytest.raises(NaiveDatetimeError) as caught:
        rate([make_issue()], as_of=naive)
    assert isinstance(caught.value, ValueError)
    assert ("as_of", naive) == (caught.value.field, caught.value.value)


@st.composite
def partial_histories(draw):
    """Issues whose recorded history starts mid-life, from any status."""
    previous, at, events = draw(st.sampled_from(list(S))), T0, []
    for status in draw(st.lists(st.sampled_from(list(S)), min_size=1, max_size=5)):
        at = at.add(hours=draw(st.integers(0, 48)))
        events.append(step(previous, status, at))
        previous = status
    closed_at = closure_time(events) if previous is S.CLOSED else None
    return make_issue(
        history=tuple(events), status=previous, closed_at=closed_at, feedback=answer(T0)
    )


@given(partial_histories(), st.integers(0, 300), st.integers(0, 300))
def test_what_had_happened_by_a_moment_stays_happened_later(issue, early, late):
    early, late = sorted((hours(early), hours(late)))
    for happened in ("transferred_as_of", "returned_as_of", "signed_for_as_of", "redone_as_of"):
        if getattr(issue, happened)(early):
            assert getattr(issue, happened)(late), happened


def test_an_issue_recorded_from_transferred_stays_in_the_return_rate_once_signed_for():
    sign = step(S.TRANSFERRED, S.IN_PROGRESS, hours(2))
    issue = make_issue(status=S.IN_PROGRESS, history=(sign,))
    assert return_rate([issue], as_of=hours(1)).denominator == (issue,)
    assert return_rate([issue], as_of=hours(3)).denominator == (issue,)


def oracle_status(issue, moment):
    """An independent reading of where an issue stood at ``moment``."""
    if moment is None:
        return issue.status
    if moment < issue.received_at:
        return None
    if issue.history:
        seen = [e for e in issue.history if e.at <= moment]
        return seen[-1].to_status if seen else (issue.history[0].from_status or S.RECEIVED)
    if issue.closed_at is not None and moment < issue.closed_at:
        return S.IN_PROGRESS
    return issue.status


@given(st.lists(issues(), max_size=8), st.none() | moments())
def test_completion_splits_exactly_the_received_undismissed_issues(batch, as_of):
    result = completion_rate(batch, as_of=as_of)
    statuses = [oracle_status(issue, as_of) for issue in batch]
    counted = [s for s in statuses if s not in (None, S.DISMISSED)]
    assert len(result.numerator) + len(result.shortfall) == len(result.denominator)
    assert len(result.denominator) == len(counted)
    assert len(result.denominator) == sum(
        i.status_as_of(as_of) not in (None, S.DISMISSED) for i in batch
    )
    assert len(result.numerator) == counted.count(S.CLOSED)
    assert len(result.excluded) == statuses.count(S.DISMISSED)


@given(st.lists(issues(), max_size=8), st.none() | moments())
def test_every_rate_lies_between_zero_and_one_and_counts_only_its_denominator(batch, as_of):
    for rate in ALL_RATES:
        result = rate(batch, as_of=as_of)
        value = result.rate.value
        assert value is None or 0 <= value <= 1
        denominator = {id(i) for i in result.denominator}
        assert all(id(i) in denominator for i in result.numerator)
        assert not denominator & {id(i) for i in result.excluded}


def test_an_issue_returned_without_a_recorded_transfer_is_in_the_return_rate():
    # A 即办 item the receiving unit signed for itself, then sent back as not its own.
    steps = [(None, S.RECEIVED), (S.RECEIVED, S.IN_PROGRESS), (S.IN_PROGRESS, S.RETURNED)]
    history = tuple(
        Event(name="step", actor="a", role=Role.HANDLER, at=hours(n), from_status=a, to_status=b)
        for n, (a, b) in enumerate(steps)
    )
    issue = make_issue(status=S.RETURNED, history=history)
    assert not issue.transferred_as_of()
    result = return_rate([issue])
    assert result.denominator == (issue,)
    assert result.numerator == (issue,)
