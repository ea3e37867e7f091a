"""The messages each step owes, derived from its event and the issue after it:
which step owes which kind to whom, in what words, with which id."""

from typing import Any

import attrs
import pendulum
import pytest

from banshishi import (
    Channel,
    Evaluation,
    Event,
    Feedback,
    FeedbackMethod,
    FixedClock,
    Issue,
    Ledger,
    Message,
    MessageKind,
    MessageTemplates,
    Person,
    Rating,
    RequestType,
    SlaLevel,
    Track,
    Urgency,
    VisitOutcome,
    WorkflowPolicy,
    messages_for,
)
from cast import (
    CENTRE,
    CLERK,
    CO_UNITS,
    DISPATCHER,
    DUE,
    HANDLER,
    LEAD,
    PLATFORM,
    REQUESTER,
    REVIEWER,
    SUPERVISING,
    SUPERVISOR,
    T0,
)

ZHANG = Person(id="p-zhang", name="张桂兰", mobile="13904712345")
POLICY = WorkflowPolicy(type_limits={RequestType.COMPLAINT: "15 working days"})
K = MessageKind


class Walk:
    """One issue taken step by step on the workflow, with the messages each step owes."""

    def __init__(self, **fields: Any) -> None:
        values: dict[str, Any] = {
            "id": "2026-0302-001",
            "title": "张桂兰反映路灯不亮，电话13904712345",
            "channel": Channel.HOTLINE,
            "urgency": Urgency.URGENT,
            "received_at": T0,
            "received_by": CENTRE,
            "requester": ZHANG,
        }
        self.id = values["id"] = fields.get("id", values["id"])
        self.clock = FixedClock(T0)
        self.ledger = Ledger(policy=POLICY, clock=self.clock)
        self.ledger.receive(Issue(**{**values, **fields}), actor=CLERK)
        self.owed: list[list[Message]] = [self.messages(self.issue.history[0])]

    @property
    def issue(self) -> Issue:
        return self.ledger.issue(self.id)

    def messages(self, event: Event, **options: Any) -> list[Message]:
        issue = self.issue
        version = len(issue.history)
        return messages_for(event, issue, version=version, policy=POLICY, **options)

    def step(self, name: str, actor: Any, **args: Any) -> list[Message]:
        at = self.clock.advance(hours=1).now()
        self.ledger.apply(self.id, name, actor=actor, at=at, **args)
        self.owed.append(self.messages(self.issue.history[-1]))
        return self.owed[-1]

    def to_answer(self, **transfer: Any) -> list[Message]:
        self.step("transfer", DISPATCHER, unit=LEAD, deadline=DUE, **transfer)
        self.step("sign_for", HANDLER)
        if self.issue.track is Track.JOINT:
            for unit in CO_UNITS:
                self.step(
                    "report_part", HANDLER.__class__(id=f"{unit}.h", role=HANDLER.role, unit=unit)
                )
        self.step("resolve", HANDLER)
        at = self.clock.now().add(minutes=30)
        feedback = Feedback(at=at, content="已由李师傅修复", method=FeedbackMethod.PHONE, unit=LEAD)
        return self.step("answer", HANDLER, feedback=feedback)

    def rate(self, rating: Rating) -> list[Message]:
        at = self.clock.now().add(minutes=30)
        given = Evaluation(
            issue_id=self.issue.id,
            rating=rating,
            resolved=rating.counts_as_satisfied(),
            at=at,
            rater=REQUESTER.id,
            round=self.issue.round,
        )
        return self.step("rate", REQUESTER, evaluation=given)


def shape(messages: list[Message]) -> list[tuple[MessageKind, str, str]]:
    return [(m.kind, m.recipient, m.record_id) for m in messages]


def test_receipt_tells_the_requester_the_number_and_the_time_limit() -> None:
    walk = Walk(request_type=RequestType.COMPLAINT)
    (received,) = walk.owed[0]
    assert shape([received]) == [(K.RECEIVED, "requester", walk.issue.id)]
    assert walk.issue.id in received.text
    assert "15个工作日" in received.text
    assert received.id == f"{walk.issue.id}#1/received/requester:{walk.issue.id}"
    assert received.created_at == T0
    assert received.pending


