"""The scenario compiled for planning: indexed sites, timetables expanded to UTC, routing.

Routing is a time-dependent earliest-arrival search (Dijkstra on arrival time; FIFO lanes):
from a site at a ready time, each lane's next usable departure is found with a binary search
in its expanded timetable (or, on demand, after the lane's notice), and arrival adds transit
and customs. Export restrictions and class-7 refusals are hard rules of the search; an
exclusive distribution contract forces the route through the distributor's site.
"""

from __future__ import annotations

import bisect
import heapq
import math
from collections import defaultdict
from dataclasses import dataclass, field

import numpy as np
import numpy.typing as npt

from isoflow.domain.calendar import epoch, weekly_instants
from isoflow.domain.nuclides import default_data
from isoflow.scenario.rules import is_class7
from isoflow.scenario.schema import Product, Scenario

DAY = 86400.0


@dataclass(frozen=True, slots=True)
class Leg:
    """One leg of a route: a departure on a lane."""

    lane: int
    depart: float
    arrive: float


@dataclass(frozen=True, slots=True)
class Route:
    """A sequence of legs from an origin site to a destination site."""

    legs: tuple[Leg, ...]
    ready: float
    arrive: float


@dataclass
class PlanningNetwork:
    """Indexed view of a scenario over a planning window.

    Attributes
    ----------
    scenario
        The scenario.
    earliest
        First instant a production run may start [s since epoch].
    horizon_start, horizon_end
        Bookings administered in ``[horizon_start, horizon_end)`` are planned [s since epoch].
    """

    scenario: Scenario
    earliest: float
    horizon_start: float
    horizon_end: float
    site_index: dict[str, int] = field(init=False)
    site_country: list[str] = field(init=False)
    product_index: dict[str, int] = field(init=False)
    product_lambda: npt.NDArray[np.float64] = field(init=False)
    departures: list[npt.NDArray[np.float64]] = field(init=False)
    lanes_from: list[list[int]] = field(init=False)

    def __post_init__(self) -> None:
        sc = self.scenario
        self.site_index = {s.id: i for i, s in enumerate(sc.sites)}
        self.site_country = [s.country for s in sc.sites]
        self.product_index = {p.id: i for i, p in enumerate(sc.products)}
        data = default_data()
        self.product_lambda = np.array(
            [data.decay_constants([p.nuclide])[0] for p in sc.products], dtype=np.float64
        )
        self.lanes_from = [[] for _ in sc.sites]
        self.departures = []
        window_end = self.horizon_end + 2 * DAY
        for i, lane in enumerate(sc.lanes):
            self.lanes_from[self.site_index[lane.origin]].append(i)
            if lane.timetable:
                tz = sc.sites[self.site_index[lane.origin]].timezone
                entries = [(tuple(str(d) for d in dep.days), dep.time) for dep in lane.timetable]
                self.departures.append(
                    weekly_instants(entries, tz, self.earliest - DAY, window_end)
                )
            else:
                self.departures.append(np.zeros(0, dtype=np.float64))
        self._restrictions = [
            (r.country, set(r.products), epoch(r.start), epoch(r.end) if r.end else math.inf)
            for r in sc.policies.export_restrictions
        ]
        approvals: dict[str, set[str]] = defaultdict(set)
        for a in sc.policies.approvals:
            approvals[a.product].update(a.countries)
        self._approvals = dict(approvals)
        self._route_cache: dict[tuple[int, float, str, bool], dict[int, Route]] = {}
        # per-lane values read by the routing loop (plain lists: no attribute look-ups there)
        self._lane_dest = [self.site_index[lane.destination] for lane in sc.lanes]
        self._lane_cross = [
            self.site_country[self.site_index[lane.origin]] != self.site_country[dest]
            for lane, dest in zip(sc.lanes, self._lane_dest, strict=True)
        ]
        self._lane_class7 = [lane.accepts_class7 for lane in sc.lanes]
        self._lane_times = [times.tolist() for times in self.departures]
        self.exclusive_by_supplier: dict[tuple[str, str], list[tuple[set[str], int]]] = {}
        for c in sc.policies.exclusive_distribution:
            self.exclusive_by_supplier.setdefault((c.supplier, c.product), []).append(
                (set(c.countries), self.site_index[c.distributor])
            )

    # ------------------------------------------------------------------ rules

    def approved(self, product: str, country: str) -> bool:
        """True if ``product`` may be used in ``country`` (no approval entry: everywhere)."""
        allowed = self._approvals.get(product)
        return allowed is None or country in allowed

    def export_blocked(self, country: str, product: str, when: float) -> bool:
        """True if ``country`` restricts exports of ``product`` at instant ``when``."""
        return any(
            c == country and (not prods or product in prods) and lo <= when < hi
            for c, prods, lo, hi in self._restrictions
        )

    # ------------------------------------------------------------------ routing

    def arrival(self, lane_idx: int, depart: float) -> float:
        """Arrival instant (customs cleared) for a departure on a lane."""
        lane = self.scenario.lanes[lane_idx]
        customs = lane.border.customs_delay if lane.border is not None else 0.0
        return depart + lane.transit + customs

    def routes_from(
        self, origin: int, ready: float, product: Product, relax: bool = False
    ) -> dict[int, Route]:
        """Earliest-arrival routes from ``origin`` (ready at ``ready``) to every reachable site.

        ``relax`` ignores export restrictions (used to explain why a booking is unserved).
        """
        key = (origin, ready, product.id, relax)
        cached = self._route_cache.get(key)
        if cached is not None:
            return cached
        best: dict[int, float] = {origin: ready}
        back: dict[int, tuple[int, Leg]] = {}
        heap: list[tuple[float, int]] = [(ready, origin)]
        done: set[int] = set()
        limit = ready + (product.shelf_life or 30 * DAY)
        lanes = self.scenario.lanes
        radioactive = is_class7(product)
        check_exports = bool(self._restrictions) and not relax
        while heap:
            t, u = heapq.heappop(heap)
            if u in done:
                continue
            done.add(u)
            for li in self.lanes_from[u]:
                if radioactive and not self._lane_class7[li]:
                    continue
                lane = lanes[li]
                if lane.timetable:
                    times = self._lane_times[li]
                    k = bisect.bisect_left(times, t + lane.handling)
                    if k == len(times):
                        continue
                    dep = times[k]
                else:
                    dep = t + max(lane.handling, lane.on_demand_lead)
                if check_exports and self._lane_cross[li]:
                    origin_country = self.site_country[u]
                    if self.export_blocked(origin_country, product.id, dep):
                        continue
                arr = self.arrival(li, dep)
                if arr > limit:
                    continue
                v = self._lane_dest[li]
                if arr < best.get(v, math.inf):
                    best[v] = arr
                    back[v] = (u, Leg(li, dep, arr))
                    heapq.heappush(heap, (arr, v))
        routes: dict[int, Route] = {origin: Route((), ready, ready)}
        for v in best:
            if v == origin:
                continue
            legs: list[Leg] = []
            node = v
            while node != origin:
                prev, leg = back[node]
                legs.append(leg)
                node = prev
            routes[v] = Route(tuple(reversed(legs)), ready, best[v])
        self._route_cache[key] = routes
        return routes

    def route(
        self,
        origin: int,
        destination: int,
        ready: float,
        product: Product,
        via: int | None = None,
        relax: bool = False,
    ) -> Route | None:
        """Earliest-arrival route, optionally forced through site ``via``."""
        if via is None or via in (origin, destination):
            return self.routes_from(origin, ready, product, relax).get(destination)
        first = self.routes_from(origin, ready, product, relax).get(via)
        if first is None:
            return None
        second = self.routes_from(via, first.arrive, product, relax).get(destination)
        if second is None:
            return None
        return Route(first.legs + second.legs, ready, second.arrive)
