"""Runtimes of the strategic analyses on the built-in ``apac-2025`` scenario.

Run with ``python benchmarks/bench_analysis.py [--contingency] [--workers N]``:

* capacity vs demand over 2025-2035 (no solver; target < 2 s);
* make or buy with its tornado (no solver);
* one base plan and one N-1 re-plan (what a contingency element costs);
* with ``--contingency``, the whole N-1 contingency on ``--workers`` local processes.
"""

from __future__ import annotations

import argparse
import time
from collections.abc import Callable
from typing import Any

from isoflow.adapters.executors import make_executor
from isoflow.engines.analysis.capacity import capacity_vs_demand
from isoflow.engines.analysis.contingency import (
    ContingencyOptions,
    Element,
    contingency,
    replan,
)
from isoflow.engines.analysis.makeorbuy import make_or_buy
from isoflow.engines.planner.api import make_plan
from isoflow.scenario.load import load_scenario


def timed(label: str, fn: Callable[[], Any]) -> Any:
    t0 = time.perf_counter()
    out = fn()
    print(f"{label:<40} {time.perf_counter() - t0:8.2f} s")
    return out


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--contingency", action="store_true")
    parser.add_argument("--workers", type=int, default=1)
    args = parser.parse_args()
    sc = timed("load apac-2025", lambda: load_scenario("apac-2025"))
    res = timed("capacity 2025-2035", lambda: capacity_vs_demand(sc))
    print(f"  {len(res.rows)} rows, {len(res.processes)} process-years")
    timed("make or buy + tornado", make_or_buy)
    opts = ContingencyOptions().plan
    timed("base plan (30 s limit, 2 % gap)", lambda: make_plan(sc, opts))
    timed(
        "one N-1 re-plan (site au_ansto_opal out)",
        lambda: replan(sc, (Element("site", "au_ansto_opal"),), opts),
    )
    if args.contingency:
        with make_executor(args.workers) as pool:
            out = timed(
                f"N-1 contingency, {args.workers} worker(s)",
                lambda: contingency(sc, ContingencyOptions(), executor=pool),
            )
        print(f"  {len(out.rows)} cases; worst: {out.rows[0].elements} ({out.rows[0].lost} lost)")


if __name__ == "__main__":
    main()
