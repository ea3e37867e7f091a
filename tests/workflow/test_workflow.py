"""The workflow machine (IssueWorkflow): the four tracks, and closing.

Each track is driven the ordinary way from receipt to closure; an item closes on
a satisfied rating or when its evaluation window passes, and never without the
feedback the requester was given. Who may take each step is in test_roles.py,
refusals in test_refusals.py, changes of course in test_rerouting.py, binding and
what a step returns in test_binding.py. The cast and the cases are in
issue_cases.py.

Each test drives one of the domain brief's example issues (shared bikes, herders'
loans, senior bus cards, drivers' rest stations) with a FixedClock in
Asia/Shanghai, and checks what the steps did to the issue.
"""

import datetime as dt
from collections import deque

import pendulum
import pytest

from banshishi import (
    Actor,
    InconsistentRecordError,
    IssueStatus,
    Milestone,
    PreconditionError,
    Rate,
    Rating,
    Role,
    RoleError,
    Track,
    TransitionRefusedError,
    WorkflowPolicy,
    parse_instant,
)
from banshishi._workflow.issue_arguments import EVENT_ARGUMENTS
from banshishi._workflow.transition_table import RULES
from cast import OTHER, PLATFORM, REVIEWER
from issue_cases import (
    CENTRE,
    CO_UNITS,
    DISPATCHER,
    DUE,
    LEAD,
    REQUESTER,
    SUPERVISING,
    SUPERVISOR,
    Case,
    S,
    answer,
    evaluation,
    handler,
    names,
    new_case,
    order_redo,
    rate,
    rate_round_one_again,
    rated_badly,
    reach,
    refused,
    tracked_with_milestones,
    transfer,
)

# -- 1. the four tracks ----------------------------------------------------------------


def test_immediate_item_is_signed_for_by_the_receiving_unit_without_a_transfer():
    case = new_case(Track.IMMEDIATE)
    at = case.tick()
    event = case.workflow.sign_for(actor=handler(CENTRE), at=at)
    issue = case.issue
    assert (event.from_status, event.to_status) == (S.RECEIVED, S.IN_PROGRESS)
    assert issue.status is S.IN_PROGRESS
    assert issue.responsible_unit == CENTRE
    assert issue.responsible_person == handler(CENTRE).id
    # 即办 has a limit of one working day out of the box: the close of the next
    # working day after the signing (Monday 2026-03-02 -> Tuesday 17:30).
    assert at.date() == dt.date(2026, 3, 2)
    assert issue.deadline == pendulum.datetime(2026, 3, 3, 17, 30, tz="Asia/Shanghai")
    assert issue.deadline == WorkflowPolicy().deadline_for(Track.IMMEDIATE, at)


def test_immediate_item_runs_from_self_sign_to_closure():
    case = new_case(Track.IMMEDIATE)
    workflow = case.workflow
    workflow.sign_for(actor=handler(CENTRE), at=case.tick())
    workflow.resolve(actor=handler(CENTRE), at=case.tick())
    answer(case, actor=handler(CENTRE))
    closing = rate(case, Rating.VERY_SATISFIED)
    assert names(case) == ["sign_for", "resolve", "answer", "rate"]
    assert case.issue.status is S.CLOSED
    assert case.issue.closed_at == closing.at


def test_immediate_self_sign_uses_the_policys_time_limit_or_the_given_deadline():
    policy = WorkflowPolicy(time_limits={Track.IMMEDIATE: dt.timedelta(hours=4)})
    case = new_case(Track.IMMEDIATE, policy=policy)
    at = case.tick()
    case.workflow.sign_for(actor=handler(CENTRE), at=at)
    assert case.issue.deadline == at.add(hours=4)

    given = new_case(Track.IMMEDIATE)
    given.workflow.sign_for(actor=handler(CENTRE), at=given.tick(), deadline=DUE, person="li.si")
    assert (given.issue.deadline, given.issue.responsible_person) == (DUE, "li.si")


@pytest.mark.parametrize("track", [Track.JOINT, Track.SUPERVISED, Track.TRACKED])
def test_only_immediate_items_may_skip_the_transfer(track):
    case = new_case(track)
    error = refused(
        case,
        PreconditionError,
        lambda: case.workflow.sign_for(actor=handler(CENTRE), at=case.tick(), deadline=DUE),
    )
    assert (error.field, error.value) == ("sign_for.track", track)


