"""Benchmark the simulator (printed, not asserted).

10,000 replications of the built-in network over 4 weeks with the vectorised engine
(inline, and on ``--workers`` local processes), and the SimPy reference on a subset; prints
replications/s and the speed ratio. Targets: < 60 s on 2 cores, >= 20x the reference.

    .venv/bin/python benchmarks/bench_simulate.py [--replications 10000] [--reference 200]
"""

from __future__ import annotations

import argparse
import time

from isoflow.adapters.executors import make_executor
from isoflow.engines.simulate import (
    ModelOptions,
    SimOptions,
    as_result,
    build_model,
    kpis,
    simulate,
    simulate_reference,
)
from isoflow.scenario.load import load_scenario


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--scenario", default="apac-2025")
    parser.add_argument("--replications", type=int, default=10_000)
    parser.add_argument("--reference", type=int, default=200)
    parser.add_argument("--weeks", type=int, default=4)
    parser.add_argument("--workers", type=int, default=2)
    args = parser.parse_args()

    sc = load_scenario(args.scenario)
    t = time.perf_counter()
    model, _ = build_model(sc, None, ModelOptions(weeks=args.weeks))
    print(
        f"plan + compile: {time.perf_counter() - t:.1f} s  ({len(model.run_name)} runs, "
        f"{len(model.dep_lane)} departures, {len(model.opt_run)} options, "
        f"{model.n_bookings} bookings over {args.weeks} weeks)"
    )
    opts = SimOptions(replications=args.replications, seed=1, model=ModelOptions(weeks=args.weeks))
    t = time.perf_counter()
    fast = simulate(model, opts)
    inline_s = time.perf_counter() - t
    k = kpis(fast)
    print(
        f"fast, inline:      {args.replications} reps in {inline_s:.1f} s = "
        f"{args.replications / inline_s:,.0f} reps/s;  P(missed) {k['p_missed']['mean']:.4f} "
        f"[{k['p_missed']['lo']:.4f}, {k['p_missed']['hi']:.4f}]"
    )
    if args.workers > 1:
        with make_executor(args.workers) as ex:
            t = time.perf_counter()
            par = simulate(model, opts, ex)
            par_s = time.perf_counter() - t
        same = (par.summary == fast.summary).all()
        print(
            f"fast, {args.workers} processes: {par_s:.1f} s = "
            f"{args.replications / par_s:,.0f} reps/s (identical: {same})"
        )
    n = args.reference
    t = time.perf_counter()
    ref = simulate_reference(model, n, seed=2)
    ref_s = time.perf_counter() - t
    kr = kpis(as_result(model, SimOptions(replications=n, model=opts.model), [ref]))
    print(
        f"SimPy reference:   {n} reps in {ref_s:.1f} s = {n / ref_s:,.1f} reps/s;  "
        f"P(missed) {kr['p_missed']['mean']:.4f} "
        f"[{kr['p_missed']['lo']:.4f}, {kr['p_missed']['hi']:.4f}]"
    )
    ratio = (args.replications / inline_s) / (n / ref_s)
    print(f"speed-up (inline fast vs SimPy, reps/s): {ratio:,.0f}x")


if __name__ == "__main__":
    main()
