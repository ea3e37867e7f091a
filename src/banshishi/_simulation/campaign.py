"""A simulated quarter of a county's 12345 hotline and party–mass service centres.

:func:`simulate_campaign` builds an example county, receives issues from 1 July to
30 September 2026 and moves each one through the closed loop on an in-memory
:class:`Ledger`, with an SLA sweep at the close of every working day. Alongside,
leaders and party members claim and keep pledges on a :class:`PledgeLedger`.
Every choice comes from one seeded ``random.Random`` and every step is dated, so
the same arguments always give the same ledgers.

This module runs the clock and keeps the record; the issues' steps are drawn in
``campaign_issues`` (what a 12345 platform adds, in ``campaign_hotline``: routing,
repeat requests, confidential matters, visit answers, exclusions), the pledges'
in ``campaign_pledges``.
"""

import datetime as dt
import heapq
import itertools
import random
from collections.abc import Callable
from typing import final

import attrs
from pendulum import DateTime

from banshishi._core.errors import InvalidTypeError
from banshishi._core.time import FixedClock
from banshishi._core.validators import whole_given
from banshishi._model.units import UnitTree
from banshishi._workflow.engine import collector_paused
from banshishi._workflow.ledger import Ledger
from banshishi._workflow.pledge_ledger import PledgeLedger
from banshishi._workflow.policy import WorkflowPolicy
from banshishi._workflow.routing import RoutingCatalogue
from banshishi._workflow.sweep import sweep

from .campaign_data import DAYS, END, START, SWEEP_RULES, TIME_LIMITS, county_units
from .campaign_hotline import ROUTING
from .campaign_issues import Case, IssueCampaign
from .campaign_pledges import PledgeCampaign


@final
@attrs.frozen
class Campaign:
    """A simulated quarter: the unit tree, the policy both ledgers use, the two
    ledgers, when it ran, the seed it was drawn from and the routing catalogue."""

    units: UnitTree
    policy: WorkflowPolicy
    ledger: Ledger
    pledges: PledgeLedger
    start: DateTime
    end: DateTime
    """The moment the campaign stops: every step is at or before it."""
    seed: int
    routing: RoutingCatalogue = ROUTING
    """The county's routing catalogue (派单目录), which the first transfers follow."""


class _Simulation:
    """One run: dated actions in a queue, applied to the ledgers in time order."""

    def __init__(self, issues: int, seed: int, start: DateTime) -> None:
        self.start, self.end = start, start.add(days=DAYS - 1).at(END.hour, END.minute)
        self.rng = random.Random(seed)
        self.count = issues
        self.units = county_units()
        self.policy = WorkflowPolicy(units=self.units, time_limits=TIME_LIMITS)
        self.hours = self.policy.counting_hours  # into a provisional year if need be
        self.ledger = Ledger(policy=self.policy, clock=FixedClock(self.end))
        self.pledges = PledgeLedger(policy=self.policy, clock=FixedClock(self.end))
        self.queue: list[tuple[DateTime, int, str, Case | None]] = []
        self.order = itertools.count()
        self.issues = IssueCampaign(
            self.rng,
            self.ledger,
            self.units,
            issues,
            start=self.start,
            push=self._push,
            chain_rng=random.Random(f"chain:{seed}"),  # seeded by text: the same everywhere
        )
        self.days_done = 0

    def run(self, progress: Callable[[int, int], None] | None) -> None:
        """Pledges first, then the issues day by day, sweeping each working evening."""
        self.issues.draw_arrivals()
        PledgeCampaign(
            self.rng,
            self.pledges,
            [case.issue for case in self.issues.cases],
            self.count,
            start=self.start,
            end=self.end,
        ).simulate()
        for arrival in self.issues.cases:
            self._push(arrival.issue.received_at, "receive", arrival)
        for n in range(DAYS):
            day = self.start.add(days=n)
            if self.hours.calendar.is_workday(day.date()):
                self._push(day.at(18), "sweep", None)
            if n:
                self._push(day, "tick", None)
        with collector_paused():
            while self.queue and self.queue[0][0] <= self.end:
                at, _, kind, case = heapq.heappop(self.queue)
                if case is not None:
                    self.issues.act(kind, case, at)
                elif kind == "sweep":
                    self._sweep(at)
                elif progress is not None:
                    self.days_done += 1
                    progress(self.days_done, DAYS)
            self.issues.flush()
        if progress is not None:
            progress(DAYS, DAYS)

    def _push(self, at: DateTime, kind: str, case: Case | None) -> None:
        heapq.heappush(self.queue, (at, next(self.order), kind, case))

    def _sweep(self, at: DateTime) -> None:
        """The evening SLA sweep; escalated items now need a supervisor's sign-off."""
        self.issues.flush()
        report = sweep(self.ledger, at, rules=SWEEP_RULES)
        if report.refused:
            raise RuntimeError(f"the SLA sweep was refused: {dict(report.refused)}")
        for issue_id in report.escalated:
            self.issues.escalated(issue_id)


def simulate_campaign(
    *,
    issues: int = 3000,
    seed: int = 2026,
    progress: Callable[[int, int], None] | None = None,
    start: dt.date | None = None,
) -> Campaign:
    """Simulate the quarter, with ``issues`` issues received, drawing every choice from
    ``seed``. ``start`` moves the quarter's 92 days to begin on that date (1 July
    2026 by default); a quarter that runs past the last official holiday
    schedule counts its deadlines provisionally (see docs/deadlines.md).

    ``progress(done, total)`` is called once per simulated day, and finally with
    ``done == total``.
    """
    issues = whole_given(issues, field="issues", minimum=1)
    if isinstance(seed, bool) or not isinstance(seed, int):
        raise InvalidTypeError(field="seed", value=seed, problem="must be a whole number")
    if progress is not None and not callable(progress):
        raise InvalidTypeError(field="progress", value=progress, problem="must be callable")
    first = START
    if start is not None:
        if type(start) is not dt.date:
            raise InvalidTypeError(field="start", value=start, problem="must be a datetime.date")
        first = START.set(year=start.year, month=start.month, day=start.day)
    run = _Simulation(issues, seed, first)
    run.run(progress)
    return Campaign(run.units, run.policy, run.ledger, run.pledges, run.start, run.end, seed)
