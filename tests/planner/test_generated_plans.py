"""Plans of generated networks: always sound, never worse than the baseline."""

from __future__ import annotations

from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

from isoflow.engines.planner.api import PlanOptions, make_plan
from isoflow.engines.planner.baseline import baseline_plan
from isoflow.engines.planner.solve import SolveOptions
from isoflow.engines.verify import verify
from isoflow.scenario.synthetic import generate

OPTIONS = PlanOptions(solve=SolveOptions(time_limit_s=60.0, mip_gap=1e-4))
"""Most examples prove their 0.01 % gap in a few seconds; some take longer (3 sites, 4
hospitals, seed 476: 22.6 s on 2 shared cores), so the limit leaves room, not a target."""


@settings(max_examples=4, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    sites=st.integers(3, 5),
    hospitals=st.integers(2, 6),
    seed=st.integers(0, 10_000),
)
@example(sites=3, hospitals=4, seed=476)  # the slow one to prove (see OPTIONS)
def test_generated_plans_verify_and_beat_the_baseline(sites, hospitals, seed):
    scenario = generate(sites, hospitals, 2, seed, per_hospital_day=2.0)
    plan = make_plan(scenario, OPTIONS)
    assert verify(plan, scenario) == []
    base = baseline_plan(scenario, OPTIONS)
    assert verify(base, scenario) == []
    served, base_served = len(plan.allocations), len(base.allocations)
    assert served >= base_served
    assert plan.solver is not None
    assert plan.solver.status == "optimal"  # tiny instances solve to the 0.01 % gap
    if served == base_served:
        # proven optimal: never dearer than the baseline (beyond the gap and the tiny
        # per-run and waste weights of the objective)
        assert plan.kpis["cost"]["total"] <= base.kpis["cost"]["total"] * (1 + 1e-3) + 10.0
