"""Fixtures for the scenario tests: the small valid scenario and helpers to break it."""

from __future__ import annotations

from pathlib import Path

import pytest

DATA = Path(__file__).parent / "data"
SMALL = DATA / "small.yaml"


@pytest.fixture(scope="session")
def small_path() -> Path:
    """The small valid scenario (a cyclotron, a reactor, a CDMO, two hospitals)."""
    return SMALL


@pytest.fixture(scope="session")
def small_text() -> str:
    """Text of the small valid scenario."""
    return SMALL.read_text(encoding="utf-8")


@pytest.fixture(scope="session")
def apac_yaml(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The built-in scenario (a CSV folder) written as one YAML file: a large real file."""
    from isoflow.scenario.load import load_scenario, save_scenario

    target = tmp_path_factory.mktemp("builtin") / "apac-2025.yaml"
    return save_scenario(load_scenario("apac-2025"), target)


@pytest.fixture(params=["small.yaml", "apac-2025.yaml"])
def yaml_file(request: pytest.FixtureRequest) -> Path:
    """Each YAML scenario the readers are checked on: the small one and the built-in."""
    if request.param == "small.yaml":
        return SMALL
    path: Path = request.getfixturevalue("apac_yaml")
    return path
