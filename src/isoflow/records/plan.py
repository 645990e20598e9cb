r"""The plan: what to produce, what to ship, which batch serves each booking, and why not.

A :class:`Plan` is plain data (pydantic, frozen) so that it round-trips through
``plan.json`` exactly; :mod:`isoflow.engines.verify` re-checks it from that data alone.
Times are timezone-aware UTC :class:`~datetime.datetime`\ s, written as ISO-8601 with ``Z``
(to the second, or the microsecond when there is one); activities are in Bq. The file
format, and what each version changed, is documented in ``docs/plan-format.md``.

>>> from datetime import UTC, datetime
>>> leg = PlanLeg(lane="road", depart_utc="2025-08-04T08:00+09:00",
...               arrive_utc=datetime(2025, 8, 4, 1, 30, tzinfo=UTC))
>>> leg.depart_utc
datetime.datetime(2025, 8, 3, 23, 0, tzinfo=datetime.timezone.utc)
>>> leg.model_dump(mode="json")
{'lane': 'road', 'depart_utc': '2025-08-03T23:00:00Z', 'arrive_utc': '2025-08-04T01:30:00Z'}
"""

from __future__ import annotations

from typing import Annotated, Any

from pydantic import (
    AfterValidator,
    BaseModel,
    ConfigDict,
    SerializerFunctionWrapHandler,
    model_serializer,
    model_validator,
)

from isoflow.records.kpis import PlanKpis
from isoflow.records.reasons import Reason
from isoflow.records.revision import Revision
from isoflow.records.status import SolveStatus
from isoflow.records.times import UtcTime

SCHEMA_VERSION = 2
"""Version of the ``plan.json`` format this isoflow writes (and the newest it reads)."""


def _version(value: int) -> int:
    if value > SCHEMA_VERSION:
        raise ValueError(
            f"plan format version {value} is newer than this isoflow reads "
            f"(versions 1 to {SCHEMA_VERSION}); upgrade isoflow to read it"
        )
    if value < 1:
        raise ValueError(f"plan format version {value} does not exist (1 to {SCHEMA_VERSION})")
    return SCHEMA_VERSION


class _Data(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class PlanLeg(_Data):
    """One leg of a route."""

    lane: str
    depart_utc: UtcTime
    arrive_utc: UtcTime


class PlanAllocation(_Data):
    """A booking (or doses of an order) served: from which batch, along which legs."""

    booking: str
    hospital: str
    product: str
    nuclide: str
    batch: str
    site: str
    end_of_production_utc: UtcTime
    activity_eop_bq: float
    administration_utc: UtcTime
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
    arrive_utc: UtcTime
    legs: tuple[PlanLeg, ...] = ()


class PlanRun(_Data):
    """A production run (batch)."""

    batch: str
    process: str
    site: str
    product: str
    nuclide: str
    start_utc: UtcTime
    end_of_production_utc: UtcTime
    release_utc: UtcTime
    activity_eop_bq: float
    activity_allocated_bq: float
    inputs: tuple[PlanInput, ...] = ()
    fixed_cost: float = 0.0
    variable_cost: float = 0.0


class PlanElution(_Data):
    """One elution of a delivered generator."""

    time_utc: UtcTime
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
    arrive_utc: UtcTime
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
    time_utc: UtcTime
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
    depart_utc: UtcTime
    arrive_utc: UtcTime
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
    administration_utc: UtcTime
    reason: Reason
    detail: str
    doses: int = 1
    """Doses short: all of a booking's, or the part of an order not served."""


class SolverReport(_Data):
    """How the optimiser ended."""

    status: SolveStatus
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
    """A whole plan for one scenario and horizon.

    ``schema_version`` is the ``plan.json`` format: a file without one is version 1 (the
    same records, with times and codes as plain text) and reads as the current version; a
    newer version than :data:`SCHEMA_VERSION` is refused.
    """

    schema_version: Annotated[int, AfterValidator(_version)] = SCHEMA_VERSION
    scenario: str
    planner: str
    start_utc: UtcTime
    end_utc: UtcTime
    earliest_run_utc: UtcTime
    allocations: tuple[PlanAllocation, ...] = ()
    runs: tuple[PlanRun, ...] = ()
    generators: tuple[PlanGenerator, ...] = ()
    generator_use: tuple[PlanGeneratorUse, ...] = ()
    shipments: tuple[PlanShipment, ...] = ()
    unserved: tuple[PlanUnserved, ...] = ()
    kpis: PlanKpis = PlanKpis()
    solver: SolverReport | None = None
    revision: Revision | None = None
    """Set on a re-planned plan: its parent, events and diff (:mod:`isoflow.records.revision`);
    left out of ``plan.json`` otherwise."""

    @model_serializer(mode="wrap")
    def _without_revision(self, handler: SerializerFunctionWrapHandler) -> dict[str, Any]:
        out: dict[str, Any] = handler(self)
        if out.get("revision") is None:
            out.pop("revision", None)
        return out

    @model_validator(mode="before")
    @classmethod
    def _upgrade(cls, data: Any) -> Any:
        """A version 1 file (no ``schema_version``) holds the same records: read it as is."""
        if isinstance(data, dict) and "schema_version" not in data:
            return {"schema_version": 1, **data}
        return data
