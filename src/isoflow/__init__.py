"""isoflow: decay-exact planning, simulation and stress-testing of radiopharmaceutical supply.

Layers (imports point inward only):

* :mod:`isoflow.domain` and :mod:`isoflow.scenario`: nuclear data, decay physics, the network.
* :mod:`isoflow.records`: the typed plan record (``plan.json``) and its codes.
* :mod:`isoflow.engines`: planner, verifier, simulator, analysis.
* :mod:`isoflow.adapters`: CLI, REST API, web, storage, executors.

The public API is this module: :func:`load_scenario`, :func:`make_plan`, :func:`verify`,
:func:`simulate`, and the record types (:class:`Plan`, :class:`PlanKpis`, :class:`Reason`,
:class:`SolveStatus`, ...), imported on first use so that ``import isoflow`` stays light.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

from isoflow.domain.decay import ChainSolver, DecayTable, Inventory, decay_factors, required_before
from isoflow.domain.generators import Elution, Generator
from isoflow.domain.nuclides import NuclideData, canonical, default_data
from isoflow.errors import (
    InputError,
    IsoflowError,
    OptionError,
    PhysicsError,
    ScenarioError,
    SimulationError,
    SolverError,
    UnknownNuclideError,
)

if TYPE_CHECKING:
    from collections.abc import Mapping, Sequence
    from pathlib import Path

    from isoflow.engines.planner.api import PlanOptions
    from isoflow.engines.planner.replan import ReplanOptions
    from isoflow.engines.simulate import SimOptions, SimResult
    from isoflow.engines.verify import Violation
    from isoflow.records import (
        MEANING,
        SCHEMA_VERSION,
        Plan,
        PlanAllocation,
        PlanElution,
        PlanGenerator,
        PlanGeneratorUse,
        PlanInput,
        PlanKpis,
        PlanLeg,
        PlanRun,
        PlanShipment,
        PlanUnserved,
        Reason,
        ReplanMode,
        Revision,
        SolverReport,
        SolveStatus,
    )
    from isoflow.scenario.schema import Scenario

__version__ = "0.1.0"

_LAZY = {
    **dict.fromkeys(
        (
            "MEANING",
            "SCHEMA_VERSION",
            "Plan",
            "PlanAllocation",
            "PlanElution",
            "PlanGenerator",
            "PlanGeneratorUse",
            "PlanInput",
            "PlanKpis",
            "PlanLeg",
            "PlanRun",
            "PlanShipment",
            "PlanUnserved",
            "Reason",
            "ReplanMode",
            "Revision",
            "SolveStatus",
            "SolverReport",
        ),
        "isoflow.records",
    ),
    "ReplanOptions": "isoflow.engines.planner.replan",
    "Scenario": "isoflow.scenario.schema",
    "PlanOptions": "isoflow.engines.planner.api",
    "SimOptions": "isoflow.engines.simulate",
    "SimResult": "isoflow.engines.simulate",
    "Violation": "isoflow.engines.verify",
}
"""Public names imported on first use: name -> module that defines it."""


def __getattr__(name: str) -> Any:
    module = _LAZY.get(name)
    if module is None:
        raise AttributeError(f"module 'isoflow' has no attribute {name!r}")
    value = getattr(importlib.import_module(module), name)
    globals()[name] = value
    return value


def __dir__() -> list[str]:
    return sorted(set(globals()) | set(_LAZY))


def load_scenario(ref: str | Path) -> Scenario:
    """Load a scenario by built-in name, YAML/JSON file or CSV folder.

    Raises :class:`ScenarioError` listing every problem with file, line and field path.

    >>> import isoflow
    >>> sc = isoflow.load_scenario("apac-2025")
    >>> sc.meta.name
    'apac-2025'
    """
    from isoflow.scenario.load import load_scenario as load

    return load(ref)


def make_plan(scenario: Scenario, options: PlanOptions | None = None) -> Plan:
    """Plan the bookings of a scenario's horizon with the optimiser.

    Raises :class:`SolverError` if the solver fails or is stopped without any plan.

    >>> import isoflow
    >>> from isoflow.scenario.synthetic import generate
    >>> sc = generate(sites=1, hospitals=1, days=1, seed=1, products=["f18-fdg"])
    >>> plan = isoflow.make_plan(sc)
    >>> plan.kpis.doses.served, plan.kpis.doses.total
    (5, 5)
    >>> plan.solver.status
    <SolveStatus.OPTIMAL: 'optimal'>
    >>> plan.start_utc.isoformat()
    '2025-08-04T00:00:00+00:00'
    """
    from isoflow.engines.planner.api import make_plan as plan

    return plan(scenario, options)


def verify(plan: Plan, scenario: Scenario) -> list[Violation]:
    """Every rule of the scenario that ``plan`` breaks (empty if it is sound).

    The plan is re-checked from its records alone: decay, shelf life, calendars, routes,
    capacities and costs.

    >>> import isoflow
    >>> from isoflow.scenario.synthetic import generate
    >>> sc = generate(sites=1, hospitals=1, days=1, seed=1, products=["f18-fdg"])
    >>> plan = isoflow.make_plan(sc)
    >>> isoflow.verify(plan, sc)
    []
    >>> empty = plan.runs[0].model_copy(update={"activity_eop_bq": 0.0})  # a run made nothing
    >>> broken = plan.model_copy(update={"runs": (empty, *plan.runs[1:])})
    >>> sorted({v.code for v in isoflow.verify(broken, sc)})
    ['cost_mismatch', 'overdrawn']
    """
    from isoflow.engines.verify import verify as check

    return check(plan, scenario)


def replan(
    scenario: Scenario,
    parent: Plan,
    events: Sequence[Mapping[str, Any]],
    options: ReplanOptions | None = None,
) -> Plan:
    """A revision of ``parent`` after ``events`` (mappings as an event file holds them).

    The past (before ``options.now``) is kept; see :mod:`isoflow.engines.planner.replan`.
    The revision carries its parent's hash, every event and the diff
    (:class:`isoflow.records.Revision`).

    >>> import isoflow
    >>> from isoflow.scenario.synthetic import generate
    >>> sc = generate(sites=1, hospitals=1, days=1, seed=1, products=["f18-fdg"])
    >>> plan = isoflow.make_plan(sc)
    >>> cancelled = {"kind": "demand_cancelled", "id": plan.allocations[0].booking}
    >>> rev = isoflow.replan(sc, plan, [cancelled])
    >>> rev.revision.number, rev.revision.diff.withdrawn == (cancelled["id"],)
    (1, True)
    >>> isoflow.verify(rev, sc)
    []
    """
    from isoflow.engines.planner.replan import replan as run
    from isoflow.scenario.events import parse_events

    parsed = parse_events({"events": list(events)}).events
    return run(scenario, parent, parsed, options).plan


def simulate(
    scenario: Scenario, plan: Plan | None = None, options: SimOptions | None = None
) -> SimResult:
    """Replay ``plan`` (made with :func:`make_plan` if ``None``) under random disruptions.

    Monte Carlo over ``options.replications`` weeks, with the recourse ``options.recourse``
    names (the heuristic, or re-planning); summarise the result with
    :func:`isoflow.engines.simulate.kpis`.

    >>> import isoflow
    >>> from isoflow.engines.simulate import kpis
    >>> from isoflow.scenario.synthetic import generate
    >>> sc = generate(sites=1, hospitals=1, days=1, seed=1, products=["f18-fdg"])
    >>> result = isoflow.simulate(sc, options=isoflow.SimOptions(replications=20, seed=1))
    >>> kpis(result)["replications"]
    20
    """
    from isoflow.engines.simulate import SimOptions, build_model
    from isoflow.engines.simulate.run import run_model

    opts = options or SimOptions()
    model, planned = build_model(scenario, plan, opts.model)
    return run_model(scenario, model, planned, opts)


__all__ = [
    "MEANING",
    "SCHEMA_VERSION",
    "ChainSolver",
    "DecayTable",
    "Elution",
    "Generator",
    "InputError",
    "Inventory",
    "IsoflowError",
    "NuclideData",
    "OptionError",
    "PhysicsError",
    "Plan",
    "PlanAllocation",
    "PlanElution",
    "PlanGenerator",
    "PlanGeneratorUse",
    "PlanInput",
    "PlanKpis",
    "PlanLeg",
    "PlanOptions",
    "PlanRun",
    "PlanShipment",
    "PlanUnserved",
    "Reason",
    "ReplanMode",
    "ReplanOptions",
    "Revision",
    "Scenario",
    "ScenarioError",
    "SimOptions",
    "SimResult",
    "SimulationError",
    "SolveStatus",
    "SolverError",
    "SolverReport",
    "UnknownNuclideError",
    "Violation",
    "__version__",
    "canonical",
    "decay_factors",
    "default_data",
    "load_scenario",
    "make_plan",
    "replan",
    "required_before",
    "simulate",
    "verify",
]
