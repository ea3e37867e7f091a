"""Every reader of outside input, fed generated files (issue 17, "Done when").

Ledger files (CSV and XLSX, read and checked), event exports, Open311 JSON
(the library reads no Open311 XML), ``structure`` and ``YearSchedule.load``
each get three kinds of input: bytes of no shape at all, a sound file with a
few bytes flipped, cut, repeated or inserted, and a file built from the
format's own parts with hostile values in them. A reader may succeed or raise
a ``BanshishiError``; anything else, or taking longer than :data:`BOUND`
seconds on an input this small, fails the test.

The number of examples comes from the Hypothesis profile (``ci`` is bounded).
"""

import contextlib
import csv
import functools
import io
import json
import tempfile
import time
import zipfile
from collections.abc import Callable
from pathlib import Path
from typing import Any
from xml.sax.saxutils import escape, quoteattr

import pendulum
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from banshishi import (
    BanshishiError,
    Evaluation,
    Issue,
    LedgerStore,
    Pledge,
    Rate,
    Unit,
    YearSchedule,
    check_ledger_file,
    import_requests,
    read_events,
    read_ledger_file,
    structure,
    unstructure,
    write_ledger_file,
)
from banshishi._exchange.open311 import load_requests
from cast import CLERK_C1 as CLERK
from cast import DISPATCHER_D1 as DISPATCHER
from cast import new_issue
from strategies import issues

BOUND = 10.0
"""Seconds any reader may take on one of these inputs (each a few kilobytes)."""

FUZZ = settings(suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])
T0 = pendulum.datetime(2026, 7, 1, 9, tz="Asia/Shanghai")


def accepted(call: Callable[[], object]) -> None:
    """Run ``call``: success and the library's own errors pass, in time."""
    start = time.perf_counter()
    with contextlib.suppress(BanshishiError):
        call()
    took = time.perf_counter() - start
    assert took < BOUND, f"took {took:.1f}s"


def in_file(data: bytes, name: str, read: Callable[[Path], object]) -> None:
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / name
        path.write_bytes(data)
        accepted(lambda: read(path))


# -- seeds: one sound file of each kind ---------------------------------------------------


_issue = functools.partial(new_issue, received_at=T0, received_by="centre")


def _seeds() -> dict[str, bytes]:
    with tempfile.TemporaryDirectory() as folder:
        base = Path(folder)
        ledger = [_issue("RX-1", description="第一行\n第二行"), _issue("RX-2", category="=1+1")]
        write_ledger_file(ledger, base / "l.csv")
        write_ledger_file(ledger, base / "l.xlsx")
        with LedgerStore.open(base / "s.db", create=True) as store:
            store.receive(_issue("RX-1"), actor=CLERK)
            store.apply("RX-1", "transfer", actor=DISPATCHER, at=T0.add(hours=1), unit="u1")
            from banshishi import export_events

            events = io.StringIO(newline="")
            export_events(store, events)
        return {
            "csv": (base / "l.csv").read_bytes(),
            "xlsx": (base / "l.xlsx").read_bytes(),
            "events": events.getvalue().encode(),
            "open311": json.dumps(
                [
                    {
                        "service_request_id": "SR-1",
                        "status": "closed",
                        "service_name": "路灯",
                        "description": "路灯不亮\n已修好",
                        "requested_datetime": "2026-09-01T10:15:00+08:00",
                        "updated_datetime": "2026-09-02T10:15:00+08:00",
                        "status_notes": "已修好",
                        "lat": 40.1,
                        "long": 111.6,
                        "address_id": "150125001",
                    }
                ],
                ensure_ascii=False,
            ).encode(),
            "toml": b'year = 2027\n[holidays]\n"\xe5\x85\x83\xe6\x97\xa6" = ["2027-01-01"]\n'
            b'"\xe6\x98\xa5\xe8\x8a\x82" = ["2027-02-06/2027-02-12"]\n[workdays]\n'
            b'"\xe6\x98\xa5\xe8\x8a\x82" = ["2027-02-14"]\n',
            "json": b'{"year": 2027, "holidays": {"yuandan": ["2027-01-01"]},'
            b' "workdays": {"chunjie": ["2027-02-14"]}}',
        }


SEEDS = _seeds()
with zipfile.ZipFile(io.BytesIO(SEEDS["xlsx"])) as _archive:
    XLSX_PARTS = {name: _archive.read(name) for name in _archive.namelist()}
SHEET = "xl/worksheets/sheet1.xml"
HEADER_ROW = XLSX_PARTS[SHEET].decode().split("<sheetData>")[1].split("</row>")[0] + "</row>"


# -- strategies ---------------------------------------------------------------------------


INSERTS = (b"\x00", b"\\ud800", b'"', b",", b"\r", b"{", b"[", b"9" * 400, b"\xff\xfe",
           b"<!DOCTYPE a>")  # fmt: skip


