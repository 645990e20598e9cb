"""Large mixed-integer parts: an LP-guided incumbent and the relaxation's bound.

HiGHS can spend a whole time limit on the root of a large part (its dual simplex and cutting
planes) without improving a poor first solution, and a part stopped there has no bound at
all. So a large part is solved in steps, each within a share of its time:

1. the LP relaxation by interior point (three to four times faster than simplex on these
   models), within :data:`LP_SHARE` of the time. Its optimum ``z_LP`` is a proven lower
   bound on the part; the planner's greedy guided by it (``relaxed_start``) is a candidate
   incumbent;
2. the MIP restricted to the integer columns the relaxation uses (most are zero; the rest
   make a much smaller MIP), first with the runs the relaxation more than half makes
   rounded up: an incumbent;
3. a repair where that incumbent leaves a shortfall (an unserved booking) the relaxation
   avoids: the integer columns near it are freed, all others fixed at the incumbent, and
   the small MIP left is solved from the incumbent (:func:`_repair`);
(steps 2 and 3 are left out when the given start already serves every booking the
relaxation serves, or when the relaxation took less than :data:`SLOW_LP_S` and a start is
given: the full MIP then gets their time; on the built-in week's hard part the restricted
steps took 4-5 s and the full MIP after them about as long as from the start alone)
4. the full MIP from the best incumbent, for its cutting planes and branching, but only if
   the time left is enough for its root (about :data:`ROOT_PER_LP` times the relaxation's
   time); otherwise steps 2 and 3 get that time. A part whose relaxation was slow (over
   :data:`SLOW_LP_S`) has the root of its full MIP solved by interior point
   (``mip_lp_solver``): on the generated network's largest part the root was done at 11 s
   and the first round of cuts at 18 s, against 21 s and 26 s by dual simplex.

The answer is the best plan found, with bound ``max(bound of the full MIP, z_LP)``.
"""

from __future__ import annotations

import dataclasses
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import numpy.typing as npt
import scipy.sparse as sp

from isoflow.engines.planner._highs_worker import violation
from isoflow.engines.planner.solver_run import (
    FEASIBILITY_TOL,
    TIME_LIMIT,
    SolveOptions,
    SolveResult,
    solve_arrays,
)
from isoflow.processes import children
from isoflow.records.status import SolveStatus

LP_GUIDED_MIN_COLUMNS = 2000
"""Parts at least this large are solved in steps (see the module docstring)."""

LP_SHARE = 0.85
"""Share of the part's time the LP relaxation may take: without it there is no bound, no
guided start and (the full MIP's root being slower still) no better plan."""

SLOW_LP_S = 5.0
"""A relaxation faster than this [s] leaves time for the full MIP whatever the budget (small
parts: its presolve and cuts bound them far better than the relaxation alone)."""

ROOT_PER_LP = 3.0
"""Time of the full MIP's root (presolve, dual simplex, cuts) per second of the interior
point relaxation, measured on the generated 5,000-booking network (about 45 s against 16 s)."""


@dataclass
class _Clock:
    """The part's time: shares of it as solver options."""

    opts: SolveOptions
    started: float

    def until(self, share: float) -> SolveOptions:
        used = time.perf_counter() - self.started
        budget = max(1.0, share * self.opts.time_limit_s - used)
        return dataclasses.replace(self.opts, time_limit_s=budget)

    def left(self) -> float:
        return self.opts.time_limit_s - (time.perf_counter() - self.started)

    def remaining(self, share: float) -> float:
        """Seconds left until ``share`` of the part's time is used (negative past it)."""
        return share * self.opts.time_limit_s - (time.perf_counter() - self.started)


RelaxedStart = Callable[[npt.NDArray[np.float64]], npt.NDArray[np.float64]]
"""Given a relaxation's values of a part's columns, a plan for the part (a guided heuristic)."""


