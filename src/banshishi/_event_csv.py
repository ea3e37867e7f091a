"""The ledger's events as a CSV file: one row per event, in chain order, with its
hash, so an exported file can be checked before it is loaded anywhere else.

:func:`export_events` writes every event of a store. :func:`import_events`
reads such a file, checks its hash chain and every row, rebuilds each record
from its events (so a history that could not have happened is refused), and
writes all of it in one transaction, or nothing.
"""

import csv
from collections.abc import Iterable
from typing import IO, Any

from ._errors import BanshishiError, InvalidValueError
from ._event import Event
from ._event_store import GENESIS, decode, encode, link
from ._ledger_store import LedgerStore
from ._status import Subject
from ._validators import encodable

COLUMNS = (
    "seq", "subject", "record_id", "version", "at", "name", "actor", "unit", "role",
    "from_status", "to_status", "note", "data", "hash",
)  # fmt: skip
"""The CSV header, in order."""


def export_events(store: LedgerStore, file: IO[str]) -> int:
    """Write every event of ``store`` to ``file`` as CSV; returns the rows written."""
    writer = csv.writer(file, lineterminator="\n")
    writer.writerow(COLUMNS)
    count = 0
    for stored in store.store.events():
        event = stored.event
        at, columns = encode(event)
        name, actor, unit, role, source, target, note, data = columns
        writer.writerow(
            (stored.seq, event.subject.value, stored.record_id, stored.version, at, name, actor,
             unit or "", role, source or "", target, note, data, stored.hash)
        )  # fmt: skip
        count += 1
    return count


def read_events(file: IO[str]) -> list[tuple[str, list[Event]]]:
    """The histories in an exported CSV file, record by record in order of first
    appearance, after checking the header, every row and the hash chain.

    A bad row raises :class:`InvalidValueError` naming its line and column.
    """
    csv.field_size_limit(max(csv.field_size_limit(), 1 << 30))  # notes and data can be long
    reader = csv.reader(file)
    try:
        return _read(reader)
    except csv.Error as error:
        raise InvalidValueError(
            field=f"line {reader.line_num}", value=str(error), problem="is not valid CSV"
        ) from None


def _read(reader: Any) -> list[tuple[str, list[Event]]]:
    header = next(reader, None)
    if header is None or tuple(header) != COLUMNS:
        raise InvalidValueError(
            field="CSV header",
            value=header,
            problem="is not a banshishi event export",
            hint=f"The first line must be: {','.join(COLUMNS)}",
        )
    histories: dict[tuple[str, str], list[Event]] = {}
    previous = GENESIS
    for line, row in enumerate(reader, start=2):
        if len(row) != len(COLUMNS):
            raise InvalidValueError(
                field=f"line {line}",
                value=row,
                problem=f"has {len(row)} columns, not {len(COLUMNS)}",
            )
        cells = dict(zip(COLUMNS, row, strict=True))
        for column, text in cells.items():  # text from a stream can hold half a character
            encodable(text, field=f"line {line}, column {column}")
        seq = _number(cells, "seq", line)
        if seq != line - 1:
            raise InvalidValueError(
                field=f"line {line}, column seq", value=cells["seq"],
                problem=f"breaks the sequence: expected {line - 1}",
            )  # fmt: skip
        version = _number(cells, "version", line)
        columns = (
            cells["name"], cells["actor"], cells["unit"] or None, cells["role"],
            cells["from_status"] or None, cells["to_status"], cells["note"], cells["data"],
        )  # fmt: skip
        subject, record_id, at = cells["subject"], cells["record_id"], cells["at"]
        expected = link(previous, seq, subject, record_id, version, at, columns)
        if cells["hash"] != expected:
            raise InvalidValueError(
                field=f"line {line}, column hash", value=cells["hash"],
                problem="does not match the row: the file was changed after export",
            )  # fmt: skip
        previous = expected
        event = _event(subject, at, columns, line)
        history = histories.setdefault((subject, record_id), [])
        if version != len(history) + 1:
            raise InvalidValueError(
                field=f"line {line}, column version", value=version,
                problem=f"does not follow version {len(history)} of {subject} {record_id!r}",
            )  # fmt: skip
        history.append(event)
    return [(record_id, events) for (_, record_id), events in histories.items()]


def import_events(store: LedgerStore, file: IO[str]) -> int:
    """Load an exported CSV file into ``store``, all or nothing; returns the events written."""
    return store.write_histories(read_events(file))


def _number(cells: dict[str, str], column: str, line: int) -> int:
    text = cells[column]
    if not (text.isascii() and text.isdigit() and len(text) <= 18):
        raise InvalidValueError(
            field=f"line {line}, column {column}", value=text, problem="must be a whole number"
        )
    return int(text)


def _event(subject: str, at: str, columns: Iterable[Any], line: int) -> Event:
    cells = tuple(columns)
    try:
        Subject(subject)
        return decode(subject, at, cells)
    except (BanshishiError, ValueError, RecursionError) as error:
        raise InvalidValueError(
            field=f"line {line}",
            value=(subject, at, *cells),
            problem=f"is not a valid event: {error}",
        ) from None
