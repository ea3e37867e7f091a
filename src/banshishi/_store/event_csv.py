"""The ledger's events as a CSV file: one row per event, in chain order, with its
hash, so an exported file can be checked before it is loaded anywhere else.

:func:`export_events` writes every event of a store, and every version of its
unit tree (rows of subject ``units``: they are links of the same chain).
:func:`import_events` reads such a file, checks its hash chain and every row,
rebuilds each record from its events (so a history that could not have
happened is refused), and writes all of it in one transaction, or nothing. The
chain of a keyed ledger's export is checked with its key.
"""

import csv
import heapq
from collections.abc import Iterable, Iterator, Mapping
from typing import IO, Any, NamedTuple, final

import attrs

from banshishi._core.csv_text import CsvWriter, unguard
from banshishi._core.errors import BanshishiError, InvalidValueError
from banshishi._core.validators import encodable, flag
from banshishi._model.confidential import WITHHELD
from banshishi._model.event import Event
from banshishi._model.vocabulary import Subject

from .chain_key import chain_key_given
from .event_store import GENESIS, EventStore, decode, encode, link
from .ledger_store import LedgerStore
from .policy_history import POLICY_ID, POLICY_SUBJECT, PolicyChange, policy_change, policy_columns
from .unit_history import TREE_ID, TREE_SUBJECT, UnitTreeChange, tree_change, tree_columns

Histories = list[tuple[str, list[Event]]]

COLUMNS = (
    "seq",
    "subject",
    "record_id",
    "version",
    "at",
    "name",
    "actor",
    "unit",
    "role",
    "from_status",
    "to_status",
    "note",
    "data",
    "hash",
)
"""The CSV header, in order."""


def export_events(store: LedgerStore, file: IO[str], *, include_confidential: bool = False) -> int:
    """Write every event of ``store``, and every version of its unit tree, to
    ``file`` as CSV, in chain order (see ``_csv_text``: a cell a spreadsheet
    would run is guarded, and :func:`read_events` unguards it before checking
    the hash); returns the rows written.

    The events of a confidential issue (保密件: marked at intake, or since and
    not unmarked), all of them, are written withheld unless
    ``include_confidential`` asks for an unmasked exchange: their notes are
    emptied, the receive event's intake has its title replaced by ``保密`` and its
    description, requester and address left out, and the steps' texts (work
    requirements, milestone names, an answer's content, a rating's comment, see
    :data:`WITHHELD_ARGUMENTS`) are withheld as ``withheld`` withholds them from
    an issue; the data of each such event says ``"withheld": true``. Ids, units,
    moments, deadlines, ratings and statuses are kept. Such a file cannot be loaded back: its rows
    no longer match their hashes, and :func:`read_events` refuses it by name.
    """
    unmasked = flag(include_confidential, field="include_confidential")
    writer = CsvWriter(file)
    writer.row(COLUMNS)
    count = 0
    events = _event_rows(store.store, unmasked=unmasked)
    kept = (events, _tree_rows(store.store), _policy_rows(store.store))
    for row in heapq.merge(*kept):
        writer.row(row)
        count += 1
    return count


WITHHELD_KEY = "withheld"
"""The key a withheld event's data carries (see :func:`export_events`)."""


def _event_rows(store: EventStore, *, unmasked: bool) -> Iterator[tuple[Any, ...]]:
    # Confidential at intake (the receive event comes first in a record's history),
    # or marked since (``mark_confidential``, after events already streamed past):
    # the issue's line says whether it is confidential as it stands.
    confidential: set[str] = set()
    if not unmasked:
        confidential = {line.id for line in store.issue_summaries() if line.confidential}
    for stored in store.events():
        event = stored.event
        if event.from_status is None and event.data.get("confidential") is True:
            confidential.add(stored.record_id)
        if not unmasked and stored.record_id in confidential:
            event = _withheld(event)
        at, columns = encode(event)
        yield _row(
            stored.seq,
            event.subject.value,
            stored.record_id,
            stored.version,
            at,
            columns,
            stored.hash,
        )


