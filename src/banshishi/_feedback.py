"""Feedback (反馈): the answer given to the person who raised an issue."""

from typing import final

import attrs
from pendulum import DateTime

from ._labels import LabelledEnum
from ._time import aware_datetime, check_aware
from ._validators import member_of, optional_text, text


@final
class FeedbackMethod(LabelledEnum):
    """How the answer reached the requester."""

    PHONE = "phone", "电话"  # a call to the requester
    TEXT_MESSAGE = "text_message", "短信"  # an SMS
    ONLINE = "online", "网上"  # a reply on the platform, app or account it came in on
    IN_PERSON = "in_person", "上门"  # a visit or a face-to-face talk
    WRITTEN = "written", "书面"  # a letter or written reply
    PUBLIC_NOTICE = "public_notice", "公示"  # posted publicly, for anonymous requesters


@final
@attrs.frozen(kw_only=True)
class Feedback:
    """An answer to the requester about what was done.

    Collection, transfer and feedback together close the loop, so an issue can
    only be answered or closed once it has at least one of these.
    """

    at: DateTime = attrs.field(converter=aware_datetime, validator=check_aware)
    content: str = attrs.field(validator=text())
    method: FeedbackMethod = attrs.field(validator=member_of(FeedbackMethod))
    unit: str | None = attrs.field(default=None, validator=optional_text)
    """The id of the unit that answered."""
    responder: str | None = attrs.field(default=None, validator=optional_text)
    """The id of the person who answered."""
