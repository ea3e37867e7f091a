"""One row of a ledger file (台账): the header that names the columns, an issue
written as a row, and a row read back into an issue or into the problems that
stop it.

Every cell of a row is read, and every problem found is kept, so that a
spreadsheet user can fix a whole row (and, one level up, a whole file) in one
pass. Rows are numbered as a spreadsheet shows them: the header is row 1.
"""

import re
from collections.abc import Callable, Sequence
from typing import Any, final

import attrs

from banshishi._core.errors import BanshishiError, InvalidValueError, RowProblem
from banshishi._model.evaluation import Evaluation, Feedback, RaterKind
from banshishi._model.issue import Issue
from banshishi._model.location import Location
from banshishi._model.people import Person
from banshishi._model.routed_transfer import RoutedTransfer

from .ledger_cells import Cell, Language, as_text
from .ledger_columns import BY_KEY, COLUMNS, GROUPS, LedgerColumn, Sources


@final
@attrs.frozen(kw_only=True)
class SheetValue:
    """A cell a spreadsheet holds something other than a value in: a formula or
    an error such as ``#N/A``. A ledger takes values only."""

    text: str
    what: str


@final
@attrs.frozen(kw_only=True)
class Beyond:
    """The first value a row holds to the right of the last column a ledger can
    have; the readers keep no cell further right, so a row costs the same
    however far its cells reach."""

    column: int
    """Its column, counted from 1."""
    value: object


@final
@attrs.frozen
class Header:
    """The header row as read: the file's language, and which column each cell
    position holds (``None`` for none)."""

    language: Language
    columns: tuple[LedgerColumn | None, ...]
    texts: dict[str, str]
    """The header text of each column present, by key, as written in the file."""

    def text(self, key: str) -> str:
        """The header of column ``key`` as the file writes it (or would)."""
        return self.texts.get(key) or BY_KEY[key].header(self.language)


_ZH = {column.zh: column for column in COLUMNS}
_EN = {column.key: column for column in COLUMNS}


def _header_text(raw: object) -> str:
    try:
        return as_text(raw).strip().lstrip("\ufeff").strip()
    except BanshishiError:
        return str(raw)


def read_header(cells: Sequence[object]) -> tuple[Header, list[RowProblem]]:
    """The header in ``cells`` (row 1), and what is wrong with it: unknown,
    repeated, blank or missing required columns, or headers in two languages."""
    beyond = [cell for cell in cells if isinstance(cell, Beyond)]
    texts = [_header_text(raw) for raw in cells if not isinstance(raw, Beyond)]
    while texts and not texts[-1]:
        texts.pop()
    found: list[tuple[int, str, LedgerColumn | None, Language | None]] = []
    for index, text in enumerate(texts):
        if text in _ZH:
            found.append((index, text, _ZH[text], "zh"))
        elif text.lower() in _EN:
            found.append((index, text, _EN[text.lower()], "en"))
        else:
            found.append((index, text, None, None))
    languages = [language for *_, language in found if language is not None]
    language: Language = languages[0] if languages else "zh"
    problems: list[RowProblem] = []
    columns: list[LedgerColumn | None] = []
    seen: dict[str, int] = {}
    for index, text, column, its_language in found:
        columns.append(column)
        if not text:
            problems.append(_header_problem("", f"column {index + 1} has no header"))
        elif column is None:
            problems.append(_header_problem(text, "is not a ledger column", _KNOWN[language]))
        elif its_language != language:
            first = "Chinese" if language == "zh" else "English"
            problems.append(
                _header_problem(
                    text, f"is not in {first}, as the first header is: use one language"
                )
            )
        elif column.key in seen:
            problems.append(
                _header_problem(text, f"appears twice (also column {seen[column.key] + 1})")
            )
        else:
            seen[column.key] = index
    for cell in beyond:
        text = _header_text(cell.value)
        reason = f"is in column {cell.column}, past the {len(COLUMNS)} columns a ledger has"
        problems.append(_header_problem(text, reason))
    for column in COLUMNS:
        if column.required and column.key not in seen:
            header = column.header(language)
            problems.append(_header_problem(header, "is a required column and is missing"))
    header_texts = {key: texts[index] for key, index in seen.items()}
    placed = tuple(
        c if c is not None and seen.get(c.key) == i else None for i, c in enumerate(columns)
    )
    return Header(language, placed, header_texts), problems


