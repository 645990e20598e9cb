"""Reference planner: the true optimum of tiny planning instances, by a time-indexed MILP.

Written apart from the planner (nothing from ``isoflow.engines`` is imported; the scenario is
read through :mod:`isoflow.scenario.schema` only, the half-lives are typed in below), so that
:mod:`test_reference_planner` can compare isoflow's plans with an independent optimum.

Instance family
---------------
One drug product with a fixed dose; producer sites with one process each (no inputs, no
cycles, outages or site dates); direct lanes from producers to hospitals (single legs), on
demand or timetabled; bookings with fixed activities; approvals, GMP markets, export
restrictions. Every instant of an instance (horizon start, plan lead, window bounds,
departures, administrations, durations, QC release, handling, notice, transit, customs,
dispensing buffers, shelf life) lies on a 15-minute grid. :func:`read_instance` refuses any
scenario outside this family.

Rules (``docs/planner-design.md`` and the schema docstrings)
----------------------------------------------------------------
* A run of process ``p`` starts at ``t`` inside one of its weekly windows (site local time,
  ``[open, close)``, ``23:59`` closing at midnight) and not before ``T0 = start - lead``.
  End of production ``EOP = t + duration``, release ``R = EOP + qc_release``.
* Runs of one process do not overlap (``[t, EOP)`` half-open: back to back is allowed) and at
  most ``max_batches_per_day`` start on one local day of the site.
* A dose for booking ``b`` (activity ``a``, administered at ``t_b``) from that run needs
  ``a·exp(λ·(t_b − EOP))`` Bq at EOP; it requires ``0 ≤ t_b − EOP ≤ shelf life``, the product
  approved in the hospital's country, the site's ``gmp_markets`` (if any) listing that country,
  and a departure ``τ`` on a lane from the run's site to the hospital that accepts class 7,
  with ``τ ≥ R + handling`` on a timetable (an instant of it) or ``τ ≥ R + max(handling,
  on_demand_lead)`` on demand (any instant: a dose may wait), no export restriction of the
  origin country at ``τ`` if the lane crosses a border, and ``τ + transit + customs ≤ t_b −
  dispensing_buffer``.
* ``Σ needs of a run's doses ≤ x ≤ batch_max`` and ``x ≥ batch_min`` for a run made.
* A departure (lane, instant) used costs ``cost_per_shipment`` once and ``cost_per_package``
  per dose; it carries at most ``capacity_packages`` doses.
* Objective (isoflow's default ``ObjectiveWeights``): ``Σ 1e6·(6 − priority)/3`` over unserved
  bookings that have at least one option (a booking with none carries no penalty: no plan
  serves it) ``+ Σ (fixed_cost + 1)`` per run ``+ Σ (variable_cost_per_gbq + 0.01)·x[GBq]``
  ``+`` transport.

A dose whose need alone exceeds ``batch_max`` is not an option here (no batch can hold it);
the planner may count it as one, so its penalty set can differ: compare plans with
:func:`evaluate` and this module's penalty set, never with the planner's own objective.

Why a time-indexed model is exact here
--------------------------------------
Fix every combinatorial choice of a plan (which runs, in which window and local day, in which
order, which doses each serves, which departure instant each dose takes, which doses share an
on-demand departure, on which side of an export restriction each departure lies). What
remains is a system of difference constraints on the run starts and on-demand departures
(``t_j ≥ t_i + duration``, ``τ ≥ t + duration + qc + off``, ``t ≤ bound``, ``t ≥ bound``)
whose bounds lie on the grid, except the *strict* upper bounds ``t < window close``,
``t < local midnight`` and ``τ < start of an export restriction``. The cost decreases in every
start (later EOP, less decay) and does not depend on ``τ``; difference systems are closed
under the componentwise maximum, so the latest feasible point is optimal. Its coordinates are
grid values, or a strict bound less one unit of time (one strict bound ends each chain of
constraints). The planner times runs in whole minutes, so the unit is 60 s: candidate starts
and on-demand departures on ``G ∪ (G − 60 s)`` (``G`` the 15-minute grid from ``T0``) give
the optimum over every plan with whole-minute instants. Two doses never need distinct
on-demand departures of one lane for capacity, because instances keep on-demand lanes at a
capacity (50 packages) above the number of bookings (at most 6).

Formulation (variables, rows)
-----------------------------
``y[r]`` run made (binary) and ``x[r]`` its activity at EOP [GBq] for every candidate start
``r`` that can serve a booking; ``z[b,r]`` booking ``b`` served from run ``r``, for options
that pass the run-side rules (binary); ``q[b,l,τ]`` booking ``b`` travels on lane ``l``
leaving at ``τ``, for departures that pass the lane-side rules (binary); ``s[l,τ]`` departure
used (binary); ``u[b]`` unserved; ``w[b,P,e]`` (continuous, ≥ 0) "the dose for ``b`` is ready
at site ``P`` and waits past event ``e``".

* cover        ``Σ_r z[b,r] + u[b] = 1``
* waiting      per booking and producer site ``P``, over the sorted event times ``e`` (release
               instants of ``P``'s runs and latest release ``ρ = τ − off`` of its lanes'
               departures): ``w[e−1] + Σ_{R(r)=e} z[b,r] − Σ_{ρ=e} q[b,l,τ] − w[e] = 0``,
               ``w[last] = 0``. A dose leaves ``P`` once and only after it is ready, i.e.
               ``R(chosen run) ≤ ρ(chosen departure)``, and it leaves from the site that made it.
* batch        ``Σ_b need[b,r]·z[b,r] − x[r] ≤ 0``; ``batch_min·y ≤ x ≤ batch_max·y``;
               ``z[b,r] ≤ y[r]`` (tightening only)
* overlap      per process and candidate start ``σ``: ``Σ_{t ≤ σ < t + d} y[t] ≤ 1``
* per day      per process and local day: ``Σ y ≤ max_batches_per_day``
* shipments    ``q[b,l,τ] ≤ s[l,τ]``; ``Σ_b q[b,l,τ] ≤ capacity_packages·s[l,τ]``

The MILP is solved with HiGHS (presolve off: it spent seconds probing these models) to a
relative gap of 1e-9; the solution is rounded, activities are set to ``max(batch_min, Σ
needs)`` and the result is re-checked and re-costed by :func:`evaluate`, the same code that
judges isoflow's plans, which must agree with the MILP's objective.

Diagnosis
---------
:class:`Variant` restricts the model to one simplification a planner may make (its own
candidate starts, earliest-arrival routes only, one dispensing buffer for all hospitals):
when the restricted optimum equals a plan's cost, that simplification explains the gap.

When this module was written its optima were also checked by exhaustive enumeration (every
whole-minute start for one booking; every combination of options for two or three) and by
``isoflow verify``, which accepted all of them.
"""

