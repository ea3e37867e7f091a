"""Exclusion from the assessment (不纳入考核), the 回访 answers and the confidential
flag (保密), as steps on both engines, through replay and through the store."""

from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

from banshishi import (
    BanshishiError,
    Exclusion,
    ExclusionGrounds,
    ExclusionOutcome,
    Feedback,
    FeedbackMethod,
    InconsistentRecordError,
    InvalidValueError,
    IssueStatus,
    LedgerStore,
    PreconditionError,
    RoleError,
    TransitionRefusedError,
    Visit,
    VisitOutcome,
)
from banshishi._workflow.policy import DEFAULT_POLICY
from both_engines import ISSUE_ID, Both, assert_replays, both, refused, step
from cast import CLERK, DISPATCHER, LEAD, LEADER, OTHER, REVIEWER, handler
from working_time import sh

S = IssueStatus
START = sh(2026, 9, 23, 9)


def answered_case() -> Both:
    case = both(START)
    step(case, "transfer", DISPATCHER, sh(2026, 9, 23, 9, 30), unit=LEAD)
    step(case, "sign_for", handler(), sh(2026, 9, 23, 10))
    step(case, "resolve", handler(), sh(2026, 9, 23, 11))
    feedback = Feedback(at=sh(2026, 9, 23, 12), content="已修复", method=FeedbackMethod.PHONE)
    step(case, "answer", handler(), sh(2026, 9, 23, 12), feedback=feedback)
    return case


# -- exclusion from the assessment ---------------------------------------------------------


@pytest.mark.parametrize("approve", [True, False])
def test_a_unit_asks_to_leave_an_issue_out_and_a_reviewer_decides(approve: bool) -> None:
    case = answered_case()
    asked_at, decided_at = sh(2026, 9, 24, 9), sh(2026, 9, 25, 9)
    step(
        case,
        "request_exclusion",
        handler(),
        asked_at,
        note="诉求人要求超出政策",
        exclusion_grounds="不合理诉求",
    )
    (asked,) = case.issue.exclusions
    assert asked == Exclusion(
        grounds=ExclusionGrounds.UNREASONABLE,
        requested_at=asked_at,
        requested_by=handler().id,
        explanation="诉求人要求超出政策",
    )
    assert asked.is_pending
    assert not case.issue.excluded_as_of(None)
    event = "approve_exclusion" if approve else "reject_exclusion"
    taken = step(case, event, REVIEWER, decided_at, note="经审核")
    assert (taken.from_status, taken.to_status) == (S.ANSWERED, S.ANSWERED)
    (decided,) = case.issue.exclusions
    outcome = ExclusionOutcome.APPROVED if approve else ExclusionOutcome.REJECTED
    assert (decided.outcome, decided.decided_at, decided.decided_by, decided.reason) == (
        outcome,
        decided_at,
        REVIEWER.id,
        "经审核",
    )
    # Excluded from the moment of the approval on, never before it.
    assert not case.issue.excluded_as_of(decided_at.subtract(seconds=1))
    assert case.issue.excluded_as_of(decided_at) is approve
    assert case.issue.excluded_as_of(None) is approve
    assert case.ledger.issue(ISSUE_ID).excluded_as_of(None) is approve
    assert_replays(case, DEFAULT_POLICY)


def test_one_request_at_a_time_and_none_after_an_approval() -> None:
    case = answered_case()
    step(
        case,
        "request_exclusion",
        handler(),
        sh(2026, 9, 24, 9),
        note="不可抗力",
        exclusion_grounds=ExclusionGrounds.FORCE_MAJEURE,
    )
    error = refused(
        case,
        PreconditionError,
        "request_exclusion",
        handler(),
        sh(2026, 9, 24, 10),
        note="再申请",
        exclusion_grounds=ExclusionGrounds.UNREASONABLE,
    )
    assert error.field == "request_exclusion.exclusions"
    step(case, "approve_exclusion", REVIEWER, sh(2026, 9, 24, 11), note="同意")
    error = refused(
        case,
        PreconditionError,
        "request_exclusion",
        handler(),
        sh(2026, 9, 24, 12),
        note="再申请",
        exclusion_grounds=ExclusionGrounds.UNREASONABLE,
    )
    assert "approved already" in str(error)
    error = refused(case, PreconditionError, "reject_exclusion", REVIEWER, sh(2026, 9, 24, 13), "x")
    assert error.field == "reject_exclusion.exclusions"


