"""An issue's summary line at every version: what the store keeps through time.

The line after each event is read off the issue as that event left it, the
events taken again one by one (:func:`replay`), so each version's line says
what the record showed from that event until the next.
"""

from collections.abc import Sequence

from banshishi._metrics.summary import IssueSummary
from banshishi._model.event import Event
from banshishi._workflow.ledger import Ledger
from banshishi._workflow.policy import WorkflowPolicy
from banshishi._workflow.replay import replay


def issue_versions(events: Sequence[Event], policy: WorkflowPolicy) -> list[IssueSummary]:
    """The issue's summary line after each of ``events`` (its whole history,
    from ``receive``), oldest first; a history that could not have happened
    raises as :func:`replay` does."""
    lines: list[IssueSummary] = []

    def keep(ledger: Ledger, issue_id: str) -> None:
        lines.append(ledger.summary(issue_id))

    replay(events, policy=policy, each=keep)
    return lines
