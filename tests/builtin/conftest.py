from __future__ import annotations

import pytest

from isoflow.scenario.examples import builtin_path
from isoflow.scenario.load import load_scenario
from isoflow.scenario.schema import Scenario


@pytest.fixture(scope="session")
def apac() -> Scenario:
    path = builtin_path("apac-2025")
    assert path is not None
    return load_scenario(path)
