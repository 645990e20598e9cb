"""The parent plan as a re-plan's warm start, repaired against the new bounds.

A re-plan's model (events applied, the past frozen, :mod:`.pins`) differs from the one the
parent was solved on, so the parent's column values are rarely a feasible solution of it. The
repair keeps every integer decision of the parent that the new bounds allow and lets the
continuous columns follow:

1. the parent's integer decisions on the new candidates (:func:`parent_integers`): runs made
   ``y = 1``, doses ``z`` (in units), departures used ``s = 1``, flows used ``v = 1`` and
   generators delivered ``n``, every other integer column 0;
2. each value clipped into the column's new bounds ``[l_j, u_j]``;
3. every integer column fixed at that value, except the doses: ``z_k`` may fall from the
   parent's value to its new lower bound (a dose whose run failed, was barred or lost its
   departure is dropped), and the small programme left (run activities, flows, shortfalls,
   those doses) solved; its optimum, if there is one, is the start. The shortfall penalty
   keeps every dose the new bounds allow.

4. when step 3 has no solution (the parent's decisions break a new row, e.g. a labelling run
   or a generator whose source run has gone), the same programme with every integer column
   free to fall from the parent's value to its lower bound (a MIP over a subset of the
   parent's decisions: what it keeps, it keeps as the parent had it).

When step 4 has no solution either, the re-plan starts cold and says why. HiGHS then
receives the start with presolve on; :func:`.solver_run.solve_arrays` checks the start against
the model before handing it over and catches a misreported answer.
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass
from typing import Any

import numpy as np
import numpy.typing as npt

from isoflow.engines.planner.build import PlanningModel
from isoflow.engines.planner.pins import PlanColumns
from isoflow.engines.planner.solve import components
from isoflow.engines.planner.solver_run import SolveOptions, solve_arrays
from isoflow.records.plan import Plan
from isoflow.records.status import SolveStatus

REPAIR_TIME_S = 10.0
"""Longest the repair's linear programme may take [s] (it is one LP, usually well under 1 s
on the built-in week); it never takes more than a quarter of the re-plan's time limit."""


@dataclass(frozen=True)
class Repaired:
    """The repaired start (``None`` when there is none) and what became of the parent."""

    values: npt.NDArray[np.float64] | None
    note: str
    dropped_units: int = 0
    """Dose units of the parent the repair had to drop."""
    parent_values: npt.NDArray[np.float64] | None = None
    """The parent's integer decisions clipped into the new bounds (before any was dropped)."""


def parent_integers(pm: PlanningModel, pc: PlanColumns) -> npt.NDArray[np.float64]:
    """The parent's value of every column of ``pm`` (integer blocks only; others 0).

    ``y`` = 1 for a run the parent makes; ``z`` = doses // unit doses per allocation; ``s`` =
    1 for a departure the parent uses; ``v`` = 1 for a flow it ships on (inputs or
    generators); ``n`` = generators of each size on a generator flow.
    """
    cand, b = pm.cand, pm.blocks
    x0 = np.zeros(pm.model.num_cols)
    pos = np.full(len(cand.runs), -1, dtype=np.int64)
    pos[pm.producing_runs] = np.arange(pm.producing_runs.size)
    made = np.array([int(pos[ri]) for ri in pc.runs.values()], dtype=np.int64)
    x0[b["y"].start + made[made >= 0]] = 1.0
    if pc.allocations:
        ks = np.fromiter(pc.allocations, dtype=np.int64)
        doses = np.fromiter(pc.allocations.values(), dtype=np.float64)
        units = np.maximum(cand.booking_unit_doses[[cand.allocations[k].booking for k in ks]], 1)
        x0[b["z"].start + ks] = np.floor(doses / units)
    for col, (lane, dep) in zip(b["s"].all.tolist(), pm.departures, strict=True):
        if (lane, float(round(dep))) in pc.departures:
            x0[col] = 1.0
    used = [fi for fi, gbq in pc.flows.items() if gbq > 0] + list(pc.generators)
    x0[b["v"].start + np.array(used, dtype=np.int64)] = 1.0
    n_col = b["n"].start
    for fi, sizes in pm.sized_flows:
        counts = pc.generators.get(fi, {})
        for size in sizes:
            x0[n_col] = float(counts.get(size, 0))
            n_col += 1
    return x0