def test_a_rejected_request_may_be_made_again() -> None:
    case = answered_case()
    grounds = ExclusionGrounds.OUTSIDE_JURISDICTION
    step(
        case,
        "request_exclusion",
        handler(),
        sh(2026, 9, 24, 9),
        "非本单位",
        exclusion_grounds=grounds,
    )
    step(case, "reject_exclusion", REVIEWER, sh(2026, 9, 24, 10), note="属本单位职责")
    step(
        case,
        "request_exclusion",
        handler(),
        sh(2026, 9, 24, 11),
        "补充材料",
        exclusion_grounds=grounds,
    )
    assert [item.outcome for item in case.issue.exclusions] == [ExclusionOutcome.REJECTED, None]


def test_who_may_ask_and_decide_and_with_what() -> None:
    case = answered_case()
    at = sh(2026, 9, 24, 9)
    grounds = ExclusionGrounds.UNREASONABLE
    for actor in (handler(OTHER), REVIEWER, CLERK):
        refused(case, RoleError, "request_exclusion", actor, at, "x", exclusion_grounds=grounds)
    # the note says why; the grounds are required and must be known
    refused(case, InvalidValueError, "request_exclusion", handler(), at, exclusion_grounds=grounds)
    refused(case, InvalidValueError, "request_exclusion", handler(), at, "x")
    with pytest.raises(BanshishiError, match="no-such-grounds"):
        step(case, "request_exclusion", handler(), at, "x", exclusion_grounds="no-such-grounds")
    step(case, "request_exclusion", DISPATCHER, at, "x", exclusion_grounds=grounds)
    for actor in (handler(), DISPATCHER, LEADER):
        refused(case, RoleError, "approve_exclusion", actor, sh(2026, 9, 24, 10), "x")


def test_nothing_to_assess_before_a_transfer() -> None:
    case = both(START)
    refused(
        case,
        TransitionRefusedError,
        "request_exclusion",
        DISPATCHER,
        sh(2026, 9, 23, 10),
        "x",
        exclusion_grounds=ExclusionGrounds.UNREASONABLE,
    )


def test_an_exclusion_is_checked_as_a_record() -> None:
    with pytest.raises(InconsistentRecordError):
        Exclusion(
            grounds=ExclusionGrounds.HISTORICAL,
            requested_at=START,
            requested_by="h",
            outcome=ExclusionOutcome.APPROVED,
        )
    with pytest.raises(InconsistentRecordError):
        Exclusion(
            grounds=ExclusionGrounds.HISTORICAL,
            requested_at=START,
            requested_by="h",
            outcome=ExclusionOutcome.APPROVED,
            decided_at=START.subtract(hours=1),
            decided_by="r",
        )


# -- the 回访 answers -------------------------------------------------------------------------


@given(contacted=st.none() | st.booleans(), satisfied=st.none() | st.booleans())
def test_a_visit_that_reaches_the_requester_records_their_answers(
    contacted: bool | None, satisfied: bool | None
) -> None:
    case = answered_case()
    given_answers = {
        name: value
        for name, value in (("contacted", contacted), ("satisfied", satisfied))
        if value is not None
    }
    at = sh(2026, 9, 24, 9)
    step(case, "revisit", REVIEWER, at, outcome=VisitOutcome.RESOLVED, **given_answers)
    assert case.issue.visits == (
        Visit(
            round=1,
            done_at=at,
            outcome=VisitOutcome.RESOLVED,
            visitor=REVIEWER.id,
            contacted=contacted,
            satisfied=satisfied,
        ),
    )
    assert case.issue.visit_answers_as_of(at) == case.issue.visits[0]
    assert case.issue.visit_answers_as_of(at.subtract(seconds=1)) is None
    assert_replays(case, DEFAULT_POLICY)


