"""The routing catalogue (派单目录): which unit a matter goes to, by its category
code (问题分类编码) and its place (事发地, an administrative-division code).

A :class:`RoutingRule` names a category prefix and a place prefix ("" matches
everything) and the unit that takes matters matching both, with co-units, a track
and a time limit if the rule sets them. :meth:`RoutingCatalogue.route` picks the
most specific rule that matches an issue: among the matching rules, the one with
the longest category prefix; among those, the one with the longest place prefix.
Two rules that both match an issue and are equally long on both counts have the
same two prefixes, so a catalogue holding two rules with the same pair is refused
when it is built, naming both rows: routing never depends on the order of rows.

An issue no rule matches is routed to ``None``: a catalogue without a catch-all
rule (both prefixes "") leaves some matters to the dispatcher, and that is a
normal answer, not an error.
"""

from collections.abc import Iterable
from typing import Any, final

import attrs

from banshishi._calendar.time_limit import TimeLimit, as_limit
from banshishi._core.errors import DuplicateError, InvalidValueError, NotFoundError
from banshishi._core.validators import (
    field_name,
    items_of,
    member_of,
    of_type,
    optional_text,
    text,
)
from banshishi._model.issue import Issue
from banshishi._model.units import UnitTree
from banshishi._model.vocabulary import Track

from .policy import Limit, check_limit

MAX_PLACE_DIGITS = 12
"""The longest administrative-division code (the 12-digit statistical code)."""


def _check_place(instance: object, attribute: "attrs.Attribute[Any]", value: object) -> None:
    of_type(str)(instance, attribute, value)
    digits = isinstance(value, str) and (value == "" or (value.isascii() and value.isdigit()))
    if not digits or len(str(value)) > MAX_PLACE_DIGITS:
        raise InvalidValueError(
            field=field_name(instance, attribute),
            value=value,
            problem=f"must be up to {MAX_PLACE_DIGITS} digits of an administrative-division code",
            hint='Write a prefix such as "4401" (Guangzhou), or "" for every place.',
        )


def _check_category(instance: object, attribute: "attrs.Attribute[Any]", value: object) -> None:
    of_type(str)(instance, attribute, value)
    if isinstance(value, str) and value != value.strip():
        raise InvalidValueError(
            field=field_name(instance, attribute),
            value=value,
            problem="must not start or end with white space",
            hint=f"Write {value.strip()!r}.",
        )


def _check_optional_limit(
    instance: object, attribute: "attrs.Attribute[Any]", value: object
) -> None:
    if value is not None:
        check_limit(field_name(instance, attribute), value)


@final
@attrs.frozen(kw_only=True)
class RoutingRule:
    """One row of a routing catalogue: matters whose category code starts with
    ``category`` and whose place's division code starts with ``place`` go to
    ``unit``, with ``co_units`` beside it, on ``track`` and within ``time_limit``
    when those are given (``None``: the transfer or the policy decides).

    >>> RoutingRule(category="0301", place="4401", unit="roads-bureau").matches("030105", "440103")
    True
    """

    category: str = attrs.field(default="", validator=_check_category)
    """A prefix of the category code (问题分类编码); "" matches every category."""
    place: str = attrs.field(default="", validator=_check_place)
    """A prefix of the administrative-division code; "" matches every place."""
    unit: str = attrs.field(validator=text())
    """The responsible unit (责任单位) the rule sends matters to."""
    co_units: tuple[str, ...] = attrs.field(default=(), validator=items_of(text(), unique=True))
    """Co-units (协办单位), if the matter is handled jointly."""
    track: Track | None = attrs.field(default=None, validator=member_of(Track, optional=True))
    time_limit: Limit | None = attrs.field(
        default=None, converter=as_limit, validator=_check_optional_limit
    )
    """A :class:`TimeLimit` (or its text) or a timedelta, as in ``WorkflowPolicy.time_limits``."""
    id: str | None = attrs.field(default=None, validator=optional_text)
    """The catalogue's own number for the item (事项编号), if it has one; see :attr:`key`."""

    def __attrs_post_init__(self) -> None:
        if self.unit in self.co_units:
            raise InvalidValueError(
                field="RoutingRule.co_units",
                value=self.co_units,
                problem=f"names the responsible unit {self.unit!r} as a co-unit too",
            )

    def matches(self, category: str, division_code: str | None) -> bool:
        """Whether this rule covers a matter of ``category`` at ``division_code``
        (``None``: the place is unknown, which only the place prefix "" covers)."""
        if not category.startswith(self.category):
            return False
        if division_code is None:
            return self.place == ""
        return division_code.startswith(self.place)

    @property
    def specificity(self) -> tuple[int, int]:
        """How specific the rule is: (category prefix length, place prefix length);
        the larger wins, compared category first."""
        return (len(self.category), len(self.place))

    @property
    def units(self) -> tuple[str, ...]:
        """The responsible unit and the co-units, in that order."""
        return (self.unit, *self.co_units)

    @property
    def key(self) -> str:
        """What a routed transfer records as its ``routing_rule``, and routing
        accuracy is counted by: the rule's ``id`` if it has one, else its two
        prefixes as ``category/place`` with ``*`` for "" (``"0301/4401"``,
        ``"03/*"``, ``"*/*"``), which no other rule of a catalogue shares and
        which stays the same when rows are added or moved.

        >>> RoutingRule(category="03", unit="transport").key
        '03/*'
        """
        if self.id is not None:
            return self.id
        return f"{self.category or '*'}/{self.place or '*'}"


