"""The issues of the simulated quarter: what comes in, when and from whom, and
each next step of every issue around the closed loop, dated and drawn from the
campaign's random choices."""

import random
from collections import Counter
from collections.abc import Callable
from typing import Any

import attrs
from pendulum import DateTime

from banshishi._calendar.time_limit import TimeLimit
from banshishi._model.evaluation import (
    AppealGrounds,
    Evaluation,
    Feedback,
    FeedbackMethod,
    VisitOutcome,
)
from banshishi._model.issue import Issue
from banshishi._model.location import Location
from banshishi._model.milestone import Milestone
from banshishi._model.people import Actor, Person, Role
from banshishi._model.units import UnitTree
from banshishi._model.vocabulary import DismissalReason, Rating, TargetGroup, Track
from banshishi._workflow.command import Command
from banshishi._workflow.ledger import Ledger
from banshishi._workflow.policy import WorkflowPolicy

from . import campaign_hotline as hotline
from .campaign_chain import ChainSteps
from .campaign_data import (
    _AFTER_HOURS,
    _ANSWERS,
    _APPEALS,
    _CATALOGUE,
    _CENTRE,
    _CHANNEL_WEIGHTS,
    _CLERKS,
    _DEPARTMENTS,
    _DISPATCHERS,
    _GIVEN,
    _LEADER,
    _LIMIT_HOURS,
    _LOCAL,
    _MOBILE,
    _MONGOLIAN,
    _REVIEWERS,
    _ROUND_WEIGHTS,
    _SURNAMES,
    _VILLAGES,
    DAYS,
    _staff,
)
from .campaign_pledges import check


@attrs.define(eq=False)
class Case:
    """The simulation's notes on one issue: what its next steps need."""

    issue: Issue
    index: int
    town: str
    right_unit: str
    wrong_unit: str | None  # a unit it is first sent to by mistake, which sends it back
    track: Track
    stage: str = "received"
    unit: str | None = None
    co_units: tuple[str, ...] = ()
    parts: set[str] = attrs.Factory(set)  # co-units that reported in this round
    todo: list[str] = attrs.Factory(list)  # milestones not done yet
    supervising: str | None = None
    signed_off: bool = False
    round: int = 1
    appealed: int = 0  # the round whose rating the unit appealed
    visited: bool = False
    returning: bool = False  # the requester raised the same matter earlier
    excluding: bool = False  # the unit has asked to leave it out of the assessment
    below: str | None = None  # the village the work is handed down to, until it answers
    due_hours: int = 0  # the working hours the village is given


