"""Content-as-files: the error type and the protocol every content source follows.

``manage.py sync_content`` validates every source first, then plans, then applies all of them in
one transaction, so one bad file changes nothing.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Protocol


class ContentError(Exception):
    """A problem in a content file, reported as ``path:line: message``."""

    def __init__(self, path: Path | str, line: int | None, message: str):
        self.path = Path(path)
        self.line = line
        self.message = message
        super().__init__(str(self))

    def __str__(self) -> str:
        where = f"{self.path}:{self.line}" if self.line else f"{self.path}"
        return f"{where}: {self.message}"


@dataclass(frozen=True)
class Change:
    """One planned change: ``action`` is create, update or skip; ``target`` names the object."""

    action: str
    target: str
    detail: str = ""

    def __str__(self) -> str:
        return f"{self.action:7} {self.target}" + (f" ({self.detail})" if self.detail else "")


class ContentSource(Protocol):
    """A folder of source files that becomes objects in the CMS or database."""

    name: str

    def validate(self) -> None:
        """Parse every file; raise ContentError on the first problem. Writes nothing."""

    def plan(self, *, force: bool = False) -> list[Change]:
        """What apply() would do; an empty list means files and database agree."""

    def apply(self, *, force: bool = False) -> list[Change]:
        """Write the planned changes (called inside one transaction with the other sources)."""
