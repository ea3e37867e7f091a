"""Conformance: reads as of a past moment, every figure and report, and the sweep,
each compared with the Python path on the same simulated ledger.

A backend counts figures in its database over the summary lines that held at a
moment. The reference takes each issue of the campaign again, step by step in
memory, from its events up to that moment (``conformance_cases.issues_as_of``),
and counts them with :func:`report_rows` and :func:`periodic_report`. Moments are
drawn by hypothesis: event moments, just before them, and moments between.
"""

from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st
from pendulum import DateTime

from banshishi import (
    Dashboard,
    Issue,
    IssueStatus,
    IssueSummary,
    SweepReport,
    SweepRules,
    Track,
    dispatch_figures,
    periodic_report,
    report_rows,
    sweep,
)
from banshishi._model.home_unit import home_unit
from banshishi._reports.periodic_report import RATE_NAMES, reported_span

from .backend import StoreBackend
from .conformance_cases import (
    SOME,
    by_id,
    campaign,
    campaign_store,
    issues_as_of,
    lines_as_of,
    snapshot,
)

SEEDS = (3, 11)
GROUPINGS = (
    None,
    "unit",
    "track",
    "channel",
    "urgency",
    "request_type",
    "routing_rule",
    "routed_unit",
    "period",
)
PERIODS = ("week", "half_month", "month", "quarter")


def _moments(made: Any) -> st.SearchStrategy[DateTime]:
    """Moments of a campaign: its events' own, a microsecond before one, hours after
    one, and before and long after everything."""
    times = sorted({e.at for i in made.ledger for e in made.ledger.history(i)})
    near = st.tuples(st.sampled_from(times), st.sampled_from((0, -1, 5 * 3_600_000_000)))
    edges = st.sampled_from((made.start.subtract(days=1), made.end.add(days=40)))
    return near.map(lambda pair: pair[0].add(microseconds=pair[1])) | edges


@pytest.mark.parametrize("seed", SEEDS)
def test_every_figure_as_of_any_moment_is_the_python_paths(
    conformance_backend: StoreBackend, seed: int
) -> None:
    made = campaign(seed)
    with campaign_store(conformance_backend, made) as store:
        units = store.units
        now = [made.ledger.summary(i) for i in made.ledger]

        @SOME
        @given(moment=_moments(made), days=st.integers(0, 20))
        def check(moment: DateTime, days: int) -> None:
            lines = lines_as_of(made, moment)
            assert by_id(store.summaries_as_of(moment)) == by_id(lines)
            assert by_id(store.store.issue_summaries(as_of=moment)) == by_id(lines)
            for by in GROUPINGS:
                expected = report_rows(lines, at=moment, by=by, units=units)
                assert store.report(as_of=moment, by=by) == expected, by
                assert store.report(at=moment, by=by) == report_rows(
                    now, at=moment, by=by, units=units
                ), by
            by_track = report_rows(lines, at=moment, by="track")
            by_unit = report_rows(lines, at=moment, by="unit", units=units)
            assert store.dashboard(as_of=moment) == Dashboard(
                everything=by_track[-1].figures, by_track=by_track, by_unit=by_unit
            )
            issues = issues_as_of(made, moment)
            assert store.dispatch_figures(as_of=moment) == dispatch_figures(issues, moment)
            later = moment.add(days=days)  # overdue counted at another moment
            assert store.figures(at=later, as_of=moment) == report_rows(lines, at=later)[-1].figures
            assert store.figures(at=later) == report_rows(now, at=later)[-1].figures

        check()


def test_several_moments_in_one_pass_count_as_each_moment_alone(
    conformance_backend: StoreBackend,
) -> None:
    made = campaign(SEEDS[0])
    with campaign_store(conformance_backend, made) as store:
        moments = [made.start.add(days=d, hours=d) for d in range(-1, 100, 17)]
        together: dict[int, list[tuple[Any, int]]] = {k: [] for k in range(len(moments))}
        for k, facts, n in store.store.issue_facts_at(moments=moments):
            together[k].append((facts, n))
        assert sum(n for pairs in together.values() for _, n in pairs) > len(moments)
        for k, moment in enumerate(moments):
            alone = [(f, n) for _, f, n in store.store.issue_fact_counts(at=moment, as_of=moment)]
            assert sorted(together[k], key=repr) == sorted(alone, key=repr), moment
            received = [i for i in made.ledger if made.ledger.history(i)[0].at <= moment]
            assert sum(n for _, n in alone) == len(received)


