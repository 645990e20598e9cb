"""Planner benchmark: the built-in week and a generated national-scale network.

Run: .venv/bin/python benchmarks/bench_plan.py [--quick] [--limits 30,60,120] [--one-core]
[--only builtin|builtin-real|generated|volume]

For each instance it prints, measured in this process:

* model size before and after (``before``: the start grid and one earliest route per
  option, no runs timed for bookings; ``after``: the default candidates) and their ratio;
* load, candidate generation + model build (+ warm start), solve and extraction times;
* for each time limit: status, gap reached, bookings served, cost, and the cost ratio of the
  optimiser against the baseline planner (nearest supplier, fixed overage) on the same
  instance;
* the machine's load average before each solve (timings on a busy machine are upper bounds).

``--only volume`` plans a generated network at real national volume (30 production sites,
500 hospitals, about 100,000 diagnostic doses a week as orders and 500 therapy bookings) at
10, 40, 70 and 100 % of that volume, and prints for each the model size, candidates + build,
solve, gap, doses served and peak memory (this process and the solver processes), so the
growth rate is visible; the time limit is the last of ``--limits`` (default 120 s).

``--only builtin-real`` plans the built-in network with its demand at 100 % of its national
rates (``isoflow scenario demand``: about 130,000 doses a week in orders and therapy bookings),
against the baseline planner, at each of ``--limits``.

``--one-core`` pins this process and the solver processes it starts to core 0 (as
``taskset -c 0``). Nothing is asserted: the numbers are for the reader and the closing notes.
"""

from __future__ import annotations

import os
import resource
import sys
import time
from typing import Any, NamedTuple

from isoflow.engines.planner.api import PlanOptions, guided_greedy, network_for
from isoflow.engines.planner.baseline import baseline_plan
from isoflow.engines.planner.build import build
from isoflow.engines.planner.candidates import CandidateOptions, generate
from isoflow.engines.planner.extract import extract
from isoflow.engines.planner.greedy import greedy_values
from isoflow.engines.planner.solve import SolveOptions, solve
from isoflow.records.kpis import PlanKpis
from isoflow.scenario.bookings import generate_demand
from isoflow.scenario.load import load_scenario
from isoflow.scenario.schema import Scenario
from isoflow.scenario.synthetic import generate as synthetic

BEFORE = CandidateOptions(timed_runs=False, routes_per_option=1)


def _size(scenario: Scenario, cand_opts: CandidateOptions) -> tuple[int, int, float]:
    opts = PlanOptions(candidates=cand_opts)
    t0 = time.perf_counter()
    net = network_for(scenario, opts)
    pm = build(net, generate(net, cand_opts), opts.weights)
    return pm.model.num_cols, pm.model.num_rows, time.perf_counter() - t0


class Timed(NamedTuple):
    """One plan, timed step by step."""

    result: Any
    kpis: PlanKpis
    t_build: float
    """Candidates, model build and warm start [s]."""
    t_extract: float
    load: float
    """Load average before the solve."""
    columns: int
    rows: int


def _plan_once(scenario: Scenario, limit: float) -> Timed:
    """Plan once as ``make_plan`` does, timing each step."""
    opts = PlanOptions(solve=SolveOptions(time_limit_s=limit, mip_gap=0.01))
    t0 = time.perf_counter()
    net = network_for(scenario, opts)
    cand = generate(net, opts.candidates)
    pm = build(net, cand, opts.weights)
    start = greedy_values(net, cand, pm, overage=1.0)
    t_build = time.perf_counter() - t0
    load = os.getloadavg()[0]
    result = solve(pm.model, opts.solve, start, relaxed_start=guided_greedy(net, cand, pm))
    assert result.values is not None, result.message
    t0 = time.perf_counter()
    kpis = extract(net, pm, result.values)["kpis"]
    t_extract = time.perf_counter() - t0
    return Timed(result, kpis, t_build, t_extract, load, pm.model.num_cols, pm.model.num_rows)


