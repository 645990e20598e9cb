"""The plan: what to produce, what to ship, which batch serves each booking, and why not.

A :class:`Plan` is plain data (pydantic, frozen) so that it round-trips through
``plan.json`` exactly; :mod:`isoflow.engines.verify` re-checks it from that data alone.
Times are UTC ISO-8601 strings ending in ``Z``; activities are in Bq.
"""

from __future__ import annotations

from typing import Annotated, Any

from pydantic import AfterValidator, BaseModel, ConfigDict

from isoflow.errors import InputError
from isoflow.units import parse_datetime


def _instant(text: str) -> str:
    """An instant of the plan: must parse as ISO-8601 with an offset (kept as written)."""
    try:
        parse_datetime(text, "time")
    except InputError as exc:
        raise ValueError(exc.message) from None
    return text


UtcText = Annotated[str, AfterValidator(_instant)]
"""An ISO-8601 instant as written in ``plan.json`` (``...Z``), checked when a plan is read."""


class _Data(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class PlanLeg(_Data):
    """One leg of a route."""

    lane: str
    depart_utc: UtcText
    arrive_utc: UtcText


class PlanAllocation(_Data):
    """A booking (or doses of an order) served: from which batch, along which legs."""

    booking: str
    hospital: str
    product: str
    nuclide: str
    batch: str
    site: str
    end_of_production_utc: UtcText
    activity_eop_bq: float
    administration_utc: UtcText
    activity_admin_bq: float
    legs: tuple[PlanLeg, ...] = ()
    doses: int = 1
    """Doses served this way (an order's doses from one batch along one route); the
    activities above are per dose."""

    @property
    def dispensed_eop_bq(self) -> float:
        """Activity [Bq at EOP] the batch gives to these doses: per dose times doses."""
        return self.activity_eop_bq * self.doses


class PlanInput(_Data):
    """Activity of an upstream batch shipped into a run (activity at the source's EOP)."""

    batch: str
    product: str
    activity_eop_bq: float
    arrive_utc: UtcText
    legs: tuple[PlanLeg, ...] = ()


class PlanRun(_Data):
    """A production run (batch)."""

    batch: str
    process: str
    site: str
    product: str
    nuclide: str
    start_utc: UtcText
    end_of_production_utc: UtcText
    release_utc: UtcText
    activity_eop_bq: float
    activity_allocated_bq: float
    inputs: tuple[PlanInput, ...] = ()
    fixed_cost: float = 0.0
    variable_cost: float = 0.0


class PlanElution(_Data):
    """One elution of a delivered generator."""

    time_utc: UtcText
    daughter_bq: float


class PlanGenerator(_Data):
    """Generators delivered to a site from one assembly batch, and their elution plan."""

    batch: str
    product: str
    site: str
    parent: str
    daughter: str
    activity_calibration_bq: float
    sizes_bq: tuple[float, ...] = ()
    arrive_utc: UtcText
    efficiency: float
    elutions: tuple[PlanElution, ...] = ()
    legs: tuple[PlanLeg, ...] = ()


class PlanGeneratorUse(_Data):
    """One elution of a delivered generator, or what it holds at the end (waste accounting).

    See :mod:`isoflow.scenario.generator_use`: daughter eluted, dispensed into doses and
    wasted, by cause (``first_elution``, ``no_doses``, ``left_over``; ``in_generator`` on the
    last row of each generator, with the parent left).
    """

    batch: str
    site: str
    daughter: str
    event: str
    """``elution``, ``replacement`` or ``horizon_end``."""
    time_utc: UtcText
    eluted_bq: float
    dispensed_bq: float
    waste_bq: float
    cause: str
    parent_left_bq: float = 0.0


class PlanShipment(_Data):
    """One departure used, with what it carries."""

    lane: str
    origin: str
    destination: str
    depart_utc: UtcText
    arrive_utc: UtcText
    bookings: tuple[str, ...] = ()
    batches: tuple[str, ...] = ()
    packages: int
    transport_index: float
    cost: float


class PlanUnserved(_Data):
    """A booking (or doses of an order) the plan cannot serve, and the binding reason."""

    booking: str
    hospital: str
    product: str
    administration_utc: UtcText
    reason: str
    detail: str
    doses: int = 1
    """Doses short: all of a booking's, or the part of an order not served."""


class SolverReport(_Data):
    """How the optimiser ended."""

    status: str
    gap: float | None
    seconds: float
    objective: float | None
    time_limit_s: float
    mip_gap: float
    build_seconds: float = 0.0
    bound: float | None = None
    """Best proven lower bound on the objective: no plan scores below it."""
    penalty_floor: float = 0.0
    """Least penalty for unserved bookings that any plan must pay (capacity the network
    lacks, bounded by the LP relaxation). The gap is measured on the objective above it, so
    it reflects what the plan can change."""
    candidates: dict[str, int] = {}
    message: str = ""
    time_cut: bool = False
    """A time limit stopped some step of the solve, so another machine (faster, slower or
    busier) may return a different plan; false means the same inputs give the same plan."""


class Plan(_Data):
    """A whole plan for one scenario and horizon."""

    scenario: str
    planner: str
    start_utc: UtcText
    end_utc: UtcText
    earliest_run_utc: UtcText
    allocations: tuple[PlanAllocation, ...] = ()
    runs: tuple[PlanRun, ...] = ()
    generators: tuple[PlanGenerator, ...] = ()
    generator_use: tuple[PlanGeneratorUse, ...] = ()
    shipments: tuple[PlanShipment, ...] = ()
    unserved: tuple[PlanUnserved, ...] = ()
    kpis: dict[str, Any] = {}
    solver: SolverReport | None = None
