"""Monte Carlo disruption simulator: a plan under sampled disruptions, with recourse.

* :func:`build_model` compiles a scenario and its plan (planned now if none) into a
  :class:`SimModel` of flat arrays;
* :func:`simulate` runs replications on any executor, vectorised over replications
  (:mod:`.fast`), reproducible by seed whatever the number of workers;
* :func:`kpis` aggregates KPIs with 95 % intervals, and their tails over replications
  (percentiles, P(loss > x)); :func:`write_results` writes the records (CSV) and
  ``kpis.json``;
* :func:`simulate_replan` runs the same replications (same seeds, same disruptions) with
  the re-planner as recourse instead of the heuristic (``SimOptions(recourse="replan")``);
* :func:`simulate_reference` is the straightforward SimPy model of the same semantics,
  one ``Environment`` per replication: the statistical cross-check and speed baseline.
"""

from isoflow.engines.simulate.model import CAUSES, OUTCOMES, ModelOptions, SimModel, compile_model
from isoflow.engines.simulate.montecarlo import (
    SimOptions,
    SimResult,
    as_result,
    build_model,
    interval,
    kpis,
    simulate,
)
from isoflow.engines.simulate.output import write_results
from isoflow.engines.simulate.reference import simulate_reference
from isoflow.engines.simulate.replanning import simulate_replan

__all__ = [
    "CAUSES",
    "OUTCOMES",
    "ModelOptions",
    "SimModel",
    "SimOptions",
    "SimResult",
    "as_result",
    "build_model",
    "compile_model",
    "interval",
    "kpis",
    "simulate",
    "simulate_reference",
    "simulate_replan",
    "write_results",
]