def test_joint_item_is_resolved_only_once_every_co_unit_reported_its_part():
    case = new_case(Track.JOINT)
    workflow, issue = case.workflow, case.issue
    transfer(case)
    assert (issue.responsible_unit, issue.co_units, issue.deadline) == (LEAD, CO_UNITS, DUE)
    workflow.sign_for(actor=handler(), at=case.tick())

    error = refused(
        case, PreconditionError, lambda: workflow.resolve(actor=handler(), at=case.tick())
    )
    assert error.field == "resolve.parts_reported"
    assert all(unit in str(error) for unit in CO_UNITS)

    workflow.report_part(actor=handler("county-finance"), at=case.tick())
    assert issue.parts_reported == ("county-finance",)
    error = refused(
        case, PreconditionError, lambda: workflow.resolve(actor=handler(), at=case.tick())
    )
    assert "agri-bank" in str(error)
    assert "county-finance" not in error.problem

    workflow.report_part(actor=handler("agri-bank"), at=case.tick())
    workflow.resolve(actor=handler(), at=case.tick())
    answer(case)
    rate(case, Rating.SATISFIED)
    assert issue.status is S.CLOSED
    assert names(case) == [
        "transfer",
        "sign_for",
        "report_part",
        "report_part",
        "resolve",
        "answer",
        "rate",
    ]


def test_joint_part_reported_by_a_unit_that_is_not_a_co_unit_is_refused():
    case = reach(S.IN_PROGRESS, Track.JOINT)
    for outsider in (handler(), handler(OTHER)):  # the lead unit is not a co-unit either
        error = refused(
            case,
            RoleError,
            lambda who=outsider: case.workflow.report_part(actor=who, at=case.tick()),
        )
        assert (error.field, error.value) == ("report_part.actor.unit", outsider.unit)


def test_joint_part_reported_twice_is_refused():
    case = reach(S.IN_PROGRESS, Track.JOINT)
    case.workflow.report_part(actor=handler("agri-bank"), at=case.tick())
    error = refused(
        case,
        PreconditionError,
        lambda: case.workflow.report_part(actor=handler("agri-bank"), at=case.tick()),
    )
    assert (error.field, error.value) == ("report_part.actor.unit", "agri-bank")


def test_joint_transfer_needs_co_units_and_an_explicit_deadline():
    case = new_case(Track.JOINT)
    error = refused(case, PreconditionError, lambda: transfer(case, co_units=None))
    assert error.field == "transfer.co_units"
    # The default policy sets a time limit for 即办 only.
    error = refused(case, PreconditionError, lambda: transfer(case, deadline=None))
    assert error.field == "transfer.deadline"


def test_joint_co_units_must_not_repeat_the_lead_unit():
    case = new_case(Track.JOINT)
    error = refused(case, InconsistentRecordError, lambda: transfer(case, co_units=[LEAD, OTHER]))
    assert error.field == "transfer.co_units"


def test_supervised_item_is_resolved_only_after_the_assigned_supervisor_signs_off():
    case = new_case(Track.SUPERVISED)
    workflow, issue = case.workflow, case.issue
    transfer(case)
    assert (issue.supervising_unit, issue.supervisor) == (SUPERVISING, SUPERVISOR.id)
    workflow.sign_for(actor=handler(), at=case.tick())

    error = refused(
        case, PreconditionError, lambda: workflow.resolve(actor=handler(), at=case.tick())
    )
    assert (error.field, error.value) == ("resolve.signed_off_by", None)

    workflow.sign_off(actor=SUPERVISOR, at=case.tick())
    assert issue.signed_off_by == SUPERVISOR.id
    workflow.resolve(actor=handler(), at=case.tick())
    answer(case)
    rate(case, Rating.SATISFIED)
    assert issue.status is S.CLOSED
    assert names(case) == ["transfer", "sign_for", "sign_off", "resolve", "answer", "rate"]