class IssueCampaign(ChainSteps):
    """Receives the quarter's issues on ``ledger`` and takes each one's next step
    when the campaign's clock reaches it: every action schedules the next through
    ``push(at, kind, case)``, and the campaign calls :meth:`act` in time order.
    Steps wait in a batch until :meth:`flush`; receipts go straight in."""

    def __init__(
        self,
        rng: random.Random,
        ledger: Ledger,
        units: UnitTree,
        count: int,
        *,
        start: DateTime,
        push: Callable[[DateTime, str, Case], None],
        chain_rng: random.Random,
    ) -> None:
        self.rng = rng
        self.chain_rng = chain_rng  # the dispatches' own draws (see campaign_chain)
        self.ledger = ledger
        self.units = units
        self.policy: WorkflowPolicy = ledger.policy
        self.hours = self.policy.counting_hours  # into a provisional year if need be
        self.count = count
        self.start = start
        self._push = push
        self.batch: list[Command] = []
        self.cases: list[Case] = []
        self.by_id: dict[str, Case] = {}

    def act(self, kind: str, case: Case, at: DateTime) -> None:
        """Take the step ``kind`` (as pushed) of ``case`` at ``at``."""
        getattr(self, f"_{kind}")(case, at)

    def flush(self) -> None:
        """Apply the steps waiting in the batch."""
        batch, self.batch = self.batch, []
        check(self.ledger.apply_many(batch))

    def escalated(self, issue_id: str) -> None:
        """The sweep escalated the issue: it now needs a supervisor's sign-off."""
        case = self.by_id[issue_id]
        case.track, case.signed_off = Track.SUPERVISED, False
        case.supervising = self.units[str(case.unit)].parent

    def _step(
        self, case: Case, event: str, actor: Actor, at: DateTime, note: str = "", **args: Any
    ) -> None:
        """Queue one step of ``case`` for the next batch."""
        issue_id = case.issue.id
        self.batch.append(
            Command(issue_id=issue_id, event=event, actor=actor, at=at, note=note, args=args)
        )

    def _later(self, moment: DateTime, hours: int) -> DateTime:
        """``hours`` working hours after ``moment``, give or take a few minutes."""
        return self._working(moment.add(minutes=self.rng.randint(1, 50)), hours)

    def _elapsed(self, moment: DateTime, low: int, high: int) -> DateTime:
        """Between ``low`` and ``high`` minutes of plain time after ``moment``."""
        return moment.add(minutes=self.rng.randint(low, high))

    # -- intake ---------------------------------------------------------------------------

    def draw_arrivals(self) -> None:
        """When the issues come in: mostly on working days and in office hours."""
        rng, calendar = self.rng, self.hours.calendar
        days = [self.start.add(days=n) for n in range(DAYS)]
        weights = [1.0 if calendar.is_workday(day.date()) else 0.3 for day in days]
        moments = []
        for day in rng.choices(days, weights, k=self.count):
            office = calendar.is_workday(day.date()) and rng.random() < 0.85
            moments.append(day.add(minutes=rng.randint(*(510, 1050) if office else (420, 1200))))
        serials: Counter[str] = Counter()
        for at in sorted(moments):
            date = at.strftime("%Y%m%d")
            serials[date] += 1
            case = self._new_case(at, f"RX{date}{serials[date]:04d}")
            self.cases.append(case)
            self.by_id[case.issue.id] = case

    def _new_case(self, at: DateTime, issue_id: str) -> Case:
        """What comes in at ``at``, where, through which channel, from whom."""
        rng, earlier = self.rng, hotline.returning_from(self.rng, self.cases)
        if earlier is None:
            title, field, urgency, request_type, owner, group = rng.choice(_CATALOGUE)
            home, town, code, place = rng.choice(_VILLAGES)
        else:  # a returning caller, about the same matter at the same place
            title, field, urgency, request_type, owner, group = hotline.KINDS[earlier.issue.title]
            home, town, code, place = hotline.place_of(earlier.issue)
        offered = list(_CHANNEL_WEIGHTS) if self.hours.is_working_moment(at) else _AFTER_HOURS
        channel = rng.choices(offered, [_CHANNEL_WEIGHTS[c] for c in offered])[0]
        right = owner or (home if rng.random() < 0.7 else town)
        wrong = None
        if rng.random() < 0.045:
            wrong = rng.choice([unit for unit in (*_DEPARTMENTS, town) if unit != right])
        groups = {group} if group is not None else set()
        if rng.random() < 0.05:
            groups.add(rng.choice((TargetGroup.LOW_INCOME, TargetGroup.PEOPLE_WITH_DISABILITIES)))
        anonymous = earlier is None and channel not in _LOCAL and rng.random() < 0.04
        requester = None if anonymous else self._person(len(self.cases) + 1, town)
        if earlier is not None:
            requester = earlier.issue.requester
        issue = Issue(
            id=issue_id,
            title=title,
            channel=channel,
            urgency=urgency,
            received_at=at,
            description=f"群众通过{channel.label}反映{place}{title}，请核实处理。",
            category=field,
            request_type=request_type,
            target_groups=frozenset(groups),
            location=Location(division_code=code, address=f"{place}{rng.randint(1, 60)}号"),
            requester=requester,
            received_by=home if channel in _LOCAL else _CENTRE,
            confidential=hotline.confidential_at_intake(rng, request_type),
        )
        case = Case(issue, len(self.cases), town, right, wrong, issue.track)
        case.returning = earlier is not None
        return case

    def _person(self, number: int, town: str) -> Person:
        rng = self.rng
        if town == "t5" and rng.random() < 0.5:  # a sumu: many Mongolian names
            name = rng.choice(_MONGOLIAN)
        else:
            name = rng.choice(_SURNAMES) + "".join(rng.sample(_GIVEN, rng.randint(1, 2)))
        mobile = rng.choice(_MOBILE) + f"{rng.randrange(10**8):08d}"
        return Person(id=f"p{number:06d}", name=name, mobile=mobile)

    def _receive(self, case: Case, at: DateTime) -> None:
        """Put the issue on the ledger; then it is dismissed, signed for or transferred."""
        issue, rng = case.issue, self.rng
        local = issue.received_by != _CENTRE
        clerk = _staff(Role.INTAKE_CLERK, issue.received_by, "clerk") if local else _CLERKS[0]
        if case.returning:  # the clerk checks the caller's recent matters: a repeat?
            self.flush()
            found = self.ledger.find_repeat(issue, within_days=hotline.REPEAT_DAYS)
            if found is not None:
                case.issue = issue = attrs.evolve(issue, repeat_of=found.id)
        self.ledger.receive(issue, actor=clerk)
        chance, own = rng.random(), issue.received_by == case.right_unit
        if chance < 0.03:
            self._push(self._later(at, rng.randint(1, 3)), "dismiss", case)
        elif case.track is Track.IMMEDIATE and own and chance < 0.6:
            self._push(self._elapsed(at, 5, 90), "sign", case)  # 即办 by the village itself
        else:
            self._push(self._later(at, rng.randint(1, 3)), "transfer", case)

    def _dismiss(self, case: Case, at: DateTime) -> None:
        """不予受理 at intake (a duplicate, or no real request), or the requester withdraws."""
        if case.stage == "transferred" and case.issue.requester is not None:
            requester = Actor(id=case.issue.requester.id, role=Role.REQUESTER)
            reason, note = DismissalReason.WITHDRAWN, "问题已自行解决，申请撤回"
            self._step(case, "dismiss", requester, at, note, reason=reason)
        else:
            earlier = self.cases[max(0, case.index - 300) : case.index]
            same = [  # a duplicate is linked to an open original
                c.issue.id
                for c in earlier
                if c.issue.title == case.issue.title and c.stage not in ("closed", "dismissed")
            ]
            same = same if self.rng.random() < 0.6 else []
            args: dict[str, Any] = {"reason": DismissalReason.INVALID}
            if same:
                args = {"reason": DismissalReason.DUPLICATE, "original": same[-1]}
            note = "与已受理诉求重复" if same else "来电无实质诉求内容"
            self._step(case, "dismiss", self.rng.choice(_DISPATCHERS), at, note, **args)
        case.stage = "dismissed"

    # -- transfer and handling ------------------------------------------------------------

    def _transfer(self, case: Case, at: DateTime) -> None:
        """转办, with what the track needs; the deadline comes from the policy."""
        rng = self.rng
        routed = self._routed(case, at) if case.stage == "received" else {}
        unit = case.wrong_unit or case.right_unit
        args: dict[str, Any] = {"unit": unit, "requirements": "请按时限办结并及时反馈诉求人"}
        args |= routed
        if case.track is Track.JOINT:  # the township where it happens, often a department too
            others = [d for d in _DEPARTMENTS if d != unit]
            chosen = [case.town] if case.town != unit else []
            chosen += rng.sample(others, 1 if not chosen or rng.random() < 0.4 else 0)
            args["co_units"] = case.co_units = tuple(chosen)
        elif case.track is Track.SUPERVISED:  # one level up
            case.supervising = self.units[unit].parent
            args |= {"supervising_unit": case.supervising, "supervisor": f"sup-{case.supervising}"}
        elif case.track is Track.TRACKED and not case.todo:
            case.todo = ["现场勘查", "制定方案", "组织实施", "验收销号"][: rng.randint(2, 4)]
            args["milestones"] = tuple(self._milestones(at, case.todo))
        self._step(case, "transfer", rng.choice(_DISPATCHERS), at, **args)
        case.unit, case.stage = unit, "transferred"
        if case.wrong_unit is not None:
            self._push(self._later(at, rng.randint(1, 4)), "send_back", case)
        elif case.issue.requester is not None and rng.random() < 0.007:
            self._push(self._elapsed(at, 60, 1800), "dismiss", case)
        else:
            quick = case.track is Track.IMMEDIATE
            self._push(self._later(at, 1 if quick else rng.randint(1, 4)), "sign", case)

    def _routed(self, case: Case, at: DateTime) -> dict[str, Any]:
        """Before the first transfer: perhaps marked confidential; then routed by the
        catalogue, if a rule covers the matter. A rule by place is right; a rule by
        field sends a village's matter to the department, which sends it back."""
        issue = case.issue
        if hotline.marked_later(self.rng, issue.request_type, issue.confidential):
            note = "涉及举报人信息，按保密件办理"
            self._step(case, "mark_confidential", self.rng.choice(_DISPATCHERS), at, note)
        decision = hotline.ROUTING.route(issue)
        if decision is None:
            return {}
        unit = decision.rule.unit
        if decision.rule.place or unit == case.right_unit:
            case.right_unit, case.wrong_unit = unit, None
        else:
            case.wrong_unit = unit
        return decision.transfer_arguments()

    def _milestones(self, at: DateTime, names: list[str]) -> list[Milestone]:
        """Milestones of a 盯办 item, due in turn over its thirty working days."""
        days = [TimeLimit.working_days(30 * k // len(names)) for k in range(1, len(names) + 1)]
        return [
            Milestone(
                name=name, weight=3 if name == "组织实施" else 1, due=self.policy.after(at, limit)
            )
            for name, limit in zip(names, days, strict=True)
        ]

    def _send_back(self, case: Case, at: DateTime) -> None:
        note = "不属于本单位职责范围，申请退回重新派单"
        self._step(case, "send_back", _staff(Role.HANDLER, case.unit), at, note)
        case.unit, case.wrong_unit, case.stage = None, None, "returned"
        self._push(self._later(at, self.rng.randint(1, 3)), "transfer", case)

    def _sign(self, case: Case, at: DateTime) -> None:
        if case.stage == "received":  # signed for by the unit that took it in
            case.unit = case.issue.received_by
        self._step(case, "sign_for", _staff(Role.HANDLER, case.unit), at)
        case.stage = "working"
        self._plan(case, at, first=True)

    def _plan(self, case: Case, start: DateTime, *, first: bool) -> None:
        """Schedule one round of handling: its parts, perhaps an extension or an urging,
        and the moment it is resolved, within the time limit or (sometimes) after it."""
        rng = self.rng
        if first and case.track is Track.IMMEDIATE:
            hours = rng.randint(20, 40) if rng.random() < 0.06 else rng.randint(1, 5)
        else:
            limit = _LIMIT_HOURS[case.track] if first else 35
            late = rng.random() < (0.13 if first else 0.1)
            if late:
                hours = int(limit * rng.uniform(1.05, 1.6)) + 2
            else:
                hours = rng.randint(max(2, limit // 10), limit * 17 // 20)
            if late and first and rng.random() < 0.4:
                self._push(self._later(start, hours // 3), "extend", case)
        parts = len(case.todo) + (len(case.co_units) if case.track is Track.JOINT else 0)
        for k in range(parts):
            self._push(self._later(start, hours * (k + 1) // (parts + 1)), "part", case)
        if first and case.track is not Track.IMMEDIATE:
            self.plan_chain(case, start, hours)
        if case.track is Track.SUPERVISED and hours >= 8 and rng.random() < 0.3:
            self._push(self._later(start, hours // 2), "urge", case)
        self._push(self._later(start, hours), "resolve", case)

    def _part(self, case: Case, at: DateTime, *, everything: bool = False) -> None:
        """A co-unit reports its part, or the unit completes a milestone; or all that is left."""
        while case.stage == "working":
            # Co-units owe their parts on 共办, and still once the item is escalated.
            missing = [unit for unit in case.co_units if unit not in case.parts]
            if missing:
                handler = _staff(Role.HANDLER, missing[0])
                self._step(case, "report_part", handler, at, "本单位承办部分已完成")
                case.parts.add(missing[0])
            elif case.todo:
                handler = _staff(Role.HANDLER, case.unit)
                self._step(case, "complete_milestone", handler, at, milestone=case.todo.pop(0))
            if not everything or not (missing[1:] or case.todo):
                return

    def _extend(self, case: Case, at: DateTime) -> None:
        approver = _LEADER if case.track is Track.TRACKED else self.rng.choice(_DISPATCHERS)
        extension = TimeLimit.working_days(_LIMIT_HOURS[case.track] // 14 + 5)
        self._step(case, "extend", approver, at, "涉及多部门协调，申请延期", extension=extension)

    def _urge(self, case: Case, at: DateTime) -> None:
        if case.stage in ("working", "resolved"):
            supervisor = _staff(Role.SUPERVISOR, case.supervising, "sup")
            self._step(case, "urge", supervisor, at, "请加快办理进度")

    def _resolve(self, case: Case, at: DateTime) -> None:
        self._part(case, at, everything=True)
        if case.track is Track.SUPERVISED and not case.signed_off:
            supervisor = _staff(Role.SUPERVISOR, case.supervising, "sup")
            self._step(case, "sign_off", supervisor, at, "经督办核实，同意办结")
            case.signed_off = True
        self._step(case, "resolve", _staff(Role.HANDLER, case.unit), at)
        case.stage = "resolved"
        self._push(self._later(at, self.rng.randint(1, 3)), "answer", case)

    # -- answer, rating and after ---------------------------------------------------------

    def _answer(self, case: Case, at: DateTime) -> None:
        """反馈 to the requester; then a rating, a call-back, or closure unrated."""
        rng, person = self.rng, case.issue.requester
        actor = rng.choice(_DISPATCHERS) if rng.random() < 0.15 else _staff(Role.HANDLER, case.unit)
        if person is None:
            method = rng.choice((FeedbackMethod.PUBLIC_NOTICE, FeedbackMethod.ONLINE))
        else:
            method = rng.choices(list(FeedbackMethod)[:5], (55, 20, 15, 7, 3))[0]
        content, unit = rng.choice(_ANSWERS), actor.unit
        feedback = Feedback(at=at, content=content, method=method, unit=unit, responder=actor.id)
        self._step(case, "answer", actor, at, feedback=feedback)
        case.stage, chance = "answered", rng.random()
        if not case.excluding and rng.random() < 0.03:
            case.excluding = True
            self._push(self._later(at, rng.randint(1, 8)), "request_exclusion", case)
        if person is None:  # nobody to rate it: a reviewer checks and closes it
            self._push(self._later(at, rng.randint(7, 28)), "close", case)
        elif chance < (0.85 if case.round == 1 else 0.93):
            self._push(self._later(at, rng.randint(1, 10)), "rate", case)
        elif chance < 0.95:  # a reviewer calls back and records the rating
            self._push(self._later(at, rng.randint(2, 14)), "call_back", case)
        else:  # never rated: closed once the evaluation window has passed
            self._push(self._later(at.add(days=7), rng.randint(1, 7)), "close", case)

    def _rate(self, case: Case, at: DateTime, rater: Actor | None = None) -> None:
        """好差评: a good rating closes the issue, a bad one reopens it (and may be appealed)."""
        rng, person = self.rng, case.issue.requester
        assert person is not None, "only a known requester's issue is rated"
        rating = rng.choices(list(Rating), _ROUND_WEIGHTS[min(case.round, 3) - 1])[0]
        resolved = rating.counts_as_satisfied(basically_satisfied=rng.random() < 0.7)
        evaluation = Evaluation(
            issue_id=case.issue.id,
            rating=rating,
            resolved=resolved,
            at=at,
            rater=person.id,
            round=case.round,
        )
        actor = rater or Actor(id=person.id, role=Role.REQUESTER)
        self._step(case, "rate", actor, at, evaluation=evaluation)
        if not rating.is_bad:
            self._closed(case, at)
            return
        if not case.appealed and rng.random() < 0.3:
            case.appealed = case.round
            self._push(self._later(at, rng.randint(2, 16)), "appeal", case)
        self._reopen(case, at)

    def _reopen(self, case: Case, at: DateTime) -> None:
        """整改: a bad rating or an unresolved visit starts the next round of handling."""
        case.round, case.signed_off, case.stage = case.round + 1, False, "working"
        case.parts.clear()
        self._plan(case, at, first=False)

    def _closed(self, case: Case, at: DateTime) -> None:
        case.stage = "closed"
        if not case.visited and self.rng.random() < 0.1:
            self._push(self._later(at, self.rng.randint(4, 14)), "plan_visit", case)

    def _close(self, case: Case, at: DateTime) -> None:
        if case.issue.requester is None:
            self._step(case, "close", _REVIEWERS[0], at, "经现场核实问题已解决，核实办结")
        else:
            self._step(case, "close", _DISPATCHERS[0], at, "评价期满未评价，按期办结")
        self._closed(case, at)

    def _call_back(self, case: Case, at: DateTime) -> None:
        reviewer = self.rng.choice(_REVIEWERS)
        self._step(case, "revisit", reviewer, at, outcome=VisitOutcome.RESOLVED)
        case.visited = True
        self._rate(case, at, reviewer)

    def _plan_visit(self, case: Case, at: DateTime) -> None:
        """回访: planned a few working days ahead, usually made a little before it is due."""
        visit = self._later(at, self.rng.randint(7, 28))
        due = visit.add(hours=self.rng.randint(1, 48))
        self._step(case, "schedule_visit", self.rng.choice(_DISPATCHERS), at, due=due)
        case.visited = True
        self._push(visit, "revisit", case)

    def _revisit(self, case: Case, at: DateTime) -> None:
        outcome = self.rng.choices(list(VisitOutcome), (85, 5, 10))[0]
        answers = hotline.visit_answers(self.rng, outcome)
        self._step(case, "revisit", self.rng.choice(_CLERKS), at, outcome=outcome, **answers)
        if outcome is VisitOutcome.UNRESOLVED:
            self._reopen(case, at)

    def _appeal(self, case: Case, at: DateTime) -> None:
        grounds = self.rng.choice(list(AppealGrounds))
        handler, note = _staff(Role.HANDLER, case.unit), _APPEALS[grounds]
        self._step(case, "appeal", handler, at, note, grounds=grounds, round=case.appealed)
        self._push(self._later(at, self.rng.randint(7, 35)), "decide", case)

    def _decide(self, case: Case, at: DateTime) -> None:
        reviewer = self.rng.choice(_REVIEWERS)
        if self.rng.random() < 0.4:
            self._step(case, "void_rating", reviewer, at, "经回访核实，申诉理由成立，评价作废")
        else:
            self._step(case, "reject_appeal", reviewer, at, "经核实，差评事由属实，申诉驳回")

    def _request_exclusion(self, case: Case, at: DateTime) -> None:
        """申请不纳入考核: the unit asks to leave the issue out; a reviewer decides later."""
        grounds, note = hotline.exclusion_request(self.rng)
        handler = _staff(Role.HANDLER, case.unit)
        self._step(case, "request_exclusion", handler, at, note, exclusion_grounds=grounds)
        self._push(self._later(at, self.rng.randint(7, 30)), "decide_exclusion", case)

    def _decide_exclusion(self, case: Case, at: DateTime) -> None:
        step, note = hotline.EXCLUSION_DECISIONS[self.rng.random() < 0.55]
        self._step(case, step, self.rng.choice(_REVIEWERS), at, note)
