"""A notification (通知) a step owes someone, as the outbox keeps it.

The store records each message in the same transaction as the events of the
step that owes it (a transactional outbox); the host system reads the pending
ones, delivers them its own way (SMS, WeChat, a work-order inbox) and marks them
sent. Delivery is at least once: a host that crashes after delivering and before
marking sees the message again, so it drops one whose :attr:`Message.id` it has
delivered already.
"""

import hashlib
from typing import final

import attrs
from pendulum import DateTime

from banshishi._core.labels import LabelledEnum
from banshishi._core.time import (
    aware_datetime,
    check_aware,
    check_optional_aware,
    optional_aware_datetime,
)
from banshishi._core.validators import member_of, text

REQUESTER = "requester"
"""The recipient of a message to the requester of its issue (:attr:`Message.record_id`);
a message to a unit names the unit's id instead."""


@final
class MessageKind(LabelledEnum):
    """What a message tells its recipient, the requester (诉求人) or a unit.

    The first four and ``EXTENDED`` go to the requester (:attr:`to_requester`),
    the others to units (承办单位)."""

    RECEIVED = "received", "受理告知"  # the number and the time limit, at receipt
    ANSWERED = "answered", "答复告知"  # the unit has answered; read it in the system
    INVITED_TO_RATE = "invited_to_rate", "评价邀请"  # rate the answer (好差评)
    REOPENED = "reopened", "重办告知"  # sent back for rectification (整改)
    ASSIGNED = "assigned", "派单通知"  # a matter to handle, with its deadline
    DUE_SOON = "due_soon", "临期提醒"  # the deadline is near (the sweep's 临期催办)
    OVERDUE = "overdue", "超期催办"  # the deadline has passed (the sweep's 超期催办)
    ESCALATED = "escalated", "督办通知"  # raised to 督办 under the unit one level up
    EXTENDED = "extended", "延期告知"  # the deadline was extended (延期): the new one
    REPORTED_UP = "reported_up", "上报通知"  # a sub-unit answered up: its answer awaits
    HANDED_BACK = "handed_back", "退回通知"  # a sub-unit handed the work back up, and why
    DISPATCH_DUE_SOON = "dispatch_due_soon", "下派临期提醒"  # a dispatch's deadline is near
    DISPATCH_OVERDUE = "dispatch_overdue", "下派超期催办"  # a dispatch's deadline has passed

    @property
    def to_requester(self) -> bool:
        """Whether the message goes to the requester (else to a unit)."""
        return self in _TO_REQUESTER


_TO_REQUESTER = frozenset(
    {
        MessageKind.RECEIVED,
        MessageKind.ANSWERED,
        MessageKind.INVITED_TO_RATE,
        MessageKind.REOPENED,
        MessageKind.EXTENDED,
    }
)


@final
@attrs.frozen(kw_only=True)
class Message:
    """One message owed: to the requester of ``record_id`` (``recipient`` is
    :data:`REQUESTER`) or to the unit ``recipient`` handling it.

    ``id`` is made from what owes it (the step's issue, its version, the kind
    and the recipient; for the deadline reminders, the deadline instead of the
    version, and for a dispatch's, the dispatch's moment and deadline), so
    writing the same message twice keeps one. ``record_id`` is the issue as
    the recipient knows it: the requester of a duplicate hears of the
    original's answer under the number of their own issue. ``created_at`` is
    the moment of the step (or of the sweep, for a dispatch's reminder);
    ``sent_at`` is ``None`` while the message is pending.
    """

    id: str = attrs.field(validator=text())
    record_id: str = attrs.field(validator=text())
    kind: MessageKind = attrs.field(validator=member_of(MessageKind))
    recipient: str = attrs.field(validator=text())
    text: str = attrs.field(validator=text())
    created_at: DateTime = attrs.field(converter=aware_datetime, validator=check_aware)
    sent_at: DateTime | None = attrs.field(
        default=None, converter=optional_aware_datetime, validator=check_optional_aware
    )

    @property
    def pending(self) -> bool:
        """Whether the message is still to be delivered."""
        return self.sent_at is None


_LONGEST_ID = 200
"""A message id longer than this (long record or unit ids) is kept as a digest,
so every database can index it."""


def message_id(*parts: str) -> str:
    """The id of the message made of ``parts``: the parts joined by ``/``, or, when
    that is longer than a database indexes, ``sha256:`` and the digest of it."""
    joined = "/".join(parts)
    if len(joined) <= _LONGEST_ID:
        return joined
    return "sha256:" + hashlib.sha256(joined.encode()).hexdigest()
