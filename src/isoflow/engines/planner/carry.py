"""The parent plan's doses and inputs among a re-plan's candidates, as they still stand.

Candidate generation prunes (a few runs and routes per booking), so a dose or an input the
parent chose may be missing from the candidates of the changed scenario. Each one is added
back when its route still holds under the events, checked leg by leg with the same rules as
routing and ``verify``: the lane exists and is not closed at the departure
(:func:`.rules.still_departs`: a late departure keeps the consignments already on it) nor
leaving a country that restricts the export, each leg arrives by
:func:`.rules.leg_arrival`, the next leg leaves after it (and its handling), and the route
arrives by the dose's deadline (for an input: by the run's start); a dose's activity is
derived again for the booking as it now stands (a changed time or activity). A consignment
that left before ``now`` and no longer holds is lost in transit.
"""

from __future__ import annotations

import math
from collections.abc import Sequence

from isoflow.engines.planner.candidate_types import Allocation, Candidates, Flow
from isoflow.engines.planner.extract import batch_ids
from isoflow.engines.planner.network import PlanningNetwork
from isoflow.engines.planner.pins import instant
from isoflow.engines.planner.routing import Leg, Route
from isoflow.records.plan import Plan, PlanAllocation, PlanLeg
from isoflow.scenario.rules import leg_arrival, shelf_life_s, still_departs
from isoflow.scenario.schema import ProcessKind

LegKey = tuple[tuple[int, int], ...]


def carry_parent(net: PlanningNetwork, cand: Candidates, parent: Plan, now: float) -> list[str]:
    """Add the parent's doses and inputs the candidates lack (module docstring).

    Returns the bookings whose consignment left before ``now`` and no longer arrives in time.
    """
    runs = {b: ri for ri, b in enumerate(batch_ids(net, cand))}
    lane_index = {lane.id: li for li, lane in enumerate(net.scenario.lanes)}
    booking = {b: i for i, b in enumerate(cand.booking_ids)}
    have = {(a.booking, a.run, _key(a.route.legs)) for a in cand.allocations}
    lost: list[str] = []
    for pa in parent.allocations:
        bi, ri = booking.get(pa.booking), runs.get(pa.batch)
        left = instant(pa.legs[0].depart_utc) if pa.legs else instant(pa.administration_utc)
        found = None if bi is None or ri is None else _dose(net, cand, bi, ri, pa, lane_index)
        if found is None:
            if left < now and bi is not None:
                lost.append(pa.booking)
            continue
        key = (found.booking, found.run, _key(found.route.legs))
        if key not in have:
            cand.allocations.append(found)
            have.add(key)
    _carry_inputs(net, cand, parent, runs, lane_index)
    return lost


def _dose(
    net: PlanningNetwork,
    cand: Candidates,
    bi: int,
    ri: int,
    pa: PlanAllocation,
    lane_index: dict[str, int],
) -> Allocation | None:
    """The parent's dose as a candidate of the changed scenario, or None if it no longer holds.

    As :func:`.candidates._allocate` pairs a booking with a run: ``0 ≤ t_admin − EOP ≤`` shelf
    life and the activity needed at EOP, ``a · exp(λ·(t_admin − EOP))`` for the booking as it
    now stands, within ``batch_max``; the route arrives by the deadline.
    """
    run = cand.runs[ri]
    proc = net.scenario.processes[run.process]
    product = net.scenario.products[net.product_index[proc.output]]
    route = _route(net, pa.legs, lane_index, run.release, product.id)
    if route is None or route.arrive > cand.booking_deadline[bi]:
        return None
    age = float(cand.booking_time[bi]) - run.eop
    lam = float(net.product_lambda[net.product_index[product.id]])
    need = float(cand.booking_activity[bi]) * math.exp(lam * age)
    cap = math.inf if proc.kind == ProcessKind.ELUTION else proc.batch_max * (1 + 1e-12)
    if age < 0 or age > shelf_life_s(product) or need > cap:
        return None
    return Allocation(bi, ri, route, need)


def _carry_inputs(
    net: PlanningNetwork,
    cand: Candidates,
    parent: Plan,
    runs: dict[str, int],
    lane_index: dict[str, int],
) -> None:
    """The parent's run inputs as flows, where the candidates lack them and they still hold."""
    have = {(f.src, f.dst, _key(f.route.legs)) for f in cand.flows if f.dst >= 0}
    sc = net.scenario
    for r in parent.runs:
        dst = runs.get(r.batch)
        if dst is None:
            continue
        for i in r.inputs:
            src = runs.get(i.batch)
            if src is None:
                continue
            product = sc.processes[cand.runs[src].process].output
            route = _route(net, i.legs, lane_index, cand.runs[src].release, product)
            if route is None or route.arrive > cand.runs[dst].start:
                continue
            if (src, dst, _key(route.legs)) in have:
                continue
            lam = float(net.product_lambda[net.product_index[product]])
            factor = math.exp(-lam * (cand.runs[dst].start - cand.runs[src].eop))
            cand.flows.append(Flow(src, dst, route, factor))
            have.add((src, dst, _key(route.legs)))


def _route(
    net: PlanningNetwork,
    legs: Sequence[PlanLeg],
    lane_index: dict[str, int],
    ready: float,
    product: str,
) -> Route | None:
    """The plan's legs as a route under the (changed) scenario; None if it no longer holds.

    Also refused: a leg leaving a country while it restricts exports of ``product``.
    """
    out: list[Leg] = []
    at = ready
    for i, g in enumerate(legs):
        li = lane_index.get(g.lane)
        if li is None:
            return None
        lane = net.scenario.lanes[li]
        dep = instant(g.depart_utc)
        if not still_departs(lane, dep):
            return None
        origin = net.site_country[net.site_index[lane.origin]]
        crosses = origin != net.site_country[net.site_index[lane.destination]]
        if crosses and net.export_blocked(origin, product, dep):
            return None
        if dep < at + (lane.handling if i == 0 else 0.0) - 1.0:
            return None
        arrive = leg_arrival(lane, dep)
        out.append(Leg(li, dep, arrive))
        at = arrive
    return Route(tuple(out), ready, at)


def _key(legs: Sequence[Leg]) -> LegKey:
    return tuple((g.lane, round(g.depart)) for g in legs)
