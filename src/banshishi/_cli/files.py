"""The ``banshishi`` subcommands that exchange files with other systems: ledger
files (台账 as CSV or XLSX), public disclosure lists (公示), Open311 GeoReport v2
requests, and the JSON Schemas of the library's records."""

import argparse
import contextlib
import json
import sys
from collections import Counter
from collections.abc import Iterable, Iterator, Sequence
from pathlib import Path
from typing import Any, Generic, Literal, TypeVar

from rich.console import Console
from rich.table import Table

from banshishi._core.errors import InvalidValueError, LedgerFileError, RowProblem, _shown
from banshishi._core.whole_file import text_written_whole
from banshishi._disclosure.issues import (
    DisclosedIssue,
    IssueDisclosure,
    PledgeDisclosure,
    disclosed_issues,
)
from banshishi._disclosure.output import disclosure_parts
from banshishi._disclosure.pledger_names import read_pledger_names
from banshishi._disclosure.pledges import disclose_pledges
from banshishi._exchange.json_schema import json_schema
from banshishi._exchange.ledger_check import SHOWN_PROBLEMS, LedgerCheck, check_ledger_file
from banshishi._exchange.ledger_file import write_ledger_csv, write_ledger_file
from banshishi._exchange.open311 import read_requests, request_stream, request_text
from banshishi._exchange.open311_import import import_requests
from banshishi._model.evaluation import Evaluation
from banshishi._model.issue import Issue
from banshishi._model.pledge import Pledge
from banshishi._model.vocabulary import Urgency

from .common import (
    BAD_INPUT,
    OK,
    as_of_option,
    db_option,
    existing,
    moment,
    now_or,
    output,
    output_option,
    published_issues,
    refuse_ledger_output,
)
from .terminal_text import plain

T = TypeVar("T")

SCHEMAS: dict[str, type] = {"issue": Issue, "pledge": Pledge, "evaluation": Evaluation}
"""The records ``banshishi schema`` describes, by the name given on the command line."""


INCLUDE_CONFIDENTIAL = (
    "an unmasked exchange: write confidential issues (保密件) whole "
    "(default: their texts, requester and address withheld)"
)
"""The help of ``--include-confidential``, the same on every export."""


def include_confidential_option(parser: Any) -> None:
    """Add ``--include-confidential`` to an export's ``parser``."""
    parser.add_argument("--include-confidential", action="store_true", help=INCLUDE_CONFIDENTIAL)


