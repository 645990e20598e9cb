from __future__ import annotations

import pytest
from ruamel.yaml import YAML

from isoflow.scenario.examples import builtin_path
from isoflow.scenario.schema import Scenario


@pytest.fixture(scope="session")
def apac() -> Scenario:
    path = builtin_path("apac-2025")
    assert path is not None
    try:
        from isoflow.scenario.load import load_scenario
    except ImportError:  # pragma: no cover - loader written in parallel
        return Scenario.model_validate(YAML(typ="safe").load(path.read_text("utf-8")))
    return load_scenario(path)
