"""Duplicates (重复件) and their originals, across the issues of one ledger.

An issue dismissed as a duplicate (``dismiss`` with ``DismissalReason.DUPLICATE``)
names its ``original``. The step's own checks (``dismissal_grounds``) see one
record, as :class:`IssueWorkflow` bound to one issue does: they know an original
is named and is another issue, nothing more. What only a ledger holding the other
issues can know is checked here, after the step's own checks (so a step by the
wrong actor is refused for that first) and before its effects: the original is on the ledger,
open (neither closed nor dismissed) and not itself a duplicate. The answer given
on the original then reaches every requester (:func:`duplicates_of` lists them),
and the duplicate, dismissed, is counted once: in no denominator.

A duplicate of a duplicate is refused rather than linked to the root original
silently: the step records the ``original`` its caller gave, and an event whose
arguments were rewritten by other records would not replay the same on its own.
The refusal names the root to link to instead.
"""

from collections.abc import Iterable, Iterator, Mapping
from typing import Any

from banshishi._core.errors import NotFoundError, PreconditionError
from banshishi._model.vocabulary import DismissalReason, IssueStatus

SETTLED = frozenset({IssueStatus.CLOSED, IssueStatus.DISMISSED})
"""The statuses in which an issue is no longer open to take duplicates."""


def check_original(rows: Mapping[str, Any], issue_id: str, args: Mapping[str, Any]) -> None:
    """Refuse a ``dismiss`` of ``issue_id`` as a duplicate of an issue that is not on
    the ledger (``rows``, by id), not open, or itself a duplicate.

    ``args`` are the step's, as its own checks passed them.
    """
    original = args.get("original")
    if args.get("reason") is not DismissalReason.DUPLICATE or type(original) is not str:
        return
    if original == issue_id:
        return
    row = rows.get(original)
    if row is None:
        raise NotFoundError(
            field="dismiss.original",
            value=original,
            problem="is not on the ledger",
            hint="A duplicate is linked to an open issue already received.",
        )
    root = row.duplicate_of
    if root is not None:
        raise PreconditionError(
            field="dismiss.original",
            value=original,
            problem=f"is itself a duplicate of {root!r}",
            hint=f"Link the duplicate to {root!r}, the original.",
        )
    if row.status in SETTLED:
        raise PreconditionError(
            field="dismiss.original",
            value=original,
            problem=f"is no longer open: it stands {row.status.label} ({row.status.value})",
            hint="A duplicate is linked to an open issue; receive this one as a new "
            "issue (a repeat request names the closed one in repeat_of).",
        )


def duplicates_of(rows: Mapping[str, Any], original_id: str) -> tuple[str, ...]:
    """The ids of the issues in ``rows`` linked to ``original_id`` as duplicates,
    oldest first (by receipt, then id); refused if the original is not there."""
    if not isinstance(original_id, str) or original_id not in rows:
        raise NotFoundError(field="original_id", value=original_id, problem="is not on the ledger")
    linked = sorted(_linked(rows.items(), original_id))
    return tuple(issue_id for _, issue_id in linked)


def _linked(rows: Iterable[tuple[str, Any]], original_id: str) -> Iterator[tuple[Any, str]]:
    for issue_id, row in rows:
        if row.duplicate_of == original_id:
            yield row.received_at, issue_id
