"""Where an issue came in (渠道)."""

from typing import final

from ._labels import LabelledEnum


@final
class Channel(LabelledEnum):
    """The channel through which a citizen's demand, opinion or problem arrived."""

    HOTLINE = "hotline", "热线电话"  # a 12345-style service or 问政 hotline
    PORTAL = "portal", "门户网站"  # a government portal website or its message board
    NEW_MEDIA = "new_media", "新媒体"  # an official account (公众号) or other new-media channel
    SERVICE_CENTRE = "service_centre", "党群服务中心"  # an offline party–mass service centre
    SUGGESTION_BOX = "suggestion_box", "意见箱"  # suggestion boxes and bulletin boards
    DIRECTORS_MAILBOX = "directors_mailbox", "厅局长信箱"  # a director's mailbox
    MOBILE_PLATFORM = "mobile_platform", "随手拍"  # photo-and-send app: 随拍随发、一键直达
    FIELD_VISIT = "field_visit", "走访"  # cadres' field visits (三问: advice, needs, opinions)
    RESIDENTS_COUNCIL = "residents_council", "议事会"  # a residents' council meeting
    MICRO_WISH = "micro_wish", "微心愿"  # a resident's micro-wish that a cadre takes on
    OTHER = "other", "其他"  # anything else; record the detail in the description