from __future__ import annotations

import bisect
import itertools
import math
import time
from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field, replace
from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

import highspy
import numpy as np
import scipy.sparse as sp

from isoflow.scenario.schema import Scenario, Stage

# ------------------------------------------------------------------------------- constants

HALF_LIFE_S: dict[str, float] = {
    # ICRP-107 (the data set isoflow ships). NNDC/ENSDF values differ for two of them:
    # Tc-99m 6.0067 h = 21624.12 s (ICRP-107: 6.015 h, 29.88 s longer) and Cu-64
    # 12.7003 h = 45721.1 s (ICRP-107: 12.7 h, 1.1 s shorter). A reference that decays with
    # other data than the plan it judges would differ by ~1e-3 relative over a day, far above
    # the comparison's tolerance, so the ICRP-107 values are typed here.
    "F-18": 109.77 * 60.0,  # 6586.2 s
    "Ga-68": 67.71 * 60.0,  # 4062.6 s
    "Tc-99m": 6.015 * 3600.0,  # 21654 s
    "Cu-64": 12.7 * 3600.0,  # 45720 s
}
"""Half-lives [s] of the nuclides the reference supports."""

GRID_S = 900.0
"""The 15-minute grid every instant of an instance lies on [s]."""
UNIT_S = 60.0
"""Resolution of run starts [s]: the planner times runs in whole minutes."""
GBQ = 1e9

UNSERVED = 1e6
"""Penalty of an unserved priority-3 booking; priority p is weighted by (6 − p)/3."""
PER_RUN = 1.0
"""Added to every run's fixed cost."""
WASTE_PER_GBQ = 0.01
"""Added to every GBq's variable cost."""

TIME_SLACK_S = 1e-3
"""Tolerance on instants [s] when judging a plan (plans print microseconds)."""
ACTIVITY_REL = 1e-6
"""Relative tolerance on activities when judging a plan (a solver's round-off, as in
``isoflow verify``)."""
OPTION_REL = 1e-9
"""Relative round-off allowed when the reference decides that a dose fits a batch."""

WEEKDAYS = ("Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun")


def priority_weight(priority: int) -> float:
    """Weight of a booking's priority in the penalty: (6 − p)/3."""
    return (6.0 - priority) / 3.0


def iso(t: float) -> str:
    """An epoch instant as a short UTC string (seconds only when not whole minutes)."""
    d = datetime.fromtimestamp(t, UTC)
    fmt = "%Y-%m-%dT%H:%MZ" if d.second == 0 and d.microsecond == 0 else "%Y-%m-%dT%H:%M:%SZ"
    return d.strftime(fmt)


# ------------------------------------------------------------------------------- instance


@dataclass(frozen=True)
class RBooking:
    """A booking in the horizon."""

    id: str
    hospital: str
    country: str
    time: float
    activity: float
    priority: int
    buffer: float
    """The hospital's dispensing buffer [s]."""


@dataclass(frozen=True)
class RProcess:
    """A producing process and what its site contributes."""

    id: str
    site: str
    country: str
    timezone: str
    gmp: frozenset[str]
    duration: float
    qc: float
    batch_min: float
    batch_max: float
    per_day: int
    fixed: float
    variable: float
    windows: tuple[tuple[frozenset[str], int, int], ...]
    """(weekdays, open minute, close minute; 1440 = midnight)."""


@dataclass(frozen=True)
class RLane:
    """A direct lane from a producer site to a hospital."""

    id: str
    origin: str
    destination: str
    origin_country: str
    crossing: bool
    timetable: tuple[tuple[frozenset[str], int], ...]
    """(weekdays, departure minute); empty: on demand."""
    timezone: str
    offset: float
    """Least time from release to departure: handling, or max(handling, notice) on demand."""
    transit: float
    """Transit plus customs [s]."""
    ship_cost: float
    package_cost: float
    capacity: int
    class7: bool


@dataclass(frozen=True)
class Instance:
    """A tiny planning instance, in plain numbers (epoch seconds, Bq)."""

    earliest: float
    start: float
    end: float
    product: str
    nuclide: str
    lam: float
    shelf: float
    bookings: tuple[RBooking, ...]
    processes: tuple[RProcess, ...]
    lanes: tuple[RLane, ...]
    approved: frozenset[str] | None
    restrictions: tuple[tuple[str, frozenset[str], float, float], ...]
    """(country, products or empty for all, start, end) of export restrictions."""

    def booking(self, booking_id: str) -> RBooking:
        """The booking with this id."""
        return next(b for b in self.bookings if b.id == booking_id)

    def process(self, process_id: str) -> RProcess:
        """The process with this id."""
        return next(p for p in self.processes if p.id == process_id)

    def lane(self, lane_id: str) -> RLane:
        """The lane with this id."""
        return next(lane for lane in self.lanes if lane.id == lane_id)

    def export_blocked(self, lane: RLane, when: float) -> bool:
        """True if the origin country restricts exports of the product at ``when``."""
        if not lane.crossing:
            return False
        return any(
            c == lane.origin_country and (not prods or self.product in prods) and lo <= when < hi
            for c, prods, lo, hi in self.restrictions
        )


def _on_grid(value: float, what: str, base: float = 0.0) -> None:
    if abs((value - base) / GRID_S - round((value - base) / GRID_S)) > 1e-9:
        raise ValueError(f"{what} = {value} is not on the 15-minute grid")


