"""The SimPy reference agrees with the vectorised engine; same seed, same bytes anywhere."""

from __future__ import annotations

from pathlib import Path

import pytest
from sim_cases import order_case, supply_case

from isoflow.adapters.executors import make_executor
from isoflow.engines.simulate import (
    SimOptions,
    as_result,
    build_model,
    kpis,
    simulate,
    simulate_reference,
    write_results,
)

MIXED = {
    "sites": [{"site": "a", "outages_per_year": 20, "duration": {"mean": "2 d", "cv": 1.0}}],
    "lanes": [
        {
            "lane": "a-hosp",
            "cancel_prob": 0.1,
            "delay_prob": 0.3,
            "delay": {"mean": "3 d", "cv": 1.0},
        }
    ],
    "booking_cancel_prob": 0.1,
    "extra_booking_rate": 0.3,
}


@pytest.fixture(scope="module")
def mixed():
    model, _ = build_model(supply_case(0.2, backup=True, bookings=3, disruptions=MIXED))
    return model


def _overlap(a: dict[str, float], b: dict[str, float]) -> bool:
    return abs(a["mean"] - b["mean"]) <= (a["hi"] - a["lo"]) / 2 + (b["hi"] - b["lo"]) / 2


def test_fast_engine_and_simpy_reference_agree(mixed):
    fast = kpis(simulate(mixed, SimOptions(replications=3000, seed=11)))
    ref_opts = SimOptions(replications=400, seed=12)
    ref = kpis(as_result(mixed, ref_opts, [simulate_reference(mixed, 400, seed=12)]))
    assert fast["p_missed"]["mean"] > 0.05  # the case is disrupted enough to test something
    for key in ("p_missed", "missed_per_week", "served_late_per_week", "cancelled_per_week"):
        assert _overlap(fast[key], ref[key]), key
    for name in ("rerouted", "alternative"):
        assert _overlap(fast["recourse_per_week"][name], ref["recourse_per_week"][name]), name
    for cause in ("site_outage", "qc_failure", "lane_cancel", "lane_delay", "demand_surge"):
        a, b = fast["missed_by_cause"][cause], ref["missed_by_cause"][cause]
        assert _overlap(a["per_week"], b["per_week"]), cause


ORDER_MIX = {
    "sites": [{"site": "cyc-a", "outages_per_year": 20, "duration": {"mean": "2 d", "cv": 1.0}}],
    "lanes": [
        {
            "lane": "a-hosp",
            "cancel_prob": 0.1,
            "delay_prob": 0.3,
            "delay": {"mean": "20 min", "cv": 1.0},
        }
    ],
    "booking_cancel_prob": 0.1,
    "extra_booking_rate": 0.3,
}


@pytest.fixture(scope="module")
def orders():
    return build_model(order_case(0.1, disruptions=ORDER_MIX))


def test_fast_engine_and_simpy_reference_agree_on_orders(orders):
    model, plan = orders
    split = [a for a in plan.allocations if a.booking == "split"]
    assert len({a.batch for a in split}) == 2  # split over two batches
    assert sum(a.doses for a in split) == 5
    assert [a.doses for a in plan.allocations if a.booking == "vial"] == [3]
    fast = kpis(simulate(model, SimOptions(replications=4000, seed=11)))
    ref_opts = SimOptions(replications=1000, seed=12)
    ref = kpis(as_result(model, ref_opts, [simulate_reference(model, 1000, seed=12)]))
    # by hand: 9 doses a week (1 of them a patient), each cancelled with probability 0.1
    # and bringing 0.3 extra doses on average
    assert (fast["doses_per_week"], fast["patients"]["per_week"]) == (9, 1)
    half = (fast["cancelled_per_week"]["hi"] - fast["cancelled_per_week"]["lo"]) / 2
    assert abs(fast["cancelled_per_week"]["mean"] - 0.9) <= 1.5 * half
    half = (fast["extra_per_week"]["hi"] - fast["extra_per_week"]["lo"]) / 2
    assert abs(fast["extra_per_week"]["mean"] - 2.7) <= 1.5 * half
    # disrupted enough to test something: misses, re-bookings and alternative batches
    assert fast["p_missed"]["mean"] > 0.05
    for name in ("rerouted", "alternative"):
        assert fast["recourse_per_week"][name]["mean"] > 0.2, name
        assert _overlap(fast["recourse_per_week"][name], ref["recourse_per_week"][name]), name
    for key in (
        "p_missed",
        "p_missed_pooled",
        "missed_per_week",
        "served_late_per_week",
        "cancelled_per_week",
        "extra_per_week",
        "cost_per_week",
    ):
        assert _overlap(fast[key], ref[key]), key
    for key in ("p_missed", "missed_per_week"):
        assert _overlap(fast["patients"][key], ref["patients"][key]), key
    for cause in ("site_outage", "qc_failure", "lane_cancel", "lane_delay", "demand_surge"):
        a, b = fast["missed_by_cause"][cause], ref["missed_by_cause"][cause]
        assert a["total"] > 0, cause
        assert _overlap(a["per_week"], b["per_week"]), cause


def _files(model, workers: int, scheduler: str | None, out: Path) -> dict[str, bytes]:
    opts = SimOptions(replications=60, seed=5, chunk_size=15)
    with make_executor(workers, scheduler) as ex:
        result = simulate(model, opts, ex if workers > 1 or scheduler else None)
    return {p.name: p.read_bytes() for p in write_results(result, out, "supply")}


def test_same_seed_same_bytes_with_1_2_4_workers_and_dask(mixed, tmp_path):
    one = _files(mixed, 1, None, tmp_path / "w1")
    assert b"missed" in one["exceptions.csv"]
    assert _files(mixed, 2, None, tmp_path / "w2") == one
    assert _files(mixed, 4, None, tmp_path / "w4") == one
    assert _files(mixed, 2, "local", tmp_path / "dask") == one


def test_a_different_seed_gives_different_records(mixed, tmp_path):
    a = simulate(mixed, SimOptions(replications=60, seed=5, chunk_size=15))
    b = simulate(mixed, SimOptions(replications=60, seed=6, chunk_size=15))
    assert (a.summary != b.summary).any()