def test_the_overdue_lines_of_a_moment_are_the_python_paths(
    conformance_backend: StoreBackend,
) -> None:
    made = campaign(SEEDS[1])
    with campaign_store(conformance_backend, made) as store:
        found = 0
        for days in (10, 30, 60, 91, 120):
            at = made.start.add(days=days)
            expected = {
                (
                    line.id,
                    line,
                    issue.title,
                    None if issue.requester is None else issue.requester.name,
                )
                for issue in issues_as_of(made, at)
                if (line := _line(issue)).is_overdue(at)
            }
            got = {
                (line.id, line, title, name)
                for line, title, name in store.store.overdue_lines(at=at)
            }
            assert got == expected, at
            found += len(got)
        assert found


def _line(issue: Issue) -> IssueSummary:
    return IssueSummary.of(issue, version=len(issue.history))


def test_the_summary_filters_are_the_python_paths(conformance_backend: StoreBackend) -> None:
    made = campaign(SEEDS[1])
    with campaign_store(conformance_backend, made) as store:
        lines = [made.ledger.summary(i) for i in made.ledger]
        tree = made.units
        assert tree is not None
        some_unit = next(u.id for u in tree if tree.children(u.id) and tree.ancestors(u.id))
        within = set(tree.subtree(some_unit))
        middle = made.start.add(days=45)
        later = made.end.add(days=30)  # a month on, the items still open are overdue
        cases: list[tuple[dict[str, Any], Any]] = [
            ({"unit": some_unit}, lambda s: home_unit(s.unit, s.received_by) in within),
            ({"status": IssueStatus.CLOSED}, lambda s: s.status is IssueStatus.CLOSED),
            (
                {"track": [Track.JOINT, Track.SUPERVISED]},
                lambda s: s.track in (Track.JOINT, Track.SUPERVISED),
            ),
            ({"received_from": middle}, lambda s: s.received_at >= middle),
            ({"received_before": middle}, lambda s: s.received_at < middle),
            ({"overdue_at": later}, lambda s: s.is_overdue(later)),
        ]
        for filters, keep in cases:
            expected = by_id(line for line in lines if keep(line))
            assert by_id(store.summaries(**filters)) == expected, filters
            assert expected, filters  # each filter keeps some
            assert len(expected) < len(lines) or "overdue_at" in filters, filters


@pytest.mark.parametrize("seed", SEEDS)
def test_the_periodic_report_is_the_python_paths(
    conformance_backend: StoreBackend, seed: int
) -> None:
    made = campaign(seed)
    with campaign_store(conformance_backend, made) as store:
        tree = made.units
        assert tree is not None
        units = (None, *[u.id for u in tree][:4])
        days = (made.end - made.start).days + 30

        @SOME
        @given(
            hours=st.integers(0, days * 24),
            kind=st.sampled_from(PERIODS),
            unit=st.sampled_from(units),
            rank_by=st.sampled_from(RATE_NAMES),
            trend=st.integers(2, 4),
        )
        def check(hours: int, kind: str, unit: str | None, rank_by: str, trend: int) -> None:
            at = made.start.add(hours=hours)
            got = store.periodic_report(
                period=kind, at=at, unit=unit, rank_by=rank_by, min_sample=1, trend=trend
            )
            _, moment = reported_span(kind, at)
            expected = periodic_report(
                issues_as_of(made, moment), period=kind, at=at, units=tree, unit=unit,
                rank_by=rank_by, min_sample=1, trend=trend,
            )  # fmt: skip
            assert got == expected

        check()


# -- the sweep --------------------------------------------------------------------------

RULES = SweepRules(due_soon_within="1 working day", escalate_overdue=True)


def _outcome(report: SweepReport) -> tuple[Any, ...]:
    """What a sweep found and did, order aside, each refusal as its kind and field."""
    refused = {issue_id: (type(e), e.field) for issue_id, e in report.refused.items()}
    lists = (
        report.on_track,
        report.due_soon,
        report.overdue,
        report.urged,
        report.escalated,
        report.dispatches_due,
    )
    return (report.at, *(sorted(ids) for ids in lists), refused)


def test_the_store_sweeps_as_the_ledger_does(conformance_backend: StoreBackend) -> None:
    made, twin = campaign(SEEDS[0]), campaign(SEEDS[0])
    at = made.end.add(days=30)
    with campaign_store(conformance_backend, made) as store:
        before = snapshot(store)
        dry = store.sweep(at=at, rules=RULES, dry_run=True)
        assert snapshot(store) == before
        got = store.sweep(at=at, rules=RULES, batch_size=7)
        expected = sweep(twin.ledger, at, rules=RULES)
        assert _outcome(got) == _outcome(expected)
        assert _outcome(dry) == _outcome(expected)
        assert got.urged
        assert got.escalated
        for issue_id in twin.ledger:
            assert store.history(issue_id) == twin.ledger.history(issue_id), issue_id
        assert by_id(store.summaries()) == by_id(twin.ledger.summary(i) for i in twin.ledger)
        after = snapshot(store)
        assert after[0]
        again = store.sweep(at=at, rules=RULES)
        assert not again.changed
        assert snapshot(store) == after
