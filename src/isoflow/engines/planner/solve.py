"""Solving a :class:`~isoflow.engines.planner.lp.LinearModel` with HiGHS.

The model's independent parts (connected components of its constraint matrix) are solved
separately against one deadline (:func:`solve`), large ones in LP-guided steps
(:mod:`~isoflow.engines.planner.guided`), each HiGHS run in a child process under a
watchdog with its answer re-derived from its values (:mod:`~isoflow.engines.planner.solver_run`).
Objective, bound and gap of the whole model are then re-derived once more from all values.
"""

from __future__ import annotations

import dataclasses
import json
import math
import threading
import time
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

import numpy as np
import numpy.typing as npt
import scipy.sparse as sp

from isoflow.engines.planner import fixed
from isoflow.engines.planner.guided import RelaxedStart, solve_part
from isoflow.engines.planner.lp import LinearModel
from isoflow.engines.planner.solver_run import (
    OBJECTIVE_RTOL,
    SolveOptions,
    SolveResult,
    column_labels,
    solve_arrays,
)
from isoflow.processes import children
from isoflow.records.status import SolveStatus

__all__ = ["SolveOptions", "SolveResult", "components", "solve"]


def solve(
    model: LinearModel,
    options: SolveOptions | None = None,
    start: npt.NDArray[np.float64] | None = None,
    relaxed_start: RelaxedStart | None = None,
) -> SolveResult:
    """Solve ``model`` (minimisation) with HiGHS in a child process under a watchdog.

    Independent parts of the model (connected components of its constraint matrix, e.g.
    product families that share no run, route or capacity) are solved separately, largest
    first and ``parts_in_parallel`` at a time, all against one deadline; their objectives
    and bounds add up exactly. ``start`` is an optional feasible solution handed to HiGHS as its
    first incumbent; ``relaxed_start`` an optional heuristic that turns a relaxation's values
    of every column into a plan (used by large parts once their relaxation is solved).
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
    if opts.drop_fixed:
        result = _solve_reduced(arrays, opts, relaxed_start)
    else:
        result = _solve_parts(arrays, opts, relaxed_start)
    if result.values is None:
        return dataclasses.replace(result, seconds=time.perf_counter() - started)
    return _whole_model_figures(arrays, result, opts, floor, time.perf_counter() - started)


def _solve_reduced(
    arrays: dict[str, Any], opts: SolveOptions, relaxed_start: RelaxedStart | None
) -> SolveResult:
    """Solve the model over its free columns (:mod:`.fixed`) and put the fixed ones back.

    The bound of the whole model is the reduced model's bound plus the fixed columns' cost.
    """
    red = fixed.reduce(arrays)
    if not red.holds:
        return SolveResult(
            SolveStatus.INFEASIBLE, None, None, None, 0.0, None, "a fixed row does not hold"
        )
    if red.free.size == 0:
        return SolveResult(SolveStatus.OPTIMAL, None, red.constant, 0.0, 0.0, red.fixed_values)
    part_start = None
    if relaxed_start is not None:
        whole_start = relaxed_start

        def part_start(relaxed: npt.NDArray[np.float64]) -> npt.NDArray[np.float64]:
            return whole_start(fixed.expand(red, relaxed))[red.free]

    result = _solve_parts(red.arrays, opts, part_start)
    if result.values is None:
        return result
    bound = result.bound + red.constant if result.bound is not None else None
    return dataclasses.replace(result, values=fixed.expand(red, result.values), bound=bound)


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
    # network (this LP is mostly feasibility; IPM spends its time in crossover); when simplex
    # fails without using its time (HiGHS 1.16 stops with status "Not Set" on a badly scaled
    # part of the built-in week at real volume), interior point gets the time left
    started = time.perf_counter()
    share = FLOOR_SHARE * opts.time_limit_s
    lp = solve_arrays(relaxed, dataclasses.replace(opts, time_limit_s=share), "simplex")
    left = share - (time.perf_counter() - started)
    if lp.message != "Optimal" and lp.status is SolveStatus.ERROR and left >= 1.0:
        lp = solve_arrays(relaxed, dataclasses.replace(opts, time_limit_s=left), "ipm")
    if lp.message != "Optimal" or lp.values is None:  # HiGHS's own status: solved, not cut
        return zeros
    # The floor only sets the denominator of the gap (the offset is added back exactly), and
    # one a tolerance too high only makes the gap stricter.
    return np.asarray(penalty * np.clip(lp.values, 0.0, None), dtype=np.float64)


def _solve_parts(
    arrays: dict[str, Any], opts: SolveOptions, relaxed_start: RelaxedStart | None = None
) -> SolveResult:
    """Solve the independent parts of a model against one deadline and add them up."""
    groups = components(arrays) if opts.decompose else [np.arange(arrays["col_cost"].size)]
    if len(groups) <= 1:
        return solve_part(arrays, opts, relaxed_start=relaxed_start)
    started = time.perf_counter()
    values = np.zeros(arrays["col_cost"].size)
    deadline = started + opts.time_limit_s
    results: list[SolveResult | None] = [None] * len(groups)
    with children.folder("isoflow-parts-") as tmp:  # removed on a stop too (processes)
        rule_files = [tmp / f"part-{i}.json" for i in range(len(groups))]

        def run(i: int, budget: float) -> SolveResult:
            return solve_part(
                _subproblem(arrays, groups[i]),
                dataclasses.replace(opts, time_limit_s=max(1.0, budget)),
                rule_files[i] if opts.whole_model_stop else None,
                _part_start(relaxed_start, groups[i], arrays["col_cost"].size),
            )

        def done(i: int, result: SolveResult) -> None:
            results[i] = result
            if opts.whole_model_stop:
                _tell_last_part(results, rule_files, opts.mip_gap)

        def pick_cut(busy: set[int]) -> int | None:
            open_parts = [
                i
                for i, r in enumerate(results)
                if r is not None
                and r.values is not None
                and i not in busy
                and i not in improve.tried
                and _abs_gap(r) > opts.mip_gap * max(abs(r.objective or 0.0), 1.0)
            ]
            return max(open_parts, key=lambda i: _abs_gap(_given(results[i])), default=None)

        def solve_on(i: int, left: float) -> SolveResult | None:
            better = _solve_on(arrays, groups[i], _given(results[i]), opts, left)
            if better is None:
                return None
            notes = (*better.notes, "time a worker had left was given to a part cut short")
            return dataclasses.replace(better, notes=notes, time_cut=True)

        improve = Improve(pick_cut, solve_on)
        sizes = [1 + int(arrays["integer"][g].sum()) for g in groups]  # work: integer columns
        _run_parts(sizes, opts.parts_in_parallel, deadline, run, done, improve)
    solved: list[SolveResult] = [r for r in results if r is not None]
    for part in solved:
        if part.values is None:
            return dataclasses.replace(part, seconds=time.perf_counter() - started)
    # time left over from parts that finished early goes to the part with the widest gap
    extra_notes: list[str] = []
    while (
        not children.winding_down
        and (left := opts.time_limit_s - (time.perf_counter() - started)) > IMPROVE_MIN_S
    ):
        total_gap = _total_gap(solved)
        if total_gap is not None and total_gap <= opts.mip_gap:
            break
        widest = max(range(len(groups)), key=lambda i: _abs_gap(solved[i]))
        again = _solve_on(arrays, groups[widest], solved[widest], opts, left)
        if again is None:
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


def _part_start(
    relaxed_start: RelaxedStart | None, cols: npt.NDArray[np.int64], n_cols: int
) -> RelaxedStart | None:
    """The whole model's ``relaxed_start`` seen from one part: its columns in and out."""
    if relaxed_start is None:
        return None
    whole_start = relaxed_start

    def part(relaxed: npt.NDArray[np.float64]) -> npt.NDArray[np.float64]:
        whole = np.zeros(n_cols)
        whole[cols] = relaxed
        return whole_start(whole)[cols]

    return part


