"""The five levels of the 好差评 (good/bad) rating."""

from typing import Self, final

from ._errors import UnknownValueError
from ._labels import LabelledEnum


@final
class Rating(LabelledEnum):
    """A rater's verdict on how a matter was handled, best first."""

    VERY_SATISFIED = "very_satisfied", "非常满意"  # score 5
    SATISFIED = "satisfied", "满意"  # score 4
    BASICALLY_SATISFIED = "basically_satisfied", "基本满意"  # score 3; see satisfaction_rate
    DISSATISFIED = "dissatisfied", "不满意"  # score 2; a bad rating, opens rectification
    VERY_DISSATISFIED = "very_dissatisfied", "非常不满意"  # score 1; a bad rating

    @property
    def score(self) -> int:
        """5 for 非常满意 down to 1 for 非常不满意, as on five-star rating screens."""
        return 5 - list(Rating).index(self)

    @property
    def is_bad(self) -> bool:
        """True for 不满意 and 非常不满意, the ratings that send a matter back (差评)."""
        return self in (Rating.DISSATISFIED, Rating.VERY_DISSATISFIED)

    def counts_as_satisfied(self, *, basically_satisfied: bool = True) -> bool:
        """Whether this rating is in a satisfaction rate's numerator.

        非常满意 and 满意 always are; 基本满意 is when ``basically_satisfied`` is true.
        """
        if self is Rating.BASICALLY_SATISFIED:
            return basically_satisfied
        return self in (Rating.VERY_SATISFIED, Rating.SATISFIED)

    @classmethod
    def from_score(cls, score: int) -> Self:
        """The rating for a 1–5 score; any other number raises ``UnknownValueError``."""
        if isinstance(score, int) and not isinstance(score, bool) and 1 <= score <= 5:
            return list(cls)[5 - score]
        raise UnknownValueError(
            field="Rating.score", value=score, problem="is not one of the five levels 1–5"
        )
