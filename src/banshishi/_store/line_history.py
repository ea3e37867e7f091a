"""An issue's summary line at every version: what the store keeps through time.

The line after each event is read off the issue as that event left it, the
events taken again one by one, so each version's line says what the record
showed from that event until the next. Events from outside the store go
through every check again (:func:`replay`); events the store (or a ledger's
own engine) recorded are restored by their effects alone (:func:`restore`,
the trusted rebuild: see docs/store.md).
"""

from collections.abc import Sequence

from banshishi._metrics.summary import IssueSummary
from banshishi._model.event import Event
from banshishi._workflow.engine import Book
from banshishi._workflow.ledger import Ledger
from banshishi._workflow.policy import WorkflowPolicy
from banshishi._workflow.replay import replay
from banshishi._workflow.trusted_replay import restore


def issue_versions(
    events: Sequence[Event], policy: WorkflowPolicy, *, checked: bool
) -> list[IssueSummary]:
    """The issue's summary line after each of ``events`` (its whole history,
    from ``receive``), oldest first. ``checked`` takes every step again through
    the workflow's checks (a history that could not have happened raises);
    otherwise the recorded effects are applied."""
    lines: list[IssueSummary] = []
    if checked:

        def keep(ledger: Ledger, issue_id: str) -> None:
            lines.append(ledger.summary(issue_id))

        replay(events, policy=policy, each=keep)
    else:

        def kept(book: Book, issue_id: str, _: int) -> None:
            lines.append(book.summary(issue_id))  # type: ignore[arg-type]  # an issue's book

        restore(events, policy=policy, into=Ledger(policy=policy), each=kept)
    return lines
