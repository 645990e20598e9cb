"""The decay curve of one dose of a planned run, as the dashboard's decay view draws it.

:func:`decay_view` turns a stored :class:`~isoflow.records.plan.Plan`, the scenario it was
made from and one of its allocations (a booking, or the doses of an order from one batch)
into a :class:`DecayOut`: the activity of one dose sampled evenly from its batch's end of
production to its administration, computed by the domain's decay law
(:func:`~isoflow.domain.decay.decay_factors`, λ from the nuclide data), with the instants
that matter marked on it (end of production, QC release, each departure and arrival,
administration) and the prescribed activity with its tolerance band, from the scenario's
dose rule (:func:`~isoflow.scenario.rules.prescribed_activity`,
:func:`~isoflow.scenario.rules.dose_tolerance`). A re-planned plan is read against its base
scenario with its events applied (added or changed bookings).
"""

from __future__ import annotations

from datetime import datetime, timedelta
from enum import StrEnum

from pydantic import BaseModel, ConfigDict

from isoflow.domain.decay import decay_factors
from isoflow.domain.nuclides import default_data
from isoflow.records.plan import Plan, PlanAllocation
from isoflow.scenario.demand import demand_items
from isoflow.scenario.rules import dose_tolerance, prescribed_activity
from isoflow.scenario.schema import Scenario

DEFAULT_POINTS = 121
"""Samples of a curve unless asked otherwise (both ends included)."""
MAX_POINTS = 2001
"""Most samples a curve may ask for."""


class _Out(BaseModel):
    model_config = ConfigDict(frozen=True)


class MarkerKind(StrEnum):
    """What happens to a dose at a marked instant."""

    END_OF_PRODUCTION = "end_of_production"
    RELEASE = "release"
    DEPARTURE = "departure"
    ARRIVAL = "arrival"
    ADMINISTRATION = "administration"


class DecayPoint(_Out):
    """The activity of one dose at one instant [Bq]."""

    time_utc: datetime
    activity_bq: float


class DecayMarker(_Out):
    """A marked instant of a dose's way, with its activity then [Bq]."""

    kind: MarkerKind
    time_utc: datetime
    activity_bq: float
    label: str
    lane: str | None = None
    """The lane of a departure or arrival."""


class DecayOut(_Out):
    """One dose's activity from end of production to administration, marked and banded."""

    run_id: str
    booking: str
    hospital: str
    product: str
    nuclide: str
    batch: str
    site: str
    doses: int
    """Doses of the allocation (the curve is of one of them)."""
    half_life_s: float
    end_of_production_utc: datetime
    administration_utc: datetime
    points: list[DecayPoint]
    """Evenly spaced from end of production to administration, both included."""
    markers: list[DecayMarker]
    """In time order; the first is the end of production, the last the administration."""
    planned_admin_bq: float
    """The plan's own activity at administration (``activity_admin_bq``)."""
    prescribed_bq: float
    tolerance: float
    """Relative tolerance [1] on the activity at administration."""
    band_low_bq: float
    band_high_bq: float


def _allocation(plan: Plan, booking: str, batch: str | None) -> PlanAllocation:
    found = [a for a in plan.allocations if a.booking == booking]
    if batch is not None:
        found = [a for a in found if a.batch == batch]
    if not found:
        what = f"booking or order {booking!r}" + (f" from batch {batch!r}" if batch else "")
        raise LookupError(f"the plan serves no {what}")
    if len(found) > 1:
        batches = ", ".join(a.batch for a in found)
        raise LookupError(f"{booking!r} is served from several batches ({batches}): give one")
    return found[0]


def scenario_of(plan: Plan, scenario: Scenario) -> Scenario:
    """``scenario`` as ``plan`` stands on it: with a revision's events applied."""
    if plan.revision is not None and plan.revision.events:
        from isoflow.scenario.events import apply_events

        return apply_events(scenario, plan.revision.events)
    return scenario


def _marks(plan: Plan, a: PlanAllocation) -> list[tuple[MarkerKind, datetime, str, str | None]]:
    marks: list[tuple[MarkerKind, datetime, str, str | None]] = [
        (MarkerKind.END_OF_PRODUCTION, a.end_of_production_utc, f"end of production {a.batch}",
         None),
    ]  # fmt: skip
    run = next((r for r in plan.runs if r.batch == a.batch), None)
    if run is not None:
        marks.append((MarkerKind.RELEASE, run.release_utc, "QC release", None))
    for leg in a.legs:
        marks.append((MarkerKind.DEPARTURE, leg.depart_utc, f"departs on {leg.lane}", leg.lane))
        marks.append((MarkerKind.ARRIVAL, leg.arrive_utc, f"arrives by {leg.lane}", leg.lane))
    marks.append((MarkerKind.ADMINISTRATION, a.administration_utc, "administration", None))
    order = {k: i for i, k in enumerate(MarkerKind)}
    return sorted(marks, key=lambda m: (m[1], order[m[0]]))


def decay_view(
    run_id: str,
    plan: Plan,
    scenario: Scenario,
    booking: str,
    batch: str | None = None,
    points: int = DEFAULT_POINTS,
) -> DecayOut:
    """The decay curve of ``booking``'s dose in ``plan`` (``batch``: which, if several).

    Raises :class:`LookupError` if the plan does not serve it from one batch, and
    :class:`ValueError` if the scenario lacks its booking or product.
    """
    if not 2 <= points <= MAX_POINTS:
        raise ValueError(f"points must be from 2 to {MAX_POINTS}")
    a = _allocation(plan, booking, batch)
    sc = scenario_of(plan, scenario)
    item = next((d for d in demand_items(sc) if d.id == a.booking), None)
    product = next((p for p in sc.products if p.id == a.product), None)
    if item is None or product is None:
        raise ValueError(f"the scenario has no booking or order {a.booking!r} of {a.product!r}")
    data = default_data()
    nuclide = data.canonical(a.nuclide)
    lam = float(data.decay_constants([nuclide])[0])
    eop = a.end_of_production_utc
    span = (a.administration_utc - eop).total_seconds()
    times = [eop + timedelta(seconds=span * i / (points - 1)) for i in range(points)]
    times[-1] = a.administration_utc
    marks = _marks(plan, a)
    dts = [(t - eop).total_seconds() for t in times] + [(m[1] - eop).total_seconds() for m in marks]
    activity = (a.activity_eop_bq * decay_factors(lam, dts)).tolist()
    prescribed = prescribed_activity(item, product)
    tolerance = dose_tolerance(item, product)
    return DecayOut(
        run_id=run_id,
        booking=a.booking,
        hospital=a.hospital,
        product=a.product,
        nuclide=nuclide,
        batch=a.batch,
        site=a.site,
        doses=a.doses,
        half_life_s=data.half_life_s(nuclide),
        end_of_production_utc=eop,
        administration_utc=a.administration_utc,
        points=[
            DecayPoint(time_utc=t, activity_bq=x) for t, x in zip(times, activity, strict=False)
        ],
        markers=[
            DecayMarker(kind=k, time_utc=t, activity_bq=x, label=label, lane=lane)
            for (k, t, label, lane), x in zip(marks, activity[points:], strict=True)
        ],
        planned_admin_bq=a.activity_admin_bq,
        prescribed_bq=prescribed,
        tolerance=tolerance,
        band_low_bq=prescribed * (1 - tolerance),
        band_high_bq=prescribed * (1 + tolerance),
    )
