"""Route primitives shared by the searches of :class:`.network.PlanningNetwork`.

The values a search returns (:class:`Leg`, :class:`Route`), the lane edges it walks
(:class:`LaneEdge`), the departure arithmetic of one lane (the next departure for goods ready
at an instant, the latest departure arriving by a deadline, export restrictions waited out;
exact in floating point) and the bookkeeping of the Pareto (arrival, cost) labels; also the
choice among the routes of a front that arrive in time. The rules themselves are described in
:mod:`.network`.
"""

from __future__ import annotations

import bisect
import math
from dataclasses import dataclass
from typing import NamedTuple

Windows = tuple[tuple[float, float], ...]
"""Export-restriction windows ``[lo, hi)`` [s since epoch] on one lane, sorted."""


@dataclass(frozen=True, slots=True)
class Leg:
    """One leg of a route: a departure on a lane (instants in s since epoch)."""

    lane: int
    depart: float
    arrive: float


@dataclass(frozen=True, slots=True)
class Route:
    """A sequence of legs from an origin site to a destination site.

    ``ready`` and ``arrive`` are instants [s since epoch]; ``cost`` is a ranking proxy [money]:
    the sum over legs of the lane's cost per shipment plus cost per package (the model
    charges the real costs).
    """

    legs: tuple[Leg, ...]
    ready: float
    arrive: float
    cost: float = 0.0


class LaneEdge(NamedTuple):
    """A lane carrying one product, as the searches read it (a tuple: unpacked in loops).

    Instants in s since epoch, durations in s, cost in money.
    """

    lane: int
    other: int
    """Destination site (forward edges) or origin site (backward edges)."""
    times: list[float] | None
    """Expanded timetable [s since epoch], sorted; None for an on-demand lane."""
    lead: float
    """Ready-to-departure minimum [s]: handling, or max(handling, on_demand_lead) on demand."""
    transit: float
    customs: float
    cost: float
    windows: Windows | None
    """Export restrictions on this lane for the product; None if none apply."""


# ---------------------------------------------------------------------------- time helpers


def _wait_out(windows: Windows, x: float) -> float:
    """Earliest instant ≥ ``x`` outside every window [s]; ``inf`` if none."""
    moved = True
    while moved:
        moved = False
        for lo, hi in windows:
            if lo <= x < hi:
                x, moved = hi, True
    return x


def _last_outside(windows: Windows, x: float) -> float:
    """Latest instant ≤ ``x`` outside every window [s] (just below a window's start)."""
    moved = True
    while moved:
        moved = False
        for lo, hi in windows:
            if lo <= x < hi:
                x, moved = math.nextafter(lo, -math.inf), True
    return x


def _latest_with(d: float, lead: float) -> float:
    """Largest float ``t`` with ``t + lead ≤ d`` (exact in floating point)."""
    t = d - lead
    while t + lead > d:
        t = math.nextafter(t, -math.inf)
    while (up := math.nextafter(t, math.inf)) + lead <= d:
        t = up
    return t


def _latest_departure_on_demand(latest: float, transit: float, customs: float) -> float:
    """Largest float ``d`` with ``d + transit + customs ≤ latest`` (the forward arithmetic)."""
    d = latest - customs - transit
    while d + transit + customs > latest:
        d = math.nextafter(d, -math.inf)
    while (up := math.nextafter(d, math.inf)) + transit + customs <= latest:
        d = up
    return d


def _depart_after(edge: LaneEdge, t: float, check: bool) -> float:
    """Departure taken on ``edge`` by goods ready at ``t`` [s]; ``inf`` if none."""
    times, lead, windows = edge.times, edge.lead, edge.windows
    if times is None:
        dep = t + lead
        return _wait_out(windows, dep) if check and windows else dep
    k = bisect.bisect_left(times, t + lead)
    while k < len(times):
        dep = times[k]
        if not (check and windows):
            return dep
        free = _wait_out(windows, dep)
        if free == dep:
            return dep
        k = bisect.bisect_left(times, free, k)
    return math.inf


