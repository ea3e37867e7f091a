"""The SLA sweep over random ledgers: properties that always hold, idempotency, and a
ledger swept on a timer among other steps.

Every threshold here is derived by hand from China's official 2026 calendar and
the default working hours (09:00–12:00 and 13:30–17:30, Asia/Shanghai, cut-off at
17:30 inclusive): 1 working day from a moment is the close (17:30) of the first
working day after the day the moment counts from (its own day when that is a
working day and the moment is not after 17:30, else the next working day). The
2026 days used are listed in sweep_cases.py.
"""

import datetime as dt

from hypothesis import HealthCheck, given, settings
from hypothesis import event as note_event
from hypothesis import strategies as st
from hypothesis.stateful import RuleBasedStateMachine, invariant, precondition, rule
from pendulum import DateTime

from banshishi import (
    ChronologyError,
    DismissalReason,
    Evaluation,
    Event,
    Feedback,
    FeedbackMethod,
    FixedClock,
    IssueStatus,
    Ledger,
    Rating,
    Role,
    SlaLevel,
    SweepReport,
    SweepRules,
    TimeLimit,
    Track,
    parse_instant,
    sla_level,
    sweep,
)
from cast import REQUESTER
from sweep_cases import (
    CLERK,
    DISPATCHER,
    NOTES,
    POLICY,
    SUPERVISOR,
    SWEEPER_ID,
    T0,
    TREE,
    S,
    assert_urged,
    handler,
    histories,
    levels_of,
    new_issue,
    new_ledger,
    open_item,
    sh,
    urges,
)

OPEN = frozenset({S.TRANSFERRED, S.IN_PROGRESS, S.RESOLVED})


# -- 7. properties over random ledgers ----------------------------------------------------------

BASE = sh(2026, 1, 5, 9)  # Monday 5 January; every moment below stays before mid-December
PATHS = (
    "received",
    "transferred",
    "in_progress",
    "resolved",
    "answered",
    "closed",
    "returned",
    "dismissed",
    "extended",
    "self_signed",
    "supervised",
)
LEAD_TIMES = (
    TimeLimit.working_days(1),
    TimeLimit.working_days(3),
    TimeLimit.working_hours(2),
    dt.timedelta(hours=5),
)


def build(
    ledger: Ledger, issue_id: str, path: str, start: DateTime, deadline: DateTime, unit: str
) -> None:
    """Put one issue on ``ledger`` and move it along ``path``, a minute per step."""
    track = Track.SUPERVISED if path == "supervised" else Track.IMMEDIATE
    ledger.receive(new_issue(issue_id, at=start, track=track), actor=CLERK)
    if path == "received":
        return
    if path == "self_signed":
        ledger.apply(issue_id, "sign_for", actor=handler("centre"), at=start)
        return
    if path == "supervised":
        unit = "u1"  # the supervising unit must be the handling unit's parent
    extra = {"supervising_unit": "up"} if path == "supervised" else {}
    ledger.apply(
        issue_id, "transfer", actor=DISPATCHER, at=start, unit=unit, deadline=deadline, **extra
    )
    at = start.add(minutes=1)
    if path == "returned":
        ledger.apply(issue_id, "send_back", actor=handler(unit), at=at, note="不属于本单位")
    elif path == "dismissed":
        ledger.apply(
            issue_id,
            "dismiss",
            actor=DISPATCHER,
            at=at,
            reason=DismissalReason.INVALID,
            note="无效",
        )
    elif path == "extended":
        ledger.apply(
            issue_id, "extend", actor=DISPATCHER, at=at, note="延期", extension="2 working days"
        )
    elif path in ("in_progress", "resolved", "answered", "closed"):
        ledger.apply(issue_id, "sign_for", actor=handler(unit), at=at)
        if path == "in_progress":
            return
        ledger.apply(issue_id, "resolve", actor=handler(unit), at=start.add(minutes=2))
        if path == "resolved":
            return
        at = start.add(minutes=3)
        feedback = Feedback(at=at, content="已修复", method=FeedbackMethod.PHONE)
        ledger.apply(issue_id, "answer", actor=handler(unit), at=at, feedback=feedback)
        if path == "closed":
            good = Evaluation(issue_id=issue_id, rating=Rating.SATISFIED, resolved=True, at=at)
            ledger.apply(issue_id, "rate", actor=REQUESTER, at=at, evaluation=good)


@st.composite
def random_ledgers(draw: st.DrawFn) -> Ledger:
    ledger = new_ledger(BASE)
    for index in range(draw(st.integers(1, 6))):
        start = BASE.add(minutes=draw(st.integers(0, 60 * 24 * 300)))  # to early November
        deadline = start.add(minutes=draw(st.integers(1, 60 * 24 * 20)))
        path = draw(st.sampled_from(PATHS))
        unit = draw(st.sampled_from(("u1", "u2", "up")))
        build(ledger, f"i-{index}", path, start, deadline, unit)
    return ledger


