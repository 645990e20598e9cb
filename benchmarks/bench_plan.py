"""Planner benchmark: the built-in week and a generated national-scale network.

Run: .venv/bin/python benchmarks/bench_plan.py [--quick]

For each instance it prints, measured in this process: load, candidate generation + model
build (+ warm start), solve and extraction times; the MIP gap reached; bookings served and
cost of the optimiser against the baseline planner (nearest supplier, fixed overage) on the
same instance; and the ratio (load + build + extract) / solve. Nothing is asserted: the
numbers are for the reader (and the closing notes).
"""

from __future__ import annotations

import sys
import time

from isoflow.engines.planner.api import PlanOptions, network_for
from isoflow.engines.planner.baseline import baseline_plan
from isoflow.engines.planner.build import build
from isoflow.engines.planner.candidates import generate
from isoflow.engines.planner.extract import extract
from isoflow.engines.planner.greedy import greedy_values
from isoflow.engines.planner.solve import SolveOptions, solve
from isoflow.engines.verify import verify
from isoflow.scenario.load import load_scenario
from isoflow.scenario.schema import Scenario
from isoflow.scenario.synthetic import generate as synthetic


def run(name: str, load: object, time_limit: float) -> None:
    t0 = time.perf_counter()
    scenario = load() if callable(load) else load
    assert isinstance(scenario, Scenario)
    t_load = time.perf_counter() - t0

    opts = PlanOptions(solve=SolveOptions(time_limit_s=time_limit, mip_gap=0.01))
    t0 = time.perf_counter()
    net = network_for(scenario, opts)
    cand = generate(net, opts.candidates)
    pm = build(net, cand, opts.weights)
    start = greedy_values(net, cand, pm)
    t_build = time.perf_counter() - t0

    result = solve(pm.model, opts.solve, start)
    assert result.values is not None, result.message
    t0 = time.perf_counter()
    records = extract(net, pm, result.values)
    t_extract = time.perf_counter() - t0

    t0 = time.perf_counter()
    base = baseline_plan(scenario, opts)
    t_base = time.perf_counter() - t0

    kpis = records["kpis"]
    served, total = kpis["bookings"]["served"], kpis["bookings"]["total"]
    b_served = base.kpis["bookings"]["served"]
    cost, b_cost = kpis["cost"]["total"], base.kpis["cost"]["total"]
    overhead = t_load + t_build + t_extract
    print(f"\n== {name}: {len(scenario.sites)} sites, {total} bookings in the horizon")
    print(f"   model: {pm.model.num_cols} columns, {pm.model.num_rows} rows; {result.message}")
    print(
        f"   load {t_load:.2f} s, candidates+build+warm start {t_build:.2f} s, "
        f"solve {result.seconds:.2f} s ({result.status}, gap {result.gap:.2%}), "
        f"extract {t_extract:.2f} s"
    )
    print(f"   (load + build + extract) / solve = {overhead / result.seconds:.2f}")
    if result.objective is not None and result.bound is not None:
        arrays = pm.model.arrays()
        u = pm.blocks["u"].slice()
        penalties = float(arrays["col_cost"][u] @ result.values[u])
        within = result.objective - result.bound
        print(
            f"   objective {result.objective:,.0f} (penalties of unserved bookings "
            f"{penalties:,.0f}, of which no plan avoids {result.penalty_floor:,.0f}); "
            f"proven bound {result.bound:,.0f}: within {within:,.0f} = {result.gap:.2%} of "
            f"the objective above that floor"
        )
    print(f"   optimiser: {served}/{total} served, cost {cost:,.0f}")
    print(f"   baseline : {b_served}/{total} served, cost {b_cost:,.0f} ({t_base:.2f} s)")
    print(
        f"   optimiser serves {served - b_served:+d} bookings; cost ratio optimiser/baseline "
        f"{cost / b_cost:.3f}"
    )
    if "--verify" in sys.argv:
        from isoflow.engines.planner.api import make_plan

        plan = make_plan(scenario, opts)
        print(f"   verify: {len(verify(plan, scenario))} violation(s)")


def main() -> None:
    quick = "--quick" in sys.argv
    run("built-in apac-2025 week", lambda: load_scenario("apac-2025"), 25.0)
    if not quick:
        large = synthetic(30, 500, 7, 1, per_hospital_day=5000 / 3500)
        for limit in (60.0, 120.0):
            run(
                f"generated: 30 production sites, 500 hospitals, ~5,000 bookings, 7 days, "
                f"{limit:.0f} s limit",
                large,
                limit,
            )


if __name__ == "__main__":
    main()
