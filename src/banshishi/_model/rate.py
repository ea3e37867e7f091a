"""Rates as exact fractions: the numbers that end up printed in reports."""

from fractions import Fraction
from typing import final

import attrs

from banshishi._core.errors import InvalidCountError, InvalidTypeError
from banshishi._core.validators import whole_number

NO_DATA = "—"
"""How a rate with nothing in its denominator prints by default: never as 0%."""


@final
@attrs.frozen
class Rate:
    """``numerator`` out of ``denominator``, kept as counts.

    Adding two rates adds their counts, which is how rates roll up from units to
    the level above: a county's completion rate is its townships' done items over
    their due items, never the average of their percentages.

    >>> Rate(432, 1248).format()
    '34.6%'
    >>> (Rate(432, 1248) + Rate(902, 2410)).format()
    '36.5%'
    >>> Rate(0, 0).format()
    '—'
    """

    numerator: int = attrs.field(validator=whole_number(0, error=InvalidCountError))
    denominator: int = attrs.field(validator=whole_number(0, error=InvalidCountError))

    def __attrs_post_init__(self) -> None:
        if self.numerator > self.denominator:
            raise InvalidCountError(
                field="Rate.numerator",
                value=self.numerator,
                problem=f"is larger than the denominator {self.denominator}",
            )

    @property
    def has_data(self) -> bool:
        """False when the denominator is zero: there was nothing to count."""
        return self.denominator > 0

    @property
    def value(self) -> Fraction | None:
        """The exact share from 0 to 1, or ``None`` when there is no data."""
        return Fraction(self.numerator, self.denominator) if self.denominator else None

    @property
    def shortfall(self) -> int:
        """How many in the denominator are not in the numerator."""
        return self.denominator - self.numerator

    def format(self, places: int = 1, *, no_data: str = NO_DATA) -> str:
        """The percentage rounded half-up (四舍五入) to ``places`` decimals, e.g. ``"57.3%"``.

        Rounding uses integer arithmetic on the exact fraction, so a value exactly
        halfway rounds up and nothing is lost to binary floating point.
        """
        if not isinstance(places, int) or isinstance(places, bool) or not 0 <= places <= 20:
            raise InvalidTypeError(
                field="Rate.format.places", value=places, problem="must be a whole number 0–20"
            )
        if not self.denominator:
            return no_data
        scale = 10**places
        whole, remainder = divmod(self.numerator * 100 * scale, self.denominator)
        if 2 * remainder >= self.denominator:
            whole += 1
        integer, fraction = divmod(whole, scale)
        return f"{integer}.{fraction:0{places}d}%" if places else f"{integer}%"

    def __str__(self) -> str:
        return f"{self.format()} ({self.numerator}/{self.denominator})"

    def __add__(self, other: "Rate") -> "Rate":
        if not isinstance(other, Rate):
            return NotImplemented
        return Rate(self.numerator + other.numerator, self.denominator + other.denominator)

    def __radd__(self, other: object) -> "Rate":
        # Lets sum() start from its default 0.
        if other == 0 and not isinstance(other, bool):
            return self
        return NotImplemented