def _depart_before(edge: LaneEdge, latest: float, check: bool) -> float:
    """Latest departure on ``edge`` arriving by ``latest`` [s], not restricted; ``-inf`` if none."""
    times, transit, customs, windows = edge.times, edge.transit, edge.customs, edge.windows
    if times is None:
        dep = _latest_departure_on_demand(latest, transit, customs)
        return _last_outside(windows, dep) if check and windows else dep
    n = len(times)
    k = bisect.bisect_right(times, latest - customs - transit) - 1
    while k + 1 < n and times[k + 1] + transit + customs <= latest:
        k += 1
    while k >= 0 and times[k] + transit + customs > latest:
        k -= 1
    while k >= 0:
        dep = times[k]
        if not (check and windows):
            return dep
        free = _last_outside(windows, dep)
        if free == dep:
            return dep
        k = bisect.bisect_right(times, free, 0, k) - 1
    return -math.inf


def _dominated_at(
    here: list[int],
    arr: float,
    cost: float,
    arrs: list[float],
    costs: list[float],
    alive: list[bool],
) -> bool:
    """True if a label in ``here`` is no later and no dearer than (``arr``, ``cost``).

    Otherwise the labels that (``arr``, ``cost``) dominates are marked dead and removed from
    ``here``.
    """
    for j in here:
        if arrs[j] <= arr and costs[j] <= cost:
            return True
    dead = [j for j in here if arr <= arrs[j] and cost <= costs[j]]
    if dead:
        for j in dead:
            alive[j] = False
        here[:] = [j for j in here if alive[j]]
    return False


def _label_fronts(
    at: list[list[int]],
    ready: float,
    arrs: list[float],
    costs: list[float],
    parents: list[int],
    lanes: list[int],
    deps: list[float],
) -> dict[int, tuple[Route, ...]]:
    """Routes of the final labels of a Pareto search, per site, earliest first.

    Label ``j`` arrives at ``arrs[j]`` [s] for ``costs[j]`` through the leg on ``lanes[j]``
    leaving at ``deps[j]`` [s] from the site of label ``parents[j]``; label 0 is the origin.
    """
    memo: dict[int, tuple[Leg, ...]] = {0: ()}

    def legs_of(label: int) -> tuple[Leg, ...]:
        """Legs from the origin to ``label`` (prefixes shared through ``memo``)."""
        chain, j = [], label
        while j not in memo:
            chain.append(j)
            j = parents[j]
        for m in reversed(chain):
            memo[m] = memo[parents[m]] + (Leg(lanes[m], deps[m], arrs[m]),)
        return memo[label]

    return {
        v: tuple(
            Route(legs_of(j), ready, arrs[j], costs[j])
            for j in sorted(ids, key=lambda j: (arrs[j], costs[j]))
        )
        for v, ids in enumerate(at)
        if ids
    }


def _pareto_front(routes: list[Route]) -> list[Route]:
    """Routes not dominated on (arrival, cost), earliest first (ties: first kept)."""
    out: list[Route] = []
    for r in sorted(routes, key=lambda r: (r.arrive, r.cost)):
        if not out or r.cost < out[-1].cost:
            out.append(r)
    return out


def _thin(front: tuple[Route, ...], limit: int) -> tuple[Route, ...]:
    """At most ``limit`` routes of a front: the earliest, the cheapest, spread in between."""
    n = len(front)
    if n <= limit:
        return front
    if limit == 1:
        return front[:1]
    chosen = {0, n - 1}
    first, last = front[0].arrive, front[-1].arrive
    for k in range(1, limit - 1):
        target = first + (last - first) * k / (limit - 1)
        rest = [i for i in range(1, n - 1) if i not in chosen]
        chosen.add(min(rest, key=lambda i: (abs(front[i].arrive - target), i)))
    return tuple(front[i] for i in sorted(chosen))


def _route_choice(in_time: list[Route], limit: int) -> list[Route]:
    """Of routes that arrive in time (a Pareto front, earliest first): cheapest, earliest, rest."""
    if not in_time:
        return []
    cheapest = min(in_time, key=lambda r: (r.cost, r.arrive))
    rest = [r for r in in_time if r is not cheapest]
    return [cheapest, *rest][: max(1, limit)]
