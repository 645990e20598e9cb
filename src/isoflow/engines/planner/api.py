"""Planner entry point: scenario + options -> :class:`Plan` (build, solve, extract)."""

from __future__ import annotations

import dataclasses
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime

import numpy as np
import numpy.typing as npt

from isoflow import bounds
from isoflow.domain.calendar import epoch, from_epoch
from isoflow.engines.planner.build import ObjectiveWeights, PlanningModel, build
from isoflow.engines.planner.candidates import CandidateOptions, Candidates, generate
from isoflow.engines.planner.extract import extract
from isoflow.engines.planner.greedy import greedy_values
from isoflow.engines.planner.network import DAY, PlanningNetwork
from isoflow.engines.planner.solve import SolveOptions, solve
from isoflow.engines.planner.solver_run import STOPPED_BY_USER
from isoflow.errors import SolverError
from isoflow.processes import children
from isoflow.records.plan import Plan, SolverReport
from isoflow.records.status import SolveStatus
from isoflow.scenario.schema import Scenario


@dataclass(frozen=True)
class PlanOptions:
    """What to plan and how hard to try.

    Attributes
    ----------
    start
        Start of the horizon (default: the scenario's ``meta.start``), in the years of
        :data:`~isoflow.bounds.START_YEARS`.
    horizon_s
        Length of the horizon [s] (default: the scenario's ``meta.horizon``), 1 h to 366 d.
    lead_s
        How long before ``start`` production runs may begin [s]: planning next week's
        bookings leaves this long to make their isotopes (0 to 366 d).
    solve
        Solver settings (time limit, gap, threads, seed).
    weights
        Objective weights.
    candidates
        Candidate generation settings.
    warm_start
        Hand the baseline planner's solution to the solver as its first incumbent.
    """

    start: datetime | None = None
    horizon_s: float | None = None
    lead_s: float = 7 * DAY
    solve: SolveOptions = field(default_factory=SolveOptions)
    weights: ObjectiveWeights = field(default_factory=ObjectiveWeights)
    candidates: CandidateOptions = field(default_factory=CandidateOptions)
    warm_start: bool = True

    def __post_init__(self) -> None:
        if self.start is not None:
            bounds.check_instant(self.start, "start")
        if self.horizon_s is not None:
            bounds.HORIZON.check(self.horizon_s, "horizon_s")
        bounds.LEAD.check(self.lead_s, "lead_s")


def network_for(scenario: Scenario, options: PlanOptions) -> PlanningNetwork:
    """The planning network of a scenario over the options' horizon."""
    start = options.start or scenario.meta.start
    horizon = options.horizon_s if options.horizon_s is not None else scenario.meta.horizon
    t0 = epoch(start)
    return PlanningNetwork(scenario, t0 - options.lead_s, t0, t0 + horizon)


def guided_greedy(
    net: PlanningNetwork, cand: Candidates, pm: PlanningModel
) -> Callable[[npt.NDArray[np.float64]], npt.NDArray[np.float64]]:
    """The warm-start greedy guided by a relaxation: values of every column -> a plan."""

    def start(relaxed: npt.NDArray[np.float64]) -> npt.NDArray[np.float64]:
        return greedy_values(net, cand, pm, overage=1.0, guide=relaxed)

    return start


def make_plan(scenario: Scenario, options: PlanOptions | None = None) -> Plan:
    """Plan the bookings of a scenario's horizon with the optimiser.

    Raises :class:`SolverError` if the solver fails or is stopped without any plan.
    """
    opts = options or PlanOptions()
    t_build = time.perf_counter()
    net = network_for(scenario, opts)
    cand = generate(net, opts.candidates)
    pm = build(net, cand, opts.weights)
    return solve_model(net, pm, opts, time.perf_counter() - t_build)


def solve_model(
    net: PlanningNetwork,
    pm: PlanningModel,
    opts: PlanOptions,
    build_seconds: float,
    notes: tuple[str, ...] = (),
    start: npt.NDArray[np.float64] | None = None,
) -> Plan:
    """Solve a built model and read the plan out of it.

    ``start``: the solver's first incumbent; by default the greedy's plan when
    ``opts.warm_start``.
    """
    cand = pm.cand
    t_start = time.perf_counter()
    if start is None and opts.warm_start:
        start = greedy_values(net, cand, pm, overage=1.0)
    build_seconds += time.perf_counter() - t_start
    with children.windable():  # a user's stop (--keep-best) keeps the best plan so far
        result = solve(pm.model, opts.solve, start, relaxed_start=guided_greedy(net, cand, pm))
        if children.winding_down:
            notes = (STOPPED_BY_USER, *notes)
            result = dataclasses.replace(result, time_cut=True)
    if result.values is None:
        raise SolverError(
            f"the solver returned no plan ({result.status}): {result.message or 'no detail'}"
        )
    records = extract(net, pm, result.values)
    report = SolverReport(
        status=result.status,
        gap=result.gap,
        seconds=result.seconds,
        objective=result.objective,
        bound=result.bound,
        penalty_floor=result.penalty_floor,
        time_limit_s=opts.solve.time_limit_s,
        mip_gap=opts.solve.mip_gap,
        build_seconds=build_seconds,
        candidates={
            "runs": len(cand.runs),
            "allocations": len(cand.allocations),
            "flows": len(cand.flows),
            "columns": pm.model.num_cols,
            "rows": pm.model.num_rows,
        },
        time_cut=result.time_cut,
        message="; ".join(
            dict.fromkeys(
                [
                    *notes,
                    *result.notes,
                    *([result.message] if result.status != SolveStatus.OPTIMAL else []),
                ]
            )
        ),
    )
    return Plan(
        scenario=net.scenario.meta.name,
        planner="optimiser",
        start_utc=from_epoch(net.horizon_start),
        end_utc=from_epoch(net.horizon_end),
        earliest_run_utc=from_epoch(net.earliest),
        solver=report,
        **records,
    )
