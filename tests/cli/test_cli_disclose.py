"""``banshishi disclose``: the public lists of issues and pledges (公示), masked, in
every format, and pledgers' names with ``--names``.

Every test calls :func:`banshishi._cli.main.main` in-process with standard output and
error redirected (so Hypothesis can run it many times in one test). One demo
ledger is built per session, and a few records carrying personal data are
planted in it (tests/cli_demo.py), so that the disclosure lists have something to
hide. What the commands print is checked against the store read directly, and
where possible against a count made by hand from the issues' own fields.
"""

import datetime as dt
import json
import re
from html.parser import HTMLParser
from pathlib import Path
from typing import Any

import pendulum
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from banshishi import (
    Actor,
    Channel,
    Issue,
    IssueStatus,
    LedgerStore,
    Location,
    Person,
    Pledge,
    PledgeListKind,
    PledgerKind,
    PledgeStatus,
    Role,
    Urgency,
    disclose_issues,
    disclose_pledges,
)
from cli_demo import (
    AT,
    CLERK,
    PLANTED_AT,
    PLANTED_NUMBERS,
    PLEDGE_MOBILE,
    TITLE_ID,
    ZONE,
    Demo,
    Run,
    check_character,
    cli,
    with_check,
)
from file_commands import AS_OF, flat, listing, read_csv, status_at
from leaks import mobiles as mobile_numbers

# A mobile number or an 18-character resident ID number standing on its own.
MOBILE = re.compile(r"(?<![0-9])1[3-9][0-9]{9}(?![0-9])")
ID_NUMBER = re.compile(r"(?<![0-9])[0-9]{17}[0-9Xx](?![0-9])")


def valid_id_number(text: str) -> bool:
    return check_character(text[:17]) == text[17].upper()


def personal_numbers(text: str) -> list[str]:
    """Every unmasked mobile number and valid ID number in ``text``."""
    ids = [n for n in ID_NUMBER.findall(text) if valid_id_number(n)]
    return MOBILE.findall(text) + ids


@pytest.fixture(scope="module")
def demo(planted_demo: Demo) -> Demo:
    """The session's demo ledger, with personal data planted in it (tests/conftest.py)."""
    return planted_demo


@pytest.fixture
def out_dir(tmp_path: Path) -> Path:
    return tmp_path


# -- disclose --------------------------------------------------------------------------------

FORMATS = ("csv", "json", "html")


@pytest.fixture(scope="module")
def disclosed(demo: Demo) -> dict[tuple[str, str], Run]:
    """Both lists at AS_OF in every format, to standard output."""
    return {
        (what, fmt): cli("disclose", what, "--db", demo.path, "--as-of", AS_OF, "--format", fmt)
        for what in ("issues", "pledges")
        for fmt in FORMATS
    }


def _json_items(disclosed: dict[tuple[str, str], Run], what: str) -> list[dict[str, Any]]:
    body = json.loads(disclosed[what, "json"].out)
    assert body["masked"] is True
    items: list[dict[str, Any]] = body["items"]
    return items


@pytest.mark.parametrize("fmt", FORMATS)
@pytest.mark.parametrize("what", ["issues", "pledges"])
def test_a_disclosure_list_shows_no_mobile_or_id_number(
    demo: Demo, disclosed: dict[tuple[str, str], Run], what: str, fmt: str
) -> None:
    run = disclosed[what, fmt]
    assert run.code == 0, run.err
    assert run.err == ""
    assert run.out.strip()
    assert personal_numbers(run.out) == []
    known = {issue.requester.mobile for issue in demo.issues if issue.requester is not None}
    for number in (known - {None}) | {*PLANTED_NUMBERS, PLEDGE_MOBILE}:
        assert str(number) not in run.out


def test_the_planted_lines_appear_masked(disclosed: dict[tuple[str, str], Run]) -> None:
    issues = disclosed["issues", "csv"].out
    assert "138****2233" in issues
    # An ID number starting 15… also starts like a mobile number, so in free
    # text its region digits after the first three are hidden as well.
    assert TITLE_ID[:3] + "*" * 11 + TITLE_ID[14:] in issues
    assert "欧阳**" in issues
    assert "欧阳娜娜" not in issues
    assert "56号" not in issues  # the address is cut after its community
    assert "138****0000" in disclosed["pledges", "csv"].out


