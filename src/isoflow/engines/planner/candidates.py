"""Candidate generation: the runs, allocations and flows among which the optimiser chooses.

Everything here is exact in time: a candidate run has a fixed start and end of production
(EOP); a candidate allocation pairs a booking with a run whose EOP lies before the
administration, within the shelf life, and from which a route arrives in time; the activity
it needs at EOP is ``a · exp(λ·(t_admin − t_EOP))``. Pruning keeps the model small: only the
``per_booking`` latest feasible runs per booking, only runs that can serve something, and
only upstream flows that reach a run before it starts.
"""

from __future__ import annotations

import dataclasses
import math
from collections import defaultdict
from dataclasses import dataclass, field
from datetime import UTC, datetime
from functools import lru_cache
from zoneinfo import ZoneInfo

import numpy as np
import numpy.typing as npt

from isoflow.domain.calendar import (
    Interval,
    covers,
    epoch,
    latest_start,
    weekly_instants,
    weekly_intervals,
)
from isoflow.domain.decay import Inventory
from isoflow.domain.generators import Generator
from isoflow.engines.planner.network import DAY, PlanningNetwork, Route
from isoflow.engines.planner.reasons import Reason, explain_missing
from isoflow.scenario.rules import (
    latest_arrival,
    may_supply,
    prescribed_activity,
    process_availability,
    shelf_life_s,
)
from isoflow.scenario.schema import Booking, Process, ProcessKind, Product

HOUR = 3600.0


@dataclass(frozen=True)
class CandidateOptions:
    """Knobs of candidate generation."""

    per_booking: int = 6
    """Keep at most this many grid runs per booking (those needing least activity)."""
    per_booking_timed: int = 6
    """And at most this many runs timed for bookings per booking and process."""
    timed_need_ratio: float = 4.0
    """A booking sees the runs timed for other bookings that need at most this many times
    the activity of its own best timed run (4: two half-lives earlier)."""
    exhaustive_below: int = 40
    """Networks with fewer bookings in the horizon than this get every option: no pruning
    of runs per booking, every route that arrives in time (later departures included), and
    runs timed back to back or on the previous day where a run limit forces it (exact for
    small networks; large ones keep the pruned, faster model)."""
    timed_runs: bool = True
    """Time a run for each booking (its latest feasible start); off gives the start grid only
    (no completeness guarantee; for benchmarks)."""
    timed_gain: float = 0.25
    """A run needing an activity feed (labelling from bulk isotope) is timed for a booking
    only if no grid run serves it or the best grid run needs more than ``1 + timed_gain``
    times its activity (multi-stage runs bring flows and rows with them)."""
    per_feed: int = 4
    """Keep at most this many upstream runs feeding one run."""
    max_runs_per_process: int = 400
    """Cap on grid start times per process (latest starts timed for bookings come on top)."""
    routes_per_option: int = 2
    """Routes kept per (booking, run) or (flow source, destination) pair among those not
    dominated on (arrival, cost) that arrive in time: the cheapest, then the earliest."""
    start_step_half_lives: float = 1.0
    """Grid of candidate starts within a window, in half-lives of the output (1 h to 1 d).

    Starts aligned with every departure from the site are added to the grid. A finer grid
    gives more timing choices but a harder model (measured: 0.5 -> 9.4 % gap, 1.0 -> 5.6 %
    on the built-in week in 30 s).
    """


@dataclass(frozen=True, slots=True)
class Run:
    """A candidate production run (or an elution slot)."""

    process: int
    start: float
    eop: float
    release: float
    timed: bool = False
    """Timed for a booking (its latest feasible start), not on the process's start grid."""


@dataclass(frozen=True, slots=True)
class Allocation:
    """A candidate: booking served from run, along route, needing ``need_eop`` Bq at EOP."""

    booking: int
    run: int
    route: Route
    need_eop: float