@st.composite
def mutated(draw: st.DrawFn, seed: bytes) -> bytes:
    """``seed`` with a few bytes flipped, cut, repeated or inserted."""
    data = bytearray(seed)
    for _ in range(draw(st.integers(min_value=1, max_value=6))):
        at = draw(st.integers(min_value=0, max_value=len(data)))
        how = draw(st.sampled_from(["flip", "insert", "delete", "repeat", "truncate"]))
        if how == "flip" and at < len(data):
            data[at] ^= draw(st.integers(min_value=1, max_value=255))
        elif how == "insert":
            data[at:at] = draw(st.sampled_from(INSERTS))
        elif how == "delete":
            del data[at : at + draw(st.integers(min_value=1, max_value=40))]
        elif how == "repeat":
            end = min(len(data), at + draw(st.integers(min_value=1, max_value=200)))
            data[at:at] = data[at:end] * draw(st.integers(min_value=1, max_value=20))
        else:
            del data[at:]
    return bytes(data)


def inputs(kind: str) -> st.SearchStrategy[bytes]:
    return st.one_of(st.binary(max_size=2_000), mutated(SEEDS[kind]))


hostile_text = st.one_of(
    st.text(max_size=30),
    st.sampled_from(
        [
            "",
            " ",
            "=1+1",
            "\ud800",
            "-1",
            "1e999",
            "nan",
            "9" * 5000,
            "2026-02-30",
            "2026-07-01T09:00:00",
            "0",
            "１２３",
            "\x00",
            "x005F_",
            "_x000D_",
        ]
    ),
)
json_leaves = st.one_of(
    st.none(), st.booleans(), st.integers(min_value=-(10**40), max_value=10**40),
    st.floats(allow_nan=False, allow_infinity=False), hostile_text,
)  # fmt: skip
json_data = st.recursive(
    json_leaves,
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(hostile_text, inner, max_size=4),
    max_leaves=15,
)


@st.composite
def sheets(draw: st.DrawFn) -> bytes:
    """A workbook whose sheet and shared strings are built from hostile parts."""
    strings = draw(st.lists(hostile_text, max_size=5))
    rows = []
    for number in range(2, 2 + draw(st.integers(min_value=0, max_value=4))):
        cells = []
        for _ in range(draw(st.integers(min_value=0, max_value=6))):
            kind = draw(st.sampled_from(["s", "n", "b", "e", "str", "inlineStr", "d", "zz", None]))
            column = draw(st.sampled_from(["A", "B", "C", "Q", "AK", "AL", "XFD", "ZZZZZZZZ", ""]))
            ref = draw(st.sampled_from([f"{column}{number}", "", "9", "A0"]))
            value = escape(draw(hostile_text | st.integers(-3, 8).map(str)))
            kind_attr = f" t={quoteattr(kind)}" if kind else ""
            style = draw(st.sampled_from(["", ' s="0"', ' s="1"', ' s="99"', ' s="-1"']))
            body = draw(st.sampled_from([f"<v>{value}</v>", f"<is><t>{value}</t></is>",
                                         f"<f>{value}</f><v>1</v>", "", "<v/>"]))  # fmt: skip
            cells.append(f"<c r={quoteattr(ref)}{kind_attr}{style}>{body}</c>")
        row_ref = draw(st.sampled_from([f' r="{number}"', "", ' r="0"', ' r="x"', ' r="99999999"']))
        rows.append(f"<row{row_ref}>{''.join(cells)}</row>")
    head, tail = XLSX_PARTS[SHEET].decode().split("<sheetData>")[0], "</sheetData></worksheet>"
    sheet = f"{head}<sheetData>{HEADER_ROW}{''.join(rows)}{tail}"
    sst = "".join(f"<si><t>{escape(text)}</t></si>" for text in strings)
    rels = (
        XLSX_PARTS["xl/_rels/workbook.xml.rels"]
        .decode()
        .replace(
            "</Relationships>",
            '<Relationship Type="http://schemas.openxmlformats.org/officeDocument/2006/'
            'relationships/sharedStrings" Target="sharedStrings.xml" Id="rId9"/></Relationships>',
        )
    )
    parts = {**XLSX_PARTS, SHEET: sheet.encode("utf-8", "surrogatepass"),
             "xl/sharedStrings.xml": f"<sst>{sst}</sst>".encode("utf-8", "surrogatepass"),
             "xl/_rels/workbook.xml.rels": rels.encode()}  # fmt: skip
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, data in parts.items():
            archive.writestr(name, data)
    return buffer.getvalue()


@st.composite
def ledger_csvs(draw: st.DrawFn) -> bytes:
    """The sound ledger's header over rows of hostile cells."""
    header = next(csv.reader(io.StringIO(SEEDS["csv"].decode("utf-8-sig"))))
    rows = [header]
    for _ in range(draw(st.integers(min_value=1, max_value=4))):
        width = draw(st.sampled_from([len(header), len(header) - 1, len(header) + 3]))
        rows.append([draw(hostile_text) for _ in range(width)])
    buffer = io.StringIO(newline="")
    csv.writer(buffer, lineterminator="\r\n").writerows(rows)
    return buffer.getvalue().encode("utf-8", "surrogatepass")


