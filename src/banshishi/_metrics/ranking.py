"""Ranking units by a score, with a minimum sample (最低样本量).

A township with 3 ratings, all good, scores 100%; one with 3,000 ratings at 90%
has earned its figure far more surely. A league table that ranks the first above
the second rewards luck, so :func:`rank_units` ranks only units whose score rests
on at least ``min_sample`` items and lists the rest after them, unranked, with
the reason.
"""

from collections.abc import Mapping
from fractions import Fraction
from typing import Any, final

import attrs

from banshishi._core.errors import InconsistentRecordError, InvalidTypeError, InvalidValueError
from banshishi._core.validators import field_name, of_type, text, whole_number
from banshishi._model.rate import Rate

from .breakdown import Breakdown
from .composite import CompositeScore

DEFAULT_MIN_SAMPLE = 30
"""The default minimum sample: an assumption (a common rule of thumb), not a standard."""


_fraction_or_none = of_type(Fraction, optional=True)


def _check_score(instance: object, attribute: "attrs.Attribute[Any]", value: object) -> None:
    _fraction_or_none(instance, attribute, value)
    if isinstance(value, Fraction) and not 0 <= value <= 1:
        raise InvalidValueError(
            field=field_name(instance, attribute), value=value, problem="must be from 0 to 1"
        )


@final
@attrs.frozen(kw_only=True)
class Standing:
    """One unit's place in a ranking.

    ``rank`` is ``None`` for a unit that is not ranked, and ``reason`` then says
    why: no data, or a sample below the minimum. Ranked units share a rank when
    their scores are exactly equal (standard competition ranking: 1, 2, 2, 4).
    """

    unit: str = attrs.field(validator=text())
    score: Fraction | None = attrs.field(validator=_check_score)
    """The exact score from 0 to 1, or ``None`` when there is no data."""
    sample: int = attrs.field(validator=whole_number(0))
    """How many items the score rests on: a rate's denominator, a composite's sample."""
    rank: int | None = attrs.field(validator=of_type(int, optional=True))
    reason: str = attrs.field(default="", validator=text(required=False))
    """Empty for a ranked unit; otherwise why it is not ranked."""

    def __attrs_post_init__(self) -> None:
        if self.rank is not None and self.rank < 1:
            raise InvalidValueError(
                field="Standing.rank", value=self.rank, problem="must be 1 or more"
            )
        if self.rank is not None and self.score is None:
            raise InconsistentRecordError(
                field="Standing.rank", value=self.rank, problem="is given for a unit with no score"
            )
        if (self.rank is None) != bool(self.reason):
            raise InconsistentRecordError(
                field="Standing.reason",
                value=self.reason,
                problem="must be given exactly when the unit is not ranked",
            )

    @property
    def is_ranked(self) -> bool:
        return self.rank is not None


Scored = Rate | Breakdown[Any] | CompositeScore


def _score_and_sample(unit: str, scored: object) -> tuple[Fraction | None, int]:
    if isinstance(scored, Breakdown):
        scored = scored.rate
    if isinstance(scored, Rate):
        return scored.value, scored.denominator
    if isinstance(scored, CompositeScore):
        return scored.value, scored.sample
    raise InvalidTypeError(
        field=f"scores[{unit!r}]",
        value=scored,
        problem="must be a Rate, a Breakdown or a CompositeScore",
    )


def rank_units(
    scores: Mapping[str, Scored], *, min_sample: int = DEFAULT_MIN_SAMPLE
) -> tuple[Standing, ...]:
    """Rank units best first, leaving out those whose score rests on too few items.

    ``scores`` maps unit ids to a ``Rate`` (its value, out of its denominator), a
    ``Breakdown`` (its rate) or a ``CompositeScore`` (its value, out of its
    sample); the output of ``UnitTree.roll_up(grouped(...))`` will do. A unit is
    ranked when it has a score and a sample of at least ``min_sample``.

    Ranked units come first, best score first; equal scores share a rank (1, 2,
    2, 4) and are listed larger sample first, then by unit id. Unranked units
    follow, larger sample first, then by unit id.

    >>> table = rank_units({"lucky": Rate(3, 3), "steady": Rate(2700, 3000)})
    >>> [(s.unit, s.rank, s.reason) for s in table]
    [('steady', 1, ''), ('lucky', None, '3 in the sample, fewer than the minimum 30')]
    """
    if not isinstance(min_sample, int) or isinstance(min_sample, bool):
        raise InvalidTypeError(field="min_sample", value=min_sample, problem="must be an int")
    if min_sample < 1:
        raise InvalidValueError(field="min_sample", value=min_sample, problem="must be 1 or more")
    if not isinstance(scores, Mapping):
        raise InvalidTypeError(
            field="scores", value=scores, problem="must be a mapping of unit ids to scores"
        )
    ranked: list[tuple[str, Fraction, int]] = []
    unranked: list[tuple[str, Fraction | None, int, str]] = []
    for unit, scored in scores.items():
        if not isinstance(unit, str):
            raise InvalidTypeError(
                field="scores key",
                value=unit,
                problem="must be a unit id (text)",
                hint="Drop or assign items without a unit before ranking.",
            )
        if not unit.strip():
            raise InvalidValueError(field="scores key", value=unit, problem="must not be empty")
        score, sample = _score_and_sample(unit, scored)
        if score is None:
            unranked.append((unit, score, sample, "no data"))
        elif sample < min_sample:
            reason = f"{sample:,} in the sample, fewer than the minimum {min_sample:,}"
            unranked.append((unit, score, sample, reason))
        else:
            ranked.append((unit, score, sample))

    ranked.sort(key=lambda entry: (-entry[1], -entry[2], entry[0]))
    unranked.sort(key=lambda entry: (-entry[2], entry[0]))
    standings: list[Standing] = []
    rank = 0
    for position, (unit, score, sample) in enumerate(ranked, start=1):
        if position == 1 or score != ranked[position - 2][1]:
            rank = position
        standings.append(Standing(unit=unit, score=score, sample=sample, rank=rank))
    standings.extend(
        Standing(unit=unit, score=score, sample=sample, rank=None, reason=reason)
        for unit, score, sample, reason in unranked
    )
    return tuple(standings)
