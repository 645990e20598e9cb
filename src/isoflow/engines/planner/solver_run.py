"""One HiGHS run, in a child process under a watchdog or (small models) here, checked.

A large model goes to a child Python process (model and result pass through ``.npz``
files): if it overruns its own time limit by more than a grace period (solvers have been
seen to ignore limits), the watchdog kills it and the caller gets a :class:`SolveResult`
with status ``WATCHDOG`` instead of a hung program. A small one (:func:`in_process`) is
solved in this process, where HiGHS's interrupt callbacks stop it on a stop, a wind-down or
the same overrun. Results are typed:
a :class:`SolveStatus` and the achieved MIP gap, never a bare string. Every answer is
re-derived from its values (:func:`honest`) before anyone reads it.
"""

from __future__ import annotations

import dataclasses
import json
import os
import signal
import subprocess
import sys
import threading
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import numpy.typing as npt
import scipy.sparse as sp
from scipy.sparse.csgraph import connected_components

from isoflow import bounds
from isoflow.engines.planner._highs_worker import run_highs, violation
from isoflow.processes import StopRequested, children
from isoflow.records.status import SolveStatus

_WORKER = Path(__file__).with_name("_highs_worker.py")
"""Script run in the child process; it imports only NumPy and highspy (fast start)."""


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
    drop_fixed: bool = False
    """Take fixed columns out of the model before solving it (:mod:`.fixed`): re-plans and
    recommend, whose pinned past links parts that are otherwise independent."""
    whole_model_stop: bool = False
    """Let the last part still running stop as soon as the whole model is within the gap
    (faster, but the plan then depends on when the other parts finished: machine speed).
    Off by default, so that a plan solved to its gap is the same on every machine."""

    def __post_init__(self) -> None:
        bounds.SOLVER_TIME.check(self.time_limit_s, "time_limit_s")
        bounds.MIP_GAP.check(self.mip_gap, "mip_gap")
        bounds.THREADS.check(self.threads, "threads")
        bounds.SOLVER_SEED.check(self.seed, "seed")
        bounds.GRACE.check(self.grace_s, "grace_s")
        bounds.PARTS_IN_PARALLEL.check(self.parts_in_parallel, "parts_in_parallel")


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


STOPPED_BY_USER = "stopped by the user; best plan so far"
"""Message of a solve a user's stop ended early (``isoflow plan --keep-best``)."""

TIME_LIMIT = "Time limit reached"
"""HiGHS's model status when its time limit stopped it."""

FEASIBILITY_TOL = 1e-6
"""Largest violation (scaled row, bound or integrality) of a solution accepted as feasible."""

OBJECTIVE_RTOL = 1e-9
"""Relative tolerance between the solver's objective and the one re-evaluated from values."""


