"""Projects made of parts: pledges under a parent pledge, with progress rolled
up by weight to any depth."""

from collections.abc import Iterable, Sequence
from fractions import Fraction
from typing import Any, Protocol, final

from banshishi._core.errors import (
    DuplicateError,
    HierarchyError,
    InconsistentRecordError,
    InvalidTypeError,
    NotFoundError,
)
from banshishi._core.validators import items_given

from .milestone import Milestone
from .pledge import Pledge
from .rate import Rate
from .vocabulary import PledgeStatus


class PledgePart(Protocol):
    """What :class:`PledgeTree` reads of a pledge: a :class:`Pledge`, a pledge
    ledger's row, or a pledge as it stood at a moment."""

    @property
    def id(self) -> str: ...
    @property
    def parent(self) -> str | None: ...
    @property
    def weight(self) -> int | None: ...
    @property
    def status(self) -> PledgeStatus: ...
    @property
    def milestones(self) -> Sequence[Milestone]: ...


@final
class PledgeTree:
    """Pledges arranged under their ``parent``, and the progress of each.

    A pledge's progress, from 0 to 1, is:

    - 1 once it is fulfilled (已践诺), whatever its parts say;
    - otherwise the weighted mean of its parts: each milestone (its ``weight``;
      1 if done, else 0) and each child pledge that is not withdrawn (its
      ``weight``; its own progress, rolled up the same way);
    - 0 for a pledge with no parts that is not fulfilled.

    Weights are explicit. Among the children of one parent, either every
    ``weight`` is given or none is: with none, each child counts 1; a mix is
    refused, naming the child without one, rather than guessed. A weight of 0 is
    allowed and makes that part count for nothing, but a pledge whose parts all
    weigh 0 is refused, as its progress would be undefined. Withdrawn children
    are left out of their parent's parts.

    >>> import pendulum
    >>> from banshishi import PledgeListKind, PledgerKind
    >>> at = pendulum.datetime(2026, 3, 2, 9, tz="Asia/Shanghai")
    >>> def part(id, weight=None, parent="road", done=False):
    ...     return Pledge(id=id, title=id, pledger="county", parent=parent, weight=weight,
    ...         pledger_kind=PledgerKind.LEADERSHIP_TEAM, list_kind=PledgeListKind.KEY_PROJECT,
    ...         claimed_at=at, status=PledgeStatus.FULFILLED if done else PledgeStatus.IN_PROGRESS,
    ...         fulfilled_at=at if done else None)
    >>> tree = PledgeTree([part("road", parent=None), part("east", 1, done=True), part("west", 3)])
    >>> tree.progress("road")
    Fraction(1, 4)
    >>> tree.progress_rate("road").format()
    '25.0%'
    """

    def __init__(self, pledges: Iterable[Pledge]) -> None:
        self._build(items_given(pledges, Pledge, field="pledges"))

    @classmethod
    def of_records(cls, records: Iterable[PledgePart], *, subtree: bool = False) -> "PledgeTree":
        """A tree over records that read like pledges (``id``, ``parent``,
        ``weight``, ``status`` and ``milestones``: a pledge ledger's rows, say),
        taken as they are, without the checks :class:`Pledge` makes. With
        ``subtree``, the records are one project's subtree: a parent outside them
        (the root's) is passed over rather than refused."""
        tree: PledgeTree = cls.__new__(cls)
        try:
            tree._build(list(records), part=subtree)
        except AttributeError as error:
            raise InvalidTypeError(
                field="records",
                value=records,
                problem=f"must read like pledges: {error}",
            ) from error
        return tree

    def _build(self, records: list[Any], *, part: bool = False) -> None:
        nodes: dict[str, Any] = {}
        for index, record in enumerate(records):
            if record.id in nodes:
                raise DuplicateError(
                    field=f"pledges[{index}].id", value=record.id, problem="appears twice"
                )
            nodes[record.id] = record
        children: dict[str, list[str]] = {}
        for record in nodes.values():
            if record.parent is None:
                continue
            if record.parent not in nodes:
                if part:
                    continue  # the root of the subtree asked for
                raise NotFoundError(
                    field=f"pledges[{record.id!r}].parent",
                    value=record.parent,
                    problem="is not one of the pledges given",
                )
            children.setdefault(record.parent, []).append(record.id)
        self._nodes = nodes
        self._children = {key: tuple(value) for key, value in children.items()}
        self._progress: dict[str, Fraction] = {}
        for pledge_id in self._post_order():
            self._progress[pledge_id] = self._own_progress(nodes[pledge_id])

    def _post_order(self) -> list[str]:
        """Every pledge, children before parents; a cycle in ``parent`` is refused."""
        order: list[str] = []
        state: dict[str, int] = {}  # 1: being visited, 2: done
        for start in self._nodes:
            if state.get(start) == 2:
                continue
            stack = [(start, iter(self._children.get(start, ())))]
            state[start] = 1
            while stack:
                node, pending = stack[-1]
                child = next(pending, None)
                if child is None:
                    stack.pop()
                    state[node] = 2
                    order.append(node)
                elif state.get(child) == 1:
                    raise HierarchyError(
                        field=f"pledges[{child!r}].parent",
                        value=self._nodes[child].parent,
                        problem="makes a cycle: a pledge would be part of itself",
                    )
                elif state.get(child) is None:
                    state[child] = 1
                    stack.append((child, iter(self._children.get(child, ()))))
        unvisited = [node for node in self._nodes if state.get(node) != 2]
        if unvisited:  # nodes reachable from no root: they sit on a cycle
            first = unvisited[0]
            raise HierarchyError(
                field=f"pledges[{first!r}].parent",
                value=self._nodes[first].parent,
                problem="makes a cycle: a pledge would be part of itself",
            )
        return order

    def _own_progress(self, record: Any) -> Fraction:
        if record.status is PledgeStatus.FULFILLED:
            return Fraction(1)
        total = done = 0  # milestone weights: whole numbers, kept exact without Fractions
        for milestone in record.milestones:
            total += milestone.weight
            if milestone.done_at is not None:
                done += milestone.weight
        children = self._children.get(record.id)
        if not children:
            return Fraction(done, total) if total else Fraction(0)
        live = [
            self._nodes[child]
            for child in children
            if self._nodes[child].status is not PledgeStatus.WITHDRAWN
        ]
        given = [child for child in live if child.weight is not None]
        if given and len(given) != len(live):
            missing = next(child for child in live if child.weight is None)
            raise InconsistentRecordError(
                field=f"pledges[{missing.id!r}].weight",
                value=None,
                problem=f"is missing while other parts of {record.id!r} have weights",
                hint="Give every part of a project a weight, or none (then each counts 1).",
            )
        # Children's shares are added per denominator in whole numbers, and made
        # Fractions once per denominator: exact, and far cheaper on wide projects.
        by_denominator: dict[int, int] = {1: done}
        progress = self._progress
        for child in live:
            weight = 1 if child.weight is None else child.weight
            total += weight
            part = progress[child.id]
            denominator = part.denominator
            by_denominator[denominator] = (
                by_denominator.get(denominator, 0) + weight * part.numerator
            )
        share = sum((Fraction(n, d) for d, n in by_denominator.items()), Fraction(0))
        if not total:
            if not live and not record.milestones:
                return Fraction(0)
            raise InconsistentRecordError(
                field=f"pledges[{record.id!r}]",
                value=[child.id for child in live],
                problem="has parts that all weigh 0, so its progress is undefined",
            )
        return share / total

    def __len__(self) -> int:
        return len(self._nodes)

    def __contains__(self, pledge_id: object) -> bool:
        return pledge_id in self._nodes

    def progress(self, pledge_id: str) -> Fraction:
        """The progress of ``pledge_id`` from 0 to 1, rolled up from its parts."""
        try:
            return self._progress[pledge_id]
        except (KeyError, TypeError):
            raise NotFoundError(
                field="pledge_id", value=pledge_id, problem="is not in the tree"
            ) from None

    def progress_rate(self, pledge_id: str) -> Rate:
        """:meth:`progress` as a :class:`Rate`, to print it half-up like any rate."""
        share = self.progress(pledge_id)
        return Rate(share.numerator, share.denominator)

    def children(self, pledge_id: str) -> tuple[str, ...]:
        """The ids of the pledges directly under ``pledge_id``."""
        self.progress(pledge_id)
        return self._children.get(pledge_id, ())

    def roots(self) -> tuple[str, ...]:
        """The ids of the pledges that are part of no other."""
        return tuple(pid for pid, record in self._nodes.items() if record.parent is None)
