"""The summary lines a LedgerStore keeps beside its events.

They must be what IssueSummary.of and PledgeSummary.of read off the full records,
so the figures counted from them are the rates counted from the issues.
"""

import functools
import operator
from collections.abc import Iterable
from pathlib import Path
from typing import Any

import attrs
import pytest
from hypothesis import given
from hypothesis import strategies as st
from pendulum import DateTime

import pledge_steps as pw
from banshishi import (
    Issue,
    IssueFigures,
    IssueStatus,
    IssueSummary,
    PledgeFigures,
    PledgeLedger,
    PledgeStatus,
    Rate,
    WorkflowPolicy,
    issue_figures,
    issue_figures_by,
    pledge_completion_rate,
    pledge_figures,
)
from issue_walks import (
    POLICIES,
    T0,
    HypothesisDraw,
    RandomDraw,
    new_issue,
)
from store_helpers import (
    FEW,
    S,
    by_id,
    open_new,
    pledge_summary_of,
    random_ledger,
    rates_of,
    summary_of,
)

# -- 4. summary lines and the figures counted from them --------------------------------------


def mix_of(issues: Iterable[Issue], at: DateTime) -> set[str]:
    """What a set of issues has been through, as far as the rates tell them apart."""
    seen: set[str] = set()
    for issue in issues:
        status = issue.status
        checks = {
            "dismissed": status is S.DISMISSED,
            "closed": status is S.CLOSED,
            "returned": issue.returned_as_of(),
            "redone": issue.redone_as_of(),
            "rated": issue.latest_evaluation_as_of() is not None,
            "voided": bool(issue.voided_ratings_as_of()),
            "closed on time": summary_of(issue).on_time is True,
            "closed late": summary_of(issue).on_time is False,
            "overdue": summary_of(issue).is_overdue(at),
        }
        seen.update(name for name, held in checks.items() if held)
    return seen


def test_summary_lines_and_figures_of_seeded_ledgers_are_those_of_the_issues(
    tmp_path: Path,
) -> None:
    """Ledgers moved by seeded random walks, written to stores: every line is what
    IssueSummary.of reads off the issue, and every figure is the rate the rate functions
    count over the full issues, for a mix with dismissals, returns, redos, voided ratings."""
    seen: set[str] = set()
    for seed in range(1, 1 + len(POLICIES)):  # each policy once
        policy = POLICIES[seed % len(POLICIES)]
        ledger, last = random_ledger(RandomDraw(seed), policy, issues=8, steps=320)
        issues = list(ledger.issues())
        later = last.add(days=400)
        seen |= mix_of(issues, later)
        with open_new(tmp_path / f"mix-{seed}.db", policy=policy) as store:
            assert store.write_ledgers(ledger) == sum(len(issue.history) for issue in issues)
            lines = store.summaries()
            assert by_id(lines) == {issue.id: summary_of(issue) for issue in issues}
            for issue in issues:
                line = by_id(lines)[issue.id]
                assert line.received_at == issue.received_at
                assert line.version == store.version(issue.id) == len(issue.history)
            for at in (T0, last, later):
                figures = store.figures(at=at)
                assert figures == issue_figures(lines, at=at)
                assert figures.rates() == rates_of(issues)
                assert (figures.received, figures.dismissed) == (
                    len(issues),
                    sum(issue.status is S.DISMISSED for issue in issues),
                )
                assert dict(figures.statuses) == dict(ledger.counts())
                assert figures.open == sum(
                    issue.status not in (S.CLOSED, S.DISMISSED) for issue in issues
                )
                # Overdue: not yet answered in this round (an answered item waits
                # for its rating, not for the unit), with the deadline passed.
                overdue = {
                    issue.id
                    for issue in issues
                    if issue.status not in (S.CLOSED, S.DISMISSED, S.ANSWERED)
                    and issue.deadline is not None
                    and issue.deadline < at
                }
                assert figures.overdue == len(overdue)
                assert {line.id for line in store.summaries(overdue_at=at)} == overdue
            strict = issue_figures(lines, at=last, basically_satisfied=False)
            assert strict.rates() == rates_of(issues, basically_satisfied=False)
    assert seen >= {
        "dismissed",
        "closed",
        "returned",
        "redone",
        "rated",
        "voided",
        "closed on time",
        "closed late",
        "overdue",
    }