@final
@attrs.frozen(kw_only=True)
class RoutingDecision:
    """What :meth:`RoutingCatalogue.route` found: the ``rule`` that matched and its
    ``row`` (the row number in the file it came from, or its position from 1)."""

    rule: RoutingRule
    row: int

    def transfer_arguments(self) -> dict[str, Any]:
        """The arguments of a ``transfer`` step that carries out this decision:
        the ``unit``, the ``co_units`` and ``track`` if the rule sets them, its
        time limit as ``limit`` (the deadline is then counted from the transfer
        under the policy's calendar, as a track's limit is) and the rule's
        :attr:`~RoutingRule.key` as ``routing_rule``. Pass them to any engine,
        adding or overriding what the dispatcher decides::

            ledger.apply(issue.id, "transfer", actor=dispatcher, at=now,
                         **decision.transfer_arguments())

        A rule whose limit is elapsed time (a timedelta) cannot be recorded as a
        ``limit``: it is refused, and the deadline must be given instead.
        """
        rule = self.rule
        arguments: dict[str, Any] = {"unit": rule.unit, "routing_rule": rule.key}
        if rule.co_units:
            arguments["co_units"] = rule.co_units
        if rule.track is not None:
            arguments["track"] = rule.track
        if isinstance(rule.time_limit, TimeLimit):
            arguments["limit"] = rule.time_limit
        elif rule.time_limit is not None:
            raise InvalidValueError(
                field="RoutingRule.time_limit",
                value=rule.time_limit,
                problem="is elapsed time, which a transfer cannot record as its limit",
                hint="Give the transfer a deadline, or give the rule a TimeLimit such as "
                "TimeLimit.working_hours(24).",
            )
        return arguments


def _as_rules(rules: Iterable[RoutingRule]) -> tuple[RoutingRule, ...]:
    return tuple(rules)


@final
@attrs.frozen
class RoutingCatalogue:
    """A routing catalogue (派单目录): rules, each numbered by its ``row``.

    ``rows`` are the row numbers to name in errors and decisions (a file's row
    numbers, see :func:`read_routing_catalogue`); by default 1, 2, 3, … Two rules
    with the same category and place prefixes are refused with a
    :class:`DuplicateError` naming both rows.
    """

    rules: tuple[RoutingRule, ...] = attrs.field(
        converter=_as_rules, validator=items_of(of_type(RoutingRule))
    )
    rows: tuple[int, ...] = attrs.field(kw_only=True)

    @rows.default
    def _numbered(self) -> tuple[int, ...]:
        return tuple(range(1, len(self.rules) + 1))

    @rows.validator
    def _check_rows(self, attribute: "attrs.Attribute[Any]", value: object) -> None:
        items_of(of_type(int), unique=True)(self, attribute, value)
        if len(self.rows) != len(self.rules):
            raise InvalidValueError(
                field="RoutingCatalogue.rows",
                value=value,
                problem=f"must number each of the {len(self.rules)} rules once",
            )
        self._refuse_ties()

    def _refuse_ties(self) -> None:
        """Raise :class:`DuplicateError` for the first two rows with the same
        prefixes, or the same key."""
        seen: dict[tuple[str, str], int] = {}
        keys: dict[str, int] = {}
        for row, rule in zip(self.rows, self.rules, strict=True):
            key = (rule.category, rule.place)
            earlier = seen.setdefault(key, row)
            if earlier != row:
                raise DuplicateError(
                    field="RoutingCatalogue.rules",
                    value=key,
                    problem=f"rows {earlier} and {row} have the same category prefix "
                    f"{rule.category!r} and place prefix {rule.place!r}, so neither is "
                    "more specific",
                    hint="Merge the two rows, or make one more specific.",
                )
            same = keys.setdefault(rule.key, row)
            if same != row:
                raise DuplicateError(
                    field="RoutingCatalogue.rules",
                    value=rule.key,
                    problem=f"rows {same} and {row} have the same id {rule.key!r}",
                    hint="Give each rule its own id.",
                )

    def __len__(self) -> int:
        return len(self.rules)

    def route(self, issue: Issue) -> RoutingDecision | None:
        """The most specific rule matching ``issue``'s category and place, or ``None``.

        The issue's ``category`` is its category code; its place is
        ``issue.location.division_code`` (with no location, only rules whose place
        prefix is "" match).
        """
        code = issue.location.division_code if issue.location is not None else None
        return self.route_code(issue.category, code)

    def route_code(self, category: str, division_code: str | None) -> RoutingDecision | None:
        """As :meth:`route`, for a category code and a division code given apart."""
        best: RoutingDecision | None = None
        for row, rule in zip(self.rows, self.rules, strict=True):
            if rule.matches(category, division_code) and (
                best is None or rule.specificity > best.rule.specificity
            ):
                best = RoutingDecision(rule=rule, row=row)
        return best

    def check_units(self, units: UnitTree) -> None:
        """Raise :class:`NotFoundError` for the first unit id ``units`` does not hold."""
        for row, rule in zip(self.rows, self.rules, strict=True):
            for unit in rule.units:
                if unit not in units:
                    raise NotFoundError(
                        field=f"RoutingCatalogue row {row}",
                        value=unit,
                        problem="is not a unit of the unit tree",
                        hint="Add the unit to the tree, or correct its id.",
                    )
