"""Organisations (units) and the hierarchy they form.

Each level drives and supervises the level below (一级抓一级、一级督一级), and a
report for a county covers every township and village under it. ``UnitTree``
numbers the units in depth-first order once, so that "this unit and everything
under it" is a slice of one list and "is X under Y" is two integer comparisons.
"""

from collections.abc import Iterable, Iterator, Mapping
from typing import Protocol, Self, TypeVar, final

import attrs

from banshishi._core.errors import DuplicateError, HierarchyError, InvalidTypeError, NotFoundError
from banshishi._core.labels import LabelledEnum
from banshishi._core.validators import member_of, optional_text, text


@final
class Level(LabelledEnum):
    """An administrative level, from the top down."""

    PROVINCE = "province", "省/自治区"  # province or autonomous region
    CITY = "city", "市/盟"  # city or league
    COUNTY = "county", "县/旗/区"  # county, banner or district
    TOWNSHIP = "township", "乡/镇/苏木/街道"  # township, town, sumu or street
    VILLAGE = "village", "村/嘎查/社区"  # village, gacha or community

    @property
    def depth(self) -> int:
        """0 for a province down to 4 for a village or community."""
        return list(Level).index(self)


@final
@attrs.frozen(kw_only=True)
class Unit:
    """An organisation that can be responsible for issues: a government, an office,
    a school, a street office, a village committee.

    ``parent`` is the id of the unit above it, or ``None`` at the top. A unit may
    sit at the same level as its parent (a county bureau under the county
    government) but never above it.
    """

    id: str = attrs.field(validator=text())
    name: str = attrs.field(validator=text())
    level: Level = attrs.field(validator=member_of(Level))
    parent: str | None = attrs.field(default=None, validator=optional_text)


class _Addable(Protocol):
    def __add__(self, other: Self, /) -> Self: ...


Total = TypeVar("Total", bound=_Addable)
UnitKey = TypeVar("UnitKey", bound=str | None)