def add_file_commands(commands: Any) -> None:
    """Add ``ledger-file``, ``disclose``, ``open311`` and ``schema`` to the parser."""
    ledger_file = commands.add_parser(
        "ledger-file",
        help="the ledger (台账) as a CSV or XLSX file with Chinese headers",
        description="Write every issue as one row of a CSV or XLSX ledger file, or check "
        "such a file: every row is validated and each problem reported with its row, "
        "column and reason.",
    )
    actions = ledger_file.add_subparsers(dest="action", required=True, metavar="ACTION")
    write = actions.add_parser("export", help="write the ledger file")
    db_option(write)
    output_option(write, help="a .csv or .xlsx file (default: CSV on standard output)")
    write.add_argument(
        "--english",
        action="store_true",
        help="English column headers and values instead of Chinese",
    )
    as_of_option(write)
    include_confidential_option(write)
    write.set_defaults(run=_ledger_export)
    check = actions.add_parser(
        "check",
        help="validate a ledger file; exit 2 if any row is bad",
        description="Check every row of a ledger file, one row at a time, in memory that "
        f"does not grow with the file. The first {SHOWN_PROBLEMS} problems are listed, "
        "the rest counted by column and reason; --problems writes every one as CSV.",
    )
    check.add_argument("file", metavar="FILE", help="a .csv or .xlsx ledger file")
    check.add_argument(
        "--problems", metavar="CSV", help="write every problem to this CSV file (- for the output)"
    )
    check.set_defaults(run=_ledger_check)

    disclose = commands.add_parser(
        "disclose",
        help="public disclosure (公示) lists of issues or pledges, personal data masked",
        description="The list of issues or of public pledges with their progress, ready to "
        "publish: names, mobile numbers, ID numbers and addresses are always masked here, "
        "and confidential issues (保密件) are never listed.",
    )
    disclose.add_argument("what", choices=("issues", "pledges"), help="which list")
    db_option(disclose)
    as_of_option(disclose)
    disclose.add_argument(
        "--format",
        choices=("csv", "json", "html"),
        default="html",
        help="output format (default html)",
    )
    output_option(disclose)
    disclose.add_argument(
        "--names",
        metavar="FILE",
        help="pledges: a CSV file with id,name columns naming the pledgers "
        "(default: a unit's name, else the id)",
    )
    disclose.set_defaults(run=_disclose)

    open311 = commands.add_parser(
        "open311",
        help="issues as Open311 GeoReport v2 service requests (JSON, not masked)",
        description="Export the ledger's issues as GeoReport v2 service requests, or check "
        "that a file of service requests can be imported. An export is for exchange between "
        "systems and is not masked, but for confidential issues (保密件), withheld unless "
        "--include-confidential; publish with `banshishi disclose` instead.",
    )
    actions = open311.add_subparsers(dest="action", required=True, metavar="ACTION")
    send = actions.add_parser("export", help="write service requests as JSON or XML")
    db_option(send)
    as_of_option(send)
    send.add_argument(
        "--extended", action="store_true", help="add mySociety's extended status and our own status"
    )
    output_option(send)
    send.add_argument(
        "--format",
        choices=("json", "xml"),
        help="json or xml (default: xml for a .xml FILE, else json)",
    )
    include_confidential_option(send)
    send.set_defaults(run=_open311_export)
    take = actions.add_parser("check", help="read service requests; exit 2 if any is bad")
    take.add_argument("file", metavar="FILE", help="a JSON or XML file of service requests")
    take.add_argument(
        "--urgency",
        required=True,
        choices=[u.value for u in Urgency],
        help="the 急难愁盼 class to give every request",
    )
    take.add_argument(
        "--division-code",
        metavar="CODE",
        help="the administrative-division code of the requests' places",
    )
    take.add_argument(
        "--division-code-from-address-id",
        action="store_true",
        help="read each request's address_id as its division code (as "
        "`open311 export` writes it); --division-code covers the others",
    )
    take.set_defaults(run=_open311_check)

    schema = commands.add_parser(
        "schema",
        help="the JSON Schema of the library's issue, pledge or evaluation JSON",
        description="Print the JSON Schema (draft 2020-12) generated from the model.",
    )
    schema.add_argument("model", choices=tuple(SCHEMAS), help="which record")
    output_option(schema)
    schema.set_defaults(run=_schema)


def _ledger_export(options: argparse.Namespace, out: Console, err: Console) -> int:
    refuse_ledger_output(options.output, options.db)
    language: Literal["zh", "en"] = "en" if options.english else "zh"
    whole = options.include_confidential
    with existing(options.db) as store:
        issues = published_issues(store, moment(options.as_of))  # read as they are written
        if options.output == "-":
            count = write_ledger_csv(
                issues, sys.stdout, language=language, include_confidential=whole
            )
        else:
            count = write_ledger_file(
                issues, options.output, language=language, include_confidential=whole
            )
    err.print(f"{count:,} issues written.")
    return OK


def _ledger_check(options: argparse.Namespace, out: Console, err: Console) -> int:
    sink = output(options.problems) if options.problems else contextlib.nullcontext(None)
    with sink as problems:
        try:
            found = check_ledger_file(options.file, problems=problems)
        except LedgerFileError as refused:
            if not refused.problems:  # the file as a whole could not be read: say why
                raise
            err.print(_problem_table(refused.problems, len(refused.problems), options.file))
            err.print("Nothing would be imported.", markup=False)
            return BAD_INPUT
    if not found:
        err.print(_problem_table(found.problems, found.problem_count, options.file))
        if found.problem_count > len(found.problems):
            err.print(_reason_table(found, len(found.problems)))
        err.print("Nothing would be imported.", markup=False)
        return BAD_INPUT
    statuses = Counter({status.label: n for status, n in found.statuses.items()})
    summary = ", ".join(f"{label} {n:,}" for label, n in statuses.most_common())
    out.print(plain(f"{options.file}: {found.rows:,} rows, all valid ({summary})."))
    return OK


def _problem_table(problems: Sequence[RowProblem], count: int, file: str) -> Table:
    shown = f" (the first {len(problems):,})" if count > len(problems) else ""
    table = Table(title=plain(f"{count:,} problems in {file}{shown}"), title_justify="left")
    table.add_column("row", justify="right")
    for header in ("column", "value", "reason"):
        table.add_column(header, overflow="fold")
    for problem in problems:
        table.add_row(
            str(problem.row),
            plain(problem.column),
            plain(_shown(problem.value, 60)),
            plain(problem.reason),
        )
    return table


