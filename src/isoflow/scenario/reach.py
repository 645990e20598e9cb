"""Where and how early products can reach sites: a decay-free lower bound on the supply chain.

:func:`supply_reach` gives, for every product and site, the earliest arrival within the
horizon (:class:`Reach`), exact in calendar terms (process availability, timetables,
handling, transit, customs, class-7 lanes) but blind to decay and capacities. The demand
generator (:mod:`isoflow.scenario.bookings`) offers bookings only where a product can arrive
in time, and the dispatch calendars (:mod:`isoflow.scenario.dispatch`) use the same forward
search (:class:`Travel`) from each calendar run.
"""

from __future__ import annotations

import heapq
from collections.abc import Mapping
from dataclasses import dataclass

import numpy as np
import numpy.typing as npt

from isoflow.domain.calendar import Interval, epoch, intersect, weekly_instants
from isoflow.scenario.rules import lane_carries, process_availability, shelf_life_s
from isoflow.scenario.schema import Lane, Process, Scenario, Site

PRODUCTION_LEAD_S = 7 * 86400.0
"""How long before the horizon production may start (the planner's default ``lead``) [s]."""


@dataclass(frozen=True, slots=True)
class Reach:
    """Earliest availability of products at sites within the horizon [s after meta.start]."""

    ready: Mapping[tuple[str, str], float]
    """(product id, site id) -> earliest arrival [s after meta.start]."""
    begin: Mapping[str, float] | None = None
    """Process id -> earliest start of a run [s after meta.start] (inputs arrived, in its
    availability); a process that can never run is absent."""

    def at(self, product: str, site: str) -> float | None:
        """Earliest arrival of ``product`` at ``site`` [s], or None if it cannot get there."""
        return self.ready.get((product, site))


def motion(lane: Lane) -> float:
    """Time a shipment spends on a lane excluding waits [s]: handling, transit, customs."""
    customs = lane.border.customs_delay if lane.border is not None else 0.0
    return lane.handling + lane.transit + customs


def availability(process: Process, site: Site, t0: float, t1: float) -> list[Interval]:
    """When a run of ``process`` may start within ``[t0, t1)`` [s since epoch]."""
    windows, allowed = process_availability(process.availability, site, t0, t1)
    return intersect(windows, allowed)


def _first_at_or_after(spans: list[Interval], t: float) -> float | None:
    for lo, hi in spans:
        if hi > t:
            return max(lo, t)
    return None


class Travel:
    """Earliest arrivals from a site by the scenario's lanes, decay-free, until ``t1``.

    Shipments leave on timetabled departures (or on demand) after handling and arrive after
    transit and customs, on lanes that carry the product (class 7).
    """

    def __init__(self, scenario: Scenario, t_first: float, t1: float) -> None:
        self.t1 = t1
        sites = {s.id: s for s in scenario.sites}
        timetables = {
            lane.id: weekly_instants(
                [(d.days, d.time) for d in lane.timetable],
                sites[lane.origin].timezone,
                t_first,
                t1,
            )
            for lane in scenario.lanes
            if lane.origin in sites and lane.destination in sites
        }
        self.lanes_of: dict[str, dict[str, list[tuple[Lane, npt.NDArray[np.float64]]]]] = {}
        for product in scenario.products:
            lanes_from = self.lanes_of.setdefault(product.id, {})
            for lane in scenario.lanes:
                if lane.id in timetables and lane_carries(lane, product):
                    lanes_from.setdefault(lane.origin, []).append((lane, timetables[lane.id]))

    def __call__(self, origin: str, ready: float, budget: float, product: str) -> dict[str, float]:
        """Earliest arrival at each site from ``origin`` at ``ready``; motion <= ``budget``."""
        lanes_from = self.lanes_of[product]
        best = {origin: (ready, 0.0)}
        heap = [(ready, 0.0, origin)]
        while heap:
            t, moved, node = heapq.heappop(heap)
            if t > best[node][0]:
                continue
            for lane, deps in lanes_from.get(node, ()):
                m = moved + motion(lane)
                if m > budget:
                    continue
                earliest = t + lane.handling
                if lane.timetable:
                    k = int(np.searchsorted(deps, earliest))
                    if k >= deps.size:
                        continue
                    dep = float(deps[k])
                else:
                    dep = earliest + lane.on_demand_lead
                arrive = dep + motion(lane) - lane.handling
                if arrive <= self.t1 and arrive < best.get(lane.destination, (np.inf, 0.0))[0]:
                    best[lane.destination] = (arrive, m)
                    heapq.heappush(heap, (arrive, m, lane.destination))
        return {k: v[0] for k, v in best.items()}


def supply_reach(scenario: Scenario, lead_s: float = PRODUCTION_LEAD_S) -> Reach:
    """Where and how early each product can be delivered within the horizon (no inventory).

    Exact in calendar terms: a process starts in its availability (weekly windows, operating
    cycle, planned outages, site start/end) once every input has arrived; shipments leave on
    timetabled departures (or on demand) after handling, arrive after transit and customs, on
    class-7 lanes only. A product reaches a site if the time in motion from end of production
    (QC release, handling, transit, customs) fits within its shelf life; waits are assumed to
    be avoidable by timing the batch. Decay and capacities are not considered. Production
    may start ``lead_s`` before the horizon (planning next week leaves that long to make
    isotopes), so reach times may be negative.
    """
    t0, t1 = epoch(scenario.meta.start), epoch(scenario.end)
    t_first = t0 - lead_s
    sites = {s.id: s for s in scenario.sites}
    products = {p.id: p for p in scenario.products}
    travel = Travel(scenario, t_first, t1)
    spans = {
        p.id: availability(p, sites[p.site], t_first, t1)
        for p in scenario.processes
        if p.site in sites and p.output in products
    }
    ready: dict[tuple[str, str], float] = {}
    done: dict[str, float] = {}
    for _ in range(len(products) + 1):
        changed = False
        for proc in scenario.processes:
            begin = _begin(proc, spans, ready, t_first)
            if begin is None or done.get(proc.id, np.inf) <= begin:
                continue
            done[proc.id] = begin
            out = products[proc.output]
            release = begin + proc.duration + proc.qc_release
            budget = shelf_life_s(out) - proc.qc_release
            for dest, t in travel(proc.site, release, budget, out.id).items():
                if t <= t1 and t < ready.get((proc.output, dest), np.inf):
                    ready[(proc.output, dest)] = t
                    changed = True
        if not changed:
            break
    return Reach({k: v - t0 for k, v in ready.items()}, {k: v - t0 for k, v in done.items()})


def _begin(
    proc: Process,
    spans: Mapping[str, list[Interval]],
    ready: Mapping[tuple[str, str], float],
    t_first: float,
) -> float | None:
    """Earliest start of ``proc`` once every input has arrived at its site (None: never)."""
    if proc.id not in spans:
        return None
    need = t_first
    for inp in proc.inputs:
        t = ready.get((inp.product, proc.site))
        if t is None:
            return None
        need = max(need, t)
    return _first_at_or_after(spans[proc.id], need)