def run(name: str, scenario: Scenario, t_load: float, limits: list[float]) -> None:
    cols0, rows0, t0_build = _size(scenario, BEFORE)
    cols1, rows1, _ = _size(scenario, CandidateOptions())
    total = None
    print(f"\n== {name}: {len(scenario.sites)} sites; load {t_load:.2f} s")
    print(
        f"   model before: {cols0} columns, {rows0} rows ({t0_build:.2f} s); after: {cols1} "
        f"columns, {rows1} rows; ratio after/before {cols1 / cols0:.2f} columns, "
        f"{rows1 / rows0:.2f} rows"
    )
    base = baseline_plan(scenario, PlanOptions())
    b_served, b_cost = base.kpis["doses"]["served"], base.kpis["cost"]["total"]
    for limit in limits:
        result, kpis, t_build, t_extract, load, _, _ = _plan_once(scenario, limit)
        served, total = kpis["doses"]["served"], kpis["doses"]["total"]
        cost = kpis["cost"]["total"]
        gap = "n/a" if result.gap is None else f"{result.gap:.2%}"
        print(
            f"   limit {limit:>4.0f} s (load avg {load:.1f}): build {t_build:.2f} s, solve "
            f"{result.seconds:.1f} s, {result.status}, gap {gap}, extract {t_extract:.2f} s; "
            f"served {served}/{total} (baseline {b_served}); cost {cost:,.0f} = "
            f"{cost / b_cost:.3f} x baseline; time cut: {result.time_cut}"
        )


VOLUME = (30, 500, 40.0, 1.0)
"""Real national volume: production sites, hospitals, diagnostic doses and therapy bookings
per hospital and day (about 100,000 diagnostic doses and 500 therapy bookings a week)."""


def volume(limit: float) -> None:
    """Model size, times, gap and memory from 10 % to 100 % of real national volume."""
    sites, hospitals, per_day, therapies = VOLUME
    print(f"\n== real volume: {sites} production sites, {hospitals} hospitals, limit {limit:g} s")
    for share in (0.1, 0.4, 0.7, 1.0):
        sc = synthetic(
            sites,
            hospitals,
            7,
            1,
            orders=True,
            per_hospital_day=per_day * share,
            therapies_per_hospital_day=therapies * share,
        )
        doses = sum(o.doses for o in sc.demand.orders)
        result, kpis, t_build, _, load, cols, rows = _plan_once(sc, limit)
        gap = "n/a" if result.gap is None else f"{result.gap:.2%}"
        own = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 2**20
        child = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 2**20
        print(
            f"   {share:>4.0%}: {doses} diagnostic doses in {len(sc.demand.orders)} orders + "
            f"{len(sc.demand.bookings)} therapy bookings; {cols} columns, {rows} rows; "
            f"candidates+build {t_build:.1f} s "
            f"({t_build / max(result.seconds, 1e-9):.0%} of solve), solve {result.seconds:.1f} s "
            f"(load avg {load:.1f}), {result.status}, gap {gap}; doses served "
            f"{kpis['doses']['served']}/{kpis['doses']['total']}; peak memory {own:.2f} GiB "
            f"(solver processes {child:.2f} GiB)"
        )


def main() -> None:
    quick = "--quick" in sys.argv
    limits = [25.0]
    if "--limits" in sys.argv:
        limits = [float(x) for x in sys.argv[sys.argv.index("--limits") + 1].split(",")]
    if "--one-core" in sys.argv:
        os.sched_setaffinity(0, {0})  # inherited by the solver processes
    print(f"cores available to this run: {len(os.sched_getaffinity(0))}")
    only = sys.argv[sys.argv.index("--only") + 1] if "--only" in sys.argv else None
    t0 = time.perf_counter()
    if only in (None, "builtin"):
        builtin = load_scenario("apac-2025")
        run("built-in apac-2025 week", builtin, time.perf_counter() - t0, limits)
    if only == "builtin-real":
        t0 = time.perf_counter()
        sc = load_scenario("apac-2025")
        assert sc.meta.seed is not None
        bookings, orders = generate_demand(sc, sc.meta.start, 7, sc.meta.seed)
        demand = sc.demand.model_copy(update={"bookings": bookings, "orders": orders})
        real = sc.model_copy(update={"demand": demand})
        name = f"built-in apac-2025 at 100 % of its rates ({sum(o.doses for o in orders)} doses)"
        run(name, real, time.perf_counter() - t0, limits)
    if not quick and only == "volume":
        volume(limits[-1] if "--limits" in sys.argv else 120.0)
    if not quick and only in (None, "generated"):
        t0 = time.perf_counter()
        large = synthetic(30, 500, 7, 1, per_hospital_day=5000 / 3500)
        name = "generated: 30 production sites, 500 hospitals, ~5,000 bookings, 7 days"
        run(name, large, time.perf_counter() - t0, limits)


if __name__ == "__main__":
    main()
