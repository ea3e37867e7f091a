"""Confidential matters (保密件): what an export shows of one.

A 12345 work order can be flagged 保密 at intake (``Issue.confidential``): a report
of wrongdoing, a matter of someone's health or family. Such an issue is never
published (the disclosure lists leave it out), and every export that leaves the
system (Open311 requests, the ledger file, the event CSV) shows it *withheld*,
unless the caller asks for an unmasked exchange (``include_confidential=True``,
``--include-confidential`` on the command line).

Withheld means: what the matter is about, who raised it and where is replaced by
the marker :data:`WITHHELD` or left out, and everything the figures are made of is
kept, so counts, rates and deadlines add up the same with or without the flag:

- replaced by ``保密``: the title, every answer's content and a sub-unit's answer
  up or reason for handing back (二级/三级承办); milestones are named
  ``保密1``, ``保密2``, … (their names must differ);
- emptied: the description, the work requirements, rating comments, appeal and
  exclusion explanations and reasons, and the notes of the history and its steps'
  data, but for what the figures read of it (:data:`FIGURE_DATA`);
- left out: the requester (shown as anonymous) and the place's address and
  coordinates (its administrative-division code is kept: figures by place use it);
- kept: the id, channel, urgency, track, category, request type, target groups,
  units and staff ids, every status and moment, deadlines, ratings, visits and
  rectifications, and the flag itself, so the receiver knows the line is withheld.

An export is made now, whatever moment it shows. So one as of a past moment treats
as confidential an issue marked then *or* now (:func:`flagged_as_of`): an issue
marked since is not published because it was not marked yet, and one whose mark
was lifted since is not published about a moment the mark covered. An issue
rebuilt as of a past moment knows only its flag then; :func:`flagged_since` adds
what the events recorded after it say of the flag now.

>>> import pendulum
>>> from banshishi import Channel, Issue, Urgency
>>> issue = Issue(id="c1", title="举报某店售假", description="张三 13812345678",
...     channel=Channel.HOTLINE, urgency=Urgency.WORRYING, confidential=True,
...     received_at=pendulum.datetime(2026, 3, 2, 9, tz="Asia/Shanghai"))
>>> shown = withheld(issue)
>>> shown.title, shown.description, shown.requester, shown.confidential
('保密', '', None, True)
>>> withheld(attrs.evolve(issue, confidential=False)).title
'举报某店售假'
"""

from collections.abc import Callable, Iterable

import attrs
from pendulum import DateTime

from banshishi._core.validators import flag

from .dispatch import Dispatch
from .event import Event
from .issue import CONFIDENTIAL_MARKS, Issue

WITHHELD = "保密"
"""The marker that stands for a confidential issue's withheld texts."""


FIGURE_DATA = ("deadline", "provisional", "routing_rule", "unit")
"""What a withheld step keeps of its data: what the figures read of it (the
deadline it set, and whether through a provisional year; a routed transfer's
rule and unit). Times, a rule's key and a unit's id say nothing of the matter."""


def withheld(issue: Issue) -> Issue:
    """``issue`` as an export shows it: a copy with its content withheld when it is
    confidential (see the module's docstring), the issue itself otherwise."""
    if not issue.confidential:
        return issue
    place = issue.location
    if place is not None:
        place = attrs.evolve(place, address="", latitude=None, longitude=None)
    return attrs.evolve(
        issue,
        title=WITHHELD,
        description="",
        requirements="",
        requester=None,
        location=place,
        milestones=tuple(
            attrs.evolve(m, name=f"{WITHHELD}{n}") for n, m in enumerate(issue.milestones, 1)
        ),
        feedback=tuple(attrs.evolve(f, content=WITHHELD) for f in issue.feedback),
        evaluations=tuple(attrs.evolve(e, comment="") for e in issue.evaluations),
        appeals=tuple(attrs.evolve(a, explanation="", reason="") for a in issue.appeals),
        exclusions=tuple(attrs.evolve(x, explanation="", reason="") for x in issue.exclusions),
        dispatches=tuple(_withheld_dispatch(d) for d in issue.dispatches),
        history=tuple(
            attrs.evolve(e, note="", data={k: e.data[k] for k in FIGURE_DATA if k in e.data})
            for e in issue.history
        ),
    )


def _withheld_dispatch(dispatch: Dispatch) -> Dispatch:
    """A dispatch's texts withheld; its answer and reason, which must be given
    with their moments, replaced by the marker."""
    return attrs.evolve(
        dispatch,
        requirements="",
        answer=WITHHELD if dispatch.answer else "",
        reason=WITHHELD if dispatch.reason else "",
    )


def _whole(issue: Issue) -> Issue:
    return issue


def flagged_as_of(issue: Issue, at: DateTime) -> Issue:
    """``issue`` (as it is now) as an export made now about ``at`` must treat it:
    flagged confidential if it is now or was at ``at``; the issue itself otherwise."""
    if issue.confidential or not issue.confidential_as_of(at):
        return issue
    return attrs.evolve(issue, confidential=True)


def flagged_since(issue: Issue, later: Iterable[Event]) -> Issue:
    """``issue`` as it stood at some moment (rebuilt from its events up to then),
    flagged confidential if the events recorded after it (``later``) leave it
    marked now. A mark it had then is kept though lifted since."""
    now = issue.confidential
    for event in later:
        now = CONFIDENTIAL_MARKS.get(event.name, now)
    return issue if issue.confidential or not now else attrs.evolve(issue, confidential=True)


def exported(include_confidential: object) -> Callable[[Issue], Issue]:
    """How an export shows each issue: :func:`withheld`, or each issue whole when
    ``include_confidential`` (checked to be a bool) asks for an unmasked exchange."""
    unmasked = flag(include_confidential, field="include_confidential")
    return _whole if unmasked else withheld
