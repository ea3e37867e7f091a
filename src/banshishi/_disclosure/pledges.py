"""The pledge list (承诺公示): pledges public at a moment, with their progress
rolled up through their projects as they stood then."""

from bisect import bisect_right
from collections.abc import Iterable, Mapping
from typing import Any, cast, final

import attrs
from pendulum import DateTime

from banshishi._core.errors import BanshishiError, DuplicateError, InvalidTypeError
from banshishi._core.time import as_datetime, parse_instant
from banshishi._core.validators import flag, items_given
from banshishi._model.milestone import Milestone
from banshishi._model.pledge import Pledge, PledgerKind
from banshishi._model.pledge_tree import PledgeTree
from banshishi._model.rate import Rate
from banshishi._model.units import UnitTree
from banshishi._model.vocabulary import PledgeStatus

from .issues import (
    DisclosedPledge,
    PledgeDisclosure,
    keep_text,
    milestones_as_of,
    scrubber,
    unit_names,
)
from .masking import mask_name


@final
@attrs.frozen(kw_only=True)
class _PartAsOf:
    """What :class:`PledgeTree` reads of a pledge, as the pledge stood at a moment."""

    id: str
    parent: str | None
    weight: int | None
    status: PledgeStatus
    milestones: tuple[Milestone, ...]


def _status_as_of(pledge: Pledge, at: DateTime) -> PledgeStatus:
    """The status of ``pledge`` at ``at`` (claimed by then): read off its history,
    or, without one, its status now, except that a pledge fulfilled or
    withdrawn after ``at`` counts as in progress before."""
    history = pledge.history
    if history:
        seen = bisect_right(history, at, key=lambda event: event.at)
        if seen == 0:
            return cast(PledgeStatus, history[0].from_status or PledgeStatus.DRAFT)
        return cast(PledgeStatus, history[seen - 1].to_status)
    later = {
        PledgeStatus.FULFILLED: pledge.fulfilled_at,
        PledgeStatus.WITHDRAWN: pledge.withdrawn_at,
    }
    moment = later.get(pledge.status)
    if moment is not None and at < moment:
        return PledgeStatus.IN_PROGRESS
    return pledge.status


def _deadline_as_of(pledge: Pledge, at: DateTime, index: int) -> DateTime | None:
    """The deadline set by the last step by ``at`` that set one (publish, extend);
    the pledge's own deadline when no step by then recorded one."""
    found, deadline = False, None
    for number, event in enumerate(pledge.history):
        if event.at > at:
            break
        if "deadline" in event.data:
            value = event.data["deadline"]
            field = f"pledges[{index}].history[{number}].data.deadline"
            found, deadline = (
                True,
                None if value is None else parse_instant(str(value), field=field),
            )
    return deadline if found else pledge.deadline


def _progress_as_of(parts: dict[str, _PartAsOf], wanted: Iterable[str]) -> dict[str, Rate]:
    """The rolled-up progress of each of ``wanted``: from one tree over every part
    if the weights allow it; else pledge by pledge from its own subtree, so a badly
    weighted project (or a cycle) leaves ``—`` on its own lines only."""
    try:
        tree = PledgeTree.of_records(parts.values(), subtree=True)
    except BanshishiError:
        pass
    else:
        return {pid: tree.progress_rate(pid) for pid in wanted if pid in parts}
    children: dict[str, list[_PartAsOf]] = {}
    for record in parts.values():
        if record.parent is not None and record.parent in parts:
            children.setdefault(record.parent, []).append(record)
    shares: dict[str, Rate] = {}
    for pid in wanted:
        if pid not in parts:
            continue
        subtree, seen = [parts[pid]], {pid}
        for record in subtree:  # grows as it goes: a breadth-first walk down
            below = [child for child in children.get(record.id, ()) if child.id not in seen]
            seen.update(child.id for child in below)
            subtree += below
        try:
            shares[pid] = PledgeTree.of_records(subtree, subtree=True).progress_rate(pid)
        except BanshishiError:
            shares[pid] = Rate(0, 0)
    return shares


