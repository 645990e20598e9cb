"""Solving a :class:`~isoflow.engines.planner.lp.LinearModel` with HiGHS, under a watchdog.

HiGHS runs in a child Python process (model and result pass through ``.npz`` files): if it
overruns its own time limit by more than a grace period
(solvers have been seen to ignore limits), the watchdog kills it and the caller gets a
:class:`SolveResult` with status ``WATCHDOG`` instead of a hung program. Results are typed:
a :class:`SolveStatus` and the achieved MIP gap, never a bare string.
"""

from __future__ import annotations

import dataclasses
import json
import subprocess
import sys
import tempfile
import time
from concurrent.futures import ThreadPoolExecutor, as_completed
from dataclasses import dataclass
from enum import StrEnum
from pathlib import Path
from typing import Any

import numpy as np
import numpy.typing as npt
import scipy.sparse as sp
from scipy.sparse.csgraph import connected_components

from isoflow.engines.planner._highs_worker import violation
from isoflow.engines.planner.lp import LinearModel

_WORKER = Path(__file__).with_name("_highs_worker.py")
"""Script run in the child process; it imports only NumPy and highspy (fast start)."""


class SolveStatus(StrEnum):
    """Outcome of a solve."""

    OPTIMAL = "optimal"
    """Solved to the requested gap."""
    FEASIBLE = "feasible"
    """A plan was found but the time limit stopped the search before the requested gap."""
    INFEASIBLE = "infeasible"
    """No plan satisfies the hard constraints."""
    NO_SOLUTION = "no_solution"
    """The time limit was reached before any plan was found."""
    WATCHDOG = "watchdog"
    """The solver overran its time limit and was stopped."""
    ERROR = "error"
    """The solver failed."""


@dataclass(frozen=True)
class SolveOptions:
    """Solver settings.

    Attributes
    ----------
    time_limit_s
        Time limit handed to HiGHS [s].
    mip_gap
        Relative MIP gap at which to stop [1].
    threads
        Solver threads (1 gives reproducible plans).
    seed
        Solver random seed.
    grace_s
        Extra time [s] before the watchdog kills an overrunning solver.
    decompose
        Solve independent parts of the model separately (exact; faster on large networks).
    parts_in_parallel
        Independent parts solved at the same time, each by a one-thread solver process.
    penalty_floor
        First bound, with the LP relaxation, the shortfall penalty (unserved bookings) every
        plan must pay; the MIP gap is then measured on the objective above that floor.
    whole_model_stop
        See the attribute's docstring.
    """

    time_limit_s: float = 60.0
    mip_gap: float = 0.01
    threads: int = 1
    seed: int = 0
    grace_s: float = 10.0
    decompose: bool = True
    parts_in_parallel: int = 2
    penalty_floor: bool = True
    whole_model_stop: bool = False
    """Let the last part still running stop as soon as the whole model is within the gap
    (faster, but the plan then depends on when the other parts finished: machine speed).
    Off by default, so that a plan solved to its gap is the same on every machine."""


@dataclass(frozen=True)
class SolveResult:
    """What the solver returned."""

    status: SolveStatus
    objective: float | None
    bound: float | None
    gap: float | None
    seconds: float
    values: npt.NDArray[np.float64] | None
    message: str = ""
    penalty_floor: float = 0.0
    """Least shortfall penalty any plan pays (LP bound); the gap is measured above it."""
    notes: tuple[str, ...] = ()
    """What was done about the solver's answers (a start not used, a cold re-solve)."""
    time_cut: bool = False
    """A time limit stopped some step: the answer may depend on the machine's speed."""

    @property
    def has_solution(self) -> bool:
        """True if ``values`` holds a feasible plan."""
        return self.values is not None


def _classify(raw: dict[str, Any], options: SolveOptions) -> SolveStatus:
    name = str(raw["status"]).lower()
    if "infeasible" in name and raw["values"] is None:
        return SolveStatus.INFEASIBLE
    if raw["values"] is None:
        return SolveStatus.NO_SOLUTION if "time" in name else SolveStatus.ERROR
    if name == "optimal":
        return SolveStatus.OPTIMAL
    gap = raw["gap"]
    if gap is not None and gap <= options.mip_gap:
        return SolveStatus.OPTIMAL
    return SolveStatus.FEASIBLE


