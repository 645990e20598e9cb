"""Re-planning as the simulator's recourse: the sampled world turned into events.

With ``SimOptions.recourse = "replan"`` a replication draws exactly what the heuristic
path draws (:func:`.fast.draw`, same seed, same chunks), then, instead of the heuristic
recourse of :mod:`.recourse`, turns its disruptions into re-planning events
(:mod:`isoflow.scenario.events`), each known at a moment (:func:`world_events`):

* a site outage overlapping the horizon: ``site_down`` over the outage, known at its start
  (the horizon's start for one under way before it); the re-planner thus knows when it ends;
* a run of the plan in force that fails after its start, by a QC failure (at release), an
  outage (at the outage's start) or a short stock (at its start): ``run_failed``, known
  then (:func:`fates`). Failures are sampled for the plan's runs and the model's candidate
  runs (those recourse may start), so a run the re-planner adds fails as the same run
  would under the heuristic; one at a start the model has no candidate for never fails;
* a cancelled departure: ``departure_cancelled``, known at the departure;
* a delay or a customs hold of a departure the plan in force uses: ``shipment_delayed``
  with its late arrival (the leg's planned arrival plus both), known at the departure;
* a policy shock closing a country's exports: ``export_restriction`` over the shock, known
  at its start;
* cancelled doses: ``demand_cancelled`` (all of a booking's or order's doses) or
  ``demand_changed`` (fewer doses of an order), known at the horizon's start (the model
  does not sample when a cancellation is told);
* extra doses: ``booking_added`` (a copy of the per-patient booking, ordered at its notice)
  or ``demand_changed`` (more doses of an order; ``order_added`` of a copy if all its doses
  were cancelled), known ``extra_notice_s`` before administration.

Not mapped: a run failed for a missed input (derived, not sampled: the re-planner derives
its inputs); delays of departures the plan in force does not use (moot). A policy shock's
cancelled departures are the ``export_restriction``.

At each re-plan instant (every ``replan_every_s`` from the horizon's start, or each moment
a disruption becomes known) the plan in force is re-planned in hard mode with ``now`` that
instant and the events known since the last re-plan. The replication's doses are counted
from the final revision (:func:`_tally`): a dose its allocations deliver is served (as
planned if by the parent's batch and legs, rerouted if by its batch on other legs, by an
alternative or a substitute batch otherwise), the rest missed, with the cause of the
re-plan that first lost it. Only ``weeks = 1`` (the re-planner works on the plan's horizon).
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import numpy as np

from isoflow.domain.calendar import epoch, from_epoch
from isoflow.engines.simulate.fast import _lost, _State, draw
from isoflow.engines.simulate.model import (
    C_CANCEL,
    C_DELAY,
    C_OUTAGE,
    C_PLAN,
    C_QC,
    C_SHOCK,
    C_SHORT,
    O_ALTERNATIVE,
    O_CANCELLED,
    O_MISSED,
    O_REROUTED,
    O_SERVED,
    O_SUBSTITUTE,
    SimModel,
)
from isoflow.engines.simulate.tally import ChunkResult, Tally, collect
from isoflow.errors import SimulationError
from isoflow.records.plan import Plan, PlanAllocation
from isoflow.scenario.schema import Scenario

if TYPE_CHECKING:
    from isoflow.engines.planner.api import PlanOptions
    from isoflow.engines.simulate.montecarlo import SimOptions, SimResult

Known = tuple[float, dict[str, Any]]
"""An event (as a plain dict) and the instant it becomes known [s since the epoch]."""

LOST_CAUSES = {
    "run_failed": C_QC,
    "site_down": C_OUTAGE,
    "lane_closed": C_SHOCK,
    "departure_cancelled": C_CANCEL,
    "shipment_delayed": C_DELAY,
}
"""Cause codes of a dose a re-plan lost, by the event kind the revision names (for
``run_failed``, the failed run's sampled cause when known: QC, outage or short stock)."""


@dataclass(frozen=True)
class Horizon:
    """The plan's span [s]: earliest run, start, end."""

    first: float
    start: float
    end: float

    @classmethod
    def of(cls, plan: Plan) -> Horizon:
        """The span of ``plan``."""
        return cls(epoch(plan.earliest_run_utc), epoch(plan.start_utc), epoch(plan.end_utc))


def _iso(t: float) -> str:
    return from_epoch(t).isoformat()


def world_events(
    m: SimModel, s: _State, t: Tally, r: int, sc: Scenario, plan: Plan, notice_s: float
) -> list[Known]:
    """Replication ``r``'s sampled disruptions as events, in the order they become known.

    ``notice_s`` is how long before administration an extra dose is known.
    """
    h = Horizon.of(plan)
    out = _outages(m, s, r, h) + _departures(m, s, r)
    out += _shocks(m, s, r, h) + _demand(m, t, r, sc, h, notice_s)
    out.sort(key=lambda k: k[0])
    return out


def _outages(m: SimModel, s: _State, r: int, h: Horizon) -> list[Known]:
    st, en = s.outages
    out: list[Known] = []
    for k, site in enumerate(m.outage_names):
        for a, b in zip(st[r, k].tolist(), en[r, k].tolist(), strict=True):
            if np.isfinite(a) and a < h.end and b > h.first:
                event = {"kind": "site_down", "site": site, "start": _iso(a), "end": _iso(b)}
                out.append((max(a, h.start), event))
    return out


def fates(m: SimModel, s: _State, r: int) -> dict[tuple[str, int], tuple[float, int]]:
    """When each run failing after its start is known to fail, and why, by (process, start).

    Planned runs and the model's candidate runs alike, by a QC failure (at release), an
    outage under way (at its start) or a short stock (just after the run's start, when it
    has started); an outage before the start is the ``site_down`` event, a missed input is
    the re-planner's to derive.
    """
    out: dict[tuple[str, int], tuple[float, int]] = {}
    for i in np.flatnonzero(np.isfinite(s.fail_t[r])).tolist():
        cause, when, start = int(s.fail_c[r, i]), float(s.fail_t[r, i]), float(m.run_start[i])
        if cause == C_SHORT:
            when = start + 1.0
        elif cause not in (C_QC, C_OUTAGE) or when <= start:
            continue
        process, _, at = m.run_name[i].rpartition("@")
        out[(process, round(float(at)))] = (when, cause)
    return out


def _departures(m: SimModel, s: _State, r: int) -> list[Known]:
    """Cancelled departures (not by a policy shock), known at the departure."""
    out: list[Known] = []
    for d, (lane, when) in enumerate(zip(m.dep_lane, m.dep_time.tolist(), strict=True)):
        if s.cancel[r, d] and s.dcause[r, d] == C_CANCEL:
            out.append(
                (when, {"kind": "departure_cancelled", "lane": lane, "departure": _iso(when)})
            )
    return out


def lateness(m: SimModel, s: _State, r: int) -> dict[tuple[str, int], float]:
    """Delay plus customs hold [s] of each late departure that leaves, by (lane, time)."""
    late = s.delay[r, :-1] + s.hold[r, :-1]
    return {
        (m.dep_lane[d], round(float(m.dep_time[d]))): float(late[d])
        for d in np.flatnonzero((late > 0) & ~s.cancel[r, :-1]).tolist()
    }


def _shocks(m: SimModel, s: _State, r: int, h: Horizon) -> list[Known]:
    st, en = s.shocks
    out: list[Known] = []
    for k, country in enumerate(m.shock_names):
        for a, b in zip(st[r, k].tolist(), en[r, k].tolist(), strict=True):
            if np.isfinite(a) and a < h.end and b > h.first:
                event = {"kind": "export_restriction", "country": country}
                out.append((max(a, h.start), {**event, "start": _iso(a), "end": _iso(b)}))
    return out


def _demand(
    m: SimModel, t: Tally, r: int, sc: Scenario, h: Horizon, notice_s: float
) -> list[Known]:
    """Cancelled doses (known at the start) and extra doses (known at their notice)."""
    bookings = {b.id: b for b in sc.demand.bookings}
    orders = {o.id: o for o in sc.demand.orders}
    cancelled: dict[str, int] = {}
    extra: dict[str, list[int]] = {}
    for b, bid in enumerate(m.book_id):
        cancelled[bid] = cancelled.get(bid, 0) + int(t.cancelled[r, b])
        extra.setdefault(bid, []).extend([b] * int(t.extras[r, b]))
    out: list[Known] = []
    for bid, gone in cancelled.items():
        doses = orders[bid].doses if bid in orders else 1
        if gone >= doses:
            out.append((h.start, {"kind": "demand_cancelled", "id": bid}))
        elif gone:
            change = {"kind": "demand_changed", "id": bid, "changes": {"doses": doses - gone}}
            out.append((h.start, change))
    for bid, rows in extra.items():
        if not rows:
            continue
        known = max(h.start, float(m.book_time[rows[0]]) - notice_s)
        if bid in orders and cancelled[bid] < orders[bid].doses:
            doses = orders[bid].doses - cancelled[bid] + len(rows)
            out.append((known, {"kind": "demand_changed", "id": bid, "changes": {"doses": doses}}))
            continue
        if bid in orders:  # all its doses cancelled: the extra doses are a new order
            added = orders[bid].model_dump(mode="json", exclude_none=True)
            added |= {"id": f"{bid}-extra", "doses": len(rows), "ordered": _iso(known)}
            out.append((known, {"kind": "order_added", "order": added}))
            continue
        base = bookings[bid].model_dump(mode="json", exclude_none=True)
        for k in range(len(rows)):
            added = {**base, "id": f"{bid}-extra{k + 1}", "ordered": _iso(known)}
            out.append((known, {"kind": "booking_added", "booking": added}))
    return out


def _next(pending: list[Known], h: Horizon, every_s: float | None) -> float:
    """The next re-plan instant: the first pending event's, or the first tick after it.

    Ticks run every ``every_s`` from the horizon's start to its end; events after the last
    tick are applied by a closing re-plan at the horizon's end (or the last of them, if
    later), where every decision is past: it only counts their losses.
    """
    first = pending[0][0]
    if every_s is None:
        return first
    tick = h.start + every_s * max(1, math.ceil((first - h.start) / every_s))
    return tick if tick <= h.end else max(h.end, pending[-1][0])


@dataclass(frozen=True)
class Fates:
    """What the sampled world holds for the runs and departures a plan may use."""

    runs: dict[tuple[str, int], tuple[float, int]]
    """When each failing run is known to fail and its cause, by (process, start)
    (:func:`fates`)."""
    late: dict[tuple[str, int], float]
    """How late each late departure arrives [s], by (lane, departure) (:func:`lateness`)."""


def _consequences(plan: Plan, f: Fates, told: dict[str, int], pending: list[Known]) -> None:
    """Add to ``pending`` what befalls the runs and legs of ``plan`` not told yet.

    A run sampled to fail: ``run_failed`` when it fails; a leg on a late departure:
    ``shipment_delayed`` (the leg's planned arrival plus the lateness) when it leaves.
    ``told`` holds what was added, with the cause code of a run's failure.
    """
    for run in plan.runs:
        fate = f.runs.get((run.process, round(epoch(run.start_utc))))
        if fate is not None and run.batch not in told:
            told[run.batch] = fate[1]
            pending.append((fate[0], {"kind": "run_failed", "batch": run.batch}))
    for a in plan.allocations:
        for leg in a.legs:
            dep = epoch(leg.depart_utc)
            late, key = f.late.get((leg.lane, round(dep))), f"{leg.lane}@{dep:.0f}"
            if late is not None and key not in told:
                told[key] = C_DELAY
                arrival = _iso(epoch(leg.arrive_utc) + late)
                event = {"kind": "shipment_delayed", "lane": leg.lane, "departure": _iso(dep)}
                pending.append((dep, {**event, "arrival": arrival}))
    pending.sort(key=lambda k: k[0])


def _cause(kind: str, booking: str, parent: Plan, told: dict[str, int]) -> int:
    """Cause code of a dose lost by a re-plan: a failed run's sampled cause, else by kind."""
    if kind == "run_failed":
        batches = [a.batch for a in parent.allocations if a.booking == booking]
        for batch in batches:
            if batch in told:
                return told[batch]
    return LOST_CAUSES.get(kind, C_PLAN)


def replay(
    sc: Scenario,
    plan: Plan,
    known: list[Known],
    fate: Fates,
    every_s: float | None,
    options: PlanOptions,
) -> tuple[Plan, dict[str, int]]:
    """Re-plan ``plan`` (hard mode) at each re-plan instant after the events known by then.

    ``known`` are the replication's events, ``fate`` its failing runs and late departures:
    the failure of a run of the plan in force, or the lateness of a departure it uses, is
    known when it happens (a run or a leg re-planned away before that is never hit).
    Returns the final revision and, per booking a re-plan lost, the cause code of the first
    loss (:data:`LOST_CAUSES`; another reason counts as :data:`C_PLAN`).
    """
    from isoflow.engines.planner.replan import ReplanOptions, replan
    from isoflow.records.revision import ReplanMode
    from isoflow.scenario.events import parse_events

    h = Horizon.of(plan)
    current, pending = plan, sorted(known, key=lambda k: k[0])
    told: dict[str, int] = {}
    lost: dict[str, int] = {}
    _consequences(current, fate, told, pending)
    while pending:
        now = _next(pending, h, every_s)
        due = [e for k, e in pending if k <= now]
        pending = [(k, e) for k, e in pending if k > now]
        batches = {run.batch for run in current.runs}
        due = [e for e in due if e["kind"] != "run_failed" or e["batch"] in batches]
        if not due:
            continue
        events = parse_events({"events": due}).events
        opts = ReplanOptions(now=from_epoch(now), mode=ReplanMode.HARD, plan=options)
        parent, current = current, replan(sc, current, events, opts).plan
        revision = current.revision
        for lb in revision.diff.lost if revision is not None else ():
            lost.setdefault(lb.booking, _cause(lb.cause, lb.booking, parent, told))
        _consequences(current, fate, told, pending)
    return current, lost


def _by_booking(plan: Plan) -> dict[str, list[PlanAllocation]]:
    out: dict[str, list[PlanAllocation]] = {}
    for a in plan.allocations:
        out.setdefault(a.booking, []).append(a)
    return out


def _how(before: list[PlanAllocation], after: list[PlanAllocation], product: str) -> int:
    """Outcome code of a served consignment, from the parent's and the final allocations."""

    def legs(a: PlanAllocation) -> tuple[tuple[str, float], ...]:
        return tuple((leg.lane, epoch(leg.depart_utc)) for leg in a.legs)

    if sorted((a.batch, legs(a)) for a in before) == sorted((a.batch, legs(a)) for a in after):
        return O_SERVED
    if {a.batch for a in before} == {a.batch for a in after}:
        return O_REROUTED
    return O_SUBSTITUTE if any(a.product != product for a in after) else O_ALTERNATIVE


def _tally(m: SimModel, t: Tally, r: int, parent: Plan, final: Plan, lost: dict[str, int]) -> None:
    """Replication ``r``'s outcomes from the final revision.

    Greedily over an order's consignments, in their order; its extra doses after them all
    (or, if every dose was cancelled, from the order added for them, ``<id>-extra``).
    """
    before, after = _by_booking(parent), _by_booking(final)
    left = {bid: sum(a.doses for a in allocs) for bid, allocs in after.items()}
    for b, bid in enumerate(m.book_id):
        wanted = int(m.book_doses[b] - t.cancelled[r, b])
        if wanted <= 0:
            t.outcome[r, b] = O_CANCELLED
        elif left.get(bid, 0) >= wanted:
            left[bid] -= wanted
            product = m.products[int(m.book_product[b])]
            t.outcome[r, b] = _how(before.get(bid, []), after[bid], product)
        else:
            t.outcome[r, b] = O_MISSED
            t.cause[r, b] = lost.get(bid, C_PLAN)
    for b, bid in enumerate(m.book_id):
        extras = int(t.extras[r, b])
        if not extras:
            continue
        if m.book_patient[b]:  # each extra dose a booking added
            got = sum(f"{bid}-extra{k + 1}" in after for k in range(extras))
        else:
            left[bid] = left.get(bid, 0) + left.pop(f"{bid}-extra", 0)
            got = min(extras, left[bid])
            left[bid] -= got
        t.extra_served[r, b] = got
        t.extra_missed[r, b] = extras - got


def run_replan_chunk(
    m: SimModel,
    sc: Scenario,
    plan: Plan,
    chunk: tuple[np.random.SeedSequence, int, int],
    options: SimOptions,
    plan_options: PlanOptions,
) -> ChunkResult:
    """One chunk (seed, size, first replication), drawn as the heuristic path draws it."""
    from isoflow.errors import IsoflowError

    seed, reps, first = chunk
    s, t = draw(m, seed, reps)
    cost = np.zeros(reps)
    for r in range(reps):
        known = world_events(m, s, t, r, sc, plan, options.model.extra_notice_s)
        fate = Fates(fates(m, s, r), lateness(m, s, r))
        try:
            final, lost = replay(sc, plan, known, fate, options.replan_every_s, plan_options)
        except IsoflowError as exc:
            raise SimulationError(f"replication {first + r}: re-planning failed: {exc}") from exc
        _tally(m, t, r, plan, final, lost)
        total = final.kpis.cost.total if final.kpis.cost is not None else None
        cost[r] = float(total) if total is not None else m.plan_cost_per_week
    return collect(m, _lost(m, s), cost, first, t)


def simulate_replan(
    scenario: Scenario,
    plan: Plan,
    model: SimModel,
    options: SimOptions,
    plan_options: PlanOptions | None = None,
    progress: Callable[[int, int], None] | None = None,
) -> SimResult:
    """Run ``options.replications`` replications of ``model`` re-planning as recourse.

    The chunks and seeds are :func:`~.montecarlo.simulate`'s, so each replication draws the
    same disruptions as with the heuristic. In this process, one re-plan after another
    (seconds each): meant for few replications. ``plan_options`` are the re-planner's
    solver settings (default :class:`PlanOptions`); ``progress(done, total)`` counts chunks.
    """
    from isoflow.engines.planner.api import PlanOptions
    from isoflow.engines.simulate.montecarlo import as_result, chunks

    if options.recourse != "replan":
        raise SimulationError("simulate_replan needs SimOptions(recourse='replan')")
    if plan.scenario != scenario.meta.name:
        raise SimulationError(
            f"the plan was made for scenario {plan.scenario!r}, not {scenario.meta.name!r}"
        )
    popts = plan_options or PlanOptions()
    work = chunks(options)
    parts = []
    for i, chunk in enumerate(work):
        parts.append(run_replan_chunk(model, scenario, plan, chunk, options, popts))
        if progress is not None:
            progress(i + 1, len(work))
    return as_result(model, options, parts)
