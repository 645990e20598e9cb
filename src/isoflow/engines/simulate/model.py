"""The simulation model: a plan and its recourse options compiled into flat arrays.

Both engines (the vectorised one in :mod:`.fast` and the SimPy reference in
:mod:`.reference`) read the same :class:`SimModel`, so they differ only in how they walk
time, never in what they model.

What is compiled (times in s since the epoch, activities in Bq):

* **runs**: every planned batch, plus the unplanned candidate batches that recourse may
  start (only processes without an activity-feed input: a cyclotron or reactor can run an
  extra batch; a labelling run cannot without bulk isotope). ``spare`` is the activity at
  end of production (EOP) that recourse may still take: ``batch_max`` minus the planned
  allocation for feed-free processes (a batch may be made bigger if the decision comes
  before it starts), the unallocated eluate for elutions, the planned surplus otherwise.
* **departures**: each (lane, departure instant) used by any route, planned or not; its
  fate (cancelled, delayed, held at customs, closed by a policy shock) is sampled once per
  replication, so every consignment on one flight shares it.
* **demands**: what must arrive somewhere in time. A *booking* (a patient dose at a hospital)
  or a run *input* (bulk isotope or a generator feeding a planned run). Each has a list of
  **options** tried in order: the planned one, then re-bookings of the same consignment
  after a cancelled leg, then alternative batches (same product or a substitute product)
  in order of start. An option needs ``need`` Bq at its run's EOP from the run's spare
  (planned options need nothing extra) and arrives at ``arrive`` plus sampled delays; it
  serves on time if it arrives by ``deadline``, late (postponed administration) if within
  ``slack`` more, where ``slack`` keeps the decayed dose within tolerance and shelf life.

With ``weeks > 1`` the weekly plan is repeated with a 7-day shift; runs and departures that
coincide across weeks are merged, so one physical flight or batch has one fate.
"""

from __future__ import annotations

import math
from collections import defaultdict
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any
from zoneinfo import ZoneInfo

import numpy as np
import numpy.typing as npt

from isoflow import bounds
from isoflow.domain.calendar import epoch
from isoflow.engines.planner.candidates import Candidates
from isoflow.engines.planner.network import Leg, PlanningNetwork
from isoflow.engines.planner.plan import Plan, PlanLeg, PlanRun
from isoflow.scenario.rules import dose_tolerance, latest_arrival, may_supply, shelf_life_s
from isoflow.scenario.schema import DurationDistribution, ProcessKind, Scenario

F64 = npt.NDArray[np.float64]
I64 = npt.NDArray[np.int64]
B = npt.NDArray[np.bool_]

WEEK = 7 * 86400.0
YEAR = 365.25 * 86400.0

CAUSES: tuple[str, ...] = (
    "none",
    "unserved_in_plan",
    "site_outage",
    "qc_failure",
    "lane_cancel",
    "lane_delay",
    "customs_hold",
    "policy_shock",
    "demand_surge",
)
"""Cause codes of a missed (or recovered) treatment; index = code."""
C_NONE, C_PLAN, C_OUTAGE, C_QC, C_CANCEL, C_DELAY, C_HOLD, C_SHOCK, C_SURGE = range(9)

OUTCOMES: tuple[str, ...] = (
    "served",
    "rerouted",
    "alternative",
    "substitute",
    "missed",
    "cancelled",
)
"""Outcome codes of a booking; index = code."""
O_SERVED, O_REROUTED, O_ALTERNATIVE, O_SUBSTITUTE, O_MISSED, O_CANCELLED = range(6)

K_PLANNED, K_REBOOK, K_ALTERNATIVE, K_SUBSTITUTE = range(4)
"""Option kinds; a served booking's outcome is its option kind (``O_*`` share the codes)."""


@dataclass(frozen=True)
class ModelOptions:
    """Knobs of the compiled model."""

    weeks: int = 1
    """Repeat the weekly plan this many times; disruptions span the whole period."""
    per_booking: int = 6
    """At most this many alternative batches per booking (the candidates kept)."""
    per_input: int = 4
    """At most this many alternative supplier batches per run input."""
    extra_notice_s: float = 86400.0
    """Extra bookings (demand upswing) become known this long before administration [s]."""
    warmup_s: float = YEAR
    """Outages and policy shocks are sampled from this long before the first run [s], so
    one that started earlier may still be under way."""

    def __post_init__(self) -> None:
        bounds.WEEKS.check(self.weeks, "weeks")
        bounds.ALTERNATIVES.check(self.per_booking, "per_booking")
        bounds.ALTERNATIVES.check(self.per_input, "per_input")
        bounds.NOTICE.check(self.extra_notice_s, "extra_notice_s")
        bounds.WARMUP.check(self.warmup_s, "warmup_s")


