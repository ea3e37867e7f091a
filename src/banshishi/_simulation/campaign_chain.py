"""Work handed down in the simulated county (二级承办): a township that takes a
matter in its first round sometimes hands it down to the village or community
where it happens, with a deadline of its own no later than the matter's; the
village answers up, now and then late, or hands it back (逐级退回), always
before the township resolves the matter.

The draws come from a generator of their own, seeded from the campaign's seed
(as text, so the same in every process), so a campaign without these steps
would draw everything else as before.
"""

import random
from collections.abc import Callable
from typing import Any

from pendulum import DateTime

from banshishi._calendar.time_limit import TimeLimit
from banshishi._calendar.working_hours import WorkingHours
from banshishi._model.people import Role
from banshishi._workflow.ledger import Ledger

from .campaign_data import _VILLAGES, _staff

SHARE = 0.35
"""Of the matters a township handles, the share it hands down."""
_HANDED_BACK = 0.1
_BELOW = {tid: [vid for vid, town, _, _ in _VILLAGES if town == tid] for _, tid, _, _ in _VILLAGES}


class ChainSteps:
    """The steps of work handed down (the campaign's base: not for use alone)."""

    ledger: Ledger
    hours: WorkingHours
    chain_rng: random.Random
    _push: Callable[[DateTime, str, Any], None]
    _step: Callable[..., None]
    flush: Callable[[], None]

    def plan_chain(self, case: Any, start: DateTime, hours: int) -> None:
        """Perhaps hand the matter down an hour into a round of ``hours`` working
        hours, and have it answered up (or handed back) well before the round ends."""
        rng = self.chain_rng
        villages = _BELOW.get(case.unit or "", [])
        if hours < 8 or not villages or rng.random() >= SHARE:
            return
        case.below = rng.choice(villages)
        down = self._working(start.add(minutes=rng.randint(5, 50)), 1)
        self._push(down, "dispatch", case)
        back = rng.random() < _HANDED_BACK
        case.due_hours = int(hours * 0.7)
        within = int(hours * rng.uniform(0.3, 0.85))
        up = self._working(start.add(minutes=rng.randint(5, 50)), within)
        self._push(up, "hand_back" if back else "report_up", case)

    def _dispatch(self, case: Any, at: DateTime) -> None:
        self.flush()  # the matter's deadline, as the steps so far left it
        deadline = self.ledger.issue(case.issue.id).deadline
        due = self._working(at, case.due_hours)
        if deadline is not None and due > deadline:
            due = deadline
        if due <= at or case.stage != "working":
            case.below = None  # too late to hand down: the township does it itself
            return
        handler = _staff(Role.HANDLER, case.unit)
        self._step(case, "dispatch", handler, at, "请核实处理并按时上报", unit=case.below, due=due)

    def _report_up(self, case: Any, at: DateTime) -> None:
        if case.below is not None:
            answer = "已到现场核实处理，群众认可"
            self._step(case, "report_up", _staff(Role.HANDLER, case.below), at, answer=answer)
            case.below = None

    def _hand_back(self, case: Any, at: DateTime) -> None:
        if case.below is not None:
            note = "涉及跨村协调，超出本村处置能力"
            self._step(case, "hand_back", _staff(Role.HANDLER, case.below), at, note)
            case.below = None

    def _working(self, moment: DateTime, hours: int) -> DateTime:
        """``hours`` working hours (at least one) after ``moment``."""
        return self.hours.deadline(moment, TimeLimit.working_hours(max(1, hours)))
