"""Demands of bookings and orders: every week's copy of each consignment, with its options.

**Consignments.** A consignment is what the plan sends together: a booking (one patient
dose); the doses of an order that one :class:`~isoflow.records.plan.PlanAllocation`
serves (one batch, one route: a split order has several); or the part of an order the plan
leaves short (its ``PlanUnserved`` entry), which keeps the plan's reason and is missed like an
unserved booking (its extra doses may still be served by recourse). Every week's copy of a
consignment of ``n`` doses is one demand that carries ``n`` (``book_doses``):

* its doses share the batch and the legs, so they share every disruption: serving them as one
  demand is exact for the planned delivery and its re-bookings (the same packages on another
  departure);
* recourse moves the consignment whole: an alternative needs ``n`` times its per-dose
  activity (``opt_need`` is per dose) from one batch's spare. That is what a single-batch
  order requires; for a splittable order it is the recourse policy (a consignment is never
  split further), simple and conservative;
* outcomes and KPIs count doses: a served, late or missed consignment counts ``n`` served,
  late or missed doses. A booking cancellation is drawn per dose (the consignment travels
  with the doses still wanted, and needs only their activity), and extra bookings arrive at
  ``extra_booking_rate`` per dose, each one extra dose. Doses of bookings are patients.

A booking is a consignment of one dose, so it behaves as before. An export (an order at a
market) is a consignment of units like any order's, but no patient doses: it is never
cancelled nor joined by extra bookings, and the tallies count it apart
(:func:`~isoflow.engines.simulate.tally.collect`).

**Options**, tried in order: the planned delivery, re-bookings after a cancelled leg, then
alternatives in order of start (each taken only while its run has neither started nor passed
its order cut-off, :func:`decide_by`; batches of a substitute only if the booking was ordered
before their cut-off): more of the planned batch, other candidate batches of the
product (at most ``max_batches_per_day`` a process-day, the planned batch's day counting its
own), and batches of a substitute product approved in the hospital's country
(:func:`_batches_a_day`).
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any

from isoflow.domain.calendar import epoch
from isoflow.engines.planner.candidates import Candidates
from isoflow.engines.planner.network import PlanningNetwork
from isoflow.engines.simulate.builder import _Compiler, _local_day, _t
from isoflow.engines.simulate.codes import K_ALTERNATIVE, K_PLANNED, K_SUBSTITUTE, WEEK
from isoflow.records.plan import PlanAllocation
from isoflow.scenario.demand import DemandItem, ordered_s
from isoflow.scenario.rules import (
    accepts_order,
    dose_tolerance,
    latest_arrival,
    may_supply,
    order_deadline,
    prescribed_activity,
    shelf_life_s,
)
from isoflow.scenario.schema import Process

_BookRow = tuple[str, int, float, int, int, int, str, int, bool, bool, float]
"""A consignment instance: id (booking or order), week, administration, country, product,
demand, plan reason, doses, per-patient booking, export, activity of each dose (or export
unit) at administration (calibration) [Bq]."""

_Consignment = tuple[PlanAllocation | None, int, str]
"""A consignment: its planned allocation (None: the part the plan leaves short), doses, plan
reason (empty when planned)."""

_Alt = tuple[float, int, int, list[int], float, float, float, float]
"""An alternative: start, substitute flag, run, legs, need per dose at EOP, latest instant it
may be taken (:func:`decide_by`), arrival, slack."""


@dataclass(frozen=True)
class _Dose:
    """One week's copy of a consignment: where and when it is needed, and how much per dose."""

    bid: str
    bk: DemandItem
    al: PlanAllocation | None
    off: float
    admin0: float
    hosp: int
    country: str
    a_rx: float
    tol: float
    deadline: float