def test_a_transfer_assigns_the_lead_and_every_co_unit_with_the_deadline() -> None:
    walk = Walk(track=Track.JOINT)
    assigned = walk.step("transfer", DISPATCHER, unit=LEAD, deadline=DUE, co_units=CO_UNITS)
    assert shape(assigned) == [(K.ASSIGNED, unit, walk.issue.id) for unit in (LEAD, *CO_UNITS)]
    assert all("2026年3月12日18:00" in m.text and "共办" in m.text for m in assigned)
    assert len({m.id for m in assigned}) == 3


def test_the_answer_tells_the_requester_and_invites_a_rating() -> None:
    walk = Walk()
    owed = walk.to_answer()
    assert shape(owed) == [
        (K.ANSWERED, "requester", walk.issue.id),
        (K.INVITED_TO_RATE, "requester", walk.issue.id),
    ]
    assert [shape(owed) for owed in walk.owed[2:-1]] == [[], []]  # sign_for and resolve: none


def test_a_bad_rating_reopens_the_issue_for_the_requester_and_the_unit() -> None:
    walk = Walk()
    walk.to_answer()
    owed = walk.rate(Rating.DISSATISFIED)
    assert shape(owed) == [
        (K.REOPENED, "requester", walk.issue.id),
        (K.ASSIGNED, LEAD, walk.issue.id),
    ]
    assert walk.issue.deadline is not None
    assert f"{walk.issue.deadline.day}日" in owed[0].text


def test_a_good_rating_and_the_closure_owe_nothing() -> None:
    walk = Walk()
    walk.to_answer()
    assert walk.rate(Rating.SATISFIED) == []


def test_an_order_to_redo_and_a_visit_finding_it_unresolved_reopen_it() -> None:
    walk = Walk()
    walk.to_answer()
    redo = walk.step("redo", SUPERVISOR, deadline=DUE.add(days=5), note="整改")
    assert [m.kind for m in redo] == [K.REOPENED, K.ASSIGNED]
    second = Walk()
    second.to_answer()
    visit = second.step("revisit", REVIEWER, outcome=VisitOutcome.UNRESOLVED)
    assert [m.kind for m in visit] == [K.REOPENED, K.ASSIGNED]


@pytest.mark.parametrize(
    ("level", "kind"), [(SlaLevel.DUE_SOON, K.DUE_SOON), (SlaLevel.OVERDUE, K.OVERDUE)]
)
def test_the_sweeps_urge_reminds_the_unit_once_per_deadline(level: SlaLevel, kind: K) -> None:
    walk = Walk()
    walk.step("transfer", DISPATCHER, unit=LEAD, deadline=DUE)
    (first,) = walk.step("urge", PLATFORM, level=level, note="催办")
    (again,) = walk.step("urge", PLATFORM, level=level, note="催办")
    assert shape([first]) == [(kind, LEAD, walk.issue.id)]
    assert first.id == again.id  # the same deadline: one message, kept once
    walk.step("extend", SUPERVISOR, deadline=DUE.add(days=10), note="延期")
    (later,) = walk.step("urge", PLATFORM, level=level, note="催办")
    assert later.id != first.id
    assert "2026年3月22日18:00" in later.text


def test_an_urge_by_hand_is_judged_against_the_deadline() -> None:
    walk = Walk()
    walk.step("transfer", DISPATCHER, unit=LEAD, deadline=T0.add(hours=3))
    assert [m.kind for m in walk.step("urge", SUPERVISOR, note="请抓紧")] == [K.DUE_SOON]
    walk.clock.advance(hours=5)
    assert [m.kind for m in walk.step("urge", SUPERVISOR, note="已超期")] == [K.OVERDUE]


