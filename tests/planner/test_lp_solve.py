"""The sparse model builder and the HiGHS wrapper on hand-solvable models."""

import json

import numpy as np
import pytest

from isoflow.engines.planner.guided import neighbourhood
from isoflow.engines.planner.lp import INF, LinearModel
from isoflow.engines.planner.solve import (
    SolveOptions,
    SolveResult,
    _tell_last_part,
    solve,
)
from isoflow.engines.planner.solver_run import solve_arrays
from isoflow.records.status import SolveStatus


def knapsack() -> LinearModel:
    # max 5a + 4b + 3c  s.t. 2a + 3b + c <= 5, binary  ->  optimum a = b = 1 (value 9)
    model = LinearModel()
    x = model.add_vars("x", 3, upper=1, cost=[-5, -4, -3], integer=True)
    model.add_rows("weight", rows=[0, 0, 0], cols=x.all, vals=[2, 3, 1], lower=[-INF], upper=[5])
    return model


def test_integer_model_solves_to_hand_optimum():
    result = solve(knapsack())
    assert result.status == SolveStatus.OPTIMAL
    assert result.objective == pytest.approx(-9.0)
    assert result.values is not None
    np.testing.assert_allclose(result.values, [1, 1, 0], atol=1e-9)
    assert result.gap == pytest.approx(0.0, abs=1e-9)


def test_duplicate_triplets_are_summed():
    # x + x >= 3 written as two triplets on one row; min x -> x = 1.5
    model = LinearModel()
    x = model.add_vars("x", 1, cost=1.0)
    model.add_rows("twice", rows=[0, 0], cols=[x.start, x.start], vals=[1, 1], lower=3, upper=INF)
    result = solve(model)
    assert result.values is not None
    assert result.values[0] == pytest.approx(1.5)


def test_infeasible_model_is_reported():
    model = LinearModel()
    x = model.add_vars("x", 1, upper=1)
    model.add_rows("impossible", rows=[0], cols=x.all, vals=[1], lower=[2], upper=[INF])
    result = solve(model)
    assert result.status == SolveStatus.INFEASIBLE
    assert not result.has_solution


def test_watchdog_stops_a_solver_that_overruns():
    # No time at all before the watchdog fires: the child is killed and reported, not awaited.
    result = solve(knapsack(), SolveOptions(time_limit_s=0.0, grace_s=0.0))
    assert result.status == SolveStatus.WATCHDOG
    assert "stopped" in result.message


def test_blocks_reject_bad_indices():
    model = LinearModel()
    x = model.add_vars("x", 2)
    with pytest.raises(ValueError, match="column index"):
        model.add_rows("bad", rows=[0], cols=[x.start + 5], vals=[1], lower=[0], upper=[1])
    with pytest.raises(ValueError, match="already exists"):
        model.add_vars("x", 1)


def test_neighbourhood_follows_shared_rows():
    # a chain of columns c0 - c1 - c2 - c3 linked by rows r0 (c0, c1), r1 (c1, c2), r2 (c2, c3)
    m = LinearModel()
    m.add_vars("c", 4, upper=1)
    m.add_rows(
        "r", rows=[0, 0, 1, 1, 2, 2], cols=[0, 1, 1, 2, 2, 3], vals=1.0, lower=0, upper=1, count=3
    )
    arrays = m.arrays()
    seed = np.array([True, False, False, False])
    assert neighbourhood(arrays, seed, hops=0).tolist() == [True, False, False, False]
    assert neighbourhood(arrays, seed, hops=1).tolist() == [True, True, False, False]
    assert neighbourhood(arrays, seed, hops=2).tolist() == [True, True, True, False]
    assert neighbourhood(arrays, seed, hops=5).tolist() == [True] * 4


def test_shortfall_columns_are_marked():
    m = LinearModel()
    m.add_vars("x", 2, upper=1, integer=True)
    m.add_vars("short", 3, upper=1, shortfall=True)
    assert m.arrays()["shortfall"].tolist() == [False, False, True, True, True]


def _two_bookings_one_unit() -> LinearModel:
    # two bookings compete for one unit of capacity: one of them stays unserved in any plan
    m = LinearModel()
    z = m.add_vars("z", 2, upper=1, cost=[1.0, 2.0], integer=True)
    u = m.add_vars("u", 2, upper=1, cost=10.0, shortfall=True)
    m.add_rows(
        "cover",
        rows=[0, 0, 1, 1],
        cols=[z.start, u.start, z.start + 1, u.start + 1],
        vals=1.0,
        lower=1.0,
        upper=1.0,
        count=2,
    )
    m.add_rows("capacity", rows=[0, 0], cols=z.all, vals=1.0, lower=-INF, upper=1.0, count=1)
    return m


