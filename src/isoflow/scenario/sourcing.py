"""Checks of where figures come from.

Cited sources exist, ``high`` rows cite one, derived values match their deriver.
Run by :func:`isoflow.scenario.validate.check_references` next to the other cross-reference
checks; each problem is an error located at its row's file and line.
"""

from __future__ import annotations

from collections.abc import Iterator

from pydantic import BaseModel

from isoflow.scenario.citations import Provenance
from isoflow.scenario.derive import derived_mismatches
from isoflow.scenario.issues import Issue, Path, Severity
from isoflow.scenario.schema import Scenario

_SKIP = frozenset({"bookings", "orders"})
"""Lists that carry no provenance (demand records), skipped for speed."""


def provenances(item: object, path: Path = ()) -> Iterator[tuple[Path, Provenance]]:
    """Every provenance in ``item`` with its field path (bookings and orders have none)."""
    if isinstance(item, Provenance):
        yield path, item
    elif isinstance(item, BaseModel):
        for name in type(item).model_fields:
            if name not in _SKIP:
                yield from provenances(getattr(item, name), (*path, name))
    elif isinstance(item, tuple):
        for i, value in enumerate(item):
            yield from provenances(value, (*path, i))


def check_sources(scenario: Scenario) -> Iterator[Issue]:
    """Source problems: unknown or duplicate ids, uncited ``high`` rows, derived mismatches."""
    known: dict[str, int] = {}
    for i, source in enumerate(scenario.sources):
        j = known.setdefault(source.id, i)
        if j != i:
            yield _error(("sources", i, "id"), f"duplicate source id {source.id!r}", "duplicate_id")
    for path, prov in provenances(scenario):
        for k, sid in enumerate(prov.source_id):
            if sid not in known:
                message = f"unknown source {sid!r}; expected an id of the sources table"
                if not known:
                    message += " (the scenario has no sources)"
                yield _error((*path, "source_id", k), message, "unknown_source")
        if prov.confidence == "high" and not prov.source_id:
            message = (
                "confidence is high but no source is cited; give source_id (an id of the "
                "sources table) or lower the confidence"
            )
            yield _error((*path, "source_id"), message, "uncited")
    for path, message in derived_mismatches(scenario):
        yield _error(path, message, "derived")


def _error(path: Path, message: str, code: str) -> Issue:
    return Issue(path, message, Severity.ERROR, code=code)