WORK_EXPONENT = 1.5
"""A part's work grows as its size (its integer columns) to this power, more than linearly:
on the generated 5,000-booking network, parts of about 1,500 integer columns solve in under a
second, the one of 3,702 in about 20 s, and the one of 19,973 needs about 55 s for its guided
steps and the full MIP's root and first cuts on one core. 1.5 is conservative: the largest
parts get more than their share of columns, not all their measured need."""


def part_budget(
    left: float, size: int, queued: list[int], busy: list[float], workers: int
) -> float:
    """Seconds a part may take: its share of the worker time left for it and the queue.

    ``queued`` are the sizes of the parts still waiting besides this one; ``busy`` the
    seconds until each part running on another worker is due. The worker time for this part
    and the queue is ``T = left · (W − |busy|) + Σ_r (left − clip(busy_r, 0, left))`` (the
    free workers now, the busy ones once their part is due); its share of it goes by work,
    ``size^a`` with ``a`` = :data:`WORK_EXPONENT`:
    ``budget = min(left, T · size^a / (size^a + Σ queued^a))``. A part with more work than a
    fair share, and the last part, get all that is left.
    """
    free = max(1, workers - len(busy))
    total = left * free + sum(left - min(max(b, 0.0), left) for b in busy)
    work: float = math.pow(size, WORK_EXPONENT)
    rest: float = sum(math.pow(q, WORK_EXPONENT) for q in queued)
    return min(left, total * work / (work + rest))