def _names_given(names: object) -> Mapping[str, str]:
    if names is None:
        return {}
    if not isinstance(names, Mapping):
        raise InvalidTypeError(
            field="names", value=names, problem="must be a mapping of pledger ids to names"
        )
    for key, value in names.items():
        if not isinstance(key, str) or not isinstance(value, str):
            raise InvalidTypeError(
                field=f"names[{key!r}]", value=value, problem="must map a text id to a text name"
            )
    return cast(Mapping[str, str], names)


def disclose_pledges(
    pledges: Iterable[Pledge],
    *,
    at: DateTime,
    units: UnitTree | None = None,
    names: Mapping[str, str] | None = None,
    mask: bool = True,
) -> PledgeDisclosure:
    """The pledges that stood as public promises at ``at`` (see
    :meth:`Pledge.public_as_of`), ready to publish, in the order given.

    Progress is rolled up through each project's parts as they stood at ``at``
    (:class:`PledgeTree`, over all the pledges given, public or not); a project
    whose weights do not allow a roll-up shows ``—`` on its own lines and does
    not stop the list. The pledger is shown by name: ``names`` maps pledger ids
    to names, else a unit's name from ``units``, else the id. With ``mask`` (the
    default) a party member's name is masked, while leaders, leadership teams
    and organisations are shown in full: a leader's pledge is made in office and
    published so the public can hold that leader to it. With ``mask``, every
    text, theirs included, is also scrubbed of mobile and ID numbers, and a
    party member's name is masked in the texts of their pledge too.
    """
    given = items_given(pledges, Pledge, field="pledges")
    at = as_datetime(at, field="at")
    unit_name = unit_names(units)
    known = _names_given(names)
    masked = flag(mask, field="mask")
    scrub = scrubber(()) if masked else keep_text  # ids and unit names: numbers only
    seen: set[str] = set()
    for index, pledge in enumerate(given):
        if pledge.id in seen:
            raise DuplicateError(
                field=f"pledges[{index}].id", value=pledge.id, problem="appears twice"
            )
        seen.add(pledge.id)
    public = [(index, p) for index, p in enumerate(given) if p.public_as_of(at)]
    parts = {p.id: _part_as_of(p, at) for p in given if p.claimed_at <= at}
    progress = _progress_as_of(parts, (p.id for _, p in public))
    lines: list[DisclosedPledge] = []
    for index, pledge in public:
        status = parts[pledge.id].status
        deadline = _deadline_as_of(pledge, at, index)
        pledger = known.get(pledge.pledger) or unit_name(pledge.pledger)
        private = pledge.pledger_kind is PledgerKind.PARTY_MEMBER
        named = private and pledger != pledge.pledger  # a name, not the bare id
        clean = scrubber((pledger,) if named else ()) if masked else keep_text
        if masked and private:
            pledger = mask_name(pledger)
        lapsed = deadline is not None and deadline < at and status is not PledgeStatus.DRAFT
        lines.append(
            DisclosedPledge(
                id=scrub(pledge.id),
                title=clean(pledge.title),
                goal=clean(pledge.charter.goal) if pledge.charter is not None else "",
                pledger=clean(pledger),
                pledger_kind=pledge.pledger_kind,
                list_kind=pledge.list_kind,
                unit=scrub(unit_name(pledge.unit)),
                deadline=deadline,
                status=status,
                overdue=status is PledgeStatus.OVERDUE or (lapsed and status.is_open),
                progress=progress[pledge.id],
                milestones=milestones_as_of(pledge.milestones, at, clean),
            )
        )
    return PledgeDisclosure(at=at, masked=masked, items=tuple(lines))


def _part_as_of(pledge: Pledge, at: DateTime) -> _PartAsOf:
    undone = [m for m in pledge.milestones if m.done_at is not None and m.done_at > at]
    milestones: Any = pledge.milestones
    if undone:
        milestones = tuple(attrs.evolve(m, done_at=None) if m in undone else m for m in milestones)
    return _PartAsOf(
        id=pledge.id,
        parent=pledge.parent,
        weight=pledge.weight,
        status=_status_as_of(pledge, at),
        milestones=milestones,
    )
