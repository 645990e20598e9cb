"""The baseline planner: what a planner does by hand, for comparison with the optimiser.

Rules of thumb, applied greedily to bookings in order of priority and administration time:

1. serve each booking from the *nearest* site that makes the product and can reach the
   hospital in time (great-circle distance), from its latest run that still has room;
2. size each batch at ``overage`` times the activity its doses need (a fixed safety factor
   instead of an exact plan), within the process's batch limits;
3. order intermediate products (bulk isotope, generators) the same way: nearest source first,
   each order ``overage`` times what the downstream run needs.

The decisions fill the optimiser's own model as a solution vector, so the baseline plan is
extracted, costed and verified exactly like an optimised one.
"""

from __future__ import annotations

import time

from isoflow.domain.calendar import from_epoch
from isoflow.engines.planner.api import PlanOptions, network_for
from isoflow.engines.planner.build import build
from isoflow.engines.planner.candidates import generate
from isoflow.engines.planner.extract import extract
from isoflow.engines.planner.greedy import OVERAGE, greedy_values
from isoflow.records.plan import Plan, SolverReport
from isoflow.records.status import SolveStatus
from isoflow.scenario.schema import Scenario

__all__ = ["OVERAGE", "baseline_plan"]


def baseline_plan(
    scenario: Scenario, options: PlanOptions | None = None, overage: float = OVERAGE
) -> Plan:
    """Plan with the rules of thumb above (no optimisation)."""
    opts = options or PlanOptions()
    t0 = time.perf_counter()
    net = network_for(scenario, opts)
    cand = generate(net, opts.candidates)
    pm = build(net, cand, opts.weights)
    values = greedy_values(net, cand, pm, overage)
    records = extract(net, pm, values)
    objective = float(pm.model.arrays()["col_cost"] @ values)
    seconds = time.perf_counter() - t0
    report = SolverReport(
        status=SolveStatus.HEURISTIC,
        gap=None,
        seconds=seconds,
        objective=objective,
        time_limit_s=0.0,
        mip_gap=0.0,
        build_seconds=seconds,
        candidates={
            "runs": len(cand.runs),
            "allocations": len(cand.allocations),
            "flows": len(cand.flows),
        },
        message=f"baseline: nearest supplier first, overage factor {overage}",
    )
    return Plan(
        scenario=scenario.meta.name,
        planner="baseline",
        start_utc=from_epoch(net.horizon_start),
        end_utc=from_epoch(net.horizon_end),
        earliest_run_utc=from_epoch(net.earliest),
        solver=report,
        **records,
    )
