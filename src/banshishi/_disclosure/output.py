"""Disclosure lists written out: CSV for spreadsheets, JSON for other systems,
and one standalone HTML page to post or print, all with Chinese headers.

Every text cell passes through :func:`scrub_text` on the way out of a masked
list, whatever the records hold, so a list built by hand, or a field a future
version adds, still cannot carry a mobile or ID number into print. Times are
shown in the zone of the list's ``at``.
"""

import io
import json
import os
import tempfile
import unicodedata
from collections.abc import Callable, Iterable, Iterator
from html import escape
from pathlib import Path
from typing import Any

from pendulum import DateTime

from banshishi._core.csv_text import CsvWriter
from banshishi._core.errors import InvalidTypeError, InvalidValueError, UnknownValueError
from banshishi._core.time import DEFAULT_TIMEZONE
from banshishi._core.whole_file import target_path, write_text_whole

from .issues import (
    DisclosedIssue,
    DisclosedMilestone,
    DisclosedPledge,
    IssueDisclosure,
    PledgeDisclosure,
)
from .masking import scrub_text

Disclosure = IssueDisclosure | PledgeDisclosure
"""Either kind of list."""
Item = DisclosedIssue | DisclosedPledge
"""A line of either."""

ISSUE_COLUMNS = {
    "id": "编号",
    "title": "诉求事项",
    "category": "类别",
    "urgency": "急难愁盼",
    "track": "办理方式",
    "unit": "责任单位",
    "status": "办理状态",
    "received_at": "受理日期",
    "deadline": "完成时限",
    "overdue": "是否逾期",
    "progress": "办理进度",
    "milestones": "办理节点",
    "requester": "诉求人",
    "place": "地点",
}
"""The issue list's columns: key (as in JSON) and Chinese header (as in CSV and HTML)."""

PLEDGE_COLUMNS = {
    "id": "编号",
    "title": "承诺事项",
    "goal": "项目目标",
    "pledger": "承诺人",
    "pledger_kind": "承诺主体",
    "list_kind": "所属清单",
    "unit": "责任单位",
    "deadline": "完成时限",
    "status": "践诺状态",
    "overdue": "是否逾期",
    "progress": "完成进度",
    "milestones": "推进节点",
}
"""The pledge list's columns: key (as in JSON) and Chinese header (as in CSV and HTML)."""

_TITLES = {IssueDisclosure: "群众诉求办理情况公示", PledgeDisclosure: "承诺事项践诺情况公示"}


def _checked(disclosure: object) -> Disclosure:
    if not isinstance(disclosure, IssueDisclosure | PledgeDisclosure):
        raise InvalidTypeError(
            field="disclosure",
            value=disclosure,
            problem="must be an IssueDisclosure or a PledgeDisclosure",
            hint="Build one with disclose_issues() or disclose_pledges().",
        )
    return disclosure


def _guard(disclosure: Disclosure) -> Callable[[str], str]:
    if disclosure.masked:
        return _published
    return str


def _published(text: str) -> str:
    """``text`` scrubbed, without control characters: they have no place in a
    public list, and JSON would write them as ``\\u0019``, digits that could
    join a masked number's visible ones into something number-shaped."""
    scrubbed = scrub_text(text)
    return "".join(c for c in scrubbed if c in "\t\n\r" or unicodedata.category(c) != "Cc")


def _zone(disclosure: Disclosure) -> Any:
    return disclosure.at.timezone or DEFAULT_TIMEZONE


def _when(moment: DateTime | None, zone: Any, pattern: str) -> str:
    return "" if moment is None else moment.in_timezone(zone).strftime(pattern)


def _milestone_text(milestones: tuple[DisclosedMilestone, ...]) -> str:
    return "；".join(f"{m.name}（{'已完成' if m.done else '未完成'}）" for m in milestones)


