"""What the conformance tests share: the cast, issues and the steps that take them
round the loop, simulated campaigns written to the store under test, the Python
reference the store's figures are compared with, and snapshots of a store.

Nothing here is a test; the ``conformance_*`` modules beside it hold the tests.
"""

import datetime as dt
from collections.abc import Callable, Iterable
from typing import TYPE_CHECKING, Any

import pendulum
from hypothesis import HealthCheck, settings
from pendulum import DateTime

from banshishi import (
    Actor,
    BanshishiError,
    Channel,
    Command,
    Evaluation,
    Feedback,
    FeedbackMethod,
    FixedClock,
    Issue,
    IssueSummary,
    LedgerStore,
    Person,
    RaterKind,
    Rating,
    Role,
    Urgency,
    WorkflowPolicy,
    replay,
)

from .backend import StoreBackend

if TYPE_CHECKING:
    from banshishi.simulation import Campaign

START = pendulum.datetime(2026, 1, 5, 8, tz="Asia/Shanghai")
HOUR = dt.timedelta(hours=1)
STEPS = 6
"""Events an issue taken round the loop has: receive, transfer, sign_for, resolve,
answer, rate."""
URGE_AT = START.add(days=40)
"""A moment when every issue transferred at the start is overdue."""

CLERK = Actor(id="clerk-1", role=Role.INTAKE_CLERK, unit="centre")
DISPATCHER = Actor(id="dispatch-1", role=Role.DISPATCHER, unit="centre")
SUPERVISOR = Actor(id="sup-1", role=Role.SUPERVISOR, unit="centre")
UNITS = tuple(f"unit-{n}" for n in range(4))
HANDLERS = {unit: Actor(id=f"h-{unit}", role=Role.HANDLER, unit=unit) for unit in UNITS}

SOME = settings(
    max_examples=8,
    deadline=None,
    suppress_health_check=[
        HealthCheck.too_slow,
        HealthCheck.data_too_large,
        HealthCheck.function_scoped_fixture,
    ],
)
"""For the tests that write or count a whole ledger per example: a few go a long way."""


def make_issue(n: int, *, at: DateTime = START) -> Issue:
    """Issue number ``n``, received ``7 n`` seconds after ``at``."""
    return Issue(
        id=f"2026-{n:08d}",
        title="路灯不亮",
        channel=Channel.HOTLINE,
        urgency=Urgency.URGENT,
        received_at=at + dt.timedelta(seconds=7 * n),
        received_by="centre",
        requester=Person(id=f"p{n}", name="张三", mobile=f"138{n:08d}"),
    )


def transfer(issue: Issue, n: int) -> Command:
    """Issue ``issue`` (number ``n``) transferred an hour after receipt, due in 15 days."""
    return Command(
        issue_id=issue.id,
        event="transfer",
        actor=DISPATCHER,
        at=issue.received_at + HOUR,
        args={"unit": UNITS[n % len(UNITS)], "deadline": issue.received_at + dt.timedelta(days=15)},
    )


def loop_commands(issue: Issue, n: int) -> list[Command]:
    """The five steps after receipt that close issue number ``n`` (transfer … rate)."""
    handler = HANDLERS[UNITS[n % len(UNITS)]]
    moments = [issue.received_at + HOUR * k for k in range(1, 7)]
    feedback = Feedback(at=moments[3], content="已处理并电话告知", method=FeedbackMethod.PHONE)
    rating = Evaluation(
        issue_id=issue.id,
        rating=Rating.SATISFIED if n % 3 else Rating.DISSATISFIED,
        resolved=True,
        at=moments[4],
        rater_kind=RaterKind.REQUESTER,
        rater=f"p{n}",
    )
    requester = Actor(id=f"p{n}", role=Role.REQUESTER)
    return [
        transfer(issue, n),
        Command(issue_id=issue.id, event="sign_for", actor=handler, at=moments[1]),
        Command(issue_id=issue.id, event="resolve", actor=handler, at=moments[2]),
        Command(
            issue_id=issue.id,
            event="answer",
            actor=handler,
            at=moments[3],
            args={"feedback": feedback},
        ),
        Command(
            issue_id=issue.id,
            event="rate",
            actor=requester,
            at=moments[4],
            args={"evaluation": rating},
        ),
    ]