def part_order(sizes: list[int], workers: int) -> list[int]:
    """Order in which parts are taken: the ``workers`` largest, then the rest smallest first."""
    largest = sorted(range(len(sizes)), key=lambda i: (-sizes[i], i))[:workers]
    rest = sorted((i for i in range(len(sizes)) if i not in largest), key=lambda i: (sizes[i], i))
    return largest + rest


def _run_parts(
    sizes: list[int],
    workers: int,
    deadline: float,
    run: Callable[[int, float], SolveResult],
    done: Callable[[int, SolveResult], None],
    improve: Improve | None = None,
) -> None:
    """Parts from one queue, each taken by the next free worker, all to one deadline.

    Each worker is a thread, each solver its own process; budgets from :func:`part_budget`
    (a part running on another worker counts until it is due).
    The ``W`` largest parts start at once, so the slowest is not kept waiting behind small
    ones; the rest follow smallest first on whichever worker frees first, so the time small
    parts leave unused passes on to the larger ones after them. Which worker solves a part
    changes neither its answer nor (a part solved to its gap not being cut) the plan.

    A worker that finds the queue empty while other parts still run spends the time until
    the last of them is due (its start plus its budget) on ``improve`` (:class:`Improve`): a
    part its budget cut short is solved once more (cold, combined with its answer) instead
    of the worker idling. Time left once every part has run is the caller's (it stops when
    the whole model is within its gap).
    """
    n_workers = max(1, min(workers, len(sizes)))
    queue = part_order(sizes, n_workers)
    lock = threading.Lock()
    running: set[int] = set()
    due: dict[int, float] = {}  # parts in their first run -> when their budget ends

    def work() -> None:
        while True:
            with lock:
                if not queue:
                    break
                i = queue.pop(0)
                now = time.perf_counter()
                left = deadline - now
                busy = [due[j] - now for j in running if j in due]
                budget = part_budget(left, sizes[i], [sizes[j] for j in queue], busy, n_workers)
                running.add(i)
                due[i] = time.perf_counter() + budget
            result = run(i, budget)
            with lock:
                running.discard(i)
                due.pop(i, None)
                done(i, result)
        while improve is not None and not children.winding_down:
            with lock:
                until = min(deadline, max(due.values(), default=0.0))
                left = until - time.perf_counter()
                j = improve.pick(running) if left > IMPROVE_MIN_S else None
                if j is None:
                    return
                running.add(j)
            better = improve.again(j, left)
            with lock:
                running.discard(j)
                if better is None:
                    improve.tried.add(j)
                else:
                    done(j, better)

    with ThreadPoolExecutor(max_workers=n_workers) as pool:
        for future in [pool.submit(work) for _ in range(n_workers)]:
            future.result()


