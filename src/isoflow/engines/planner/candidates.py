"""Candidate generation: the runs, allocations and flows among which the optimiser chooses.

Everything here is exact in time: a candidate run has a fixed start and end of production
(EOP); a candidate allocation pairs a booking with a run whose EOP lies before the
administration, within the shelf life, and from which a route arrives in time; the activity
it needs at EOP is ``a · exp(λ·(t_admin − t_EOP))``. Pruning keeps the model small: only the
``per_booking`` latest feasible runs per booking, only runs that can serve something, and
only upstream flows that reach a run before it starts.

This module assembles the candidates (:func:`generate`) and pairs bookings with runs and
routes; the candidate types are in :mod:`.candidate_types`, the start times of runs in
:mod:`.timing`, and activity feeds and flows between runs in :mod:`.flows`.
"""

from __future__ import annotations

import dataclasses
import math
from collections import defaultdict
from collections.abc import Collection

import numpy as np

from isoflow.domain.calendar import epoch
from isoflow.engines.planner.candidate_types import (
    Allocation,
    CandidateOptions,
    Candidates,
    Flow,
    Run,
)
from isoflow.engines.planner.flows import (
    _feed_rows,
    _generator_flows,
    _upstream_flows,
    _via,
)
from isoflow.engines.planner.network import PlanningNetwork
from isoflow.engines.planner.reasons import explain_missing
from isoflow.engines.planner.routing import Route, _route_choice
from isoflow.engines.planner.timing import (
    HOUR,
    SHIFTS,
    _deadline_starts,
    candidate_starts,
    latest_ready_times,
    process_intervals,
)
from isoflow.scenario.demand import DemandItem, demand_items, ordered_s
from isoflow.scenario.rules import (
    accepts_order,
    latest_arrival,
    may_supply,
    prescribed_activity,
    shelf_life_s,
)
from isoflow.scenario.schema import Process, ProcessKind, Product

__all__ = [
    "HOUR",
    "SHIFTS",
    "Allocation",
    "CandidateOptions",
    "Candidates",
    "Flow",
    "Run",
    "candidate_starts",
    "generate",
    "latest_ready_times",
    "process_intervals",
]


def generate(
    net: PlanningNetwork,
    opts: CandidateOptions | None = None,
    extra_starts: dict[int, list[float]] | None = None,
    only: Collection[str] | None = None,
) -> Candidates:
    """Build every candidate for the bookings in the network's horizon.

    ``extra_starts`` (process index -> starts [s]) are runs that must be candidates whatever
    the grid and the process's availability (the runs of an earlier plan, for a re-plan).

    Runs come from each process's start grid and, for every booking and producing process,
    from the latest start that still serves that booking (:func:`.timing._deadline_starts`); every
    (booking, run) pair that is feasible and fits ``batch_max`` becomes an allocation along
    each non-dominated route that arrives in time (:func:`_allocate`).

    ``only`` (booking and order ids): allocations and reasons for those alone; every run
    in ``extra_starts`` keeps its feeds as if it served something (a recommend, where the
    other bookings keep an earlier plan's doses, added by :func:`.carry.carry_parent`).
    """
    o = opts or CandidateOptions()
    sc = net.scenario
    cand = Candidates()
    bookings = [
        b
        for b in demand_items(sc)
        if net.horizon_start <= epoch(b.administration) < net.horizon_end
    ]
    cand.exhaustive = len(bookings) < o.exhaustive_below
    if cand.exhaustive:
        o = dataclasses.replace(
            o,
            per_booking=10**6,
            per_booking_timed=10**6,
            timed_need_ratio=math.inf,
            routes_per_option=10**6,
            timed_gain=0.0,
        )
    products = {p.id: p for p in sc.products}
    _booking_arrays(net, cand, bookings)
    producers: dict[str, list[int]] = defaultdict(list)
    for pi, proc in enumerate(sc.processes):
        producers[proc.output].append(pi)
    runs_of_process: dict[int, list[int]] = {}
    for pi, proc in enumerate(sc.processes):
        grid = candidate_starts(net, proc, o)
        if extra_starts and extra_starts.get(pi):
            grid = sorted(set(grid) | set(extra_starts[pi]))
        runs_of_process[pi] = _add_runs(cand, pi, proc, grid, False)
    active = None if only is None else [i for i, b in enumerate(bookings) if b.id in only]
    by_product: dict[str, list[int]] = defaultdict(list)
    for bi in range(len(bookings)) if active is None else active:
        by_product[bookings[bi].product].append(bi)
    options: dict[int, list[Allocation]] = defaultdict(list)
    for pid, bis in by_product.items():
        for pi in producers.get(pid, []):
            _allocate(net, cand, bookings, bis, pi, runs_of_process[pi], options, o)
    best_grid: dict[tuple[int, int], float] = {}
    for bi, opts_b in options.items():
        for a in opts_b:
            key = (bi, cand.runs[a.run].process)
            best_grid[key] = min(a.need_eop, best_grid.get(key, math.inf))
    grid_starts = {(r.process, r.start) for r in cand.runs}
    timed = (
        _deadline_starts(net, cand, bookings, producers, best_grid, o.timed_gain, active)
        if o.timed_runs
        else {}
    )
    for pi, starts in sorted(timed.items()):
        proc = sc.processes[pi]
        new = sorted(t for t in starts if (pi, t) not in grid_starts)
        ids = _add_runs(cand, pi, proc, new, True)
        for ri, t in zip(ids, new, strict=True):
            cand.timed_for[ri] = frozenset(starts[t])
        runs_of_process[pi].extend(ids)
        _allocate(net, cand, bookings, by_product[proc.output], pi, ids, options, o)
    for bi in sorted(options):
        hosp = int(cand.booking_site[bi])
        cand.allocations.extend(_keep_options(options[bi], cand, hosp, o))
    _feed_rows(net, cand)
    useful = {a.run for a in cand.allocations}
    if only is not None:
        useful |= _runs_at(cand, extra_starts or {})
    _generator_flows(net, cand, runs_of_process, producers, products, useful, o.per_feed)
    _upstream_flows(net, cand, runs_of_process, producers, products, useful, o)
    explain_missing(net, cand, bookings, producers, products, active)
    return cand


