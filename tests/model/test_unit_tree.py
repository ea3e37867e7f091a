"""UnitTree: subtree questions, refusals of non-trees, and rolling counts up the levels."""

import pytest
from hypothesis import given
from hypothesis import strategies as st

from banshishi import (
    BanshishiError,
    DuplicateError,
    HierarchyError,
    Level,
    NotFoundError,
    Rate,
    Unit,
    UnitTree,
)
from strategies import rates


def unit(uid, level, parent=None):
    return Unit(id=uid, name=f"单位{uid}", level=level, parent=parent)


COUNTY = [
    unit("county", Level.COUNTY),
    unit("t1", Level.TOWNSHIP, "county"),
    unit("t2", Level.TOWNSHIP, "county"),
    unit("v1a", Level.VILLAGE, "t1"),
    unit("v1b", Level.VILLAGE, "t1"),
    unit("v2a", Level.VILLAGE, "t2"),
    unit("bureau", Level.COUNTY, "county"),  # same level as its parent: allowed
]


@pytest.fixture
def tree():
    return UnitTree(COUNTY)


def test_a_subtree_is_the_unit_first_then_everything_under_it(tree):
    assert tree.subtree("county")[0] == "county"
    assert set(tree.subtree("county")) == {u.id for u in COUNTY}
    assert tree.subtree("t1") == ("t1", "v1a", "v1b")
    assert tree.subtree("v2a") == ("v2a",)


def test_is_within_holds_for_the_unit_itself_and_its_descendants_only(tree):
    assert tree.is_within("v1a", "county")
    assert tree.is_within("v1a", "t1")
    assert tree.is_within("t1", "t1")
    assert not tree.is_within("v1a", "t2")
    assert not tree.is_within("county", "t1")
    assert not tree.is_within("t2", "t1")


def test_children_ancestors_and_levels_follow_the_parent_links(tree):
    assert tree.children("county") == ("t1", "t2", "bureau")
    assert tree.children("t1") == ("v1a", "v1b")
    assert tree.children("v1b") == ()
    assert tree.ancestors("v1b") == ("t1", "county")
    assert tree.ancestors("county") == ()
    assert tree.level_of("t2") is Level.TOWNSHIP
    assert tree.level_of("bureau") is Level.COUNTY
    assert len(tree) == len(COUNTY)
    assert "t1" in tree
    assert "nowhere" not in tree


def test_iteration_puts_every_unit_before_the_units_under_it(tree):
    order = [u.id for u in tree]
    for u in COUNTY:
        if u.parent is not None:
            assert order.index(u.parent) < order.index(u.id)


def expect(cls, builtin, value, action):
    with pytest.raises(cls) as caught:
        action()
    assert isinstance(caught.value, BanshishiError)
    assert isinstance(caught.value, builtin)
    assert caught.value.value == value
    return caught.value


def test_a_repeated_id_is_a_duplicate():
    twice = [*COUNTY, unit("t1", Level.TOWNSHIP, "county")]
    error = expect(DuplicateError, ValueError, "t1", lambda: UnitTree(twice))
    assert error.field == "Unit.id"


def test_an_unknown_parent_is_not_found():
    orphan = [*COUNTY, unit("v9", Level.VILLAGE, "t9")]
    error = expect(NotFoundError, KeyError, "t9", lambda: UnitTree(orphan))
    assert "v9" in error.field


QUERIES = {
    "subtree": lambda t: t.subtree("nowhere"),
    "children": lambda t: t.children("nowhere"),
    "ancestors": lambda t: t.ancestors("nowhere"),
    "level_of": lambda t: t.level_of("nowhere"),
    "getitem": lambda t: t["nowhere"],
    "is_within unit": lambda t: t.is_within("nowhere", "county"),
    "is_within ancestor": lambda t: t.is_within("t1", "nowhere"),
}


@pytest.mark.parametrize("query", QUERIES.values(), ids=QUERIES.keys())
def test_an_unknown_id_in_a_query_is_not_found_rather_than_a_bare_key_error(tree, query):
    expect(NotFoundError, KeyError, "nowhere", lambda: query(tree))