def solve(
    model: LinearModel,
    options: SolveOptions | None = None,
    start: npt.NDArray[np.float64] | None = None,
) -> SolveResult:
    """Solve ``model`` (minimisation) with HiGHS in a child process under a watchdog.

    Independent parts of the model (connected components of its constraint matrix, e.g.
    product families that share no run, route or capacity) are solved separately, largest
    first and ``parts_in_parallel`` at a time, all against one deadline; their objectives
    and bounds add up exactly. ``start`` is an optional feasible solution handed to HiGHS as its
    first incumbent.
    """
    opts = options or SolveOptions()
    started = time.perf_counter()
    arrays: dict[str, Any] = model.arrays()
    if _empty_row_infeasible(arrays):
        return SolveResult(SolveStatus.INFEASIBLE, None, None, None, 0.0, None, "empty row")
    floor = 0.0
    penalised = arrays.get("shortfall", np.zeros(arrays["integer"].size, dtype=bool)) & (
        arrays["col_cost"] > 0
    )
    if opts.penalty_floor and penalised.any():
        arrays["offset"] = -_shortfall_floor(arrays, opts)
        floor = -float(arrays["offset"].sum())
        left = opts.time_limit_s - (time.perf_counter() - started)
        opts = dataclasses.replace(opts, time_limit_s=max(1.0, left))
    if start is not None:
        arrays["start_solution"] = np.asarray(start, dtype=np.float64)
    result = _solve_parts(arrays, opts)
    if result.values is None:
        return dataclasses.replace(result, seconds=time.perf_counter() - started)
    return _whole_model_figures(arrays, result, opts, floor, time.perf_counter() - started)


def _whole_model_figures(
    arrays: dict[str, Any], result: SolveResult, opts: SolveOptions, floor: float, seconds: float
) -> SolveResult:
    """Objective, bound, gap and status of the whole model, re-derived from its values.

    ``objective = c·x`` over every column (the model's own cost, no offset); ``bound`` is the
    sum of the parts' proven bounds plus the penalty floor; ``gap = (objective − bound) /
    (objective − floor)``, the share of what the plan can change that may still be saved.
    ``optimal`` only when that gap is within ``mip_gap``.
    """
    assert result.values is not None
    objective = float(arrays["col_cost"] @ result.values)
    bound = result.bound + floor if result.bound is not None else None
    tol = OBJECTIVE_RTOL * max(1.0, abs(objective))
    if bound is not None and bound > objective + tol:
        bound = None  # a bound above a feasible plan's cost is no bound
    elif bound is not None:
        bound = min(bound, objective)  # within rounding: the plan is its own bound
    gap = None
    if bound is not None:
        gap = max(0.0, objective - bound) / max(abs(objective - floor), 1e-9)
    closed = gap is not None and gap <= opts.mip_gap * (1 + 1e-9)
    status = result.status
    if status in (SolveStatus.OPTIMAL, SolveStatus.FEASIBLE):
        status = SolveStatus.OPTIMAL if closed else SolveStatus.FEASIBLE
    return dataclasses.replace(
        result,
        status=status,
        objective=objective,
        bound=bound,
        gap=gap,
        seconds=seconds,
        penalty_floor=floor,
    )


FLOOR_SHARE = 0.15
"""Share of the time limit the penalty floor's LP may take."""


