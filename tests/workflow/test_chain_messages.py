"""The messages of multi-level dispatch (二级/三级承办) and of an extension (延期):
a dispatch tells the unit below its own deadline, an answer reported up or a
hand-back tells the unit above, an extension tells the requester the new
deadline, and a dispatch's reminder (for the sweep) names the dispatch's deadline."""

import pytest

from banshishi import (
    Channel,
    Dispatch,
    InvalidValueError,
    Issue,
    Ledger,
    Message,
    MessageKind,
    MessageTemplates,
    SlaLevel,
    Urgency,
    messages_for,
    replay,
)
from banshishi._notify.owed import CONFIDENTIAL_TEXT, dispatch_reminder
from both_engines import ISSUE_ID, Both, extendable, step
from cast import CENTRE, CLERK, DISPATCHER, LEAD, SUPERVISOR, handler
from test_dispatch_steps import COMMUNITY, DEADLINE, IN_TREE, STREET, two_levels
from working_time import sh

K = MessageKind
ISSUES_DEADLINE = "2026年9月30日18:00"  # DEADLINE, as a message says it
STREETS_DEADLINE = "2026年9月28日18:00"  # the street office's dispatch
COMMUNITYS_DEADLINE = "2026年9月25日18:00"  # the community's dispatch


def owed_by(case: Both, name: str, templates: MessageTemplates | None = None) -> list[Message]:
    """The messages every ``name`` step of the case owes, each from the issue after it."""
    history = case.ledger.history(ISSUE_ID)
    owed: list[Message] = []
    for version, event in enumerate(history, start=1):
        if event.name == name:
            after = replay(history[:version], policy=IN_TREE)
            words = templates or MessageTemplates()
            owed += messages_for(event, after, version=version, templates=words)
    return owed


def test_a_dispatch_tells_the_unit_below_its_own_deadline_not_the_issues() -> None:
    case = two_levels()
    to_street, to_community = owed_by(case, "dispatch")
    assert (to_street.kind, to_street.recipient) == (K.ASSIGNED, STREET)
    assert STREETS_DEADLINE in to_street.text
    assert (to_community.kind, to_community.recipient) == (K.ASSIGNED, COMMUNITY)
    assert COMMUNITYS_DEADLINE in to_community.text
    assert ISSUES_DEADLINE not in to_street.text + to_community.text
    assert to_street.id == f"{ISSUE_ID}#4/assigned/{STREET}"


def test_a_chain_steps_messages_come_the_same_from_any_later_issue() -> None:
    case = two_levels()
    step(case, "report_up", handler(COMMUNITY), sh(2026, 9, 22, 9), answer="已修复路灯")
    step(case, "hand_back", handler(STREET), sh(2026, 9, 22, 10), note="需区级协调")
    history, last = case.ledger.history(ISSUE_ID), case.ledger.issue(ISSUE_ID)
    for version, event in enumerate(history, start=1):
        after = replay(history[:version], policy=IN_TREE)
        assert messages_for(event, last, version=version) == messages_for(
            event, after, version=version
        )


def test_an_answer_reported_up_tells_the_unit_above_with_its_own_deadline() -> None:
    case = two_levels()
    step(case, "report_up", handler(COMMUNITY), sh(2026, 9, 22, 9), answer="已修复路灯")
    step(case, "report_up", handler(STREET), sh(2026, 9, 22, 10), answer="经核实已修复")
    to_street, to_lead = owed_by(case, "report_up")
    assert (to_street.kind, to_street.recipient) == (K.REPORTED_UP, STREET)
    assert COMMUNITY in to_street.text
    assert STREETS_DEADLINE in to_street.text
    assert "已修复路灯" not in to_street.text  # the answer is read in the system
    assert (to_lead.kind, to_lead.recipient) == (K.REPORTED_UP, LEAD)
    assert STREET in to_lead.text
    assert ISSUES_DEADLINE in to_lead.text
    assert to_lead.created_at == sh(2026, 9, 22, 10)
    assert to_lead.id == f"{ISSUE_ID}#7/reported_up/{LEAD}"


def test_a_hand_back_tells_the_unit_above_why_with_personal_data_masked() -> None:
    case = two_levels()
    why = "张桂兰家门口的灯归供电所，电话13904712345，不属本社区"
    step(case, "hand_back", handler(COMMUNITY), sh(2026, 9, 22, 9), note=why)
    (back,) = owed_by(case, "hand_back")
    assert (back.kind, back.recipient, back.record_id) == (K.HANDED_BACK, STREET, ISSUE_ID)
    assert "139****2345" in back.text
    assert "13904712345" not in back.text
    assert "张桂兰" not in back.text
    assert "不属本社区" in back.text
    assert COMMUNITY in back.text
    assert STREETS_DEADLINE in back.text


def test_a_confidential_issues_hand_back_shows_neither_title_nor_reason() -> None:
    case = two_levels()
    step(case, "mark_confidential", DISPATCHER, sh(2026, 9, 21, 15), note="涉及举报人信息")
    step(case, "hand_back", handler(COMMUNITY), sh(2026, 9, 22, 9), note="举报人住三单元")
    (back,) = owed_by(case, "hand_back")
    assert "路灯不亮" not in back.text
    assert "三单元" not in back.text
    assert "保密件" in back.text
    assert CONFIDENTIAL_TEXT in back.text


