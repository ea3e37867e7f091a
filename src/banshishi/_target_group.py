"""Groups of people the campaign singles out for attention."""

from typing import final

from ._labels import LabelledEnum


@final
class TargetGroup(LabelledEnum):
    """A target group an issue concerns; an issue may concern several."""

    ELDERLY = "elderly", "老年人"  # the 老 of 一老一小
    CHILDREN = "children", "少年儿童"  # the 小 of 一老一小
    OLD_REVOLUTIONARY_AREA = "old_revolutionary_area", "老区群众"  # old revolutionary areas
    MARTYRS_DESCENDANTS = "martyrs_descendants", "烈士后代"  # descendants of martyrs
    NEEDY_PARTY_MEMBERS = "needy_party_members", "困难党员"  # party members in hardship
    OLD_PARTY_MEMBERS = "old_party_members", "老党员"  # elderly party members
    FLEXIBLE_WORKERS = "flexible_workers", "新就业群体"  # couriers, drivers, delivery riders
    PEOPLE_WITH_DISABILITIES = "people_with_disabilities", "残疾人"  # people with disabilities
    LOW_INCOME = "low_income", "困难群众"  # households on low income or assistance
    OTHER = "other", "其他"  # any other group; say which in the description
