"""Route checks of a scenario: each booked product must reach its hospital in time.

Part of :mod:`isoflow.scenario.validate` (its warnings ``no_route`` and ``shelf_life``).
"""

from __future__ import annotations

import heapq
import math
from collections import defaultdict
from collections.abc import Iterable

from isoflow.scenario.demand import DemandItem, iter_demand_items
from isoflow.scenario.issues import Issue, Severity
from isoflow.scenario.rules import lane_carries
from isoflow.scenario.schema import Lane, Scenario
from isoflow.units import format_duration


def _lane_time(lane: Lane) -> float:
    customs = lane.border.customs_delay if lane.border is not None else 0.0
    return lane.handling + lane.transit + customs


def _shortest(sources: set[str], graph: dict[str, list[tuple[str, float]]]) -> dict[str, float]:
    """Dijkstra from several sources: fastest door-to-door time to every reachable site [s]."""
    best: dict[str, float] = dict.fromkeys(sources, 0.0)
    queue = [(0.0, site) for site in sources]
    heapq.heapify(queue)
    while queue:
        dist, here = heapq.heappop(queue)
        if dist > best.get(here, math.inf):
            continue
        for there, cost in graph.get(here, ()):
            nd = dist + cost
            if nd < best.get(there, math.inf):
                best[there] = nd
                heapq.heappush(queue, (nd, there))
    return best


def route_warnings(s: Scenario, made: dict[str, set[str]]) -> Iterable[Issue]:
    """A booked product must be able to reach the hospital within its shelf life.

    ``made``: the sites making each product. Warnings, not errors: the planner lists such
    bookings as unserved with their reason.
    """
    products = {p.id: p for p in s.products}
    first: dict[tuple[str, str], DemandItem] = {}
    count: dict[tuple[str, str], int] = defaultdict(int)
    for b in iter_demand_items(s):
        key = (b.product, b.hospital)
        first.setdefault(key, b)
        count[key] += 1
    by_product: dict[str, list[tuple[str, DemandItem]]] = defaultdict(list)
    for (pid, hospital), b in first.items():
        by_product[pid].append((hospital, b))
    sites = {x.id for x in s.sites}
    for pid, targets in by_product.items():
        product = products.get(pid)
        sources = made.get(pid)
        if product is None or not sources:
            continue
        graph: dict[str, list[tuple[str, float]]] = defaultdict(list)
        for lane in s.lanes:
            if lane_carries(lane, product):
                graph[lane.origin].append((lane.destination, _lane_time(lane)))
        dist = _shortest(sources, graph)
        for hospital, b in targets:
            if hospital not in sites:
                continue  # an unknown site is an error already
            n = count[(pid, hospital)]
            affects = f" (affects {n} booking(s) or order(s))"
            fastest = dist.get(hospital, math.inf)
            if math.isinf(fastest):
                yield Issue(
                    (*b.path, "hospital"),
                    f"no lane route from any producer of {pid!r} to {hospital!r}{affects}",
                    Severity.WARNING,
                    code="no_route",
                )
            elif product.shelf_life is not None and product.shelf_life < fastest:
                yield Issue(
                    (*b.path, "product"),
                    f"shelf life of {pid!r} ({format_duration(product.shelf_life)}) is shorter "
                    f"than the fastest route from a producer to {hospital!r} "
                    f"({format_duration(fastest)}){affects}; the {b.noun} will be listed as "
                    "unserved (no_route_within_shelf_life)",
                    Severity.WARNING,
                    code="shelf_life",
                )