def test_an_escalation_tells_the_responsible_and_the_supervising_unit() -> None:
    walk = Walk()
    walk.step("transfer", DISPATCHER, unit=LEAD, deadline=DUE)
    owed = walk.step("escalate", SUPERVISOR, supervising_unit=SUPERVISING, note="超期提级")
    assert shape(owed) == [
        (K.ESCALATED, LEAD, walk.issue.id),
        (K.ESCALATED, SUPERVISING, walk.issue.id),
    ]
    assert all(SUPERVISING in m.text for m in owed)


def test_an_issue_with_no_requester_owes_the_requester_nothing() -> None:
    walk = Walk(requester=None)
    assert walk.owed[0] == []
    assert [m.kind for m in walk.to_answer()] == []
    assert [m.kind for m in walk.owed[1]] == [K.ASSIGNED]


def test_no_message_carries_the_requesters_name_or_mobile() -> None:
    walk = Walk()
    walk.to_answer()
    walk.rate(Rating.DISSATISFIED)
    messages = [m for owed in walk.owed for m in owed]
    assert {m.kind for m in messages} >= {K.RECEIVED, K.ASSIGNED, K.ANSWERED, K.REOPENED}
    for message in messages:
        assert "张桂兰" not in message.text
        assert "13904712345" not in message.text
        assert "李师傅" not in message.text  # the answer's words stay in the system
        if message.kind.to_requester:
            assert LEAD not in message.text


def test_a_confidential_issue_shows_no_title_in_any_message() -> None:
    walk = Walk(title="举报某单位违规收费", confidential=True)
    walk.step("transfer", DISPATCHER, unit=LEAD, deadline=DUE)
    walk.step("urge", PLATFORM, level=SlaLevel.OVERDUE, note="催办")
    walk.step("sign_for", HANDLER)
    walk.step("resolve", HANDLER)
    at = walk.clock.now()
    walk.step(
        "answer", HANDLER, feedback=Feedback(at=at, content="已查处", method=FeedbackMethod.PHONE)
    )
    messages = [m for owed in walk.owed for m in owed]
    assert len(messages) >= 4
    assert all("违规收费" not in m.text for m in messages)
    assert any("保密件" in m.text for m in messages if m.kind is K.ASSIGNED)


def test_the_answer_reaches_each_duplicates_requester_under_their_own_number() -> None:
    walk = Walk()
    walk.to_answer()
    copy = attrs.evolve(walk.issue, id="2026-0302-009", requester=Person(id="p-li", name="李四"))
    silent = attrs.evolve(walk.issue, id="2026-0302-010", requester=None)
    owed = walk.messages(walk.issue.history[-1], duplicates=[copy, silent, walk.issue])
    assert shape(owed) == [
        (K.ANSWERED, "requester", walk.issue.id),
        (K.INVITED_TO_RATE, "requester", walk.issue.id),
        (K.ANSWERED, "requester", copy.id),
    ]
    assert copy.id in owed[-1].text
    assert owed[-1].id == f"{walk.issue.id}#{len(walk.issue.history)}/answered/requester:{copy.id}"


def test_the_callers_templates_give_the_words() -> None:
    walk = Walk()
    templates = MessageTemplates({"received": "【县12345】已受理，编号{number}"})
    (received,) = messages_for(walk.issue.history[0], walk.issue, version=1, templates=templates)
    assert received.text == f"【县12345】已受理，编号{walk.issue.id}"
    assert received.id == walk.owed[0][0].id  # the words change, the id does not


def test_the_same_step_owes_the_same_messages() -> None:
    walk = Walk()
    walk.to_answer()
    event = walk.issue.history[-1]
    assert walk.messages(event) == walk.messages(event) == walk.owed[-1]


def test_a_long_id_is_kept_as_a_digest() -> None:
    walk = Walk(id="x" * 250)
    (received,) = walk.owed[0]
    assert received.id.startswith("sha256:")
    assert len(received.id) == 71
    assert received.created_at == pendulum.instance(T0)
