"""Every figure at any moment, from the lines that held then, is the figure of
the issues rebuilt from their events up to that moment.

The store keeps every version of each issue's summary line with the span it
held; the database counts the lines that held at a moment. The reference is
the Python path: each issue taken again from its events up to the moment
(``rebuild.summaries_as_of``) and counted by ``report_rows``. Ledgers are
random (every kind of step, redos, voided ratings, send-backs, extensions,
backdated answers and ratings), and so are the moments: each event's own
moment, just before it, and moments between.
"""

import uuid
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from pendulum import DateTime

from banshishi import InvalidValueError, IssueSummary, LedgerStore, report_rows
from banshishi._reports.report import Dashboard, rows_of_counts
from banshishi._store import rebuild
from banshishi._workflow.policy import DEFAULT_POLICY
from issue_walks import T0, HypothesisDraw, RandomDraw
from store_helpers import by_id, random_ledger

GROUPINGS = (None, "unit", "track", "channel", "urgency", "period")
SOME = settings(
    max_examples=15,
    deadline=None,
    suppress_health_check=[
        HealthCheck.too_slow,
        HealthCheck.data_too_large,
        HealthCheck.function_scoped_fixture,
    ],
)


def reference_dashboard(store: LedgerStore, lines: list[IssueSummary], at: DateTime) -> Dashboard:
    by_track = report_rows(lines, at=at, by="track")
    by_unit = report_rows(lines, at=at, by="unit", units=store.units)
    return Dashboard(everything=by_track[-1].figures, by_track=by_track, by_unit=by_unit)


@SOME
@given(data=st.data(), backdated=st.booleans())
def test_every_figure_at_any_moment_is_that_of_the_issues_rebuilt_then(
    tmp_path: Path, data: st.DataObject, backdated: bool
) -> None:
    draw = HypothesisDraw(data)
    ledger, last = random_ledger(draw, DEFAULT_POLICY, issues=4, steps=24, backdated=backdated)
    path = tmp_path / f"ledger-{uuid.uuid4().hex}.db"  # one per example
    with LedgerStore.open(path, create=True) as store:
        store.write_ledgers(ledger)
        times = sorted({event.at for issue_id in ledger for event in ledger.history(issue_id)})
        chosen = data.draw(st.lists(st.sampled_from(times), min_size=1, max_size=3), label="at")
        moments = [T0.subtract(days=1), last.add(days=40)]
        for moment in chosen:
            moments += [moment, moment.subtract(microseconds=1), moment.add(hours=5)]
        for moment in moments:
            lines = rebuild.summaries_as_of(store.store, store.policy, moment)
            assert by_id(store.summaries_as_of(moment)) == by_id(lines)
            for by in GROUPINGS:
                units = store.units if by == "unit" else None
                expected = report_rows(lines, at=moment, by=by, units=units)
                assert store.report(as_of=moment, by=by) == expected
            assert store.figures(as_of=moment) == report_rows(lines, at=moment)[-1].figures
            assert store.dashboard(as_of=moment) == reference_dashboard(store, lines, moment)
            # Overdue counted at another moment than the lines are read at.
            later = moment.add(days=9)
            assert store.figures(at=later, as_of=moment) == report_rows(lines, at=later)[-1].figures


def test_the_newest_moment_reads_the_lines_as_they_stand(tmp_path: Path) -> None:
    draw_ledger, last = random_ledger(RandomDraw(7), DEFAULT_POLICY, issues=6, steps=40)
    with LedgerStore.open(tmp_path / "now.db", create=True) as store:
        store.write_ledgers(draw_ledger)
        later = last.add(days=400)
        assert by_id(store.summaries_as_of(later)) == by_id(store.summaries())
        assert store.report(at=later, as_of=later) == store.report(at=later)
        assert store.dashboard(as_of=later) == store.dashboard(at=later)


def test_before_the_first_receipt_nothing_is_counted(tmp_path: Path) -> None:
    ledger, _ = random_ledger(RandomDraw(3), DEFAULT_POLICY, issues=3, steps=12)
    with LedgerStore.open(tmp_path / "early.db", create=True) as store:
        store.write_ledgers(ledger)
        before = T0.subtract(seconds=1)
        assert store.summaries_as_of(before) == []
        assert store.figures(as_of=before) == rows_of_counts((), by=None, units=None)[-1].figures


def test_figures_need_a_moment(tmp_path: Path) -> None:
    with LedgerStore.open(tmp_path / "none.db", create=True) as store:
        with pytest.raises(InvalidValueError) as refused:
            store.figures()
        assert refused.value.field == "at"


def test_several_moments_in_one_pass_count_as_each_moment_alone(tmp_path: Path) -> None:
    ledger, last = random_ledger(RandomDraw(5), DEFAULT_POLICY, issues=8, steps=70)
    with LedgerStore.open(tmp_path / "moments.db", create=True) as store:
        store.write_ledgers(ledger)
        moments = [T0.add(hours=h) for h in range(0, (last - T0).days * 24 + 48, 7)]
        together: dict[int, list[tuple[object, int]]] = {k: [] for k in range(len(moments))}
        for k, facts, n in store.store.issue_facts_at(moments=moments):
            together[k].append((facts, n))
        assert any(together.values())
        for k, moment in enumerate(moments):
            alone = sorted(
                (f, n) for _, f, n in store.store.issue_fact_counts(at=moment, as_of=moment)
            )
            assert sorted(together[k]) == alone  # type: ignore[type-var]