def _shortfall_floor(arrays: dict[str, Any], opts: SolveOptions) -> npt.NDArray[np.float64]:
    """Per column, its share of the least shortfall penalty any plan must pay.

    The LP relaxation minimising only the penalised shortfall columns (unserved bookings) gives
    a lower bound on the penalty of every plan: capacity the network lacks. Returned as
    ``cost × value`` per column (zero elsewhere), so that any independent part of the model
    can sum its own floor. A failed or slow LP gives zeros (no floor).
    """
    shortfall = arrays.get("shortfall", np.zeros(arrays["col_cost"].size, dtype=bool))
    penalty = np.where(shortfall, arrays["col_cost"], 0.0)
    zeros = np.zeros(penalty.size)
    relaxed = {k: v for k, v in arrays.items() if k != "start_solution"}
    relaxed["integer"] = np.zeros_like(arrays["integer"])
    relaxed["col_cost"] = penalty
    # dual simplex: 4.4 s against 23 s for interior point on the generated 5,000-booking
    # network (this LP is mostly feasibility; IPM spends its time in crossover)
    lp = _solve_arrays(
        relaxed, dataclasses.replace(opts, time_limit_s=FLOOR_SHARE * opts.time_limit_s), "simplex"
    )
    if lp.message != "Optimal" or lp.values is None:  # HiGHS's own status: solved, not cut
        return zeros
    # The floor only sets the denominator of the gap (the offset is added back exactly), and
    # one a tolerance too high only makes the gap stricter.
    return np.asarray(penalty * np.clip(lp.values, 0.0, None), dtype=np.float64)


def _solve_parts(arrays: dict[str, Any], opts: SolveOptions) -> SolveResult:
    """Solve the independent parts of a model against one deadline and add them up."""
    groups = components(arrays) if opts.decompose else [np.arange(arrays["col_cost"].size)]
    if len(groups) <= 1:
        return _solve_part(arrays, opts)
    started = time.perf_counter()
    values = np.zeros(arrays["col_cost"].size)
    deadline = started + opts.time_limit_s
    results: list[SolveResult | None] = [None] * len(groups)
    with tempfile.TemporaryDirectory(prefix="isoflow-parts-") as tmp:
        rule_files = [Path(tmp) / f"part-{i}.json" for i in range(len(groups))]

        workers = max(1, opts.parts_in_parallel)
        total_size = sum(g.size for g in groups)

        def run(i: int) -> SolveResult:
            # each part gets its share of the solver time by size (all workers together have
            # workers × limit), never past the shared deadline; time a part leaves unused
            # goes to the widest gap afterwards
            share = opts.time_limit_s * workers * groups[i].size / total_size
            budget = max(1.0, min(deadline - time.perf_counter(), share))
            return _solve_part(
                _subproblem(arrays, groups[i]),
                dataclasses.replace(opts, time_limit_s=budget),
                rule_files[i] if opts.whole_model_stop else None,
            )

        # largest part first, each solver in its own process; parts share one deadline
        order = sorted(range(len(groups)), key=lambda i: -groups[i].size)
        with ThreadPoolExecutor(max_workers=max(1, opts.parts_in_parallel)) as pool:
            futures = {pool.submit(run, i): i for i in order}
            for future in as_completed(futures):
                results[futures[future]] = future.result()
                if opts.whole_model_stop:
                    _tell_last_part(results, rule_files, opts.mip_gap)
    solved: list[SolveResult] = [r for r in results if r is not None]
    for part in solved:
        if part.values is None:
            return dataclasses.replace(part, seconds=time.perf_counter() - started)
    # time left over from parts that finished early goes to the part with the widest gap
    extra_notes: list[str] = []
    while (left := opts.time_limit_s - (time.perf_counter() - started)) > 2.0:
        total_gap = _total_gap(solved)
        if total_gap is not None and total_gap <= opts.mip_gap:
            break
        widest = max(range(len(groups)), key=lambda i: _abs_gap(solved[i]))
        sub = _subproblem(arrays, groups[widest])
        sub["start_solution"] = solved[widest].values
        again = _solve_arrays(sub, dataclasses.replace(opts, time_limit_s=left))
        if again.values is None or _abs_gap(again) >= _abs_gap(solved[widest]):
            break
        solved[widest] = again
        extra_notes = ["time left over was given to the part with the widest gap"]
    for cols, part in zip(groups, solved, strict=True):
        values[cols] = part.values
    objective, bound = _totals(solved)
    gap = _total_gap(solved)
    closed = gap is not None and gap <= opts.mip_gap
    status = SolveStatus.OPTIMAL if closed else SolveStatus.FEASIBLE
    message = f"{len(groups)} independent parts"
    notes = tuple(dict.fromkeys([*(n for part in solved for n in part.notes), *extra_notes]))
    cut = bool(extra_notes) or any(part.time_cut for part in solved)
    return SolveResult(
        status,
        objective,
        bound,
        gap,
        time.perf_counter() - started,
        values,
        message,
        notes=notes,
        time_cut=cut,
    )


