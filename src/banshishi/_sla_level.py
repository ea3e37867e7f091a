"""How an open item stands against its deadline: the traffic light of a 12345 board."""

from typing import final

from ._labels import LabelledEnum


@final
class SlaLevel(LabelledEnum):
    """Green, yellow or red: on track, due soon (临期) or overdue (超期)."""

    ON_TRACK = "on_track", "正常"  # green: the deadline is further off than the lead time
    DUE_SOON = "due_soon", "临期"  # yellow: due within the lead time
    OVERDUE = "overdue", "超期"  # red: the deadline has passed
