"""The pledge ledger: many pledges in memory, moved through :class:`PledgeWorkflow`
in bulk by the same engine as the issue ledger."""

from collections import Counter
from collections.abc import Iterable, Iterator
from fractions import Fraction
from typing import Any, final

import attrs
from pendulum import DateTime

from banshishi._core.errors import InconsistentRecordError, InvalidTypeError
from banshishi._metrics.summary import PledgeSummary
from banshishi._model.converter import unstructure
from banshishi._model.event import Event
from banshishi._model.people import Actor
from banshishi._model.pledge import Pledge
from banshishi._model.pledge_tree import PledgeTree
from banshishi._model.vocabulary import PledgeStatus, Subject

from .command import PledgeCommand, Refusal
from .engine import Book
from .pledge_arguments import CLAIM, PLEDGE_STEPS
from .pledge_checks import by_claimer
from .pledge_workflow import PLEDGE_TABLE, PledgeWorkflow
from .step import make_step

FIELDS = tuple(field.name for field in attrs.fields(Pledge))

CLAIM_FIELDS = (
    "id",
    "title",
    "pledger",
    "pledger_kind",
    "list_kind",
    "claimed_at",
    "unit",
    "issue",
    "deadline",
    "charter",
    "milestones",
    "parent",
    "weight",
)
"""What a pledge holds when it is claimed; the claim event records these."""


class _Row:
    """One pledge in the ledger: a Pledge's fields, with the history kept flat."""

    __slots__ = FIELDS

    status: PledgeStatus
    history: list[Any]


def _claim_event(row: Any, actor: Actor, at: DateTime, note: str, data: Any) -> Event:
    return Event(
        name=CLAIM,
        actor=actor.id,
        role=actor.role,
        unit=actor.unit,
        at=at,
        from_status=None,
        to_status=PledgeStatus.DRAFT,
        note=note,
        data=data,
        subject=Subject.PLEDGE,
    )


def claim_data(pledge: Pledge) -> dict[str, Any]:
    """The JSON the claim event records: the pledge as it was claimed."""
    written = unstructure(pledge)
    return {name: written[name] for name in CLAIM_FIELDS}


@final
class PledgeLedger(Book):
    """Many pledges, each moved through :class:`PledgeWorkflow`'s steps in bulk.

    ``policy`` (its calendar is not used by pledges today) and ``clock`` play the
    same part as for the issue :class:`Ledger`; a step without ``at`` is dated
    by the clock.
    """

    machine = PledgeWorkflow
    table = PLEDGE_TABLE
    noun = "pledge"
    fields = FIELDS
    row_type = _Row
    creation = staticmethod(_claim_event)

    # -- putting pledges on the ledger ----------------------------------------------------

    def claim(self, pledge: Pledge, *, actor: Actor, note: str = "") -> None:
        """Put a newly claimed pledge on the ledger as a draft, with a ``claim`` event.

        The pledge must be as it is claimed: 拟定 (draft), no history, nothing
        published, fulfilled or withdrawn, no milestone done. Use :meth:`add`
        for a pledge already under way.
        """
        _check_pledge(pledge)
        if pledge.status is not PledgeStatus.DRAFT or pledge.history:
            raise InconsistentRecordError(
                field="Pledge.status",
                value=pledge.status,
                problem="must be a draft with no history on a pledge being claimed",
                hint="Use PledgeLedger.add() for a pledge already under way.",
            )
        done = [m.name for m in pledge.milestones if m.done_at is not None]
        if done:
            raise InconsistentRecordError(
                field="Pledge.milestones",
                value=done,
                problem="are done already on a pledge being claimed",
            )
        step = make_step(
            CLAIM,
            None,
            actor,
            pledge.claimed_at,
            note,
            {},
            not_before=pledge.claimed_at,
            policy=self.policy,
            steps=PLEDGE_STEPS,
        )
        by_claimer(pledge, step)
        # The claim entry keeps the pledge as claimed, in the arguments' place:
        # later steps change its deadline, charter and milestones on the row.
        data = claim_data(pledge)
        self._insert(
            pledge, [CLAIM, step.actor, step.at, step.note, data, None, PledgeStatus.DRAFT]
        )

    def add(self, pledge: Pledge) -> None:
        """Put a pledge on the ledger as it stands, with whatever history it has."""
        _check_pledge(pledge)
        self._add(pledge)

    # -- moving pledges -------------------------------------------------------------------

    def apply(
        self,
        pledge_id: str,
        event: str,
        *,
        actor: Actor,
        at: DateTime | None = None,
        note: str = "",
        **args: Any,
    ) -> PledgeStatus:
        """Take one step on one pledge and return its new status; a refused
        step raises and changes nothing."""
        status: PledgeStatus = self._apply(pledge_id, event, actor, at, note, args)
        return status

    def apply_many(self, commands: Iterable[PledgeCommand]) -> tuple[Refusal, ...]:
        """Apply each command in turn; return those refused (each changed nothing).

        Not a transaction: accepted commands stay applied when a later one is refused.
        """
        return self._apply_many(commands, PledgeCommand)

    # -- reading --------------------------------------------------------------------------

    def status(self, pledge_id: str) -> PledgeStatus:
        """The current status of one pledge."""
        status: PledgeStatus = self._row(pledge_id).status
        return status

    def pledge(self, pledge_id: str) -> Pledge:
        """One pledge as a full, validated :class:`Pledge`, its history included."""
        pledge: Pledge = self._record(pledge_id)
        return pledge

    def history(self, pledge_id: str) -> tuple[Event, ...]:
        """The audit events of one pledge, oldest first."""
        return self.events(pledge_id)

    def summary(self, pledge_id: str) -> PledgeSummary:
        """One pledge's summary line as it stands (what a store keeps for it)."""
        return PledgeSummary.of(self.pledge(pledge_id), version=self.version(pledge_id))

    def pledges(self) -> Iterator[Pledge]:
        """Every pledge as a full :class:`Pledge` (built one at a time, on demand)."""
        for pledge_id in self._rows:
            yield self.pledge(pledge_id)

    def counts(self) -> Counter[PledgeStatus]:
        """How many pledges stand in each status now."""
        return self._counts()

    def tree(self) -> PledgeTree:
        """The parent/child structure of the pledges now, for progress roll-ups."""
        return PledgeTree.of_records(self._rows.values())

    def progress(self, pledge_id: str) -> Fraction:
        """One pledge's progress, rolled up from its parts (see :class:`PledgeTree`).

        Only the pledge's own subtree is read, so a badly weighted project
        elsewhere on the ledger does not stop it.
        """
        self._row(pledge_id)
        children: dict[str, list[Any]] = {}
        for row in self._rows.values():
            if row.parent is not None:
                children.setdefault(row.parent, []).append(row)
        subtree = [self._rows[pledge_id]]
        seen = {pledge_id}
        for row in subtree:  # grows as it goes: a breadth-first walk down
            below = [child for child in children.get(row.id, ()) if child.id not in seen]
            seen.update(child.id for child in below)
            subtree += below
        return PledgeTree.of_records(subtree, subtree=True).progress(pledge_id)


def _check_pledge(pledge: object) -> None:
    if not isinstance(pledge, Pledge):
        raise InvalidTypeError(field="pledge", value=pledge, problem="must be a Pledge")
