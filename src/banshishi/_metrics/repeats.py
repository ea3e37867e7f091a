"""The repeat-request rate (重复诉求率): how many issues came back.

A repeat request names, from intake on, the earlier closed issue of the same
requester about the same matter (``Issue.repeat_of``, see ``find_repeat``). The
rate counts them among the issues counted at all: received by ``as_of`` and not
dismissed. A duplicate (重复件), dismissed and linked to an open original, is in
no denominator, so the same matter raised twice while open is counted once.
"""

from collections.abc import Iterable

from pendulum import DateTime

from banshishi._model.issue import Issue

from .breakdown import Breakdown
from .facts import REPEATS
from .rates import issue_rate


def repeat_rate(issues: Iterable[Issue], *, as_of: DateTime | None = None) -> Breakdown[Issue]:
    """重复诉求率: issues repeating an earlier closed one (``repeat_of`` set), out of
    the issues received by ``as_of`` and assessed (neither dismissed nor left out
    of the assessment, which are ``excluded``). A lower rate is better: answers
    that settled the matter the first time.
    """
    return issue_rate(REPEATS, issues, as_of)
