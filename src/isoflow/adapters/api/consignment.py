"""The decay curve of a consignment of a planned run: a bulk input or a delivery of generators.

:func:`consignment_view` turns a stored :class:`~isoflow.records.plan.Plan` and one of its
consignments into a :class:`ConsignmentDecayOut`, as the dashboard's decay view draws it:

* a **bulk input** (``kind=input``): activity of an upstream batch shipped into a run
  (``PlanRun.inputs``), from the source batch's end of production to the start of the run that
  uses it, ``A(t) = A_eop · exp(−λ (t − t_eop))``; marked: end of production, QC release, each
  departure and arrival, and the use (the receiving run's start);
* a **delivery of generators** (``kind=generator``): the parent held by the generators of one
  assembly batch at one site (``Plan.generators``), from calibration (the assembly batch's end
  of production, see ``docs/scenario.md``) to the last elution, the same law with the parent's
  λ; marked: calibration, release, departures, arrivals and each elution, labelled with the
  daughter it gives.

λ comes from the nuclide data (:func:`~isoflow.domain.decay.decay_factors`), the times and
activities from the plan record; nothing else is computed.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from enum import StrEnum

from pydantic import BaseModel, ConfigDict

from isoflow.adapters.api.decay import DEFAULT_POINTS, MAX_POINTS, DecayMarker, DecayPoint
from isoflow.adapters.api.decay import MarkerKind as DoseMarker
from isoflow.domain.decay import decay_factors
from isoflow.domain.nuclides import default_data
from isoflow.records.plan import Plan, PlanGenerator, PlanInput, PlanLeg, PlanRun


class ConsignmentKind(StrEnum):
    """What a consignment is."""

    INPUT = "input"
    """Bulk activity of an upstream batch shipped into a run."""
    GENERATOR = "generator"
    """Generators of one assembly batch delivered to one site."""


class ConsignmentMarker(StrEnum):
    """Instants of a consignment's way besides those a dose has (:class:`DoseMarker`)."""

    USE = "use"
    """The receiving run starts: the bulk input is used."""
    ELUTION = "elution"
    """A generator is eluted."""


class ConsignmentDecayOut(BaseModel):
    """One consignment's activity [Bq] over its way, marked (see the module docstring)."""

    model_config = ConfigDict(frozen=True)

    run_id: str
    kind: ConsignmentKind
    batch: str
    """The source batch (a bulk input) or the assembly batch (generators)."""
    to: str
    """The receiving run's batch (a bulk input) or the site the generators are at."""
    product: str
    nuclide: str
    """The nuclide whose activity is drawn (a generator's parent)."""
    half_life_s: float
    start_utc: datetime
    """End of production of the source batch (a generator's calibration)."""
    end_utc: datetime
    """The use (a bulk input) or the last elution (generators; the arrival if none)."""
    activity_start_bq: float
    """The plan's activity at ``start_utc``."""
    points: list[DecayPoint]
    """Evenly spaced from ``start_utc`` to ``end_utc``, both included."""
    markers: list[DecayMarker | ConsignmentMarkerOut]
    """In time order."""


class ConsignmentMarkerOut(BaseModel):
    """A use or an elution, with the consignment's activity then [Bq]."""

    model_config = ConfigDict(frozen=True)

    kind: ConsignmentMarker
    time_utc: datetime
    activity_bq: float
    label: str
    daughter_bq: float | None = None
    """Daughter activity an elution gives [Bq] (generators)."""


Mark = tuple[DoseMarker | ConsignmentMarker, datetime, str, float | None]


def _run(plan: Plan, batch: str) -> PlanRun:
    run = next((r for r in plan.runs if r.batch == batch), None)
    if run is None:
        raise LookupError(f"the plan has no run {batch!r}")
    return run


def _legs(legs: tuple[PlanLeg, ...]) -> list[Mark]:
    out: list[Mark] = []
    for leg in legs:
        out.append((DoseMarker.DEPARTURE, leg.depart_utc, f"departs on {leg.lane}", None))
        out.append((DoseMarker.ARRIVAL, leg.arrive_utc, f"arrives by {leg.lane}", None))
    return out


