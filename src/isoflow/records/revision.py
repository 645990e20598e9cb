"""A plan's revision: which plan it revises, after which events, and what changed.

A plan made by ``isoflow replan`` carries a :class:`Revision` (``plan.json``: ``revision``):
its number (the parent's plus one), the SHA-256 of its parent's ``plan.json`` records (so
revisions chain: a changed parent breaks the link), the instant of the re-plan, the mode, every
event since the first plan (as an event file holds them; ``isoflow verify`` applies them to
the base scenario before checking) and the :class:`PlanDiff` against the parent.
"""

from __future__ import annotations

from enum import StrEnum
from typing import Annotated

from pydantic import BaseModel, ConfigDict, Field

from isoflow.records.times import UtcTime
from isoflow.scenario.events import Event


class _Data(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class ReplanMode(StrEnum):
    """How the parent plan binds a re-plan."""

    HARD = "hard"
    """The past and everything decided before ``now + freeze`` are fixed; the rest is free."""
    SOFT = "soft"
    """The past is fixed; every other change from the parent costs its stability weight."""
    RECOMMEND = "recommend"
    """The whole parent is pinned: the best ways to serve one new booking or order."""


class LostBooking(_Data):
    """Doses the parent served and the revision does not, and why."""

    booking: str
    doses: int
    cause: str
    """``run_failed``, ``shipment_delayed``, ``site_down``, ``lane_closed``,
    ``departure_cancelled`` (the event that took the parent's dose away) or the revision's
    unserved reason code."""
    detail: str = ""


class RunShift(_Data):
    """A run of one process moved from one start to another."""

    process: str
    before: str
    after: str
    hours: float


class Figures(_Data):
    """Figures of one plan counted from its records."""

    doses_served: int
    doses_unserved: int
    cost: float
    runs: int
    shipments: int


class PlanDiff(_Data):
    """The changes from a parent plan to its revision."""

    parent_hash: str
    kept: int
    """Bookings served exactly as in the parent (same batches, legs and doses)."""
    moved: tuple[str, ...] = ()
    lost: tuple[LostBooking, ...] = ()
    withdrawn: tuple[str, ...] = ()
    """Bookings and orders the parent served that an event cancelled (not losses)."""
    gained: tuple[str, ...] = ()
    runs_added: tuple[str, ...] = ()
    runs_removed: tuple[str, ...] = ()
    runs_shifted: tuple[RunShift, ...] = ()
    shipments_added: tuple[str, ...] = ()
    shipments_removed: tuple[str, ...] = ()
    before: Figures
    after: Figures

    @property
    def hours_moved(self) -> float:
        """Total |Δstart| of shifted runs [h]."""
        return sum(abs(s.hours) for s in self.runs_shifted)


class ReplanStart(StrEnum):
    """How a re-plan's solver started."""

    REPAIRED = "repaired"
    """From the parent, its decisions kept where the new bounds allow."""
    COLD = "cold"
    """From nothing (asked for, or the parent could not be repaired)."""


class Revision(_Data):
    """What a re-planned plan revises (module docstring)."""

    number: Annotated[int, Field(ge=1)]
    parent_hash: str
    now_utc: UtcTime
    mode: ReplanMode
    freeze_s: float = 0.0
    stability: float = 0.0
    events: tuple[Event, ...] = ()
    """Every event since the first plan, in order (the parent's, then this revision's): the
    scenario the revision is checked against is the base scenario with these applied."""
    new_events: Annotated[int, Field(ge=0)] = 0
    """How many of ``events`` (the last ones) this revision applied."""
    start: ReplanStart = ReplanStart.COLD
    """How the solver started: from the parent repaired against the new bounds, or cold."""
    start_note: str = ""
    """Why it started so (what the repair dropped, or why it could not be used)."""
    diff: PlanDiff