def moments_near(ledger: Ledger) -> st.SearchStrategy[DateTime]:
    """Moments around the ledger's deadlines (some before its last events, too)."""
    deadlines = [ledger.issue(i).deadline for i in ledger]
    anchors = [d for d in deadlines if d is not None] or [BASE]
    return st.builds(
        lambda anchor, shift, micro: anchor.add(minutes=shift, microseconds=micro),
        st.sampled_from(anchors),
        st.integers(-60 * 24 * 3, 60 * 24 * 3),
        st.sampled_from((0, 1, -1)),
    )


def check_sorting(ledger: Ledger, report: SweepReport, rules: SweepRules) -> None:
    """Every open item with a deadline is in exactly the list its level says."""
    expected: dict[SlaLevel, list[str]] = {level: [] for level in SlaLevel}
    for issue_id in ledger:
        issue = ledger.issue(issue_id)
        if issue.status in OPEN and issue.deadline is not None:
            level = sla_level(
                issue.deadline, report.at, policy=POLICY, due_soon_within=rules.due_soon_within
            )
            # red is simply "past the deadline", whatever the lead time
            assert (level is SlaLevel.OVERDUE) == (issue.deadline < report.at)
            expected[level].append(issue_id)
    assert report.on_track == tuple(expected[SlaLevel.ON_TRACK])
    assert report.due_soon == tuple(expected[SlaLevel.DUE_SOON])
    assert report.overdue == tuple(expected[SlaLevel.OVERDUE])
    assert set(report.urged) <= set(report.due_soon) | set(report.overdue)
    assert set(report.escalated) <= set(report.overdue)
    assert not set(report.escalated) & set(report.refused)


@settings(suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])
@given(data=st.data())
def test_sweeping_twice_at_the_same_moment_changes_nothing(data: st.DataObject) -> None:
    ledger = data.draw(random_ledgers())
    rules = SweepRules(
        due_soon_within=data.draw(st.sampled_from(LEAD_TIMES)),
        escalate_overdue=data.draw(st.booleans()),
    )
    first_at, second_at = sorted(data.draw(st.lists(moments_near(ledger), min_size=2, max_size=2)))
    for at in (first_at, second_at):
        before = histories(ledger)
        first = sweep(ledger, at, rules=rules)
        check_sorting(ledger, first, rules)
        after = histories(ledger)
        # What changed is exactly one urge (and maybe an escalation) per item reported so.
        for issue_id, history in after.items():
            added = [event.name for event in history[len(before[issue_id]) :]]
            assert history[: len(before[issue_id])] == before[issue_id]
            expected = ["urge"] if issue_id in first.urged else []
            expected += ["escalate"] if issue_id in first.escalated else []
            assert added == expected
        again = sweep(ledger, at, rules=rules)
        assert not again.changed
        assert again.urged == again.escalated == ()
        assert levels_of(again) == levels_of(first)
        assert set(again.refused) == set(first.refused)
        assert histories(ledger) == after
        label(first)


def label(report: SweepReport) -> None:
    """Say what a sweep met, so the statistics show the cases are reached."""
    for name in ("due_soon", "overdue", "urged", "escalated", "refused"):
        if getattr(report, name):
            note_event(f"a sweep had {name} items")


# -- 8. a ledger swept on a timer, among other steps ---------------------------------------------

LAST = sh(2026, 11, 30, 9)  # the clock stops moving on here, so every threshold stays in 2026
GAPS = ({"minutes": 7}, {"minutes": 45}, {"hours": 3}, {"hours": 20}, {"days": 2})


def deadline_of(event: Event) -> DateTime | None:
    text = event.data.get("deadline")
    return None if text is None else parse_instant(str(text))


