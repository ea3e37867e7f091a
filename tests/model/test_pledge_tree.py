"""Projects made of parts (PledgeTree): progress rolled up by weight to any depth.

The rules under test are PledgeTree's: a fulfilled pledge is 1; otherwise the
weighted mean of its milestones (done 1, not done 0) and of its children that are
not withdrawn; no parts is 0. Among one parent's live children either every weight
is given or none (then each counts 1); a mix is refused naming the child without
one; a zero weight counts for nothing; parts all weighing 0 are refused.
"""

import sys
from fractions import Fraction

import attrs
import pendulum
import pytest
from hypothesis import assume, given
from hypothesis import strategies as st

from banshishi import (
    Actor,
    DuplicateError,
    FixedClock,
    HierarchyError,
    InconsistentRecordError,
    InvalidTypeError,
    Milestone,
    NotFoundError,
    Pledge,
    PledgeLedger,
    PledgeListKind,
    PledgerKind,
    PledgeStatus,
    PledgeTree,
    ProjectCharter,
    Rate,
    Role,
)

P = PledgeStatus
T0 = pendulum.datetime(2026, 3, 2, 9, tz="Asia/Shanghai")
DONE_AT = T0.add(days=10)


def part(
    pledge_id: str,
    *,
    parent: str | None = "road",
    weight: int | None = None,
    status: PledgeStatus = P.IN_PROGRESS,
    milestones: tuple[Milestone, ...] = (),
) -> Pledge:
    """One part of the county's road project (重点民生项目), in ``status``."""
    return Pledge(
        id=pledge_id,
        title=f"道路改造：{pledge_id}",
        pledger="county-team",
        pledger_kind=PledgerKind.LEADERSHIP_TEAM,
        list_kind=PledgeListKind.KEY_PROJECT,
        claimed_at=T0,
        parent=parent,
        weight=weight,
        status=status,
        milestones=milestones,
        fulfilled_at=DONE_AT if status is P.FULFILLED else None,
        withdrawn_at=DONE_AT if status is P.WITHDRAWN else None,
    )


ROAD = part("road", parent=None)


def done(name: str, weight: int = 1) -> Milestone:
    return Milestone(name=name, weight=weight, done_at=DONE_AT)


def open_(name: str, weight: int = 1) -> Milestone:
    return Milestone(name=name, weight=weight)


# -- 1. weights ---------------------------------------------------------------------------


def test_children_count_by_their_weights():
    tree = PledgeTree([ROAD, part("east", weight=1, status=P.FULFILLED), part("west", weight=3)])
    assert tree.progress("road") == Fraction(1, 4)
    assert tree.progress("east") == 1
    assert tree.progress("west") == 0
    assert tree.progress_rate("road") == Rate(1, 4)
    assert tree.progress_rate("road").format() == "25.0%"


def test_children_without_any_weight_count_one_each():
    tree = PledgeTree(
        [ROAD, part("a", status=P.FULFILLED), part("b"), part("c", milestones=(done("x"),))]
    )
    assert tree.progress("c") == 1  # its only milestone is done, though c is not fulfilled
    assert tree.progress("road") == Fraction(2, 3)


def test_a_mix_of_given_and_missing_weights_is_refused_naming_the_child_without_one():
    with pytest.raises(InconsistentRecordError) as caught:
        PledgeTree([ROAD, part("a", weight=2), part("b"), part("c", weight=1)])
    assert caught.value.field == "pledges['b'].weight"
    assert caught.value.value is None
    assert "'road'" in caught.value.problem


def test_a_withdrawn_child_without_a_weight_does_not_make_a_mix():
    tree = PledgeTree([ROAD, part("a", weight=2), part("gone", status=P.WITHDRAWN)])
    assert tree.progress("road") == 0
    assert tree.children("road") == ("a", "gone")


def test_a_zero_weight_counts_for_nothing():
    tree = PledgeTree(
        [ROAD, part("a", weight=0, status=P.FULFILLED), part("b", weight=2, status=P.FULFILLED)]
    )
    assert tree.progress("road") == 1
    tree = PledgeTree([ROAD, part("a", weight=0, status=P.FULFILLED), part("b", weight=2)])
    assert tree.progress("road") == 0