def test_the_issue_list_holds_every_issue_received_and_not_dismissed_by_then(
    demo: Demo, disclosed: dict[tuple[str, str], Run]
) -> None:
    items = _json_items(disclosed, "issues")
    by_hand = {
        issue.id
        for issue in demo.issues
        if issue.received_at <= AT
        and status_at(issue, AT) is not IssueStatus.DISMISSED
        and not issue.confidential  # a 保密件 is never listed
    }
    assert any(issue.confidential for issue in demo.issues), "the demo has confidential reports"
    assert {item["id"] for item in items} == by_hand
    assert "PLANT-1" in by_hand
    assert "PLANT-2" not in by_hand
    with LedgerStore.open(demo.path) as store:
        direct = disclose_issues(store.issues(as_of=AT), at=AT, units=store.units)
    assert [item["id"] for item in items] == [line.id for line in direct]
    assert [row["编号"] for row in read_csv(disclosed["issues", "csv"].out)] == [
        line.id for line in direct
    ]
    assert all("PLANT-2" not in disclosed["issues", fmt].out for fmt in FORMATS)


def test_the_issue_list_masks_every_requester_and_cuts_every_place(
    demo: Demo, disclosed: dict[tuple[str, str], Run]
) -> None:
    issues = {issue.id: issue for issue in demo.at_issues}
    for item in _json_items(disclosed, "issues"):
        issue = issues[item["id"]]
        requester = issue.requester
        if requester is None or requester.name is None:
            assert item["requester"] == ""
        else:
            assert item["requester"] != requester.name
            assert "*" in item["requester"]
            assert item["requester"][0] == requester.name[0]
        address = issue.location.address if issue.location is not None else None
        assert address is None or address.startswith(item["place"])
        assert "description" not in item


def test_the_pledge_list_holds_only_pledges_public_by_then(
    demo: Demo, disclosed: dict[tuple[str, str], Run]
) -> None:
    items = _json_items(disclosed, "pledges")
    by_hand = {pledge.id for pledge in demo.pledges if pledge.public_as_of(AT)}
    assert {item["id"] for item in items} == by_hand
    assert "PL-X" in by_hand
    assert "PL-Y" not in by_hand
    with LedgerStore.open(demo.path) as store:
        direct = disclose_pledges(store.pledges(as_of=AT), at=AT, units=store.units)
    assert [item["id"] for item in items] == [line.id for line in direct]
    kinds = {pledge.id: pledge.pledger_kind for pledge in demo.pledges}
    for item in items:
        if kinds[item["id"]] is PledgerKind.PARTY_MEMBER:
            assert "*" in item["pledger"]


@settings(max_examples=15)
@given(moment=st.datetimes(min_value=dt.datetime(2026, 6, 1), max_value=dt.datetime(2027, 1, 31)))
def test_at_any_moment_the_pledge_list_is_the_pledges_then_public(
    demo: Demo, moment: dt.datetime
) -> None:
    at = pendulum.instance(moment, tz=ZONE)
    run = cli("disclose", "pledges", "--db", demo.path, "--as-of", at.isoformat(), "--format",
              "json")  # fmt: skip
    assert run.code == 0, run.err
    items = json.loads(run.out)["items"]
    assert {item["id"] for item in items} == {p.id for p in demo.pledges if p.public_as_of(at)}