def solve_arrays(
    arrays: dict[str, Any],
    opts: SolveOptions,
    lp_solver: str = "choose",
    rule_file: Path | None = None,
) -> SolveResult:
    """Solve once, then check the answer against the model itself (see :func:`honest`).

    A start that violates the model is not handed over. When the solver returns values whose
    objective disagrees with the one it reports, the answer is re-evaluated from the values;
    if a start was given, the part is solved again from a cold start within the time left and
    the better honest answer is kept, saying so in its message.

    The cause, in HiGHS 1.16: the MIP start is mapped into presolve's reduced model and
    scored there ("MIP start solution is feasible in the reduced space: objective value is
    0" in its log, for a start whose cost is 5,389). The columns presolve removed or fixed by
    dual arguments no longer count, so a start that differs from presolve's choice for them
    scores as well as the optimum; HiGHS stops at once with gap 0 and returns the start's
    original values with the reduced objective. Presolve off, or ``presolve_mode`` 1 or 2,
    scores the start correctly but solves large parts 4-15x slower (measured on the built-in
    week's parts), so the start is kept with presolve on and the rare misreport is caught
    here (``tests/planner/test_honest_solve.py`` keeps one such part).
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
    raw = run_worker(arrays, opts, lp_solver, rule_file)
    result, consistent = honest(arrays, raw, opts)
    if (
        not consistent
        and start is not None
        and not children.winding_down  # a stop refuses the second solve
        and misreported(raw, result, opts)
    ):
        left = opts.time_limit_s - (time.perf_counter() - started)
        cold_arrays = {k: v for k, v in arrays.items() if k != "start_solution"}
        cold_opts = dataclasses.replace(opts, time_limit_s=max(1.0, left))
        cold, _ = honest(
            cold_arrays, run_worker(cold_arrays, cold_opts, lp_solver, rule_file), opts
        )
        notes.append(
            "the solver returned its warm start with an objective that does not match it "
            "(HiGHS scored the start after presolve, where the columns presolve removed no "
            "longer count); solved again from a cold start"
        )
        if cold.values is not None and (
            result.values is None or (cold.objective or 0.0) <= (result.objective or 0.0)
        ):
            result = cold
    if children.winding_down and start is not None:
        result = better_of_start(arrays, result, start, opts)
    notes = [*result.notes, *notes]
    return dataclasses.replace(
        result,
        seconds=time.perf_counter() - started,
        notes=tuple(dict.fromkeys(notes)),
        time_cut=result.time_cut or result.message == TIME_LIMIT,
    )


def better_of_start(
    arrays: dict[str, Any],
    result: SolveResult,
    start: npt.NDArray[np.float64],
    opts: SolveOptions,
) -> SolveResult:
    """After a user's stop: the solver's incumbent, or the warm start where that is cheaper.

    The start (checked against the model before the solve) keeps the solver's bound, which
    holds for the model whatever plan is kept; objective, gap and status are re-derived
    from the values (:func:`honest`).
    """
    offset = float(arrays["offset"].sum()) if "offset" in arrays else 0.0
    start_cost = float(arrays["col_cost"] @ start) + offset
    if result.values is not None and (result.objective or 0.0) <= start_cost:
        return result
    bound = result.bound if result.values is not None else None
    kept = SolveResult(
        SolveStatus.FEASIBLE, start_cost, bound, None, result.seconds, start, STOPPED_BY_USER
    )
    return honest(arrays, kept, opts)[0]


def misreported(raw: SolveResult, honest: SolveResult, opts: SolveOptions) -> bool:
    """True if the solver claimed a plan materially better than the values it returned.

    Material: by more than the gap we accept, ``mip_gap · |objective|``. Smaller differences
    come from integer values within the solver's feasibility tolerance times large
    penalties; they are reported from the values, without a second solve.
    """
    if raw.objective is None or honest.objective is None:
        return False
    return honest.objective - raw.objective > opts.mip_gap * max(abs(honest.objective), 1.0)


def honest(
    arrays: dict[str, Any], result: SolveResult, opts: SolveOptions
) -> tuple[SolveResult, bool]:
    """The solver's answer with objective, bound, gap and status re-derived from its values.

    ``objective = c·x + offset`` from the returned values; the bound is the solver's, and is
    dropped if it is not finite or lies above that objective (no bound can exceed a feasible
    plan's cost);
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
    if bound is not None and not np.isfinite(bound):
        bound = None  # HiGHS reports -inf when it stopped before any bound
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


def _ask_to_stop(proc: subprocess.Popen[bytes]) -> None:
    """Ask a MIP child to stop with its incumbent (its cbMipInterrupt sees the signal)."""
    proc.send_signal(signal.SIGTERM)


def run_worker(
    arrays: dict[str, Any],
    opts: SolveOptions,
    lp_solver: str = "choose",
    rule_file: Path | None = None,
) -> SolveResult:
    """One HiGHS run in a child process under the watchdog; the solver's own figures.

    A small model (:func:`in_process`) is solved in this process instead (:func:`_run_here`):
    a child's start costs more than its solve. The child and its folder
    (``isoflow-solve-*``) are registered with
    :data:`~isoflow.processes.children`: a stop kills the child at once (this call then
    raises :class:`~isoflow.processes.StopRequested`) and any exception here kills it
    before the folder is removed.
    """
    started = time.perf_counter()
    try:
        if in_process(arrays):
            return _run_here(arrays, opts, lp_solver, rule_file, started)
        return _run_child(arrays, opts, lp_solver, rule_file, started)
    except StopRequested:
        if children.stopping or not children.winding_down:
            raise
        return stopped_result(time.perf_counter() - started)  # a wind-down refused the start


def stopped_result(seconds: float) -> SolveResult:
    """The answer of a solve the user's stop refused or killed: no plan of its own."""
    return SolveResult(SolveStatus.ERROR, None, None, None, seconds, None, STOPPED_BY_USER)


IN_PROCESS_LP_NONZEROS = 100_000
"""Largest linear programme solved in this process: nonzeros in its columns not fixed."""

IN_PROCESS_MIP_NONZEROS = 10_000
"""Largest MIP solved in this process (a MIP's time is far less predictable than an LP's).

Starting a child (Python, NumPy, highspy) takes about 0.15 s, more than the solve of the
built-in week's small parts, its penalty floor and relaxations, and the reference planner's
instances; the parts that take seconds keep a child each, which a stop can kill."""


def in_process(arrays: dict[str, Any]) -> bool:
    """True if the model is small enough to solve here.

    Counted over the columns that are not fixed: a linear programme with at most
    :data:`IN_PROCESS_LP_NONZEROS` nonzeros; a MIP whose largest independent part (connected
    component, :func:`column_labels`) has at most :data:`IN_PROCESS_MIP_NONZEROS` (many tiny
    parts solved as one group are as easy as each of them).
    """
    free = arrays["col_lower"] < arrays["col_upper"]
    per_col = np.diff(arrays["start"])
    nonzeros = int(per_col[free].sum())
    if nonzeros > IN_PROCESS_LP_NONZEROS:
        return False
    if not bool(np.asarray(arrays["integer"])[free].any()) or nonzeros <= IN_PROCESS_MIP_NONZEROS:
        return True
    labels = column_labels(arrays, free)[free]
    largest = np.bincount(labels, weights=per_col[free]).max(initial=0.0)
    return bool(largest <= IN_PROCESS_MIP_NONZEROS)


def column_labels(
    arrays: dict[str, Any], among: npt.NDArray[np.bool_] | None = None
) -> npt.NDArray[np.int64]:
    """Per column, the label of its independent part (connected component of the matrix).

    With ``among``, only those columns link rows (the others are labelled on their own).
    """
    n_rows, n_cols = arrays["row_lower"].size, arrays["col_cost"].size
    start = arrays["start"]
    used = int(start[-1])  # the index and value arrays may run on past the last column's end
    values, index = arrays["value"][:used], arrays["index"][:used]
    if among is not None:
        values = values * np.repeat(among, np.diff(start))
    matrix = sp.csc_matrix((values, index, start), shape=(n_rows, n_cols), copy=True)
    matrix.eliminate_zeros()  # on the copy: the model's own arrays stay as they are
    graph = sp.bmat([[None, matrix], [matrix.T, None]]).tocsr()
    _, labels = connected_components(graph, directed=False)
    return np.asarray(labels[n_rows:], dtype=np.int64)


_QUIET = threading.Lock()
_QUIETED: list[bool] = []


def _quiet_first_highs() -> None:
    """Create this process's first HiGHS with standard output closed: it prints a banner.

    HiGHS writes its copyright banner once per process, from the first instance's
    constructor, before any option can turn output off; a command's own output must not
    carry it.
    """
    with _QUIET:
        if _QUIETED:
            return
        import highspy

        sys.stdout.flush()
        saved = os.dup(1)
        try:
            with open(os.devnull, "wb") as null:
                os.dup2(null.fileno(), 1)
                highspy.Highs()  # type: ignore[no-untyped-call]
        finally:
            os.dup2(saved, 1)
            os.close(saved)
        _QUIETED.append(True)


def _run_here(
    arrays: dict[str, Any],
    opts: SolveOptions,
    lp_solver: str,
    rule_file: Path | None,
    started: float,
) -> SolveResult:
    """:func:`run_worker` in this process: the same HiGHS run, stopped by its callbacks.

    It stops when :data:`~isoflow.processes.children` stops or winds down (a MIP returns
    its incumbent, as a child asked to stop does) and, as the watchdog would, once it
    overruns its time limit by ``grace_s``.
    """
    if children.winding_down:
        raise StopRequested("winding down")
    _quiet_first_highs()
    killed = threading.Event()
    started_mono = time.monotonic()
    overrun = started_mono + opts.time_limit_s + opts.grace_s

    def interrupt() -> bool:
        return killed.is_set() or children.winding_down or time.monotonic() > overrun

    options = {
        **dataclasses.asdict(opts),
        "lp_solver": lp_solver,
        "rule_file": str(rule_file) if rule_file else None,
    }
    with children.on_stop(killed.set):
        raw = run_highs(arrays, options, interrupt)
    children.check()
    seconds = time.perf_counter() - started
    if time.monotonic() > overrun:
        return _watchdog(seconds, overrun - started_mono)
    if children.winding_down and raw["values"] is None:
        return stopped_result(seconds)
    return _answer(raw, opts, seconds)


def _watchdog(seconds: float, deadline: float) -> SolveResult:
    """The answer of a solve stopped for overrunning its limit by the grace period."""
    message = f"solver did not return within {deadline:.0f} s and was stopped"
    return SolveResult(SolveStatus.WATCHDOG, None, None, None, seconds, None, message)


def _answer(raw: dict[str, Any], opts: SolveOptions, seconds: float) -> SolveResult:
    """The solver's own figures as a :class:`SolveResult` (not yet checked: :func:`honest`)."""
    status = _classify(raw, opts)
    return SolveResult(
        status, raw["objective"], raw["bound"], raw["gap"], seconds, raw["values"], raw["status"]
    )


def _run_child(
    arrays: dict[str, Any],
    opts: SolveOptions,
    lp_solver: str,
    rule_file: Path | None,
    started: float,
) -> SolveResult:
    """:func:`run_worker` itself: the child, its watchdog and its answer."""
    with children.folder("isoflow-solve-") as tmp:
        model_path, result_path = tmp / "model.npz", tmp / "result.npz"
        np.savez(model_path, **arrays)
        graceful = children.graceful and bool(arrays["integer"].any())
        extra = {
            "lp_solver": lp_solver,
            "rule_file": str(rule_file) if rule_file else None,
            "graceful": graceful,
        }
        options_json = json.dumps({**dataclasses.asdict(opts), **extra})
        command = [sys.executable, str(_WORKER), str(model_path), str(result_path), options_json]
        deadline = opts.time_limit_s + opts.grace_s
        ask = _ask_to_stop if graceful else None  # an LP cannot return a plan early: killed
        with children.popen(
            command, ask=ask, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE
        ) as proc:
            try:
                _, err = proc.communicate(timeout=deadline)
            except subprocess.TimeoutExpired:
                proc.kill()
                proc.communicate()
                return _watchdog(time.perf_counter() - started, deadline)
        seconds = time.perf_counter() - started
        if children.winding_down and (proc.returncode != 0 or not result_path.exists()):
            return stopped_result(seconds)  # killed at the end of the grace period
        if proc.returncode != 0 or not result_path.exists():
            detail = err.decode(errors="replace").strip().splitlines()
            message = detail[-1] if detail else f"exit code {proc.returncode}"
            return SolveResult(SolveStatus.ERROR, None, None, None, seconds, None, message)
        with np.load(result_path, allow_pickle=False) as saved:
            raw = json.loads(str(saved["meta"]))
            raw["values"] = saved["values"] if raw.pop("has_values") else None
    return _answer(raw, opts, seconds)
