"""The built-in week and its base plan, computed once for every test that reads them."""

from __future__ import annotations

from functools import cache

from isoflow.engines.planner.api import PlanOptions, make_plan
from isoflow.engines.planner.solve import SolveOptions
from isoflow.records.plan import Plan
from isoflow.scenario.load import load_scenario
from isoflow.scenario.schema import Scenario


@cache
def apac() -> Scenario:
    return load_scenario("apac-2025")


@cache
def base_plan() -> Plan:
    """The built-in week planned with a 60 s limit (it closes in about 20 s)."""
    return make_plan(apac(), PlanOptions(solve=SolveOptions(time_limit_s=60.0)))