WITHHELD_ARGUMENTS = frozenset(
    {"requirements", "milestones", "milestone", "feedback", "evaluation", "answer"}
)
"""The step arguments that carry text (``Arguments``): withheld from a confidential
issue's events. Every other argument is an id, a word of the vocabulary, a number
or a moment (a test checks that each ``Arguments`` field is one or the other)."""


def _withheld(event: Event) -> Event:
    data = dict(event.data)
    if event.from_status is None:  # the receive event: the issue as taken in
        place = data.get("location")
        if isinstance(place, Mapping):
            data["location"] = {**place, "address": "", "latitude": None, "longitude": None}
        data.update(title=WITHHELD, description="", requester=None)
    for name in WITHHELD_ARGUMENTS & data.keys():
        data[name] = _withheld_argument(name, data[name])
    data[WITHHELD_KEY] = True
    return attrs.evolve(event, note="", data=data)


def _withheld_argument(name: str, value: Any) -> Any:
    if isinstance(value, Mapping):  # an answer or a rating
        key = "content" if name == "feedback" else "comment"
        return {**value, key: WITHHELD if name == "feedback" else ""}
    if isinstance(value, list | tuple):  # a plan of milestones
        return [
            {**item, "name": f"{WITHHELD}{n}"} if isinstance(item, Mapping) else WITHHELD
            for n, item in enumerate(value, 1)
        ]
    return None if value is None else ("" if name == "requirements" else WITHHELD)


def _tree_rows(store: EventStore) -> Iterator[tuple[Any, ...]]:
    for stored in store.unit_history():
        at, columns = tree_columns(stored.change)
        yield _row(stored.seq, TREE_SUBJECT, TREE_ID, stored.version, at, columns, stored.hash)


def _policy_rows(store: EventStore) -> Iterator[tuple[Any, ...]]:
    for stored in store.policy_history():
        at, columns = policy_columns(stored.change)
        yield _row(stored.seq, POLICY_SUBJECT, POLICY_ID, stored.version, at, columns, stored.hash)


def _row(
    seq: int,
    subject: str,
    record_id: str,
    version: int,
    at: str,
    columns: tuple[Any, ...],
    hash: str,
) -> tuple[Any, ...]:
    name, actor, unit, role, source, target, note, data = columns
    return (
        seq,
        subject,
        record_id,
        version,
        at,
        name,
        actor,
        unit or "",
        role,
        source or "",
        target,
        note,
        data,
        hash,
    )


def read_events(file: IO[str], *, chain_key: bytes | str | None = None) -> Histories:
    """The histories in an exported CSV file, record by record in order of first
    appearance, after checking the header, every row and the hash chain (with
    ``chain_key``, a keyed ledger's). Versions of the unit tree are checked too,
    but left out: :func:`import_events` writes them.

    A bad row raises :class:`InvalidValueError` naming its line and column.
    """
    return read_export(file, chain_key=chain_key).histories


@final
class Export(NamedTuple):
    """What an exported CSV file holds: the records' histories, and the versions
    of the unit tree and of the policy."""

    histories: Histories
    units: list[UnitTreeChange]
    policies: list[PolicyChange]


def read_export(file: IO[str], *, chain_key: bytes | str | None = None) -> Export:
    """The histories and the unit tree's and the policy's versions in an
    exported CSV file, after the checks of :func:`read_events`."""
    key = chain_key_given(chain_key)
    csv.field_size_limit(max(csv.field_size_limit(), 1 << 30))  # notes and data can be long
    reader = csv.reader(file)
    try:
        return _read(([unguard(cell) for cell in row] for row in reader), key)
    except csv.Error as error:
        raise InvalidValueError(
            field=f"line {reader.line_num}", value=str(error), problem="is not valid CSV"
        ) from None


