"""The scenario compiled for planning: indexed sites, timetables expanded to UTC, routing.

Routing is time-dependent on FIFO lanes. From a site at a ready time ``t`` a lane's departure
is the next one in its expanded timetable at or after ``t + handling`` (a binary search), or,
on demand, ``t + max(handling, on_demand_lead)``; arrival adds transit and customs. A
departure inside an export restriction of the origin's country (cross-border lanes, product
restricted) cannot be taken: the goods wait for the next departure outside it (on demand:
the end of the restriction). Lanes refusing class-7 cargo never carry radioactive products
(:func:`isoflow.scenario.rules.lane_carries`). An exclusive distribution contract forces the
route through the distributor's site (``via``).

Three searches share these rules:

* :meth:`PlanningNetwork.routes_from`: earliest arrival (Dijkstra on arrival time);
* :meth:`PlanningNetwork.pareto_routes`: every route not dominated on (arrival, cost), a
  multi-label label-setting search;
* :meth:`PlanningNetwork.latest_ready` / :meth:`PlanningNetwork.latest_ready_all`: the
  latest ready time that still arrives by a deadline, a backward search exactly consistent
  with the forward one (FIFO: goods ready earlier never arrive later, so "ready by then"
  suffices).
"""

from __future__ import annotations

import bisect
import heapq
import math
from collections import defaultdict
from dataclasses import dataclass, field

import numpy as np
import numpy.typing as npt

from isoflow.domain.calendar import weekly_instants
from isoflow.domain.nuclides import default_data
from isoflow.engines.planner.routing import (
    LaneEdge,
    Leg,
    Route,
    Windows,
    _depart_after,
    _depart_before,
    _dominated_at,
    _label_fronts,
    _latest_departure_on_demand,
    _latest_with,
    _pareto_front,
    _thin,
)
from isoflow.scenario.rules import (
    export_windows,
    lane_carries,
    lane_closures,
    leg_arrival,
    shelf_life_s,
)
from isoflow.scenario.schema import Product, Scenario

__all__ = ["DAY", "LaneEdge", "Leg", "PlanningNetwork", "Route", "Windows"]

