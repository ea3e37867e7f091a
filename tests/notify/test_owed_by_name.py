"""``owes_messages(event)``, the store's quick look at a step's name, keeps in
step with ``messages_for``: no step it passes over owes a message, over
generated histories (which hand work down the chain, answer up, hand back and
extend) and over one walk that takes each of those steps; and the messages of a
step are the same, ids and all, however often they are derived."""

from hypothesis import HealthCheck, given, settings

from banshishi import (
    Actor,
    Channel,
    Event,
    Issue,
    Ledger,
    Person,
    Role,
    Urgency,
    WorkflowPolicy,
    messages_for,
    replay,
)
from banshishi._notify.owed import owes_messages
from banshishi.testing.strategies import IssueHistory, issue_histories
from cast import T0, WORKS

POLICY = WorkflowPolicy(units=WORKS)


def agree(events: tuple[Event, ...], policy: WorkflowPolicy) -> list[str]:
    """Check each step of ``events`` against the quick look, and that its
    messages come out the same twice; the names of the steps that owed some."""
    owing = []
    for version in range(1, len(events) + 1):
        step, after = events[version - 1], replay(events[:version], policy=policy)
        owed = messages_for(step, after, version=version, policy=policy)
        if owed:
            assert owes_messages(step), (step.name, [m.kind for m in owed])
            owing.append(step.name)
        assert messages_for(step, after, version=version, policy=policy) == owed
        assert len({m.id for m in owed}) == len(owed)
    return owing


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(issue_histories(max_steps=16))
def test_no_step_the_quick_look_passes_over_owes_a_message(history: IssueHistory) -> None:
    ledger = Ledger(policy=history.policy)
    history.apply_to(ledger)
    agree(ledger.history(history.issue.id), history.policy)


def handler(unit: str) -> Actor:
    return Actor(id=f"{unit}.h", role=Role.HANDLER, unit=unit)


def test_a_walk_down_the_chain_and_an_extension_owe_and_are_looked_at() -> None:
    ledger = Ledger(policy=POLICY)
    ledger.receive(
        Issue(
            id="c-1",
            title="路灯不亮",
            channel=Channel.HOTLINE,
            urgency=Urgency.URGENT,
            received_at=T0,
            received_by="centre",
            requester=Person(id="p", name="张三"),
        ),
        actor=Actor(id="clerk", role=Role.INTAKE_CLERK, unit="centre"),
    )
    dispatcher = Actor(id="d", role=Role.DISPATCHER, unit="centre")
    steps = [
        ("transfer", dispatcher, {"unit": "works", "deadline": T0.add(days=10)}),
        ("sign_for", handler("works"), {}),
        ("extend", dispatcher, {"deadline": T0.add(days=12)}),
        ("dispatch", handler("works"), {"unit": "street", "due": T0.add(days=8)}),
        ("dispatch", handler("street"), {"unit": "village", "due": T0.add(days=6)}),
        ("hand_back", handler("village"), {}),
        ("report_up", handler("street"), {"answer": "已修复"}),
    ]
    for hours, (name, actor, args) in enumerate(steps, start=1):
        ledger.apply("c-1", name, actor=actor, at=T0.add(hours=hours), note="说明", **args)
    owing = agree(ledger.history("c-1"), POLICY)
    assert owing == [
        "receive",
        "transfer",
        "extend",
        "dispatch",
        "dispatch",
        "hand_back",
        "report_up",
    ]
