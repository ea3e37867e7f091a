"""The exports read the ledger record by record and write as they go: the same
bytes as the whole list written at once, in memory that does not grow with the
ledger, and still a whole file or none."""

import functools
import tracemalloc

import pytest

from banshishi import (
    LedgerStore,
    disclose_issues,
    disclosure_csv,
    disclosure_html,
    disclosure_json,
    dump_requests,
    export_requests,
    write_ledger_file,
)
from banshishi._cli.common import now_or
from banshishi._core import time as time_module
from cli_demo import cli

AS_OF = "2026-09-01"


@pytest.fixture(scope="module")
def ledgers(simulated, tmp_path_factory):
    """Ledgers of 200 and 800 issues, written from the simulated campaign."""
    folder = tmp_path_factory.mktemp("streamed")
    made = {}
    for size in (200, 800):
        campaign = simulated(issues=size, seed=3)
        path = folder / f"ledger-{size}.db"
        with LedgerStore.open(path, create=True, policy=campaign.policy) as store:
            store.save_units(campaign.units, at=campaign.start)
            store.write_ledgers(campaign.ledger, campaign.pledges)
        made[size] = path
    return made


def test_every_export_writes_what_the_whole_list_gives(ledgers, tmp_path):
    path = ledgers[200]
    with LedgerStore.open(path, read_only=True) as store:
        at = now_or(AS_OF)
        issues = list(store.issues(as_of=at))
        units = store.units
    assert issues, "the campaign has issues by then"
    write_ledger_file(issues, tmp_path / "whole.csv")
    write_ledger_file(issues, tmp_path / "whole.xlsx")
    listing = disclose_issues(issues, at=at, units=units)
    expected = {
        "ledger.csv": (tmp_path / "whole.csv").read_bytes(),
        "ledger.xlsx": (tmp_path / "whole.xlsx").read_bytes(),
        "list.csv": disclosure_csv(listing).encode("utf-8-sig"),
        "list.json": disclosure_json(listing).encode(),
        "list.html": disclosure_html(listing).encode(),
        "requests.json": (dump_requests(export_requests(issues, at=at)) + "\n").encode(),
        "requests.xml": dump_requests(export_requests(issues, at=at), format="xml").encode(),
    }
    for name in ("ledger.csv", "ledger.xlsx"):
        run = cli("ledger-file", "export", "--db", path, "--as-of", AS_OF, "-o", tmp_path / name)
        assert run.code == 0
        assert f"{len(issues):,} issues written" in run.err
    for fmt in ("csv", "json", "html"):
        run = cli(
            "disclose", "issues", "--db", path, "--as-of", AS_OF, "--format", fmt,
            "-o", tmp_path / f"list.{fmt}",
        )  # fmt: skip
        assert run.code == 0, run.err
    for name in ("requests.json", "requests.xml"):
        run = cli("open311", "export", "--db", path, "--as-of", AS_OF, "-o", tmp_path / name)
        assert run.code == 0
        assert f"{len(issues):,} service requests written" in run.err
    for name, content in expected.items():
        assert (tmp_path / name).read_bytes() == content, name


def test_standard_output_gets_the_same_text(ledgers, tmp_path):
    path = ledgers[200]
    for args, name in (
        (("disclose", "issues", "--format", "json"), "list.json"),
        (("open311", "export"), "requests.json"),
    ):
        to_file = cli(*args, "--db", path, "--as-of", AS_OF, "-o", tmp_path / name)
        to_stdout = cli(*args, "--db", path, "--as-of", AS_OF)
        assert to_file.code == to_stdout.code == 0
        assert to_stdout.out == (tmp_path / name).read_text(encoding="utf-8")
    csv_file = cli("ledger-file", "export", "--db", path, "-o", tmp_path / "l.csv")
    csv_out = cli("ledger-file", "export", "--db", path)
    assert csv_file.code == csv_out.code == 0
    written = (tmp_path / "l.csv").read_text(encoding="utf-8-sig").replace("\r\n", "\n")
    assert csv_out.out.replace("\r\n", "\n") == written


COMMANDS = {
    "ledger-file": ("ledger-file", "export", "-o", "{out}.csv"),
    "disclose": ("disclose", "issues", "--as-of", AS_OF, "--format", "json", "-o", "{out}.json"),
    "open311": ("open311", "export", "--as-of", AS_OF, "-o", "{out}.json"),
    "export": ("export", "-o", "{out}.csv"),
}


def _peak(args, path, out) -> int:
    filled = [arg.format(out=out) for arg in args]
    tracemalloc.start()
    try:
        run = cli(*filled, "--db", path)
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert run.code == 0, run.err
    return peak


@pytest.mark.parametrize("command", list(COMMANDS))
def test_memory_does_not_grow_with_the_ledger(ledgers, tmp_path, command, monkeypatch):
    # Moments read are kept in a bounded cache (16k of them, a few MB at most):
    # made small here, so that what it holds does not hide what else grows.
    assert time_module._known.cache_info().maxsize == 1 << 14
    monkeypatch.setattr(
        time_module, "_known", functools.lru_cache(maxsize=64)(time_module._known.__wrapped__)
    )
    args = COMMANDS[command]
    # Once over each first: imports, and what is made once per kind of value met
    # (cattrs makes a type's reader when it first reads one; the larger ledger
    # holds kinds of steps the smaller does not).
    _peak(args, ledgers[200], tmp_path / "warm")
    _peak(args, ledgers[800], tmp_path / "warm")
    small = _peak(args, ledgers[200], tmp_path / "small")
    large = _peak(args, ledgers[800], tmp_path / "large")
    # Four times the issues; what a list of them would take grows four times.
    assert large < 1.6 * small, (command, small, large)
