"""The solver's word is checked against its own values: objective, bound, gap and status."""

from __future__ import annotations

import numpy as np
import pytest
from planner_cases import FDG, scenario, site

from isoflow.engines.planner.api import PlanOptions, make_plan, network_for
from isoflow.engines.planner.build import build
from isoflow.engines.planner.candidates import generate
from isoflow.engines.planner.greedy import greedy_values
from isoflow.engines.planner.lp import INF, LinearModel
from isoflow.engines.planner.solve import SolveOptions, SolveResult, solve
from isoflow.engines.planner.solver_run import honest as _honest
from isoflow.records.status import SolveStatus


def _choice_model() -> LinearModel:
    """Pick one of two options: cost 10 or cost 8 (optimum 8, hand-solved)."""
    m = LinearModel()
    x = m.add_vars("x", 2, upper=1, cost=[10.0, 8.0], integer=True)
    m.add_rows("one", rows=[0, 0], cols=x.cols([0, 1]), vals=1.0, lower=1.0, upper=INF)
    return m


def test_misreported_objective_is_re_derived_from_the_values() -> None:
    arrays = _choice_model().arrays()
    values = np.array([1.0, 0.0])  # the dear option: 10
    told = SolveResult(SolveStatus.OPTIMAL, 8.0, 8.0, 0.0, 0.1, values, "Optimal")
    honest, consistent = _honest(arrays, told, SolveOptions(mip_gap=0.01))
    assert not consistent
    assert honest.objective == 10.0
    assert honest.bound == 8.0
    assert honest.gap == 0.2  # (10 - 8) / 10
    assert honest.status == SolveStatus.FEASIBLE


def test_bound_above_a_feasible_objective_is_dropped() -> None:
    arrays = _choice_model().arrays()
    told = SolveResult(SolveStatus.OPTIMAL, 8.0, 9.0, 0.0, 0.1, np.array([0.0, 1.0]), "Optimal")
    honest, _ = _honest(arrays, told, SolveOptions(mip_gap=0.01))
    assert honest.objective == 8.0
    assert honest.bound is None
    assert honest.gap is None
    assert honest.status == SolveStatus.FEASIBLE


def test_a_solver_stopped_before_any_bound_reports_none() -> None:
    # HiGHS says -inf for the dual bound when its time ran out before the root LP
    arrays = _choice_model().arrays()
    told = SolveResult(
        SolveStatus.FEASIBLE, 10.0, -np.inf, None, 0.1, np.array([1.0, 0.0]), "Time limit reached"
    )
    honest, _ = _honest(arrays, told, SolveOptions(mip_gap=0.01))
    assert honest.bound is None
    assert honest.gap is None
    assert honest.status == SolveStatus.FEASIBLE


def test_infeasible_start_is_not_handed_over() -> None:
    result = solve(_choice_model(), SolveOptions(time_limit_s=5), np.array([0.0, 0.0]))
    assert result.objective == 8.0
    assert result.status == SolveStatus.OPTIMAL
    assert any("warm start violates the model" in note for note in result.notes)


def _two_producers():  # type: ignore[no-untyped-def]
    """Greedy takes the nearer, dearer producer; HiGHS 1.16 with presolve handed that start
    back as "optimal" while reporting the objective of a cheaper plan."""

    def proc(id_: str, site_: str, fixed: float) -> dict[str, object]:
        return {
            "id": id_,
            "site": site_,
            "kind": "synthesis",
            "output": "fdg",
            "batch_max": "5 GBq",
            "duration": "1 h",
            "fixed_cost": fixed,
        }

    def lane(a: str, b: str, transit: str, cost: float) -> dict[str, object]:
        return {
            "id": f"{a}-{b}",
            "origin": a,
            "destination": b,
            "mode": "road",
            "transit": transit,
            "cost_per_shipment": cost,
        }

    return scenario(
        products=[FDG],
        sites=[
            site("A", "radiopharmacy", lat=37.5, lon=127.0),
            site("B", "radiopharmacy", lat=36.0, lon=127.0),
            site("H", "hospital", lat=37.51, lon=127.0),
            site("G", "hospital", lat=36.01, lon=127.0),
        ],
        processes=[proc("pa", "A", 2000), proc("pb", "B", 1000)],
        lanes=[
            lane("A", "H", "30 min", 100),
            lane("B", "H", "4 h", 50),
            lane("A", "G", "4 h", 50),
            lane("B", "G", "30 min", 100),
        ],
        demand={
            "bookings": [
                {
                    "id": "b0",
                    "hospital": "H",
                    "product": "fdg",
                    "administration": "2025-08-05T08:00Z",
                },
                {
                    "id": "b1",
                    "hospital": "G",
                    "product": "fdg",
                    "administration": "2025-08-05T10:00Z",
                },
                {
                    "id": "b2",
                    "hospital": "H",
                    "product": "fdg",
                    "administration": "2025-08-05T12:00Z",
                },
            ]
        },
    )


