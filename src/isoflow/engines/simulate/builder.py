"""One compilation's state: the inputs indexed once, and the lists being built.

:class:`_Builder` collects the runs (one per physical batch: a batch's copies across weeks,
and a planned batch reached again as a candidate, are merged), departures, options and
demands. :class:`_Compiler` holds the indexes of the scenario, the plan and the candidates
that every part of the compilation reads, and the helpers that add planned and candidate
runs, legs and re-bookings to the builder and give an option's slack.
"""

from __future__ import annotations

import math
from collections import defaultdict
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import TYPE_CHECKING
from zoneinfo import ZoneInfo

from isoflow.domain.calendar import epoch
from isoflow.engines.planner.candidates import Candidates
from isoflow.engines.planner.network import Leg, PlanningNetwork
from isoflow.engines.simulate.codes import K_REBOOK
from isoflow.records.plan import Plan, PlanAllocation, PlanLeg, PlanUnserved
from isoflow.scenario.demand import demand_items
from isoflow.scenario.rules import shelf_life_s
from isoflow.scenario.schema import ProcessKind, Scenario

if TYPE_CHECKING:
    from isoflow.engines.simulate.model import ModelOptions


def _t(value: datetime) -> float:
    return epoch(value)


def _local_day(net: PlanningNetwork, site: str, t: float) -> int:
    """Ordinal of the local calendar day at ``site`` of instant ``t`` [s since epoch]."""
    tz = ZoneInfo(net.scenario.sites[net.site_index[site]].timezone)
    return datetime.fromtimestamp(t, UTC).astimezone(tz).toordinal()


@dataclass
class _Builder:
    sc: Scenario
    net: PlanningNetwork
    opts: ModelOptions
    runs: dict[tuple[str, float], int] = field(default_factory=dict)
    run_rows: list[list[float]] = field(default_factory=list)
    run_names: list[str] = field(default_factory=list)
    run_outage: list[int] = field(default_factory=list)
    deps: dict[tuple[int, float], int] = field(default_factory=dict)
    options: list[tuple[int, list[int], int, float, float, float, float, float, int]] = field(
        default_factory=list
    )
    demands: list[tuple[int, int, int, int, bool, float, float]] = field(default_factory=list)

    def run(self, proc_id: str, start: float, release: float, spare: float, eop_bq: float) -> int:
        key = (proc_id, round(start, 1))
        sc = self.sc
        proc = next(p for p in sc.processes if p.id == proc_id)
        idx = self.runs.get(key)
        if idx is not None:  # the same batch reached again (another week's copy, a planned run)
            row = self.run_rows[idx]
            row[4] = min(row[4], spare)
            row[5] = max(row[5], eop_bq)
            return idx
        qc = sc.disruptions.qc_failure_prob
        qc_p = proc.qc_failure_prob if qc is None else qc
        self.runs[key] = len(self.run_rows)
        self.run_rows.append(
            [start, release, qc_p, 0.0, spare, eop_bq, proc.fixed_cost, proc.variable_cost_per_gbq]
        )
        self.run_names.append(f"{proc_id}@{start:.0f}")
        outage = {d.site: i for i, d in enumerate(sc.disruptions.sites)}
        self.run_outage.append(outage.get(proc.site, -1))
        return len(self.run_rows) - 1

    def dep(self, lane: int, depart: float) -> int:
        key = (lane, round(depart, 1))
        idx = self.deps.get(key)
        if idx is None:
            idx = len(self.deps)
            self.deps[key] = idx
        return idx


