"""The SimPy reference agrees with the vectorised engine; same seed, same bytes anywhere."""

from __future__ import annotations

from pathlib import Path

import pytest
from sim_cases import supply_case

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
