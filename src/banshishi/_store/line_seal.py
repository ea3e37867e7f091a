"""Binding each summary line to the event that produced it.

A line's digest is SHA-256 (hex) of the hash of the event that left the record
at the line's version, followed by each of the line's values as
``<length>:<text>`` (``~`` for null), as an event's link is written (see
``link``); on a keyed chain, HMAC-SHA256 of the same text under the chain's
key. An issue line of ``issue_lines`` adds the moment its span opened
(``from_us``); the moment it closed is not bound, since the next event sets it,
and is checked against that next line instead.

So a line edited in the file no longer matches its digest, and plain
``verify`` finds it without rebuilding a record; on a keyed chain, no one
without the key can write a digest that matches.
"""

import hashlib
import hmac
from collections.abc import Iterable
from typing import Any


def line_digest(event_hash: str, values: Iterable[Any], key: bytes | None) -> str:
    """The digest binding a line's ``values`` to the hash of its event."""
    # One flat loop: this runs for every line written and every line verified.
    parts = [event_hash]
    for value in values:
        if value is None:
            parts.append("~")
        else:
            text = str(value)
            parts.append(f"{len(text)}:{text}")
    message = "".join(parts).encode()
    if key is None:
        return hashlib.sha256(message).hexdigest()
    return hmac.new(key, message, hashlib.sha256).hexdigest()