def _runs_at(cand: Candidates, starts: dict[int, list[float]]) -> set[int]:
    """The candidate runs whose (process, start) is one of ``starts``."""
    at = {(pi, t) for pi, ts in starts.items() for t in ts}
    return {ri for ri, r in enumerate(cand.runs) if (r.process, r.start) in at}


def _booking_arrays(net: PlanningNetwork, cand: Candidates, bookings: list[DemandItem]) -> None:
    """The bookings' (and orders') figures the candidates read, one entry per record."""
    sc = net.scenario
    products = {p.id: p for p in sc.products}
    cand.booking_ids = [b.id for b in bookings]
    # a unit of a single-batch order carries all its doses; of a splittable order, one dose
    cand.booking_activity = np.array(
        [prescribed_activity(b, products[b.product]) * b.doses_per_unit for b in bookings],
        dtype=np.float64,
    )
    cand.booking_units = np.array([b.units for b in bookings], dtype=np.int64)
    cand.booking_unit_doses = np.array([b.doses_per_unit for b in bookings], dtype=np.int64)
    cand.booking_time = np.array([epoch(b.administration) for b in bookings], dtype=np.float64)
    cand.booking_priority = np.array([b.priority for b in bookings], dtype=np.int64)
    cand.booking_ordered = [ordered_s(b) for b in bookings]
    cand.booking_site = np.array([net.site_index[b.hospital] for b in bookings], dtype=np.int64)
    cand.booking_deadline = np.array(
        [
            latest_arrival(t, sc.sites[net.site_index[b.hospital]])
            for t, b in zip(cand.booking_time.tolist(), bookings, strict=True)
        ],
        dtype=np.float64,
    )


def _add_runs(
    cand: Candidates, pi: int, proc: Process, starts: list[float], timed: bool
) -> list[int]:
    """Append runs of process ``pi`` starting at ``starts``; their indices."""
    first = len(cand.runs)
    for t in starts:
        eop = t + proc.duration
        cand.runs.append(Run(pi, t, eop, eop + proc.qc_release, timed))
    return list(range(first, len(cand.runs)))


def _keep_options(
    options: list[Allocation], cand: Candidates, hospital: int, o: CandidateOptions
) -> list[Allocation]:
    """The options of one booking worth a place in the model.

    Grid runs: the ``per_booking`` needing least activity (the latest, which let bookings
    share a run). Runs timed for bookings, per process: the two needing least activity (its
    own latest start first), and the starts timed for other bookings at the same hospital
    that need at most ``timed_need_ratio`` times its activity, at most ``per_booking_timed``
    in all (a run shared by several bookings is timed for the one needed earliest, so the
    others must see it).
    """
    runs = cand.runs
    need_of_run: dict[int, float] = {}
    for a in options:
        need_of_run[a.run] = min(a.need_eop, need_of_run.get(a.run, math.inf))
    ranked = sorted(need_of_run, key=lambda r: (need_of_run[r], r))
    kept = {r for r in ranked if not runs[r].timed}
    kept = set(sorted(kept, key=lambda r: (need_of_run[r], r))[: o.per_booking])
    per_process: dict[int, int] = defaultdict(int)
    best_timed: dict[int, float] = {}
    for r in ranked:
        if not runs[r].timed:
            continue
        p = runs[r].process
        best = best_timed.setdefault(p, need_of_run[r])
        here = hospital in cand.timed_for.get(r, ())
        near = here and need_of_run[r] <= o.timed_need_ratio * best
        if per_process[p] < 2 or cand.exhaustive or (near and per_process[p] < o.per_booking_timed):
            per_process[p] += 1
            kept.add(r)
    return [a for a in options if a.run in kept]


