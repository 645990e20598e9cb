"""Candidate generation: the runs, allocations and flows among which the optimiser chooses.

Everything here is exact in time: a candidate run has a fixed start and end of production
(EOP); a candidate allocation pairs a booking with a run whose EOP lies before the
administration, within the shelf life, and from which a route arrives in time; the activity
it needs at EOP is ``a · exp(λ·(t_admin − t_EOP))``. Pruning keeps the model small: only the
``per_booking`` latest feasible runs per booking, only runs that can serve something, and
only upstream flows that reach a run before it starts.
"""

from __future__ import annotations

import math
from collections import defaultdict
from collections.abc import Callable
from dataclasses import dataclass, field
from functools import lru_cache

import numpy as np
import numpy.typing as npt

from isoflow.domain.calendar import (
    Interval,
    covers,
    epoch,
    weekly_intervals,
)
from isoflow.domain.decay import Inventory
from isoflow.domain.generators import Generator
from isoflow.engines.planner.network import DAY, PlanningNetwork, Route
from isoflow.scenario.rules import prescribed_activity, process_availability
from isoflow.scenario.schema import Booking, Process, ProcessKind, Product

HOUR = 3600.0


@dataclass(frozen=True)
class CandidateOptions:
    """Knobs of candidate generation."""

    arrival_buffer_s: float = 1800.0
    """A dose must arrive this long before administration (dispensing, checks) [s]."""
    per_booking: int = 6
    """Keep at most this many candidate runs per booking (the latest ones)."""
    per_feed: int = 4
    """Keep at most this many upstream runs feeding one run."""
    max_runs_per_process: int = 400
    """Cap on candidate start times per process."""
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
    reasons: dict[int, tuple[str, str]] = field(default_factory=dict)
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
    """Build every candidate for the bookings in the network's horizon."""
    o = opts or CandidateOptions()
    sc = net.scenario
    cand = Candidates()
    bookings = [
        b
        for b in sc.demand.bookings
        if net.horizon_start <= epoch(b.administration) < net.horizon_end
    ]
    cand.booking_ids = [b.id for b in bookings]
    products = {p.id: p for p in sc.products}
    activity = np.array([prescribed_activity(b, products[b.product]) for b in bookings])
    cand.booking_activity = activity
    cand.booking_time = np.array([epoch(b.administration) for b in bookings], dtype=np.float64)
    cand.booking_priority = np.array([b.priority for b in bookings], dtype=np.int64)

    # 1. candidate runs per process
    runs_of_process: dict[int, list[int]] = {}
    for pi, proc in enumerate(sc.processes):
        ids = []
        for t in candidate_starts(net, proc, o):
            eop = t + proc.duration
            cand.runs.append(Run(pi, t, eop, eop + proc.qc_release))
            ids.append(len(cand.runs) - 1)
        runs_of_process[pi] = ids
    producers: dict[str, list[int]] = defaultdict(list)
    for pi, proc in enumerate(sc.processes):
        producers[proc.output].append(pi)

    # 2. allocations: bookings x runs of processes making the booked product
    by_product: dict[str, list[int]] = defaultdict(list)
    for bi, b in enumerate(bookings):
        by_product[b.product].append(bi)
    alloc_of_booking: dict[int, list[Allocation]] = defaultdict(list)
    n_sites = len(sc.sites)

    def allocate(pid: str, pi: int, run_ids: list[int]) -> None:
        """Every feasible (booking of ``pid``, run) pair among ``run_ids`` of process ``pi``."""
        bis = by_product[pid]
        product = products[pid]
        lam = float(net.product_lambda[net.product_index[pid]])
        shelf = product.shelf_life or math.inf
        b_idx = np.array(bis)
        hosp = np.array([net.site_index[bookings[i].hospital] for i in bis])
        t_admin = cand.booking_time[b_idx]
        ok = np.array([net.approved(pid, net.site_country[h]) for h in hosp], dtype=bool)
        site = net.site_index[sc.processes[pi].site]
        gmp = set(sc.sites[site].gmp_markets)
        if gmp:
            ok &= np.array([net.site_country[h] in gmp for h in hosp], dtype=bool)
        ok &= activity[b_idx] > 0
        forced_via = {
            h: v for h in set(hosp.tolist()) if (v := _via(net, pi, product, h)) is not None
        }
        for ri in run_ids:
            run = cand.runs[ri]
            if run.eop > t_admin.max() or run.eop < t_admin.min() - shelf:
                continue
            routes = dict(net.routes_from(site, run.release, product))
            for h, via in forced_via.items():
                forced = net.route(site, h, run.release, product, via=via)
                if forced is None:
                    routes.pop(h, None)
                else:
                    routes[h] = forced
            arrive_at = np.full(n_sites, math.inf)
            arrive_at[list(routes)] = [r.arrive for r in routes.values()]
            age = t_admin - run.eop
            mask = (
                ok & (age >= 0) & (age <= shelf) & (arrive_at[hosp] + o.arrival_buffer_s <= t_admin)
            )
            for j in np.flatnonzero(mask):
                bi = int(b_idx[j])
                need = float(activity[bi] * math.exp(lam * age[j]))
                alloc_of_booking[bi].append(Allocation(bi, ri, routes[int(hosp[j])], need))

    for pid in by_product:
        for pi in producers.get(pid, []):
            allocate(pid, pi, runs_of_process[pi])
    # bookings the start grid misses get a run timed for them (latest start that serves them)
    for pi, starts in _deadline_starts(net, cand, bookings, alloc_of_booking, producers, o).items():
        new_ids = []
        for t in starts:
            proc = sc.processes[pi]
            eop = t + proc.duration
            cand.runs.append(Run(pi, t, eop, eop + proc.qc_release))
            new_ids.append(len(cand.runs) - 1)
        runs_of_process[pi].extend(new_ids)
        allocate(sc.processes[pi].output, pi, new_ids)
    for bi in sorted(alloc_of_booking):
        options = sorted(alloc_of_booking[bi], key=lambda a: a.need_eop)[: o.per_booking]
        cand.allocations.extend(options)

    # 3. every run whose process consumes activity needs a feed row, flows or not
    for ri, run in enumerate(cand.runs):
        proc = sc.processes[run.process]
        feeds = [inp for inp in proc.inputs if inp.activity_feed]
        if feeds and proc.kind != ProcessKind.ELUTION:
            lam_q = float(net.product_lambda[net.product_index[feeds[0].product]])
            cand.feed_needed[ri] = 1.0 / (proc.yield_fraction * math.exp(-lam_q * proc.duration))

    # 4. generators to elution slots, then upstream flows back to raw production
    useful = {a.run for a in cand.allocations}
    _generator_flows(net, cand, runs_of_process, producers, products, useful, o.per_feed)
    frontier = sorted(useful)
    while frontier:
        next_frontier: set[int] = set()
        for ri in frontier:
            run = cand.runs[ri]
            proc = sc.processes[run.process]
            feeds = [inp for inp in proc.inputs if inp.activity_feed]
            if not feeds:
                continue
            feed = feeds[0]
            q = products[feed.product]
            lam_q = float(net.product_lambda[net.product_index[q.id]])
            if proc.kind == ProcessKind.ELUTION:
                continue  # generator flows were built per elution process above
            dst_site = net.site_index[proc.site]
            options_f: list[Flow] = []
            for pi in producers.get(q.id, []):
                src_site = net.site_index[sc.processes[pi].site]
                for si in runs_of_process[pi]:
                    src = cand.runs[si]
                    age = run.start - src.eop
                    if src.release > run.start or age > (q.shelf_life or math.inf):
                        continue
                    route = net.route(
                        src_site, dst_site, src.release, q, via=_via(net, pi, q, dst_site)
                    )
                    if route is None or route.arrive > run.start:
                        continue
                    options_f.append(Flow(si, ri, route, math.exp(-lam_q * age)))
            options_f.sort(key=lambda f: -f.factor)
            for f in options_f[: o.per_feed]:
                cand.flows.append(f)
                if f.src not in useful:
                    useful.add(f.src)
                    next_frontier.add(f.src)
        frontier = sorted(next_frontier)
    _explain_missing(net, cand, bookings, producers, products, o)
    return cand


