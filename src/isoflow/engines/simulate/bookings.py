"""Demands of bookings: every week's copy of each patient dose, with its options.

A booking's options are tried in order: its planned delivery, re-bookings after a cancelled
leg, then alternatives in order of start: more of its planned batch, other candidate batches
of the product (at most ``max_batches_per_day`` a process-day, the planned batch's day
counting its own), and batches of a substitute product approved in the hospital's country
(:func:`_batches_a_day`). A booking with no planned delivery keeps the plan's unserved reason.
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
from isoflow.scenario.rules import dose_tolerance, latest_arrival, may_supply, shelf_life_s
from isoflow.scenario.schema import Booking

_BookRow = tuple[str, int, float, int, int, int, str]
"""A booking instance: id, week, administration, country, product, demand, plan reason."""

_Alt = tuple[float, int, int, list[int], float, float, float, float]
"""An alternative: start, substitute flag, run, legs, need at EOP, start, arrival, slack."""


@dataclass(frozen=True)
class _Dose:
    """One week's copy of a booking: where and when it is needed, and how much."""

    bid: str
    bk: Booking
    off: float
    admin0: float
    hosp: int
    country: str
    a_rx: float
    tol: float
    deadline: float


def add_bookings(c: _Compiler) -> list[_BookRow]:
    """Every week's bookings as demands with their options, by administration time."""
    b, net, cand, o, bookings = c.b, c.net, c.cand, c.o, c.bookings
    book_rows: list[_BookRow] = []
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
        ci = c.cand_index.get(bid)
        a_rx = float(cand.booking_activity[ci]) if ci is not None else 0.0
        prod = c.products[bk.product]
        tol = dose_tolerance(bk, prod)
        deadline = latest_arrival(admin0, net.scenario.sites[hosp])
        d = _Dose(bid, bk, off, admin0, hosp, country, a_rx, tol, deadline)
        lo = len(b.options)
        planned = bid in c.alloc_of
        if planned:
            _planned_options(c, d)
        if ci is not None and a_rx > 0:
            alts = _same_product(c, d, ci, planned)
            alts += _substitutes(c, d)
            _alternative_options(c, d, alts)
        di = len(b.demands)
        b.demands.append(
            (-1, len(book_rows), lo, len(b.options), planned, admin - o.extra_notice_s, 0.0)
        )
        reason = "" if planned else c.unserved.get(bid, "no_candidate")
        book_rows.append(
            (
                bid,
                week,
                admin,
                c.country_names.index(country),
                c.product_names.index(bk.product),
                di,
                reason,
            )
        )
    return book_rows


def _planned_options(c: _Compiler, d: _Dose) -> None:
    """A booking's planned delivery, then its re-bookings after a cancelled leg."""
    b, bk, off, deadline = c.b, d.bk, d.off, d.deadline
    al = c.alloc_of[d.bid]
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


def _same_product(c: _Compiler, d: _Dose, ci: int, planned: bool) -> list[_Alt]:
    """More of the planned batch, and other candidate batches of the booked product."""
    sc, net, cand, plan_runs, alloc_of = c.sc, c.net, c.cand, c.plan_runs, c.alloc_of
    plan_run, cand_run, legs_of = c.plan_run, c.cand_run, c.legs_of
    arrive_of, slack_of = c.arrive_of, c.slack_of
    bid, bk, off, admin0, a_rx, tol = d.bid, d.bk, d.off, d.admin0, d.a_rx, d.tol
    alts: list[_Alt] = []
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
        taken[(c.proc_index[pr.process], _local_day(net, pr.site, _t(pr.start_utc)))] = 1
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
                ca.need_eop,
                cr.start,
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
                if age < 0 or age > shelf_life_s(sp):
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
                    start,
                    route.arrive,
                    slack,
                )
            )
    return alts


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