def _values(item: DisclosedIssue | DisclosedPledge, zone: Any) -> dict[str, Any]:
    try:
        return _typed_values(item, zone)
    except (OverflowError, ValueError):  # a moment at the very ends of the calendar
        raise InvalidValueError(
            field=f"item {item.id!r}",
            value=item,
            problem=f"has a time that cannot be shown in {zone}",
        ) from None


def _typed_values(item: DisclosedIssue | DisclosedPledge, zone: Any) -> dict[str, Any]:
    """A line's cells as typed values: labels for vocabularies, text for rates."""
    values: dict[str, Any] = {"id": item.id, "title": item.title}
    if isinstance(item, DisclosedIssue):
        values.update(
            category=item.category,
            urgency=item.urgency.label,
            track=item.track.label,
            unit=item.unit,
            status=item.status.label,
            received_at=item.received_at.in_timezone(zone),
        )
    else:
        values.update(
            goal=item.goal,
            pledger=item.pledger,
            pledger_kind=item.pledger_kind.label,
            list_kind=item.list_kind.label,
            unit=item.unit,
            status=item.status.label,
        )
    values.update(
        deadline=None if item.deadline is None else item.deadline.in_timezone(zone),
        overdue=item.overdue,
        progress=item.progress.format(),
        milestones=item.milestones,
    )
    if isinstance(item, DisclosedIssue):
        values.update(requester=item.requester, place=item.place)
    return values


def _columns(disclosure: Disclosure) -> dict[str, str]:
    return ISSUE_COLUMNS if isinstance(disclosure, IssueDisclosure) else PLEDGE_COLUMNS


def disclosure_rows(disclosure: Disclosure) -> list[dict[str, str]]:
    """The list as rows of text keyed by Chinese header, as the CSV and HTML show it."""
    disclosure = _checked(disclosure)
    return list(_rows(disclosure, disclosure.items))


def _rows(disclosure: Disclosure, items: Iterable[Item]) -> Iterator[dict[str, str]]:
    guard, zone, columns = _guard(disclosure), _zone(disclosure), _columns(disclosure)
    for item in items:
        values = _values(item, zone)
        cells = {
            **values,
            "received_at": _when(values.get("received_at"), zone, "%Y-%m-%d"),
            "deadline": _when(values["deadline"], zone, "%Y-%m-%d %H:%M"),
            "overdue": "是" if values["overdue"] else "否",
            "milestones": _milestone_text(values["milestones"]),
        }
        yield {header: guard(cells[key]) for key, header in columns.items()}


def disclosure_csv(disclosure: Disclosure) -> str:
    """The list as CSV text: a header line of Chinese column names, then one line
    per item, CRLF line ends, a cell with a line break in it quoted. A cell that
    a spreadsheet would read as a formula (starting with ``=``, ``+``, ``-``,
    ``@``, a tab or a carriage return) is prefixed with ``'``."""
    disclosure = _checked(disclosure)
    return "".join(_csv_parts(disclosure, disclosure.items))


def _csv_parts(disclosure: Disclosure, items: Iterable[Item]) -> Iterator[str]:
    buffer = io.StringIO(newline="")
    writer = CsvWriter(buffer)
    writer.row(_columns(disclosure).values())
    for row in _rows(disclosure, items):
        writer.row(row.values())
        if buffer.tell() > _CHUNK:
            yield buffer.getvalue()
            buffer.seek(0)
            buffer.truncate()
    yield buffer.getvalue()


_CHUNK = 1 << 16
"""About how much text a list written in parts gives at a time."""


def disclosure_json(disclosure: Disclosure) -> str:
    """The list as JSON: ``list`` (``issues`` or ``pledges``), ``title``,
    ``as_of``, ``masked``, ``columns`` (key → Chinese header) and ``items``, each
    an object keyed as ``columns``, with times in ISO 8601, ``overdue`` a
    boolean and ``milestones`` a list of ``{name, done, due}``."""
    disclosure = _checked(disclosure)
    return "".join(_json_parts(disclosure, disclosure.items))