def _deadline_starts(
    net: PlanningNetwork,
    cand: Candidates,
    bookings: list[Booking],
    served: dict[int, list[Allocation]],
    producers: dict[str, list[int]],
    opts: CandidateOptions,
) -> dict[int, set[float]]:
    """Extra start instants, per process, for bookings that no grid run can serve.

    For each such booking and producing process: the route's duration from the oldest useful
    ready time gives the latest ready time that still arrives in time; the latest start in a
    window at or before it (on a whole minute, inside the cycle and outside outages) is added.
    """
    sc = net.scenario
    products = {p.id: p for p in sc.products}
    existing = {(r.process, r.start) for r in cand.runs}
    spans: dict[int, tuple[list[Interval], list[Interval]]] = {}
    extra: dict[int, set[float]] = defaultdict(set)
    for bi, b in enumerate(bookings):
        if bi in served or cand.booking_activity[bi] <= 0:
            continue
        product = products[b.product]
        shelf = product.shelf_life or 30 * DAY
        t_admin = float(cand.booking_time[bi])
        hosp = net.site_index[b.hospital]
        for pi in producers.get(b.product, []):
            proc = sc.processes[pi]
            if proc.kind == ProcessKind.ELUTION:
                continue
            site = net.site_index[proc.site]
            oldest = max(net.earliest + proc.duration, t_admin - shelf) + proc.qc_release
            route = net.route(site, hosp, oldest, product, via=_via(net, pi, product, hosp))
            if route is None:
                continue
            latest_ready = t_admin - opts.arrival_buffer_s - (route.arrive - route.ready)
            latest = latest_ready - proc.qc_release - proc.duration
            windows, allowed = spans.setdefault(pi, process_intervals(net, proc))
            fits = [
                float(np.floor(min(latest, hi - 60.0) / 60.0) * 60.0)
                for lo, hi in windows
                if lo <= latest
            ]
            for t in sorted(fits, reverse=True):
                if t < _lo_bound(net, t_admin, shelf, proc):
                    break
                if covers(allowed, t, t + proc.duration) and any(
                    lo <= t < hi for lo, hi in windows
                ):
                    if (pi, t) not in existing:
                        extra[pi].add(t)
                    break
    return extra