@dataclass(frozen=True, slots=True)
class Flow:
    """A candidate shipment of an intermediate product from run ``src`` to run ``dst``.

    For a generator flow ``dst`` is -1 and ``elutions`` lists ``(elution run, daughter Bq
    eluted per parent Bq at the source's EOP)``; otherwise ``factor`` is the decay from the
    source's EOP to the destination run's start.
    """

    src: int
    dst: int
    route: Route
    factor: float
    elutions: tuple[tuple[int, float], ...] = ()
    site: int = -1


@dataclass
class Candidates:
    """All candidates, plus what was learnt about bookings that have none."""

    runs: list[Run] = field(default_factory=list)
    allocations: list[Allocation] = field(default_factory=list)
    flows: list[Flow] = field(default_factory=list)
    feed_needed: dict[int, float] = field(default_factory=dict)
    """Runs that need an activity feed: run -> input activity at start per Bq output at EOP."""
    booking_ids: list[str] = field(default_factory=list)
    booking_activity: npt.NDArray[np.float64] = field(default_factory=lambda: np.zeros(0))
    booking_time: npt.NDArray[np.float64] = field(default_factory=lambda: np.zeros(0))
    booking_priority: npt.NDArray[np.int64] = field(default_factory=lambda: np.zeros(0, np.int64))
    booking_site: npt.NDArray[np.int64] = field(default_factory=lambda: np.zeros(0, np.int64))
    """Hospital of each booking (site index)."""
    booking_deadline: npt.NDArray[np.float64] = field(default_factory=lambda: np.zeros(0))
    """Latest arrival at the hospital [s since epoch]: administration less its dispensing
    buffer."""
    reasons: dict[int, tuple[Reason, str]] = field(default_factory=dict)
    exhaustive: bool = False
    """Every option kept (a small network; see ``CandidateOptions.exhaustive_below``)."""
    timed_for: dict[int, frozenset[int]] = field(default_factory=dict)
    """Runs timed for bookings: run -> the hospitals (site indices) of those bookings."""
    wide_intervals: dict[int, tuple[list[Interval], list[Interval]]] = field(default_factory=dict)
    """Per process: (start windows, allowed intervals) from 30 d before the earliest start to
    the horizon's end (for explaining unserved bookings; filled on demand)."""
    """Bookings with no candidate: booking -> (reason code, detail)."""


def process_intervals(
    net: PlanningNetwork, process: Process
) -> tuple[list[tuple[float, float]], list[tuple[float, float]]]:
    """(start windows, run-allowed intervals) of a process over the planning window.

    A batch may start inside a start window; the whole batch ``[start, EOP]`` must lie inside
    one run-allowed interval (operating cycle 'on' period, no planned outage).
    """
    site = net.scenario.sites[net.site_index[process.site]]
    return process_availability(process.availability, site, net.earliest, net.horizon_end)


def candidate_starts(net: PlanningNetwork, process: Process, opts: CandidateOptions) -> list[float]:
    """Candidate start instants of one process, exact and sorted."""
    sc = net.scenario
    product = sc.products[net.product_index[process.output]]
    windows, allowed = process_intervals(net, process)
    if process.kind == ProcessKind.ELUTION:
        # elutions: max_batches_per_day evenly spaced slots in each day's window, from its start
        daily = weekly_intervals(
            [(tuple(str(d) for d in w.days), w.start, w.end) for w in process.availability.windows],
            sc.sites[net.site_index[process.site]].timezone,
            net.earliest,
            net.horizon_end,
            merged=False,
        )
        if process.elution_times:
            entries = [
                (tuple(str(d) for d in w.days), clock)
                for w in process.availability.windows
                for clock in process.elution_times
            ]
            tz = sc.sites[net.site_index[process.site]].timezone
            starts = weekly_instants(entries, tz, net.earliest, net.horizon_end).tolist()
        else:
            n = process.max_batches_per_day
            starts = [lo + k * (hi - lo) / n for lo, hi in daily for k in range(n)]
    else:
        lam = float(net.product_lambda[net.product_index[product.id]])
        half_life = math.log(2) / lam if lam > 0 else 30 * DAY
        step = min(max(half_life * opts.start_step_half_lives, HOUR), DAY)
        starts = []
        for lo, hi in windows:
            t = lo
            while t < hi:
                starts.append(t)
                t += step
        for li in net.lanes_from[net.site_index[process.site]]:
            lane = sc.lanes[li]
            for dep in net.departures[li]:
                t = float(dep) - lane.handling - process.qc_release - process.duration
                if any(lo <= t < hi for lo, hi in windows):
                    starts.append(t)
    out = sorted(
        t
        for t in {round(t / 60.0) * 60.0 for t in starts}  # whole minutes
        if t >= net.earliest
        and t + process.duration < net.horizon_end
        and any(lo <= t < hi for lo, hi in windows)
        and covers(allowed, t, t + process.duration)
    )
    if len(out) > opts.max_runs_per_process:
        keep = np.linspace(0, len(out) - 1, opts.max_runs_per_process).round().astype(int)
        out = [out[i] for i in sorted(set(keep.tolist()))]
    return out