IMPROVE_MIN_S = 2.0
"""Least time left [s] for which a part is solved on (by an idle worker or with the time
left at the end)."""


@dataclasses.dataclass
class Improve:
    """How an idle worker improves a part that its budget cut short (:func:`_run_parts`).

    ``pick(busy)`` names the finished part with the widest open gap that no worker holds
    (``busy``) and that was not tried in vain (:attr:`tried`), or None; ``again(i, left)``
    solves it once more (cold, :func:`_solve_on`) within ``left`` seconds and returns the
    better answer, or None if it found nothing better.
    """

    pick: Callable[[set[int]], int | None]
    again: Callable[[int, float], SolveResult | None]
    tried: set[int] = dataclasses.field(default_factory=set)


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


def components(arrays: dict[str, Any], merge_below: int = 300) -> list[npt.NDArray[np.int64]]:
    """Column groups of independent parts of the model, smallest first.

    Parts with fewer than ``merge_below`` columns are gathered into one group (they are tiny
    and solve together at once).
    """
    if arrays["col_cost"].size == 0:
        return []
    col_labels = column_labels(arrays)
    order = np.argsort(col_labels, kind="stable")
    bounds = np.flatnonzero(np.diff(col_labels[order])) + 1
    parts = np.split(order, bounds)
    small = [p for p in parts if p.size < merge_below]
    groups = [p for p in parts if p.size >= merge_below]
    if small:
        groups.append(np.sort(np.concatenate(small)))
    return sorted((np.sort(g).astype(np.int64) for g in groups), key=lambda g: g.size)


def _solve_on(
    arrays: dict[str, Any],
    cols: npt.NDArray[np.int64],
    part: SolveResult,
    opts: SolveOptions,
    left: float,
) -> SolveResult | None:
    """Part ``cols`` solved once more within ``left`` seconds, combined with its answer ``part``.

    The second solve starts cold: what a part cut short lacks is mostly its bound, and given
    its plan as a start HiGHS closed it more slowly (on the generated network's part of 2,202
    columns, cut at 5.4 s with a bound 1.0e6 below its plan: from its plan, 9.6 s and the
    same gap; cold, optimal in 6.9 s). Both answers are of the same part, so the combined one
    has the cheaper plan and the higher bound, ``bound = min(max(b₁, b₂), objective)``.
    Returned if its absolute gap is narrower than ``part``'s, else None.
    """
    sub = _subproblem(arrays, cols)
    sub.pop("start_solution", None)
    again = solve_arrays(sub, dataclasses.replace(opts, time_limit_s=left))
    combined = _combine(part, again, opts.mip_gap)
    if combined.values is None or _abs_gap(combined) >= _abs_gap(part):
        return None
    return combined


def _combine(a: SolveResult, b: SolveResult, mip_gap: float) -> SolveResult:
    """Two answers of one part: the cheaper plan, bounded by the higher of their bounds.

    ``optimal`` when that gap is within ``mip_gap``, else ``feasible``.
    """
    plans = [r for r in (a, b) if r.values is not None and r.objective is not None]
    if not plans:
        return b
    best = min(plans, key=lambda r: float(r.objective or 0.0))
    objective = float(best.objective or 0.0)
    bounds = [r.bound for r in (a, b) if r.bound is not None]
    if not bounds:
        return best
    bound = min(max(bounds), objective)
    gap = (objective - bound) / max(abs(objective), 1e-9)
    status = SolveStatus.OPTIMAL if gap <= mip_gap * (1 + 1e-9) else SolveStatus.FEASIBLE
    return dataclasses.replace(best, bound=bound, gap=gap, status=status)


def _given(result: SolveResult | None) -> SolveResult:
    assert result is not None
    return result


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
        "opens": arrays.get("opens", np.zeros_like(arrays["integer"]))[cols],
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