def _reason_table(found: LedgerCheck, shown: int) -> Table:
    table = Table(
        title=f"All {found.problem_count:,} problems by column and reason "
        f"({found.problem_count - shown:,} not listed above; --problems writes "
        "every one)",
        title_justify="left",
    )
    table.add_column("column", overflow="fold")
    table.add_column("reason", overflow="fold")
    table.add_column("problems", justify="right")
    for column, reason, count in found.by_reason:
        table.add_row(plain(column), plain(reason), f"{count:,}")
    return table


def _disclose(options: argparse.Namespace, out: Console, err: Console) -> int:
    refuse_ledger_output(options.output, options.db)
    at = now_or(options.as_of)
    if options.names is not None and options.what != "pledges":
        raise InvalidValueError(
            field="--names", value=options.names, problem="names pledgers: it is for `pledges`"
        )
    names = None if options.names is None else read_pledger_names(options.names)
    with existing(options.db) as store:
        units = store.units
        if options.what == "pledges":  # the roll-up of progress reads them all
            pledges = store.pledges(as_of=at)
            listing = disclose_pledges(pledges, at=at, units=units, names=names)
            _write_listing(listing, None, options)
            return OK
        # Each issue read, made its line and written in turn: memory does not
        # grow with the ledger, and the output is still written whole or not at all.
        lines = disclosed_issues(published_issues(store, at), at=at, units=units)
        _write_listing(IssueDisclosure(at=at, masked=True, items=()), lines, options)
    return OK


def _write_listing(
    listing: IssueDisclosure | PledgeDisclosure,
    items: Iterable[DisclosedIssue] | None,
    options: argparse.Namespace,
) -> None:
    parts = disclosure_parts(listing, format=options.format, items=items)
    if options.output == "-":
        with output("-", whole=True) as file:
            file.writelines(parts)
        return
    # A file: CSV with the byte-order mark Excel needs.
    encoding = "utf-8-sig" if options.format == "csv" else "utf-8"
    with text_written_whole(options.output, field="--output", encoding=encoding) as file:
        file.writelines(parts)


def _open311_export(options: argparse.Namespace, out: Console, err: Console) -> int:
    refuse_ledger_output(options.output, options.db)
    at = now_or(options.as_of)
    # Not masked: a new file is readable by its owner only.
    xml = options.format == "xml" or (
        options.format is None and str(options.output).lower().endswith(".xml")
    )
    with (
        existing(options.db) as store,
        output(options.output, ledger=options.db, private=True, whole=True) as file,
    ):
        # Each issue read, made a request and written in turn: memory does not
        # grow with the ledger, and the file is still written whole or not at all.
        made = Counted(
            request_stream(
                published_issues(store, at),
                at=at,
                extended=options.extended,
                include_confidential=options.include_confidential,
            )
        )
        for part in request_text(made, format="xml" if xml else "json"):
            file.write(part)
        file.write("" if xml else "\n")
    err.print(f"{made.count:,} service requests written.")
    return OK


class Counted(Generic[T]):
    """The items of an iterable, counted as they are read (once)."""

    def __init__(self, items: Iterable[T]) -> None:
        self._items = items
        self.count = 0

    def __iter__(self) -> Iterator[T]:
        for item in self._items:
            self.count += 1
            yield item


def _open311_check(options: argparse.Namespace, out: Console, err: Console) -> int:
    requests = read_requests(Path(options.file))
    issues = import_requests(
        requests,
        urgency=Urgency(options.urgency),
        division_code=options.division_code,
        division_code_from_address_id=options.division_code_from_address_id,
    )
    statuses = Counter(issue.status.label for issue in issues)
    summary = ", ".join(f"{label} {n:,}" for label, n in statuses.most_common())
    out.print(plain(f"{options.file}: {len(issues):,} requests, all readable ({summary})."))
    return OK


def _schema(options: argparse.Namespace, out: Console, err: Console) -> int:
    model = SCHEMAS.get(options.model)
    if model is None:  # argparse's choices make this unreachable; kept for direct calls
        raise InvalidValueError(field="model", value=options.model, problem="is not a record")
    with output(options.output) as file:
        json.dump(json_schema(model), file, ensure_ascii=False, indent=2)
        file.write("\n")
    return OK
