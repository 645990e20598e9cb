"""isoflow: decay-exact planning, simulation and stress-testing of radiopharmaceutical supply.

Layers (imports point inward only):

* :mod:`isoflow.domain` and :mod:`isoflow.scenario`: nuclear data, decay physics, the network.
* :mod:`isoflow.engines`: planner, simulator, analysis.
* :mod:`isoflow.adapters`: CLI, REST API, web, storage, executors.
"""

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

__version__ = "0.1.0"

__all__ = [
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
    "ScenarioError",
    "SimulationError",
    "SolverError",
    "UnknownNuclideError",
    "__version__",
    "canonical",
    "decay_factors",
    "default_data",
    "required_before",
]
