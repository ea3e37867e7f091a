"""Helpers shared by the LedgerStore tests: outcomes of steps, summary lines read
off records, random ledgers and snapshots of a store.
"""

import contextlib
from collections.abc import Callable, Iterable
from pathlib import Path
from typing import Any

import attrs
from hypothesis import HealthCheck, settings
from pendulum import DateTime

from banshishi import (
    BanshishiError,
    Evaluation,
    Feedback,
    FixedClock,
    Issue,
    IssueStatus,
    IssueSummary,
    Ledger,
    LedgerStore,
    Pledge,
    PledgeStatus,
    PledgeSummary,
    Rate,
    SweepReport,
    WorkflowPolicy,
    completion_rate,
    first_satisfaction_rate,
    on_time_completion_rate,
    redo_rate,
    repeat_rate,
    resolution_rate,
    response_rate,
    return_rate,
    routing_accuracy,
    satisfaction_rate,
    visit_resolution_rate,
    visit_response_rate,
    visit_satisfaction_rate,
)
from issue_walks import (
    CLERK,
    GAPS,
    HANDLERS,
    T0,
    Call,
    Draw,
    draw_intake,
    new_issue,
    plan_step,
)

S = IssueStatus
P = PledgeStatus
CENTRE = HANDLERS["centre"]
U1 = HANDLERS["u1"]
FEW = settings(
    max_examples=20,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)
"""Each example writes a database file, so a few examples go a long way."""


Outcome = tuple[Any, ...]


def outcome(step: Callable[[], object]) -> Outcome:
    """What a step did: accepted (with what it returned), or refused with which error where."""
    try:
        result = step()
    except BanshishiError as error:
        return ("refused", type(error), error.field)
    return ("accepted", result)


def summary_of(issue: Issue) -> IssueSummary:
    return IssueSummary.of(issue, version=len(issue.history))


def pledge_summary_of(pledge: Pledge) -> PledgeSummary:
    return PledgeSummary.of(pledge, version=len(pledge.history))


def by_id(lines: Iterable[Any]) -> dict[str, Any]:
    """Summary lines by id (the store promises no order)."""
    lines = list(lines)
    table = {line.id: line for line in lines}
    assert len(table) == len(lines), "a record has two summary lines"
    return table


def rates_of(
    issues: list[Issue], *, as_of: DateTime | None = None, basically_satisfied: bool = True
) -> dict[str, Rate]:
    """Every rate IssueFigures holds, counted from full issues by the rate functions."""
    return {
        "response": response_rate(issues, as_of=as_of).rate,
        "completion": completion_rate(issues, as_of=as_of).rate,
        "on_time": on_time_completion_rate(issues, as_of=as_of).rate,
        "satisfaction": satisfaction_rate(
            issues, as_of=as_of, basically_satisfied=basically_satisfied
        ).rate,
        "resolution": resolution_rate(issues, as_of=as_of).rate,
        "returns": return_rate(issues, as_of=as_of).rate,
        "redos": redo_rate(issues, as_of=as_of).rate,
        "first_satisfaction": first_satisfaction_rate(
            issues, as_of=as_of, basically_satisfied=basically_satisfied
        ).rate,
        "visit_response": visit_response_rate(issues, as_of=as_of).rate,
        "visit_resolution": visit_resolution_rate(issues, as_of=as_of).rate,
        "visit_satisfaction": visit_satisfaction_rate(issues, as_of=as_of).rate,
        "repeats": repeat_rate(issues, as_of=as_of).rate,
        "routing": routing_accuracy(issues, as_of=as_of).overall,
    }


def apply_call(book: Ledger | LedgerStore, issue_id: str, call: Call, **extra: Any) -> Any:
    """Take ``call`` on ``book`` (always dated: the store and the ledger keep their own clocks)."""
    return book.apply(
        issue_id, call.event, actor=call.actor, at=call.at, note=call.note, **call.args, **extra
    )


def dated_at_the_step(call: Call) -> Call:
    """``call`` with any feedback or evaluation it carries dated at the step itself, so that
    what an issue says "as of" a moment is what its events up to that moment say."""
    args = dict(call.args)
    for name in ("feedback", "evaluation"):
        value = args.get(name)
        if isinstance(value, Feedback | Evaluation) and value.at != call.at:
            args[name] = attrs.evolve(value, at=call.at)
    return attrs.evolve(call, args=args)