def _json_parts(disclosure: Disclosure, items: Iterable[Item]) -> Iterator[str]:
    """The JSON text in parts, an item at a time, as ``json.dumps`` writes the
    whole document with ``indent=2`` (``items`` comes last in it)."""
    guard, zone = _guard(disclosure), _zone(disclosure)
    document: dict[str, Any] = {
        "list": "issues" if isinstance(disclosure, IssueDisclosure) else "pledges",
        "title": _TITLES[type(disclosure)],
        "as_of": _iso(disclosure.at, zone),
        "masked": disclosure.masked,
        "columns": _columns(disclosure),
        "items": [],
    }
    empty = json.dumps(document, ensure_ascii=False, indent=2) + "\n"
    head, _, _ = empty.rpartition("[]")
    opening = "[\n    "
    for item in items:
        values = _values(item, zone)
        values["milestones"] = [
            {"name": m.name, "done": m.done, "due": _iso(m.due, zone)} for m in values["milestones"]
        ]
        line = {key: _json_value(values[key], guard) for key in _columns(disclosure)}
        text = json.dumps(line, ensure_ascii=False, indent=2).replace("\n", "\n    ")
        yield (head if opening.startswith("[") else "") + opening + text
        opening = ",\n    "
    yield (head + "[]" if opening.startswith("[") else "\n  ]") + "\n}\n"


def _iso(moment: DateTime | None, zone: Any) -> str | None:
    return None if moment is None else moment.in_timezone(zone).isoformat()


def _json_value(value: Any, guard: Callable[[str], str]) -> Any:
    if isinstance(value, DateTime):
        return value.isoformat()
    if isinstance(value, str):
        return guard(value)
    if isinstance(value, list):
        return [{k: _json_value(v, guard) for k, v in entry.items()} for entry in value]
    return value


_STYLE = """
body { font-family: "PingFang SC", "Microsoft YaHei", "Noto Sans CJK SC", sans-serif;
       color: #1b1b1b; background: #fff; margin: 2rem auto; max-width: 80rem; padding: 0 1rem; }
h1 { font-size: 1.5rem; text-align: center; margin-bottom: .3rem; }
.meta { text-align: center; color: #555; margin-top: 0; }
table { border-collapse: collapse; width: 100%; font-size: .85rem; }
th, td { border: 1px solid #999; padding: .25rem .4rem; text-align: left; vertical-align: top; }
th { background: #f0f0f0; white-space: nowrap; }
td.overdue { color: #b03a2e; font-weight: bold; }
.notes { color: #555; font-size: .8rem; margin-top: 1rem; }
@media print {
  @page { size: A4 landscape; margin: 12mm; }
  body { margin: 0; max-width: none; font-size: 9pt; }
  table { font-size: 8pt; }
  thead { display: table-header-group; }
  tr { break-inside: avoid; page-break-inside: avoid; }
  th { background: #e8e8e8; -webkit-print-color-adjust: exact; print-color-adjust: exact; }
}
""".strip()


def disclosure_html(disclosure: Disclosure, *, title: str | None = None) -> str:
    """The list as one standalone HTML page (styles inline, no scripts, nothing
    fetched) to post on a site or print on A4 landscape, headers repeated on
    every printed page. Every cell is HTML-escaped; ``title`` defaults to
    群众诉求办理情况公示 or 承诺事项践诺情况公示."""
    disclosure = _checked(disclosure)
    return "".join(_html_parts(disclosure, disclosure.items, title=title))