@dataclass
class SimModel:
    """Flat arrays of one plan repeated over ``weeks``; see the module docstring."""

    weeks: int
    t_begin: float
    t_end: float
    # disrupted sites (outage renewal processes) and countries (policy shocks)
    outage_rate: F64  # [1/s] per disrupted site
    outage_mu: F64
    outage_sigma: F64
    outage_names: list[str]
    shock_rate: F64  # [1/s] per shocked country
    shock_mu: F64
    shock_sigma: F64
    shock_names: list[str]
    # runs
    run_name: list[str]
    run_outage: I64  # index into outage_* or -1
    run_start: F64
    run_release: F64
    run_qc_p: F64
    run_planned: B
    run_spare: F64
    run_eop_bq: F64
    run_fixed_cost: F64
    run_var_cost: F64  # per Bq at EOP
    # departures
    dep_lane: list[str]
    dep_time: F64
    dep_cancel_p: F64
    dep_delay_p: F64
    dep_delay_mu: F64
    dep_delay_sigma: F64
    dep_hold_p: F64
    dep_hold_mu: F64
    dep_hold_sigma: F64
    dep_shock: I64  # index into shock_* or -1
    # options (grouped by demand, in trial order)
    opt_run: I64
    opt_leg_lo: I64
    opt_leg_hi: I64
    opt_kind: I64
    opt_need: F64
    opt_start: F64
    opt_arrive: F64
    opt_deadline: F64
    opt_slack: F64
    opt_rebook_leg: I64  # rebook: index (within the planned option's legs) of the cancelled leg
    legs: I64  # departure indices, option legs are legs[opt_leg_lo:opt_leg_hi]
    # demands: run inputs first (in order of the run's start), then bookings (by time)
    dem_run: I64  # run fed by an input demand, -1 for a booking
    dem_booking: I64  # booking index, -1 for an input
    dem_opt_lo: I64
    dem_opt_hi: I64
    dem_planned: B  # first option is the planned one
    dem_detect: F64  # when the demand is known (extra bookings: admin - notice)
    # bookings
    book_id: list[str]
    book_week: I64
    book_time: F64
    book_country: I64
    book_product: I64
    book_cancel_p: F64
    book_extra_rate: F64
    book_demand: I64
    book_plan_reason: list[str]
    countries: list[str]
    products: list[str]
    plan_cost_per_week: float
    n_inputs: int = field(init=False)

    def __post_init__(self) -> None:
        self.n_inputs = int((self.dem_run >= 0).sum())

    @property
    def n_bookings(self) -> int:
        """Booking instances over all weeks."""
        return len(self.book_id)


def lognormal(dist: DurationDistribution) -> tuple[float, float]:
    """(mu, sigma) of the lognormal with the distribution's mean and coefficient of variation."""
    sigma2 = math.log1p(dist.cv**2)
    mean = max(dist.mean, 1e-9)
    return math.log(mean) - sigma2 / 2, math.sqrt(sigma2)


def _t(text: str) -> float:
    return epoch(datetime.fromisoformat(text.replace("Z", "+00:00")))


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