def _minutes(clock: str) -> int:
    hours, minutes = clock.split(":")
    return int(hours) * 60 + int(minutes)


def read_instance(sc: Scenario, start: datetime, horizon_s: float, lead_s: float) -> Instance:
    """The instance of a scenario over ``[start, start + horizon_s)`` with runs from
    ``start − lead_s``; ValueError if the scenario is outside the supported family."""
    t_start = start.timestamp()
    _on_grid(t_start, "horizon start")
    _on_grid(lead_s, "lead")
    _on_grid(horizon_s, "horizon")
    drugs = [p for p in sc.products if p.stage == Stage.DRUG_PRODUCT]
    if len(sc.products) != 1 or len(drugs) != 1:
        raise ValueError("the reference plans exactly one drug product")
    product = drugs[0]
    if product.nuclide not in HALF_LIFE_S:
        raise ValueError(f"no half-life for {product.nuclide}")
    if product.shelf_life is None or product.dose is None or product.dose.activity is None:
        raise ValueError("the product needs a shelf life and a fixed dose")
    if product.transport.ti_per_gbq > 0 or product.transport.max_activity_per_package:
        raise ValueError("transport-index and per-package limits are not modelled")
    _on_grid(float(product.shelf_life), "shelf life")
    if sc.policies.exclusive_distribution or sc.policies.supply_agreements:
        raise ValueError("contracts are not modelled")
    sites = {s.id: s for s in sc.sites}
    for s in sc.sites:
        if s.start is not None or s.end is not None:
            raise ValueError("site dates are not modelled")
        _on_grid(float(s.dispensing_buffer), f"dispensing buffer of {s.id}")
        if datetime(2025, 1, 1, tzinfo=ZoneInfo(s.timezone)).utcoffset() is None:
            raise ValueError(f"time zone of {s.id}")
    processes = []
    for p in sc.processes:
        if p.output != product.id or p.inputs:
            raise ValueError("only input-free processes of the product are modelled")
        av = p.availability
        if av.cycle is not None or av.outages:
            raise ValueError("operating cycles and outages are not modelled")
        _on_grid(p.duration, f"duration of {p.id}")
        _on_grid(p.qc_release, f"QC release of {p.id}")
        site = sites[p.site]
        windows = []
        for w in av.windows:
            lo = _minutes(w.start)
            hi = 1440 if w.end == "23:59" else _minutes(w.end)
            if lo % 15 or hi % 15:
                raise ValueError(f"window of {p.id} is not on the grid")
            windows.append((frozenset(str(d) for d in w.days), lo, hi))
        processes.append(
            RProcess(
                id=p.id,
                site=p.site,
                country=site.country,
                timezone=site.timezone,
                gmp=frozenset(site.gmp_markets),
                duration=float(p.duration),
                qc=float(p.qc_release),
                batch_min=float(p.batch_min),
                batch_max=float(p.batch_max),
                per_day=int(p.max_batches_per_day),
                fixed=float(p.fixed_cost),
                variable=float(p.variable_cost_per_gbq),
                windows=tuple(windows),
            )
        )
    if len({p.site for p in processes}) != len(processes):
        raise ValueError("one process per producer site")
    producer_sites = {p.site for p in processes}
    lanes = []
    for lane in sc.lanes:
        if lane.origin not in producer_sites or lane.destination in producer_sites:
            raise ValueError("only direct lanes from producers to hospitals are modelled")
        origin, dest = sites[lane.origin], sites[lane.destination]
        customs = float(lane.border.customs_delay) if lane.border is not None else 0.0
        for value, what in (
            (lane.transit, "transit"),
            (customs, "customs"),
            (lane.handling, "handling"),
            (lane.on_demand_lead, "notice"),
        ):
            _on_grid(float(value), f"{what} of {lane.id}")
        timetable = []
        for dep in lane.timetable:
            minute = _minutes(dep.time)
            if minute % 15:
                raise ValueError(f"departure of {lane.id} is not on the grid")
            timetable.append((frozenset(str(d) for d in dep.days), minute))
        if not timetable and lane.capacity_packages < len(sc.demand.bookings):
            raise ValueError("on-demand lanes must not bind on packages (see the docstring)")
        offset = float(lane.handling)
        if not timetable:
            offset = max(offset, float(lane.on_demand_lead))
        lanes.append(
            RLane(
                id=lane.id,
                origin=lane.origin,
                destination=lane.destination,
                origin_country=origin.country,
                crossing=origin.country != dest.country,
                timetable=tuple(timetable),
                timezone=origin.timezone,
                offset=offset,
                transit=float(lane.transit) + customs,
                ship_cost=float(lane.cost_per_shipment),
                package_cost=float(lane.cost_per_package),
                capacity=int(lane.capacity_packages),
                class7=bool(lane.accepts_class7),
            )
        )
    t_end = t_start + horizon_s
    bookings = []
    for b in sc.demand.bookings:
        t_b = b.administration.timestamp()
        if not t_start <= t_b < t_end:
            continue
        _on_grid(t_b, f"administration of {b.id}")
        if b.product != product.id or b.patient_kg is not None:
            raise ValueError("bookings of the product with fixed activities only")
        hosp = sites[b.hospital]
        bookings.append(
            RBooking(
                id=b.id,
                hospital=b.hospital,
                country=hosp.country,
                time=t_b,
                activity=float(b.activity if b.activity is not None else product.dose.activity),
                priority=int(b.priority),
                buffer=float(hosp.dispensing_buffer),
            )
        )
    approved: set[str] | None = None
    for a in sc.policies.approvals:
        if a.product == product.id:
            approved = (approved or set()) | set(a.countries)
    restrictions = tuple(
        (
            r.country,
            frozenset(r.products),
            r.start.timestamp(),
            r.end.timestamp() if r.end is not None else math.inf,
        )
        for r in sc.policies.export_restrictions
    )
    return Instance(
        earliest=t_start - lead_s,
        start=t_start,
        end=t_end,
        product=product.id,
        nuclide=product.nuclide,
        lam=math.log(2.0) / HALF_LIFE_S[product.nuclide],
        shelf=float(product.shelf_life),
        bookings=tuple(bookings),
        processes=tuple(processes),
        lanes=tuple(lanes),
        approved=frozenset(approved) if approved is not None else None,
        restrictions=restrictions,
    )


