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
from dataclasses import dataclass
from enum import StrEnum
from pathlib import Path
from typing import Any, cast

import numpy as np
import numpy.typing as npt

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
    """

    time_limit_s: float = 60.0
    mip_gap: float = 0.01
    threads: int = 1
    seed: int = 0
    grace_s: float = 10.0


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


def solve(model: LinearModel, options: SolveOptions | None = None) -> SolveResult:
    """Solve ``model`` (minimisation) with HiGHS in a child process under a watchdog."""
    opts = options or SolveOptions()
    arrays = model.arrays()
    started = time.perf_counter()
    with tempfile.TemporaryDirectory(prefix="isoflow-solve-") as tmp:
        model_path, result_path = Path(tmp) / "model.npz", Path(tmp) / "result.npz"
        np.savez(model_path, **cast(dict[str, Any], arrays))
        options_json = json.dumps(dataclasses.asdict(opts))
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
