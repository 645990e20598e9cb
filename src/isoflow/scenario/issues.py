"""Problems found in a scenario, with where they are: file, line (or CSV row) and field path."""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass, replace
from enum import StrEnum

from isoflow.errors import ScenarioError

Path = tuple[str | int, ...]
"""A field path from the top of the scenario: ``("sites", 1, "kind")``."""


class Severity(StrEnum):
    """How serious an issue is: errors make a scenario invalid, warnings do not."""

    ERROR = "error"
    WARNING = "warning"


@dataclass(frozen=True, slots=True)
class Location:
    """Where an item sits in the files a scenario was read from.

    Attributes
    ----------
    file
        File name (``scenario.yaml``, ``bookings.csv``); empty if unknown.
    line
        1-based line in the file (for a CSV table: the physical line of the row, header = 1).
    """

    file: str = ""
    line: int | None = None


Locator = Callable[[Path], Location]
"""Maps a field path to its location in the source files."""


def no_location(path: Path) -> Location:
    """Locate nothing: the :data:`Locator` for scenarios built in memory."""
    return Location()


def dotted(path: Path) -> str:
    """``("sites", 1, "kind")`` -> ``sites.1.kind``."""
    return ".".join(str(p) for p in path)


@dataclass(frozen=True, slots=True)
class Issue:
    """One problem in a scenario.

    Attributes
    ----------
    path
        Field path of the offending value (empty for the whole file).
    message
        What was found and what is expected.
    severity
        Error (the scenario is invalid) or warning.
    file, line
        Where the value is, when known.
    code
        Short machine-readable kind, e.g. ``unknown_ref`` or ``pydantic:missing``.
    """

    path: Path
    message: str
    severity: Severity = Severity.ERROR
    file: str = ""
    line: int | None = None
    code: str = ""

    def located(self, locate: Locator) -> Issue:
        """Return a copy with file and line filled in by ``locate`` (if not already set)."""
        if self.file or self.line is not None:
            return self
        where = locate(self.path)
        return replace(self, file=where.file, line=where.line)

    def __str__(self) -> str:
        head = self.file
        if self.line is not None:
            head = f"{head}:{self.line}" if head else f"line {self.line}"
        field = dotted(self.path)
        parts = [p for p in (head, field) if p]
        prefix = ": ".join(parts)
        tag = "warning: " if self.severity == Severity.WARNING else ""
        return f"{prefix}: {tag}{self.message}" if prefix else f"{tag}{self.message}"

    def as_dict(self) -> dict[str, object]:
        """JSON-ready form."""
        return {
            "severity": str(self.severity),
            "file": self.file,
            "line": self.line,
            "path": dotted(self.path),
            "message": self.message,
            "code": self.code,
        }


def locate_all(issues: Iterable[Issue], locate: Locator) -> list[Issue]:
    """Every issue with file and line filled in by ``locate``.

    A locator with a ``prefetch(paths)`` method (one that reads a file to find lines) is first
    given every path at once, so a large file is read once for all its issues.
    """
    found = list(issues)
    prefetch = getattr(locate, "prefetch", None)
    if callable(prefetch):
        prefetch([i.path for i in found if not i.file and i.line is None])
    return [i.located(locate) for i in found]


class ScenarioIssuesError(ScenarioError):
    """A :class:`ScenarioError` that also carries the structured :class:`Issue` list."""

    def __init__(self, found: Iterable[Issue], source: str = "") -> None:
        self.found = tuple(found)
        super().__init__([str(i) for i in self.found], source)