def _header_problem(column: str, reason: str, hint: str = "") -> RowProblem:
    return RowProblem(
        row=1, column=column, value=column, reason=f"{reason}. {hint}" if hint else reason
    )


_KNOWN: dict[Language, str] = {
    "zh": "The columns are: " + "、".join(c.zh for c in COLUMNS) + ".",
    "en": "The columns are: " + ", ".join(c.key for c in COLUMNS) + ".",
}


def row_cells(issue: Issue, language: Language) -> list[Cell]:
    """The cells of ``issue``'s row, in :data:`COLUMNS` order; a value that cannot
    be written raises an error naming the column's key."""
    sources = Sources.of(issue)
    cells = []
    for column in COLUMNS:
        try:
            cells.append(column.kind.write(column.pick(sources), language))
        except BanshishiError as error:
            raise error.at(column.key) from None
    return cells


def blank(cells: Sequence[object]) -> bool:
    """Whether a row has nothing in it (such rows are passed over)."""
    return all(raw is None or raw == "" for raw in cells)


def read_row(
    cells: Sequence[object], header: Header, *, row: int, exact: bool
) -> Issue | list[RowProblem]:
    """The issue in ``cells``, or every problem that stops it.

    ``exact`` (CSV) also refuses a row with fewer cells than the header.
    """
    problems: list[RowProblem] = []
    width = len(header.columns)
    if exact and len(cells) < width:
        problems.append(
            RowProblem(
                row=row,
                column="",
                value=len(cells),
                reason=f"has {len(cells)} cells but the header has {width}: a column is missing",
            )
        )
    for index in range(width, len(cells)):
        cell = cells[index]
        if not (cell is None or cell == ""):
            place, value = (
                (cell.column, cell.value) if isinstance(cell, Beyond) else (index + 1, cell)
            )
            problems.append(
                RowProblem(
                    row=row,
                    column="",
                    value=value,
                    reason=f"has a value in column {place}, which has no header",
                )
            )
    raws: dict[str, object] = {}
    for column, raw in zip(header.columns, cells, strict=False):
        if column is not None:
            raws[column.key] = raw
    values: dict[str, Any] = {}
    for column in COLUMNS:
        raw = raws.get(column.key)
        if isinstance(raw, SheetValue):
            problems.append(_problem(header, row, column.key, raw.text, _sheet_reason(raw)))
            continue
        try:
            values[column.key] = column.kind.read(raw)
        except InvalidValueError as error:
            problems.append(_problem(header, row, column.key, raw, _reason(error)))
    if problems:
        return problems
    return _build(values, raws, header, row)


def _sheet_reason(value: SheetValue) -> str:
    return f"holds {value.what}; a ledger takes values only"


def _reason(error: BanshishiError) -> str:
    return f"{error.problem}. {error.hint}" if error.hint else error.problem


def _problem(header: Header, row: int, key: str, raw: object, reason: str) -> RowProblem:
    return RowProblem(row=row, column=header.text(key), value=raw, reason=reason)


def _filled(value: object) -> bool:
    return value is not None and value != "" and value != () and value != frozenset()