@st.composite
def forged_events(draw: st.DrawFn) -> str:
    """The sound export with one cell changed and every hash computed again, so
    that the reader gets past the chain to the events themselves."""
    from banshishi._store.event_store import GENESIS, link

    rows = list(csv.reader(io.StringIO(SEEDS["events"].decode(), newline="")))
    row = draw(st.integers(min_value=1, max_value=len(rows) - 1))
    column = draw(st.integers(min_value=1, max_value=12))
    new = draw(hostile_text | json_data.map(lambda value: json.dumps(value, ensure_ascii=False)))
    rows[row][column] = new
    previous = GENESIS
    for cells in rows[1:]:
        seq, subject, record_id, version, at, *columns = cells[:13]
        if not all(n.isascii() and n.isdigit() and len(n) < 19 for n in (seq, version)):
            break
        values = [None if value == "" and index in (2, 4) else value
                  for index, value in enumerate(columns)]  # fmt: skip
        try:
            previous = cells[13] = link(previous, int(seq), subject, record_id, int(version), at,
                                        values)  # fmt: skip
        except UnicodeEncodeError:  # half a character: the reader must refuse it unhashed
            break
    buffer = io.StringIO(newline="")
    csv.writer(buffer, lineterminator="\n").writerows(rows)
    return buffer.getvalue()


@st.composite
def broken_models(draw: st.DrawFn) -> tuple[Any, type]:
    """A model's JSON with one value somewhere inside replaced by hostile data."""
    model = draw(st.sampled_from([Issue, Pledge, Unit, Rate, Evaluation]))
    if model is Issue:
        data: Any = unstructure(draw(issues()))
    elif model is Unit:
        data = {"id": "u", "name": "某县", "level": "county", "parent": None}
    elif model is Rate:
        data = {"numerator": 1, "denominator": 2}
    elif model is Evaluation:
        data = {"issue_id": "RX-1", "rating": "satisfied", "resolved": True,
                "at": "2026-07-01T09:00:00+08:00"}  # fmt: skip
    else:
        data = {"id": "KP-1", "title": "修路", "pledger": "p", "pledger_kind": "leader",
                "list_kind": "livelihood_plan", "claimed_at": T0.isoformat()}  # fmt: skip
    place = data
    for _ in range(draw(st.integers(min_value=0, max_value=3))):
        inner = [key for key, value in place.items() if isinstance(value, dict)]
        if not inner:
            break
        place = place[draw(st.sampled_from(sorted(inner)))]
    if place:
        place[draw(st.sampled_from(sorted(place)))] = draw(json_data)
    if draw(st.booleans()):
        data = draw(json_data)
    return data, model


# -- the readers --------------------------------------------------------------------------


@FUZZ
@given(data=st.one_of(inputs("csv"), ledger_csvs()), check=st.booleans())
def test_ledger_csv_files(data, check):
    read = check_ledger_file if check else read_ledger_file
    in_file(data, "ledger.csv", lambda path: read(path, format="csv"))


@FUZZ
@given(data=st.one_of(inputs("xlsx"), sheets()), check=st.booleans())
def test_ledger_xlsx_files(data, check):
    read = check_ledger_file if check else read_ledger_file
    in_file(data, "ledger.xlsx", lambda path: read(path, format="xlsx"))


@FUZZ
@given(
    text=st.one_of(inputs("events").map(lambda b: b.decode("utf-8", "replace")), forged_events())
)
def test_event_exports(text):
    accepted(lambda: read_events(io.StringIO(text, newline="")))


@FUZZ
@given(
    text=st.one_of(
        inputs("open311").map(lambda b: b.decode("utf-8", "replace")),
        json_data.map(lambda value: json.dumps(value, ensure_ascii=False)),
        st.lists(json_data, max_size=3).map(json.dumps),
    )
)
def test_open311_json(text):
    accepted(lambda: load_requests(text))
    accepted(lambda: import_requests(text, urgency="urgent", division_code="150125"))


@FUZZ
@given(case=broken_models())
def test_structure(case):
    data, model = case
    accepted(lambda: structure(data, model))


@FUZZ
@given(
    data=st.one_of(inputs("toml"), inputs("json")),
    suffix=st.sampled_from([".toml", ".json"]),
)
def test_year_schedules(data, suffix):
    in_file(data, f"schedule{suffix}", YearSchedule.load)


@FUZZ
@given(data=json_data)
def test_year_schedules_from_json_values(data):
    text = json.dumps(data, ensure_ascii=False).encode("utf-8", "surrogatepass")
    in_file(text, "schedule.json", YearSchedule.load)
    schedule = {"year": 2027, "holidays": {"x": [data]}, "workdays": data}
    in_file(json.dumps(schedule).encode(), "schedule.json", YearSchedule.load)
