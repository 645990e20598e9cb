"""Small models are solved in the planner's own process; large ones keep a solver child.

The optimum of a small knapsack is found by enumeration here; the choice between this process
and a child follows the nonzeros of the columns that are not fixed (the largest independent
part, for a MIP); deciding leaves the model's arrays as they were; a stop ends an in-process
solve; the command line prints no solver banner.
"""

from __future__ import annotations

import itertools
import os
import subprocess
import sys
import threading
from pathlib import Path
from typing import Any

import numpy as np
import pytest
from test_keep_best_solve import market_split

from isoflow.engines.planner import solver_run
from isoflow.engines.planner.lp import LinearModel
from isoflow.engines.planner.solve import SolveOptions, solve
from isoflow.processes import StopRequested, children
from isoflow.records.status import SolveStatus

WEIGHTS = [7, 5, 4, 3, 9, 6]
VALUES = [9, 6, 5, 3, 11, 7]
CAPACITY = 17


def _knapsack() -> LinearModel:
    """``min −Σ value·x`` s.t. ``Σ weight·x ≤ capacity``, x binary."""
    model = LinearModel()
    x = model.add_vars("x", len(WEIGHTS), upper=1, integer=True, cost=-np.array(VALUES, float))
    model.add_rows(
        "capacity",
        rows=np.zeros(len(WEIGHTS), dtype=np.int64),
        cols=x.all,
        vals=np.array(WEIGHTS, dtype=float),
        lower=-np.inf,
        upper=CAPACITY,
    )
    return model


def test_a_small_mip_is_solved_here_to_the_enumerated_optimum(monkeypatch):
    best = max(
        sum(v for v, take in zip(VALUES, pick, strict=True) if take)
        for pick in itertools.product((0, 1), repeat=len(WEIGHTS))
        if sum(w for w, take in zip(WEIGHTS, pick, strict=True) if take) <= CAPACITY
    )

    def no_child(*args: Any, **kwargs: Any) -> Any:
        raise AssertionError("a solver child was started for a small model")

    monkeypatch.setattr(children, "popen", no_child)
    result = solve(_knapsack(), SolveOptions(time_limit_s=30.0, penalty_floor=False))
    assert result.status == SolveStatus.OPTIMAL
    assert result.objective == pytest.approx(-best)
    assert result.values is not None
    assert float(np.dot(WEIGHTS, result.values)) <= CAPACITY


def _chains(parts: int, length: int) -> dict[str, Any]:
    """``parts`` independent MIPs, each a chain of ``length`` binaries (x_i + x_{i+1} ≤ 1)."""
    model = LinearModel()
    x = model.add_vars("x", parts * length, upper=1, integer=True, cost=-1.0)
    first = np.array([p * length + i for p in range(parts) for i in range(length - 1)])
    model.add_rows(
        "pairs",
        rows=np.repeat(np.arange(first.size), 2),
        cols=x.cols(np.stack([first, first + 1], axis=1).ravel()),
        vals=1.0,
        lower=-np.inf,
        upper=1.0,
        count=first.size,
    )
    return model.arrays()


def test_a_mip_goes_to_a_child_when_one_independent_part_is_large():
    limit = solver_run.IN_PROCESS_MIP_NONZEROS
    many_small = _chains(parts=limit // 50, length=40)  # 78 nonzeros each
    one_large = _chains(parts=1, length=limit)  # about 2 x limit nonzeros
    assert int(many_small["start"][-1]) > limit
    assert solver_run.in_process(many_small)
    assert not solver_run.in_process(one_large)
    fixed = dict(one_large, col_upper=np.zeros_like(one_large["col_upper"]))
    assert solver_run.in_process(fixed)  # nothing left to decide: no child for that


def test_a_large_linear_programme_goes_to_a_child():
    lp = _chains(parts=1, length=solver_run.IN_PROCESS_LP_NONZEROS)
    lp["integer"] = np.zeros_like(lp["integer"])
    assert not solver_run.in_process(lp)
    small = _chains(parts=1, length=solver_run.IN_PROCESS_MIP_NONZEROS)
    small["integer"] = np.zeros_like(small["integer"])
    assert solver_run.in_process(small)


def test_deciding_leaves_the_models_arrays_as_they_are():
    """The component search drops zero entries from a copy, never from the model's arrays."""
    arrays = _chains(parts=1, length=solver_run.IN_PROCESS_MIP_NONZEROS)
    arrays["value"] = arrays["value"].copy()
    arrays["value"][::3] = 0.0  # explicit zeros, as a fixed column's entries can be
    before = {k: np.array(v, copy=True) for k, v in arrays.items()}
    solver_run.in_process(arrays)
    for key, value in before.items():
        np.testing.assert_array_equal(arrays[key], value, err_msg=key)


def test_a_stop_ends_an_in_process_solve():
    model, start = market_split()  # keeps HiGHS searching far longer than the test
    assert solver_run.in_process(model.arrays())
    children.reset()
    timer = threading.Timer(1.0, children.stop)
    timer.start()
    try:
        with pytest.raises(StopRequested):
            solve(model, SolveOptions(time_limit_s=300.0, penalty_floor=False), start=start)
    finally:
        timer.cancel()
        children.reset()


def test_the_command_line_prints_no_solver_banner(tmp_path):
    small = Path(__file__).parents[1] / "scenario" / "data" / "small.yaml"
    src = Path(solver_run.__file__).resolve().parents[3]
    run = subprocess.run(
        [sys.executable, "-m", "isoflow", "plan", str(small), "--out", str(tmp_path / "out")],
        env=dict(os.environ, PYTHONPATH=str(src)),
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert run.returncode == 0, run.stdout + run.stderr
    assert "HiGHS" not in run.stdout + run.stderr
    assert (tmp_path / "out" / "plan.json").exists()
