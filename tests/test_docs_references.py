"""The docs stay reachable and name only what exists.

Every page of docs/ is linked from the README. No page (nor the README) names a
project file that is not there (a path under docs/, src/, tests/ or
benchmarks/, a page such as DOMAIN.md, a module such as ``_issue.py``, the
target of a relative link), or a banshishi attribute that does not exist
(```IssueWorkflow.model_fields```, ```banshishi.replay```). File names that
stand for a user's own files (``ledger.db``, ``requests.json``) are examples,
not references, and are not checked.
"""

import builtins
import re
from pathlib import Path

import pytest

import banshishi

ROOT = Path(__file__).resolve().parents[1]
DOCS = ROOT / "docs"
PAGES = sorted(DOCS.glob("*.md"))
TEXTS = [ROOT / "README.md", *PAGES]

# A file name, with any folders before it, not inside a longer word or path.
_FILE = re.compile(
    r"(?<![\w./-])((?:[\w.-]+/)*[\w-][\w.-]*\.(?:md|py|toml|json|csv|xlsx|db|txt|html))(?![\w/])"
)
_LINK = re.compile(r"\]\(([^)\s]+)\)")
_SPAN = re.compile(r"`([^`\n]+)`")
_DOTTED = re.compile(r"([A-Za-z_]\w*)\.([A-Za-z_]\w*)")
# Folders of the project: a path under one of them is a reference to a file in it.
_FOLDERS = {"docs": ROOT / "docs", "src": ROOT / "src", "tests": ROOT / "tests",
            "benchmarks": ROOT / "benchmarks", "banshishi": ROOT / "src" / "banshishi"}  # fmt: skip
# The package's wings: ``_model/issue.py`` names a module in one of them.
_FOLDERS |= {wing.name: wing for wing in (ROOT / "src" / "banshishi").glob("_*") if wing.is_dir()}
# Where a bare page or module name may be found.
_PAGE_PLACES = (ROOT, DOCS)
_MODULE_PLACES = (
    ROOT,
    ROOT / "src" / "banshishi",
    ROOT / "tests",
    *sorted(folder for folder in (ROOT / "tests").iterdir() if folder.is_dir()),  # the wings' tests
    ROOT / "benchmarks",
)
# Capitalised names before a dot that are not banshishi's: Python's own.
_NOT_OURS = {"Path", "Decimal", "Fraction"} | {n for n in dir(builtins) if n[:1].isupper()}


def missing_files(text: str, here: Path) -> list[str]:
    """The files ``text`` (a page in folder ``here``) names that do not exist."""
    missing = []
    for match in _FILE.finditer(text):
        name = match.group(1)
        first, _, rest = name.partition("/")
        if rest and first in _FOLDERS:
            exists = (_FOLDERS[first] / rest).exists()
        elif "/" in name:
            continue  # a path of the user's own
        elif name.endswith(".md"):
            exists = any((place / name).exists() for place in (here, *_PAGE_PLACES))
        elif name.endswith(".py") and not name.startswith("banshishi."):
            exists = any((place / name).exists() for place in _MODULE_PLACES)
        else:
            continue  # ledger.db, requests.json: a user's file named as an example
        if not exists:
            missing.append(name)
    for match in _LINK.finditer(text):
        target = match.group(1).split("#", 1)[0]
        outside = not target or "://" in target or target.startswith("mailto:")
        if not outside and not (here / target).exists():
            missing.append(target)
    return list(dict.fromkeys(missing))  # a link's target is also a file name: once


def missing_attributes(text: str) -> list[str]:
    """The banshishi attributes ``text`` names in backticks that do not exist:
    ``banshishi.name``, and ``Name.attribute`` for a public name (a capitalised
    name that is neither banshishi's nor Python's own counts as missing too)."""
    missing = []
    public = set(banshishi.__all__)
    for span in _SPAN.finditer(text):
        match = _DOTTED.match(span.group(1))
        if match is None or _FILE.fullmatch(span.group(1).split("(")[0].split()[0]):
            continue  # not dotted, or a file name such as banshishi.db
        owner, name = match.groups()
        if owner == "banshishi":
            found = hasattr(banshishi, name)
        elif owner in public:
            found = hasattr(getattr(banshishi, owner), name)
        elif owner[:1].isupper() and owner not in _NOT_OURS:
            found = False  # a class of ours that is not there (any more)
        else:
            continue  # a variable of an example: calendar.is_provisional
        if not found:
            missing.append(match.group(0))
    return missing


def test_every_page_of_the_docs_is_linked_from_the_readme() -> None:
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    linked = {Path(target).name for target in _LINK.findall(readme) if target.startswith("docs/")}
    assert PAGES
    assert [page.name for page in PAGES if page.name not in linked] == []


@pytest.mark.parametrize("page", TEXTS, ids=lambda page: page.name)
def test_a_page_names_only_files_that_exist(page: Path) -> None:
    assert missing_files(page.read_text(encoding="utf-8"), page.parent) == []


@pytest.mark.parametrize("page", TEXTS, ids=lambda page: page.name)
def test_a_page_names_only_attributes_that_exist(page: Path) -> None:
    assert missing_attributes(page.read_text(encoding="utf-8")) == []


def test_the_checks_find_what_went_stale_and_pass_what_is_fine() -> None:
    stale = (
        "DOMAIN.md's table; see [the store](nowhere.md), docs/gone.md, "
        "src/banshishi/_gone.py, `_gone.py`, `_model/gone.py`, `IssueWorkflow.MODEL_FIELDS`, "
        "`banshishi.nothing_here`, `OldLedger.receive`, `test_gone.py`."
    )
    assert missing_files(stale, DOCS) == [
        "DOMAIN.md", "nowhere.md", "docs/gone.md", "src/banshishi/_gone.py", "_gone.py",
        "_model/gone.py", "test_gone.py",
    ]  # fmt: skip
    assert missing_attributes(stale) == [
        "IssueWorkflow.MODEL_FIELDS", "banshishi.nothing_here", "OldLedger.receive",
    ]  # fmt: skip
    fine = (
        "[the store](store.md), docs/workflow.md, CHANGELOG.md, `_model/issue.py`, "
        "`test_sweep.py`, src/banshishi/_model/issue.py, `ledger.db`, `banshishi.db`, "
        "`requests.json`, `IssueWorkflow.model_fields`, `Rate.format(places=1)`, "
        "`IssueStatus.CLOSED`, `banshishi.replay`, `calendar.with_schedule`, `str.strip`, "
        "`Path.read_text`."
    )
    assert missing_files(fine, DOCS) == []
    assert missing_attributes(fine) == []
