"""Test configuration: Hypothesis profiles, and what the whole session shares.

``ci`` (chosen automatically when the CI variable is set) bounds the example
count and turns off deadlines, because CI shares a noisy 2-core machine; ``dev``
is the default for local runs. Pick one explicitly with HYPOTHESIS_PROFILE.

The fixtures here are built once per session and shared by every test that asks:
simulated campaigns (``simulated``, ``campaign``) and the demo ledger the
file-exchange commands read (``planted_demo``). Tests read them and never change
them; the campaigns are checked for that at the end of the session.
"""

import os
from collections.abc import Callable, Iterator
from typing import Any

import pytest
from hypothesis import HealthCheck, settings

from banshishi.simulation import Campaign, simulate_campaign
from cli_demo import Demo, build_demo

settings.register_profile(
    "ci",
    max_examples=60,
    deadline=None,
    derandomize=True,
    suppress_health_check=[HealthCheck.too_slow],
    print_blob=True,
)
settings.register_profile("dev", max_examples=100, deadline=None)
settings.load_profile(os.environ.get("HYPOTHESIS_PROFILE", "ci" if os.environ.get("CI") else "dev"))


def _fingerprint(campaign: Campaign) -> tuple[Any, ...]:
    """What a test could change in a campaign: its records and how far each has gone."""
    ledger, pledges = campaign.ledger, campaign.pledges
    return (
        {issue_id: len(ledger.history(issue_id)) for issue_id in ledger},
        {pledge_id: len(pledges.history(pledge_id)) for pledge_id in pledges},
    )


@pytest.fixture(scope="session")
def simulated() -> Iterator[Callable[..., Campaign]]:
    """``simulate_campaign``, run once per set of arguments in the whole session.

    ``simulated(issues=300, seed=11)`` is the same object for every test that asks
    for it; a test reads it and never changes it (the ledgers hand out copies of
    their records, but take steps). At the end each campaign must be as it was made.
    """
    made: dict[tuple[tuple[str, Any], ...], tuple[Campaign, tuple[Any, ...]]] = {}

    def simulate(**arguments: Any) -> Campaign:
        key = tuple(sorted(arguments.items()))
        if key not in made:
            campaign = simulate_campaign(**arguments)
            made[key] = (campaign, _fingerprint(campaign))
        return made[key][0]

    yield simulate
    changed = [
        dict(key) for key, (campaign, made_as) in made.items() if _fingerprint(campaign) != made_as
    ]
    assert changed == [], "a test changed a shared campaign"


@pytest.fixture(scope="session")
def campaign(simulated: Callable[..., Campaign]) -> Campaign:
    """The simulated quarter most tests read: 200 issues, the default seed (2026).
    A module that needs another campaign defines its own ``campaign`` fixture."""
    return simulated(issues=200)


@pytest.fixture(scope="session")
def planted_demo(tmp_path_factory: pytest.TempPathFactory) -> Demo:
    """The 300-issue demo ledger with personal data planted in it (tests/cli_demo.py)."""
    return build_demo(tmp_path_factory.mktemp("cli-files"))