def test_a_visit_that_missed_the_requester_has_no_answers() -> None:
    case = answered_case()
    at = sh(2026, 9, 24, 9)
    for name in ("contacted", "satisfied"):
        error = refused(
            case, PreconditionError, "revisit", REVIEWER, at, outcome="unreachable", **{name: True}
        )
        assert (error.field, error.value) == (f"revisit.{name}", True)
    step(case, "revisit", REVIEWER, at, outcome=VisitOutcome.UNREACHABLE)
    assert case.issue.visit_answers_as_of(None) is None
    with pytest.raises(InconsistentRecordError):
        Visit(round=1, done_at=at, outcome=VisitOutcome.UNREACHABLE, visitor="v", satisfied=True)


def test_the_latest_visit_that_reached_the_requester_counts() -> None:
    case = answered_case()
    step(case, "revisit", REVIEWER, sh(2026, 9, 24, 9), outcome="resolved", satisfied=False)
    step(case, "revisit", REVIEWER, sh(2026, 9, 24, 10), outcome="resolved", satisfied=True)
    step(case, "revisit", REVIEWER, sh(2026, 9, 24, 11), outcome="unreachable")
    latest = case.issue.visit_answers_as_of(None)
    assert latest is not None
    assert latest.satisfied is True
    earlier = case.issue.visit_answers_as_of(sh(2026, 9, 24, 9, 30))
    assert earlier is not None
    assert earlier.satisfied is False


# -- the confidential flag ------------------------------------------------------------------


def test_an_issue_is_marked_confidential_after_intake_and_the_mark_lifted() -> None:
    case = both(START)
    step(case, "mark_confidential", DISPATCHER, sh(2026, 9, 23, 9, 10), note="涉及举报人信息")
    assert case.issue.confidential
    step(case, "transfer", DISPATCHER, sh(2026, 9, 23, 9, 30), unit=LEAD)
    assert_replays(case, DEFAULT_POLICY)
    # the receive event still records the issue as it came in: not confidential
    assert "confidential" not in case.ledger.history(ISSUE_ID)[0].data
    step(case, "unmark_confidential", LEADER, sh(2026, 9, 23, 10), note="核实后不涉密")
    assert not case.issue.confidential
    assert_replays(case, DEFAULT_POLICY)


def test_marking_changes_the_flag_and_says_why() -> None:
    case = both(START)
    at = sh(2026, 9, 23, 9, 10)
    error = refused(case, PreconditionError, "unmark_confidential", DISPATCHER, at, "x")
    assert (error.field, error.value) == ("unmark_confidential.confidential", False)
    refused(case, InvalidValueError, "mark_confidential", DISPATCHER, at)
    refused(case, RoleError, "mark_confidential", handler(), at, "x")
    step(case, "mark_confidential", CLERK, at, "x")
    error = refused(case, PreconditionError, "mark_confidential", DISPATCHER, at, "x")
    assert error.value is True


def test_the_store_keeps_the_new_steps(tmp_path: Path) -> None:
    case = answered_case()
    step(case, "mark_confidential", DISPATCHER, sh(2026, 9, 24, 8), note="涉密")
    step(
        case,
        "request_exclusion",
        handler(),
        sh(2026, 9, 24, 9),
        note="不可抗力",
        exclusion_grounds=ExclusionGrounds.FORCE_MAJEURE,
    )
    step(case, "approve_exclusion", REVIEWER, sh(2026, 9, 24, 10), note="同意")
    step(case, "revisit", REVIEWER, sh(2026, 9, 24, 11), outcome="resolved", contacted=True)
    with LedgerStore.open(tmp_path / "l.db", create=True) as store:
        store.write_ledgers(case.ledger)
    with LedgerStore.open(tmp_path / "l.db") as store:
        kept = store.issue(ISSUE_ID)
        assert kept == case.ledger.issue(ISSUE_ID)
        assert kept.confidential
        assert kept.excluded_as_of(None)
        assert store.verify(deep=True).intact