def test_parts_that_all_weigh_zero_are_refused():
    with pytest.raises(InconsistentRecordError) as caught:
        PledgeTree([ROAD, part("a", weight=0), part("b", weight=0, status=P.FULFILLED)])
    assert caught.value.field == "pledges['road']"
    assert caught.value.value == ["a", "b"]


def test_a_milestone_keeps_zero_weight_children_from_being_all_zero():
    road = part("road", parent=None, milestones=(done("选址", 1),))
    tree = PledgeTree([road, part("a", weight=0), part("b", weight=0)])
    assert tree.progress("road") == 1


def test_milestones_and_children_share_one_weighted_mean():
    road = part("road", parent=None, milestones=(done("选址", 2), open_("验收", 1)))
    tree = PledgeTree([road, part("a", weight=3, status=P.FULFILLED), part("b", weight=4)])
    assert tree.progress("road") == Fraction(2 + 3, 2 + 1 + 3 + 4)


def test_withdrawn_children_are_left_out_of_their_parent():
    tree = PledgeTree(
        [ROAD, part("a", weight=1, status=P.FULFILLED), part("gone", weight=9, status=P.WITHDRAWN)]
    )
    assert tree.progress("road") == 1


def test_a_parent_whose_children_are_all_withdrawn_has_no_parts():
    tree = PledgeTree([ROAD, part("gone", status=P.WITHDRAWN)])
    assert tree.progress("road") == 0


def test_a_fulfilled_pledge_is_one_whatever_its_parts_say():
    road = part("road", parent=None, status=P.FULFILLED)
    tree = PledgeTree([road, part("a", weight=1), part("b", weight=1)])
    assert tree.progress("road") == 1
    assert tree.progress_rate("road").format() == "100.0%"


def test_a_pledge_with_no_parts_is_zero_until_fulfilled():
    assert PledgeTree([ROAD]).progress("road") == 0
    assert PledgeTree([part("road", parent=None, status=P.FULFILLED)]).progress("road") == 1


def test_progress_rolls_up_through_several_levels():
    tree = PledgeTree(
        [
            ROAD,
            part("east", weight=1),
            part("west", weight=1, status=P.FULFILLED),
            part("east-1", parent="east", status=P.FULFILLED),
            part("east-2", parent="east", milestones=(done("a"), open_("b"))),
        ]
    )
    assert tree.progress("east-2") == Fraction(1, 2)
    assert tree.progress("east") == Fraction(3, 4)
    assert tree.progress("road") == Fraction(7, 8)
    assert tree.roots() == ("road",)
    assert tree.children("road") == ("east", "west")
    assert tree.children("east-1") == ()
    assert len(tree) == 5
    assert "east-2" in tree
    assert "north" not in tree


def test_a_leaf_rolls_up_to_its_own_progress():
    leaf = part("leaf", parent=None, milestones=(done("a", 3), open_("b", 1)))
    assert PledgeTree([leaf]).progress("leaf") == leaf.progress == Fraction(3, 4)


# -- 2. the structure ----------------------------------------------------------------------


def test_a_deep_chain_rolls_up_without_recursion():
    depth = 2000
    assert depth > sys.getrecursionlimit() // 2
    chain = [part("n0", parent=None)]
    chain += [part(f"n{i}", parent=f"n{i - 1}") for i in range(1, depth)]
    chain.append(part("leaf", parent=f"n{depth - 1}", status=P.FULFILLED))
    tree = PledgeTree(reversed(chain))
    assert tree.progress("n0") == 1
    assert tree.roots() == ("n0",)
    halfway = part("leaf", parent=f"n{depth - 1}", milestones=(done("a"), open_("b")))
    half = [*chain[:-1], halfway]
    assert PledgeTree(half).progress("n0") == Fraction(1, 2)


def test_a_cycle_is_refused():
    a, b = part("a", parent="b"), part("b", parent="a")
    with pytest.raises(HierarchyError) as caught:
        PledgeTree([ROAD, a, b])
    assert caught.value.field in ("pledges['a'].parent", "pledges['b'].parent")
    assert caught.value.value in ("a", "b")
    assert "cycle" in caught.value.problem