# ------------------------------------------------------------------------------- calendars


def _local_days(zone: ZoneInfo, lo: float, hi: float) -> list[date]:
    first = datetime.fromtimestamp(lo, UTC).astimezone(zone).date() - timedelta(days=1)
    last = datetime.fromtimestamp(hi, UTC).astimezone(zone).date() + timedelta(days=1)
    return [first + timedelta(days=i) for i in range((last - first).days + 1)]


def _local_instant(day: date, minute: int, zone: ZoneInfo) -> float:
    if minute >= 1440:
        day, minute = day + timedelta(days=1), minute - 1440
    return datetime(
        day.year, day.month, day.day, minute // 60, minute % 60, tzinfo=zone
    ).timestamp()


def window_intervals(proc: RProcess, lo: float, hi: float) -> list[tuple[float, float]]:
    """Every ``[open, close)`` interval [epoch s] of the process's weekly windows near
    ``[lo, hi]`` (one per local day and window, unmerged)."""
    zone = ZoneInfo(proc.timezone)
    out = []
    for day in _local_days(zone, lo, hi):
        for days, open_min, close_min in proc.windows:
            if WEEKDAYS[day.weekday()] in days:
                out.append(
                    (_local_instant(day, open_min, zone), _local_instant(day, close_min, zone))
                )
    return sorted(out)


def departures(lane: RLane, lo: float, hi: float) -> list[float]:
    """Timetabled departures [epoch s] of a lane in ``[lo, hi]``."""
    zone = ZoneInfo(lane.timezone)
    out = {
        t
        for day in _local_days(zone, lo, hi)
        for days, minute in lane.timetable
        if WEEKDAYS[day.weekday()] in days
        for t in (_local_instant(day, minute, zone),)
        if lo <= t <= hi
    }
    return sorted(out)


def local_day(t: float, timezone: str) -> int:
    """Ordinal of the local date of instant ``t`` at a site."""
    return datetime.fromtimestamp(t, UTC).astimezone(ZoneInfo(timezone)).toordinal()


# ------------------------------------------------------------------------------- plans


@dataclass(frozen=True)
class PRun:
    """A run of a plan: process, start [epoch s], activity at EOP [Bq]."""

    process: str
    start: float
    activity: float


@dataclass(frozen=True)
class PDose:
    """A booking served: from the run (process, start), on lane leaving at depart."""

    booking: str
    process: str
    start: float
    lane: str
    depart: float
    legs: int = 1


@dataclass(frozen=True)
class Judgement:
    """A plan judged by the reference's rules and objective."""

    objective: float
    penalty: float
    production: float
    transport: float
    served: frozenset[str]
    served_weight: float
    """Σ (6 − priority)/3 over served bookings."""
    violations: tuple[str, ...]


def need_bq(inst: Instance, booking: RBooking, eop: float) -> float:
    """Activity [Bq] at EOP that decays to the booking's activity at administration."""
    return booking.activity * math.exp(inst.lam * (booking.time - eop))


def window_ok(inst: Instance, proc: RProcess, t: float) -> bool:
    """True if a run of ``proc`` may start at ``t`` (window, plan lead)."""
    if t < inst.earliest - TIME_SLACK_S:
        return False
    return any(lo - TIME_SLACK_S <= t < hi for lo, hi in window_intervals(proc, t, t))


def market_ok(inst: Instance, proc: RProcess, booking: RBooking) -> bool:
    """Approval of the product in the booking's country and GMP markets of the site."""
    if inst.approved is not None and booking.country not in inst.approved:
        return False
    return not proc.gmp or booking.country in proc.gmp