class SweepMachine(RuleBasedStateMachine):
    """Items received and transferred, a clock that moves on, sweeps, extensions and
    answers, in any order; the sweep's record must stay sound throughout."""

    def __init__(self) -> None:
        super().__init__()
        self.clock = FixedClock(T0)
        self.ledger = Ledger(policy=POLICY, clock=self.clock)
        self.ids: list[str] = []

    def items_in(self, *statuses: IssueStatus) -> list[str]:
        return [i for i in self.ids if self.ledger.status(i) in statuses]

    @precondition(lambda self: len(self.ids) < 6)
    @rule(minutes=st.integers(1, 60 * 24 * 6), unit=st.sampled_from(("u1", "u2")))
    def receive_and_transfer(self, minutes: int, unit: str) -> None:
        now = self.clock.now()
        issue_id = f"i-{len(self.ids)}"
        self.ledger.receive(new_issue(issue_id, at=now), actor=CLERK)
        self.ledger.apply(
            issue_id, "transfer", actor=DISPATCHER, unit=unit, deadline=now.add(minutes=minutes)
        )
        self.ids.append(issue_id)

    @precondition(lambda self: self.clock.now() < LAST)
    @rule(gap=st.sampled_from(GAPS))
    def advance(self, gap: dict[str, int]) -> None:
        self.clock.advance(**gap)

    @rule(escalate=st.booleans(), urge=st.booleans())
    def sweep_now(self, escalate: bool, urge: bool) -> None:
        rules = SweepRules(escalate_overdue=escalate, urge=urge)
        now = self.clock.now()
        report = sweep(self.ledger, rules=rules)
        assert report.at == now
        check_sorting(self.ledger, report, rules)
        assert dict(report.refused) == {}  # every step is dated now, the latest moment
        if not urge:
            assert report.urged == ()
        for issue_id in report.urged:
            level = SlaLevel.DUE_SOON if issue_id in report.due_soon else SlaLevel.OVERDUE
            assert_urged(urges(self.ledger, issue_id)[-1], level, now, self.ledger.status(issue_id))
        for issue_id in report.escalated:
            assert self.ledger.issue(issue_id).track is Track.SUPERVISED
        before = histories(self.ledger)
        again = sweep(self.ledger, rules=rules)
        assert not again.changed
        assert levels_of(again) == levels_of(report)
        assert histories(self.ledger) == before
        label(report)

    @precondition(lambda self: self.items_in(S.TRANSFERRED, S.IN_PROGRESS))
    @rule(data=st.data(), days=st.integers(1, 3))
    def extend(self, data: st.DataObject, days: int) -> None:
        issue_id = data.draw(st.sampled_from(self.items_in(S.TRANSFERRED, S.IN_PROGRESS)))
        before = self.ledger.issue(issue_id)
        try:
            self.ledger.apply(
                issue_id,
                "extend",
                actor=DISPATCHER,
                note="需协调",
                extension=f"{days} working days",
            )
        except ChronologyError:
            # Long overdue: the extended deadline would still be in the past.
            assert self.ledger.issue(issue_id) == before
            return
        deadline = self.ledger.issue(issue_id).deadline
        assert before.deadline is not None
        assert deadline is not None
        assert deadline > before.deadline
        assert deadline > self.clock.now()

    @precondition(lambda self: self.items_in(S.TRANSFERRED, S.IN_PROGRESS, S.RESOLVED))
    @rule(data=st.data())
    def answer(self, data: st.DataObject) -> None:
        issue_id = data.draw(
            st.sampled_from(self.items_in(S.TRANSFERRED, S.IN_PROGRESS, S.RESOLVED))
        )
        issue = self.ledger.issue(issue_id)
        unit = issue.responsible_unit
        assert unit is not None
        if issue.status is S.TRANSFERRED:
            self.ledger.apply(issue_id, "sign_for", actor=handler(unit))
        if issue.status is not S.RESOLVED:
            if issue.track is Track.SUPERVISED:  # escalated by a sweep: signed off first
                self.ledger.apply(issue_id, "sign_off", actor=SUPERVISOR)
            self.ledger.apply(issue_id, "resolve", actor=handler(unit))
        if data.draw(st.booleans()):  # sometimes it stays resolved, still open
            now = self.clock.now()
            feedback = Feedback(at=now, content="已办理", method=FeedbackMethod.PHONE)
            self.ledger.apply(issue_id, "answer", actor=handler(unit), feedback=feedback)
            assert self.ledger.status(issue_id) is S.ANSWERED

    @invariant()
    def urged_once_per_level_and_deadline_at_that_level(self) -> None:
        for issue_id in self.ids:
            deadline: DateTime | None = None
            seen: set[tuple[str, DateTime]] = set()
            for event in self.ledger.history(issue_id):
                if "deadline" in event.data:
                    deadline = deadline_of(event)
                if event.name != "urge":
                    continue
                assert deadline is not None
                assert (event.actor, event.role) == (SWEEPER_ID, Role.SYSTEM)
                level = SlaLevel(event.data["level"])
                key = (level.value, deadline)
                assert key not in seen, (issue_id, key)
                seen.add(key)
                # urged at a moment when the item stood at that level (default lead time)
                assert sla_level(deadline, event.at, policy=POLICY) is level
                assert event.note == NOTES[level]

    @invariant()
    def escalations_go_one_level_up_when_red(self) -> None:
        for issue_id in self.ids:
            deadline: DateTime | None = None
            escalated = 0
            for event in self.ledger.history(issue_id):
                if "deadline" in event.data:
                    deadline = deadline_of(event)
                if event.name == "escalate":
                    escalated += 1
                    assert deadline is not None
                    assert deadline < event.at  # only red items are raised
                    assert (event.actor, event.role) == (SWEEPER_ID, Role.SYSTEM)
            assert escalated <= 1
            if escalated:
                issue = self.ledger.issue(issue_id)
                assert issue.track is Track.SUPERVISED
                assert issue.responsible_unit is not None
                assert issue.supervising_unit == TREE[issue.responsible_unit].parent


SweepMachine.TestCase.settings = settings(
    stateful_step_count=25,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)
TestSweepMachine = SweepMachine.TestCase


def test_events_carry_their_deadline_as_text_the_invariants_can_read() -> None:
    """The stateful invariants read deadlines back from the audit data; make sure that
    reading works, so they do not pass vacuously."""
    ledger = new_ledger()
    open_item(ledger, "a", sh(2026, 3, 2, 12))
    [transfer] = [event for event in ledger.history("a") if event.name == "transfer"]
    assert deadline_of(transfer) == sh(2026, 3, 2, 12)