def test_a_long_cycle_hanging_under_nothing_is_refused():
    ring = [part(f"r{i}", parent=f"r{(i + 1) % 50}") for i in range(50)]
    with pytest.raises(HierarchyError) as caught:
        PledgeTree([ROAD, part("ok", weight=None), *ring])
    assert caught.value.field.startswith("pledges['r")
    assert caught.value.field.endswith("'].parent")


def test_a_pledge_cannot_be_its_own_parent():
    with pytest.raises(InconsistentRecordError) as caught:
        part("loop", parent="loop")
    assert (caught.value.field, caught.value.value) == ("Pledge.parent", "loop")


def test_an_unknown_parent_is_refused():
    with pytest.raises(NotFoundError) as caught:
        PledgeTree([ROAD, part("a", parent="bridge")])
    assert (caught.value.field, caught.value.value) == ("pledges['a'].parent", "bridge")


def test_the_same_id_twice_is_refused():
    with pytest.raises(DuplicateError) as caught:
        PledgeTree([ROAD, part("a"), part("a", weight=2)])
    assert (caught.value.field, caught.value.value) == ("pledges[2].id", "a")


def test_only_pledges_make_a_tree():
    with pytest.raises(InvalidTypeError) as caught:
        PledgeTree([ROAD, "a"])
    assert (caught.value.field, caught.value.value) == ("pledges[1]", "a")


def test_asking_about_a_pledge_not_in_the_tree_is_a_not_found_error():
    tree = PledgeTree([ROAD])
    for ask in (tree.progress, tree.progress_rate, tree.children):
        with pytest.raises(NotFoundError) as caught:
            ask("bridge")
        assert (caught.value.field, caught.value.value) == ("pledge_id", "bridge")


def test_an_empty_tree_is_empty():
    tree = PledgeTree([])
    assert len(tree) == 0
    assert tree.roots() == ()


def test_the_ledger_rolls_up_the_pledges_it_holds():
    leader = Actor(id="lead", role=Role.SUPERVISOR)
    ledger = PledgeLedger(clock=FixedClock(T0))
    for pledge in (ROAD, part("a", weight=1), part("b", weight=3)):
        ledger.claim(attrs.evolve(pledge, status=P.DRAFT), actor=leader)
    assert ledger.progress("road") == 0
    ledger.apply("b", "add_milestones", actor=leader, at=T0, milestones=[open_("x")])
    charter = ProjectCharter(
        goal="西段通车",
        measures=["拓宽路面"],
        lead="lead",
        task_force=["county-transport"],
        deadline=T0.add(days=30),
    )
    ledger.apply("b", "publish", actor=leader, at=T0, charter=charter)
    ledger.apply("b", "start", actor=leader, at=T0)
    ledger.apply("b", "complete_milestone", actor=leader, at=T0.add(days=1), milestone="x")
    assert ledger.progress("b") == 1
    assert ledger.progress("road") == Fraction(3, 4)
    ledger.apply("b", "fulfil", actor=leader, at=T0.add(days=2))
    assert ledger.tree().progress("road") == Fraction(3, 4)
    with pytest.raises(NotFoundError) as caught:
        ledger.progress("bridge")
    assert caught.value.field == "pledge_id"


# -- 3. properties over random trees -------------------------------------------------------

STATUSES = list(PledgeStatus)


@st.composite
def forests(draw: st.DrawFn) -> list[Pledge]:
    """A few random trees of random depth whose weights follow the rules.

    Node i hangs under one of the nodes before it (or nothing), so depth varies
    from flat to a chain. Each parent gives weights to all of its children or to
    none; a parent whose live parts would all weigh 0 gets one weight of 1.
    """
    size = draw(st.integers(min_value=1, max_value=14))
    parents: list[int | None] = [None]
    for index in range(1, size):
        parents.append(draw(st.none() | st.integers(min_value=0, max_value=index - 1)))
    weighted = [draw(st.booleans()) for _ in range(size)]
    nodes: list[Pledge] = []
    for index, parent in enumerate(parents):
        status = draw(st.sampled_from(STATUSES))
        names = draw(st.lists(st.sampled_from("abcd"), max_size=3, unique=True))
        plan = tuple(
            Milestone(
                name=name,
                weight=draw(st.integers(1, 4)),
                done_at=DONE_AT if status is P.FULFILLED or draw(st.booleans()) else None,
            )
            for name in names
        )
        uses_weights = parent is not None and weighted[parent]
        weight = draw(st.integers(0, 4)) if uses_weights else None
        nodes.append(
            part(
                f"p{index}",
                parent=None if parent is None else f"p{parent}",
                weight=weight,
                status=status,
                milestones=plan,
            )
        )
    for node in nodes:
        live = [c for c in nodes if c.parent == node.id and c.status is not P.WITHDRAWN]
        if live and not node.milestones and all(c.weight == 0 for c in live):
            live[0].weight = 1
    order = draw(st.permutations(range(size)))
    return [nodes[i] for i in order]