class _Compiler:
    """The indexes of one compilation, and helpers adding runs, legs and options to ``b``."""

    def __init__(
        self,
        scenario: Scenario,
        plan: Plan,
        net: PlanningNetwork,
        cand: Candidates,
        o: ModelOptions,
    ) -> None:
        sc = scenario
        self.sc, self.plan, self.net, self.cand, self.o = sc, plan, net, cand, o
        self.b = _Builder(sc, net, o)
        self.products = {p.id: p for p in sc.products}
        self.proc_index = proc_index = {p.id: i for i, p in enumerate(sc.processes)}
        self.lane_index = {ln.id: i for i, ln in enumerate(sc.lanes)}
        self.feed_free = [not any(i.activity_feed for i in p.inputs) for p in sc.processes]
        self.is_elution = [p.kind == ProcessKind.ELUTION for p in sc.processes]
        self.lam = {p.id: float(net.product_lambda[net.product_index[p.id]]) for p in sc.products}
        self.subs_for: dict[str, list[str]] = defaultdict(list)
        for p in sc.products:
            for target in p.substitutes:
                self.subs_for[target].append(p.id)
        self.producers: dict[str, list[int]] = defaultdict(list)
        for pi, proc in enumerate(sc.processes):
            self.producers[proc.output].append(pi)
        self.cand_runs_of: dict[int, list[int]] = defaultdict(list)
        for ri, r in enumerate(cand.runs):
            self.cand_runs_of[r.process].append(ri)
        self.plan_runs = {r.batch: r for r in plan.runs}
        self.batch_at = {
            (proc_index[r.process], round(_t(r.start_utc), 1)): r.batch for r in plan.runs
        }
        self.gen_of_elution: dict[tuple[str, datetime], tuple[str, tuple[PlanLeg, ...]]] = {}
        for g in plan.generators:
            for e in g.elutions:
                self.gen_of_elution[(g.site, e.time_utc)] = (g.batch, g.legs)
        # bookings and orders alike (one id space); an order may have several allocations
        self.items = items = {it.id: it for it in demand_items(sc)}
        self.cand_index = {bid: i for i, bid in enumerate(cand.booking_ids)}
        self.allocs_of: dict[str, list[PlanAllocation]] = defaultdict(list)
        for al in plan.allocations:
            self.allocs_of[al.booking].append(al)
        self.cand_allocs: dict[int, list[int]] = defaultdict(list)
        for ai, ca in enumerate(cand.allocations):
            self.cand_allocs[ca.booking].append(ai)
        self.unserved: dict[str, PlanUnserved] = {u.booking: u for u in plan.unserved}
        self.country_names = sorted(
            {net.site_country[net.site_index[it.hospital]] for it in items.values()}
        )
        self.product_names = sorted({it.product for it in items.values()})
        self.extra_rate = sc.disruptions.extra_booking_rate
        self.cancel_p = sc.disruptions.booking_cancel_prob

    def spare_of(self, pi: int, start: float, planned_eop: float, allocated: float) -> float:
        """What recourse may still take from a run at EOP (see the model's docstring)."""
        proc = self.sc.processes[pi]
        if self.is_elution[pi] or not self.feed_free[pi]:
            return max(planned_eop - allocated, 0.0)
        return max(proc.batch_max - allocated, 0.0)

    def plan_run(self, batch: str, off: float) -> int:
        """The run of a planned batch, shifted by ``off`` [s]."""
        r = self.plan_runs[batch]
        pi = self.proc_index[r.process]
        start = _t(r.start_utc) + off
        spare = self.spare_of(pi, start, r.activity_eop_bq, r.activity_allocated_bq)
        idx = self.b.run(r.process, start, _t(r.release_utc) + off, spare, r.activity_eop_bq)
        self.b.run_rows[idx][3] = 1.0
        return idx

    def cand_run(self, ri: int, off: float) -> int | None:
        """The run of candidate ``ri`` (the planned batch if it is one; None if not startable)."""
        cand, sc = self.cand, self.sc
        cr = cand.runs[ri]
        pi = cr.process
        batch = self.batch_at.get((pi, round(cr.start, 1)))
        if batch is not None:
            return self.plan_run(batch, off)
        if not self.feed_free[pi] or self.is_elution[pi]:
            return None
        proc = sc.processes[pi]
        return self.b.run(proc.id, cr.start + off, cr.release + off, proc.batch_max, 0.0)

    def legs_of(self, legs: tuple[PlanLeg, ...] | tuple[Leg, ...], off: float) -> list[int]:
        """Departure indices of a route's legs, shifted by ``off`` [s]."""
        b, lane_index = self.b, self.lane_index
        out = []
        for leg in legs:
            if isinstance(leg, PlanLeg):
                out.append(b.dep(lane_index[leg.lane], _t(leg.depart_utc) + off))
            else:
                out.append(b.dep(leg.lane, leg.depart + off))
        return out

    @staticmethod
    def arrive_of(legs: tuple[PlanLeg, ...] | tuple[Leg, ...], ready: float) -> float:
        """When a route arrives (``ready`` if it has no legs)."""
        if not legs:
            return ready
        last = legs[-1]
        return _t(last.arrive_utc) if isinstance(last, PlanLeg) else last.arrive

    def rebooks(
        self,
        legs: tuple[PlanLeg, ...],
        dest: int,
        product: str,
        off: float,
        run: int,
        tail: tuple[float, float, float],
    ) -> None:
        """Options re-booking a planned consignment after each of its legs is cancelled."""
        b, net, sc, products = self.b, self.net, self.sc, self.products
        legs_of, lane_index = self.legs_of, self.lane_index
        deadline, slack, _ = tail
        for k, leg in enumerate(legs):
            li = lane_index[leg.lane]
            origin = net.site_index[sc.lanes[li].origin]
            depart = _t(leg.depart_utc)
            route = net.route(origin, dest, depart + 1.0, products[product])
            if route is None or route.arrive > deadline + slack:
                continue
            head = legs_of(legs[:k], off)
            b.options.append(
                (
                    run,
                    head + legs_of(route.legs, off),
                    K_REBOOK,
                    0.0,
                    depart + off,
                    route.arrive + off,
                    deadline + off,
                    slack,
                    k,
                )
            )

    def slack_of(
        self, product: str, admin: float, eop: float, a_admin: float, a_rx: float, tol: float
    ) -> float:
        """How long after its administration a dose may still be given (tolerance, shelf)."""
        lam = self.lam
        p = self.products[product]
        shelf_end = eop + shelf_life_s(p)
        lim_shelf = shelf_end - admin
        floor = a_rx * (1.0 - tol)
        if a_admin <= floor or lim_shelf < 0:
            return 0.0
        lim_decay = math.log(a_admin / floor) / lam[product] if lam[product] > 0 else math.inf
        return max(0.0, min(lim_decay, lim_shelf))
