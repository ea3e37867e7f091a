"""Service requests for the Open311 tests: two in exactly the shape of the GeoReport
v2 spec's sample response, and helpers to read and export them.
"""

from typing import Any

import pendulum

from banshishi import (
    Channel,
    Feedback,
    FeedbackMethod,
    Issue,
    IssueStatus,
    Urgency,
    import_requests,
)

T0 = pendulum.datetime(2026, 9, 1, 10, 15, tz="Asia/Shanghai")

# Two requests in exactly the shape of the GeoReport v2 spec's sample response to
# GET requests.json: the same keys in the same order, ids, address_id and zipcode
# as numbers, null where the spec leaves a value out. The spec writes the service
# code as a bare 006, which JSON does not allow, so it is text here.
SPEC_SHAPED = [
    {
        "service_request_id": 2026090101,
        "status": "closed",
        "status_notes": "已派人清理，恢复通行。",
        "service_name": "道路交通",
        "service_code": "006",
        "description": None,
        "agency_responsible": None,
        "service_notice": None,
        "requested_datetime": "2026-09-01T06:37:38-08:00",
        "updated_datetime": "2026-09-01T16:02:11-08:00",
        "expected_datetime": "2026-09-02T06:37:38-08:00",
        "address": "城关街道幸福社区东门",
        "address_id": 545483,
        "zipcode": 17000,
        "lat": 40.842215,
        "long": 111.749181,
        "media_url": "http://city.example/requests/media/2026090101.jpg",
    },
    {
        "service_request_id": 2026090102,
        "status": "open",
        "status_notes": None,
        "service_name": "道路交通",
        "service_code": "006",
        "description": None,
        "agency_responsible": None,
        "service_notice": None,
        "requested_datetime": "2026-09-06T06:37:38-08:00",
        "updated_datetime": "2026-09-06T06:37:38-08:00",
        "expected_datetime": "2026-09-06T06:37:38-08:00",
        "address": "城关街道幸福社区东门",
        "address_id": 545483,
        "zipcode": 17000,
        "lat": 40.842215,
        "long": 111.749181,
        "media_url": "http://city.example/requests/media/2026090102.jpg",
    },
]


def read(requests: Any, **options: Any) -> list[Issue]:
    options.setdefault("urgency", Urgency.WORRYING)
    return import_requests(requests, **options)


def make(status: IssueStatus = IssueStatus.RECEIVED, **fields: Any) -> Issue:
    """An issue in ``status``, with the feedback and closure its status needs."""
    if status in (IssueStatus.ANSWERED, IssueStatus.CLOSED):
        fields.setdefault(
            "feedback",
            (Feedback(at=T0.add(days=2), content="已修复", method=FeedbackMethod.PHONE),),
        )
    if status is IssueStatus.CLOSED:
        fields.setdefault("closed_at", T0.add(days=3))
    return Issue(
        id=fields.pop("id", "RX-1"),
        title="路面塌陷",
        channel=Channel.HOTLINE,
        urgency=Urgency.URGENT,
        received_at=T0,
        status=status,
        **fields,
    )