def test_warm_started_objective_is_the_cost_of_the_returned_plan() -> None:
    sc = _two_producers()
    opts = PlanOptions()
    net = network_for(sc, opts)
    pm = build(net, generate(net, opts.candidates), opts.weights)
    cost = pm.model.arrays()["col_cost"]
    start = greedy_values(net, pm.cand, pm)
    warm = solve(pm.model, SolveOptions(time_limit_s=10, mip_gap=1e-9), start)
    cold = solve(pm.model, SolveOptions(time_limit_s=10, mip_gap=1e-9))
    assert warm.values is not None
    assert cold.values is not None
    assert warm.objective == float(cost @ warm.values)
    assert cold.objective == float(cost @ cold.values)
    # both proven optimal to 1e-9: the same optimum, whatever the start
    assert warm.status == cold.status == SolveStatus.OPTIMAL
    assert abs(warm.objective - cold.objective) <= 1e-6 * cold.objective
    assert warm.objective < float(cost @ start) or np.allclose(warm.values, start)


def test_plan_reports_the_objective_of_its_own_plan() -> None:
    plan = make_plan(_two_producers(), PlanOptions(solve=SolveOptions(time_limit_s=10)))
    assert plan.solver is not None
    assert plan.solver.objective is not None
    assert plan.solver.bound is not None
    assert plan.solver.bound <= plan.solver.objective
    # objective = fixed costs + 1 per run + transport + (variable + waste) per GBq; no
    # variable cost here, waste 0.01 per GBq made
    runs = plan.runs
    made_gbq = sum(r.activity_eop_bq for r in runs) / 1e9
    expected = (
        sum(r.fixed_cost + 1.0 for r in runs)
        + sum(s.cost for s in plan.shipments)
        + 0.01 * made_gbq
    )
    assert abs(plan.solver.objective - expected) <= 1e-6 * expected


def test_a_start_scored_in_the_reduced_space_is_caught_and_solved_again() -> None:
    """A part of the built-in week (334 columns) with its greedy start: HiGHS 1.16 with
    presolve scores the start after presolve (objective 0 there) and returns it as optimal.
    The answer must be the optimum instead: here derived by HiGHS with presolve off (another
    path through the solver), which scores the start correctly."""
    from pathlib import Path

    import highspy

    from isoflow.engines.planner.solve import SolveOptions
    from isoflow.engines.planner.solver_run import solve_arrays

    saved = np.load(Path(__file__).parent / "data" / "highs_start_in_reduced_space.npz")
    arrays = {k: saved[k] for k in saved.files}
    start = arrays["start_solution"]

    h = highspy.Highs()
    h.setOptionValue("output_flag", False)
    # one thread, as every in-process HiGHS of the tests: HiGHS keeps one thread pool per
    # process, and a later run asking for another thread count fails ("Not Set")
    h.setOptionValue("threads", 1)
    h.setOptionValue("presolve", "off")
    h.setOptionValue("mip_rel_gap", 1e-9)
    lp = highspy.HighsLp()
    lp.num_col_, lp.num_row_ = int(arrays["col_cost"].size), int(arrays["row_lower"].size)
    lp.col_cost_, lp.col_lower_, lp.col_upper_ = (
        arrays["col_cost"],
        arrays["col_lower"],
        arrays["col_upper"],
    )
    lp.row_lower_, lp.row_upper_ = arrays["row_lower"], arrays["row_upper"]
    lp.a_matrix_.format_ = highspy.MatrixFormat.kColwise
    lp.a_matrix_.start_, lp.a_matrix_.index_ = arrays["start"], arrays["index"]
    lp.a_matrix_.value_ = arrays["value"]
    kinds = highspy.HighsVarType
    lp.integrality_ = [kinds.kInteger if b else kinds.kContinuous for b in arrays["integer"]]
    h.passModel(lp)
    h.run()
    optimum = float(arrays["col_cost"] @ np.array(h.getSolution().col_value))
    assert optimum < float(arrays["col_cost"] @ start) - 1.0  # the start is not optimal

    result = solve_arrays(arrays, SolveOptions(time_limit_s=20.0, mip_gap=1e-9))
    assert result.values is not None
    assert float(arrays["col_cost"] @ result.values) == pytest.approx(optimum, rel=1e-9)
    assert result.objective == pytest.approx(optimum, rel=1e-9)
    assert any("scored the start after presolve" in note for note in result.notes)
