"""The whole evaluation loop (好差评 → 整改 → 回访, with 申诉): replay, JSON and the
ledger, then a Hypothesis state machine that drives random steps of the loop
through both engines and checks what must always hold: one live rating per round,
a voided rating never counting, one rectification per bad rating, rectification
rounds following the issue's rounds, and a refused step changing nothing.
"""

import datetime as dt
import itertools
from typing import Any

import attrs
import pendulum
import pytest
from hypothesis import HealthCheck, settings
from hypothesis import event as note_event
from hypothesis import strategies as st
from hypothesis.stateful import RuleBasedStateMachine, initialize, invariant, precondition, rule
from pendulum import DateTime

from banshishi import (
    Actor,
    AppealGrounds,
    AppealOutcome,
    BanshishiError,
    Evaluation,
    Feedback,
    FeedbackMethod,
    Issue,
    IssueStatus,
    IssueWorkflow,
    Ledger,
    Rate,
    RaterKind,
    Rating,
    RectificationCause,
    Role,
    VisitOutcome,
    WorkflowPolicy,
    replay,
    resolution_rate,
    satisfaction_rate,
    structure,
    unstructure,
)
from cast import CLERK, DEPUTY, OTHER, PLATFORM
from evaluation_cases import (
    DISPATCHER,
    DUE,
    HANDLER,
    ISSUE_ID,
    LEAD,
    REQUESTER,
    REVIEWER,
    SUPERVISOR,
    T0,
    ZHANG,
    S,
    fresh_issue,
    handler,
)

# -- 9. the whole loop: replay, JSON, and the ledger ---------------------------------------------


def full_loop() -> list[tuple[str, Actor, str, dict[str, Any]]]:
    """Every step of the loop once: bad rating, appeal voided, answer, a visit that
    finds it unresolved, answer, a basically satisfied rating appealed and rejected,
    a visit, an order to redo, answer, and a satisfied rating that closes it."""
    day = pendulum.duration(days=1)

    def fb(at: DateTime) -> Feedback:
        return Feedback(at=at, content="已处理", method=FeedbackMethod.PHONE, unit=LEAD)

    def given(rating: Rating, round_: int, at: DateTime) -> Evaluation:
        return Evaluation(
            issue_id=ISSUE_ID,
            rating=rating,
            resolved=rating.counts_as_satisfied(),
            at=at,
            round=round_,
            rater=ZHANG.id,
        )

    at = [T0.add(days=n) for n in range(1, 40)]
    return [
        ("transfer", DISPATCHER, "", {"unit": LEAD, "deadline": DUE}),
        ("sign_for", HANDLER, "", {}),
        ("resolve", HANDLER, "", {}),
        ("answer", HANDLER, "", {"feedback": fb(at[3])}),
        ("rate", REQUESTER, "", {"evaluation": given(Rating.VERY_DISSATISFIED, 1, at[4])}),
        ("appeal", HANDLER, "恶意差评", {"grounds": AppealGrounds.MALICIOUS}),
        ("void_rating", REVIEWER, "经核实予以作废", {}),
        ("resolve", HANDLER, "", {}),
        ("answer", HANDLER, "", {"feedback": fb(at[8])}),
        ("schedule_visit", CLERK, "", {"due": at[8] + 3 * day}),
        ("revisit", CLERK, "", {"outcome": VisitOutcome.UNRESOLVED, "deadline": at[20]}),
        ("resolve", HANDLER, "", {}),
        ("answer", HANDLER, "", {"feedback": fb(at[12])}),
        ("rate", REVIEWER, "", {"evaluation": given(Rating.BASICALLY_SATISFIED, 3, at[13])}),
        ("appeal", HANDLER, "误评", {"grounds": AppealGrounds.MISTAKEN, "round": 3}),
        ("reject_appeal", REVIEWER, "评价属实", {}),
        ("revisit", REVIEWER, "", {"outcome": VisitOutcome.UNREACHABLE}),
        ("redo", SUPERVISOR, "督查发现仍有问题", {}),
        ("resolve", HANDLER, "", {}),
        ("answer", HANDLER, "", {"feedback": fb(at[19])}),
        ("rate", REQUESTER, "", {"evaluation": given(Rating.SATISFIED, 4, at[20])}),
    ]