def random_ledger(
    draw: Draw,
    policy: WorkflowPolicy,
    *,
    issues: int,
    steps: int,
    backdated: bool = True,
) -> tuple[Ledger, DateTime]:
    """A ledger of ``issues`` issues moved by random steps (refused ones skipped), the
    receipts spread among the steps, each issue on its own time line (so that deadlines
    are met as often as on one issue alone); and the moment of the last step tried."""
    ledger = Ledger(policy=policy, clock=FixedClock(T0))
    moments: dict[str, DateTime] = {}
    received = T0
    for number in range(issues):
        received = received.add(minutes=draw.integer(1, 600))
        issue_id = f"i-{number}"
        ledger.receive(draw_intake(draw).issue(issue_id, received), actor=CLERK)
        moments[issue_id] = received
        for _ in range(steps // issues):
            issue_id = draw.choice(list(moments))
            issue = ledger.issue(issue_id)
            if issue.status is S.DISMISSED:
                continue
            moments[issue_id] = moments[issue_id].add(**draw.choice(GAPS))
            call = plan_step(draw, issue, moments[issue_id])
            if not backdated:
                call = dated_at_the_step(call)
            with contextlib.suppress(BanshishiError):
                apply_call(ledger, issue_id, call)
    return ledger, max(moments.values())


def snapshot(store: LedgerStore) -> tuple[Any, ...]:
    """Everything a store holds, read back: events, histories, versions, summary lines."""
    issues = by_id(store.summaries())
    pledges = by_id(store.pledge_summaries())
    return (
        store.verify(),
        {issue_id: (store.history(issue_id), store.version(issue_id)) for issue_id in issues},
        {pid: (store.pledge_history(pid), store.pledge_version(pid)) for pid in pledges},
        issues,
        pledges,
    )


def open_new(path: Path, **options: Any) -> LedgerStore:
    return LedgerStore.open(path, create=True, **options)


def receive_issues(store: LedgerStore, *ids: str) -> None:
    """Receive issues on ``store``, one minute apart from T0."""
    for offset, issue_id in enumerate(ids):
        store.receive(new_issue(issue_id, received_at=T0.add(minutes=offset)), actor=CLERK)


def transfer_args(unit: str = "u1", days: int = 5) -> dict[str, Any]:
    return {"unit": unit, "deadline": T0.add(days=days)}


def ids_of(lines: Iterable[IssueSummary]) -> set[str]:
    return {line.id for line in lines}


def reseal_lines(db: Any) -> None:
    """Do to the summary lines what someone rewriting an unkeyed chain would: keep
    each issue's lines up to its last event (the last one open, and copied to
    ``issues``), and compute every line's digest again from the events' hashes
    with the unkeyed function, which anyone can."""
    from banshishi._store.line_seal import line_digest
    from banshishi._store.sqlite_file import ISSUE_ROW, PLEDGE_ROW

    width = len(ISSUE_ROW)
    db.execute(
        "DELETE FROM issue_lines WHERE NOT EXISTS (SELECT 1 FROM events e WHERE "
        "e.subject = 'issue' AND e.record_id = issue_lines.id AND e.version = issue_lines.version)"
    )
    db.execute(
        "UPDATE issue_lines SET until_us = NULL WHERE version = "
        "(SELECT max(version) FROM issue_lines l WHERE l.id = issue_lines.id)"
    )
    db.execute("DELETE FROM issues")
    hashes = {
        (subject, record, version): hash_
        for subject, record, version, hash_ in db.execute(
            "SELECT subject, record_id, version, hash FROM events"
        )
    }
    columns = ", ".join(ISSUE_ROW)
    for row in db.execute(f"SELECT {columns}, from_us, until_us FROM issue_lines").fetchall():
        values, start, until = row[:width], row[width], row[width + 1]
        digest = line_digest(hashes[("issue", row[0], row[1])], (*values, start), None)
        db.execute(
            "UPDATE issue_lines SET digest = ? WHERE id = ? AND version = ?",
            (digest, row[0], row[1]),
        )
        if until is None:
            marks = ", ".join("?" * (width + 1))
            db.execute(
                f"INSERT INTO issues ({columns}, digest) VALUES ({marks})", (*values, digest)
            )
    pledge_columns = ", ".join(PLEDGE_ROW)
    for row in db.execute(f"SELECT {pledge_columns} FROM pledges").fetchall():
        event = hashes.get(("pledge", row[0], row[1]))
        if event is not None:
            digest = line_digest(event, row, None)
            db.execute("UPDATE pledges SET digest = ? WHERE id = ?", (digest, row[0]))


def sweep_outcome(report: SweepReport) -> tuple[Any, ...]:
    """What a sweep found and did, order aside (a store lists items by id, a ledger
    in its own order), each refusal as its kind of error and the field it names."""
    refused = {issue_id: (type(e), e.field) for issue_id, e in report.refused.items()}
    lists = (report.on_track, report.due_soon, report.overdue, report.urged, report.escalated)
    return (report.at, *(sorted(ids) for ids in lists), refused)
