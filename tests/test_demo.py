"""The main job (``python -m banshishi``) prints real, reproducible figures."""

import functools
import re
import subprocess
import sys

from banshishi import Rate, by_unit, completion_rate, grouped
from banshishi._demo import AS_OF, PUBLISHED_PLEDGES, example_issues, example_units, report


@functools.cache
def printed() -> str:
    return report()


def test_the_demo_prints_every_published_pledge_rate_from_its_counts() -> None:
    text = printed()
    for _, _, items, done in PUBLISHED_PLEDGES:
        expected = Rate(done, items).format()
        assert re.search(rf"{done:,}\s+{items:,}\s+{re.escape(expected)}", text)
    assert all(rate in text for rate in ("34.6%", "37.4%", "57.3%", "57.7%"))


def test_the_demo_ledger_is_the_same_on_every_run() -> None:
    assert report() == printed()


def test_the_county_row_adds_its_own_and_its_townships_counts() -> None:
    tree = example_units()
    issues = example_issues(tree)
    text = printed()
    rows = dict(re.findall(r"^\s+(\S+)\s+([\d,]+\s+[\d,]+)\s+[\d.]+%$", text, flags=re.MULTILINE))

    def counts(name: str) -> tuple[int, int]:
        closed, total = rows[name].replace(",", "").split()
        return int(closed), int(total)

    own = grouped(completion_rate, issues, by=by_unit, as_of=AS_OF)["county"].rate
    townships = [Rate(*counts(tree[uid].name)) for uid in tree.children("county")]
    county = Rate(*counts(tree["county"].name))
    assert county == own + sum(townships)
    assert county == completion_rate(issues, as_of=AS_OF).rate


def test_python_dash_m_banshishi_runs_the_demo() -> None:
    done = subprocess.run(
        [sys.executable, "-m", "banshishi"], capture_output=True, text=True, check=False
    )
    assert done.returncode == 0, done.stderr
    assert "34.6%" in done.stdout
    assert "Issue rates" in done.stdout
