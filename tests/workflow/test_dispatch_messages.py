"""A unit the work is handed down to (下派) is told, as a unit a matter is
transferred to is: the dispatch step owes it an assignment message."""

from banshishi import MessageKind, MessageTemplates, messages_for
from test_dispatch_steps import COMMUNITY, STREET, two_levels


def test_each_dispatch_owes_the_unit_below_an_assignment() -> None:
    case = two_levels()
    history = case.ledger.history(case.issue.id)
    owed = []
    for version, event in enumerate(history, start=1):
        if event.name == "dispatch":
            owed += messages_for(event, case.ledger.issue(case.issue.id), version=version,
                                 templates=MessageTemplates())  # fmt: skip
    assert [(m.kind, m.recipient) for m in owed] == [
        (MessageKind.ASSIGNED, STREET),
        (MessageKind.ASSIGNED, COMMUNITY),
    ]
    assert len({m.id for m in owed}) == 2  # one each, by version