def _build(
    values: dict[str, Any], raws: dict[str, object], header: Header, row: int
) -> Issue | list[RowProblem]:
    problems: list[RowProblem] = []
    present: dict[str, bool] = {}
    for group, (members, needed) in GROUPS.items():
        present[group] = any(_filled(values[key]) for key in members)
        if not present[group]:
            continue
        filled = next(header.text(key) for key in members if _filled(values[key]))
        for key in needed:
            if not _filled(values[key]):
                reason = f"must be filled in when {filled} is"
                problems.append(_problem(header, row, key, raws.get(key), reason))
    if problems:
        return problems

    def attempt(make: Callable[[], Any], prefix: str = "") -> Any:
        try:
            return make()
        except BanshishiError as error:
            problems.append(_located(error.at(prefix + error.field), raws, header, row))
            return None

    v = values
    requester = present["requester"] and attempt(
        lambda: Person(id=v["requester_id"], name=v["requester"], mobile=v["mobile"])
    )
    location = present["location"] and attempt(
        lambda: Location(
            division_code=v["division_code"],
            address=v["address"],
            latitude=v["latitude"],
            longitude=v["longitude"],
        )
    )
    answer = present["answer"] and attempt(
        lambda: Feedback(at=v["feedback_at"], content=v["feedback"], method=v["feedback_method"])
    )
    rating = present["rating"] and attempt(
        lambda: Evaluation(
            issue_id=v["id"],
            rating=v["rating"],
            resolved=v["resolved"],
            at=v["rated_at"],
            rater_kind=v["rater_kind"] or RaterKind.REQUESTER,
            rater=v["rater"],
            comment=v["rating_comment"],
            round=1 if v["rating_round"] is None else v["rating_round"],
        )
    )
    first = present["first_rating"] and attempt(
        lambda: Evaluation(
            issue_id=v["id"],
            rating=v["first_rating"],
            resolved=v["first_resolved"],
            at=v["first_rated_at"],
            round=1 if v["first_rating_round"] is None else v["first_rating_round"],
        ),
        prefix="first.",
    )
    routed = present["routing"] and attempt(
        lambda: RoutedTransfer(
            rule=v["routing_rule"],
            unit=v["routed_unit"],
            at=v["routed_at"],
            sent_back=v["routed_sent_back"] is True,
        )
    )
    if first and rating:
        problems += _first_after_latest(first, rating, header, row, raws)
    elif first:
        reason = f"is given without the rating that counts ({header.text('rating')})"
        problems.append(_problem(header, row, "first_rating", raws.get("first_rating"), reason))
    if problems:
        return problems
    fields = {
        key: v[key]
        for key in (
            "id",
            "title",
            "channel",
            "urgency",
            "request_type",
            "repeat_of",
            "duplicate_of",
            "category",
            "description",
            "target_groups",
            "received_by",
            "received_at",
            "responsible_unit",
            "responsible_person",
            "requirements",
            "deadline",
            "co_units",
            "supervising_unit",
            "supervisor",
            "status",
            "closed_at",
            "visits",
            "exclusions",
            "dispatches",
        )
    }
    if v["track"] is not None:
        fields["track"] = v["track"]
    if v["confidential"] is not None:  # blank, or no 保密 column: not confidential
        fields["confidential"] = v["confidential"]
    issue = attempt(
        lambda: _issue(
            bool(first),
            **fields,
            round=1 if v["round"] is None else v["round"],
            requester=requester or None,
            location=location or None,
            feedback=(answer,) if answer else (),
            evaluations=(first, rating) if first else (rating,) if rating else (),
            routed=routed or None,
        )
    )
    return problems if problems else issue


def _issue(first: bool, **fields: Any) -> Issue:
    """The issue of a row; with a first rating, its evaluations are (first, latest),
    and an error in the first one belongs to the first rating's columns."""
    try:
        return Issue(**fields)
    except BanshishiError as error:
        place = "Issue.evaluations[0]"
        if first and error.field.startswith(place + "."):
            raise error.at("first.Evaluation" + error.field[len(place) :]) from None
        raise


def _first_after_latest(
    first: Evaluation, latest: Evaluation, header: Header, row: int, raws: dict[str, object]
) -> list[RowProblem]:
    """The first rating must come before the rating that counts: from an earlier
    round, or earlier in the same round (else the row would say two things)."""
    if (first.round, first.at) < (latest.round, latest.at):
        return []
    reason = (
        f"is not before the rating that counts ({header.text('rating_round')} "
        f"{latest.round}, {header.text('rated_at')} {raws.get('rated_at')}): the first "
        "rating is of an earlier round, or earlier in the same round"
    )
    return [_problem(header, row, "first_rated_at", raws.get("first_rated_at"), reason)]


_OWNERS = {path: column.key for column in COLUMNS for path in column.owns}
_POSITION = re.compile(r"\[[0-9]+\]")


def _located(
    error: BanshishiError, raws: dict[str, object], header: Header, row: int
) -> RowProblem:
    """``error`` as a problem in the column that owns the field it names."""
    path = _POSITION.sub("", error.field)
    while path and path not in _OWNERS:
        path = path.rpartition(".")[0]
    key = _OWNERS.get(path)
    if key is None:
        return RowProblem(row=row, column="", value=error.value, reason=_reason(error))
    return _problem(header, row, key, raws.get(key), _reason(error))
