"""A routed transfer (按目录派单): a transfer that followed a rule of the routing
catalogue, and whether the unit it went to sent the issue back (退回) after it.

Routing accuracy (派单准确率) is counted from the *first* routed transfer of
each issue: it is the catalogue's own decision, made before anyone knew better.
A later routed transfer usually follows a return, when the dispatcher has
learnt from the unit that sent it back; counting it would credit the catalogue
with the correction. Taking one transfer an issue also keeps each issue once in
the rate, so the rates per rule (and per unit) add up to the whole.
"""

from collections.abc import Iterable
from typing import final

import attrs
from pendulum import DateTime

from banshishi._core.time import aware_datetime, check_aware
from banshishi._core.validators import of_type, text

from .event import Event

ROUTING_RULE = "routing_rule"
"""The key of a transfer's data naming the rule it followed."""


@final
@attrs.frozen(kw_only=True)
class RoutedTransfer:
    """The first transfer of an issue that named a routing rule, as of a moment:
    the ``rule`` (:attr:`RoutingRule.key`), the ``unit`` it went to, when, and
    whether that unit had ``sent_back`` the issue by the moment asked.

    An issue without its history (one read from a ledger file) holds its first
    routed transfer as the file recorded it (``Issue.routed``), so its fields
    are checked like any record's."""

    rule: str = attrs.field(validator=text())
    unit: str = attrs.field(validator=text())
    at: DateTime = attrs.field(converter=aware_datetime, validator=check_aware)
    sent_back: bool = attrs.field(default=False, validator=of_type(bool))

    @property
    def accurate(self) -> bool:
        """Routed right: the unit did not send the issue back (so far)."""
        return not self.sent_back


def first_routed_transfer(events: Iterable[Event]) -> RoutedTransfer | None:
    """The first routed transfer among ``events`` (in order), and whether a
    return (send_back) follows it before the next transfer, if any."""
    found: RoutedTransfer | None = None
    for event in events:
        if found is None:
            if event.name != "transfer":
                continue
            rule, unit = event.data.get(ROUTING_RULE), event.data.get("unit")
            if isinstance(rule, str) and isinstance(unit, str):
                found = RoutedTransfer(rule=rule, unit=unit, at=event.at, sent_back=False)
        elif event.name == "send_back":
            return attrs.evolve(found, sent_back=True)
        elif event.name == "transfer":
            break
    return found
