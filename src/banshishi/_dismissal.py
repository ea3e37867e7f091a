"""Why an issue was dismissed (不予受理) rather than handled."""

from typing import final

from ._labels import LabelledEnum


@final
class DismissalReason(LabelledEnum):
    """The three grounds for dismissing an issue; each needs a note saying why."""

    DUPLICATE = "duplicate", "重复诉求"  # the same matter is already on the ledger
    INVALID = "invalid", "无效诉求"  # not a matter for the platform: abuse, test, no content
    WITHDRAWN = "withdrawn", "撤回"  # the requester withdrew it