def _totals(parts: list[SolveResult]) -> tuple[float, float | None]:
    """Objective and bound of the whole model from those of its parts.

    A part solved to optimality without a bound of its own (a pure LP) is bounded by its
    objective; one stopped without a bound leaves the whole model without one.
    """
    objective = sum(p.objective or 0.0 for p in parts)
    bounds = [
        p.bound
        if p.bound is not None
        else (p.objective if p.status == SolveStatus.OPTIMAL else None)
        for p in parts
    ]
    if any(b is None for b in bounds):
        return objective, None
    return objective, sum(b for b in bounds if b is not None)


def _total_gap(parts: list[SolveResult]) -> float | None:
    objective, bound = _totals(parts)
    return None if bound is None else abs(objective - bound) / max(abs(objective), 1e-9)


def _tell_last_part(
    results: list[SolveResult | None], rule_files: list[Path], mip_gap: float
) -> None:
    """When one part alone is still being solved, let it stop on the whole model's gap.

    The rule file holds what the finished parts add up to; the part's solver stops once
    ``open + (P − D) ≤ gap · (objective + P)`` for its own primal ``P`` and bound ``D``.
    """
    waiting = [i for i, r in enumerate(results) if r is None]
    finished = [r for r in results if r is not None]
    if len(waiting) != 1 or any(r.objective is None for r in finished):
        return
    objective, bound = _totals(finished)
    if bound is None:
        return
    rule = {"objective": objective, "open": objective - bound, "gap": mip_gap}
    target = rule_files[waiting[0]]
    staged = target.with_suffix(".tmp")
    staged.write_text(json.dumps(rule), encoding="utf-8")
    staged.replace(target)  # atomic: the solver never reads half a file


TIME_LIMIT = "Time limit reached"
"""HiGHS's model status when its time limit stopped it."""

LP_GUIDED_MIN_COLUMNS = 2000
"""Parts at least this large first get an LP-guided incumbent (see :func:`_solve_part`)."""


def _solve_part(
    arrays: dict[str, Any], opts: SolveOptions, rule_file: Path | None = None
) -> SolveResult:
    """Solve one part; large mixed-integer parts first get an LP-guided incumbent.

    HiGHS can spend a whole time limit on cutting planes at the root without improving a
    poor first solution. So, within shares of the part's time limit (35 %, 55 %, 70 %):

    1. solve the LP relaxation (interior point: several times faster than simplex here);
    2. solve the MIP restricted to the integer columns the relaxation uses (most are zero;
       the rest make a much smaller MIP);
    3. repair: where that leaves a shortfall (an unserved booking) the relaxation avoids, free
       the integer columns near it (three row hops: its options, their runs, shipments and
       deliveries) and solve again from the restricted solution;
    4. hand the best of these and the given start to the full MIP as its incumbent.

    The answer is the full MIP's, with its true bound and gap.
    """
    integer = arrays["integer"]
    if integer.size < LP_GUIDED_MIN_COLUMNS or not integer.any():
        return _solve_arrays(arrays, opts, rule_file=rule_file)
    started = time.perf_counter()
    total = opts.time_limit_s

    def until(share: float) -> SolveOptions:
        budget = max(1.0, share * total - (time.perf_counter() - started))
        return dataclasses.replace(opts, time_limit_s=budget)

    relaxed = _solve_arrays({**arrays, "integer": np.zeros_like(integer)}, until(0.35), "ipm")
    guided_result: SolveResult | None = None
    start = arrays.get("start_solution")
    offset = float(arrays["offset"].sum()) if "offset" in arrays else 0.0
    best_cost = float(arrays["col_cost"] @ start) + offset if start is not None else np.inf
    best = start
    if relaxed.values is not None:
        upper = arrays["col_upper"].copy()
        upper[integer & (relaxed.values < 1e-6)] = 0.0
        restricted = {k: v for k, v in arrays.items() if k != "start_solution"}
        guided = _solve_arrays({**restricted, "col_upper": upper}, until(0.55))
        guided_result = guided
        shortfall = arrays.get("shortfall", np.zeros_like(integer))
        if guided.values is not None:
            worse = shortfall & (guided.values > relaxed.values + 0.5)
            if worse.any():
                near = neighbourhood(arrays, worse, hops=3) & integer
                upper[near] = arrays["col_upper"][near]
                repaired = _solve_arrays(
                    {**restricted, "col_upper": upper, "start_solution": guided.values},
                    until(0.7),
                )
                if repaired.values is not None and (repaired.objective or 0.0) < (
                    guided.objective or 0.0
                ):
                    guided = repaired
        if guided.values is not None and (guided.objective or 0.0) < best_cost:
            best = guided.values
    final = _solve_arrays(
        {**arrays, "start_solution": best} if best is not None else arrays,
        until(1.0),
        rule_file=rule_file,
    )
    seconds = time.perf_counter() - started
    cut = [
        name
        for name, step in (("LP relaxation", relaxed), ("LP-guided start", guided_result))
        if step is not None and step.message == TIME_LIMIT
    ]
    if cut:
        note = f"{' and '.join(cut)} stopped by its share of the time limit"
        final = dataclasses.replace(final, notes=(*final.notes, note), time_cut=True)
    if final.values is None and best is not None and best is not start:
        # the full MIP failed or was stopped before taking its start: keep the guided plan
        objective = float(arrays["col_cost"] @ best) + offset
        # the relaxation's optimum bounds the part from below, if it was solved to the end
        bound = relaxed.objective if relaxed.message == "Optimal" else None
        gap = None if bound is None else (objective - bound) / max(abs(objective), 1e-9)
        message = f"guided plan kept: {final.message}"
        return SolveResult(
            SolveStatus.FEASIBLE, objective, bound, gap, seconds, best, message, time_cut=True
        )
    return dataclasses.replace(final, seconds=seconds)