def compile_model(
    scenario: Scenario,
    plan: Plan,
    net: PlanningNetwork,
    cand: Candidates,
    options: ModelOptions | None = None,
) -> SimModel:
    """Compile ``plan`` (made for ``net``'s horizon) and its recourse options into arrays.

    ``cand`` are the planner's candidates for the same network (:func:`generate`); they give
    the alternative batches and routes of each booking.
    """
    o = options or ModelOptions()
    sc = scenario
    b = _Builder(sc, net, o)
    products = {p.id: p for p in sc.products}
    proc_index = {p.id: i for i, p in enumerate(sc.processes)}
    lane_index = {ln.id: i for i, ln in enumerate(sc.lanes)}
    feed_free = [not any(i.activity_feed for i in p.inputs) for p in sc.processes]
    is_elution = [p.kind == ProcessKind.ELUTION for p in sc.processes]
    lam = {p.id: float(net.product_lambda[net.product_index[p.id]]) for p in sc.products}
    subs_for: dict[str, list[str]] = defaultdict(list)
    for p in sc.products:
        for target in p.substitutes:
            subs_for[target].append(p.id)
    producers: dict[str, list[int]] = defaultdict(list)
    for pi, proc in enumerate(sc.processes):
        producers[proc.output].append(pi)
    cand_runs_of: dict[int, list[int]] = defaultdict(list)
    for ri, r in enumerate(cand.runs):
        cand_runs_of[r.process].append(ri)
    plan_runs = {r.batch: r for r in plan.runs}
    batch_at = {(proc_index[r.process], round(_t(r.start_utc), 1)): r.batch for r in plan.runs}

    def spare_of(pi: int, start: float, planned_eop: float, allocated: float) -> float:
        proc = sc.processes[pi]
        if is_elution[pi] or not feed_free[pi]:
            return max(planned_eop - allocated, 0.0)
        return max(proc.batch_max - allocated, 0.0)

    def plan_run(batch: str, off: float) -> int:
        r = plan_runs[batch]
        pi = proc_index[r.process]
        start = _t(r.start_utc) + off
        spare = spare_of(pi, start, r.activity_eop_bq, r.activity_allocated_bq)
        idx = b.run(r.process, start, _t(r.release_utc) + off, spare, r.activity_eop_bq)
        b.run_rows[idx][3] = 1.0
        return idx

    def cand_run(ri: int, off: float) -> int | None:
        cr = cand.runs[ri]
        pi = cr.process
        batch = batch_at.get((pi, round(cr.start, 1)))
        if batch is not None:
            return plan_run(batch, off)
        if not feed_free[pi] or is_elution[pi]:
            return None
        proc = sc.processes[pi]
        return b.run(proc.id, cr.start + off, cr.release + off, proc.batch_max, 0.0)

    def legs_of(legs: tuple[PlanLeg, ...] | tuple[Leg, ...], off: float) -> list[int]:
        out = []
        for leg in legs:
            if isinstance(leg, PlanLeg):
                out.append(b.dep(lane_index[leg.lane], _t(leg.depart_utc) + off))
            else:
                out.append(b.dep(leg.lane, leg.depart + off))
        return out

    def arrive_of(legs: tuple[PlanLeg, ...] | tuple[Leg, ...], ready: float) -> float:
        if not legs:
            return ready
        last = legs[-1]
        return _t(last.arrive_utc) if isinstance(last, PlanLeg) else last.arrive

    def rebooks(
        legs: tuple[PlanLeg, ...],
        dest: int,
        product: str,
        off: float,
        run: int,
        tail: tuple[float, float, float],
    ) -> None:
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
        product: str, admin: float, eop: float, a_admin: float, a_rx: float, tol: float
    ) -> float:
        p = products[product]
        shelf_end = eop + shelf_life_s(p)
        lim_shelf = shelf_end - admin
        floor = a_rx * (1.0 - tol)
        if a_admin <= floor or lim_shelf < 0:
            return 0.0
        lim_decay = math.log(a_admin / floor) / lam[product] if lam[product] > 0 else math.inf
        return max(0.0, min(lim_decay, lim_shelf))

    # ---------------------------------------------------------------- run inputs
    gen_of_elution: dict[tuple[str, str], tuple[str, tuple[PlanLeg, ...]]] = {}
    for g in plan.generators:
        for e in g.elutions:
            gen_of_elution[(g.site, e.time_utc)] = (g.batch, g.legs)
    bookings = {bk.id: bk for bk in sc.demand.bookings}
    cand_index = {bid: i for i, bid in enumerate(cand.booking_ids)}
    alloc_of = {a.booking: a for a in plan.allocations}
    cand_allocs: dict[int, list[int]] = defaultdict(list)
    for ai, a in enumerate(cand.allocations):
        cand_allocs[a.booking].append(ai)
    unserved = {u.booking: u.reason for u in plan.unserved}
    country_names = sorted(
        {net.site_country[net.site_index[bk.hospital]] for bk in bookings.values()}
    )
    product_names = sorted({bk.product for bk in bookings.values()})

    book_rows: list[tuple[str, int, float, int, int, int, str]] = []
    extra_rate = sc.disruptions.extra_booking_rate
    cancel_p = sc.disruptions.booking_cancel_prob

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
    # bookings (all weeks), by administration time
    order = sorted(
        (
            (bk_time + w * WEEK, w, bid)
            for bid, bk_time in ((k, epoch(v.administration)) for k, v in bookings.items())
            if net.horizon_start <= bk_time < net.horizon_end
            for w in range(o.weeks)
        ),
    )
    for admin, week, bid in order:
        off = week * WEEK
        bk = bookings[bid]
        admin0 = admin - off
        hosp = net.site_index[bk.hospital]
        country = net.site_country[hosp]
        ci = cand_index.get(bid)
        a_rx = float(cand.booking_activity[ci]) if ci is not None else 0.0
        prod = products[bk.product]
        tol = dose_tolerance(bk, prod)
        deadline = latest_arrival(admin0, net.scenario.sites[hosp])
        lo = len(b.options)
        planned = bid in alloc_of
        if planned:
            al = alloc_of[bid]
            run = plan_run(al.batch, off)
            eop = _t(al.end_of_production_utc)
            slack = slack_of(bk.product, admin0, eop, al.activity_admin_bq, a_rx, tol)
            src_run = plan_runs[al.batch]
            b.options.append(
                (
                    run,
                    legs_of(al.legs, off),
                    K_PLANNED,
                    0.0,
                    _t(src_run.start_utc) + off,
                    arrive_of(al.legs, _t(src_run.release_utc)) + off,
                    deadline + off,
                    slack,
                    -1,
                )
            )
            rebooks(al.legs, hosp, bk.product, off, run, (deadline, slack, 0.0))
        if ci is not None and a_rx > 0:
            alts: list[tuple[float, int, int, list[int], float, float, float, float]] = []
            if planned:  # more of the planned batch (extra bookings, if decided before start)
                al = alloc_of[bid]
                st0 = _t(plan_runs[al.batch].start_utc)
                rel0 = _t(plan_runs[al.batch].release_utc)
                alts.append(
                    (
                        st0,
                        0,
                        plan_run(al.batch, off),
                        legs_of(al.legs, off),
                        al.activity_eop_bq,
                        st0,
                        arrive_of(al.legs, rel0),
                        slack_of(bk.product, admin0, _t(al.end_of_production_utc), a_rx, a_rx, tol),
                    )
                )
            taken: dict[tuple[int, int], int] = {}
            if planned:
                pr = plan_runs[alloc_of[bid].batch]
                taken[(proc_index[pr.process], _local_day(net, pr.site, _t(pr.start_utc)))] = 1
            for ai in sorted(
                cand_allocs.get(ci, []), key=lambda ai: -cand.runs[cand.allocations[ai].run].start
            ):
                ca = cand.allocations[ai]
                cr = cand.runs[ca.run]
                proc = sc.processes[cr.process]
                # the candidate starts of one process-day are timings of one batch: at most
                # max_batches_per_day of them, the planned batch's day counting its own
                day_key = (cr.process, _local_day(net, proc.site, cr.start))
                if taken.get(day_key, 0) >= proc.max_batches_per_day:
                    continue
                taken[day_key] = taken.get(day_key, 0) + 1
                alt_run = cand_run(ca.run, off)
                if alt_run is None:
                    continue
                slack = slack_of(bk.product, admin0, cr.eop, a_rx, a_rx, tol)
                alts.append(
                    (
                        cr.start,
                        0,
                        alt_run,
                        legs_of(ca.route.legs, off),
                        ca.need_eop,
                        cr.start,
                        ca.route.arrive,
                        slack,
                    )
                )
            for sub in subs_for[bk.product]:
                sp = products[sub]
                if not net.approved(sub, country):
                    continue
                found = []
                for pi in producers.get(sub, []):
                    proc = sc.processes[pi]
                    if not may_supply(sc.sites[net.site_index[proc.site]], country):
                        continue
                    for ri0 in cand_runs_of[pi]:
                        cr = cand.runs[ri0]
                        age = admin0 - cr.eop
                        if age < 0 or age > shelf_life_s(sp):
                            continue
                        route = net.route(net.site_index[proc.site], hosp, cr.release, sp)
                        if route is None or route.arrive > deadline:
                            continue
                        found.append(
                            (cr.start, ri0, route, a_rx * math.exp(lam[sub] * age), cr.eop)
                        )
                for start, ri0, route, need, eop in _batches_a_day(net, cand, found)[
                    : o.per_booking
                ]:
                    sub_run = cand_run(ri0, off)
                    if sub_run is None:
                        continue
                    slack = slack_of(sub, admin0, eop, a_rx, a_rx, tol)
                    alts.append(
                        (
                            start,
                            1,
                            sub_run,
                            legs_of(route.legs, off),
                            need,
                            start,
                            route.arrive,
                            slack,
                        )
                    )
            for _start, sub_flag, ri, alt_legs, need, st, arr, slack in sorted(
                alts, key=lambda x: (x[0], x[1], x[2])
            ):
                b.options.append(
                    (
                        ri,
                        alt_legs,
                        K_SUBSTITUTE if sub_flag else K_ALTERNATIVE,
                        need,
                        st + off,
                        arr + off,
                        deadline + off,
                        slack,
                        -1,
                    )
                )
        di = len(b.demands)
        b.demands.append(
            (-1, len(book_rows), lo, len(b.options), planned, admin - o.extra_notice_s, 0.0)
        )
        reason = "" if planned else unserved.get(bid, "no_candidate")
        book_rows.append(
            (
                bid,
                week,
                admin,
                country_names.index(country),
                product_names.index(bk.product),
                di,
                reason,
            )
        )

    return _finish(b, sc, plan, o, book_rows, country_names, product_names, cancel_p, extra_rate)


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


