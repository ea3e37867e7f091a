"""Hypothesis strategies for systems built on banshishi, to test them with.

Every strategy draws valid values only: records the models accept, and
histories the workflow accepts. A test that wants bad input starts from a valid
value and breaks one field. Moments are timezone-aware and shown in
Asia/Shanghai unless a strategy is given other ``timezones``.

- **values**: :func:`record_ids`, :func:`unit_ids`, :func:`texts`,
  :func:`any_text`, :func:`moments`, :func:`mobiles`, :func:`id_numbers`,
  :func:`people`, :func:`locations`, :func:`json_values`;
- **units and people who act**: :func:`units`, :func:`unit_trees` (valid
  hierarchies), :func:`actors` (in given roles, for given units);
- **records**: :func:`new_issues` and :func:`new_pledges` (as intake or a claim
  leaves them: what a ledger receives or claims), :func:`issues` and
  :func:`pledges` (valid records in any status, for serialising and reporting),
  :func:`feedback`, :func:`evaluations`, :func:`milestones`, :func:`charters`,
  :func:`events`, :func:`pledge_events`;
- **histories**: :func:`issue_histories` and :func:`pledge_histories` draw a new
  record and steps (:class:`banshishi.Command` / :class:`banshishi.PledgeCommand`,
  with actors and moments) that :class:`banshishi.Ledger`,
  :class:`banshishi.PledgeLedger` and :class:`banshishi.LedgerStore` accept in
  order. :meth:`IssueHistory.apply_to` and :meth:`PledgeHistory.apply_to` take a
  drawn history on any of them.

hypothesis is needed (``pip install banshishi[testing]``); ``import banshishi``
never loads it.

>>> from hypothesis import given, settings
>>> from banshishi import Ledger
>>> from banshishi.testing.strategies import issue_histories
>>> @settings(max_examples=5, database=None)
... @given(issue_histories(max_steps=8))
... def every_step_is_accepted(history):
...     ledger = Ledger(policy=history.policy)
...     assert history.apply_to(ledger) is history.status
...     assert len(ledger.history(history.issue.id)) == len(history.steps) + 1
>>> every_step_is_accepted()
"""

from ._histories import IssueHistory as IssueHistory
from ._histories import issue_histories as issue_histories
from ._pledge_histories import PledgeHistory as PledgeHistory
from ._pledge_histories import keeper_of as keeper_of
from ._pledge_histories import pledge_histories as pledge_histories
from ._records import charters as charters
from ._records import closure_time as closure_time
from ._records import issues as issues
from ._records import new_issues as new_issues
from ._records import new_pledges as new_pledges
from ._records import pledge_events as pledge_events
from ._records import pledges as pledges
from ._values import actors as actors
from ._values import any_text as any_text
from ._values import evaluations as evaluations
from ._values import events as events
from ._values import feedback as feedback
from ._values import id_numbers as id_numbers
from ._values import json_values as json_values
from ._values import locations as locations
from ._values import milestones as milestones
from ._values import mobiles as mobiles
from ._values import moments as moments
from ._values import people as people
from ._values import record_ids as record_ids
from ._values import texts as texts
from ._values import unit_ids as unit_ids
from ._values import unit_trees as unit_trees
from ._values import units as units

__all__ = [
    "IssueHistory",
    "PledgeHistory",
    "actors",
    "any_text",
    "charters",
    "closure_time",
    "evaluations",
    "events",
    "feedback",
    "id_numbers",
    "issue_histories",
    "issues",
    "json_values",
    "keeper_of",
    "locations",
    "milestones",
    "mobiles",
    "moments",
    "new_issues",
    "new_pledges",
    "people",
    "pledge_events",
    "pledge_histories",
    "pledges",
    "record_ids",
    "texts",
    "unit_ids",
    "unit_trees",
    "units",
]

for _name in ("IssueHistory", "PledgeHistory"):  # reprs and pickles name this module
    globals()[_name].__module__ = __name__
