"""Where a problem is: an administrative-division code, an address, maybe a point."""

from typing import Any, final

import attrs

from banshishi._core.errors import InconsistentRecordError, InvalidValueError
from banshishi._core.validators import field_name, of_type, text

_CODE_LENGTHS = (6, 9, 12)


def _check_division_code(instance: object, attribute: "attrs.Attribute[Any]", value: str) -> None:
    if not (value.isascii() and value.isdigit() and len(value) in _CODE_LENGTHS):
        raise InvalidValueError(
            field=field_name(instance, attribute),
            value=value,
            problem="must be a 6-, 9- or 12-digit administrative-division code",
            hint="Use the GB/T 2260 county code or the 12-digit statistical code.",
        )


def _in_range(low: float, high: float) -> Any:
    def check(instance: object, attribute: "attrs.Attribute[Any]", value: float | None) -> None:
        if value is not None and not (low <= value <= high):
            raise InvalidValueError(
                field=field_name(instance, attribute),
                value=value,
                problem=f"must lie between {low} and {high} degrees",
            )

    return check


@final
@attrs.frozen(kw_only=True)
class Location:
    """A place: ``division_code`` is required; ``address`` and a WGS-84 point are optional.

    A 6-digit code names a county-level division (GB/T 2260); 9 and 12 digits name
    townships and villages or communities in the statistical division codes.
    """

    division_code: str = attrs.field(validator=[of_type(str), _check_division_code])
    address: str = attrs.field(default="", validator=text(required=False))
    latitude: float | None = attrs.field(
        default=None, validator=[of_type(float, int, optional=True), _in_range(-90, 90)]
    )
    longitude: float | None = attrs.field(
        default=None, validator=[of_type(float, int, optional=True), _in_range(-180, 180)]
    )

    def __attrs_post_init__(self) -> None:
        if (self.latitude is None) != (self.longitude is None):
            raise InconsistentRecordError(
                field="Location.latitude",
                value=(self.latitude, self.longitude),
                problem="and longitude must be given together",
            )