def evaluate(
    inst: Instance, runs: Sequence[PRun], doses: Sequence[PDose], penalised: Iterable[str]
) -> Judgement:
    """Every rule a plan breaks, and its objective with the reference's penalty set."""
    bad: list[str] = []
    by_run: dict[tuple[str, float], PRun] = {}
    for r in runs:
        if r.process not in {p.id for p in inst.processes}:
            bad.append(f"run {r.process}@{iso(r.start)}: unknown process")
            continue
        proc = inst.process(r.process)
        key = (r.process, round(r.start, 1))
        if key in by_run:
            bad.append(f"run {r.process}@{iso(r.start)} twice")
        by_run[key] = r
        if not window_ok(inst, proc, r.start):
            bad.append(f"run {r.process}@{iso(r.start)}: starts outside its windows or lead")
        if r.activity > proc.batch_max * (1 + ACTIVITY_REL):
            bad.append(f"run {r.process}@{iso(r.start)}: {r.activity:.9g} Bq > batch_max")
        if r.activity < proc.batch_min * (1 - ACTIVITY_REL):
            bad.append(f"run {r.process}@{iso(r.start)}: {r.activity:.9g} Bq < batch_min")
    for proc in inst.processes:
        starts = sorted(r.start for r in runs if r.process == proc.id)
        for t0, t1 in itertools.pairwise(starts):
            if t1 < t0 + proc.duration - TIME_SLACK_S:
                bad.append(f"runs {proc.id}@{iso(t0)} and @{iso(t1)} overlap")
        per_day: dict[int, int] = defaultdict(int)
        for t in starts:
            per_day[local_day(t, proc.timezone)] += 1
        bad.extend(
            f"{proc.id}: {n} runs on local day {date.fromordinal(d)}"
            for d, n in per_day.items()
            if n > proc.per_day
        )
    used: dict[tuple[str, float], float] = defaultdict(float)
    packages: dict[tuple[str, float], int] = defaultdict(int)
    served: set[str] = set()
    known = {b.id for b in inst.bookings}
    for d in doses:
        subject = f"dose {d.booking}"
        if d.booking not in known:
            bad.append(f"{subject}: not a booking of the horizon")
            continue
        if d.booking in served:
            bad.append(f"{subject}: served twice")
        served.add(d.booking)
        b = inst.booking(d.booking)
        run = by_run.get((d.process, round(d.start, 1)))
        if run is None:
            bad.append(f"{subject}: run {d.process}@{iso(d.start)} is not in the plan")
            continue
        proc = inst.process(d.process)
        eop = d.start + proc.duration
        age = b.time - eop
        if age < -TIME_SLACK_S or age > inst.shelf + TIME_SLACK_S:
            bad.append(f"{subject}: {age / 3600:.2f} h from EOP to administration")
        if not market_ok(inst, proc, b):
            bad.append(f"{subject}: {proc.site} may not supply {b.country} (approval or GMP)")
        used[(d.process, round(d.start, 1))] += need_bq(inst, b, eop)
        if d.legs != 1:
            bad.append(f"{subject}: {d.legs} legs (only direct lanes exist)")
            continue
        if d.lane not in {lane.id for lane in inst.lanes}:
            bad.append(f"{subject}: unknown lane {d.lane}")
            continue
        lane = inst.lane(d.lane)
        if lane.origin != proc.site or lane.destination != b.hospital:
            bad.append(f"{subject}: lane {lane.id} does not join {proc.site} to {b.hospital}")
        if not lane.class7:
            bad.append(f"{subject}: lane {lane.id} refuses class 7")
        if d.depart < eop + proc.qc + lane.offset - TIME_SLACK_S:
            bad.append(f"{subject}: leaves {iso(d.depart)} before release + handling/notice")
        if lane.timetable and not any(
            abs(t - d.depart) <= TIME_SLACK_S
            for t in departures(lane, d.depart - 60.0, d.depart + 60.0)
        ):
            bad.append(f"{subject}: {lane.id} has no departure at {iso(d.depart)}")
        if inst.export_blocked(lane, d.depart):
            bad.append(f"{subject}: {lane.id} leaves during an export restriction")
        if d.depart + lane.transit > b.time - b.buffer + TIME_SLACK_S:
            bad.append(
                f"{subject}: arrives {iso(d.depart + lane.transit)}, later than "
                f"{iso(b.time - b.buffer)} (dispensing buffer {b.buffer / 60:.0f} min)"
            )
        packages[(lane.id, round(d.depart, 1))] += 1
    for key, amount in used.items():
        run = by_run[key]
        if amount > run.activity * (1 + ACTIVITY_REL) + 1.0:
            bad.append(f"run {key[0]}@{iso(key[1])}: doses need {amount:.9g} Bq of {run.activity}")
    for (lane_id, dep), n in packages.items():
        if n > inst.lane(lane_id).capacity:
            bad.append(f"{lane_id} at {iso(dep)}: {n} packages > {inst.lane(lane_id).capacity}")
    production = 0.0
    for r in runs:
        if r.process in {p.id for p in inst.processes}:
            proc = inst.process(r.process)
            production += proc.fixed + PER_RUN + (proc.variable + WASTE_PER_GBQ) * r.activity / GBQ
    transport = 0.0
    for (lane_id, _), n in packages.items():
        lane = inst.lane(lane_id)
        transport += lane.ship_cost + lane.package_cost * n
    weights = {b.id: priority_weight(b.priority) for b in inst.bookings}
    penalty = sum(UNSERVED * weights[b] for b in set(penalised) - served)
    return Judgement(
        objective=penalty + production + transport,
        penalty=penalty,
        production=production,
        transport=transport,
        served=frozenset(served),
        served_weight=sum(weights[b] for b in served),
        violations=tuple(bad),
    )


def describe(runs: Sequence[PRun], doses: Sequence[PDose], judgement: Judgement) -> str:
    """A plan in a few lines: runs, doses, objective."""
    lines = [
        f"  objective {judgement.objective:.6f} = penalty {judgement.penalty:.3f} + production "
        f"{judgement.production:.6f} + transport {judgement.transport:.3f}",
        f"  served {sorted(judgement.served)} (weight {judgement.served_weight:.4f})",
    ]
    lines.extend(
        f"  run {r.process}@{iso(r.start)} {r.activity / GBQ:.6f} GBq"
        for r in sorted(runs, key=lambda r: (r.process, r.start))
    )
    lines.extend(
        f"  dose {d.booking} <- {d.process}@{iso(d.start)} via {d.lane} at {iso(d.depart)}"
        for d in sorted(doses, key=lambda d: d.booking)
    )
    lines.extend(f"  VIOLATION {v}" for v in judgement.violations)
    return "\n".join(lines)


# ------------------------------------------------------------------------------- the MILP


