"""A wind-down (``isoflow plan --keep-best`` stopped by the user) keeps the best plan so far.

A market-split model (binary knapsack rows with slack, its warm start all zeros) keeps HiGHS
searching far beyond the test's time: asked to stop, the solver child returns its incumbent
within a fraction of a second; a solve that a wind-down refused keeps its warm start.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Iterator

import numpy as np
import numpy.typing as npt
import pytest

from isoflow.engines.planner.lp import LinearModel
from isoflow.engines.planner.solve import SolveOptions, solve
from isoflow.engines.planner.solver_run import STOPPED_BY_USER
from isoflow.processes import children
from isoflow.records.status import SolveStatus


def market_split(m: int = 4, n: int = 40) -> tuple[LinearModel, npt.NDArray[np.float64]]:
    """``min Σ s⁺ + s⁻`` s.t. ``A x + s⁺ − s⁻ = b``, x binary; and the start ``x = 0``."""
    rng = np.random.default_rng(1)
    a = rng.integers(0, 100, size=(m, n))
    b = a.sum(axis=1) // 2
    model = LinearModel()
    x = model.add_vars("x", n, upper=1, integer=True)
    plus = model.add_vars("plus", m, cost=1.0)
    minus = model.add_vars("minus", m, cost=1.0)
    rows = np.concatenate([np.repeat(np.arange(m), n), np.arange(m), np.arange(m)])
    cols = np.concatenate([np.tile(x.all, m), plus.all, minus.all])
    vals = np.concatenate([a.ravel(), np.ones(m), -np.ones(m)])
    model.add_rows("split", rows=rows, cols=cols, vals=vals, lower=b, upper=b)
    start = np.concatenate([np.zeros(n), b, np.zeros(m)]).astype(np.float64)
    return model, start


OPTIONS = SolveOptions(time_limit_s=120.0, penalty_floor=False)


@pytest.fixture
def graceful() -> Iterator[None]:
    children.reset()
    children.graceful = True
    try:
        yield
    finally:
        children.reset()


def test_an_asked_mip_child_returns_its_incumbent_at_once(graceful):
    model, start = market_split()
    threading.Timer(1.5, children.wind_down, args=(30.0,)).start()
    started = time.perf_counter()
    with children.windable():
        result = solve(model, OPTIONS, start=start)
    seconds = time.perf_counter() - started
    assert 1.5 <= seconds < 4.0, seconds  # asked at 1.5 s: neither killed nor awaited
    assert result.values is not None
    assert result.objective is not None
    assert result.objective < float(start.sum())  # the solver's incumbent, not the start
    assert result.status == SolveStatus.FEASIBLE  # the bound (0) does not prove it
    assert result.message == "Interrupted by user"


def test_a_solve_refused_by_a_wind_down_keeps_its_warm_start(graceful):
    model, start = market_split()
    with children.windable():
        children.wind_down(2.0)
        result = solve(model, OPTIONS, start=start)
    assert result.values is not None
    np.testing.assert_array_equal(result.values, start)
    assert result.objective == pytest.approx(float(start.sum()))
    assert result.bound is None
    assert result.gap is None
    assert result.status == SolveStatus.FEASIBLE
    assert result.message == STOPPED_BY_USER


def test_a_wind_down_without_a_start_finds_no_plan(graceful):
    model, _ = market_split()
    with children.windable():
        children.wind_down(2.0)
        result = solve(model, OPTIONS)
    assert result.values is None