@FEW
@given(data=st.data(), policy=st.sampled_from(POLICIES))
def test_summary_lines_and_figures_are_those_of_random_ledgers(
    tmp_path_factory: pytest.TempPathFactory, data: st.DataObject, policy: WorkflowPolicy
) -> None:
    draw = HypothesisDraw(data)
    ledger, last = random_ledger(draw, policy, issues=draw.integer(1, 4), steps=draw.integer(0, 40))
    issues = list(ledger.issues())
    with open_new(tmp_path_factory.mktemp("summaries") / "ledger.db", policy=policy) as store:
        written = store.write_ledgers(ledger, batch_size=draw.integer(1, 3))
        assert written == sum(len(issue.history) for issue in issues)
        lines = store.summaries()
        assert by_id(lines) == {issue.id: summary_of(issue) for issue in issues}
        figures = issue_figures(lines, at=last)
        assert figures.rates() == rates_of(issues)
        assert issue_figures(lines, at=last, basically_satisfied=False).rates() == rates_of(
            issues, basically_satisfied=False
        )
        # Figures add up: the lines split anywhere give the whole when added.
        cut = draw.integer(0, len(lines))
        assert issue_figures(lines[:cut], at=last) + issue_figures(lines[cut:], at=last) == figures
        groups = issue_figures_by(lines, lambda line: line.unit, at=last)
        assert list(groups) == list(dict.fromkeys(line.unit for line in lines))
        for unit, group in groups.items():
            assert group == issue_figures([line for line in lines if line.unit == unit], at=last)
            assert group.rates() == rates_of([i for i in issues if i.responsible_unit == unit])
        assert functools.reduce(operator.add, groups.values()) == figures
        # And the events replay to the issues.
        assert list(store.ledger().issues()) == sorted(issues, key=lambda issue: issue.id)


def test_figures_add_their_counts() -> None:
    def line(issue_id: str, status: IssueStatus, **flags: Any) -> IssueSummary:
        return attrs.evolve(summary_of(new_issue(issue_id)), status=status, **flags)

    left = issue_figures(
        [line("a", S.CLOSED, signed_for=True, on_time=True), line("b", S.DISMISSED)], at=T0
    )
    right = issue_figures([line("c", S.CLOSED, signed_for=True, on_time=False)], at=T0)
    total = left + right
    assert (total.received, total.dismissed) == (3, 1)
    assert dict(total.statuses) == {S.CLOSED: 2, S.DISMISSED: 1}
    assert total.completion == Rate(2, 2)
    assert total.on_time == Rate(1, 2)
    assert total.response == Rate(2, 2)
    assert total == issue_figures(
        [
            line("a", S.CLOSED, signed_for=True, on_time=True),
            line("b", S.DISMISSED),
            line("c", S.CLOSED, signed_for=True, on_time=False),
        ],
        at=T0,
    )
    assert left.__add__(3) is NotImplemented  # type: ignore[operator]
    with pytest.raises(TypeError):
        left + 3  # type: ignore[operator]
    assert isinstance(total, IssueFigures)


def pledge_mix() -> PledgeLedger:
    """Pledges in every standing: fulfilled, published, under way, lapsed, withdrawn
    before and after publication, and a draft."""
    ledger = PledgeLedger()
    member, leader = pw.MEMBER, pw.LEADER

    def at(hours: int) -> DateTime:
        return pw.T0.add(hours=hours)

    for pledge_id, kind in (
        ("fulfilled", "member"),
        ("published", "branch"),
        ("going", "leader"),
        ("lapsed", "member"),
        ("dropped", "leader"),
        ("recalled", "member"),
        ("draft", "branch"),
        ("key", "key"),
    ):
        ledger.claim(pw.new_pledge(kind, id=pledge_id), actor=pw.SUPERVISOR)
    for pledge_id, keeper in (
        ("fulfilled", member),
        ("published", member),
        ("going", leader),
        ("lapsed", member),
        ("recalled", member),
    ):
        ledger.apply(pledge_id, "publish", actor=keeper, at=at(1), deadline=pw.DUE)
    for pledge_id, keeper in (("fulfilled", member), ("going", leader), ("lapsed", member)):
        ledger.apply(pledge_id, "start", actor=keeper, at=at(2))
    ledger.apply("fulfilled", "fulfil", actor=pw.REVIEWER, at=at(3))
    ledger.apply("lapsed", "lapse", actor=pw.PLATFORM, at=pw.DUE.add(hours=1))
    ledger.apply("dropped", "withdraw", actor=leader, at=at(4), note="与村级计划重复")
    ledger.apply("recalled", "withdraw", actor=member, at=at(5), note="已由他人认领")
    for event, actor, hours, note, args in pw.SCRIPT:
        ledger.apply("key", event, actor=actor, at=at(hours), note=note, **args)
    return ledger


def test_pledge_lines_and_figures_are_those_of_the_pledges(tmp_path: Path) -> None:
    ledger = pledge_mix()
    pledges = list(ledger.pledges())
    assert set(ledger.counts()) == set(PledgeStatus)
    with open_new(tmp_path / "pledges.db") as store:
        assert store.write_ledgers(pledges=ledger) == sum(len(p.history) for p in pledges)
        lines = store.pledge_summaries()
        assert by_id(lines) == {pledge.id: pledge_summary_of(pledge) for pledge in pledges}
        figures = pledge_figures(lines)
        assert figures.completion == pledge_completion_rate(pledges).rate == Rate(2, 5)
        assert figures.pledges == len(pledges)
        assert dict(figures.statuses) == dict(ledger.counts())
        for cut in range(len(lines) + 1):
            added = pledge_figures(lines[:cut]) + pledge_figures(lines[cut:])
            assert added == figures
        assert isinstance(figures, PledgeFigures)
        assert list(store.pledge_ledger().pledges()) == sorted(pledges, key=lambda p: p.id)
        for pledge in pledges:
            assert store.pledge(pledge.id) == pledge
