"""The same seed gives the same campaign in another process too: nothing the
simulation draws may depend on what differs between processes (the hashes of
objects placed anywhere in memory, the order of a set of strings)."""

import subprocess
import sys

_DIGEST = """
import hashlib
from banshishi import dispatch_figures
from banshishi.simulation import simulate_campaign
made = simulate_campaign(issues=300, seed=5)
text = repr([(i, [(e.name, e.at.isoformat(), e.note) for e in made.ledger.history(i)])
             for i in made.ledger])
print(hashlib.sha256(text.encode()).hexdigest())
print(sum(f.dispatched for f in dispatch_figures(made.ledger.issues(), made.end).values()))
"""


def digest(hash_seed: str) -> list[str]:
    run = subprocess.run(
        [sys.executable, "-c", _DIGEST],
        capture_output=True,
        text=True,
        check=True,
        env={"PYTHONHASHSEED": hash_seed, "PATH": ""},
        timeout=300,
    )
    return run.stdout.split()


def test_two_processes_simulate_the_same_campaign_from_one_seed() -> None:
    first, second = digest("1"), digest("2")
    assert first == second
    assert int(first[1]) > 0  # the county handed work down: the draws that differed