def test_penalty_floor_is_the_shortfall_no_plan_avoids():
    m = _two_bookings_one_unit()
    result = solve(m)
    assert result.objective == pytest.approx(11.0)
    assert result.penalty_floor == pytest.approx(10.0)
    assert result.bound == pytest.approx(11.0)
    assert result.values is not None
    assert result.values.round().tolist() == [1.0, 0.0, 0.0, 1.0]
    without = solve(m, SolveOptions(penalty_floor=False))
    assert without.objective == pytest.approx(11.0)
    assert without.penalty_floor == 0.0


def test_penalty_floor_falls_back_to_interior_point_when_simplex_fails(monkeypatch):
    # HiGHS's dual simplex can stop at once with status "Not Set" on a badly scaled LP; the
    # floor must then come from interior point, not silently be zero (which would measure the
    # gap over the whole penalty and call a plan optimal too early)
    import isoflow.engines.planner.solve as solve_module

    solvers: list[str] = []

    def failing_simplex(arrays, opts, lp_solver="choose", rule_file=None):
        solvers.append(lp_solver)
        if lp_solver == "simplex":
            return SolveResult(SolveStatus.ERROR, None, None, None, 0.0, None, "Not Set")
        return solve_arrays(arrays, opts, lp_solver, rule_file)

    monkeypatch.setattr(solve_module, "solve_arrays", failing_simplex)
    result = solve(_two_bookings_one_unit(), SolveOptions(time_limit_s=30.0))
    assert solvers[:2] == ["simplex", "ipm"]
    assert result.penalty_floor == pytest.approx(10.0)
    assert result.objective == pytest.approx(11.0)


def _multi_knapsack() -> LinearModel:
    rng = np.random.default_rng(3)
    n, r = 60, 6
    m = LinearModel()
    x = m.add_vars("x", n, upper=1, cost=-rng.integers(10, 100, n).astype(float), integer=True)
    m.add_rows(
        "weight",
        rows=np.repeat(np.arange(r), n),
        cols=np.tile(x.all, r),
        vals=rng.integers(5, 60, n * r).astype(float),
        lower=-INF,
        upper=np.full(r, 300.0),
        count=r,
    )
    return m


def test_last_part_stops_on_the_whole_models_gap(tmp_path):
    # The finished parts are so large that any first plan of this part meets the whole gap.
    rule = tmp_path / "rule.json"
    rule.write_text(json.dumps({"objective": 1e9, "open": 0.0, "gap": 1.0}), encoding="utf-8")
    arrays = _multi_knapsack().arrays()
    stopped = solve_arrays(arrays, SolveOptions(mip_gap=0.0), rule_file=rule)
    assert stopped.message == "Interrupted by user"
    assert stopped.values is not None
    full = solve_arrays(arrays, SolveOptions(mip_gap=0.0))
    assert full.message == "Optimal"
    assert stopped.objective is not None
    assert full.objective is not None
    assert stopped.objective >= full.objective  # it stopped early, never better
    # no gap allowed: it can only stop where the bound meets the plan, at the optimum
    rule.write_text(json.dumps({"objective": 0.0, "open": 0.0, "gap": 0.0}), encoding="utf-8")
    same = solve_arrays(arrays, SolveOptions(mip_gap=0.0), rule_file=rule)
    assert same.objective == pytest.approx(full.objective)
    assert same.bound == pytest.approx(full.objective)


def test_rule_file_written_only_when_one_part_is_left(tmp_path):
    def done(objective: float, bound: float) -> SolveResult:
        return SolveResult(SolveStatus.FEASIBLE, objective, bound, None, 1.0, np.zeros(1))

    files = [tmp_path / f"part-{i}.json" for i in range(3)]
    _tell_last_part([done(10.0, 9.0), None, None], files, 0.01)
    assert not any(f.exists() for f in files)
    _tell_last_part([done(10.0, 9.0), None, done(5.0, 5.0)], files, 0.01)
    assert [f.exists() for f in files] == [False, True, False]
    rule = json.loads(files[1].read_text(encoding="utf-8"))
    assert rule == {"objective": 15.0, "open": 1.0, "gap": 0.01}
