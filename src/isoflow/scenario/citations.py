"""Where a scenario's figures come from: the sources table and each row's provenance.

A scenario may list its public sources once (``sources``, the ``sources.csv`` table of a CSV
folder) and cite them from any row by id (``provenance.source_id``). A row states how far its
figures can be trusted (``confidence``) and, when a value was computed from others rather than
read from a source, which deriver made it (``derived_by``, see :mod:`isoflow.scenario.derive`);
validation re-derives such values and rejects a ``high`` row that cites no source.
"""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, ConfigDict

from isoflow.scenario.quantities import Identifier

Confidence = Literal["high", "medium", "low", "estimate"]
"""How much to trust a figure: ``high`` is a cited primary source, ``estimate`` an assumption."""


class Strict(BaseModel):
    """Base of all scenario models: unknown keys rejected, immutable, documented."""

    model_config = ConfigDict(
        extra="forbid",
        frozen=True,
        use_attribute_docstrings=True,
        validate_default=True,
        str_strip_whitespace=True,
    )


class Source(Strict):
    """One public source cited by rows of the scenario."""

    id: Identifier
    """Id cited from ``provenance.source_id``."""
    citation: str
    """Author or publisher, title, year (what a reviewer looks up)."""
    where: str = ""
    """Address: URL, DOI, file and section (e.g. ``reference/physics.md §3``)."""
    note: str = ""
    """What the source is used for, or how far it has been checked."""


class Provenance(Strict):
    """Where a figure comes from."""

    source: str = ""
    """Free-text note on the source of the row's figures and any assumption made."""
    source_id: tuple[Identifier, ...] = ()
    """Ids of the sources cited (the scenario's ``sources`` table), ``;``-separated in CSV."""
    confidence: Confidence = "estimate"
    """How much to trust the figure; ``estimate`` marks an assumption to replace. A ``high``
    row must cite at least one source by ``source_id``."""
    derived_by: str = ""
    """Deriver that computed the row's derived values from others (e.g. ``air_transit:1``,
    ``road``; see ``isoflow.scenario.derive``); empty when every value was read from a source.
    Validation recomputes the values and reports a row that disagrees."""
