"""The public value and record strategies (banshishi.testing.strategies): what they
draw is valid, keeps to what it is asked, and is what a ledger takes."""

import subprocess
import sys

import pendulum
from hypothesis import given
from hypothesis import strategies as st
from pendulum import DateTime

import banshishi.testing.strategies as public
from banshishi import (
    Actor,
    Evaluation,
    Issue,
    IssueStatus,
    Ledger,
    Pledge,
    PledgeLedger,
    PledgeStatus,
    Role,
    Track,
    UnitTree,
)
from banshishi.testing.strategies import (
    actors,
    evaluations,
    keeper_of,
    moments,
    new_issues,
    new_pledges,
    unit_trees,
)

EXPORTS = {
    "IssueHistory", "PledgeHistory", "actors", "any_text", "charters", "closure_time",
    "evaluations", "events", "feedback", "id_numbers", "issue_histories", "issues",
    "json_values", "keeper_of", "locations", "milestones", "mobiles", "moments",
    "new_issues", "new_pledges", "people", "pledge_events", "pledge_histories", "pledges",
    "record_ids", "texts", "unit_ids", "unit_trees", "units",
}  # fmt: skip

CLERK = Actor(id="clerk", role=Role.INTAKE_CLERK, unit="centre")


def test_the_module_exports_exactly_its_listed_names() -> None:
    assert set(public.__all__) == EXPORTS
    assert public.__all__ == sorted(public.__all__, key=lambda name: (name.islower(), name))
    assert public.IssueHistory.__module__ == public.PledgeHistory.__module__ == public.__name__


def test_importing_banshishi_testing_loads_neither_hypothesis_nor_the_strategies() -> None:
    code = (
        "import sys, banshishi.testing\n"
        "print(*[m for m in ('hypothesis', 'banshishi.testing.strategies') if m in sys.modules])"
    )
    done = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True, timeout=120
    )
    assert done.stdout.split() == []


@given(tree=unit_trees(min_size=2, max_size=6))
def test_unit_trees_are_valid_hierarchies(tree: UnitTree) -> None:
    assert 2 <= len(tree) <= 6
    assert UnitTree(list(tree)).subtree(next(iter(tree)).id)  # builds again, unchanged
    for unit in tree:
        if unit.parent is not None:
            assert unit.level.depth >= tree[unit.parent].level.depth
            assert tree.is_within(unit.id, unit.parent)
    assert next(iter(tree)).parent is None


@given(actor=actors(roles=[Role.HANDLER, Role.SUPERVISOR], units=["u1", "u2"]))
def test_actors_keep_to_the_roles_and_units_asked(actor: Actor) -> None:
    assert actor.role in (Role.HANDLER, Role.SUPERVISOR)
    assert actor.unit in ("u1", "u2", None)


@given(moment=moments(), later=st.data())
def test_moments_are_aware_and_in_asia_shanghai_unless_told(
    moment: DateTime, later: st.DataObject
) -> None:
    assert moment.timezone_name == "Asia/Shanghai"
    after = later.draw(moments(after=moment, timezones=["UTC"]))
    assert after.timezone_name == "UTC"
    assert moment <= after <= moment.add(days=400, seconds=1)


@given(issue=new_issues(tracks=[Track.JOINT, Track.TRACKED]))
def test_new_issues_are_what_a_ledger_receives(issue: Issue) -> None:
    assert issue.status is IssueStatus.RECEIVED
    assert issue.track in (Track.JOINT, Track.TRACKED)
    ledger = Ledger()
    ledger.receive(issue, actor=CLERK)
    assert ledger.history(issue.id)[0].name == "receive"


@given(pledge=new_pledges())
def test_new_pledges_are_what_a_ledger_claims_from_their_keeper(pledge: Pledge) -> None:
    ledger = PledgeLedger()
    ledger.claim(pledge, actor=keeper_of(pledge))
    assert ledger.status(pledge.id) is PledgeStatus.DRAFT


@given(evaluation=evaluations(issue_id="A-1", after=pendulum.datetime(2026, 3, 2)))
def test_evaluations_rate_the_issue_asked_after_the_moment_asked(evaluation: Evaluation) -> None:
    assert evaluation.issue_id == "A-1"
    assert evaluation.at >= pendulum.datetime(2026, 3, 2)
    assert 1 <= evaluation.round <= 4
