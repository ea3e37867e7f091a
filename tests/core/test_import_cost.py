"""``import banshishi`` stays cheap: the costly dependencies load on first use.

openpyxl loads when a workbook is first read or written, lunar_python when a
statutory holiday is first computed, chinese_calendar (with China's calendar, built
from its data) when a working day is first counted, tomllib when a schedule file in
TOML is first read, cattrs when a model is first (un)structured, rich with the
command line, the simulated campaign when ``banshishi.simulation`` is imported, and
importlib.metadata (with the email package it brings) when ``banshishi.__version__``
is first read. Each check runs a fresh interpreter, since this one has long imported
everything.
"""

import subprocess
import sys

import pytest

LAZY = (
    "openpyxl",
    "rich",
    "lunar_python",
    "chinese_calendar",
    "tomllib",
    "cattrs",
    "banshishi._simulation",
    "banshishi.simulation",
    "importlib.metadata",
)


def loaded_after(code: str) -> set[str]:
    """The modules of :data:`LAZY` that a fresh interpreter has loaded after ``code``."""
    report = f"import sys; print(*[name for name in {LAZY!r} if name in sys.modules])"
    done = subprocess.run(
        [sys.executable, "-c", f"{code}\n{report}"],
        capture_output=True,
        text=True,
        check=True,
        timeout=120,
    )
    return set(done.stdout.split())


def test_importing_the_package_loads_none_of_the_costly_modules() -> None:
    assert loaded_after("import banshishi") == set()


def test_importing_the_store_module_loads_none_either() -> None:
    assert loaded_after("import banshishi.store") == set()


@pytest.mark.parametrize(
    ("code", "loaded"),
    [
        ("import banshishi.simulation", {"banshishi._simulation", "banshishi.simulation"}),
        (
            "import banshishi, tempfile, pathlib\n"
            "folder = pathlib.Path(tempfile.mkdtemp())\n"
            "banshishi.write_ledger_file([], folder / 'ledger.xlsx')",
            {"openpyxl"},
        ),
        ("import banshishi; banshishi.statutory_days(2030)", {"lunar_python"}),
        (
            "import banshishi, datetime\n"
            "banshishi.china_calendar().is_workday(datetime.date(2026, 2, 14))",
            {"chinese_calendar"},
        ),
        (
            "import banshishi, tempfile, pathlib\n"
            "path = pathlib.Path(tempfile.mkdtemp()) / '2030.json'\n"
            'path.write_text(\'{"year": 2030, "holidays": {}, "workdays": {}}\')\n'
            "banshishi.YearSchedule.load(path)",
            set(),
        ),
        (
            "import banshishi, tempfile, pathlib\n"
            "path = pathlib.Path(tempfile.mkdtemp()) / '2030.toml'\n"
            "path.write_text('year = 2030')\n"
            "banshishi.YearSchedule.load(path)",
            {"tomllib"},
        ),
        ("import banshishi; banshishi.unstructure(banshishi.Rate(1, 2))", {"cattrs"}),
        ("import banshishi._cli.main", {"rich"}),
        ("import banshishi; banshishi.__version__", {"importlib.metadata"}),
    ],
    ids=[
        "simulation",
        "xlsx",
        "lunar",
        "calendar",
        "json-schedule",
        "toml-schedule",
        "converter",
        "cli",
        "version",
    ],
)
def test_each_costly_module_loads_when_first_used(code: str, loaded: set[str]) -> None:
    assert loaded_after(code) == loaded