def repaired_start(pm: PlanningModel, pc: PlanColumns, opts: SolveOptions) -> Repaired:
    """The parent repaired against ``pm``'s bounds as a complete start (module docstring)."""
    arrays: dict[str, Any] = pm.model.arrays()
    lower, upper = arrays["col_lower"], arrays["col_upper"]
    integer = arrays["integer"].astype(bool)
    x0 = np.clip(parent_integers(pm, pc), lower, upper)
    z = pm.blocks["z"]
    doses = np.zeros(integer.size, dtype=bool)
    doses[z.start : z.start + z.size] = True
    fixed = dict(arrays)
    fixed["col_lower"] = np.where(integer & ~doses, x0, lower)
    fixed["col_upper"] = np.where(integer, x0, upper)
    limit = min(REPAIR_TIME_S, max(1.0, opts.time_limit_s / 4))
    lp_opts = dataclasses.replace(
        opts, time_limit_s=limit, decompose=False, penalty_floor=False, whole_model_stop=False
    )
    result = solve_arrays(fixed, lp_opts)
    subset = ""
    if result.values is None or result.status != SolveStatus.OPTIMAL:
        # step 4: a kept decision breaks a new row (a run whose input's source is gone):
        # every integer decision may fall from the parent's value to its lower bound
        fixed["col_lower"] = lower
        result = solve_arrays(fixed, lp_opts)
        subset = "; some of its runs, flows or departures dropped too"
    if result.values is None or result.status != SolveStatus.OPTIMAL:
        return Repaired(
            None,
            "cold start: the parent's decisions, repaired against the new bounds, leave no "
            f"feasible plan ({result.status})",
        )
    values = np.where(integer, np.rint(result.values), result.values)
    dropped = round(float((x0 - values)[doses].sum()))
    return Repaired(
        values,
        f"warm start: the parent repaired against the new bounds ({dropped} of its dose "
        f"units dropped{subset})",
        dropped,
        x0,
    )


def pin_untouched(pm: PlanningModel, pc: PlanColumns, parent: Plan, repaired: Repaired) -> int:
    """Fix the independent parts of ``pm`` the events leave as they were; how many.

    A part (connected component of the constraint matrix) is *touched* when it holds a
    booking one of whose parent doses has no candidate any more, or the run that dose came
    from, a run whose parent inputs no longer match a flow, or a dose the repair had to
    drop. Every other part keeps the
    parent's plan exactly: each of its columns is fixed at the repaired start's value, so
    the solve (which takes fixed columns out, :mod:`.fixed`) re-plans only the touched
    parts. Events that only remove (an element out) leave an untouched part's options as
    they were or fewer, so the parent's doses there stay the most it can serve.
    """
    if repaired.values is None or repaired.parent_values is None:
        return 0
    arrays = pm.model.arrays()
    cand, b = pm.cand, pm.blocks
    touched = np.zeros(pm.model.num_cols, dtype=bool)
    booking = {bid: i for i, bid in enumerate(cand.booking_ids)}
    lost = {parent.allocations[i].booking for i in pc.missing_allocations}
    touched[[b["u"].start + booking[x] for x in lost if x in booking]] = True
    pos = np.full(len(cand.runs), -1, dtype=np.int64)
    pos[pm.producing_runs] = np.arange(pm.producing_runs.size)
    lost_runs = {pc.runs[a.batch] for i in pc.missing_allocations
                 if (a := parent.allocations[i]).batch in pc.runs}  # fmt: skip
    runs = np.array(sorted(pc.unfed | lost_runs), dtype=np.int64)
    at = pos[runs] if runs.size else np.zeros(0, dtype=np.int64)
    touched[b["y"].start + at[at >= 0]] = True
    integer = arrays["integer"].astype(bool)
    touched |= integer & (np.abs(repaired.values - repaired.parent_values) > 0.5)
    pinned = 0
    for cols in components(arrays, merge_below=1):
        if not touched[cols].any():
            pm.model.set_col_bounds(cols, repaired.values[cols], repaired.values[cols])
            pinned += 1
    return pinned