def _read(reader: Iterator[list[str]], key: bytes | None) -> Export:
    header = next(reader, None)
    if header is None or tuple(header) != COLUMNS:
        raise InvalidValueError(
            field="CSV header",
            value=header,
            problem="is not a banshishi event export",
            hint=f"The first line must be: {','.join(COLUMNS)}",
        )
    histories: dict[tuple[str, str], list[Event]] = {}
    trees: list[UnitTreeChange] = []
    policies: list[PolicyChange] = []
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
                field=f"line {line}, column seq",
                value=cells["seq"],
                problem=f"breaks the sequence: expected {line - 1}",
            )
        version = _number(cells, "version", line)
        columns = (
            cells["name"],
            cells["actor"],
            cells["unit"] or None,
            cells["role"],
            cells["from_status"] or None,
            cells["to_status"],
            cells["note"],
            cells["data"],
        )
        subject, record_id, at = cells["subject"], cells["record_id"], cells["at"]
        expected = link(previous, seq, subject, record_id, version, at, columns, key)
        if cells["hash"] != expected and f'"{WITHHELD_KEY}":true' in cells["data"]:
            raise InvalidValueError(
                field=f"line {line}, column data",
                value=cells["data"],
                problem="is a confidential issue's event, withheld by the export",
                hint="Export with include_confidential=True (banshishi export "
                "--include-confidential) to move a ledger.",
            )
        if cells["hash"] != expected:
            raise InvalidValueError(
                field=f"line {line}, column hash",
                value=cells["hash"],
                problem="does not match the row: the file was changed after export",
                hint="A keyed ledger's export is checked with that ledger's key.",
            )
        previous = expected
        if (subject, record_id) == (TREE_SUBJECT, TREE_ID):
            _follows(version, len(trees), subject, record_id, line)
            trees.append(_tree_change(at, columns, line))
        elif (subject, record_id) == (POLICY_SUBJECT, POLICY_ID):
            _follows(version, len(policies), subject, record_id, line)
            policies.append(_policy_change(at, columns, line))
        else:
            history = histories.setdefault((subject, record_id), [])
            _follows(version, len(history), subject, record_id, line)
            history.append(_event(subject, at, columns, line))
    records = [(record_id, events) for (_, record_id), events in histories.items()]
    return Export(records, trees, policies)


def import_events(
    store: LedgerStore, file: IO[str], *, chain_key: bytes | str | None = None
) -> int:
    """Load an exported CSV file into ``store``, all or nothing, its unit tree's
    and policy's versions after the store's own (the last policy becomes the
    store's); returns the events written. ``chain_key`` is
    the key the file's chain is checked with (that of the ledger it came from)."""
    histories, trees, policies = read_export(file, chain_key=chain_key)
    return store.write_histories(histories, units=trees, policies=policies)


def _number(cells: dict[str, str], column: str, line: int) -> int:
    text = cells[column]
    if not (text.isascii() and text.isdigit() and len(text) <= 18):
        raise InvalidValueError(
            field=f"line {line}, column {column}", value=text, problem="must be a whole number"
        )
    return int(text)


def _follows(version: int, stored: int, subject: str, record_id: str, line: int) -> None:
    if version != stored + 1:
        raise InvalidValueError(
            field=f"line {line}, column version",
            value=version,
            problem=f"does not follow version {stored} of {subject} {record_id!r}",
        )


def _tree_change(at: str, columns: tuple[Any, ...], line: int) -> UnitTreeChange:
    try:
        return tree_change(at, columns)
    except InvalidValueError as error:
        raise InvalidValueError(
            field=f"line {line}",
            value=(TREE_SUBJECT, at, *columns),
            problem=f"is not a valid version of the unit tree: {error}",
        ) from None


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


def _policy_change(at: str, columns: tuple[Any, ...], line: int) -> PolicyChange:
    try:
        return policy_change(at, columns)
    except InvalidValueError as error:
        raise InvalidValueError(
            field=f"line {line}",
            value=(POLICY_SUBJECT, at, *columns[:7]),
            problem=f"is not a valid version of the policy: {error}",
        ) from None