def open_ledger(
    backend: StoreBackend,
    *,
    policy: WorkflowPolicy | None = None,
    clock: Any = None,
    chain_key: bytes | None = None,
) -> LedgerStore:
    """A :class:`LedgerStore` over the backend's store (a new connection to it)."""
    clock = clock if clock is not None else FixedClock(URGE_AT)
    store = backend.open(chain_key=chain_key, clock=clock)
    return LedgerStore(store, policy=policy, clock=clock)


def looped(store: LedgerStore, numbers: Iterable[int]) -> list[Issue]:
    """Receive issues ``numbers`` in one batch and take them round the loop in another."""
    numbers = list(numbers)
    issues = [make_issue(n) for n in numbers]
    store.receive_many(issues, actor=CLERK)
    store.apply_many([c for n, i in zip(numbers, issues, strict=True) for c in loop_commands(i, n)])
    return issues


def transferred(store: LedgerStore, numbers: Iterable[int]) -> list[Issue]:
    """Receive issues ``numbers`` and transfer each, in two batches."""
    numbers = list(numbers)
    issues = [make_issue(n) for n in numbers]
    store.receive_many(issues, actor=CLERK)
    store.apply_many([transfer(i, n) for n, i in zip(numbers, issues, strict=True)])
    return issues


# -- campaigns, and the Python reference ------------------------------------------------


def campaign(seed: int, issues: int = 40) -> "Campaign":
    """A small simulated quarter (a new one each call: the sweep changes its ledger)."""
    from banshishi.simulation import simulate_campaign

    return simulate_campaign(issues=issues, seed=seed)


def campaign_store(backend: StoreBackend, made: "Campaign") -> LedgerStore:
    """The campaign written to the backend's store: its unit tree first, then both ledgers."""
    store = open_ledger(backend, policy=made.policy, clock=FixedClock(made.end))
    store.save_units(made.units, at=made.start)
    store.write_ledgers(made.ledger, made.pledges, batch_size=25)
    return store


def issues_as_of(made: "Campaign", moment: DateTime) -> list[Issue]:
    """Every issue of the campaign as its events up to ``moment`` make it, taken again
    step by step in memory (the Python path the store's figures are compared with)."""
    found = []
    for issue_id in made.ledger:
        events = [event for event in made.ledger.history(issue_id) if event.at <= moment]
        if events:
            found.append(replay(events, policy=made.policy))
    return found


def lines_as_of(made: "Campaign", moment: DateTime) -> list[IssueSummary]:
    """Every issue's summary line as it stood at ``moment``, from :func:`issues_as_of`."""
    return [
        IssueSummary.of(issue, version=len(issue.history)) for issue in issues_as_of(made, moment)
    ]


def by_id(lines: Iterable[Any]) -> dict[str, Any]:
    """Summary lines by id (a store promises no order), each id once."""
    lines = list(lines)
    table = {line.id: line for line in lines}
    assert len(table) == len(lines), "a record has two summary lines"
    return table


def snapshot(store: LedgerStore) -> tuple[Any, ...]:
    """Everything a store holds, read back: events, histories, versions, summary lines."""
    issues = by_id(store.summaries())
    pledges = by_id(store.pledge_summaries())
    return (
        store.verify(),
        [(e.seq, e.record_id, e.version, e.hash) for e in store.store.events()],
        {issue_id: (store.history(issue_id), store.version(issue_id)) for issue_id in issues},
        {pid: (store.pledge_history(pid), store.pledge_version(pid)) for pid in pledges},
        issues,
        pledges,
        store.units_version(),
        store.policy_version(),
    )


Outcome = tuple[Any, ...]


def outcome(step: Callable[[], object]) -> Outcome:
    """What a step did: accepted (with what it returned), or refused with which error where."""
    try:
        result = step()
    except BanshishiError as error:
        return ("refused", type(error), error.field)
    return ("accepted", result)


class Racing:
    """A backend that lets ``race`` write just before the first append it is asked
    for, as another writer could between a step's checks and its write."""

    def __init__(self, store: Any, race: Any) -> None:
        self._store, self._race = store, race

    def __getattr__(self, name: str) -> Any:
        return getattr(self._store, name)

    def append(self, *args: Any, **kwargs: Any) -> int:
        race, self._race = self._race, None
        if race is not None:
            race()
        return int(self._store.append(*args, **kwargs))