class _Model:
    """A MILP assembled column by column and row by row (COO), solved with HiGHS."""

    def __init__(self) -> None:
        self.cost: list[float] = []
        self.lower: list[float] = []
        self.upper: list[float] = []
        self.integer: list[bool] = []
        self.row_lower: list[float] = []
        self.row_upper: list[float] = []
        self.rows: list[int] = []
        self.cols: list[int] = []
        self.vals: list[float] = []

    def var(self, cost: float = 0.0, upper: float = 1.0, integer: bool = False) -> int:
        self.cost.append(cost)
        self.lower.append(0.0)
        self.upper.append(upper)
        self.integer.append(integer)
        return len(self.cost) - 1

    def row(self, terms: Iterable[tuple[int, float]], lower: float, upper: float) -> None:
        r = len(self.row_lower)
        for c, v in terms:
            self.rows.append(r)
            self.cols.append(c)
            self.vals.append(v)
        self.row_lower.append(lower)
        self.row_upper.append(upper)

    def solve(self, gap: float, time_limit_s: float) -> tuple[np.ndarray, float, float]:
        """Solve to optimality; once more if HiGHS ends without a status, then raise with both.

        ("Not Set" at once is what HiGHS gives when this process's thread pool was started
        with another thread count: every in-process HiGHS of the tests uses one thread.)
        """
        tried: list[str] = []
        for _ in range(2):
            t0 = time.perf_counter()
            found = self._solve_once(gap, time_limit_s)
            if isinstance(found, tuple):
                return found
            tried.append(f"{found} after {time.perf_counter() - t0:.1f} s")
        raise RuntimeError(f"reference MILP not solved to optimality: {'; '.join(tried)}")

    def _solve_once(self, gap: float, time_limit_s: float) -> tuple[np.ndarray, float, float] | str:
        n, m = len(self.cost), len(self.row_lower)
        a = sp.coo_matrix((self.vals, (self.rows, self.cols)), shape=(m, n)).tocsc()
        a.sum_duplicates()
        h = highspy.Highs()
        h.setOptionValue("output_flag", False)
        # HiGHS's presolve spends seconds probing these models (2.8 s of 3.0 s on a 3,500-column
        # one); without it the same optimum takes a fraction of a second
        h.setOptionValue("presolve", "off")
        h.setOptionValue("threads", 1)
        h.setOptionValue("random_seed", 0)
        h.setOptionValue("time_limit", float(time_limit_s))
        h.setOptionValue("mip_rel_gap", gap)
        h.setOptionValue("mip_abs_gap", 1e-9)
        h.setOptionValue("mip_feasibility_tolerance", 1e-9)
        h.setOptionValue("primal_feasibility_tolerance", 1e-9)
        lp = highspy.HighsLp()
        lp.num_col_, lp.num_row_ = n, m
        lp.col_cost_ = np.array(self.cost, dtype=np.float64)
        lp.col_lower_ = np.array(self.lower, dtype=np.float64)
        lp.col_upper_ = np.array(self.upper, dtype=np.float64)
        lp.row_lower_ = np.array(self.row_lower, dtype=np.float64)
        lp.row_upper_ = np.array(self.row_upper, dtype=np.float64)
        lp.a_matrix_.format_ = highspy.MatrixFormat.kColwise
        lp.a_matrix_.start_ = a.indptr.astype(np.int32)
        lp.a_matrix_.index_ = a.indices.astype(np.int32)
        lp.a_matrix_.value_ = a.data.astype(np.float64)
        kinds = highspy.HighsVarType
        lp.integrality_ = [kinds.kInteger if i else kinds.kContinuous for i in self.integer]
        h.passModel(lp)
        h.run()
        status = h.modelStatusToString(h.getModelStatus())
        if status != "Optimal":
            return str(status)
        info = h.getInfo()
        values = np.array(h.getSolution().col_value, dtype=np.float64)
        return values, float(info.objective_function_value), float(info.mip_dual_bound)


@dataclass(frozen=True)
class Variant:
    """Restrictions of the reference, for diagnosis only (the tests judge the full model).

    Each imitates one simplification of a planner, so that a gap between a plan and the
    optimum can be attributed: solved with all three the reference should match a planner
    that makes exactly these simplifications.
    """

    starts: dict[str, tuple[float, ...]] | None = None
    """Candidate starts per process id, instead of ``G ∪ (G − 60 s)``."""
    earliest_route: bool = False
    """Each dose takes the earliest-arriving departure from its run's release (first usable
    departure of each lane, a lane blocked by an export restriction at that departure not
    used, first lane on ties); on demand, no waiting."""
    buffer_s: float | None = None
    """One dispensing buffer for every hospital instead of each hospital's own."""


FULL = Variant()


@dataclass
class Solution:
    """The reference optimum of an instance."""

    instance: Instance
    runs: tuple[PRun, ...]
    doses: tuple[PDose, ...]
    penalised: frozenset[str]
    """Bookings with at least one option (they carry a penalty when unserved)."""
    judgement: Judgement
    milp_objective: float
    milp_bound: float
    options: dict[str, int] = field(default_factory=dict)
    """Per booking: (run, departure) pairs that serve it."""
    size: dict[str, int] = field(default_factory=dict)

    @property
    def objective(self) -> float:
        """Objective of the optimum, recomputed by :func:`evaluate`."""
        return self.judgement.objective

    def text(self) -> str:
        """The optimum in a few lines."""
        return describe(self.runs, self.doses, self.judgement)


def grid_starts(inst: Instance, proc: RProcess) -> list[float]:
    """Candidate starts of a process: ``G ∪ (G − 60 s)`` from T0, inside its windows, not
    after the last administration."""
    latest = max((b.time for b in inst.bookings), default=inst.earliest) - proc.duration
    n = math.floor((latest - inst.earliest) / GRID_S) + 1
    raw = [inst.earliest + k * GRID_S + off for k in range(n + 1) for off in (-UNIT_S, 0.0)]
    wins = window_intervals(proc, inst.earliest, latest)
    return [t for t in raw if inst.earliest <= t <= latest and any(lo <= t < hi for lo, hi in wins)]


@dataclass
class _Options:
    """Candidate columns of the MILP before it is built."""

    runs: list[tuple[int, float]] = field(default_factory=list)
    """(process index, start) of candidate runs."""
    z: dict[int, list[tuple[int, float]]] = field(default_factory=dict)
    """Per booking: (run, need at EOP [Bq]) that pass the run-side rules."""
    q: dict[int, list[tuple[int, float]]] = field(default_factory=dict)
    """Per booking: (lane, departure) that pass the lane-side rules."""
    forced: dict[tuple[int, int], tuple[int, float]] = field(default_factory=dict)
    """Earliest-route variant: (booking, run) -> the (lane, departure) it must take."""

    def release(self, inst: Instance, r: int) -> float:
        pi, t = self.runs[r]
        return t + inst.processes[pi].duration + inst.processes[pi].qc

    def site(self, inst: Instance, r: int) -> str:
        return inst.processes[self.runs[r][0]].site


def _run_options(inst: Instance, variant: Variant) -> _Options:
    """Runs and run-side options: window, lead, shelf life, markets, need ≤ batch_max."""
    o = _Options()
    index: dict[tuple[int, float], int] = {}
    for pi, proc in enumerate(inst.processes):
        if variant.starts is not None:
            starts = [t for t in variant.starts.get(proc.id, ()) if window_ok(inst, proc, t)]
        else:
            starts = grid_starts(inst, proc)
        for t in sorted(set(starts)):
            index[(pi, t)] = len(o.runs)
            o.runs.append((pi, t))
    for bi, b in enumerate(inst.bookings):
        opts = []
        for r, (pi, t) in enumerate(o.runs):
            proc = inst.processes[pi]
            eop = t + proc.duration
            if not market_ok(inst, proc, b) or not 0.0 <= b.time - eop <= inst.shelf:
                continue
            need = need_bq(inst, b, eop)
            if need <= proc.batch_max * (1 + OPTION_REL):
                opts.append((r, need))
        o.z[bi] = opts
    return o