@pytest.mark.parametrize(
    "units",
    [
        [unit("a", Level.COUNTY, "b"), unit("b", Level.COUNTY, "a")],
        [unit("a", Level.COUNTY, "a")],
        [unit("r", Level.COUNTY), unit("a", Level.TOWNSHIP, "c"), unit("c", Level.TOWNSHIP, "a")],
    ],
    ids=["two-cycle", "self-parent", "cycle-beside-a-root"],
)
def test_a_cycle_is_a_hierarchy_error(units):
    with pytest.raises(HierarchyError) as caught:
        UnitTree(units)
    assert isinstance(caught.value, ValueError)
    assert caught.value.value in {"a", "b", "c"}


def test_a_child_ranked_above_its_parent_is_a_hierarchy_error():
    units = [unit("town", Level.TOWNSHIP), unit("county", Level.COUNTY, "town")]
    error = expect(HierarchyError, ValueError, Level.COUNTY, lambda: UnitTree(units))
    assert "county" in error.field


def test_a_deep_chain_of_same_level_units_does_not_hit_the_recursion_limit():
    depth = 5_000
    chain = [unit("u0", Level.VILLAGE)]
    chain += [unit(f"u{i}", Level.VILLAGE, f"u{i - 1}") for i in range(1, depth)]
    tree = UnitTree(reversed(chain))
    assert tree.subtree("u0") == tuple(f"u{i}" for i in range(depth))
    assert len(tree.ancestors(f"u{depth - 1}")) == depth - 1
    assert tree.is_within(f"u{depth - 1}", "u0")
    totals = tree.roll_up({f"u{i}": 1 for i in range(depth)})
    assert totals["u0"] == depth
    assert totals[f"u{depth - 1}"] == 1


def test_roll_up_adds_counts_rather_than_averaging_percentages(tree):
    totals = tree.roll_up({"v1a": Rate(1, 1), "v1b": Rate(0, 3), "t2": Rate(2, 4)})
    assert totals["t1"] == Rate(1, 4)
    assert totals["t2"] == Rate(2, 4)
    assert totals["county"] == Rate(3, 8)
    assert "bureau" not in totals
    assert "v2a" not in totals


@pytest.mark.parametrize("key", [None, "nowhere"])
def test_roll_up_refuses_a_key_that_is_not_a_unit_of_the_tree(tree, key):
    error = expect(NotFoundError, KeyError, key, lambda: tree.roll_up({"t1": Rate(1, 2), key: 1}))
    assert error.field == "roll_up key"


@st.composite
def random_trees(draw):
    """Units whose parents are chosen among earlier units, listed in a shuffled order."""
    size = draw(st.integers(min_value=1, max_value=25))
    units = []
    for i in range(size):
        parent = draw(st.none() | st.integers(0, i - 1)) if i else None
        floor = units[parent].level.depth if parent is not None else 0
        depth = draw(st.integers(min_value=floor, max_value=4))
        units.append(unit(f"u{i}", list(Level)[depth], None if parent is None else f"u{parent}"))
    return draw(st.permutations(units))


@given(random_trees(), st.data())
def test_each_rolled_up_rate_is_the_sum_over_a_brute_force_subtree(units, data):
    tree = UnitTree(units)
    ids = [u.id for u in units]
    chosen = data.draw(st.lists(st.sampled_from(ids), unique=True))
    per_unit = {uid: data.draw(rates) for uid in chosen}
    totals = tree.roll_up(per_unit)
    for uid in ids:
        members = [v for v in ids if v == uid or uid in tree.ancestors(v)]
        assert set(tree.subtree(uid)) == set(members)
        assert all(tree.is_within(v, uid) == (v in members) for v in ids)
        expected = [per_unit[v] for v in members if v in per_unit]
        if expected:
            assert totals[uid] == Rate(
                sum(r.numerator for r in expected), sum(r.denominator for r in expected)
            )
        else:
            assert uid not in totals
