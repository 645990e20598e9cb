"""Fixtures of the report tests: the small scenario and its optimised plan (< 2 s)."""

from __future__ import annotations

from pathlib import Path

import pytest

from isoflow.engines.planner.api import make_plan
from isoflow.records.plan import Plan
from isoflow.scenario.load import load_scenario
from isoflow.scenario.schema import Scenario

SMALL = Path(__file__).resolve().parents[1] / "scenario" / "data" / "small.yaml"


@pytest.fixture(scope="session")
def small_scenario() -> Scenario:
    return load_scenario(SMALL)


@pytest.fixture(scope="session")
def small_plan(small_scenario: Scenario) -> Plan:
    return make_plan(small_scenario)