def _html_parts(
    disclosure: Disclosure, items: Iterable[Item], *, title: str | None = None
) -> Iterator[str]:
    """The page in parts. The count the page opens with is known only once every
    row is made: the rows wait in a private temporary file meanwhile."""
    if title is not None and not isinstance(title, str):
        raise InvalidTypeError(field="title", value=title, problem="must be text or None")
    guard = _guard(disclosure)
    heading = escape(guard(title if title is not None else _TITLES[type(disclosure)]))
    as_of = _when(disclosure.at, _zone(disclosure), "%Y年%m月%d日 %H:%M")
    headers = list(_columns(disclosure).values())
    with tempfile.SpooledTemporaryFile(
        max_size=8 << 20, mode="w+", encoding="utf-8", newline=""
    ) as spool:
        count = 0
        for row in _rows(disclosure, items):
            cells = []
            for header, cell in row.items():
                opening = (
                    '<td class="overdue">' if header == "是否逾期" and cell == "是" else "<td>"
                )
                cells.append(f"{opening}{escape(cell)}</td>")
            spool.write("<tr>" + "".join(cells) + "</tr>\n")
            count += 1
        head = [
            "<!DOCTYPE html>",
            '<html lang="zh-CN">',
            "<head>",
            '<meta charset="utf-8">',
            '<meta name="viewport" content="width=device-width, initial-scale=1">',
            f"<title>{heading}</title>",
            f"<style>\n{_STYLE}\n</style>",
            "</head>",
            "<body>",
            f"<h1>{heading}</h1>",
            f'<p class="meta">截至 {escape(as_of)}，共 {count} 项</p>',
            "<table>",
            "<thead><tr>" + "".join(f"<th>{escape(h)}</th>" for h in headers) + "</tr></thead>",
            "<tbody>",
        ]
        yield "\n".join(head) + "\n"
        spool.seek(0)
        while chunk := spool.read(_CHUNK):
            yield chunk
    tail = ["</tbody>", "</table>"]
    if disclosure.masked:
        tail.append('<p class="notes">为保护个人信息，姓名、地址、电话和证件号码已作脱敏处理。</p>')
    tail += ["</body>", "</html>", ""]
    yield "\n".join(tail)


_WRITERS: dict[str, tuple[Callable[[Disclosure], str], str]] = {
    "csv": (disclosure_csv, "utf-8-sig"),  # with a BOM, so spreadsheet programs read Chinese
    "json": (disclosure_json, "utf-8"),
    "html": (disclosure_html, "utf-8"),
}


_PARTS: dict[str, Callable[[Disclosure, Iterable[Item]], Iterator[str]]] = {
    "csv": _csv_parts,
    "json": _json_parts,
    "html": _html_parts,
}


def disclosure_parts(
    disclosure: Disclosure, *, format: str, items: Iterable[Item] | None = None
) -> Iterator[str]:
    """The list as ``format`` (``csv``, ``json`` or ``html``) in parts, made as
    they are read: ``items`` (e.g. :func:`disclosed_issues` over a store's
    issues) in place of ``disclosure.items`` if given, so a long list is written
    in memory that does not grow with it. The same text as the whole list's."""
    if not isinstance(format, str) or format not in _PARTS:
        raise UnknownValueError(
            field="format",
            value=format,
            problem="is not a disclosure format",
            hint="Use 'csv', 'json' or 'html'.",
        )
    checked = _checked(disclosure)
    return _PARTS[format](checked, checked.items if items is None else items)


def write_disclosure(disclosure: Disclosure, path: str | os.PathLike[str], *, format: str) -> Path:
    """Write the list to ``path`` as ``format`` (``csv``, ``json`` or ``html``).

    The file is written under a temporary name beside ``path`` and renamed into
    place, so a reader never sees half a list and a failure leaves no file. A
    new file of a list that is not masked is readable by its owner only.
    Returns the path written.
    """
    if not isinstance(format, str) or format not in _WRITERS:
        raise UnknownValueError(
            field="format",
            value=format,
            problem="is not a disclosure format",
            hint="Use 'csv', 'json' or 'html'.",
        )
    target = target_path(path, field="path")
    render, encoding = _WRITERS[format]
    checked = _checked(disclosure)
    # An internal copy, not masked, is made readable by its owner only.
    return write_text_whole(target, render(checked), encoding=encoding, private=not checked.masked)