STATUSES_AFTER = [
    S.TRANSFERRED,
    S.IN_PROGRESS,
    S.RESOLVED,
    S.ANSWERED,
    S.IN_PROGRESS,
    S.IN_PROGRESS,
    S.IN_PROGRESS,
    S.RESOLVED,
    S.ANSWERED,
    S.ANSWERED,
    S.IN_PROGRESS,
    S.RESOLVED,
    S.ANSWERED,
    S.CLOSED,
    S.CLOSED,
    S.CLOSED,
    S.CLOSED,
    S.IN_PROGRESS,
    S.RESOLVED,
    S.ANSWERED,
    S.CLOSED,
]


def run_full_loop() -> tuple[Issue, Ledger]:
    issue = fresh_issue()
    workflow = IssueWorkflow(issue)
    ledger = Ledger()
    ledger.receive(fresh_issue(), actor=CLERK)
    for index, ((event, actor, note, args), status) in enumerate(
        zip(full_loop(), STATUSES_AFTER, strict=True)
    ):
        at = T0.add(days=index + 1)
        getattr(workflow, event)(actor=actor, at=at, note=note, **args)
        assert ledger.apply(ISSUE_ID, event, actor=actor, at=at, note=note, **args) is status
        assert issue.status is status, (index, event)
    return issue, ledger


def test_the_full_loop_leaves_its_record():
    issue, _ = run_full_loop()
    assert issue.round == 4
    assert [(r.round, r.cause, r.rating) for r in issue.rectifications] == [
        (2, RectificationCause.BAD_RATING, 0),
        (3, RectificationCause.VISIT, None),
        (4, RectificationCause.ORDERED, None),
    ]
    assert all(r.answered_at is not None for r in issue.rectifications)
    assert [(a.rating, a.outcome) for a in issue.appeals] == [
        (0, AppealOutcome.VOIDED),
        (1, AppealOutcome.REJECTED),
    ]
    assert [(v.round, v.outcome) for v in issue.visits] == [
        (2, VisitOutcome.UNRESOLVED),
        (3, VisitOutcome.UNREACHABLE),
    ]
    assert issue.voided_ratings_as_of() == frozenset({0})
    assert [e.round for e in issue.live_evaluations_as_of()] == [3, 4]
    assert issue.latest_evaluation_as_of().rating is Rating.SATISFIED
    assert issue.deadline == issue.rectifications[-1].deadline
    assert issue.redone_as_of()


def test_the_full_loop_replays_to_the_same_issue():
    issue, ledger = run_full_loop()
    assert replay(issue.history, start=fresh_issue()) == issue
    assert replay(ledger.history(ISSUE_ID)) == ledger.issue(ISSUE_ID)
    # under another deployment's limits too: every computed deadline is on record
    other = WorkflowPolicy(rectification_limit="15 working days", rater_kinds=frozenset(RaterKind))
    assert replay(issue.history, start=fresh_issue(), policy=other) == issue


def test_the_full_loop_gives_the_same_history_on_the_ledger():
    issue, ledger = run_full_loop()
    kept = ledger.issue(ISSUE_ID)
    assert ledger.history(ISSUE_ID)[1:] == issue.history
    assert attrs.evolve(kept, history=()) == attrs.evolve(issue, history=())


def test_the_full_loop_goes_through_json_and_back():
    issue, _ = run_full_loop()
    data = unstructure(issue)
    assert structure(data, Issue) == issue
    assert all("subject" not in event for event in data["history"])  # issue events
    assert data["appeals"][0]["outcome"] == "voided"
    assert data["rectifications"][0]["cause"] == "bad_rating"
    assert data["visits"][0]["outcome"] == "unresolved"


def test_a_history_whose_appeal_was_not_by_a_handler_does_not_replay():
    issue, _ = run_full_loop()
    history = list(issue.history)
    index = next(i for i, e in enumerate(history) if e.name == "appeal")
    history[index] = attrs.evolve(history[index], role=Role.DISPATCHER)
    with pytest.raises(BanshishiError):
        replay(history, start=fresh_issue())


# -- 10. the loop as a state machine ---------------------------------------------------------

POLICIES = (
    WorkflowPolicy(),
    WorkflowPolicy(close_on_satisfied_rating=False, rectification_limit="15 working days"),
    WorkflowPolicy(rater_kinds=frozenset(RaterKind), rectification_limit=dt.timedelta(days=2)),
)
GAPS = (pendulum.duration(minutes=5), pendulum.duration(hours=6), pendulum.duration(days=8))
RATERS = (REQUESTER, REQUESTER, REVIEWER, DEPUTY)
ORDERERS = (DISPATCHER, REVIEWER, SUPERVISOR, HANDLER)
VISITORS = (REVIEWER, CLERK, DISPATCHER, PLATFORM)
DECIDERS = (REVIEWER, REVIEWER, DISPATCHER)
APPELLANTS = (HANDLER, HANDLER, HANDLER, handler(OTHER), DISPATCHER)