def test_supervised_transfer_needs_a_supervising_unit():
    case = new_case(Track.SUPERVISED)
    error = refused(
        case, PreconditionError, lambda: transfer(case, supervising_unit=None, supervisor=None)
    )
    assert error.field == "transfer.supervising_unit"


def test_supervised_sign_off_by_another_supervisor_is_refused():
    case = reach(S.IN_PROGRESS, Track.SUPERVISED)
    colleague = Actor(id="qian.supervise", role=Role.SUPERVISOR, unit=SUPERVISING)
    error = refused(
        case, RoleError, lambda: case.workflow.sign_off(actor=colleague, at=case.tick())
    )
    assert (error.field, error.value) == ("sign_off.actor.id", colleague.id)
    assert SUPERVISOR.id in str(error)


def test_supervised_sign_off_without_a_named_supervisor_is_for_the_supervising_unit():
    case = new_case(Track.SUPERVISED)
    transfer(case, supervisor=None)
    case.workflow.sign_for(actor=handler(), at=case.tick())
    elsewhere = Actor(id="zhou.supervise", role=Role.SUPERVISOR, unit="city")
    error = refused(
        case, RoleError, lambda: case.workflow.sign_off(actor=elsewhere, at=case.tick())
    )
    assert (error.field, error.value) == ("sign_off.actor.unit", "city")
    colleague = Actor(id="qian.supervise", role=Role.SUPERVISOR, unit=SUPERVISING)
    case.workflow.sign_off(actor=colleague, at=case.tick())
    assert case.issue.signed_off_by == colleague.id


def test_supervised_item_is_signed_off_once_per_round():
    case = reach(S.IN_PROGRESS, Track.SUPERVISED)
    case.workflow.sign_off(actor=SUPERVISOR, at=case.tick())
    error = refused(
        case, PreconditionError, lambda: case.workflow.sign_off(actor=SUPERVISOR, at=case.tick())
    )
    assert error.field == "sign_off.signed_off_by"


@pytest.mark.parametrize("status", [S.TRANSFERRED, S.IN_PROGRESS])
def test_urging_is_recorded_as_an_event_that_changes_nothing_else(status):
    case = reach(status, Track.SUPERVISED)
    before = case.issue.as_record()
    at = case.tick()
    event = case.workflow.urge(actor=SUPERVISOR, at=at, note="请加快办理")
    assert (event.name, event.from_status, event.to_status) == ("urge", status, status)
    assert (event.actor, event.at, event.note) == (SUPERVISOR.id, at, "请加快办理")
    assert case.issue.history == (*before["history"], event)
    assert case.issue.as_record() == {**before, "history": case.issue.history}


def test_tracked_item_progress_follows_its_milestones_to_completion():
    case = new_case(Track.TRACKED)
    workflow, issue = case.workflow, case.issue
    transfer(case)
    workflow.sign_for(actor=handler(), at=case.tick())
    plan = [
        Milestone(name="选址", weight=1),
        Milestone(name="建设休息站和停车场", weight=2),
        Milestone(name="投入使用", weight=1),
    ]
    workflow.add_milestones(actor=handler(), at=case.tick(), milestones=plan)
    assert issue.milestones == tuple(plan)
    assert issue.progress == Rate(0, 4)

    seen = []
    for milestone in plan:
        error = refused(
            case, PreconditionError, lambda: workflow.resolve(actor=handler(), at=case.tick())
        )
        assert error.field == "resolve.milestones"
        assert milestone.name in error.value
        at = case.tick()
        workflow.complete_milestone(actor=handler(), at=at, milestone=milestone.name)
        done = next(m for m in issue.milestones if m.name == milestone.name)
        assert done.done_at == at
        seen.append(issue.progress.format())
    assert seen == ["25.0%", "75.0%", "100.0%"]
    assert issue.progress == Rate(4, 4)

    workflow.resolve(actor=handler(), at=case.tick())
    answer(case)
    rate(case, Rating.SATISFIED)
    assert issue.status is S.CLOSED


def test_tracked_item_without_milestones_cannot_be_resolved():
    case = reach(S.IN_PROGRESS, Track.TRACKED)
    assert case.issue.milestones == ()
    error = refused(
        case, PreconditionError, lambda: case.workflow.resolve(actor=handler(), at=case.tick())
    )
    assert (error.field, error.value) == ("resolve.milestones", ())