def _usable(inst: Instance, lane: RLane, b: RBooking, tau: float) -> bool:
    """Lane-side rules of a departure for a booking: export, arrival before the buffer."""
    return not inst.export_blocked(lane, tau) and tau + lane.transit <= b.time - b.buffer


def _departure_options(inst: Instance, o: _Options, variant: Variant) -> None:
    """Departures each booking may take (every usable one, or each run's earliest)."""
    for bi, b in enumerate(inst.bookings):
        lanes = [
            li
            for li, lane in enumerate(inst.lanes)
            if lane.destination == b.hospital and lane.class7
        ]
        found: set[tuple[int, float]] = set()
        if variant.earliest_route:
            for r, _ in o.z[bi]:
                pick = _earliest(inst, lanes, o.site(inst, r), o.release(inst, r))
                if pick is not None and _usable(inst, inst.lanes[pick[0]], b, pick[1]):
                    o.forced[(bi, r)] = pick
                    found.add(pick)
        else:
            for li in lanes:
                lane = inst.lanes[li]
                ready = [o.release(inst, r) for r, _ in o.z[bi] if o.site(inst, r) == lane.origin]
                if not ready:
                    continue
                lo, hi = min(ready) + lane.offset, b.time - b.buffer - lane.transit
                if lane.timetable:
                    taus = departures(lane, lo, hi)
                else:  # on demand: G ∪ (G − 60 s) (see the module docstring)
                    k0 = math.ceil((lo - inst.earliest) / GRID_S - 1e-9)
                    k1 = math.floor((hi - inst.earliest) / GRID_S + 1e-9) + 1
                    taus = [
                        inst.earliest + k * GRID_S + off
                        for k in range(k0, k1 + 1)
                        for off in (-UNIT_S, 0.0)
                    ]
                found.update(
                    (li, tau)
                    for tau in taus
                    if lo <= tau <= hi and tau >= inst.earliest and _usable(inst, lane, b, tau)
                )
        o.q[bi] = sorted(found)


def _earliest(
    inst: Instance, lanes: list[int], site: str, ready: float
) -> tuple[int, float] | None:
    """The earliest-arriving (lane, departure) from ``site`` released at ``ready``."""
    best: tuple[float, int, float] | None = None
    for li in lanes:
        lane = inst.lanes[li]
        if lane.origin != site:
            continue
        if lane.timetable:
            later = departures(lane, ready + lane.offset, ready + lane.offset + 8 * 86400.0)
            if not later:
                continue
            tau = later[0]
        else:
            tau = ready + lane.offset
        if inst.export_blocked(lane, tau):
            continue
        if best is None or tau + lane.transit < best[0]:
            best = (tau + lane.transit, li, tau)
    return (best[1], best[2]) if best is not None else None


def _prune(inst: Instance, o: _Options) -> None:
    """Keep run-side options that some departure from their site can carry, and departures
    that some run-side option is released in time for (to a fixed point: two passes)."""
    for _ in range(2):
        for bi in o.z:
            latest: dict[str, float] = defaultdict(lambda: -math.inf)
            for li, tau in o.q.get(bi, []):
                lane = inst.lanes[li]
                latest[lane.origin] = max(latest[lane.origin], tau - lane.offset)
            o.z[bi] = [
                (r, need)
                for r, need in o.z[bi]
                if o.release(inst, r) <= latest[o.site(inst, r)]
                and (not o.forced or (bi, r) in o.forced)
            ]
            first: dict[str, float] = defaultdict(lambda: math.inf)
            for r, _ in o.z[bi]:
                first[o.site(inst, r)] = min(first[o.site(inst, r)], o.release(inst, r))
            o.q[bi] = [
                (li, tau)
                for li, tau in o.q.get(bi, [])
                if first[inst.lanes[li].origin] <= tau - inst.lanes[li].offset
            ]


def _pairs(inst: Instance, o: _Options, bi: int) -> int:
    """Number of (run, departure) pairs that serve booking ``bi``."""
    if o.forced:
        return sum(1 for (bj, r) in o.forced if bj == bi and any(rr == r for rr, _ in o.z[bi]))
    latest: dict[str, list[float]] = defaultdict(list)
    for li, tau in o.q[bi]:
        latest[inst.lanes[li].origin].append(tau - inst.lanes[li].offset)
    for values in latest.values():
        values.sort()
    return sum(
        len(latest[o.site(inst, r)])
        - bisect.bisect_left(latest[o.site(inst, r)], o.release(inst, r))
        for r, _ in o.z[bi]
    )


