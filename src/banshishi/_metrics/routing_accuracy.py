"""Routing accuracy (派单准确率): of the issues routed by the catalogue, the share
whose unit did not send them back (退回).

Each issue counts once, by its first routed transfer (:meth:`Issue.routing_as_of`:
a transfer naming a ``routing_rule``) made by ``as_of``; it is accurate unless the
unit it went to sent it back by then. Issues dismissed (不予受理) by ``as_of`` are
left out, as from every other rate, and so are issues never routed. The rate is
kept per rule (by :attr:`RoutingRule.key`) and per unit (the one the transfer went
to), and because each issue is in exactly one rule and one unit, the rates of the
rules, or of the units, add up to the whole.
"""

from collections.abc import Iterable, Mapping
from types import MappingProxyType
from typing import final

import attrs
from pendulum import DateTime

from banshishi._core.time import optional_moment
from banshishi._core.validators import items_given
from banshishi._model.issue import Issue
from banshishi._model.rate import Rate

from .facts import ASSESSED, IssueAsOf


def _frozen(rates: Mapping[str, Rate]) -> Mapping[str, Rate]:
    return MappingProxyType(dict(sorted(rates.items())))


@final
@attrs.frozen(kw_only=True)
class RoutingAccuracy:
    """Routing accuracy over some issues as of a moment: ``overall``, and the
    same rate ``by_rule`` (rule key → rate) and ``by_unit`` (unit id → rate),
    each keyed in sorted order and holding only rules and units routed to."""

    overall: Rate
    by_rule: Mapping[str, Rate] = attrs.field(converter=_frozen)
    by_unit: Mapping[str, Rate] = attrs.field(converter=_frozen)


def routing_accuracy(issues: Iterable[Issue], *, as_of: DateTime | None = None) -> RoutingAccuracy:
    """派单准确率 over ``issues`` as of ``as_of`` (``None``: as they stand), whole,
    per rule and per unit, as exact :class:`Rate` s.

    >>> routing_accuracy([]).overall.format()
    '—'
    """
    as_of = optional_moment(as_of, field="as_of")
    by_rule: dict[str, Rate] = {}
    by_unit: dict[str, Rate] = {}
    for issue in items_given(issues, Issue, field="issues"):
        status = issue.status_as_of(as_of)
        if status is None:
            continue
        facts = IssueAsOf(issue, as_of, status)
        routed = facts.routing
        if routed is None or not ASSESSED.holds(facts):
            continue
        one = Rate(int(routed.accurate), 1)
        by_rule[routed.rule] = by_rule.get(routed.rule, Rate(0, 0)) + one
        by_unit[routed.unit] = by_unit.get(routed.unit, Rate(0, 0)) + one
    overall = sum(by_rule.values(), Rate(0, 0))
    return RoutingAccuracy(overall=overall, by_rule=by_rule, by_unit=by_unit)