def _allocate(
    net: PlanningNetwork,
    cand: Candidates,
    bookings: list[DemandItem],
    bis: list[int],
    pi: int,
    run_ids: list[int],
    out: dict[int, list[Allocation]],
    o: CandidateOptions,
) -> None:
    """Every feasible (booking among ``bis``, run of process ``pi``, route) option.

    A run serves booking ``b`` if ``0 ≤ t_admin − EOP ≤ shelf life``, the activity needed at
    EOP ``a · exp(λ·(t_admin − EOP)) ≤ batch_max`` (production runs), the booking was ordered
    before the run's order cut-off, the product is approved in the hospital's country and
    the site may supply it (GMP markets); each route that is not
    dominated on (arrival, cost) and arrives by the hospital's deadline is an option (at most
    ``routes_per_option``: the cheapest and the earliest first).
    """
    sc = net.scenario
    proc = sc.processes[pi]
    pid = sc.processes[pi].output
    product = sc.products[net.product_index[pid]]
    lam = float(net.product_lambda[net.product_index[pid]])
    shelf = shelf_life_s(product)
    b_idx = np.array(bis, dtype=np.int64)
    hosp = np.array([net.site_index[bookings[i].hospital] for i in bis], dtype=np.int64)
    t_admin = cand.booking_time[b_idx]
    deadline = cand.booking_deadline[b_idx]
    activity = cand.booking_activity[b_idx]
    site = net.site_index[proc.site]
    ok = np.array(
        [
            net.approved(pid, net.site_country[h]) and may_supply(sc.sites[site], sc.sites[h], pid)
            for h in hosp.tolist()
        ],
        dtype=bool,
    ) & (activity > 0)
    cap = math.inf if proc.kind == ProcessKind.ELUTION else proc.batch_max * (1 + 1e-12)
    ordered = [cand.booking_ordered[i] for i in bis] if proc.order_cutoff is not None else None
    forced_via = {
        h: v for h in sorted(set(hosp.tolist())) if (v := _via(net, pi, product, h)) is not None
    }
    for ri in run_ids:
        run = cand.runs[ri]
        age = t_admin - run.eop
        need = activity * np.exp(lam * age)
        mask = ok & (age >= 0) & (age <= shelf) & (need <= cap)
        if ordered is not None:  # the process's order cut-off (rules.accepts_order)
            mask &= np.array([accepts_order(proc, run.start, t) for t in ordered], dtype=bool)
        if not mask.any():
            continue
        fronts = dict(net.pareto_routes(site, run.release, product))
        for h, via in forced_via.items():
            fronts[h] = net.pareto_routes(site, run.release, product, via=via).get(h, ())
        fronts[site] = (Route((), run.release, run.release),)
        earliest = np.full(len(sc.sites), math.inf)
        for h, front in fronts.items():
            if front:
                earliest[h] = front[0].arrive
        mask &= earliest[hosp] <= deadline
        for j in np.flatnonzero(mask).tolist():
            h = int(hosp[j])
            in_time = [r for r in fronts.get(h, ()) if r.arrive <= deadline[j]]
            bi = int(b_idx[j])
            chosen = _route_choice(in_time, o.routes_per_option)
            if cand.exhaustive and h != site and h not in forced_via and chosen:
                late = _latest_route(net, site, h, float(deadline[j]), product, run.release)
                if late is not None and all(late.legs != r.legs for r in chosen):
                    chosen.append(late)
            for route in chosen:
                out[bi].append(Allocation(bi, ri, route, float(need[j])))


def _latest_route(
    net: PlanningNetwork, site: int, hosp: int, deadline: float, product: Product, ready: float
) -> Route | None:
    """The route leaving as late as possible that still arrives by ``deadline``.

    The goods wait at the site from ``ready``: a later departure for when earlier ones are
    full.
    """
    latest = net.latest_ready(site, hosp, deadline, product)
    if latest is None or latest < ready:
        return None
    route = net.route(site, hosp, latest, product)
    if route is None or route.arrive > deadline:
        return None
    return Route(route.legs, ready, route.arrive, route.cost)
