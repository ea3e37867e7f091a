"""The cast, the issues and the steps that take them round the loop, for the store
reliability tests: many issues, each with the same few steps, written fast.
"""

import contextlib
import datetime as dt
import sqlite3
from collections.abc import Iterator
from pathlib import Path

import pendulum

from banshishi import (
    Actor,
    Channel,
    Command,
    Evaluation,
    Feedback,
    FeedbackMethod,
    Issue,
    LedgerStore,
    Person,
    RaterKind,
    Rating,
    Role,
    Subject,
    Urgency,
)

START = pendulum.datetime(2026, 1, 5, 8, tz="Asia/Shanghai")
HOUR = dt.timedelta(hours=1)
STEPS = 6  # receive, transfer, sign_for, resolve, answer, rate
URGE_AT = START.add(days=40)

CLERK = Actor(id="clerk-1", role=Role.INTAKE_CLERK, unit="centre")
DISPATCHER = Actor(id="dispatch-1", role=Role.DISPATCHER, unit="centre")
SUPERVISOR = Actor(id="sup-1", role=Role.SUPERVISOR, unit="centre")
UNITS = [f"unit-{n}" for n in range(8)]
HANDLERS = {unit: Actor(id=f"h-{unit}", role=Role.HANDLER, unit=unit) for unit in UNITS}


def make_issue(n: int) -> Issue:
    return Issue(
        id=f"2026-{n:08d}",
        title="路灯不亮",
        channel=Channel.HOTLINE,
        urgency=Urgency.URGENT,
        received_at=START + dt.timedelta(seconds=7 * n),
        received_by="centre",
        requester=Person(id=f"p{n}", name="张三", mobile=f"138{n:08d}"),
    )


def transfer(issue: Issue, n: int) -> Command:
    return Command(
        issue_id=issue.id,
        event="transfer",
        actor=DISPATCHER,
        at=issue.received_at + HOUR,
        args={"unit": UNITS[n % len(UNITS)], "deadline": issue.received_at + dt.timedelta(days=15)},
    )


def loop_commands(issue: Issue, n: int) -> list[Command]:
    """The five steps after receipt that close the issue (transfer … rate)."""
    unit = UNITS[n % len(UNITS)]
    handler = HANDLERS[unit]
    moments = [issue.received_at + HOUR * k for k in range(1, 7)]
    feedback = Feedback(at=moments[3], content="已处理并电话告知", method=FeedbackMethod.PHONE)
    rating = Evaluation(
        issue_id=issue.id,
        rating=Rating.SATISFIED,
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


def new_ledger(path: Path, numbers: range, *, close: bool = True) -> LedgerStore:
    """A ledger at ``path`` whose issues ``numbers`` have gone round the whole loop."""
    store = LedgerStore.open(path, create=True)
    issues = [make_issue(n) for n in numbers]
    store.receive_many(issues, actor=CLERK)
    store.apply_many([c for n, i in zip(numbers, issues, strict=True) for c in loop_commands(i, n)])
    if close:
        store.close()
    return store


@contextlib.contextmanager
def raw(path: Path) -> Iterator[sqlite3.Connection]:
    """The file opened with the sqlite3 module, committed on leaving."""
    db = sqlite3.connect(path)
    try:
        yield db
        db.commit()
    finally:
        db.close()


def count(path: Path, table: str) -> int:
    with raw(path) as db:
        return int(db.execute(f"SELECT count(*) FROM {table}").fetchone()[0])


def integrity(path: Path) -> str:
    with raw(path) as db:
        return str(db.execute("PRAGMA integrity_check").fetchone()[0])


def versions_by_issue(store: LedgerStore) -> dict[str, list[int]]:
    versions: dict[str, list[int]] = {}
    for stored in store.store.events(Subject.ISSUE):
        versions.setdefault(stored.record_id, []).append(stored.version)
    return versions