def test_an_extension_tells_the_requester_the_new_deadline() -> None:
    case = extendable()
    step(case, "extend", SUPERVISOR, sh(2026, 9, 23, 11), note="需协调", deadline=sh(2026, 9, 30))
    (told,) = owed_by(case, "extend")
    assert (told.kind, told.recipient, told.record_id) == (K.EXTENDED, "requester", ISSUE_ID)
    assert "2026年9月30日00:00" in told.text
    assert told.id == f"{ISSUE_ID}#4/extended/requester:{ISSUE_ID}"
    assert K.EXTENDED.to_requester


def test_a_confidential_extension_never_shows_the_title() -> None:
    case = extendable()
    step(case, "mark_confidential", DISPATCHER, sh(2026, 9, 23, 10, 30), note="涉及举报人信息")
    step(case, "extend", SUPERVISOR, sh(2026, 9, 23, 11), note="需协调", deadline=sh(2026, 9, 30))
    (told,) = owed_by(
        case, "extend", MessageTemplates({"extended": "{number}“{title}”延至{deadline}"})
    )
    assert told.text == f"{ISSUE_ID}“保密件”延至2026年9月30日00:00"


def test_an_extension_with_no_requester_on_record_owes_nothing() -> None:
    ledger = Ledger()
    at = sh(2026, 9, 23, 9)
    ledger.receive(
        Issue(
            id="anon-1",
            title="路灯不亮",
            channel=Channel.HOTLINE,
            urgency=Urgency.URGENT,
            received_at=at,
            received_by=CENTRE,
        ),
        actor=CLERK,
    )
    ledger.apply("anon-1", "transfer", actor=DISPATCHER, at=at.add(minutes=30), unit=LEAD)
    ledger.apply(
        "anon-1",
        "extend",
        actor=SUPERVISOR,
        at=at.add(hours=1),
        note="需协调",
        extension="2 working days",
    )
    history = ledger.history("anon-1")
    assert history[-1].name == "extend"
    assert messages_for(history[-1], ledger.issue("anon-1"), version=len(history)) == []


# -- a dispatch's reminder (for the sweep) ---------------------------------------------------


def test_a_dispatchs_reminder_names_the_unit_below_and_its_deadline() -> None:
    case = two_levels()
    issue = case.ledger.issue(ISSUE_ID)
    street, community = issue.dispatches
    at = sh(2026, 9, 25, 9)
    soon = dispatch_reminder(issue, community, level=SlaLevel.DUE_SOON, at=at)
    assert (soon.kind, soon.recipient, soon.record_id) == (K.DISPATCH_DUE_SOON, COMMUNITY, ISSUE_ID)
    assert COMMUNITYS_DEADLINE in soon.text
    assert soon.created_at == at
    late = dispatch_reminder(issue, street, level=SlaLevel.OVERDUE, at=at.add(days=4))
    assert (late.kind, late.recipient) == (K.DISPATCH_OVERDUE, STREET)
    assert STREETS_DEADLINE in late.text
    assert "超期" in late.text
    later = dispatch_reminder(issue, community, level=SlaLevel.DUE_SOON, at=at.add(hours=1))
    assert later.id == soon.id  # the same dispatch and level: one message, kept once
    overdue = dispatch_reminder(issue, community, level=SlaLevel.OVERDUE, at=at)
    assert len({soon.id, late.id, overdue.id}) == 3


def test_a_dispatch_made_again_is_reminded_again() -> None:
    case = two_levels()
    step(case, "hand_back", handler(COMMUNITY), sh(2026, 9, 22, 9), note="需补充材料")
    step(
        case,
        "dispatch",
        handler(STREET),
        sh(2026, 9, 22, 10),
        unit=COMMUNITY,
        due=sh(2026, 9, 25, 18),
    )
    issue = case.ledger.issue(ISSUE_ID)
    first, again = issue.dispatches[1], issue.dispatches[2]
    assert first.deadline == again.deadline
    at = sh(2026, 9, 25, 9)
    reminded = [dispatch_reminder(issue, d, level=SlaLevel.DUE_SOON, at=at) for d in (first, again)]
    assert reminded[0].id != reminded[1].id


def test_a_dispatchs_reminder_follows_the_callers_templates() -> None:
    issue = two_levels().ledger.issue(ISSUE_ID)
    templates = MessageTemplates({K.DISPATCH_OVERDUE: "{unit}：{number}已于{deadline}超期"})
    message = dispatch_reminder(
        issue, issue.dispatches[0], level=SlaLevel.OVERDUE, at=sh(2026, 9, 29), templates=templates
    )
    assert message.text == f"{STREET}：{ISSUE_ID}已于{STREETS_DEADLINE}超期"


def test_a_dispatchs_reminder_is_refused_on_track_or_for_another_issues_dispatch() -> None:
    issue = two_levels().ledger.issue(ISSUE_ID)
    at = sh(2026, 9, 22)
    with pytest.raises(InvalidValueError) as on_track:
        dispatch_reminder(issue, issue.dispatches[0], level=SlaLevel.ON_TRACK, at=at)
    assert (on_track.value.field, on_track.value.value) == ("level", SlaLevel.ON_TRACK)
    stranger = Dispatch(level=2, unit=STREET, from_unit=LEAD, dispatched_at=at, deadline=DEADLINE)
    with pytest.raises(InvalidValueError, match="not one of the dispatches") as foreign:
        dispatch_reminder(issue, stranger, level=SlaLevel.OVERDUE, at=at)
    assert foreign.value.field == "dispatch"
