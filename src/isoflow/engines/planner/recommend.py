"""Recommend: the best ways to serve one new booking or order inside a plan that stays fixed.

Every decision of the parent plan is pinned (its runs are made, its doses go as planned);
the new demand may take spare activity of a parent run (up to ``batch_max``), a parent's
departure with room left, or a new run and departure. The best way is the optimum of that
model; the next best is the optimum once the ways found so far are barred (a new run of the
same process on the same lanes, only started at another time, is the same way), and so on: each
is a plan that ``verify`` accepts, ranked by what it adds to the parent's cost (counted from
the plan's records, :func:`.revision.figures`).
"""

from __future__ import annotations

import math
import time
from dataclasses import dataclass
from datetime import datetime

import numpy as np

from isoflow import bounds
from isoflow.engines.planner.api import PlanOptions, solve_model
from isoflow.engines.planner.build import PlanningModel
from isoflow.engines.planner.pins import PlanColumns, freeze, plan_columns
from isoflow.engines.planner.replan import Prepared, prepare
from isoflow.engines.planner.revision import figures
from isoflow.records.plan import Plan, PlanLeg
from isoflow.scenario.events import BookingAdded, OrderAdded
from isoflow.scenario.schema import Scenario


@dataclass(frozen=True)
class Insertion:
    """One way to serve the new demand inside the fixed plan."""

    rank: int
    site: str
    batch: str
    new_run: bool
    """The batch is a run the parent does not make."""
    legs: tuple[PlanLeg, ...]
    doses: int
    activity_eop_bq: float
    """Activity per dose at the batch's EOP [Bq]."""
    cost_delta: float
    """Plan cost with this way minus the parent's (production and transport)."""
    plan: Plan


@dataclass(frozen=True)
class Recommendation:
    """The ranked ways, and how long finding them took."""

    demand: str
    ways: tuple[Insertion, ...]
    seconds: float
    build_seconds: float
    scenario: Scenario | None = None
    """The scenario the ways were found in: the parent's events and the new demand applied."""


def _only_the_new_demand_moves(pm: PlanningModel, pc: PlanColumns, demand_id: str) -> None:
    """Every dose the parent does not plan is barred, except those of the new demand.

    ``z[k] = 0`` for each candidate ``k`` of another booking or order that the parent does
    not use: a booking the parent serves is pinned as served (:func:`.pins.freeze`), and one
    it leaves unserved stays so; only the new demand's way into the plan is open.
    """
    cand = pm.cand
    if not cand.allocations:
        return
    booking = np.array([a.booking for a in cand.allocations], dtype=np.int64)
    other = np.asarray(cand.booking_ids, dtype=object)[booking] != demand_id
    other[list(pc.allocations)] = False
    pm.model.set_col_bounds(pm.blocks["z"].start + np.flatnonzero(other), 0.0, 0.0)


def _prepare(
    scenario: Scenario,
    parent: Plan,
    new: BookingAdded | OrderAdded,
    demand_id: str,
    now: datetime | None,
    options: PlanOptions,
) -> Prepared:
    """The model with candidates for the new demand alone, the rest as the parent plans it.

    The other bookings keep the parent's doses (carried into the candidates) and, where the
    parent leaves them unserved, the parent's reasons. If a parent dose cannot be carried,
    the model is built again with every booking's candidates.
    """
    p = prepare(scenario, parent, (new,), now, options, only={demand_id})
    if p.pc.missing_allocations:
        return prepare(scenario, parent, (new,), now, options)
    index = {b: i for i, b in enumerate(p.pm.cand.booking_ids)}
    for u in parent.unserved:
        bi = index.get(u.booking)
        if bi is not None and u.booking != demand_id:
            p.pm.cand.reasons[bi] = (u.reason, u.detail)
    return p


