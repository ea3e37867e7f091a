"""A simulated campaign: a county's quarter of issues and pledges, for demos and tests.

:func:`simulate_campaign` builds an example county and moves seeded, dated issues
and pledges through their workflows on in-memory ledgers; the same arguments always
give the same :class:`Campaign`. ``banshishi demo`` writes one to a ledger file.
It is not imported with ``banshishi``: import it from here when needed.

>>> from banshishi.simulation import simulate_campaign
>>> campaign = simulate_campaign(issues=20, seed=1)
>>> len(list(campaign.ledger.issues()))
20
"""

from ._core.exports import publish as _publish
from ._simulation.campaign import Campaign as Campaign
from ._simulation.campaign import simulate_campaign as simulate_campaign

__all__ = ["Campaign", "simulate_campaign"]

_publish(__name__, globals(), __all__)