def _lo_bound(net: PlanningNetwork, t_admin: float, shelf: float, proc: Process) -> float:
    """Earliest start still useful for a booking: within the shelf life and the plan."""
    return max(net.earliest, t_admin - shelf - proc.duration)


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
                life = src.eop + (gen.shelf_life or 14 * DAY)
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


def _calendar_verdict(
    net: PlanningNetwork,
    proc: Process,
    t_admin: float,
    shelf: float,
    arrives: Callable[[float], bool],
) -> str:
    """Why no run fits: an outage or cycle (``site_in_outage``) or the weekly hours."""
    windows, allowed = process_intervals(net, proc)
    lo = max(net.earliest, t_admin - shelf - proc.duration)
    hi = t_admin - proc.duration
    step = 900.0
    for w_lo, w_hi in windows:
        t = max(w_lo, lo)
        while t < min(w_hi, hi):
            if arrives(t + proc.duration + proc.qc_release):
                blocked = not covers(allowed, t, t + proc.duration)
                return "site_in_outage" if blocked else "outside_operating_hours"
            t += step
    return "outside_operating_hours"


def _explain_missing(
    net: PlanningNetwork,
    cand: Candidates,
    bookings: list[Booking],
    producers: dict[str, list[int]],
    products: dict[str, Product],
    opts: CandidateOptions,
) -> None:
    """Give every booking without a candidate its binding reason."""
    served = {a.booking for a in cand.allocations}
    sc = net.scenario
    for bi, b in enumerate(bookings):
        if bi in served:
            continue
        product = products.get(b.product)
        hosp = net.site_index[b.hospital]
        if cand.booking_activity[bi] <= 0:
            cand.reasons[bi] = (
                "no_dose",
                f"neither the booking nor product {b.product} states an activity to administer",
            )
            continue
        country = net.site_country[hosp]
        if product is None or not net.approved(b.product, country):
            cand.reasons[bi] = ("not_approved", f"{b.product} is not approved in {country}")
            continue
        makers = producers.get(b.product, [])
        if not makers:
            cand.reasons[bi] = ("no_producer", f"no process makes {b.product}")
            continue
        t_admin = epoch(b.administration)
        shelf = product.shelf_life or math.inf
        verdicts: set[str] = set()
        for pi in makers:
            proc = sc.processes[pi]
            site = net.site_index[proc.site]
            via = _via(net, pi, product, hosp)
            oldest_eop = t_admin - shelf if math.isfinite(shelf) else net.earliest - 30 * DAY
            probe = max(oldest_eop, net.earliest + proc.duration) + proc.qc_release
            unclamped = oldest_eop + proc.qc_release

            def arrives(
                ready: float,
                relax: bool = False,
                through: int | None = via,
                site: int = site,
                hosp: int = hosp,
                product: Product = product,
                t_admin: float = t_admin,
            ) -> bool:
                route = net.route(site, hosp, ready, product, via=through, relax=relax)
                return route is not None and route.arrive + opts.arrival_buffer_s <= t_admin

            if arrives(probe):
                verdicts.add(_calendar_verdict(net, proc, t_admin, shelf, arrives))
            elif probe > unclamped and arrives(unclamped):
                verdicts.add("lead_time")
            elif via is not None and arrives(probe, through=None):
                verdicts.add("contract_excludes")
            elif arrives(probe, relax=True):
                verdicts.add("export_restricted")
        outage = bool(verdicts & {"site_in_outage", "outside_operating_hours"})
        if "lead_time" in verdicts and not outage:
            cand.reasons[bi] = (
                "lead_time",
                "production would have to start before the planning start "
                f"({len(makers)} producer(s) checked)",
            )
            continue
        if "contract_excludes" in verdicts and not outage:
            cand.reasons[bi] = (
                "contract_excludes",
                f"an exclusive distribution contract for {b.product} in {country} leaves no "
                "route in time",
            )
            continue
        relaxed_ok = "export_restricted" in verdicts
        if "site_in_outage" in verdicts:
            cand.reasons[bi] = (
                "site_in_outage",
                f"the {b.product} producers that could serve this booking are in a planned "
                "outage, off-cycle or not yet open at the time needed",
            )
        elif outage:
            cand.reasons[bi] = (
                "outside_operating_hours",
                f"no {b.product} producer that could reach {b.hospital} in time works at the "
                "hours needed (weekly production windows or elution times)",
            )
        elif relaxed_ok:
            cand.reasons[bi] = (
                "export_restricted",
                f"every route to {country} within the shelf life crosses an export restriction",
            )
        else:
            cand.reasons[bi] = (
                "no_route_within_shelf_life",
                f"no producer of {b.product} reaches {b.hospital} within the shelf life "
                f"({shelf / 3600:.1f} h)",
            )