def consignments(c: _Compiler, item: DemandItem) -> list[_Consignment]:
    """The consignments of a booking or order: its planned allocations, then the rest short.

    The short part is the plan's ``PlanUnserved`` entry (its doses and reason); without one,
    doses no allocation covers are short for ``no_candidate``.
    """
    allocs = c.allocs_of.get(item.id, [])
    out: list[_Consignment] = [(a, a.doses, "") for a in allocs]
    u = c.unserved.get(item.id)
    short = u.doses if u is not None else item.doses - sum(a.doses for a in allocs)
    if short > 0:
        out.append((None, short, u.reason if u is not None else "no_candidate"))
    return out


def add_bookings(c: _Compiler) -> list[_BookRow]:
    """Every week's consignments as demands with their options, by administration time."""
    b, net, o = c.b, c.net, c.o
    parts = {
        bid: consignments(c, it)
        for bid, it in c.items.items()
        if net.horizon_start <= epoch(it.administration) < net.horizon_end
    }
    # consignments (all weeks), by administration time
    order = sorted(
        (epoch(c.items[bid].administration) + w * WEEK, w, bid, k)
        for bid, cons in parts.items()
        for w in range(o.weeks)
        for k in range(len(cons))
    )
    book_rows: list[_BookRow] = []
    for admin, week, bid, k in order:
        al, doses, reason = parts[bid][k]
        d = _dose(c, c.items[bid], al, week * WEEK)
        lo = len(b.options)
        if al is not None:
            _planned_options(c, d, al)
        ci = c.cand_index.get(bid)
        if ci is not None and d.a_rx > 0:
            alts = _same_product(c, d, ci)
            alts += _substitutes(c, d)
            _alternative_options(c, d, alts)
        di = len(b.demands)
        planned = al is not None
        b.demands.append(
            (-1, len(book_rows), lo, len(b.options), planned, admin - o.extra_notice_s, 0.0)
        )
        book_rows.append(
            (
                bid,
                week,
                admin,
                c.country_names.index(d.country),
                c.product_names.index(d.bk.product),
                di,
                reason,
                doses,
                d.bk.is_patient,
                d.bk.export,
                d.a_rx,
            )
        )
    return book_rows


def _dose(c: _Compiler, bk: DemandItem, al: PlanAllocation | None, off: float) -> _Dose:
    """A consignment's week copy: hospital, per-dose activity, tolerance, latest arrival."""
    net = c.net
    admin0 = epoch(bk.administration)
    hosp = net.site_index[bk.hospital]
    prod = c.products[bk.product]
    a_rx = prescribed_activity(bk, prod)
    deadline = latest_arrival(admin0, net.scenario.sites[hosp])
    tol = dose_tolerance(bk, prod)
    return _Dose(bk.id, bk, al, off, admin0, hosp, net.site_country[hosp], a_rx, tol, deadline)


def _planned_options(c: _Compiler, d: _Dose, al: PlanAllocation) -> None:
    """A consignment's planned delivery, then its re-bookings after a cancelled leg."""
    b, bk, off, deadline = c.b, d.bk, d.off, d.deadline
    run = c.plan_run(al.batch, off)
    eop = _t(al.end_of_production_utc)
    slack = c.slack_of(bk.product, d.admin0, eop, al.activity_admin_bq, d.a_rx, d.tol)
    src_run = c.plan_runs[al.batch]
    b.options.append(
        (
            run,
            c.legs_of(al.legs, off),
            K_PLANNED,
            0.0,
            _t(src_run.start_utc) + off,
            c.arrive_of(al.legs, _t(src_run.release_utc)) + off,
            deadline + off,
            slack,
            -1,
        )
    )
    c.rebooks(al.legs, d.hosp, bk.product, off, run, (deadline, slack, 0.0))


