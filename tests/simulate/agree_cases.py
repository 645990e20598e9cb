"""Models the agreement tests simulate: the built-in, generated networks, a tight backup."""

from __future__ import annotations

from collections import Counter
from functools import cache

from sim_cases import every_disruption, tight_order_case
from test_reference_and_repro import ORDER_MIX

from isoflow.engines.planner.baseline import baseline_plan
from isoflow.engines.simulate import ModelOptions, SimModel, build_model
from isoflow.records.plan import Plan
from isoflow.scenario.load import load_scenario
from isoflow.scenario.schema import Scenario
from isoflow.scenario.synthetic import generate


@cache
def _builtin_planned() -> tuple[Scenario, Plan]:
    """The built-in scenario and its baseline plan, made once per session (both frozen:
    every model of the built-in reads them, none changes them)."""
    sc = load_scenario("apac-2025")
    return sc, baseline_plan(sc)


def builtin(weeks: int) -> SimModel:
    """The built-in network on its baseline plan (deterministic, ~1 s; the optimiser takes
    ~50 s)."""
    sc, plan = _builtin_planned()
    return build_model(sc, plan, ModelOptions(weeks=weeks))[0]


@cache
def generated(orders: bool) -> SimModel:
    """A small generated network under every kind of disruption (baseline plan).

    Built once per session: the engines only read a model (the reference copies the spare it
    takes from), so the one-world and two-sample tests share it."""
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


def short_stocks() -> SimModel:
    """:func:`generated` orders over two weeks, each FDG run using 2.5 mL of O-18 water.

    Each cyclotron's weekly stock is what its planned runs use (the plan is made before the
    stocks are set, and keeps to them); half its weeks the delivery brings 60 %.
    """
    sc = every_disruption(generate(6, 5, 7, 6, per_hospital_day=5.0, orders=True))
    data = sc.model_dump(mode="json", exclude_defaults=True)
    data["products"].append(
        {"id": "o18-water", "stage": "target_material", "nuclide": "O-18", "unit": "mL"}
    )
    for proc in data["processes"]:
        if proc["kind"] == "synthesis":
            proc["inputs"] = [*proc.get("inputs", []), {"product": "o18-water", "per_batch": 2.5}]
    sc = Scenario.model_validate(data)
    plan = baseline_plan(sc)
    runs = Counter(
        r.site
        for r in plan.runs
        if r.process in {p["id"] for p in data["processes"] if p["kind"] == "synthesis"}
    )
    for site in data["sites"]:
        if site["id"] in runs:
            site["stocks"] = [{"product": "o18-water", "per_week": 2.5 * runs[site["id"]]}]
    data["disruptions"]["stocks"] = [
        {"site": s, "product": "o18-water", "short_prob": 0.5, "delivered_fraction": 0.6}
        for s in sorted(runs)
    ]
    sc = Scenario.model_validate(data)
    return build_model(sc, plan, ModelOptions(weeks=2))[0]


def tight_backup() -> SimModel:
    """:func:`~sim_cases.tight_order_case` with QC failures (0.1), an outage-prone A, lane
    cancellations and delays, dose cancellations and extra doses."""
    return build_model(tight_order_case(0.1, ORDER_MIX))[0]
