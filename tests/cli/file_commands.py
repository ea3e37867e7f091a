"""Helpers shared by the tests of the file-exchange commands: reading what they
print and write, and finding personal numbers in it.
"""

import csv
import io
from pathlib import Path
from typing import Any

from pendulum import DateTime

from banshishi import (
    Issue,
)

AS_OF = "2026-08-20"


def flat(text: str) -> str:
    return " ".join(text.split())


def status_at(issue: Issue, at: DateTime) -> Any:
    """The issue's status at ``at``, read off its history by hand."""
    status = None
    for event in issue.history:
        if event.at <= at:
            status = event.to_status
    return status


def listing(tmp: Path) -> set[str]:
    return {entry.name for entry in tmp.iterdir()}


def read_csv(text: str) -> list[dict[str, str]]:
    return list(csv.DictReader(io.StringIO(text.removeprefix("\ufeff"))))