DAY = 86400.0


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
    lanes_into: list[list[int]] = field(init=False)

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
        self.lanes_into = [[] for _ in sc.sites]
        self.departures = []
        window_end = self.horizon_end + 2 * DAY
        for i, lane in enumerate(sc.lanes):
            self.lanes_from[self.site_index[lane.origin]].append(i)
            self.lanes_into[self.site_index[lane.destination]].append(i)
            if lane.timetable:
                tz = sc.sites[self.site_index[lane.origin]].timezone
                entries = [(tuple(str(d) for d in dep.days), dep.time) for dep in lane.timetable]
                self.departures.append(
                    weekly_instants(entries, tz, self.earliest - DAY, window_end)
                )
            else:
                self.departures.append(np.zeros(0, dtype=np.float64))
        self._restrictions = tuple(sc.policies.export_restrictions)
        self._export_cache: dict[tuple[str, str], Windows] = {}
        self._closures = [lane_closures(lane) for lane in sc.lanes]
        """Per lane: periods in which it takes no consignment (:func:`.rules.lane_closures`)."""
        self._windowed = bool(self._restrictions) or any(self._closures)
        """Some departures are barred (export restrictions, lane closures): searches check."""
        approvals: dict[str, set[str]] = defaultdict(set)
        for a in sc.policies.approvals:
            approvals[a.product].update(a.countries)
        self._approvals = dict(approvals)
        self._route_cache: dict[tuple[int, float, str, bool], dict[int, Route]] = {}
        self._pareto_cache: dict[
            tuple[int, float, str, bool, int | None, int], dict[int, tuple[Route, ...]]
        ] = {}
        self._front_cache: dict[tuple[int, float, str, bool], dict[int, tuple[Route, ...]]] = {}
        self._latest_cache: dict[tuple[int, float, str, bool], dict[int, float]] = {}
        self._edge_cache: dict[str, tuple[list[list[LaneEdge]], list[list[LaneEdge]]]] = {}
        self._carries_cache: dict[str, list[bool]] = {}
        # per-lane values read by the routing loops (plain lists: no attribute look-ups there)
        self._lane_origin = [self.site_index[lane.origin] for lane in sc.lanes]
        self._lane_dest = [self.site_index[lane.destination] for lane in sc.lanes]
        self._lane_cross = [
            self.site_country[o] != self.site_country[d]
            for o, d in zip(self._lane_origin, self._lane_dest, strict=True)
        ]
        self._lane_times = [times.tolist() for times in self.departures]
        self._lane_cost = [lane.cost_per_shipment + lane.cost_per_package for lane in sc.lanes]
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
        """True if ``country`` restricts exports of ``product`` at ``when`` (one rule)."""
        return any(lo <= when < hi for lo, hi in self._export_windows(country, product) or ())

    def carrying_lanes(self, product: Product) -> list[bool]:
        """Per lane: True if it may carry ``product`` (:func:`.rules.lane_carries`).

        Computed once per product id and shared by every search.
        """
        carries = self._carries_cache.get(product.id)
        if carries is None:
            carries = [lane_carries(lane, product) for lane in self.scenario.lanes]
            self._carries_cache[product.id] = carries
        return carries

    def _export_windows(self, country: str, product: str) -> Windows | None:
        """Sorted restriction windows on exports of ``product`` from ``country``; None if none.

        From :func:`.rules.export_windows`, once per country and product.
        """
        key = (country, product)
        wins = self._export_cache.get(key)
        if wins is None:
            wins = export_windows(self._restrictions, country, product)
            self._export_cache[key] = wins
        return wins or None

    def _edges(self, product: Product) -> tuple[list[list[LaneEdge]], list[list[LaneEdge]]]:
        """(forward edges per site, backward edges per site) of the lanes carrying ``product``."""
        cached = self._edge_cache.get(product.id)
        if cached is not None:
            return cached
        out: list[list[LaneEdge]] = [[] for _ in self.scenario.sites]
        into: list[list[LaneEdge]] = [[] for _ in self.scenario.sites]
        carries = self.carrying_lanes(product)
        windows: dict[str, Windows | None] = {}
        for li, lane in enumerate(self.scenario.lanes):
            if not carries[li]:
                continue
            u, v = self._lane_origin[li], self._lane_dest[li]
            country = self.site_country[u]
            if country not in windows:
                windows[country] = self._export_windows(country, product.id)
            wins = windows[country] if self._lane_cross[li] else None
            if self._closures[li]:
                wins = tuple(sorted((wins or ()) + self._closures[li]))
            times = self._lane_times[li] if lane.timetable else None
            lead = lane.handling if times is not None else max(lane.handling, lane.on_demand_lead)
            customs = lane.border.customs_delay if lane.border is not None else 0.0
            args = (times, lead, lane.transit, customs, self._lane_cost[li], wins)
            out[u].append(LaneEdge(li, v, *args))
            into[v].append(LaneEdge(li, u, *args))
        self._edge_cache[product.id] = (out, into)
        return out, into

    def _arrival_bound(self, ready: float, product: Product) -> float:
        """Latest useful arrival [s] of goods ready at ``ready`` (the same for every search).

        Within the shelf life, or, with no shelf life, two days past the horizon.
        """
        shelf = shelf_life_s(product)
        return ready + shelf if math.isfinite(shelf) else self.horizon_end + 2 * DAY

    @property
    def has_restrictions(self) -> bool:
        """True if any departure is barred (export restriction, lane closure): searches check."""
        return self._windowed

    def edges_from(self, site: int, product: Product) -> list[LaneEdge]:
        """The lanes out of ``site`` that carry ``product`` (``other``: their destination).

        Shared with the searches: do not mutate.
        """
        return self._edges(product)[0][site]

    def edges_into(self, site: int, product: Product) -> list[LaneEdge]:
        """The lanes into ``site`` that carry ``product`` (``other``: their origin).

        Shared with the searches: do not mutate.
        """
        return self._edges(product)[1][site]

    # ------------------------------------------------------------------ routing

    def arrival(self, lane_idx: int, depart: float) -> float:
        """Arrival instant (customs cleared) [s] for a departure on a lane at ``depart`` [s]."""
        return leg_arrival(self.scenario.lanes[lane_idx], depart)

    def _route_of(self, legs: list[Leg], ready: float) -> Route:
        """A route of ``legs`` (in travel order) with its cost proxy summed leg by leg."""
        cost = 0.0
        for leg in legs:
            cost += self._lane_cost[leg.lane]
        return Route(tuple(legs), ready, legs[-1].arrive if legs else ready, cost)

    def routes_from(
        self, origin: int, ready: float, product: Product, relax: bool = False
    ) -> dict[int, Route]:
        """Earliest-arrival routes from ``origin`` (ready at ``ready`` [s]) to every reachable site.

        Arrivals later than ``ready`` plus the shelf life (none: 30 d) are dropped. ``relax``
        ignores export restrictions (used to explain why a booking is unserved). The result is
        cached and shared: do not mutate it.
        """
        key = (origin, ready, product.id, relax)
        cached = self._route_cache.get(key)
        if cached is not None:
            return cached
        best: dict[int, float] = {origin: ready}
        back: dict[int, tuple[int, Leg]] = {}
        heap: list[tuple[float, int]] = [(ready, origin)]
        done: set[int] = set()
        limit = self._arrival_bound(ready, product)
        out_edges = self._edges(product)[0]
        check = self._windowed and not relax
        bisect_left, inf = bisect.bisect_left, math.inf
        while heap:
            t, u = heapq.heappop(heap)
            if u in done:
                continue
            done.add(u)
            for edge in out_edges[u]:
                li, v, times, lead, transit, customs, _, windows = edge
                if windows is not None and check:
                    dep = _depart_after(edge, t, True)
                elif times is None:
                    dep = t + lead
                else:
                    k = bisect_left(times, t + lead)
                    if k == len(times):
                        continue
                    dep = times[k]
                arr = dep + transit + customs
                if arr > limit:
                    continue
                if arr < best.get(v, inf):
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
            legs.reverse()
            routes[v] = self._route_of(legs, ready)
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
        """Earliest-arrival route (ready at ``ready`` [s]), optionally forced through ``via``."""
        if via is None or via in (origin, destination):
            return self.routes_from(origin, ready, product, relax).get(destination)
        first = self.routes_from(origin, ready, product, relax).get(via)
        if first is None:
            return None
        second = self.routes_from(via, first.arrive, product, relax).get(destination)
        if second is None:
            return None
        return Route(first.legs + second.legs, ready, second.arrive, first.cost + second.cost)

    # ------------------------------------------------------------------ Pareto routes

    def pareto_routes(
        self,
        origin: int,
        ready: float,
        product: Product,
        relax: bool = False,
        via: int | None = None,
        limit: int = 4,
    ) -> dict[int, tuple[Route, ...]]:
        """Routes from ``origin`` not dominated on (arrival, cost), per reachable destination.

        Goods are ready at ``ready`` [s since epoch]. Per destination the routes are sorted
        earliest first (so costs fall strictly); the first has the earliest arrival (as
        :meth:`route`). At most ``limit`` are kept: the earliest, the cheapest, and the rest
        spread over arrival time. Routes arriving later than ``ready`` plus the shelf life
        (none: ``horizon_end`` + 2 d) are dropped. The rules are those of :meth:`routes_from`;
        ``via`` forces the route through that site (the Pareto sets origin -> via and
        via -> destination combined; such a route may pass a site twice, as :meth:`route`'s).
        The result is cached and shared: do not mutate it.
        """
        if limit < 1:
            raise ValueError(f"limit must be at least 1, not {limit}")
        if via == origin:
            via = None
        key = (origin, ready, product.id, relax, via, limit)
        cached = self._pareto_cache.get(key)
        if cached is not None:
            return cached
        fronts = (
            self._pareto_search(origin, ready, product, relax)
            if via is None
            else self._pareto_via(origin, ready, product, relax, via)
        )
        result = {v: _thin(front, limit) for v, front in fronts.items()}
        self._pareto_cache[key] = result
        return result

    def _pareto_search(
        self, origin: int, ready: float, product: Product, relax: bool
    ) -> dict[int, tuple[Route, ...]]:
        """Every non-dominated (arrival, cost) route from ``origin``: multi-label label setting.

        Labels are popped in (arrival, cost) order; transit is positive, so a popped label is
        never dominated later. A label dominated at its site is dropped (FIFO lanes and
        additive costs make its every extension dominated too), which also drops every cycle.
        """
        key = (origin, ready, product.id, relax)
        cached = self._front_cache.get(key)
        if cached is not None:
            return cached
        bound = self._arrival_bound(ready, product)
        out_edges = self._edges(product)[0]
        check = self._windowed and not relax
        # label i: arrival, cost, site, parent label, lane and departure of the leg into it
        arrs, costs, sites, parents, lanes, deps = [ready], [0.0], [origin], [-1], [-1], [ready]
        alive = [True]
        at: list[list[int]] = [[] for _ in self.scenario.sites]
        at[origin].append(0)
        heap: list[tuple[float, float, int]] = [(ready, 0.0, 0)]
        bisect_left, heappush, heappop = bisect.bisect_left, heapq.heappush, heapq.heappop
        while heap:
            t, c, i = heappop(heap)
            if not alive[i]:
                continue
            for edge in out_edges[sites[i]]:
                li, v, times, lead, transit, customs, edge_cost, windows = edge
                if windows is not None and check:
                    dep = _depart_after(edge, t, True)
                elif times is None:
                    dep = t + lead
                else:
                    k = bisect_left(times, t + lead)
                    if k == len(times):
                        continue
                    dep = times[k]
                arr = dep + transit + customs
                if arr > bound:
                    continue
                cost = c + edge_cost
                here = at[v]
                if here and _dominated_at(here, arr, cost, arrs, costs, alive):
                    continue
                here.append(len(arrs))
                heappush(heap, (arr, cost, len(arrs)))
                arrs.append(arr)
                costs.append(cost)
                sites.append(v)
                parents.append(i)
                lanes.append(li)
                deps.append(dep)
                alive.append(True)
        fronts = _label_fronts(at, ready, arrs, costs, parents, lanes, deps)
        self._front_cache[key] = fronts
        return fronts

    def _pareto_via(
        self, origin: int, ready: float, product: Product, relax: bool, via: int
    ) -> dict[int, tuple[Route, ...]]:
        """Non-dominated routes forced through ``via``: fronts origin -> via -> destination."""
        firsts = self._pareto_search(origin, ready, product, relax).get(via, ())
        combined: dict[int, list[Route]] = defaultdict(list)
        for first in firsts:
            for v, seconds in self._pareto_search(via, first.arrive, product, relax).items():
                if v == via:
                    continue
                for second in seconds:
                    combined[v].append(
                        Route(
                            first.legs + second.legs,
                            ready,
                            second.arrive,
                            first.cost + second.cost,
                        )
                    )
        fronts: dict[int, tuple[Route, ...]] = {origin: (Route((), ready, ready),)}
        if firsts:
            fronts[via] = firsts
        for v, routes in combined.items():
            if v != origin:
                fronts[v] = tuple(_pareto_front(routes))
        return fronts

    # ------------------------------------------------------------------ latest ready time

    def latest_ready(
        self,
        origin: int,
        destination: int,
        deadline: float,
        product: Product,
        relax: bool = False,
        via: int | None = None,
    ) -> float | None:
        """Latest ready time [s] at ``origin`` that reaches ``destination`` by ``deadline`` [s].

        Over every route; None if none arrives in time. Exactly consistent with :meth:`route`:
        from the returned ready time ``r`` the earliest-arrival route arrives by ``deadline``;
        from any ready time after ``r`` none does. Ready times earlier than ``deadline`` minus
        the shelf life are not searched (goods that old would expire): None. ``via`` forces
        the route through that site. ``origin == destination`` gives ``deadline``.
        """
        if via is None or via in (origin, destination):
            return self.latest_ready_all(destination, deadline, product, relax).get(origin)
        inner = self.latest_ready_all(destination, deadline, product, relax).get(via)
        if inner is None:
            return None
        outer = self.latest_ready_all(via, inner, product, relax).get(origin)
        if outer is None or outer < deadline - shelf_life_s(product):
            return None
        return outer

    def latest_ready_by_last_lane(
        self,
        origin: int,
        destination: int,
        deadline: float,
        product: Product,
        relax: bool = False,
    ) -> dict[int, float]:
        """Latest ready time [s] at ``origin`` per last lane of a route arriving by ``deadline``.

        Keys are the lanes into ``destination``; each value is the latest ready time over the
        routes whose last leg is that lane and that reach ``destination`` by ``deadline`` [s].
        A cheaper, slower last lane has its own, earlier latest time; the largest value is
        :meth:`latest_ready`. Lanes with no such route (or only one leaving before
        ``deadline`` minus the shelf life) are omitted; ``origin == destination`` gives ``{}``.
        """
        if origin == destination:
            return {}
        floor = deadline - shelf_life_s(product)
        check = self.has_restrictions and not relax
        out: dict[int, float] = {}
        for edge in self.edges_into(destination, product):
            dep = _depart_before(edge, deadline, check)
            if dep == -math.inf:
                continue
            at = _latest_with(dep, edge.lead)
            ready: float | None = at
            if edge.other != origin:
                ready = self.latest_ready_all(edge.other, at, product, relax).get(origin)
            if ready is not None and ready >= floor:
                out[edge.lane] = ready
        return out

    def latest_ready_all(
        self, destination: int, deadline: float, product: Product, relax: bool = False
    ) -> dict[int, float]:
        """Latest ready time [s] at every site that reaches ``destination`` by ``deadline`` [s].

        One backward time-dependent search (Dijkstra on latest time, latest first): for a
        lane into a site whose latest time is ``L``, the latest departure arriving by ``L``
        that no export restriction blocks (timetabled: a binary search in the expanded
        timetable; on demand: ``L`` − transit − customs), less handling (on demand:
        max(handling, on_demand_lead)). Sites whose latest ready time is earlier than
        ``deadline`` minus the shelf life are omitted. ``destination`` maps to ``deadline``.
        The result is cached and shared: do not mutate it.
        """
        key = (destination, deadline, product.id, relax)
        cached = self._latest_cache.get(key)
        if cached is not None:
            return cached
        floor = deadline - shelf_life_s(product)
        into = self._edges(product)[1]
        check = self._windowed and not relax
        best: dict[int, float] = {destination: deadline}
        heap: list[tuple[float, int]] = [(-deadline, destination)]
        done: set[int] = set()
        nextafter, inf = math.nextafter, math.inf
        while heap:
            neg, v = heapq.heappop(heap)
            if v in done:
                continue
            done.add(v)
            latest = -neg
            for edge in into[v]:
                _, u, times, lead, transit, customs, _, windows = edge
                if times is None and (windows is None or not check):
                    # on demand, exact in floating point (the helper if rounding bites)
                    dep = latest - customs - transit
                    if dep + transit + customs > latest or (
                        nextafter(dep, inf) + transit + customs <= latest
                    ):
                        dep = _latest_departure_on_demand(latest, transit, customs)
                else:
                    dep = _depart_before(edge, latest, check)
                    if dep == -inf:
                        continue
                t = dep - lead
                if t + lead > dep or nextafter(t, inf) + lead <= dep:
                    t = _latest_with(dep, lead)
                if t >= floor and t > best.get(u, -inf):
                    best[u] = t
                    heapq.heappush(heap, (-t, u))
        self._latest_cache[key] = best
        return best