def solve_part(
    arrays: dict[str, Any],
    opts: SolveOptions,
    rule_file: Path | None = None,
    relaxed_start: RelaxedStart | None = None,
) -> SolveResult:
    """Solve one independent part of the model; large MIP parts in steps (module docstring).

    ``relaxed_start`` turns the relaxation into a plan (the planner's greedy, guided by it);
    the cheaper of that and the given start is the incumbent of the steps after it.
    """
    integer = arrays["integer"]
    if integer.size < LP_GUIDED_MIN_COLUMNS or not integer.any():
        return solve_arrays(arrays, opts, rule_file=rule_file)
    clock = _Clock(opts, time.perf_counter())
    relaxed = solve_arrays(
        {**arrays, "integer": np.zeros_like(integer)}, clock.until(LP_SHARE), "ipm"
    )
    lp_bound = relaxed.objective if relaxed.message == "Optimal" else None
    notes: list[str] = []
    if relaxed_start is not None and lp_bound is not None and relaxed.values is not None:
        arrays = _with_guided_start(arrays, relaxed_start(relaxed.values))
    start = arrays.get("start_solution")
    if lp_bound is None and not children.winding_down:  # else the user's stop ended it
        notes.append("LP relaxation stopped by its share of the time limit")
    full_mip = (
        lp_bound is None
        or relaxed.seconds < SLOW_LP_S
        or clock.left() >= ROOT_PER_LP * relaxed.seconds + 2.0
    )
    guided: SolveResult | None = None
    # the full MIP gets the time when the start already serves what the relaxation serves,
    # or when the relaxation was fast: the part is then small enough for the full MIP's
    # search to do better from the start than the restricted steps before it
    quick = start is not None and relaxed.seconds < SLOW_LP_S
    serves = full_mip and (quick or _serves_as_relaxed(arrays, start, relaxed.values))
    if not serves and lp_bound is not None and relaxed.values is not None:
        guided = _guided(arrays, relaxed.values, clock, _guided_shares(full_mip, relaxed.seconds))
        if guided.message == TIME_LIMIT:
            notes.append("LP-guided start stopped by its share of the time limit")
    best = _cheaper(arrays, start, guided.values if guided else None)
    final: SolveResult | None = None
    if full_mip:
        given = {**arrays, "start_solution": best} if best is not None else arrays
        root = "ipm" if relaxed.seconds >= SLOW_LP_S else "choose"
        final = solve_arrays(given, clock.until(1.0), root, rule_file=rule_file)
    else:
        notes.append("full MIP skipped: its root would not finish in the time left")
    result = _answer(arrays, final, best, lp_bound, opts)
    cut = bool(notes) or result.time_cut
    return dataclasses.replace(
        result,
        seconds=time.perf_counter() - clock.started,
        notes=tuple(dict.fromkeys([*result.notes, *notes])),
        time_cut=cut,
    )


def _guided_shares(full_mip: bool, lp_seconds: float) -> tuple[float, float]:
    """Shares of the part's time at which the restricted MIP and the repair stop.

    Without the full MIP they take all of it. With it, a part whose relaxation is fast
    (under :data:`SLOW_LP_S`) is small enough for the full MIP's cuts and branching to do
    better than the restricted steps: they stop at 30 % and 40 %; otherwise at 50 % and 60 %
    (on the generated 5,000-booking network at 60 s on 2 cores, 0.63-0.64 % in two runs
    against 1.47-1.57 % at 55 % and 70 %, the same plan: the full MIP's bound needs the time;
    at 40 % and 50 % the guided steps did not find the plan in their time: 55 %).
    """
    if not full_mip:
        return (0.9, 1.0)
    return (0.3, 0.4) if lp_seconds < SLOW_LP_S else (0.5, 0.6)


def _with_guided_start(arrays: dict[str, Any], guided: npt.NDArray[np.float64]) -> dict[str, Any]:
    """``arrays`` with the cheaper of its start and ``guided`` (if that satisfies the model)."""
    if violation(arrays, guided) > FEASIBILITY_TOL:
        return arrays
    if _cost(arrays, guided) < _cost(arrays, arrays.get("start_solution")):
        return {**arrays, "start_solution": guided}
    return arrays


