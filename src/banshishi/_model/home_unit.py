"""The one rule for the unit an issue counts under in figures by unit.

An issue counts under the unit responsible for it; while no unit is (not yet
transferred, or sent back), under the unit that received it. A dismissed issue
keeps the responsible unit it had, if any. ``by_unit``, the dashboard and
``report --by unit``, the periodic report and the store's unit filter all ask
this rule, in Python or as :data:`HOME_UNIT_SQL`.
"""


def home_unit(responsible_unit: str | None, received_by: str | None) -> str | None:
    """The responsible unit, else the receiving unit; ``None`` if there is neither."""
    return received_by if responsible_unit is None else responsible_unit


HOME_UNIT_SQL = "COALESCE(unit, received_by)"
""":func:`home_unit` over the ``issues`` table's columns."""
