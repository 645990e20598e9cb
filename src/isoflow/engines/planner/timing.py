"""When runs may start: process windows, the start grid, and starts timed for bookings.

:func:`process_intervals` (start windows and run-allowed intervals of a process),
:func:`candidate_starts` (the start grid of a process), :func:`_deadline_starts` (per
producing process, the latest start that still serves each booking, plus the shifted starts
small networks also get) and :func:`latest_ready_times` (the latest ready times at a site
that still reach a hospital in time).
"""

from __future__ import annotations

import math
from collections import defaultdict
from collections.abc import Sequence
from datetime import UTC, datetime
from zoneinfo import ZoneInfo

import numpy as np

from isoflow.domain.calendar import (
    Interval,
    covers,
    latest_start,
)
from isoflow.engines.planner.candidate_types import CandidateOptions, Candidates
from isoflow.engines.planner.flows import _via
from isoflow.engines.planner.network import DAY, PlanningNetwork
from isoflow.scenario.demand import DemandItem, ordered_s
from isoflow.scenario.rules import (
    earliest_start_for_order,
    elution_slots,
    may_supply,
    process_availability,
    shelf_life_s,
)
from isoflow.scenario.schema import Process, ProcessKind, Product

HOUR = 3600.0


def process_intervals(
    net: PlanningNetwork, process: Process
) -> tuple[list[tuple[float, float]], list[tuple[float, float]]]:
    """(start windows, run-allowed intervals) of a process over the planning window.

    A batch may start inside a start window; the whole batch ``[start, EOP]`` must lie inside
    one run-allowed interval (operating cycle 'on' period, no planned outage).
    """
    site = net.scenario.sites[net.site_index[process.site]]
    return process_availability(process.availability, site, net.earliest, net.horizon_end)


def may_start(net: PlanningNetwork, process: Process, starts: list[float]) -> list[float]:
    """The instants of ``starts`` at which a run of ``process`` may start.

    Inside a start window, the whole batch in one allowed interval, within the planning
    window (:func:`_fits`, the rule :func:`candidate_starts` keeps its grid by); an elution
    only at one of its slots (to the minute).
    """
    windows, allowed = process_intervals(net, process)
    ok = _fits(net, process, starts, windows, allowed)
    if process.kind != ProcessKind.ELUTION:
        return ok
    site = net.scenario.sites[net.site_index[process.site]]
    slots = {round(t / 60.0) for t in elution_slots(process, site, net.earliest, net.horizon_end)}
    return [t for t in ok if round(t / 60.0) in slots]


def _fits(
    net: PlanningNetwork,
    process: Process,
    starts: list[float],
    windows: list[tuple[float, float]],
    allowed: list[tuple[float, float]],
) -> list[float]:
    """The starts inside a start window whose batch lies in one allowed interval."""
    return [
        t
        for t in starts
        if t >= net.earliest
        and t + process.duration < net.horizon_end
        and any(lo <= t < hi for lo, hi in windows)
        and covers(allowed, t, t + process.duration)
    ]


def candidate_starts(net: PlanningNetwork, process: Process, opts: CandidateOptions) -> list[float]:
    """Candidate start instants of one process, exact and sorted."""
    sc = net.scenario
    product = sc.products[net.product_index[process.output]]
    windows, allowed = process_intervals(net, process)
    if process.kind == ProcessKind.ELUTION:  # its elution times, or evenly spaced slots
        site = sc.sites[net.site_index[process.site]]
        starts = elution_slots(process, site, net.earliest, net.horizon_end)
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
    rounded = sorted({round(t / 60.0) * 60.0 for t in starts})  # whole minutes
    out = _fits(net, process, rounded, windows, allowed)
    if len(out) > opts.max_runs_per_process:
        keep = np.linspace(0, len(out) - 1, opts.max_runs_per_process).round().astype(int)
        out = [out[i] for i in sorted(set(keep.tolist()))]
    return out


def _deadline_starts(
    net: PlanningNetwork,
    cand: Candidates,
    bookings: list[DemandItem],
    producers: dict[str, list[int]],
    best_grid: dict[tuple[int, int], float],
    gain: float,
    active: Sequence[int] | None = None,
) -> dict[int, dict[float, set[int]]]:
    """Per producing process, the latest start that still serves each booking.

    Added when no grid run of the process serves the booking within ``batch_max``, when the
    process takes no activity feed (a run is then a few columns), or when the best grid run
    needs more than ``1 + gain`` times the activity the timed run needs.

    For booking ``b`` and process ``p``: the latest instant ``r`` goods may be ready at
    ``p``'s site and still reach the hospital by its deadline, over every route and over the
    routes ending in each lane into the hospital (a cheaper, slower last lane has its own
    latest time); the latest start is then the latest ``t ≤ r − qc_release − duration`` in a
    start window with ``[t, EOP]`` inside the process's availability,
    ``t_admin − EOP ≤ shelf life`` and ``t`` after the booking's order cut-off
    (:func:`~isoflow.scenario.rules.earliest_start_for_order`). Because the activity needed
    falls as the run moves later, this start serves ``b`` within ``batch_max`` whenever any
    start does. Only the bookings ``active`` indexes are timed for (all when None).
    """
    sc = net.scenario
    extra: dict[int, dict[float, set[int]]] = defaultdict(dict)
    spans: dict[int, tuple[list[Interval], list[Interval]]] = {}
    for bi in range(len(bookings)) if active is None else active:
        b = bookings[bi]
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
            if proc.kind == ProcessKind.ELUTION or not may_supply(
                sc.sites[site], sc.sites[hosp], b.product
            ):
                continue
            if pi not in spans:
                spans[pi] = process_intervals(net, proc)
            windows, allowed = spans[pi]
            lo = max(
                net.earliest,
                t_admin - shelf_life_s(product) - proc.duration,
                earliest_start_for_order(proc, ordered_s(b)),
            )
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
