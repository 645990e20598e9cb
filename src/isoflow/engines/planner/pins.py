"""An earlier plan on the candidates of a new model: which columns are its decisions.

:func:`plan_columns` maps each run, allocation, generator delivery and departure of a plan
onto the candidates of a model built for the same horizon (runs by process and start,
allocations by booking, batch and legs, generator deliveries by batch, site and legs), so a
plan can be pinned, penalised for change, or compared. :func:`freeze` fixes the columns of
what a re-plan may no longer change: the past (before ``now``) and anything the user pins.

The fixing rules, with ``t_now`` the instant of the re-plan:

* a candidate run that starts before ``t_now``: made (``y = 1``, ``x`` fixed at the plan's
  activity, less a failure's shortfall: what it makes and nobody takes is waste) if the plan
  made it, else never (``y = 0``); its ``batch_min`` no longer binds, and if its inputs no
  longer match any candidate flow its feed row is dropped (it has them already);
* a departure before ``t_now`` the plan did not use: never used (``s = 0``);
* a dose candidate whose consignment left before ``t_now`` (first leg departed, or no leg and
  administration before ``t_now``): kept at the plan's doses if the plan chose it, else
  never (``z = 0``);
* a generator delivered on a departure before ``t_now``: kept (``v = 1``, ``n`` as planned);
* an input shipped to a run before ``t_now``: kept (``w`` as planned, ``v = 1``), and so is the
  run it was shipped for (``y = 1``: the material is on its way to it, and a departure that
  left carrying it cannot be unmade; dropping the run would leave the shipment listing a
  consignment the plan no longer has); any other flow leaving then: none.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime

import numpy as np
import numpy.typing as npt

from isoflow.domain.calendar import epoch
from isoflow.engines.planner.build import PlanningModel
from isoflow.engines.planner.candidate_types import Candidates
from isoflow.engines.planner.columns import GBQ
from isoflow.engines.planner.extract import batch_ids
from isoflow.engines.planner.lp import LinearModel
from isoflow.engines.planner.network import PlanningNetwork
from isoflow.records.plan import Plan, PlanLeg
from isoflow.units import parse_datetime

LegKey = tuple[tuple[str, int], ...]
"""A route as (lane id, departure [s]) per leg."""


def instant(value: datetime | str) -> float:
    """An instant of a plan (or ISO text, as an event file holds it) in s since the epoch."""
    if isinstance(value, str):
        return epoch(parse_datetime(value, "time"))
    return epoch(value)


def _leg_key(legs: Sequence[PlanLeg]) -> LegKey:
    return tuple((g.lane, round(instant(g.depart_utc))) for g in legs)


@dataclass
class PlanColumns:
    """Where a plan's decisions sit among a model's candidates."""

    runs: dict[str, int] = field(default_factory=dict)
    """Batch id -> candidate run."""
    allocations: dict[int, int] = field(default_factory=dict)
    """Candidate allocation -> doses the plan gives it."""
    missing_allocations: list[int] = field(default_factory=list)
    """Plan allocations (their positions) with no candidate left (an event removed it)."""
    generators: dict[int, dict[float, int]] = field(default_factory=dict)
    """Candidate generator flow -> {size [GBq]: count} the plan delivers."""
    generator_gbq: dict[int, float] = field(default_factory=dict)
    """Candidate generator flow -> activity the plan delivers [GBq at the source's EOP]."""
    departures: set[tuple[int, float]] = field(default_factory=set)
    """(lane index, departure [s]) the plan uses."""
    flows: dict[int, float] = field(default_factory=dict)
    """Candidate flow into a run -> activity the plan ships on it [GBq at the source's EOP]."""
    unfed: set[int] = field(default_factory=set)
    """Candidate runs the plan makes whose inputs no candidate flow matches any more."""


def plan_columns(net: PlanningNetwork, cand: Candidates, plan: Plan) -> PlanColumns:
    """Map ``plan`` onto ``cand`` (built over the plan's horizon)."""
    out = PlanColumns()
    ids = {b: ri for ri, b in enumerate(batch_ids(net, cand))}
    out.runs = {r.batch: ids[r.batch] for r in plan.runs if r.batch in ids}
    for g in plan.generators:
        if g.batch in ids:
            out.runs.setdefault(g.batch, ids[g.batch])
    lanes = net.scenario.lanes
    by_key: dict[tuple[str, int, LegKey], int] = {}
    for ki, a in enumerate(cand.allocations):
        legs = tuple((lanes[g.lane].id, round(g.depart)) for g in a.route.legs)
        by_key[(cand.booking_ids[a.booking], a.run, legs)] = ki
    for i, pa in enumerate(plan.allocations):
        ri = ids.get(pa.batch)
        k: int | None = None if ri is None else by_key.get((pa.booking, ri, _leg_key(pa.legs)))
        if k is None:
            out.missing_allocations.append(i)
        else:
            out.allocations[k] = out.allocations.get(k, 0) + pa.doses
    lane_index = {lane.id: li for li, lane in enumerate(lanes)}
    for sh in plan.shipments:
        if sh.lane in lane_index:
            out.departures.add((lane_index[sh.lane], float(round(instant(sh.depart_utc)))))
    _generator_columns(net, cand, plan, ids, out)
    _input_columns(net, cand, plan, ids, out)
    return out


def _input_columns(
    net: PlanningNetwork, cand: Candidates, plan: Plan, ids: dict[str, int], out: PlanColumns
) -> None:
    """The plan's run inputs as candidate flows (by source, destination run and legs)."""
    lanes = net.scenario.lanes
    by_key: dict[tuple[int, int, LegKey], int] = {}
    for fi, f in enumerate(cand.flows):
        if f.dst >= 0:
            legs = tuple((lanes[g.lane].id, round(g.depart)) for g in f.route.legs)
            by_key[(f.src, f.dst, legs)] = fi
    for r in plan.runs:
        dst = ids.get(r.batch)
        if dst is None:
            continue
        for i in r.inputs:
            src = ids.get(i.batch)
            found = None if src is None else by_key.get((src, dst, _leg_key(i.legs)))
            if found is None:
                out.unfed.add(dst)
            else:
                out.flows[found] = out.flows.get(found, 0.0) + i.activity_eop_bq / GBQ


def _generator_columns(
    net: PlanningNetwork, cand: Candidates, plan: Plan, ids: dict[str, int], out: PlanColumns
) -> None:
    lanes = net.scenario.lanes
    by_key: dict[tuple[int, int, LegKey], int] = {}
    for fi, f in enumerate(cand.flows):
        if f.dst == -1:
            legs = tuple((lanes[g.lane].id, round(g.depart)) for g in f.route.legs)
            by_key[(f.src, f.site, legs)] = fi
    for g in plan.generators:
        src = ids.get(g.batch)
        site = net.site_index.get(g.site)
        if src is None or site is None:
            continue
        found = by_key.get((src, site, _leg_key(g.legs)))
        if found is not None:
            fi = found
            counts: dict[float, int] = {}
            for size in g.sizes_bq:
                counts[size / GBQ] = counts.get(size / GBQ, 0) + 1
            out.generators[fi] = counts
            out.generator_gbq[fi] = g.activity_calibration_bq / GBQ


@dataclass(frozen=True)
class Frozen:
    """What :func:`freeze` fixed: counts for the revision's record."""

    runs_kept: int
    runs_barred: int
    allocations_kept: int
    allocations_barred: int
    departures_barred: int


class _Deferred:
    """Column bounds collected and set at once (the last value set for a column wins).

    ``set_col_bounds`` of :class:`.lp.LinearModel` per column costs a pass over its blocks;
    freezing a week's plan sets about 15,000 columns.
    """

    def __init__(self) -> None:
        self.lower: dict[int, float] = {}
        self.upper: dict[int, float] = {}

    def set_col_bounds(self, cols: list[int], lower: float | None, upper: float | None) -> None:
        """Record ``lower``/``upper`` (None: leave that side) for every column of ``cols``."""
        for col in cols:
            if lower is not None:
                self.lower[col] = lower
            if upper is not None:
                self.upper[col] = upper

    def flush(self, model: LinearModel) -> None:
        """Set every recorded bound on ``model``."""
        if self.lower:
            model.set_col_bounds(list(self.lower), list(self.lower.values()), None)
        if self.upper:
            model.set_col_bounds(list(self.upper), None, list(self.upper.values()))


def freeze(
    pm: PlanningModel,
    plan: Plan,
    pc: PlanColumns,
    now: float,
    hold: float,
    shortfall: dict[str, float],
    bar_new: bool = True,
) -> Frozen:
    """Fix the columns of the past and of the pinned (module docstring).

    Before ``now`` is history; from ``now`` to ``hold`` the parent's decisions are pinned
    where they still hold, and nothing new starts unless ``bar_new`` is false (new runs and
    doses may then join the pinned plan); ``shortfall``: batch -> fraction lost.
    """
    cand, m, b = pm.cand, _Deferred(), pm.blocks
    pos = np.full(len(cand.runs), -1, dtype=np.int64)
    pos[pm.producing_runs] = np.arange(pm.producing_runs.size)
    made = {ri: batch for batch, ri in pc.runs.items()}
    activity = {r.batch: r.activity_eop_bq for r in plan.runs}
    kept = barred = 0
    for ri, run in enumerate(cand.runs):
        p = int(pos[ri])
        if p < 0 or run.start >= hold:
            continue
        if ri not in made:
            if bar_new or run.start < now:
                m.set_col_bounds([b["y"].start + p], 0.0, 0.0)
                barred += 1
            continue
        m.set_col_bounds([b["y"].start + p], 1.0, 1.0)
        kept += 1
        if run.start < now:  # started: its activity is what it made, less a failure's loss
            gbq = activity.get(made[ri], 0.0) * (1.0 - shortfall.get(made[ri], 0.0)) / GBQ
            m.set_col_bounds([b["x"].start + p], gbq, gbq * (1.0 + MADE_REL))
            rows = pm.model.row_blocks["size_min"]
            pm.model.set_row_bounds([rows.start + p], -np.inf, None)
    _drop_feeds(pm, {ri for ri in made if cand.runs[ri].start < now})
    failed_runs = {ri for ri, batch in made.items() if batch in shortfall}
    _freeze_flows(pm, m, pc, now, failed_runs, pos)
    a_kept, a_barred = _freeze_allocations(
        pm, m, pc, now, hold if bar_new else now, set(shortfall), made
    )
    if not bar_new:
        a_kept += _pin_allocations(pm, m, pc, hold)
    d_barred = 0
    for (lane, dep), col in zip(pm.departures, b["s"].all.tolist(), strict=True):
        if dep < now and (lane, float(round(dep))) not in pc.departures:
            m.set_col_bounds([col], 0.0, 0.0)
            d_barred += 1
    _freeze_generators(pm, m, pc, hold)
    m.flush(pm.model)
    return Frozen(kept, barred, a_kept, a_barred, d_barred)


def _freeze_flows(
    pm: PlanningModel,
    m: _Deferred,
    pc: PlanColumns,
    now: float,
    failed: set[int],
    pos: npt.NDArray[np.int64],
) -> None:
    """Inputs that left before ``now`` are shipped as planned; no other flow leaves then.

    From a failed run, as much as it still gives (at most as planned). The run a shipped
    input goes to is made (``y[dst] = 1``; ``pos``: each candidate run's producing column).
    """
    cand = pm.cand
    w, v, y = pm.blocks["w"], pm.blocks["v"], pm.blocks["y"]
    for fi, f in enumerate(cand.flows):
        if f.dst < 0:
            continue
        left = f.route.legs[0].depart if f.route.legs else cand.runs[f.src].release
        if left >= now:
            continue
        gbq = pc.flows.get(fi, 0.0)
        if f.src in failed:
            m.set_col_bounds([w.start + fi], 0.0, gbq)
            m.set_col_bounds([v.start + fi], 0.0, float(gbq > 0))
        else:
            m.set_col_bounds([w.start + fi], gbq, gbq)
            m.set_col_bounds([v.start + fi], float(gbq > 0), float(gbq > 0))
            if gbq > 0 and pos[f.dst] >= 0:
                m.set_col_bounds([y.start + int(pos[f.dst])], 1.0, 1.0)


MADE_REL = 1e-7
"""A started run's activity is what its record says, to within this share (the record comes
from a solution that holds each row within the solver's 1e-7 tolerance; pinned exactly,
a chain of its pinned doses and generator deliveries could miss the rows by that much, which
made every ``recommend`` on the built-in week infeasible). 10x inside ``verify``'s 1e-6."""


def _drop_feeds(pm: PlanningModel, started: set[int]) -> None:
    """Started runs' feed rows go: their input is history, and their activity is pinned.

    (Kept, a pinned input and a pinned activity would have to meet the feed row exactly;
    for a run whose inputs the candidates no longer match there is no input column at all.)
    """
    feed = sorted(pm.cand.feed_needed)
    rows = [i for i, r in enumerate(feed) if r in started]
    if rows and "feed" in pm.model.row_blocks:
        start = pm.model.row_blocks["feed"].start
        pm.model.set_row_bounds([start + i for i in rows], None, np.inf)


def _freeze_allocations(
    pm: PlanningModel,
    m: _Deferred,
    pc: PlanColumns,
    now: float,
    hold: float,
    failed: set[str],
    made: dict[int, str],
) -> tuple[int, int]:
    """Doses that left before ``hold`` stay as planned, and none is added.

    A dose of a failed run is free: as much of it as the run still gives is served.
    """
    cand, z = pm.cand, pm.blocks["z"]
    kept = barred = 0
    for k, a in enumerate(cand.allocations):
        left = a.route.legs[0].depart if a.route.legs else cand.booking_time[a.booking]
        if left >= hold:
            continue
        doses = pc.allocations.get(k)
        if doses is None:
            m.set_col_bounds([z.start + k], 0.0, 0.0)
            barred += 1
        elif made.get(a.run) not in failed:
            unit = int(cand.booking_unit_doses[a.booking])
            units = float(doses // max(unit, 1))
            m.set_col_bounds([z.start + k], units, units)
            kept += 1
        elif left >= now:
            m.set_col_bounds([z.start + k], 0.0, None)
    return kept, barred


def _pin_allocations(pm: PlanningModel, m: _Deferred, pc: PlanColumns, hold: float) -> int:
    """The parent's doses leaving before ``hold`` stay as they are (others may join)."""
    cand, z = pm.cand, pm.blocks["z"]
    kept = 0
    for k, doses in pc.allocations.items():
        a = cand.allocations[k]
        left = a.route.legs[0].depart if a.route.legs else cand.booking_time[a.booking]
        if left < hold:
            units = float(doses // max(int(cand.booking_unit_doses[a.booking]), 1))
            m.set_col_bounds([z.start + k], units, units)
            kept += 1
    return kept


def _freeze_generators(pm: PlanningModel, m: _Deferred, pc: PlanColumns, t_now: float) -> None:
    """Generators delivered on departures before ``t_now`` stay delivered, as many as planned.

    Sized products keep their counts per size; unsized ones their activity (to within
    :data:`MADE_REL`, as a started run's); a delivery the plan does not make stays unmade.
    Their ``flow_used`` rows go (``w`` and ``v`` are both fixed, and the big-M of a changed
    demand can be below what was delivered).
    """
    cand = pm.cand
    v, n, w = pm.blocks["v"], pm.blocks["n"], pm.blocks["w"]
    n_col = n.start
    sized = {fi for fi, _ in pm.sized_flows}
    delivered: list[int] = []
    for fi, sizes in pm.sized_flows:
        f = cand.flows[fi]
        left = f.route.legs[0].depart if f.route.legs else cand.runs[f.src].release
        if left < t_now:
            counts = pc.generators.get(fi, {})
            for size in sizes:
                c = float(counts.get(size, 0))
                m.set_col_bounds([n_col], c, c)
                n_col += 1
            used = 1.0 if counts else 0.0
            m.set_col_bounds([v.start + fi], used, used)
            delivered.append(fi)
        else:
            n_col += len(sizes)
    for fi, f in enumerate(cand.flows):
        if f.dst != -1 or fi in sized:
            continue
        left = f.route.legs[0].depart if f.route.legs else cand.runs[f.src].release
        if left < t_now:
            gbq = pc.generator_gbq.get(fi, 0.0)
            m.set_col_bounds([w.start + fi], gbq, gbq * (1.0 + MADE_REL))
            m.set_col_bounds([v.start + fi], float(gbq > 0), float(gbq > 0))
            delivered.append(fi)
    # a delivery is what it was, even above the big-M the changed demand would give it
    if delivered and "flow_used" in pm.model.row_blocks:
        rows = pm.model.row_blocks["flow_used"].start + np.array(delivered, dtype=np.int64)
        pm.model.set_row_bounds(rows, None, np.inf)
