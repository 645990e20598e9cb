"""Activity feeds: the flows of intermediate products between candidate runs.

Feed rows of runs that consume activity (:func:`_feed_rows`), bulk flows back from every
useful run to the runs that can feed it (:func:`_upstream_flows`), generator deliveries to
elution sites with the daughter activity each eluted slot gets (:func:`_generator_flows`,
from :func:`isoflow.scenario.rules.supply_elutions`), and the distributor an exclusive
contract forces a route through (:func:`_via`).
"""

from __future__ import annotations

import math

import numpy as np
import numpy.typing as npt

from isoflow.engines.planner.candidate_types import CandidateOptions, Candidates, Flow
from isoflow.engines.planner.network import PlanningNetwork
from isoflow.engines.planner.routing import Route, _route_choice
from isoflow.scenario.generator_life import in_service
from isoflow.scenario.rules import generator_service_end, shelf_life_s, supply_elutions
from isoflow.scenario.schema import ProcessKind, Product


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


def _with_first_elution(
    cand: Candidates, every_slot: list[int], chosen: list[int], arrive: float
) -> list[int]:
    """``chosen`` slots led by the first elution slot after ``arrive``, useful or not.

    A process that discards each generator's first elution elutes it at the first slot
    after it arrives, whether doses are due then or not; that elution gives no doses.
    """
    first = next((ri for ri in every_slot if cand.runs[ri].start >= arrive), None)
    if first is None or (chosen and cand.runs[chosen[0]].start <= cand.runs[first].start):
        return chosen
    return [first, *chosen]


def _generator_flows(
    net: PlanningNetwork,
    cand: Candidates,
    runs_of_process: dict[int, list[int]],
    producers: dict[str, list[int]],
    products: dict[str, Product],
    useful: set[int],
    per_feed: int,
) -> None:
    """Generator deliveries to each elution site, eluted at every useful slot in service.

    A generator is in service from its arrival to the end of its shelf life or its
    replacement (:func:`~isoflow.scenario.rules.generator_service_end`;
    :func:`~isoflow.scenario.generator_life.in_service`). It is eluted at the
    slots at which doses may be due (with the first slot after arrival when that elution is
    discarded), or, for a process with ``elute_every_slot``, at every slot in service.
    """
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
        options: list[tuple[int, Route, npt.NDArray[np.bool_], float]] = []
        for gi in producers.get(gen.id, []):
            src_site = net.site_index[sc.processes[gi].site]
            for si in runs_of_process[gi]:
                src = cand.runs[si]
                route = net.route(
                    src_site, dst_site, src.release, gen, via=_via(net, gi, gen, dst_site)
                )
                if route is None:
                    continue
                life = generator_service_end(gen, proc, src.eop, route.arrive)
                mask = in_service(slot_times, route.arrive, life)
                if mask.any():
                    options.append((si, route, mask, life))
        # keep, for every slot, the per_feed freshest generators that cover it
        keep: set[int] = set()
        for k in range(len(slots)):
            covering = [i for i, (_, _, mask, _) in enumerate(options) if mask[k]]
            covering.sort(key=lambda i: -cand.runs[options[i][0]].eop)
            keep.update(covering[:per_feed])
        every_slot = sorted(runs_of_process[pi], key=lambda ri: cand.runs[ri].start)
        for i in sorted(keep):
            si, route, mask, life = options[i]
            src = cand.runs[si]
            chosen = [slots[k] for k in np.flatnonzero(mask)]
            if proc.elute_every_slot:  # a fixed routine: every slot in service, doses or not
                chosen = [
                    ri for ri in every_slot if in_service(cand.runs[ri].start, route.arrive, life)
                ]
            elif proc.discard_first_elution:
                chosen = _with_first_elution(cand, every_slot, chosen, route.arrive)
            offsets = tuple(round(cand.runs[r].start - src.eop, 1) for r in chosen)
            yields = supply_elutions(
                gen, offsets, proc.elution_efficiency, proc.discard_first_elution
            )
            cand.flows.append(
                Flow(si, -1, route, 1.0, tuple(zip(chosen, yields, strict=True)), dst_site)
            )
            useful.add(si)