LOOP_EVENTS = (
    "rate",
    "resolve",
    "answer",
    "appeal",
    "void_rating",
    "reject_appeal",
    "redo",
    "schedule_visit",
    "revisit",
    "close",
)

Outcome = tuple[Any, ...]


def attempt(call: Any) -> Outcome:
    try:
        call()
    except BanshishiError as error:
        return ("refused", type(error), error.field)
    return ("accepted",)


class EvaluationLoop(RuleBasedStateMachine):
    """One 即办 item transferred to LEAD and signed for, then random steps of the evaluation loop
    (rating, answering, appeals and their decisions, redo, visits, closing), each
    made of an IssueWorkflow and of a Ledger, which must agree."""

    def __init__(self) -> None:
        super().__init__()
        self.issue = fresh_issue()
        self.ledger = Ledger()
        self.workflow = IssueWorkflow(self.issue)
        self.now = T0
        self.policy = WorkflowPolicy()
        self.replayed = 0

    @initialize(policy=st.sampled_from(POLICIES))
    def start(self, policy: WorkflowPolicy) -> None:
        self.policy = policy
        self.workflow = IssueWorkflow(self.issue, policy=policy)
        self.ledger = Ledger(policy=policy)
        self.ledger.receive(fresh_issue(), actor=CLERK)
        self.step("transfer", DISPATCHER, unit=LEAD, deadline=DUE)
        self.step("sign_for", HANDLER)
        assert self.issue.status is S.IN_PROGRESS

    # -- making a step of both engines ---------------------------------------------------

    def step(self, event: str, actor: Actor, note: str = "", **args: Any) -> Outcome:
        before = self.issue.as_record(), self.ledger.issue(ISSUE_ID)
        at = self.now
        expected = attempt(
            lambda: getattr(self.workflow, event)(actor=actor, at=at, note=note, **args)
        )
        got = attempt(
            lambda: self.ledger.apply(ISSUE_ID, event, actor=actor, at=at, note=note, **args)
        )
        assert got == expected, (event, actor, args, expected, got)
        if expected[0] == "refused":  # a refused step changes nothing, on either engine
            assert self.issue.as_record() == before[0]
            assert self.ledger.issue(ISSUE_ID) == before[1]
        return expected

    def later(self, data: st.DataObject) -> DateTime:
        self.now = self.now + data.draw(st.sampled_from(GAPS), label="gap")
        return self.now

    def stands(self, *statuses: IssueStatus) -> bool:
        return self.issue.status in statuses

    # -- the rules: each mostly where the status allows it, by a plausible actor ---------

    @precondition(lambda self: self.stands(S.ANSWERED, S.CLOSED))
    @rule(data=st.data(), rating=st.sampled_from(list(Rating)))
    def rate(self, data: st.DataObject, rating: Rating) -> None:
        at = self.later(data)
        actor = data.draw(st.sampled_from(RATERS), label="rater")
        kind = RaterKind.REQUESTER
        if actor.role is Role.RATER or (
            actor.role is Role.REVIEWER and data.draw(st.booleans(), label="another kind")
        ):
            kind = data.draw(st.sampled_from(list(RaterKind)), label="kind")
        given = Evaluation(
            issue_id=ISSUE_ID,
            rating=rating,
            resolved=data.draw(st.booleans(), label="resolved"),
            at=at,
            round=self.issue.round,
            rater_kind=kind,
            rater=actor.id if actor.role is not Role.REVIEWER else None,
        )
        args: dict[str, Any] = {"evaluation": given}
        if data.draw(st.integers(0, 3), label="with a deadline") == 0:
            args["deadline"] = at.add(days=9)
        outcome = self.step("rate", actor, **args)
        if outcome == ("accepted",):
            assert self.issue.evaluations[-1] == given
            if rating.is_bad:
                assert self.issue.status is S.IN_PROGRESS

    @precondition(lambda self: self.stands(S.ANSWERED, S.CLOSED))
    @rule(data=st.data(), rating=st.sampled_from(list(Rating)))
    def requester_rates(self, data: st.DataObject, rating: Rating) -> None:
        at = self.later(data)
        given = Evaluation(
            issue_id=ISSUE_ID,
            rating=rating,
            resolved=rating.counts_as_satisfied(),
            at=at,
            round=self.issue.round,
            rater=ZHANG.id,
        )
        outcome = self.step("rate", REQUESTER, evaluation=given)
        rated = self.issue.live_evaluations_as_of(at)
        assert (outcome == ("accepted",)) == (given in rated)

    @precondition(lambda self: self.stands(S.IN_PROGRESS))
    @rule(data=st.data())
    def resolve(self, data: st.DataObject) -> None:
        self.later(data)
        self.step("resolve", HANDLER)

    @precondition(lambda self: self.stands(S.RESOLVED))
    @rule(data=st.data())
    def answer(self, data: st.DataObject) -> None:
        at = self.later(data)
        feedback = Feedback(at=at, content="已处理", method=FeedbackMethod.PHONE)
        self.step("answer", HANDLER, feedback=feedback)

    def appealable(self) -> list[int]:
        """The rounds whose live rating may be appealed now."""
        issue = self.issue
        if any(appeal.is_pending for appeal in issue.appeals):
            return []
        skip = issue.voided_ratings_as_of() | {appeal.rating for appeal in issue.appeals}
        return [
            given.round
            for index, given in enumerate(issue.evaluations)
            if index not in skip and not given.rating.counts_as_satisfied(basically_satisfied=False)
        ]

    @precondition(lambda self: bool(self.appealable()))
    @rule(data=st.data(), grounds=st.sampled_from(list(AppealGrounds)))
    def appeal(self, data: st.DataObject, grounds: AppealGrounds) -> None:
        self.later(data)
        actor = data.draw(st.sampled_from(APPELLANTS), label="appellant")
        args: dict[str, Any] = {"grounds": grounds}
        if data.draw(st.booleans(), label="names the round"):
            rounds = [*self.appealable(), self.issue.round]
            args["round"] = data.draw(st.sampled_from(rounds), label="round")
        self.step("appeal", actor, "申诉理由", **args)

    @precondition(lambda self: any(appeal.is_pending for appeal in self.issue.appeals))
    @rule(data=st.data(), event=st.sampled_from(["void_rating", "reject_appeal"]))
    def decide(self, data: st.DataObject, event: str) -> None:
        self.later(data)
        self.step(event, data.draw(st.sampled_from(DECIDERS), label="decider"), "经核实")

    @precondition(lambda self: self.stands(S.ANSWERED, S.CLOSED))
    @rule(data=st.data())
    def redo(self, data: st.DataObject) -> None:
        self.later(data)
        self.step("redo", data.draw(st.sampled_from(ORDERERS), label="orderer"), "核查整改")

    @precondition(lambda self: self.stands(S.ANSWERED, S.CLOSED))
    @rule(data=st.data())
    def schedule_visit(self, data: st.DataObject) -> None:
        at = self.later(data)
        self.step("schedule_visit", data.draw(st.sampled_from(VISITORS)), due=at.add(days=2))

    @precondition(lambda self: self.stands(S.ANSWERED, S.CLOSED))
    @rule(data=st.data(), outcome=st.sampled_from(list(VisitOutcome)))
    def revisit(self, data: st.DataObject, outcome: VisitOutcome) -> None:
        self.later(data)
        self.step("revisit", data.draw(st.sampled_from(VISITORS), label="visitor"), outcome=outcome)

    @precondition(lambda self: self.stands(S.ANSWERED))
    @rule(data=st.data())
    def close(self, data: st.DataObject) -> None:
        self.later(data)
        if data.draw(st.booleans(), label="verified"):
            self.step("close", REVIEWER, "回访核实")
        else:
            self.step("close", PLATFORM)

    @rule(data=st.data(), event=st.sampled_from(LOOP_EVENTS))
    def out_of_turn(self, data: st.DataObject, event: str) -> None:
        """Any step of the loop, wherever the item stands: mostly refused."""
        at = self.later(data)
        args = {
            "rate": {
                "evaluation": Evaluation(
                    issue_id=ISSUE_ID,
                    rating=Rating.DISSATISFIED,
                    resolved=False,
                    at=at,
                    round=self.issue.round,
                    rater=ZHANG.id,
                )
            },
            "answer": {
                "feedback": Feedback(at=at, content="已处理", method=FeedbackMethod.TEXT_MESSAGE)
            },
            "appeal": {"grounds": AppealGrounds.MISTAKEN},
            "schedule_visit": {"due": at.add(days=1)},
            "revisit": {"outcome": VisitOutcome.UNRESOLVED},
        }.get(event, {})
        actor = data.draw(st.sampled_from((HANDLER, REVIEWER, REQUESTER, DISPATCHER)))
        self.step(event, actor, "说明", **args)

    # -- what always holds -----------------------------------------------------------------

    @invariant()
    def one_live_rating_per_round(self) -> None:
        voided = self.issue.voided_ratings_as_of()
        live = [e.round for i, e in enumerate(self.issue.evaluations) if i not in voided]
        assert len(live) == len(set(live)), live
        assert all(e.round <= self.issue.round for e in self.issue.evaluations)

    @invariant()
    def a_voided_rating_never_counts(self) -> None:
        issue = self.issue
        voided = issue.voided_ratings_as_of()
        live = [e for i, e in enumerate(issue.evaluations) if i not in voided]
        assert list(issue.live_evaluations_as_of()) == live
        latest = issue.latest_evaluation_as_of()
        expected = max(live, key=lambda e: (e.round, e.at)) if live else None
        assert latest == expected
        if latest is not None:
            assert issue.evaluations.index(latest) not in voided
        satisfied = latest is not None and latest.rating.counts_as_satisfied()
        assert satisfaction_rate([issue]).rate == Rate(int(satisfied), int(latest is not None))
        solved = latest is not None and latest.resolved
        assert resolution_rate([issue]).rate == Rate(int(solved), int(latest is not None))
        for appeal in issue.appeals:
            if appeal.outcome is AppealOutcome.VOIDED:
                voided_one = issue.evaluations[appeal.rating]
                assert voided_one not in issue.live_evaluations_as_of(appeal.decided_at)
                assert issue.latest_evaluation_as_of(appeal.decided_at) != voided_one

    @invariant()
    def every_bad_rating_has_its_one_rectification(self) -> None:
        issue = self.issue
        for index, given in enumerate(issue.evaluations):
            pointing = [r for r in issue.rectifications if r.rating == index]
            assert len(pointing) == (1 if given.rating.is_bad else 0), (index, given.rating)
        for rectification in issue.rectifications:
            by_rating = rectification.cause is RectificationCause.BAD_RATING
            assert by_rating == (rectification.rating is not None)

    @invariant()
    def rectification_rounds_follow_the_issues_rounds(self) -> None:
        rounds = [r.round for r in self.issue.rectifications]
        assert rounds == list(range(2, self.issue.round + 1))
        for earlier, later in itertools.pairwise(self.issue.rectifications):
            assert earlier.answered_at is not None  # a new round needs an answer first
            assert earlier.opened_at <= earlier.answered_at <= later.opened_at
        if self.issue.status in (S.ANSWERED, S.CLOSED):  # answered: nothing left open
            assert all(r.answered_at is not None for r in self.issue.rectifications)

    @invariant()
    def appeals_hold_together(self) -> None:
        issue = self.issue
        assert sum(appeal.is_pending for appeal in issue.appeals) <= 1
        appealed = [appeal.rating for appeal in issue.appeals]
        assert len(appealed) == len(set(appealed))
        for appeal in issue.appeals:
            assert not issue.evaluations[appeal.rating].rating.counts_as_satisfied(
                basically_satisfied=False
            )

    @invariant()
    def both_engines_hold_the_same_issue(self) -> None:
        kept = self.ledger.issue(ISSUE_ID)
        assert kept.history[1:] == self.issue.history
        assert attrs.evolve(kept, history=()) == attrs.evolve(self.issue, history=())

    @invariant()
    def the_history_replays(self) -> None:
        if len(self.issue.history) != self.replayed:
            rebuilt = replay(self.issue.history, start=fresh_issue(), policy=self.policy)
            assert rebuilt == self.issue
            self.replayed = len(self.issue.history)

    def teardown(self) -> None:
        """Let Hypothesis report how far the runs went (--hypothesis-show-statistics)."""
        issue = self.issue
        note_event(f"reached round {min(issue.round, 4)}{'+' if issue.round >= 4 else ''}")
        rated = len(issue.evaluations)
        note_event(f"{min(rated, 3)}{'+' if rated >= 3 else ''} ratings given")
        for appeal in issue.appeals:
            note_event(f"appeal {appeal.outcome.value if appeal.outcome else 'pending'}")
        for rectification in issue.rectifications:
            note_event(f"rectification {rectification.cause.value}")
        if any(visit.is_done for visit in issue.visits):
            note_event("visit made")


EvaluationLoop.TestCase.settings = settings(
    stateful_step_count=40,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)
TestEvaluationLoop = EvaluationLoop.TestCase