def _finish(
    b: _Builder,
    sc: Scenario,
    plan: Plan,
    o: ModelOptions,
    book_rows: list[tuple[str, int, float, int, int, int, str]],
    countries: list[str],
    products: list[str],
    cancel_p: float,
    extra_rate: float,
) -> SimModel:
    """Turn the builder's lists into arrays, departures with their disruption parameters."""
    lanes = sc.lanes
    site_country = {s.id: s.country for s in sc.sites}
    dis = sc.disruptions
    lane_dis = {d.lane: d for d in dis.lanes}
    customs = {c.country: c for c in dis.customs}
    shocks = list(dis.policy_shocks)
    shock_index = {s.country: i for i, s in enumerate(shocks)}
    n_dep = len(b.deps)
    dep_lane = np.zeros(n_dep, dtype=np.int64)
    dep_time = np.zeros(n_dep)
    for (lane_i, t), i in b.deps.items():
        dep_lane[i] = lane_i
        dep_time[i] = t
    cols = np.zeros((9, n_dep))
    dep_shock = np.full(n_dep, -1, dtype=np.int64)
    for i in range(n_dep):
        lane = lanes[int(dep_lane[i])]
        ld = lane_dis.get(lane.id)
        cancel = ld.cancel_prob if ld is not None else lane.cancel_prob
        cols[0, i] = cancel
        if ld is not None and ld.delay_prob > 0:
            cols[1, i] = ld.delay_prob
            cols[2, i], cols[3, i] = lognormal(ld.delay)
        o_c, d_c = site_country[lane.origin], site_country[lane.destination]
        cd = customs.get(d_c)
        if cd is not None and cd.hold_prob > 0 and (o_c != d_c or lane.border is not None):
            cols[4, i] = cd.hold_prob
            cols[5, i], cols[6, i] = lognormal(cd.hold)
        if o_c != d_c:
            dep_shock[i] = shock_index.get(o_c, -1)
    opts = b.options
    leg_lo = np.zeros(len(opts), dtype=np.int64)
    leg_hi = np.zeros(len(opts), dtype=np.int64)
    legs: list[int] = []
    for i, op in enumerate(opts):
        leg_lo[i] = len(legs)
        legs.extend(op[1])
        leg_hi[i] = len(legs)
    runs = np.array(b.run_rows, dtype=np.float64).reshape(-1, 8)
    n_weeks = o.weeks
    times = [runs[:, 0].min() if len(runs) else 0.0]
    times += [float(dep_time.min())] if n_dep else []
    t_first = min([*times, min(r[2] for r in book_rows)] if book_rows else times)
    t_last = max(
        [float(runs[:, 1].max()) if len(runs) else 0.0]
        + ([float(dep_time.max())] if n_dep else [])
        + [max(r[2] for r in book_rows) if book_rows else 0.0]
    )
    out_sites = list(dis.sites)
    dem = b.demands
    return SimModel(
        weeks=n_weeks,
        t_begin=t_first - o.warmup_s,
        t_end=t_last + 1.0,
        outage_rate=np.array([d.outages_per_year / YEAR for d in out_sites]),
        outage_mu=np.array([lognormal(d.duration)[0] for d in out_sites]),
        outage_sigma=np.array([lognormal(d.duration)[1] for d in out_sites]),
        outage_names=[d.site for d in out_sites],
        shock_rate=np.array([s.per_year / YEAR for s in shocks]),
        shock_mu=np.array([lognormal(s.duration)[0] for s in shocks]),
        shock_sigma=np.array([lognormal(s.duration)[1] for s in shocks]),
        shock_names=[s.country for s in shocks],
        run_name=b.run_names,
        run_outage=np.array(b.run_outage, dtype=np.int64),
        run_start=runs[:, 0].copy(),
        run_release=runs[:, 1].copy(),
        run_qc_p=runs[:, 2].copy(),
        run_planned=runs[:, 3] > 0,
        run_spare=runs[:, 4].copy(),
        run_eop_bq=runs[:, 5].copy(),
        run_fixed_cost=runs[:, 6].copy(),
        run_var_cost=runs[:, 7] / 1e9,
        dep_lane=[lanes[int(i)].id for i in dep_lane],
        dep_time=dep_time,
        dep_cancel_p=cols[0].copy(),
        dep_delay_p=cols[1].copy(),
        dep_delay_mu=cols[2].copy(),
        dep_delay_sigma=cols[3].copy(),
        dep_hold_p=cols[4].copy(),
        dep_hold_mu=cols[5].copy(),
        dep_hold_sigma=cols[6].copy(),
        dep_shock=dep_shock,
        opt_run=np.array([op[0] for op in opts], dtype=np.int64),
        opt_leg_lo=leg_lo,
        opt_leg_hi=leg_hi,
        opt_kind=np.array([op[2] for op in opts], dtype=np.int64),
        opt_need=np.array([op[3] for op in opts], dtype=np.float64),
        opt_start=np.array([op[4] for op in opts], dtype=np.float64),
        opt_arrive=np.array([op[5] for op in opts], dtype=np.float64),
        opt_deadline=np.array([op[6] for op in opts], dtype=np.float64),
        opt_slack=np.array([op[7] for op in opts], dtype=np.float64),
        opt_rebook_leg=np.array([op[8] for op in opts], dtype=np.int64),
        legs=np.array(legs, dtype=np.int64),
        dem_run=np.array([d[0] for d in dem], dtype=np.int64),
        dem_booking=np.array([d[1] for d in dem], dtype=np.int64),
        dem_opt_lo=np.array([d[2] for d in dem], dtype=np.int64),
        dem_opt_hi=np.array([d[3] for d in dem], dtype=np.int64),
        dem_planned=np.array([d[4] for d in dem], dtype=np.bool_),
        dem_detect=np.array([d[5] for d in dem], dtype=np.float64),
        book_id=[r[0] for r in book_rows],
        book_week=np.array([r[1] for r in book_rows], dtype=np.int64),
        book_time=np.array([r[2] for r in book_rows], dtype=np.float64),
        book_country=np.array([r[3] for r in book_rows], dtype=np.int64),
        book_product=np.array([r[4] for r in book_rows], dtype=np.int64),
        book_cancel_p=np.full(len(book_rows), cancel_p),
        book_extra_rate=np.full(len(book_rows), extra_rate),
        book_demand=np.array([r[5] for r in book_rows], dtype=np.int64),
        book_plan_reason=[r[6] for r in book_rows],
        countries=countries,
        products=products,
        plan_cost_per_week=float(plan.kpis.get("cost", {}).get("total", 0.0)),
    )


def _batches_a_day(
    net: PlanningNetwork, cand: Candidates, found: list[tuple[float, int, Any, float, float]]
) -> list[tuple[float, int, Any, float, float]]:
    """Alternatives, latest first, on at most ``max_batches_per_day`` runs a process-day.

    Candidate starts of one local day are timing choices of the same batch, not extra
    batches (a process may make only that many a day).
    """
    kept: list[tuple[float, int, Any, float, float]] = []
    count: dict[tuple[int, int], int] = {}
    for item in sorted(found, key=lambda x: -x[0]):
        proc_i = cand.runs[item[1]].process
        proc = net.scenario.processes[proc_i]
        key = (proc_i, _local_day(net, proc.site, item[0]))
        if count.get(key, 0) < proc.max_batches_per_day:
            count[key] = count.get(key, 0) + 1
            kept.append(item)
    return kept


def _local_day(net: PlanningNetwork, site: str, t: float) -> int:
    """Ordinal of the local calendar day at ``site`` of instant ``t`` [s since epoch]."""
    tz = ZoneInfo(net.scenario.sites[net.site_index[site]].timezone)
    return datetime.fromtimestamp(t, UTC).astimezone(tz).toordinal()