def neighbourhood(
    arrays: dict[str, Any], seeds: npt.NDArray[np.bool_], hops: int
) -> npt.NDArray[np.bool_]:
    """Columns reachable from ``seeds`` through at most ``hops`` shared rows."""
    n_rows, n_cols = arrays["row_lower"].size, arrays["col_cost"].size
    pattern = sp.csc_matrix(
        (np.ones(arrays["index"].size, dtype=np.int32), arrays["index"], arrays["start"]),
        shape=(n_rows, n_cols),
    )
    to_rows, to_cols = pattern.tocsr(), pattern.T.tocsr()
    reached = seeds.copy()
    for _ in range(hops):
        rows = (to_rows @ reached.astype(np.int32)) > 0
        reached |= (to_cols @ rows.astype(np.int32)) > 0
    return reached


def components(arrays: dict[str, Any], merge_below: int = 300) -> list[npt.NDArray[np.int64]]:
    """Column groups of independent parts of the model, smallest first.

    Parts with fewer than ``merge_below`` columns are gathered into one group (they are tiny
    and solve together at once).
    """
    n_cols = arrays["col_cost"].size
    n_rows = arrays["row_lower"].size
    if n_cols == 0:
        return []
    matrix = sp.csc_matrix(
        (arrays["value"], arrays["index"], arrays["start"]), shape=(n_rows, n_cols)
    )
    graph = sp.bmat([[None, matrix], [matrix.T, None]]).tocsr()
    _, labels = connected_components(graph, directed=False)
    col_labels = labels[n_rows:]
    order = np.argsort(col_labels, kind="stable")
    bounds = np.flatnonzero(np.diff(col_labels[order])) + 1
    parts = np.split(order, bounds)
    small = [p for p in parts if p.size < merge_below]
    groups = [p for p in parts if p.size >= merge_below]
    if small:
        groups.append(np.sort(np.concatenate(small)))
    return sorted((np.sort(g).astype(np.int64) for g in groups), key=lambda g: g.size)


def _abs_gap(result: SolveResult) -> float:
    if result.objective is None:
        return 0.0
    if result.bound is None:  # a pure LP solved to the end is closed; anything else is open
        return 0.0 if result.status == SolveStatus.OPTIMAL else np.inf
    return abs(result.objective - result.bound)