def recommend(
    scenario: Scenario,
    parent: Plan,
    new: BookingAdded | OrderAdded,
    now: datetime | None = None,
    top: int = 3,
    options: PlanOptions | None = None,
) -> Recommendation:
    """The ``top`` best ways to serve ``new`` with the parent plan pinned (module docstring).

    Raises :class:`~isoflow.errors.OptionError` unless ``top`` is within
    :data:`isoflow.bounds.RECOMMEND_TOP`.
    """
    bounds.RECOMMEND_TOP.check(top, "top")
    t0 = time.perf_counter()
    demand_id = new.booking.id if isinstance(new, BookingAdded) else new.order.id
    p = _prepare(scenario, parent, new, demand_id, now, options or PlanOptions())
    freeze(p.pm, parent, p.pc, p.now, math.inf, p.failed, bar_new=False)
    _only_the_new_demand_moves(p.pm, p.pc, demand_id)
    build_seconds = time.perf_counter() - t0
    base = figures(parent).cost
    parent_batches = {r.batch for r in parent.runs}
    ways: list[Insertion] = []
    z = p.pm.blocks["z"]
    for rank in range(1, top + 1):
        plan = solve_model(p.net, p.pm, p.options, 0.0)
        mine = [a for a in plan.allocations if a.booking == demand_id]
        if not mine:
            break
        a = mine[0]
        ways.append(
            Insertion(
                rank=rank,
                site=a.site,
                batch=a.batch,
                new_run=a.batch not in parent_batches,
                legs=a.legs,
                doses=sum(x.doses for x in mine),
                activity_eop_bq=a.activity_eop_bq,
                cost_delta=figures(plan).cost - base,
                plan=plan,
            )
        )
        bar = _way_columns(p, plan, demand_id)
        p.pm.model.set_col_bounds([z.start + k for k in bar], 0.0, 0.0)
    return Recommendation(
        demand_id, tuple(ways), time.perf_counter() - t0, build_seconds, p.scenario
    )


def _way_columns(p: Prepared, plan: Plan, demand_id: str) -> list[int]:
    """The new demand's candidates that are the way ``plan`` serves it, to bar for the next.

    A way through a parent run is its allocation: the run, the route and its departures.
    A way through a new run is the process and the lanes of the route: the same process
    started at any other time within the horizon on the same lanes is the same way (the
    planner chose the best start), so every such candidate is barred together and the next
    way is a different site, process, route or parent run.
    """
    cand = p.pm.cand
    parent_runs = set(p.pc.runs.values())
    mine = [k for k, a in enumerate(cand.allocations) if cand.booking_ids[a.booking] == demand_id]

    def lanes(k: int) -> tuple[int, ...]:
        return tuple(g.lane for g in cand.allocations[k].route.legs)

    own = set(mine)
    chosen = [k for k in plan_columns(p.net, cand, plan).allocations if k in own]
    new_ways = {
        (cand.runs[cand.allocations[k].run].process, lanes(k))
        for k in chosen
        if cand.allocations[k].run not in parent_runs
    }
    same_way = [
        k
        for k in mine
        if cand.allocations[k].run not in parent_runs
        and (cand.runs[cand.allocations[k].run].process, lanes(k)) in new_ways
    ]
    return sorted({*chosen, *same_way})


def check_ways(rec: Recommendation) -> list[tuple[str, ...]]:
    """Each way's violations by ``verify``, against the scenario the ways were found in.

    That is the base with the parent's earlier events and the new demand applied.
    """
    from isoflow.engines.verify import verify

    assert rec.scenario is not None, "a recommendation names the scenario of its ways"
    return [tuple(str(v) for v in verify(w.plan, rec.scenario)) for w in rec.ways]


def as_record(rec: Recommendation, verdicts: list[tuple[str, ...]]) -> dict[str, object]:
    """The recommendation as plain JSON data: what the command line prints, the service stores.

    ``verdicts`` holds each way's violations by ``verify`` (empty: the way is sound).
    """
    return {
        "demand": rec.demand,
        "seconds": rec.seconds,
        "build_seconds": rec.build_seconds,
        "ways": [
            {
                "rank": w.rank,
                "site": w.site,
                "batch": w.batch,
                "new_run": w.new_run,
                "legs": [leg.model_dump(mode="json") for leg in w.legs],
                "doses": w.doses,
                "activity_eop_bq": w.activity_eop_bq,
                "cost_delta": w.cost_delta,
                "violations": list(found),
                "plan": w.plan.model_dump(mode="json"),
            }
            for w, found in zip(rec.ways, verdicts, strict=True)
        ],
    }
