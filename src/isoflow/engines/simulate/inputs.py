"""Demands of run inputs: what a planned run needs delivered before it starts, with options.

Every week's copy of each activity-feed input of a planned run (bulk isotope, and the
generator an elution takes) is a demand whose options are tried in order: the planned
delivery, re-bookings after a cancelled leg, then other batches of the product or of a
substitute that reach the run before it starts (:func:`_alternatives`), in order of start.
"""

from __future__ import annotations

import math
from collections.abc import Callable

from isoflow.engines.planner.candidates import Candidates
from isoflow.engines.planner.network import PlanningNetwork
from isoflow.engines.simulate.builder import _Builder, _Compiler, _t
from isoflow.engines.simulate.codes import K_ALTERNATIVE, K_PLANNED, K_SUBSTITUTE, WEEK
from isoflow.records.plan import PlanRun
from isoflow.scenario.rules import shelf_life_s
from isoflow.scenario.schema import Scenario


def add_inputs(c: _Compiler) -> None:
    """Every week's run inputs as demands with their options, in order of the run's start."""
    b, sc, net, cand, o, plan = c.b, c.sc, c.net, c.cand, c.o, c.plan
    plan_runs, proc_index, is_elution, lam = c.plan_runs, c.proc_index, c.is_elution, c.lam
    gen_of_elution, subs_for = c.gen_of_elution, c.subs_for
    cand_runs_of, producers = c.cand_runs_of, c.producers
    plan_run, cand_run, legs_of, arrive_of = c.plan_run, c.cand_run, c.legs_of, c.arrive_of
    rebooks = c.rebooks
    seen_inputs: set[tuple[int, int]] = set()
    starts = sorted(
        (_t(r.start_utc) + w * WEEK, w, r.batch)
        for w in range(o.weeks)
        for r in plan.runs
        if r.inputs
        or (is_elution[proc_index[r.process]] and (r.site, r.start_utc) in gen_of_elution)
    )
    for _, week, batch in starts:
        off = week * WEEK
        fed = plan_runs[batch]
        feeds = [(i.batch, i.product, i.activity_eop_bq, i.legs) for i in fed.inputs]
        gen = gen_of_elution.get((fed.site, fed.start_utc))
        if is_elution[proc_index[fed.process]] and gen is not None:
            feeds.append((gen[0], plan_runs[gen[0]].product, 0.0, gen[1]))
        dst = plan_run(fed.batch, off)
        dst_start = _t(fed.start_utc)
        dst_site = net.site_index[fed.site]
        for src_batch, product, act_eop, legs in feeds:
            src = plan_run(src_batch, off)
            if (dst, src) in seen_inputs:
                continue
            seen_inputs.add((dst, src))
            lo = len(b.options)
            src_run = plan_runs[src_batch]
            ready = _t(src_run.release_utc)
            b.options.append(
                (
                    src,
                    legs_of(legs, off),
                    K_PLANNED,
                    0.0,
                    _t(src_run.start_utc) + off,
                    arrive_of(legs, ready) + off,
                    dst_start + off,
                    0.0,
                    -1,
                )
            )
            rebooks(legs, dst_site, product, off, src, (dst_start, 0.0, 0.0))
            if act_eop > 0:
                need_start = act_eop * math.exp(
                    -lam[product] * (dst_start - _t(src_run.end_of_production_utc))
                )
                _alternatives(
                    b,
                    cand,
                    net,
                    sc,
                    product,
                    [product, *subs_for[product]],
                    dst_site,
                    dst_start,
                    need_start,
                    src_batch,
                    plan_runs,
                    cand_runs_of,
                    producers,
                    cand_run,
                    off,
                    o.per_input,
                    lam,
                )
            b.demands.append((dst, -1, lo, len(b.options), True, -math.inf, 0.0))


def _alternatives(
    b: _Builder,
    cand: Candidates,
    net: PlanningNetwork,
    sc: Scenario,
    product: str,
    accepted: list[str],
    dst_site: int,
    dst_start: float,
    need_start: float,
    planned_batch: str,
    plan_runs: dict[str, PlanRun],
    cand_runs_of: dict[int, list[int]],
    producers: dict[str, list[int]],
    cand_run: Callable[[int, float], int | None],
    off: float,
    keep: int,
    lam: dict[str, float],
) -> None:
    """Options of a run input from other batches of ``product`` or a substitute for it."""
    planned = plan_runs[planned_batch]
    planned_key = (planned.process, round(_t(planned.start_utc), 1))
    found = []
    for q in accepted:
        qp = sc.product(q)
        for pi in producers.get(q, []):
            proc = sc.processes[pi]
            origin = net.site_index[proc.site]
            for ri in cand_runs_of[pi]:
                cr = cand.runs[ri]
                if (proc.id, round(cr.start, 1)) == planned_key:
                    continue
                age = dst_start - cr.eop
                if age < 0 or age > shelf_life_s(qp):
                    continue
                route = net.route(origin, dst_site, cr.release, qp)
                if route is None or route.arrive > dst_start:
                    continue
                need = need_start * math.exp(lam[q] * age)
                found.append((cr.start, q != product, ri, route, need))
    found.sort(key=lambda x: (-x[0], x[1], x[2]))
    chosen = []
    for start, is_sub, ri, route, need in found:
        idx = cand_run(ri, off)
        if idx is not None:
            chosen.append((start, is_sub, idx, route, need))
        if len(chosen) >= keep:
            break
    for start, is_sub, idx, route, need in sorted(chosen, key=lambda x: (x[0], x[1], x[2])):
        b.options.append(
            (
                idx,
                [b.dep(leg.lane, leg.depart + off) for leg in route.legs],
                K_SUBSTITUTE if is_sub else K_ALTERNATIVE,
                need,
                start + off,
                route.arrive + off,
                dst_start + off,
                0.0,
                -1,
            )
        )