def _empty_row_infeasible(arrays: dict[str, Any]) -> bool:
    """True if a row with no entries cannot hold (its bounds exclude zero)."""
    used = np.zeros(arrays["row_lower"].size, dtype=bool)
    used[arrays["index"]] = True
    empty = ~used
    return bool(np.any(arrays["row_lower"][empty] > 0) or np.any(arrays["row_upper"][empty] < 0))


def _subproblem(arrays: dict[str, Any], cols: npt.NDArray[np.int64]) -> dict[str, Any]:
    n_rows = arrays["row_lower"].size
    matrix = sp.csc_matrix(
        (arrays["value"], arrays["index"], arrays["start"]),
        shape=(n_rows, arrays["col_cost"].size),
    )[:, cols]
    rows = np.unique(matrix.indices)
    sub = matrix[rows, :].tocsc()
    out = {
        "col_lower": arrays["col_lower"][cols],
        "col_upper": arrays["col_upper"][cols],
        "col_cost": arrays["col_cost"][cols],
        "integer": arrays["integer"][cols],
        "shortfall": arrays.get("shortfall", np.zeros_like(arrays["integer"]))[cols],
        "offset": arrays.get("offset", np.zeros(arrays["integer"].size))[cols],
        "row_lower": arrays["row_lower"][rows],
        "row_upper": arrays["row_upper"][rows],
        "start": sub.indptr.astype(np.int32),
        "index": sub.indices.astype(np.int32),
        "value": sub.data.astype(np.float64),
    }
    if "start_solution" in arrays:
        out["start_solution"] = arrays["start_solution"][cols]
    return out


FEASIBILITY_TOL = 1e-6
"""Largest violation (scaled row, bound or integrality) of a solution accepted as feasible."""

OBJECTIVE_RTOL = 1e-9
"""Relative tolerance between the solver's objective and the one re-evaluated from values."""


def _solve_arrays(
    arrays: dict[str, Any],
    opts: SolveOptions,
    lp_solver: str = "choose",
    rule_file: Path | None = None,
) -> SolveResult:
    """Solve once, then check the answer against the model itself (see :func:`_honest`).

    A start that violates the model is not handed over. When the solver returns values whose
    objective disagrees with the one it reports (HiGHS can hand back the MIP start while
    reporting the objective its presolve found), the answer is re-evaluated from the values;
    if a start was given, the part is solved again from a cold start within the time left and
    the better honest answer is kept, saying so in its message.
    """
    started = time.perf_counter()
    notes: list[str] = []
    start = arrays.get("start_solution")
    if start is not None:
        bad = violation(arrays, start)
        if bad > FEASIBILITY_TOL:
            arrays = {k: v for k, v in arrays.items() if k != "start_solution"}
            notes.append(f"warm start violates the model by {bad:.2g} and was not used")
            start = None
    raw = _run_worker(arrays, opts, lp_solver, rule_file)
    result, consistent = _honest(arrays, raw, opts)
    if not consistent and start is not None and _misreported(raw, result, opts):
        left = opts.time_limit_s - (time.perf_counter() - started)
        cold_arrays = {k: v for k, v in arrays.items() if k != "start_solution"}
        cold_opts = dataclasses.replace(opts, time_limit_s=max(1.0, left))
        cold, _ = _honest(
            cold_arrays, _run_worker(cold_arrays, cold_opts, lp_solver, rule_file), opts
        )
        notes.append(
            "the solver returned its warm start with an objective that does not match it; "
            "solved again from a cold start"
        )
        if cold.values is not None and (
            result.values is None or (cold.objective or 0.0) <= (result.objective or 0.0)
        ):
            result = cold
    notes = [*result.notes, *notes]
    return dataclasses.replace(
        result,
        seconds=time.perf_counter() - started,
        notes=tuple(dict.fromkeys(notes)),
        time_cut=result.time_cut or result.message == TIME_LIMIT,
    )


def _misreported(raw: SolveResult, honest: SolveResult, opts: SolveOptions) -> bool:
    """True if the solver claimed a plan materially better than the values it returned.

    Material: by more than the gap we accept, ``mip_gap · |objective|``. Smaller differences
    come from integer values within the solver's feasibility tolerance times large
    penalties; they are reported from the values, without a second solve.
    """
    if raw.objective is None or honest.objective is None:
        return False
    return honest.objective - raw.objective > opts.mip_gap * max(abs(honest.objective), 1.0)