def test_tracked_milestones_may_come_with_the_transfer():
    case = new_case(Track.TRACKED)
    transfer(case, milestones=[Milestone(name="选址", weight=3)])
    assert [m.name for m in case.issue.milestones] == ["选址"]
    assert case.issue.progress == Rate(0, 3)


def test_tracked_milestone_completed_twice_or_unknown_is_refused():
    case = tracked_with_milestones()
    workflow = case.workflow
    workflow.complete_milestone(actor=handler(), at=case.tick(), milestone="选址")
    error = refused(
        case,
        PreconditionError,
        lambda: workflow.complete_milestone(actor=handler(), at=case.tick(), milestone="选址"),
    )
    assert (error.field, error.value) == ("complete_milestone.milestone", "选址")
    error = refused(
        case,
        PreconditionError,
        lambda: workflow.complete_milestone(actor=handler(), at=case.tick(), milestone="验收"),
    )
    assert (error.field, error.value) == ("complete_milestone.milestone", "验收")


def test_milestones_are_refused_on_other_tracks_and_when_their_names_repeat():
    joint = reach(S.IN_PROGRESS, Track.JOINT)
    error = refused(
        joint,
        PreconditionError,
        lambda: joint.workflow.add_milestones(
            actor=handler(), at=joint.tick(), milestones=[Milestone(name="放款")]
        ),
    )
    assert (error.field, error.value) == ("add_milestones.track", Track.JOINT)

    tracked = tracked_with_milestones()
    error = refused(
        tracked,
        InconsistentRecordError,
        lambda: tracked.workflow.add_milestones(
            actor=DISPATCHER, at=tracked.tick(), milestones=[Milestone(name="建成")]
        ),
    )
    assert error.field == "add_milestones.milestones[0].name"


# -- 4. closing ----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("rating", "closes"),
    [
        (Rating.VERY_SATISFIED, True),
        (Rating.SATISFIED, True),
        (Rating.BASICALLY_SATISFIED, True),
        (Rating.DISSATISFIED, False),
        (Rating.VERY_DISSATISFIED, False),
    ],
)
def test_a_satisfied_rating_closes_the_item_and_a_bad_one_sends_it_back(rating, closes):
    case = reach(S.ANSWERED)
    event = rate(case, rating)
    issue = case.issue
    assert issue.evaluations[-1].rating is rating
    if closes:
        assert (issue.status, issue.closed_at, event.to_status) == (S.CLOSED, event.at, S.CLOSED)
        assert (issue.round, issue.rectifications) == (1, ())
    else:  # 差评整改: back to 办理中, in a new round
        assert (issue.status, issue.closed_at, event.to_status) == (
            S.IN_PROGRESS,
            None,
            S.IN_PROGRESS,
        )
        assert issue.round == 2
        assert [r.rating for r in issue.rectifications] == [0]


def test_with_the_policy_off_a_satisfied_rating_leaves_closing_to_a_reviewer():
    policy = WorkflowPolicy(close_on_satisfied_rating=False)
    case = reach(S.ANSWERED, policy=policy)
    event = rate(case, Rating.VERY_SATISFIED)
    assert (event.to_status, case.issue.status, case.issue.closed_at) == (
        S.ANSWERED,
        S.ANSWERED,
        None,
    )
    # Rated, so the platform may not close it as unrated, even long after the window.
    error = refused(
        case, PreconditionError, lambda: case.workflow.close(actor=PLATFORM, at=case.tick(days=30))
    )
    assert error.field == "close.evaluations"
    closing = case.workflow.close(actor=REVIEWER, at=case.tick(), note="电话回访核实，问题已解决")
    assert (case.issue.status, case.issue.closed_at) == (S.CLOSED, closing.at)