def _guided(
    arrays: dict[str, Any],
    relaxed: npt.NDArray[np.float64],
    clock: _Clock,
    shares: tuple[float, float],
) -> SolveResult:
    """Step 2: the MIP on the relaxation's integer support; then step 3, its repair.

    The restricted MIP is tried first with the runs the relaxation more than half makes
    rounded up (:func:`restricted_bounds`), and without that rounding if it fails.
    """
    start = arrays.get("start_solution")
    restricted = {k: v for k, v in arrays.items() if k != "start_solution"}
    guided: SolveResult | None = None
    for rounded in (True, False):
        lower, upper = restricted_bounds(arrays, relaxed, start, rounded=rounded)
        given = {**restricted, "col_lower": lower, "col_upper": upper}
        if start is not None:
            given["start_solution"] = start
        guided = solve_arrays(given, clock.until(shares[0]))
        if guided.values is not None or clock.remaining(shares[0]) < 1.0:
            break
    assert guided is not None
    if start is not None and _cost(arrays, start) < _cost(arrays, guided.values):
        # the restricted MIP found nothing better in its time: repair the given start
        guided = dataclasses.replace(guided, values=start, objective=_cost(arrays, start))
    if guided.values is None:
        return guided
    return _repair(restricted, relaxed, guided, clock, shares[1])


ROUND_UP = 0.5
"""A run the relaxation makes to more than this share is made in the rounded restriction."""


def restricted_bounds(
    arrays: dict[str, Any],
    relaxed: npt.NDArray[np.float64],
    start: npt.NDArray[np.float64] | None,
    rounded: bool,
) -> tuple[npt.NDArray[np.float64], npt.NDArray[np.float64]]:
    """Column bounds of the MIP restricted to the relaxation's integer support.

    An integer column is fixed at 0 where the relaxation and the start both leave it at 0
    (``x_j^LP < 1e-6`` and ``x_j^start < 1e-6``). ``rounded`` also makes every run the
    relaxation makes to more than :data:`ROUND_UP` (``y_r = 1`` where ``y_r^LP > 0.5``, for
    the columns marked ``opens``): on a part whose relaxation spreads its batches over many
    half-made runs, HiGHS's root heuristics then find a plan serving what the relaxation
    serves where the unrounded restriction leaves its start as it is (measured on the
    generated 5,000-booking network's largest part, 26,260 columns: a plan within 4 % of
    the bound after 26 s on one core, against no improvement on the start in 60 s).
    """
    integer = arrays["integer"]
    lower, upper = arrays["col_lower"].copy(), arrays["col_upper"].copy()
    unused = integer & (relaxed < 1e-6)
    if start is not None:  # the start's columns stay free: it is the first incumbent
        unused &= start < 1e-6
    upper[unused] = 0.0
    if rounded:
        opens = arrays.get("opens", np.zeros_like(integer)) & (relaxed > ROUND_UP)
        lower[opens] = np.maximum(lower[opens], 1.0)
    return lower, upper


REPAIR_HOPS = (2, 3, 4)
"""Neighbourhoods tried in turn by the repair (row hops from an unserved booking)."""

REPAIR_SEEDS = 5
"""Unserved bookings repaired together in one round (their neighbourhoods overlap little)."""


def _repair(
    arrays: dict[str, Any],
    relaxed: npt.NDArray[np.float64],
    incumbent: SolveResult,
    clock: _Clock,
    share: float,
) -> SolveResult:
    """Serve the bookings the incumbent leaves short and the relaxation serves.

    A round takes up to :data:`REPAIR_SEEDS` of them; their neighbourhood (integer columns
    within ``h`` row hops of the shortfall: its options, the runs, shipments and generators
    those use, the other bookings on them) is freed to its full bounds and every other
    integer column fixed at the incumbent's value, so each round is a small MIP started from
    the incumbent (a large neighbourhood search). Rounds go through the short bookings with
    ``h`` from :data:`REPAIR_HOPS`, widening ``h`` for those a round could not serve, until
    none is left or the share of time is used.
    """
    integer = arrays["integer"]
    shortfall = arrays.get("shortfall", np.zeros_like(integer))
    best = incumbent
    for hops in REPAIR_HOPS:
        assert best.values is not None
        pending = list(np.flatnonzero(shortfall & (best.values > relaxed + 0.5)))
        while pending and clock.remaining(share) >= 1.5 and not children.winding_down:
            seeds = np.zeros_like(shortfall)
            seeds[pending[:REPAIR_SEEDS]] = True
            pending = pending[REPAIR_SEEDS:]
            tried = _repair_round(arrays, best, seeds, hops, clock.until(share))
            if tried.values is not None and (tried.objective or 0.0) < (best.objective or 0.0):
                best = tried
    return best