def expected_progress(nodes: list[Pledge], pledge_id: str) -> Fraction:
    """PledgeTree's rules, recursively, straight from the docstring."""
    node = next(n for n in nodes if n.id == pledge_id)
    if node.status is P.FULFILLED:
        return Fraction(1)
    parts = [(m.weight, Fraction(m.done_at is not None)) for m in node.milestones]
    for child in nodes:
        if child.parent == pledge_id and child.status is not P.WITHDRAWN:
            weight = 1 if child.weight is None else child.weight
            parts.append((weight, expected_progress(nodes, child.id)))
    total = sum(weight for weight, _ in parts)
    if total == 0:
        return Fraction(0)
    return sum((weight * share for weight, share in parts), Fraction(0)) / total


def live_children(nodes: list[Pledge], pledge_id: str) -> list[Pledge]:
    return [n for n in nodes if n.parent == pledge_id and n.status is not P.WITHDRAWN]


@given(forests())
def test_progress_follows_the_rules_and_stays_between_0_and_1(nodes):
    tree = PledgeTree(nodes)
    assert len(tree) == len(nodes)
    for node in nodes:
        progress = tree.progress(node.id)
        assert 0 <= progress <= 1
        assert progress == expected_progress(nodes, node.id)
        text = tree.progress_rate(node.id).format()
        assert text.endswith("%")
        assert 0 <= float(text[:-1]) <= 100
        assert text == Rate(progress.numerator, progress.denominator).format()
        if node.status is P.FULFILLED:
            assert progress == 1
        if not live_children(nodes, node.id):
            assert progress == node.progress


@given(forests())
def test_a_parent_with_no_milestones_is_the_weighted_mean_of_its_live_children(nodes):
    tree = PledgeTree(nodes)
    for node in nodes:
        live = live_children(nodes, node.id)
        if node.status is P.FULFILLED or node.milestones or not live:
            continue
        weights = [1 if child.weight is None else child.weight for child in live]
        mean = sum(
            (w * tree.progress(c.id) for w, c in zip(weights, live, strict=True)), Fraction(0)
        ) / sum(weights)
        assert tree.progress(node.id) == mean


@given(forests(), st.data())
def test_adding_a_done_milestone_never_lowers_any_progress(nodes, data):
    before = PledgeTree(nodes)
    target = data.draw(st.sampled_from(nodes))
    weight = data.draw(st.integers(1, 5))
    target.milestones = (*target.milestones, done("新增节点", weight))
    after = PledgeTree(nodes)
    for node in nodes:
        assert after.progress(node.id) >= before.progress(node.id), node.id
    if target.status is not P.FULFILLED:
        assert after.progress(target.id) > before.progress(target.id) or (
            before.progress(target.id) == 1
        )


@given(forests(), st.data())
def test_withdrawing_a_child_takes_it_out_of_its_parents_mean(nodes, data):
    children = [n for n in nodes if n.parent is not None and n.status is not P.WITHDRAWN]
    assume(children)
    child = data.draw(st.sampled_from(children))
    parent = next(n for n in nodes if n.id == child.parent)
    siblings = [c for c in live_children(nodes, parent.id) if c is not child]
    assume(parent.milestones or not siblings or any(s.weight != 0 for s in siblings))
    child.update(status=P.WITHDRAWN, fulfilled_at=None, withdrawn_at=DONE_AT)
    tree = PledgeTree(nodes)
    assert tree.progress(parent.id) == expected_progress(nodes, parent.id)
