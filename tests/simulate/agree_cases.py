"""Models the agreement tests simulate: the built-in, generated networks, a tight backup."""

from __future__ import annotations

from sim_cases import every_disruption, tight_order_case
from test_reference_and_repro import ORDER_MIX

from isoflow.engines.planner.baseline import baseline_plan
from isoflow.engines.simulate import ModelOptions, SimModel, build_model
from isoflow.scenario.load import load_scenario
from isoflow.scenario.synthetic import generate


def builtin(weeks: int) -> SimModel:
    """The built-in network on its baseline plan (deterministic, ~1 s; the optimiser takes
    ~50 s)."""
    sc = load_scenario("apac-2025")
    return build_model(sc, baseline_plan(sc), ModelOptions(weeks=weeks))[0]


def generated(orders: bool) -> SimModel:
    """A small generated network under every kind of disruption (baseline plan)."""
    if orders:
        sc = every_disruption(generate(6, 5, 7, 6, per_hospital_day=5.0, orders=True))
    else:
        sc = every_disruption(generate(4, 4, 7, 5, per_hospital_day=3.0))
    return build_model(sc, baseline_plan(sc))[0]


def scarce_spare() -> SimModel:
    """A generated network of orders over two weeks whose F-18 batches hold ~30 doses."""
    sc = every_disruption(generate(5, 6, 7, 23, per_hospital_day=6.0, orders=True))
    data = sc.model_dump(mode="json", exclude_defaults=True)
    for proc in data["processes"]:
        if proc["kind"] == "synthesis":
            proc["batch_max"] = "12 GBq"  # not 400 GBq: spare is scarce
    sc = type(sc).model_validate(data)
    return build_model(sc, baseline_plan(sc), ModelOptions(weeks=2))[0]


def tight_backup() -> SimModel:
    """:func:`~sim_cases.tight_order_case` with QC failures (0.1), an outage-prone A, lane
    cancellations and delays, dose cancellations and extra doses."""
    return build_model(tight_order_case(0.1, ORDER_MIX))[0]
