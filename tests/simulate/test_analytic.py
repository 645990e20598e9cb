"""Analytic checks of the vectorised engine on hand scenarios with known answers."""

from __future__ import annotations

import math

import numpy as np
import pytest
from sim_cases import supply_case

from isoflow.engines.simulate import ModelOptions, SimOptions, build_model, kpis, simulate
from isoflow.scenario.load import load_scenario
from isoflow.scenario.schema import Disruptions

HOUR = 3600.0
DAY = 86400.0


def _run(sc, reps: int, seed: int = 7, weeks: int = 1):
    model, plan = build_model(sc, None, ModelOptions(weeks=weeks))
    opts = SimOptions(replications=reps, seed=seed, model=ModelOptions(weeks=weeks))
    result = simulate(model, opts)
    return result, kpis(result), plan


def _within(estimate: dict[str, float], truth: float, widen: float = 1.5) -> bool:
    """``truth`` lies in the 95 % interval (widened by ``widen`` against bad luck)."""
    half = (estimate["hi"] - estimate["lo"]) / 2
    return abs(estimate["mean"] - truth) <= widen * half + 1e-12


def lognormal_tail(x: float, mean: float, cv: float) -> float:
    """P(D > x) for a lognormal D with the given mean and coefficient of variation."""
    s2 = math.log1p(cv * cv)
    mu = math.log(mean) - s2 / 2
    return 0.5 * math.erfc((math.log(x) - mu) / math.sqrt(2 * s2))


@pytest.mark.parametrize("p", [0.1, 0.3])
def test_one_supplier_failing_with_probability_p_misses_p(p):
    _, k, _ = _run(supply_case(p, bookings=3), 3000)
    assert _within(k["p_missed"], p)
    assert k["patients"]["per_week"] == 3  # every booking is a patient
    assert _within(k["patients"]["p_missed"], p)
    assert k["missed_by_cause"]["qc_failure"]["share"]["mean"] == pytest.approx(1.0)


def test_independent_backup_misses_p_squared():
    p = 0.3
    result, k, plan = _run(supply_case(p, backup=True, bookings=2), 4000)
    assert {a.site for a in plan.allocations} == {"a"}  # B is the costly backup
    assert _within(k["p_missed"], p * p)
    # B serves exactly when A failed and B did not: p (1 - p)
    recovered = result.column("alternative") / result.column("doses")
    assert abs(recovered.mean() - p * (1 - p)) < 0.03


def test_delays_matter_only_beyond_the_shelf_life():
    q, mean, cv = 0.5, 4 * DAY, 0.5
    delays = {"lanes": [{"lane": "a-hosp", "delay_prob": q, "delay": {"mean": mean, "cv": cv}}]}
    # planned arrival Mon 10:00, deadline Fri 09:30 (95.5 h later); the shelf life (EOP Mon
    # 07:00 + 5 d) allows administration up to 21 h late; the tolerance (90 %) never binds.
    sc = supply_case(0.0, tolerance=0.9, disruptions=delays)
    _, k, _ = _run(sc, 4000)
    p_missed = q * lognormal_tail(95.5 * HOUR + 21 * HOUR, mean, cv)
    p_late = q * lognormal_tail(95.5 * HOUR, mean, cv) - p_missed
    assert _within(k["p_missed"], p_missed)
    assert k["missed_by_cause"]["lane_delay"]["share"]["mean"] == pytest.approx(1.0)
    assert _within(k["served_late_per_week"], p_late)
    # a 30-day shelf life: the same delays postpone, never miss
    long = supply_case(0.0, shelf="30 d", tolerance=0.9, disruptions=delays)
    _, k, _ = _run(long, 4000)
    assert k["p_missed"]["mean"] == 0.0
    assert _within(k["served_late_per_week"], q * lognormal_tail(95.5 * HOUR, mean, cv))


def test_zero_disruption_rates_reproduce_the_plan_exactly():
    sc = load_scenario("tests/scenario/data/small.yaml")
    sc = sc.model_copy(update={"disruptions": Disruptions()})
    result, k, plan = _run(sc, 50)
    total = plan.kpis["doses"]["total"]
    unserved = plan.kpis["doses"]["unserved"]
    assert result.column("missed").tolist() == [unserved] * 50
    assert k["missed_per_week"] == {"mean": unserved, "lo": unserved, "hi": unserved}
    assert k["p_missed"]["mean"] == unserved / total
    assert k["outcomes"]["served"] == 50 * plan.kpis["doses"]["served"]
    assert k["outcomes"]["missed"] == 50 * unserved
    assert np.all(result.column("cost") == plan.kpis["cost"]["total"])
    assert result.exceptions.shape[0] == 0


def test_a_long_outage_spans_weeks():
    outages = {"sites": [{"site": "a", "outages_per_year": 6, "duration": {"mean": "20 d"}}]}
    sc = supply_case(0.0, disruptions=outages)
    model, _ = build_model(sc, None, ModelOptions(weeks=2))
    result = simulate(model, SimOptions(replications=4000, seed=3, model=ModelOptions(weeks=2)))
    assert model.n_bookings == 2
    week_missed = result.missed_cause[:, 2]  # site_outage, both weeks
    p_one = (week_missed >= 1).mean()
    both = (week_missed == 2).mean()
    # independent weeks would give both ~ (p/2)^2; a 20-day outage takes both
    assert both > 3 * (p_one / 2) ** 2
