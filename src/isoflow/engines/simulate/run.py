"""A compiled simulation model run with the recourse its options name (one home for the choice).

``recourse="heuristic"`` replays the plan with the fast recourse heuristic, chunk by chunk on
``executor`` (:func:`.montecarlo.simulate`); ``recourse="replan"`` calls the re-planner as
recourse (:func:`.replanning.simulate_replan`, in this process). The command line, the public
:func:`isoflow.simulate` and the service all call :func:`run_model`.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING

from isoflow.engines.simulate.montecarlo import SimOptions, SimResult, simulate
from isoflow.engines.simulate.replanning import simulate_replan

if TYPE_CHECKING:
    from concurrent.futures import Executor

    from isoflow.engines.simulate.model import SimModel
    from isoflow.records.plan import Plan
    from isoflow.scenario.schema import Scenario


def run_model(
    scenario: Scenario,
    model: SimModel,
    planned: Plan,
    options: SimOptions,
    executor: Executor | None = None,
    progress: Callable[[int, int], None] | None = None,
) -> SimResult:
    """Simulate ``model`` (compiled from ``planned``) with ``options.recourse``."""
    if options.recourse == "replan":
        return simulate_replan(scenario, planned, model, options, progress=progress)
    return simulate(model, options, executor, progress)