@final
class UnitTree:
    """A set of units forming one or more trees, indexed for subtree questions.

    >>> tree = UnitTree([
    ...     Unit(id="county", name="某县", level=Level.COUNTY),
    ...     Unit(id="town", name="某镇", level=Level.TOWNSHIP, parent="county"),
    ...     Unit(id="village", name="某村", level=Level.VILLAGE, parent="town"),
    ... ])
    >>> tree.subtree("town")
    ('town', 'village')
    >>> tree.is_within("village", "county")
    True
    """

    __slots__ = ("_children", "_end", "_order", "_start", "_units")

    def __init__(self, units: Iterable[Unit]) -> None:
        self._units: dict[str, Unit] = {}
        for unit in units:
            if not isinstance(unit, Unit):
                raise InvalidTypeError(
                    field="UnitTree.units", value=unit, problem="must hold Units"
                )
            if unit.id in self._units:
                raise DuplicateError(field="Unit.id", value=unit.id, problem="appears twice")
            self._units[unit.id] = unit
        self._children: dict[str | None, list[str]] = {}
        for unit in self._units.values():
            if unit.parent is not None:
                parent = self._units.get(unit.parent)
                if parent is None:
                    raise NotFoundError(
                        field=f"Unit.parent of {unit.id!r}",
                        value=unit.parent,
                        problem="names no unit in the tree",
                    )
                if unit.level.depth < parent.level.depth:
                    raise HierarchyError(
                        field=f"Unit.level of {unit.id!r}",
                        value=unit.level,
                        problem=f"ranks above its parent's level {parent.level.value!r}",
                    )
            self._children.setdefault(unit.parent, []).append(unit.id)
        self._order: list[str] = []
        self._start: dict[str, int] = {}
        self._end: dict[str, int] = {}
        self._number(self._children.get(None, []))
        if len(self._order) != len(self._units):
            stray = next(uid for uid in self._units if uid not in self._start)
            raise HierarchyError(
                field=f"Unit.parent of {stray!r}",
                value=stray,
                problem="is part of a cycle, or hangs under one",
            )

    def _number(self, roots: list[str]) -> None:
        # Iterative depth-first walk, so a deep hierarchy cannot hit the recursion limit.
        stack: list[tuple[str, bool]] = [(uid, False) for uid in reversed(roots)]
        while stack:
            uid, done = stack.pop()
            if done:
                self._end[uid] = len(self._order)
                continue
            self._start[uid] = len(self._order)
            self._order.append(uid)
            stack.append((uid, True))
            stack.extend((child, False) for child in reversed(self._children.get(uid, [])))

    def __len__(self) -> int:
        return len(self._units)

    def __iter__(self) -> Iterator[Unit]:
        """Units in depth-first order: every unit comes before the units under it."""
        return (self._units[uid] for uid in self._order)

    def __contains__(self, unit_id: object) -> bool:
        try:
            return unit_id in self._units
        except TypeError:  # an unhashable value is not an id
            return False

    def __getitem__(self, unit_id: str) -> Unit:
        try:
            return self._units[unit_id]
        except (KeyError, TypeError):
            raise NotFoundError(field="unit", value=unit_id, problem="is not in the tree") from None

    def subtree(self, unit_id: str) -> tuple[str, ...]:
        """The ids of ``unit_id`` and every unit under it, ``unit_id`` first."""
        self[unit_id]
        return tuple(self._order[self._start[unit_id] : self._end[unit_id]])

    def is_within(self, unit_id: str, ancestor_id: str) -> bool:
        """Whether ``unit_id`` is ``ancestor_id`` or lies anywhere under it."""
        self[unit_id]
        self[ancestor_id]
        return self._start[ancestor_id] <= self._start[unit_id] < self._end[ancestor_id]

    def children(self, unit_id: str) -> tuple[str, ...]:
        """The ids of the units directly under ``unit_id``."""
        self[unit_id]
        return tuple(self._children.get(unit_id, ()))

    def ancestors(self, unit_id: str) -> tuple[str, ...]:
        """The ids above ``unit_id``, its parent first and the top of its tree last."""
        chain: list[str] = []
        parent = self[unit_id].parent
        while parent is not None:
            chain.append(parent)
            parent = self._units[parent].parent
        return tuple(chain)

    def level_of(self, unit_id: str) -> Level:
        """The level of ``unit_id``."""
        return self[unit_id].level

    def roll_up(self, per_unit: Mapping[UnitKey, Total]) -> dict[str, Total]:
        """Totals for every unit's subtree, by adding the values of the units in it.

        ``per_unit`` maps unit ids to anything that supports ``+`` (a ``Rate``, a
        ``Breakdown``, an ``int``); each unit's total is its own value plus its
        children's totals, so counts are added and percentages never averaged.
        Units with nothing in their subtree are left out. A key that is not a unit
        of the tree (``None`` included) raises ``NotFoundError``.
        """
        if not isinstance(per_unit, Mapping):
            raise InvalidTypeError(
                field="roll_up", value=per_unit, problem="must be a mapping of unit ids to totals"
            )
        own: dict[str, Total] = {}
        for key, value in per_unit.items():
            if key is None or key not in self._units:
                raise NotFoundError(
                    field="roll_up key",
                    value=key,
                    problem="is not a unit of the tree",
                    hint="Drop or assign items without a unit before rolling up.",
                )
            if value is None:
                raise InvalidTypeError(
                    field=f"roll_up[{key!r}]", value=value, problem="must be a total, not None"
                )
            own[key] = value
        totals: dict[str, Total] = {}
        for unit_id in reversed(self._order):
            total = own.get(unit_id)
            for child in self._children.get(unit_id, ()):
                if child not in totals:
                    continue
                try:
                    total = totals[child] if total is None else total + totals[child]
                except TypeError:
                    raise InvalidTypeError(
                        field=f"roll_up[{unit_id!r}]",
                        value=total,
                        problem=f"cannot be added to the total of {child!r}",
                    ) from None
            if total is not None:
                totals[unit_id] = total
        return {uid: totals[uid] for uid in self._order if uid in totals}