def _honest(
    arrays: dict[str, Any], result: SolveResult, opts: SolveOptions
) -> tuple[SolveResult, bool]:
    """The solver's answer with objective, bound, gap and status re-derived from its values.

    ``objective = c·x + offset`` from the returned values; the bound is the solver's, and is
    dropped if it lies above that objective (no bound can exceed a feasible plan's cost);
    ``gap = (objective − bound) / |objective|``; the status is ``optimal`` only if the values
    satisfy the model (:data:`FEASIBILITY_TOL`) and the gap is within ``mip_gap``. Returns the
    answer and whether the solver's own objective agreed with the values.
    """
    if result.values is None:
        return result, True
    values = result.values
    offset = float(arrays["offset"].sum()) if "offset" in arrays else 0.0
    objective = float(arrays["col_cost"] @ values) + offset
    reported = result.objective if result.objective is not None else objective
    tol = OBJECTIVE_RTOL * max(1.0, abs(objective))
    consistent = abs(reported - objective) <= tol
    if violation(arrays, values) > FEASIBILITY_TOL:
        message = f"solver values violate the model: {result.message}"
        return SolveResult(
            SolveStatus.ERROR, None, None, None, result.seconds, None, message
        ), False
    mip = bool(arrays["integer"].any())
    bound = result.bound if mip else objective if result.status == SolveStatus.OPTIMAL else None
    if bound is not None and bound > objective + tol:
        bound = None
    elif bound is not None:
        bound = min(bound, objective)
    gap = None if bound is None else max(0.0, objective - bound) / max(abs(objective), 1e-9)
    closed = gap is not None and gap <= opts.mip_gap * (1 + 1e-9)
    status = SolveStatus.OPTIMAL if closed else SolveStatus.FEASIBLE
    if result.status in (SolveStatus.OPTIMAL, SolveStatus.FEASIBLE) or closed:
        result = dataclasses.replace(result, status=status)
    honest = dataclasses.replace(result, objective=objective, bound=bound, gap=gap)
    return honest, consistent


def _run_worker(
    arrays: dict[str, Any],
    opts: SolveOptions,
    lp_solver: str = "choose",
    rule_file: Path | None = None,
) -> SolveResult:
    """One HiGHS run in a child process under the watchdog; the solver's own figures."""
    started = time.perf_counter()
    with tempfile.TemporaryDirectory(prefix="isoflow-solve-") as tmp:
        model_path, result_path = Path(tmp) / "model.npz", Path(tmp) / "result.npz"
        np.savez(model_path, **arrays)
        extra = {"lp_solver": lp_solver, "rule_file": str(rule_file) if rule_file else None}
        options_json = json.dumps({**dataclasses.asdict(opts), **extra})
        command = [sys.executable, str(_WORKER), str(model_path), str(result_path), options_json]
        deadline = opts.time_limit_s + opts.grace_s
        with subprocess.Popen(command, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE) as proc:
            try:
                _, err = proc.communicate(timeout=deadline)
            except subprocess.TimeoutExpired:
                proc.kill()
                proc.communicate()
                return SolveResult(
                    SolveStatus.WATCHDOG,
                    None,
                    None,
                    None,
                    time.perf_counter() - started,
                    None,
                    f"solver did not return within {deadline:.0f} s and was stopped",
                )
        seconds = time.perf_counter() - started
        if proc.returncode != 0 or not result_path.exists():
            detail = err.decode(errors="replace").strip().splitlines()
            message = detail[-1] if detail else f"exit code {proc.returncode}"
            return SolveResult(SolveStatus.ERROR, None, None, None, seconds, None, message)
        with np.load(result_path, allow_pickle=False) as saved:
            raw = json.loads(str(saved["meta"]))
            raw["values"] = saved["values"] if raw.pop("has_values") else None
    status = _classify(raw, opts)
    return SolveResult(
        status, raw["objective"], raw["bound"], raw["gap"], seconds, raw["values"], raw["status"]
    )