def test_a_bad_rating_sends_the_item_back_for_rectification_in_a_new_round():
    case = reach(S.ANSWERED)
    issue = case.issue
    new_deadline = DUE.add(days=5)
    at = case.tick()
    event = case.workflow.rate(
        actor=REQUESTER,
        at=at,
        evaluation=evaluation(case, Rating.DISSATISFIED, at, comment="车辆投放点仍不足"),
        deadline=new_deadline,
    )
    assert (event.from_status, event.to_status) == (S.ANSWERED, S.IN_PROGRESS)
    assert (issue.status, issue.round, issue.closed_at, issue.deadline) == (
        S.IN_PROGRESS,
        2,
        None,
        new_deadline,
    )
    # The second round is rated on its own; a round-1 rating no longer fits.
    case.workflow.resolve(actor=handler(), at=case.tick())
    answer(case)
    error = refused(case, InconsistentRecordError, lambda: rate_round_one_again(case))
    assert error.field == "rate.evaluation.round"
    rate(case, Rating.SATISFIED)
    assert issue.status is S.CLOSED
    assert [e.round for e in issue.evaluations] == [1, 2]


@pytest.mark.parametrize("reopen", ["redo", "bad-rating"])
def test_a_rectification_clears_the_previous_rounds_parts_and_sign_off(reopen):
    def reopened(track: Track, orderer: Actor) -> Case:
        if reopen == "bad-rating":
            return rated_badly(track)
        case = reach(S.ANSWERED, track)
        order_redo(case, orderer)
        return case

    joint = reopened(Track.JOINT, DISPATCHER)
    assert (joint.issue.status, joint.issue.parts_reported) == (S.IN_PROGRESS, ())
    error = refused(
        joint, PreconditionError, lambda: joint.workflow.resolve(actor=handler(), at=joint.tick())
    )
    assert error.field == "resolve.parts_reported"

    supervised = reopened(Track.SUPERVISED, SUPERVISOR)
    assert (supervised.issue.status, supervised.issue.signed_off_by) == (S.IN_PROGRESS, None)


def test_each_round_is_rated_once():
    # With closing left to a reviewer, a rated item stays answered: a second
    # rating of the same round is refused there, as it is once closed.
    case = reach(S.ANSWERED, policy=WorkflowPolicy(close_on_satisfied_rating=False))
    rate(case, Rating.BASICALLY_SATISFIED)
    assert case.issue.status is S.ANSWERED
    error = refused(case, PreconditionError, lambda: rate(case, Rating.VERY_SATISFIED))
    assert (error.field, error.value) == ("rate.evaluation", Rating.VERY_SATISFIED)
    closed = reach(S.CLOSED)
    error = refused(closed, PreconditionError, lambda: rate(closed, Rating.DISSATISFIED))
    assert (error.field, error.value) == ("rate.evaluation", Rating.DISSATISFIED)
    assert (len(case.issue.evaluations), len(closed.issue.evaluations)) == (1, 1)


@pytest.mark.parametrize("status", [S.ANSWERED, S.CLOSED])
def test_a_redo_is_an_order_that_needs_no_rating(status):
    case = reach(status)  # answered unrated, or closed by a satisfied rating
    at = case.tick()
    event = case.workflow.redo(actor=DISPATCHER, at=at, note="核查发现问题仍在")
    assert (event.from_status, event.to_status) == (status, S.IN_PROGRESS)
    # Without a deadline of its own, the rectification gets the policy's limit.
    due = WorkflowPolicy().after(at, WorkflowPolicy().rectification_limit)
    assert (case.issue.round, case.issue.deadline, case.issue.closed_at) == (2, due, None)
    assert parse_instant(event.data["deadline"]) == due


def test_a_redo_is_refused_while_the_item_is_being_handled():
    case = reach(S.IN_PROGRESS)
    error = refused(case, TransitionRefusedError, lambda: order_redo(case, DISPATCHER))
    assert error.field == "redo.status"


def test_the_platform_may_close_an_unrated_item_only_once_the_evaluation_window_passed():
    case = reach(S.ANSWERED)
    answered = case.issue.feedback[-1].at
    window_ends = answered.add(days=7)  # the default window is seven days
    just_before = window_ends.subtract(seconds=1)
    error = refused(
        case, PreconditionError, lambda: case.workflow.close(actor=PLATFORM, at=just_before)
    )
    assert (error.field, error.value) == ("close.at", just_before)
    event = case.workflow.close(actor=PLATFORM, at=window_ends)
    assert (event.to_status, case.issue.status, case.issue.closed_at) == (
        S.CLOSED,
        S.CLOSED,
        window_ends,
    )