@lru_cache(maxsize=4096)
def elution_yields(
    parent: str, daughter: str, efficiency: float, times: tuple[float, ...]
) -> tuple[float, ...]:
    """Daughter activity [Bq] eluted at each of ``times`` [s after calibration] per 1 Bq parent.

    The generator holds 1 Bq of ``parent`` and no daughter at calibration and is eluted at
    every one of ``times`` (exact chain solution, previous elutions included).
    """
    gen = Generator(Inventory.from_activities({parent: 1.0}), daughter, efficiency)
    return tuple(e.activities_bq.get(gen.daughter, 0.0) for e in gen.elute(list(times)))


def generate(net: PlanningNetwork, opts: CandidateOptions | None = None) -> Candidates:
    """Build every candidate for the bookings in the network's horizon.

    Runs come from each process's start grid and, for every booking and producing process,
    from the latest start that still serves that booking (:func:`_deadline_starts`); every
    (booking, run) pair that is feasible and fits ``batch_max`` becomes an allocation along
    each non-dominated route that arrives in time (:func:`_allocate`).
    """
    o = opts or CandidateOptions()
    sc = net.scenario
    cand = Candidates()
    bookings = [
        b
        for b in sc.demand.bookings
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
    cand.booking_ids = [b.id for b in bookings]
    products = {p.id: p for p in sc.products}
    cand.booking_activity = np.array(
        [prescribed_activity(b, products[b.product]) for b in bookings], dtype=np.float64
    )
    cand.booking_time = np.array([epoch(b.administration) for b in bookings], dtype=np.float64)
    cand.booking_priority = np.array([b.priority for b in bookings], dtype=np.int64)
    cand.booking_site = np.array([net.site_index[b.hospital] for b in bookings], dtype=np.int64)
    cand.booking_deadline = np.array(
        [
            latest_arrival(t, sc.sites[net.site_index[b.hospital]])
            for t, b in zip(cand.booking_time.tolist(), bookings, strict=True)
        ],
        dtype=np.float64,
    )
    producers: dict[str, list[int]] = defaultdict(list)
    for pi, proc in enumerate(sc.processes):
        producers[proc.output].append(pi)
    runs_of_process: dict[int, list[int]] = {}
    for pi, proc in enumerate(sc.processes):
        runs_of_process[pi] = _add_runs(cand, pi, proc, candidate_starts(net, proc, o), False)
    by_product: dict[str, list[int]] = defaultdict(list)
    for bi, b in enumerate(bookings):
        by_product[b.product].append(bi)
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
        _deadline_starts(net, cand, bookings, producers, best_grid, o.timed_gain)
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
    _generator_flows(net, cand, runs_of_process, producers, products, useful, o.per_feed)
    _upstream_flows(net, cand, runs_of_process, producers, products, useful, o)
    explain_missing(net, cand, bookings, producers, products)
    return cand


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
    bookings: list[Booking],
    bis: list[int],
    pi: int,
    run_ids: list[int],
    out: dict[int, list[Allocation]],
    o: CandidateOptions,
) -> None:
    """Every feasible (booking among ``bis``, run of process ``pi``, route) option.

    A run serves booking ``b`` if ``0 ≤ t_admin − EOP ≤ shelf life``, the activity needed at
    EOP ``a · exp(λ·(t_admin − EOP)) ≤ batch_max`` (production runs), the product is approved
    in the hospital's country and the site may supply it (GMP markets); each route that is not
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
    countries = [net.site_country[h] for h in hosp.tolist()]
    ok = np.array(
        [net.approved(pid, c) and may_supply(sc.sites[site], c) for c in countries], dtype=bool
    ) & (activity > 0)
    cap = math.inf if proc.kind == ProcessKind.ELUTION else proc.batch_max * (1 + 1e-12)
    forced_via = {
        h: v for h in sorted(set(hosp.tolist())) if (v := _via(net, pi, product, h)) is not None
    }
    for ri in run_ids:
        run = cand.runs[ri]
        age = t_admin - run.eop
        need = activity * np.exp(lam * age)
        mask = ok & (age >= 0) & (age <= shelf) & (need <= cap)
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


def _route_choice(in_time: list[Route], limit: int) -> list[Route]:
    """Of routes that arrive in time (a Pareto front, earliest first): cheapest, earliest, rest."""
    if not in_time:
        return []
    cheapest = min(in_time, key=lambda r: (r.cost, r.arrive))
    rest = [r for r in in_time if r is not cheapest]
    return [cheapest, *rest][: max(1, limit)]


def _feed_rows(net: PlanningNetwork, cand: Candidates) -> None:
    """Every run whose process consumes activity needs a feed row, flows or not."""
    sc = net.scenario
    for ri, run in enumerate(cand.runs):
        proc = sc.processes[run.process]
        feeds = [inp for inp in proc.inputs if inp.activity_feed]
        if feeds and proc.kind != ProcessKind.ELUTION:
            lam_q = float(net.product_lambda[net.product_index[feeds[0].product]])
            cand.feed_needed[ri] = 1.0 / (proc.yield_fraction * math.exp(-lam_q * proc.duration))


def _upstream_flows(
    net: PlanningNetwork,
    cand: Candidates,
    runs_of_process: dict[int, list[int]],
    producers: dict[str, list[int]],
    products: dict[str, Product],
    useful: set[int],
    o: CandidateOptions,
) -> None:
    """Bulk flows back from every useful run needing input to the runs that can feed it.

    A source run feeds ``dst`` if it is released before ``dst`` starts, its product is within
    shelf life at that start, and a route (any non-dominated one, the cheapest and the
    earliest first) arrives by then; the ``per_feed`` freshest sources are kept.
    """
    sc = net.scenario
    frontier = sorted(useful)
    while frontier:
        next_frontier: set[int] = set()
        for ri in frontier:
            run = cand.runs[ri]
            proc = sc.processes[run.process]
            feeds = [inp for inp in proc.inputs if inp.activity_feed]
            if not feeds or proc.kind == ProcessKind.ELUTION:
                continue  # generator flows were built per elution process
            q = products[feeds[0].product]
            lam_q = float(net.product_lambda[net.product_index[q.id]])
            dst_site = net.site_index[proc.site]
            options_f: list[Flow] = []
            for pi in producers.get(q.id, []):
                src_site = net.site_index[sc.processes[pi].site]
                via = _via(net, pi, q, dst_site)
                for si in runs_of_process[pi]:
                    src = cand.runs[si]
                    age = run.start - src.eop
                    if src.release > run.start or age > shelf_life_s(q):
                        continue
                    if src_site == dst_site:
                        routes = [Route((), src.release, src.release)]
                    else:
                        front = net.pareto_routes(src_site, src.release, q, via=via)
                        routes = [r for r in front.get(dst_site, ()) if r.arrive <= run.start]
                    factor = math.exp(-lam_q * age)
                    options_f.extend(
                        Flow(si, ri, route, factor)
                        for route in _route_choice(routes, o.routes_per_option)
                    )
            options_f.sort(key=lambda f: (-f.factor, f.route.cost, f.src))
            kept_src: list[int] = []
            for f in options_f:
                if f.src not in kept_src:
                    if len(kept_src) >= o.per_feed:
                        continue
                    kept_src.append(f.src)
                cand.flows.append(f)
                if f.src not in useful:
                    useful.add(f.src)
                    next_frontier.add(f.src)
        frontier = sorted(next_frontier)


def _deadline_starts(
    net: PlanningNetwork,
    cand: Candidates,
    bookings: list[Booking],
    producers: dict[str, list[int]],
    best_grid: dict[tuple[int, int], float],
    gain: float,
) -> dict[int, dict[float, set[int]]]:
    """Per producing process, the latest start that still serves each booking.

    Added when no grid run of the process serves the booking within ``batch_max``, when the
    process takes no activity feed (a run is then a few columns), or when the best grid run
    needs more than ``1 + gain`` times the activity the timed run needs.

    For booking ``b`` and process ``p``: the latest instant ``r`` goods may be ready at
    ``p``'s site and still reach the hospital by its deadline, over every route and over the
    routes ending in each lane into the hospital (a cheaper, slower last lane has its own
    latest time); the latest start is then the latest ``t ≤ r − qc_release − duration`` in a
    start window with ``[t, EOP]`` inside the process's availability and
    ``t_admin − EOP ≤ shelf life``. Because the activity needed falls as the run moves later,
    this start serves ``b`` within ``batch_max`` whenever any start does.
    """
    sc = net.scenario
    extra: dict[int, dict[float, set[int]]] = defaultdict(dict)
    spans: dict[int, tuple[list[Interval], list[Interval]]] = {}
    for bi, b in enumerate(bookings):
        if cand.booking_activity[bi] <= 0:
            continue
        product = sc.products[net.product_index[b.product]]
        hosp = net.site_index[b.hospital]
        country = net.site_country[hosp]
        if not net.approved(b.product, country):
            continue
        t_admin, deadline = float(cand.booking_time[bi]), float(cand.booking_deadline[bi])
        for pi in producers.get(b.product, []):
            proc = sc.processes[pi]
            site = net.site_index[proc.site]
            if proc.kind == ProcessKind.ELUTION or not may_supply(sc.sites[site], country):
                continue
            if pi not in spans:
                spans[pi] = process_intervals(net, proc)
            windows, allowed = spans[pi]
            lo = max(net.earliest, t_admin - shelf_life_s(product) - proc.duration)
            for ready in latest_ready_times(
                net, site, hosp, deadline, product, via=_via(net, pi, product, hosp)
            ):
                hi = min(ready - proc.qc_release, t_admin) - proc.duration
                t = latest_start(windows, allowed, proc.duration, lo, hi)
                if t is None or t + proc.duration >= net.horizon_end:
                    continue
                grid = best_grid.get((bi, pi))
                need = float(cand.booking_activity[bi]) * math.exp(
                    float(net.product_lambda[net.product_index[b.product]])
                    * (t_admin - t - proc.duration)
                )
                feeds = any(inp.activity_feed for inp in proc.inputs)
                if grid is None or not feeds or grid > (1 + gain) * need:
                    extra[pi].setdefault(t, set()).add(hosp)
                    if cand.exhaustive:
                        for shifted in _shifted_starts(net, proc, windows, allowed, lo, t):
                            extra[pi].setdefault(shifted, set()).add(hosp)
    return extra


SHIFTS = 3
"""Small networks: runs timed this many batches earlier, back to back (see
:func:`_shifted_starts`)."""


def _shifted_starts(
    net: PlanningNetwork,
    proc: Process,
    windows: list[Interval],
    allowed: list[Interval],
    lo: float,
    t: float,
) -> list[float]:
    """Starts a run limit may force when ``t`` is taken by another run (small networks).

    Back to back before ``t`` (one batch duration, or one minute for an instant process,
    up to :data:`SHIFTS` times), and the latest start on the local day before ``t``'s (a
    process limited to ``max_batches_per_day`` may have to make the batch the evening
    before).
    """
    out: list[float] = []
    step = proc.duration if proc.duration > 0 else 60.0
    for k in range(1, SHIFTS + 1):
        s = latest_start(windows, allowed, proc.duration, lo, t - k * step)
        if s is not None:
            out.append(s)
    tz = ZoneInfo(net.scenario.sites[net.site_index[proc.site]].timezone)
    day = datetime.fromtimestamp(t, UTC).astimezone(tz).date()
    midnight = datetime(day.year, day.month, day.day, tzinfo=tz).timestamp()
    s = latest_start(windows, allowed, proc.duration, lo, midnight - 60.0)
    if s is not None:
        out.append(s)
    return out


def _via(
    net: PlanningNetwork, producer_process: int, product: Product, dst_site: int
) -> int | None:
    """Distributor site a route must pass through under an exclusive contract, if any."""
    sc = net.scenario
    contracts = net.exclusive_by_supplier.get((sc.processes[producer_process].site, product.id))
    if not contracts:
        return None
    country = net.site_country[dst_site]
    for countries, distributor in contracts:
        if country in countries:
            return distributor
    return None


def _generator_flows(
    net: PlanningNetwork,
    cand: Candidates,
    runs_of_process: dict[int, list[int]],
    producers: dict[str, list[int]],
    products: dict[str, Product],
    useful: set[int],
    per_feed: int,
) -> None:
    """Generator deliveries to each elution site, eluted at every useful slot after arrival."""
    sc = net.scenario
    for pi, proc in enumerate(sc.processes):
        if proc.kind != ProcessKind.ELUTION:
            continue
        slots = [ri for ri in runs_of_process[pi] if ri in useful]
        if not slots:
            continue
        feeds = [inp for inp in proc.inputs if inp.activity_feed]
        if not feeds:
            continue
        gen = products[feeds[0].product]
        if gen.daughter is None:
            continue
        dst_site = net.site_index[proc.site]
        slot_times = np.array([cand.runs[ri].start for ri in slots])
        options: list[tuple[int, Route, npt.NDArray[np.bool_]]] = []
        for gi in producers.get(gen.id, []):
            src_site = net.site_index[sc.processes[gi].site]
            for si in runs_of_process[gi]:
                src = cand.runs[si]
                route = net.route(
                    src_site, dst_site, src.release, gen, via=_via(net, gi, gen, dst_site)
                )
                if route is None:
                    continue
                life = src.eop + shelf_life_s(gen)
                mask = (slot_times >= route.arrive) & (slot_times <= life)
                if mask.any():
                    options.append((si, route, mask))
        # keep, for every slot, the per_feed freshest generators that cover it
        keep: set[int] = set()
        for k in range(len(slots)):
            covering = [i for i, (_, _, mask) in enumerate(options) if mask[k]]
            covering.sort(key=lambda i: -cand.runs[options[i][0]].eop)
            keep.update(covering[:per_feed])
        for i in sorted(keep):
            si, route, mask = options[i]
            src = cand.runs[si]
            chosen = [slots[k] for k in np.flatnonzero(mask)]
            offsets = tuple(round(cand.runs[r].start - src.eop, 1) for r in chosen)
            yields = elution_yields(gen.nuclide, gen.daughter, proc.elution_efficiency, offsets)
            cand.flows.append(
                Flow(si, -1, route, 1.0, tuple(zip(chosen, yields, strict=True)), dst_site)
            )
            useful.add(si)


def latest_ready_times(
    net: PlanningNetwork,
    origin: int,
    destination: int,
    deadline: float,
    product: Product,
    via: int | None = None,
) -> list[float]:
    """Latest ready times [s] at ``origin`` that still reach ``destination`` by ``deadline``.

    The latest over every route, and the latest over the routes whose last leg is each lane
    into ``destination`` (a cheaper, slower last lane has its own, earlier latest time).
    With an exclusive distributor ``via``, only the latest through it. Sorted, no repeats.
    """
    if origin == destination:
        return [deadline]
    overall = net.latest_ready(origin, destination, deadline, product, via=via)
    if overall is None:
        return []
    out = {overall}
    if via is None:
        out.update(net.latest_ready_by_last_lane(origin, destination, deadline, product).values())
    return sorted(out)
