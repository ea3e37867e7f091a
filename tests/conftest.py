"""Test configuration: Hypothesis profiles.

``ci`` (chosen automatically when the CI variable is set) bounds the example
count and turns off deadlines, because CI shares a noisy 2-core machine; ``dev``
is the default for local runs. Pick one explicitly with HYPOTHESIS_PROFILE.
"""

import os

from hypothesis import HealthCheck, settings

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