def test_the_evaluation_window_comes_from_the_policy():
    case = reach(S.ANSWERED, policy=WorkflowPolicy(evaluation_window=dt.timedelta(days=3)))
    answered = case.issue.feedback[-1].at
    with pytest.raises(PreconditionError):
        case.workflow.close(actor=DISPATCHER, at=answered.add(days=3).subtract(minutes=1))
    case.workflow.close(actor=DISPATCHER, at=answered.add(days=3))
    assert case.issue.status is S.CLOSED


def test_a_rated_item_is_not_closed_as_unrated_by_the_dispatcher():
    case = reach(S.ANSWERED, policy=WorkflowPolicy(close_on_satisfied_rating=False))
    rate(case, Rating.SATISFIED)
    error = refused(
        case, PreconditionError, lambda: case.workflow.close(actor=DISPATCHER, at=case.tick(days=8))
    )
    assert error.field == "close.evaluations"


def test_a_reviewer_closes_at_any_time_but_must_say_how_it_was_verified():
    case = reach(S.ANSWERED)
    error = refused(
        case, PreconditionError, lambda: case.workflow.close(actor=REVIEWER, at=case.tick())
    )
    assert error.field == "close.note"
    at = case.tick()
    event = case.workflow.close(actor=REVIEWER, at=at, note="现场核实：新增停车点175处")
    assert (case.issue.status, case.issue.closed_at, event.note) == (
        S.CLOSED,
        at,
        "现场核实：新增停车点175处",
    )


def _closed_unrated() -> Case:
    """An answered item the platform closed, unrated, when the evaluation window ended."""
    case = reach(S.ANSWERED)
    case.clock.set(case.issue.feedback[-1].at.add(days=7))
    case.workflow.close(actor=PLATFORM)
    return case


def test_a_late_rating_on_a_closed_item_keeps_it_closed():
    case = _closed_unrated()
    closed_at = case.issue.closed_at
    event = rate(case, Rating.SATISFIED)
    assert (event.from_status, event.to_status) == (S.CLOSED, S.CLOSED)
    assert (case.issue.status, case.issue.closed_at) == (S.CLOSED, closed_at)
    assert case.issue.evaluations[-1].at == event.at


def test_a_bad_late_rating_on_a_closed_item_reopens_it():
    case = _closed_unrated()
    event = rate(case, Rating.VERY_DISSATISFIED)
    assert (event.from_status, event.to_status) == (S.CLOSED, S.IN_PROGRESS)
    assert (case.issue.status, case.issue.round, case.issue.closed_at) == (S.IN_PROGRESS, 2, None)
    assert [r.rating for r in case.issue.rectifications] == [0]


# -- 5. no path to CLOSED without feedback -------------------------------------------------


def reachable(rules, start: IssueStatus) -> set[IssueStatus]:
    seen, queue = {start}, deque([start])
    while queue:
        status = queue.popleft()
        for rule in rules:
            if rule.source is status and rule.target not in seen:
                seen.add(rule.target)
                queue.append(rule.target)
    return seen


def test_the_rules_are_exactly_the_workflows_events():
    assert {rule.event for rule in RULES} == set(EVENT_ARGUMENTS)


def test_closing_rules_start_from_an_answered_or_closed_item():
    into_closed = [rule for rule in RULES if rule.target is S.CLOSED]
    assert {rule.event for rule in into_closed} >= {"rate", "close"}
    assert all(rule.source in (S.ANSWERED, S.CLOSED) for rule in into_closed)


def test_only_answer_enters_answered_and_it_needs_feedback():
    entering = [r for r in RULES if r.target is S.ANSWERED and r.source is not S.ANSWERED]
    assert entering
    assert {rule.event for rule in entering} == {"answer"}
    assert "feedback" in EVENT_ARGUMENTS["answer"][1]


def test_without_answer_rules_closed_cannot_be_reached_from_received():
    assert reachable(RULES, S.RECEIVED) == set(IssueStatus)  # the search does find things
    cut = [rule for rule in RULES if rule.event != "answer"]
    found = reachable(cut, S.RECEIVED)
    assert S.CLOSED not in found
    assert S.ANSWERED not in found
    assert S.RESOLVED in found