def _same_product(c: _Compiler, d: _Dose, ci: int) -> list[_Alt]:
    """More of the planned batch, and other candidate batches of the booked product.

    Needs are per dose: the planned allocation's, and a candidate's need per unit over the
    doses of a unit.
    """
    sc, net, cand, plan_runs = c.sc, c.net, c.cand, c.plan_runs
    plan_run, cand_run, legs_of = c.plan_run, c.cand_run, c.legs_of
    arrive_of, slack_of = c.arrive_of, c.slack_of
    bk, al, off, admin0, a_rx, tol = d.bk, d.al, d.off, d.admin0, d.a_rx, d.tol
    alts: list[_Alt] = []
    if al is not None:  # more of the planned batch (extra bookings, if decided before start)
        st0 = _t(plan_runs[al.batch].start_utc)
        rel0 = _t(plan_runs[al.batch].release_utc)
        proc0 = sc.processes[c.proc_index[plan_runs[al.batch].process]]
        alts.append(
            (
                st0,
                0,
                plan_run(al.batch, off),
                legs_of(al.legs, off),
                al.activity_eop_bq,
                decide_by(proc0, st0),
                arrive_of(al.legs, rel0),
                slack_of(bk.product, admin0, _t(al.end_of_production_utc), a_rx, a_rx, tol),
            )
        )
    taken: dict[tuple[int, int], int] = {}
    if al is not None:
        pr = plan_runs[al.batch]
        taken[(c.proc_index[pr.process], _local_day(net, pr.site, _t(pr.start_utc)))] = 1
    unit_doses = int(cand.booking_unit_doses[ci])
    for ai in sorted(
        c.cand_allocs.get(ci, []), key=lambda ai: -cand.runs[cand.allocations[ai].run].start
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
                ca.need_eop / unit_doses,
                decide_by(proc, cr.start),
                ca.route.arrive,
                slack,
            )
        )
    return alts


def _substitutes(c: _Compiler, d: _Dose) -> list[_Alt]:
    """Batches of substitute products approved in the hospital's country.

    Of each substitute, the latest ``per_booking`` that reach the hospital in time, on at
    most ``max_batches_per_day`` runs a process-day.
    """
    sc, net, cand, o, products, lam = c.sc, c.net, c.cand, c.o, c.products, c.lam
    producers, cand_runs_of, subs_for = c.producers, c.cand_runs_of, c.subs_for
    cand_run, legs_of, slack_of = c.cand_run, c.legs_of, c.slack_of
    bk, off, admin0, hosp, country = d.bk, d.off, d.admin0, d.hosp, d.country
    a_rx, tol, deadline = d.a_rx, d.tol, d.deadline
    ordered = ordered_s(bk)
    alts: list[_Alt] = []
    for sub in subs_for[bk.product]:
        sp = products[sub]
        if not net.approved(sub, country):
            continue
        found = []
        for pi in producers.get(sub, []):
            proc = sc.processes[pi]
            if not may_supply(sc.sites[net.site_index[proc.site]], sc.sites[hosp], sub):
                continue
            for ri0 in cand_runs_of[pi]:
                cr = cand.runs[ri0]
                age = admin0 - cr.eop
                if age < 0 or age > shelf_life_s(sp) or not accepts_order(proc, cr.start, ordered):
                    continue
                route = net.route(net.site_index[proc.site], hosp, cr.release, sp)
                if route is None or route.arrive > deadline:
                    continue
                found.append((cr.start, ri0, route, a_rx * math.exp(lam[sub] * age), cr.eop))
        for start, ri0, route, need, eop in _batches_a_day(net, cand, found)[: o.per_booking]:
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
                    decide_by(sc.processes[cand.runs[ri0].process], start),
                    route.arrive,
                    slack,
                )
            )
    return alts


def decide_by(proc: Process, start: float) -> float:
    """Latest instant [s] an alternative on a run of ``proc`` starting at ``start`` may be taken.

    A re-sourced or extra dose is a new order, placed when its need becomes known: the run
    must not have started (its batch is sized before it starts), nor passed its order cut-off
    (:func:`~isoflow.scenario.rules.order_deadline`).
    """
    return min(start, order_deadline(proc, start))


def _alternative_options(c: _Compiler, d: _Dose, alts: list[_Alt]) -> None:
    """The alternatives as options, in order of start (same product before substitutes)."""
    b, off, deadline = c.b, d.off, d.deadline
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
