"""A rate together with the items behind it."""

from collections.abc import Callable, Iterable
from typing import Generic, TypeVar, final

import attrs

from banshishi._core.validators import of_type
from banshishi._model.rate import NO_DATA, Rate

Item = TypeVar("Item")
Predicate = Callable[[Item], bool]


@final
@attrs.frozen(kw_only=True)
class Breakdown(Generic[Item]):
    """The items a rate was computed from, so a supervisor can ask "which ones?".

    ``denominator`` holds every item the rate is out of, ``numerator`` those of
    them that count as done (satisfied, on time, …), and ``excluded`` the items
    looked at but left out by rule, such as dismissed issues. ``shortfall`` gives
    the items still missing from the numerator: for a completion rate, the ones
    not done.
    """

    numerator: tuple[Item, ...] = attrs.field(validator=of_type(tuple))
    denominator: tuple[Item, ...] = attrs.field(validator=of_type(tuple))
    excluded: tuple[Item, ...] = attrs.field(default=(), validator=of_type(tuple))

    def __attrs_post_init__(self) -> None:
        self.rate  # noqa: B018 - refuses a numerator longer than the denominator

    @classmethod
    def of(
        cls, denominator: Iterable[Item], is_counted: Predicate[Item], excluded: Iterable[Item] = ()
    ) -> "Breakdown[Item]":
        """Build a breakdown: ``is_counted`` picks the numerator out of ``denominator``."""
        items = tuple(denominator)
        return cls(
            numerator=tuple(item for item in items if is_counted(item)),
            denominator=items,
            excluded=tuple(excluded),
        )

    @property
    def rate(self) -> Rate:
        return Rate(len(self.numerator), len(self.denominator))

    @property
    def shortfall(self) -> tuple[Item, ...]:
        """Items in the denominator but not the numerator, in denominator order.

        Items are matched by identity, not equality: two equal issues are still two
        issues, and items need not be hashable.
        """
        counted = {id(item) for item in self.numerator}
        return tuple(item for item in self.denominator if id(item) not in counted)

    def format(self, places: int = 1, *, no_data: str = NO_DATA) -> str:
        """The rate's percentage; see :meth:`Rate.format`."""
        return self.rate.format(places, no_data=no_data)

    def __str__(self) -> str:
        return str(self.rate)

    def __add__(self, other: "Breakdown[Item]") -> "Breakdown[Item]":
        if not isinstance(other, Breakdown):
            return NotImplemented
        return Breakdown(
            numerator=self.numerator + other.numerator,
            denominator=self.denominator + other.denominator,
            excluded=self.excluded + other.excluded,
        )

    def __radd__(self, other: object) -> "Breakdown[Item]":
        # Lets sum() start from its default 0.
        if other == 0 and not isinstance(other, bool):
            return self
        return NotImplemented
