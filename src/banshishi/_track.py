"""How an issue is handled (四办) and how pressing it is (急难愁盼)."""

from typing import final

from ._labels import LabelledEnum


@final
class Track(LabelledEnum):
    """One of the four handling tracks."""

    IMMEDIATE = "immediate", "即办"  # urgent matters: handled as soon as they are known
    JOINT = "joint", "共办"  # difficult matters: a lead unit and co-units handle it together
    SUPERVISED = "supervised", "督办"  # worrying matters: raised one level and supervised
    TRACKED = "tracked", "盯办"  # longed-for matters: followed through the whole process


@final
class Urgency(LabelledEnum):
    """The 急难愁盼 classification of a problem."""

    URGENT = "urgent", "急"  # urgent: people are affected now
    DIFFICULT = "difficult", "难"  # difficult: beyond one unit's means
    WORRYING = "worrying", "愁"  # worrying: a long-standing trouble people fret over
    LONGED_FOR = "longed_for", "盼"  # longed-for: an improvement people hope for

    @property
    def default_track(self) -> Track:
        """The track this class of problem goes to unless a deployment says otherwise."""
        return _DEFAULT_TRACK[self]


_DEFAULT_TRACK = {
    Urgency.URGENT: Track.IMMEDIATE,
    Urgency.DIFFICULT: Track.JOINT,
    Urgency.WORRYING: Track.SUPERVISED,
    Urgency.LONGED_FOR: Track.TRACKED,
}