class _Tags(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.tags: list[str] = []
        self.attributes: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.tags.append(tag)
        self.attributes.extend(name for name, _ in attrs)


@pytest.mark.parametrize("what", ["issues", "pledges"])
def test_a_disclosure_page_runs_and_fetches_nothing(
    disclosed: dict[tuple[str, str], Run], what: str
) -> None:
    page = disclosed[what, "html"].out
    parser = _Tags()
    parser.feed(page)
    assert "table" in parser.tags
    assert "script" not in parser.tags
    assert "<script" not in page.lower()
    assert not any(name.startswith("on") for name in parser.attributes)
    assert not {"iframe", "img", "link", "object", "embed"} & set(parser.tags)


@pytest.mark.parametrize("fmt", FORMATS)
def test_disclose_with_output_writes_the_same_text_to_the_file(
    demo: Demo, disclosed: dict[tuple[str, str], Run], out_dir: Path, fmt: str
) -> None:
    target = out_dir / f"list.{fmt}"
    run = cli("disclose", "pledges", "--db", demo.path, "--as-of", AS_OF, "--format", fmt,
              "-o", target)  # fmt: skip
    assert run.code == 0, run.err
    assert run.out == ""
    written = target.read_bytes()
    bom = "\ufeff".encode() if fmt == "csv" else b""  # Excel reads a CSV's Chinese by it
    assert written.startswith(bom)
    assert written[len(bom) :].decode("utf-8") == disclosed["pledges", fmt].out
    assert listing(out_dir) == {target.name}


@pytest.mark.parametrize("target", ["missing/list.html", "a-folder"])
def test_a_disclose_write_that_fails_exits_2_and_leaves_no_partial_file(
    demo: Demo, out_dir: Path, target: str
) -> None:
    (out_dir / "a-folder").mkdir()
    run = cli("disclose", "pledges", "--db", demo.path, "--as-of", AS_OF, "-o", out_dir / target)
    assert run.code == 2
    assert "error:" in run.err
    assert listing(out_dir) == {"a-folder"}
    assert list((out_dir / "a-folder").iterdir()) == []


def test_a_refused_disclose_leaves_an_old_file_as_it_was(demo: Demo, out_dir: Path) -> None:
    old = out_dir / "list.html"
    old.write_text("the old list", encoding="utf-8")
    for bad in (["--db", out_dir / "none.db"], ["--db", demo.path, "--as-of", "2026-02-30"]):
        run = cli("disclose", "issues", *bad, "-o", old)
        assert run.code == 2
        assert old.read_text(encoding="utf-8") == "the old list"
    assert listing(out_dir) == {"list.html"}


@pytest.mark.parametrize(
    "args",
    [
        ["disclose", "complaints"],
        ["disclose", "issues", "--format", "xml"],
        ["disclose", "pledges", "--format", "table"],
        ["disclose"],
    ],
)
def test_disclose_refuses_unknown_choices_with_exit_2(demo: Demo, args: list[str]) -> None:
    run = cli(*args, "--db", demo.path)
    assert run.code == 2
    assert "usage:" in run.err
    assert run.out == ""


# A small ledger per example: one issue and one pledge full of personal data.
NAMES = ("欧阳娜娜", "司马光明", "其木格", "王建国", "阿卜杜·热合曼")
WORDS = ("路灯不亮", "请回电", "联系人", "急需处理", "家住")


@st.composite
def id_numbers(draw: st.DrawFn) -> str:
    return with_check(draw(st.text(alphabet="0123456789", min_size=17, max_size=17)))


@settings(max_examples=12)
@given(
    mobile=mobile_numbers(),
    id_number=id_numbers(),
    name=st.sampled_from(NAMES),
    before=st.sampled_from(WORDS),
    after=st.sampled_from(WORDS),
    pledger_kind=st.sampled_from([PledgerKind.PARTY_MEMBER, PledgerKind.LEADER]),
)
def test_whatever_personal_data_the_records_hold_no_disclosure_shows_it(
    tmp_path_factory: pytest.TempPathFactory,
    mobile: str,
    id_number: str,
    name: str,
    before: str,
    after: str,
    pledger_kind: PledgerKind,
) -> None:
    path = tmp_path_factory.mktemp("private") / "ledger.db"
    with LedgerStore.open(path, create=True) as store:
        store.receive(
            Issue(
                id="H-1",
                title=f"{before}{mobile}{after}，证件{id_number}",
                channel=Channel.HOTLINE,
                urgency=Urgency.URGENT,
                received_at=PLANTED_AT,
                requester=Person(
                    id="r1", name=name, mobile=mobile, id_number=id_number, address="幸福社区9号"
                ),
                location=Location(division_code="150125001003", address="城关街道幸福社区7号楼"),
            ),
            actor=CLERK,
        )
        pledger = f"u{mobile}"
        store.claim(
            Pledge(
                id="P-1",
                title=f"{before}{mobile}",
                pledger=pledger,
                pledger_kind=pledger_kind,
                list_kind=PledgeListKind.SERVICE_LIST,
                claimed_at=PLANTED_AT,
                status=PledgeStatus.DRAFT,
            ),
            actor=Actor(id=pledger, role=_keeper(pledger_kind)),
        )
        store.apply_pledge(
            "P-1",
            "publish",
            actor=Actor(id=pledger, role=_keeper(pledger_kind)),
            at=PLANTED_AT.add(hours=1),
            deadline=PLANTED_AT.add(days=30),
        )
    for what, record_id in (("issues", "H-1"), ("pledges", "P-1")):
        for fmt in FORMATS:
            run = cli("disclose", what, "--db", path, "--as-of", AS_OF, "--format", fmt)
            assert run.code == 0, run.err
            assert record_id in run.out
            assert mobile not in run.out
            assert id_number not in run.out
            assert id_number.lower() not in run.out
            assert personal_numbers(run.out) == []
            assert name not in run.out
            assert "9号" not in run.out
            assert "7号楼" not in run.out


def _keeper(kind: PledgerKind) -> Role:
    return Role.PARTY_MEMBER if kind is PledgerKind.PARTY_MEMBER else Role.LEADER


# -- disclose pledges --names ----------------------------------------------------------------


def test_disclose_pledges_names_the_pledgers_from_a_csv_file(demo: Demo, out_dir: Path) -> None:
    public = [pledge for pledge in demo.pledges if pledge.public_as_of(AT)]
    member = next(p for p in public if p.pledger_kind is PledgerKind.PARTY_MEMBER)
    other = next(p for p in public if p.pledger_kind is not PledgerKind.PARTY_MEMBER)
    names = out_dir / "names.csv"
    names.write_text(
        f"\ufeffid,name,note\n{member.pledger},欧阳娜娜,党员\n{other.pledger},王建国,\n",
        encoding="utf-8",
    )
    run = cli("disclose", "pledges", "--db", demo.path, "--as-of", AS_OF, "--format", "json",
              "--names", names)  # fmt: skip
    assert run.code == 0, run.err
    shown = {item["id"]: item["pledger"] for item in json.loads(run.out)["items"]}
    assert shown[member.id] == "欧阳**"  # a party member's name, masked
    assert shown[other.id] == "王建国"  # a leader or organisation, in full
    assert "欧阳娜娜" not in run.out
    unnamed = [p for p in public if p.pledger not in (member.pledger, other.pledger)]
    without = cli("disclose", "pledges", "--db", demo.path, "--as-of", AS_OF, "--format", "json")
    before = {item["id"]: item["pledger"] for item in json.loads(without.out)["items"]}
    assert all(shown[p.id] == before[p.id] for p in unnamed)
    assert before[other.id] != "王建国"


@pytest.mark.parametrize(
    ("text", "where"),
    [
        ("pledger,name\nx,张三\n", "row 1"),
        ("id,name\nx,\n", "row 2, column name"),
        ("id,name\nx,张三\nx,李四\n", "row 3, column id"),
    ],
    ids=["no-id-column", "empty-name", "twice"],
)
def test_a_bad_names_file_exits_2_naming_the_row(
    demo: Demo, out_dir: Path, text: str, where: str
) -> None:
    names = out_dir / "names.csv"
    names.write_text(text, encoding="utf-8")
    target = out_dir / "pledges.html"
    run = cli("disclose", "pledges", "--db", demo.path, "--names", names, "-o", target)
    assert run.code == 2
    assert f"{names} {where}" in flat(run.err)
    assert "Traceback" not in run.err
    assert not target.exists()


def test_names_are_for_the_pledge_list_only(demo: Demo, out_dir: Path) -> None:
    names = out_dir / "names.csv"
    names.write_text("id,name\nx,张三\n", encoding="utf-8")
    run = cli("disclose", "issues", "--db", demo.path, "--names", names)
    assert (run.code, run.out) == (2, "")
    assert "--names" in run.err
    missing = cli("disclose", "pledges", "--db", demo.path, "--names", out_dir / "none.csv")
    assert (missing.code, missing.out) == (2, "")
    assert "none.csv" in flat(missing.err)