def _input(plan: Plan, batch: str, to: str) -> tuple[PlanRun, PlanInput, PlanRun]:
    user = _run(plan, to)
    found = next((i for i in user.inputs if i.batch == batch), None)
    if found is None:
        raise LookupError(f"run {to!r} takes no input from batch {batch!r}")
    return _run(plan, batch), found, user


def _generator(plan: Plan, batch: str, to: str) -> PlanGenerator:
    found = next((g for g in plan.generators if g.batch == batch and g.site == to), None)
    if found is None:
        raise LookupError(f"the plan delivers no generators of batch {batch!r} to {to!r}")
    return found


def _way(
    plan: Plan, kind: ConsignmentKind, batch: str, to: str
) -> tuple[str, str, float, list[Mark], datetime]:
    """Product, nuclide, activity at the start, the marks and the end of the way."""
    if kind is ConsignmentKind.INPUT:
        source, inp, user = _input(plan, batch, to)
        marks: list[Mark] = [
            (DoseMarker.END_OF_PRODUCTION, source.end_of_production_utc,
             f"end of production {batch}", None),
            (DoseMarker.RELEASE, source.release_utc, "QC release", None),
            *_legs(inp.legs),
            (ConsignmentMarker.USE, user.start_utc, f"used by {user.batch}", None),
        ]  # fmt: skip
        return inp.product, source.nuclide, inp.activity_eop_bq, marks, user.start_utc
    g = _generator(plan, batch, to)
    source = _run(plan, batch)
    marks = [
        (DoseMarker.END_OF_PRODUCTION, source.end_of_production_utc, f"calibration ({batch})",
         None),
        (DoseMarker.RELEASE, source.release_utc, "QC release", None),
        *_legs(g.legs),
    ]  # fmt: skip
    for e in g.elutions:
        marks.append(
            (ConsignmentMarker.ELUTION, e.time_utc, f"elution: {g.daughter}", e.daughter_bq)
        )
    end = g.elutions[-1].time_utc if g.elutions else g.arrive_utc
    return g.product, g.parent, g.activity_calibration_bq, marks, end


def consignment_view(
    run_id: str,
    plan: Plan,
    kind: ConsignmentKind,
    batch: str,
    to: str,
    points: int = DEFAULT_POINTS,
) -> ConsignmentDecayOut:
    """The decay curve of one consignment of ``plan`` (see the module docstring).

    Raises :class:`LookupError` if the plan has no such consignment, :class:`ValueError` for
    a number of points out of range.
    """
    if not 2 <= points <= MAX_POINTS:
        raise ValueError(f"points must be from 2 to {MAX_POINTS}")
    product, nuclide_name, a0, marks, end = _way(plan, kind, batch, to)
    start = marks[0][1]
    data = default_data()
    nuclide = data.canonical(nuclide_name)
    lam = float(data.decay_constants([nuclide])[0])
    span = (end - start).total_seconds()
    times = [start + timedelta(seconds=span * i / (points - 1)) for i in range(points)]
    times[-1] = end
    order = {k: i for i, k in enumerate([*DoseMarker, *ConsignmentMarker])}
    marks.sort(key=lambda m: (m[1], order[m[0]]))
    dts = [(t - start).total_seconds() for t in times] + [
        (m[1] - start).total_seconds() for m in marks
    ]
    activity = (a0 * decay_factors(lam, dts)).tolist()
    return ConsignmentDecayOut(
        run_id=run_id,
        kind=kind,
        batch=batch,
        to=to,
        product=product,
        nuclide=nuclide,
        half_life_s=data.half_life_s(nuclide),
        start_utc=start,
        end_utc=end,
        activity_start_bq=a0,
        points=[
            DecayPoint(time_utc=t, activity_bq=x) for t, x in zip(times, activity, strict=False)
        ],
        markers=[_marker(m, x) for m, x in zip(marks, activity[points:], strict=True)],
    )


def _marker(m: Mark, activity: float) -> DecayMarker | ConsignmentMarkerOut:
    kind, at, label, daughter = m
    if isinstance(kind, ConsignmentMarker):
        return ConsignmentMarkerOut(
            kind=kind, time_utc=at, activity_bq=activity, label=label, daughter_bq=daughter
        )
    return DecayMarker(kind=kind, time_utc=at, activity_bq=activity, label=label)
