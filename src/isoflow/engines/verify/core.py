"""What every family of checks shares: tolerances, the violation record and the state.

Tolerances (:data:`REL`, :data:`SLACK_S`, :data:`COST_REL`, :data:`COST_ABS`), the plan's
instants as seconds (:func:`_t`), decay constants (:func:`_lam`), departure keys, what the
plan's legs put on one departure (:class:`_Load`), and :class:`_CheckerBase`: the scenario
indexed once and the violations collected in order (:meth:`_CheckerBase.bad`). Nothing is
checked here.
"""

from __future__ import annotations

import math
from collections import defaultdict
from dataclasses import dataclass, field
from datetime import datetime
from functools import lru_cache

from isoflow.domain.calendar import epoch
from isoflow.domain.nuclides import default_data
from isoflow.records.plan import Plan
from isoflow.scenario.demand import demand_items
from isoflow.scenario.schema import Scenario

REL = 1e-6
"""Relative tolerance for recomputed activities (float rounding, not physics)."""

SLACK_S = 1e-3
"""Tolerance on instants [s] (timestamps are printed to the microsecond)."""

COST_REL = 1e-6
"""Relative tolerance on recomputed costs."""

COST_ABS = 1e-6
"""Absolute tolerance on recomputed costs [currency]."""

GBQ = 1e9
"""Bq per GBq (prices are per GBq)."""


@dataclass(frozen=True, slots=True)
class Violation:
    """One broken rule: a code, the record concerned, and what is wrong."""

    code: str
    subject: str
    detail: str

    def __str__(self) -> str:
        return f"{self.code}: {self.subject}: {self.detail}"


def _t(value: datetime) -> float:
    """An instant of the plan as seconds since the epoch."""
    return epoch(value)


@lru_cache(maxsize=256)
def _lam(nuclide: str) -> float:
    """Decay constant [1/s] of a nuclide (0 if stable)."""
    data = default_data()
    half_life = data.half_life_s(data.canonical(nuclide))
    return 0.0 if math.isinf(half_life) else math.log(2.0) / half_life


def _close(a: float, b: float) -> bool:
    """Costs equal within :data:`COST_REL` and :data:`COST_ABS`."""
    return math.isclose(a, b, rel_tol=COST_REL, abs_tol=COST_ABS)


def _departure(lane: str, depart: float) -> tuple[str, int]:
    """Key of one departure: lane id and departure instant in whole milliseconds."""
    return lane, round(depart * 1000.0)


@dataclass
class _Load:
    """What the plan's legs put on one departure (recomputed, not read from shipments)."""

    lane: str
    depart: float
    bookings: list[str] = field(default_factory=list)
    batches: list[str] = field(default_factory=list)
    packages: int = 0
    transport_index: float = 0.0


class _CheckerBase:
    """One verification's state: the scenario indexed once, violations collected in order."""

    def __init__(self, plan: Plan, scenario: Scenario) -> None:
        self.plan = plan
        self.sc = scenario
        self.out: list[Violation] = []
        self.sites = {s.id: s for s in scenario.sites}
        self.products = {p.id: p for p in scenario.products}
        self.processes = {p.id: p for p in scenario.processes}
        self.lanes = {lane.id: lane for lane in scenario.lanes}
        self.bookings = {b.id: b for b in demand_items(scenario)}
        self.runs = {r.batch: r for r in plan.runs}
        approvals: dict[str, set[str]] = defaultdict(set)
        for a in scenario.policies.approvals:
            approvals[a.product].update(a.countries)
        self.approvals = approvals
        self.loads: dict[tuple[str, int], _Load] = {}
        self.miscounted: set[str] = set()
        """Single-batch records whose allocation has the wrong dose count (reported once)."""

    def bad(self, code: str, subject: str, detail: str) -> None:
        """Record one violation."""
        self.out.append(Violation(code, subject, detail))
