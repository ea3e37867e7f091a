"""Issues received in a batch, each with the actor who received it.

``receive_many`` takes issues received by one actor (``actor=``), or
``(issue, actor)`` pairs when different units took them in, or both mixed: a
pair names its own receiver, a bare issue is received by ``actor``.
"""

from collections.abc import Iterable, Iterator
from typing import Any

from banshishi._core.errors import InvalidTypeError
from banshishi._core.validators import iterable_given
from banshishi._model.people import Actor


def receipts(
    items: Iterable[Any], actor: Actor | None, *, field: str = "issues"
) -> Iterator[tuple[Any, Actor]]:
    """Each item of ``items`` as ``(issue, actor)`` (see :func:`receipt`)."""
    check_receiver(actor)
    for index, item in enumerate(iterable_given(items, field=field)):
        yield receipt(index, item, actor, field=field)


def check_receiver(actor: object) -> None:
    """``actor=`` of a batch: an :class:`Actor`, or ``None`` when every item is a pair."""
    if actor is not None and not isinstance(actor, Actor):
        raise InvalidTypeError(field="actor", value=actor, problem="must be an Actor")


def receipt(
    index: int, item: Any, actor: Actor | None, *, field: str = "issues"
) -> tuple[Any, Actor]:
    """Item ``index`` of a batch as ``(issue, actor)``: a pair as it is, a bare
    issue with ``actor``. A bare issue without ``actor``, or a pair whose second
    item is not an :class:`Actor`, raises :class:`InvalidTypeError` naming the
    item. The issue itself is checked when it is received."""
    if isinstance(item, tuple):
        if len(item) != 2 or not isinstance(item[1], Actor):
            raise InvalidTypeError(
                field=f"{field}[{index}]",
                value=item,
                problem="must be an issue, or an (issue, actor) pair",
            )
        return item[0], item[1]
    if actor is None:
        raise InvalidTypeError(
            field=f"{field}[{index}]",
            value=getattr(item, "id", item),
            problem="is a bare issue, but no actor was given to receive it",
            hint="Pass actor=..., or give (issue, actor) pairs.",
        )
    return item, actor
