"""The demo ledger the file-exchange command tests read, and the command line run
in-process.

``build_demo`` makes a 300-issue demo ledger with ``banshishi demo`` and plants a few
records carrying personal data in it, so that the disclosure lists have something
to hide; ``tests/conftest.py`` builds it once per session (``planted_demo``).
``cli`` runs the command line in-process with its output captured.
"""

import contextlib
import io
import os
import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from unittest import mock

import pendulum

from banshishi import (
    Actor,
    Channel,
    DismissalReason,
    Issue,
    LedgerStore,
    Location,
    Person,
    Pledge,
    PledgeListKind,
    PledgerKind,
    PledgeStatus,
    Role,
    Urgency,
)
from banshishi._cli.main import main

ZONE = "Asia/Shanghai"
AT = pendulum.datetime(2026, 8, 20, tz=ZONE).end_of("day")
_ANSI = re.compile(r"\x1b\[[0-9;?]*[A-Za-z]")
_ID_WEIGHTS = (7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2)
_ID_CHECK = "10X98765432"


def check_character(first17: str) -> str:
    """GB 11643's check character, computed here rather than taken from the library."""
    return _ID_CHECK[sum(int(d) * w for d, w in zip(first17, _ID_WEIGHTS, strict=True)) % 11]


def with_check(first17: str) -> str:
    return first17 + check_character(first17)


PLANTED_AT = pendulum.datetime(2026, 8, 10, 9, tz=ZONE)
TITLE_MOBILE = "13847112233"
TITLE_ID = with_check("15012519900101123")
REQUESTER_MOBILE = "13912345678"
REQUESTER_ID = "11010519491231002X"
DISMISSED_MOBILE = "13912345699"
PLEDGE_MOBILE = "13812340000"
PLANTED_NUMBERS = (TITLE_MOBILE, TITLE_ID, REQUESTER_MOBILE, REQUESTER_ID, DISMISSED_MOBILE)
CLERK = Actor(id="clerk", role=Role.INTAKE_CLERK)
DISPATCHER = Actor(id="dispatcher", role=Role.DISPATCHER)


def plant(path: Path) -> None:
    """An open issue and a dismissed one with personal data, a published party
    member's pledge with a mobile number in its title, and a draft pledge."""
    with LedgerStore.open(path) as store:
        store.receive(
            Issue(
                id="PLANT-1",
                title=f"请回电{TITLE_MOBILE}，身份证{TITLE_ID}",
                description="联系 15004712345",
                channel=Channel.HOTLINE,
                urgency=Urgency.URGENT,
                received_at=PLANTED_AT,
                category="市政设施",
                requester=Person(
                    id="px",
                    name="欧阳娜娜",
                    mobile=REQUESTER_MOBILE,
                    id_number=REQUESTER_ID,
                    address="城关街道文化社区56号",
                ),
                location=Location(
                    division_code="150125001003", address="城关街道文化社区56号3单元"
                ),
            ),
            actor=CLERK,
        )
        store.receive(
            Issue(
                id="PLANT-2",
                title=f"来电{DISMISSED_MOBILE}",
                channel=Channel.HOTLINE,
                urgency=Urgency.URGENT,
                received_at=PLANTED_AT,
                requester=Person(id="py", name="张伟", mobile=DISMISSED_MOBILE),
            ),
            actor=CLERK,
        )
        store.apply(
            "PLANT-2",
            "dismiss",
            actor=DISPATCHER,
            at=PLANTED_AT.add(hours=1),
            note="无效诉求",
            reason=DismissalReason.INVALID,
        )
        for pledge_id, pledger, title in (
            ("PL-X", "pm-x", f"帮独居老人（电话{PLEDGE_MOBILE}）买菜"),
            ("PL-Y", "pm-y", "草稿承诺"),
        ):
            store.claim(
                Pledge(
                    id=pledge_id,
                    title=title,
                    pledger=pledger,
                    pledger_kind=PledgerKind.PARTY_MEMBER,
                    list_kind=PledgeListKind.SERVICE_LIST,
                    claimed_at=PLANTED_AT,
                    status=PledgeStatus.DRAFT,
                ),
                actor=Actor(id=pledger, role=Role.PARTY_MEMBER),
            )
        store.apply_pledge(
            "PL-X",
            "publish",
            actor=Actor(id="pm-x", role=Role.PARTY_MEMBER),
            at=PLANTED_AT.add(days=1),
            deadline=PLANTED_AT.add(days=30),
        )


@dataclass(frozen=True)
class Run:
    code: Any
    out: str
    err: str


def cli(*args: str | Path) -> Run:
    """Run the command line in-process; argparse's own refusals come back as their code.

    Standard error gets a very wide console so rich never wraps a table cell."""
    out, err = io.StringIO(), io.StringIO()
    with (
        contextlib.redirect_stdout(out),
        contextlib.redirect_stderr(err),
        mock.patch.dict(os.environ, {"COLUMNS": "4000"}),
    ):
        try:
            code: Any = main([str(arg) for arg in args])
        except SystemExit as exit_:
            code = exit_.code
    return Run(code, _ANSI.sub("", out.getvalue()), _ANSI.sub("", err.getvalue()))


@dataclass(frozen=True)
class Demo:
    path: Path
    folder: Path
    issues: tuple[Issue, ...]
    pledges: tuple[Pledge, ...]
    at_issues: tuple[Issue, ...]
    """The issues as they stood at AT, rebuilt by the store."""


def build_demo(folder: Path) -> Demo:
    """A 300-issue demo ledger in ``folder``, with the records above planted in it."""
    path = folder / "ledger.db"
    made = cli("demo", "--db", path, "--issues", "300")
    assert made.code == 0, made.err
    plant(path)
    with LedgerStore.open(path) as store:
        return Demo(
            path=path,
            folder=folder,
            issues=tuple(store.issues()),
            pledges=tuple(store.pledges()),
            at_issues=tuple(store.issues(as_of=AT)),
        )