def solve_reference(
    sc: Scenario,
    start: datetime,
    horizon_s: float,
    lead_s: float,
    variant: Variant = FULL,
    gap: float = 1e-9,
    time_limit_s: float = 60.0,
) -> Solution:
    """The optimal plan of a tiny scenario (see the module docstring)."""
    inst = read_instance(sc, start, horizon_s, lead_s)
    if variant.buffer_s is not None:
        inst = replace(
            inst,
            bookings=tuple(replace(b, buffer=variant.buffer_s) for b in inst.bookings),
        )
    o = _run_options(inst, variant)
    _departure_options(inst, o, variant)
    _prune(inst, o)
    penalised = frozenset(inst.bookings[bi].id for bi, opts in o.z.items() if opts)

    m = _Model()
    used = sorted({r for opts in o.z.values() for r, _ in opts})
    y = {r: m.var(cost=inst.processes[o.runs[r][0]].fixed + PER_RUN, integer=True) for r in used}
    x = {
        r: m.var(
            cost=inst.processes[o.runs[r][0]].variable + WASTE_PER_GBQ,
            upper=inst.processes[o.runs[r][0]].batch_max / GBQ,
        )
        for r in used
    }
    z: dict[tuple[int, int], int] = {}
    q: dict[tuple[int, int, float], int] = {}
    ship: dict[tuple[int, float], int] = {}
    batch_terms: dict[int, list[tuple[int, float]]] = defaultdict(list)
    on_departure: dict[tuple[int, float], list[int]] = defaultdict(list)
    n_options: dict[str, int] = {}
    for bi, b in enumerate(inst.bookings):
        opts = o.z[bi]
        if not opts:
            continue
        u = m.var(cost=UNSERVED * priority_weight(b.priority))
        for r, need in opts:
            z[(bi, r)] = col = m.var(integer=True)
            batch_terms[r].append((col, need / GBQ))
            m.row([(col, 1.0), (y[r], -1.0)], -math.inf, 0.0)  # z <= y
        m.row([(z[(bi, r)], 1.0) for r, _ in opts] + [(u, 1.0)], 1.0, 1.0)  # cover
        for li, tau in o.q[bi]:
            lane = inst.lanes[li]
            q[(bi, li, tau)] = col = m.var(cost=lane.package_cost, integer=True)
            if (li, tau) not in ship:
                ship[(li, tau)] = m.var(cost=lane.ship_cost, integer=True)
            on_departure[(li, tau)].append(col)
            m.row([(col, 1.0), (ship[(li, tau)], -1.0)], -math.inf, 0.0)  # q <= s
        for (bj, r), (li, tau) in o.forced.items():
            if bj == bi and (bi, r) in z:
                m.row([(z[(bi, r)], 1.0), (q[(bi, li, tau)], -1.0)], -math.inf, 0.0)
        # waiting rows, per producer site: one unit of "dose ready" enters at the chosen
        # run's release, waits (w >= 0) and leaves at the chosen departure's latest release
        sites = {o.site(inst, r) for r, _ in opts} | {inst.lanes[li].origin for li, _ in o.q[bi]}
        for site in sorted(sites):
            events: dict[float, list[tuple[int, float]]] = defaultdict(list)
            for r, _ in opts:
                if o.site(inst, r) == site:
                    events[o.release(inst, r)].append((z[(bi, r)], 1.0))
            for li, tau in o.q[bi]:
                if inst.lanes[li].origin == site:
                    events[tau - inst.lanes[li].offset].append((q[(bi, li, tau)], -1.0))
            waiting: int | None = None
            times = sorted(events)
            for i, e in enumerate(times):
                terms = list(events[e])
                if waiting is not None:
                    terms.append((waiting, 1.0))
                if i < len(times) - 1:
                    waiting = m.var()
                    terms.append((waiting, -1.0))
                m.row(terms, 0.0, 0.0)
        n_options[b.id] = _pairs(inst, o, bi)
    for r in used:
        proc = inst.processes[o.runs[r][0]]
        m.row([*batch_terms[r], (x[r], -1.0)], -math.inf, 0.0)  # Σ need·z <= x
        m.row([(x[r], 1.0), (y[r], -proc.batch_max / GBQ)], -math.inf, 0.0)
        if proc.batch_min > 0:
            m.row([(x[r], 1.0), (y[r], -proc.batch_min / GBQ)], 0.0, math.inf)
    for key, cols in on_departure.items():
        cap = inst.lanes[key[0]].capacity
        if len(cols) > cap:
            m.row([(c, 1.0) for c in cols] + [(ship[key], -float(cap))], -math.inf, 0.0)
    for pi, proc in enumerate(inst.processes):
        mine = sorted((o.runs[r][1], r) for r in used if o.runs[r][0] == pi)
        if proc.duration > 0:  # overlap: runs active at each candidate start
            for sigma, _ in mine:
                active = [y[r] for t, r in mine if t <= sigma < t + proc.duration]
                if len(active) > 1:
                    m.row([(c, 1.0) for c in active], -math.inf, 1.0)
        days: dict[int, list[int]] = defaultdict(list)
        for t, r in mine:
            days[local_day(t, proc.timezone)].append(y[r])
        for cols in days.values():
            if len(cols) > proc.per_day:
                m.row([(c, 1.0) for c in cols], -math.inf, float(proc.per_day))

    if m.cost:
        values, objective, bound = m.solve(gap, time_limit_s)
    else:
        values, objective, bound = np.zeros(0), 0.0, 0.0

    # ---- read back: rounded binaries, activity = max(batch_min, Σ needs)
    taken: dict[int, list[tuple[int, float]]] = defaultdict(list)
    for (bi, li, tau), col in q.items():
        if values[col] > 0.5:
            taken[bi].append((li, tau))
    doses: list[PDose] = []
    need_of: dict[int, float] = defaultdict(float)
    for (bi, r), col in z.items():
        if values[col] <= 0.5:
            continue
        b = inst.bookings[bi]
        pi, t = o.runs[r]
        proc = inst.processes[pi]
        if len(taken[bi]) != 1:
            raise AssertionError(f"reference: booking {b.id} takes {len(taken[bi])} departures")
        li, tau = taken[bi][0]
        need_of[r] += need_bq(inst, b, t + proc.duration)
        doses.append(PDose(b.id, proc.id, t, inst.lanes[li].id, tau))
    runs = []
    for r in used:
        if values[y[r]] > 0.5:
            pi, t = o.runs[r]
            proc = inst.processes[pi]
            runs.append(PRun(proc.id, t, max(proc.batch_min, need_of[r])))
    judgement = evaluate(inst, runs, doses, penalised)
    if judgement.violations:
        raise AssertionError("reference plan breaks rules:\n" + "\n".join(judgement.violations))
    if abs(judgement.objective - objective) > 1e-7 * abs(objective) + 1e-4:
        raise AssertionError(
            f"reference: recomputed objective {judgement.objective} != MILP {objective}"
        )
    return Solution(
        instance=inst,
        runs=tuple(runs),
        doses=tuple(doses),
        penalised=penalised,
        judgement=judgement,
        milp_objective=objective,
        milp_bound=bound,
        options=n_options,
        size={"columns": len(m.cost), "rows": len(m.row_lower), "nonzeros": len(m.vals)},
    )