def _repair_round(
    arrays: dict[str, Any],
    best: SolveResult,
    seeds: npt.NDArray[np.bool_],
    hops: int,
    opts: SolveOptions,
) -> SolveResult:
    """One round of :func:`_repair`: free the seeds' neighbourhood, fix the rest, solve."""
    assert best.values is not None
    fixed = arrays["integer"] & ~neighbourhood(arrays, seeds, hops=hops)
    lower, upper = arrays["col_lower"].copy(), arrays["col_upper"].copy()
    lower[fixed] = upper[fixed] = np.round(best.values[fixed])
    bounded = {**arrays, "col_lower": lower, "col_upper": upper}
    return solve_arrays({**bounded, "start_solution": best.values}, opts)


def _serves_as_relaxed(
    arrays: dict[str, Any],
    start: npt.NDArray[np.float64] | None,
    relaxed: npt.NDArray[np.float64] | None,
) -> bool:
    """True if ``start`` leaves no shortfall (unserved booking) that the relaxation serves."""
    if start is None or relaxed is None:
        return False
    shortfall = arrays.get("shortfall", np.zeros_like(arrays["integer"]))
    return not bool((shortfall & (start > relaxed + 0.5)).any())


def _cost(arrays: dict[str, Any], values: npt.NDArray[np.float64] | None) -> float:
    if values is None:
        return float(np.inf)
    offset = float(arrays["offset"].sum()) if "offset" in arrays else 0.0
    return float(arrays["col_cost"] @ values) + offset


def _cheaper(
    arrays: dict[str, Any], *plans: npt.NDArray[np.float64] | None
) -> npt.NDArray[np.float64] | None:
    """The plan of least cost among those given (``None`` if none is)."""
    known = [p for p in plans if p is not None]
    return min(known, key=lambda p: _cost(arrays, p)) if known else None


def _answer(
    arrays: dict[str, Any],
    final: SolveResult | None,
    best: npt.NDArray[np.float64] | None,
    lp_bound: float | None,
    opts: SolveOptions,
) -> SolveResult:
    """The cheaper of the full MIP's plan and ``best``, bounded by the better proven bound.

    ``bound = max(bound of the full MIP, z_LP)``, clamped to the objective;
    ``gap = (objective − bound) / |objective|``; ``optimal`` only when that gap is within
    ``mip_gap``. ``best`` was checked against the model when it was solved.
    """
    if (
        final is not None
        and final.values is not None
        and _cost(arrays, final.values) <= _cost(arrays, best)
    ):
        values, message = final.values, final.message
    elif best is not None:
        values = best
        message = "LP-guided plan kept" + (f" ({final.message})" if final else "")
    else:
        return (
            final
            if final is not None
            else SolveResult(SolveStatus.NO_SOLUTION, None, None, None, 0.0, None, "no plan found")
        )
    objective = _cost(arrays, values)
    bounds = [b for b in (final.bound if final else None, lp_bound) if b is not None]
    bound = min(max(bounds), objective) if bounds else None
    gap = None if bound is None else (objective - bound) / max(abs(objective), 1e-9)
    closed = gap is not None and gap <= opts.mip_gap * (1 + 1e-9)
    status = SolveStatus.OPTIMAL if closed else SolveStatus.FEASIBLE
    notes = final.notes if final is not None else ()
    cut = final.time_cut if final is not None else True
    return SolveResult(
        status, objective, bound, gap, 0.0, values, message, notes=notes, time_cut=cut
    )


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
