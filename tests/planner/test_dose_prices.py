"""Dose prices per market: revenue and margin of a plan, derived by hand and verified."""

from __future__ import annotations

from typing import Any

import pytest
from planner_cases import FDG, scenario, site

from isoflow.engines.planner.api import PlanOptions, make_plan
from isoflow.engines.planner.candidates import CandidateOptions
from isoflow.engines.verify import verify
from isoflow.records.plan import Plan
from isoflow.scenario.rules import DosePrices
from isoflow.scenario.schema import DosePrice, Scenario
from isoflow.scenario.validate import validate_scenario

HOURLY = PlanOptions(lead_s=0.0, candidates=CandidateOptions(start_step_half_lives=0.5))

FIXED, ROAD = 1000.0, 50.0


def _network(prices: list[dict[str, Any]]) -> Scenario:
    """One cyclotron (fixed cost 1000 a run) and a KR and a JP hospital 1 h away by road
    (50 a shipment); three FDG doses at 10:00 in KR and one in JP, all servable by one run."""
    hospitals = [site("kr-hosp", "hospital", "KR"), site("jp-hosp", "hospital", "JP")]
    bookings = [
        {"id": f"kr{i}", "hospital": "kr-hosp", "product": "fdg", "administration": t}
        for i, t in enumerate(["2025-08-05T10:00:00Z"] * 3)
    ] + [
        {
            "id": "jp0",
            "hospital": "jp-hosp",
            "product": "fdg",
            "administration": "2025-08-05T10:00:00Z",
        }
    ]
    return scenario(
        products=[FDG],
        sites=[site("cyc", "cyclotron"), *hospitals],
        processes=[
            {
                "id": "run",
                "site": "cyc",
                "kind": "synthesis",
                "output": "fdg",
                "batch_max": "100 GBq",
                "duration": "1 h",
                "fixed_cost": FIXED,
                "availability": {"windows": [{"start": "05:00", "end": "07:00"}]},
            }
        ],
        lanes=[
            {
                "id": f"road-{h}",
                "origin": "cyc",
                "destination": f"{h}-hosp",
                "mode": "road",
                "transit": "1 h",
                "cost_per_shipment": ROAD,
            }
            for h in ("kr", "jp")
        ],
        demand={"bookings": bookings, "prices": prices},
    )


def test_price_rule_country_wins_over_default():
    prices = DosePrices(
        (
            DosePrice(product="fdg", per_dose=300.0),
            DosePrice(product="fdg", countries=("JP",), per_dose=450.0),
        )
    )
    assert prices.of("fdg", "JP") == 450.0
    assert prices.of("fdg", "KR") == 300.0
    assert prices.of("other", "KR") is None


@pytest.fixture(scope="module")
def priced() -> tuple[Scenario, Plan]:
    sc = _network(
        [
            {"product": "fdg", "per_dose": 300.0},
            {"product": "fdg", "countries": ["JP"], "per_dose": 450},
        ]
    )
    return sc, make_plan(sc, HOURLY)


def test_revenue_and_margin_by_hand(priced: tuple[Scenario, Plan]):
    sc, plan = priced
    assert plan.kpis["doses"]["served"] == 4
    # 3 doses in KR at 300 and 1 in JP at 450
    assert plan.kpis["revenue"]["total"] == pytest.approx(3 * 300 + 450)
    assert plan.kpis["revenue"]["priced_doses"] == 4
    assert plan.kpis["revenue"]["unpriced_doses"] == 0
    # one run (1000, no variable cost) and two road shipments (50 each)
    assert plan.kpis["cost"]["total"] == pytest.approx(FIXED + 2 * ROAD)
    assert plan.kpis["margin"] == pytest.approx(3 * 300 + 450 - FIXED - 2 * ROAD)
    assert verify(plan, sc) == []


def test_unpriced_doses_are_counted():
    sc = _network([{"product": "fdg", "countries": ["KR"], "per_dose": 300.0}])
    plan = make_plan(sc, HOURLY)
    assert plan.kpis["revenue"]["total"] == pytest.approx(900.0)
    assert (plan.kpis["revenue"]["priced_doses"], plan.kpis["revenue"]["unpriced_doses"]) == (3, 1)


@pytest.mark.parametrize("key", ["revenue", "margin"])
def test_verify_recomputes_revenue_and_margin(priced: tuple[Scenario, Plan], key: str):
    sc, plan = priced
    k = plan.kpis
    assert k.revenue is not None
    assert k.margin is not None
    if key == "revenue":
        kpis = k.model_copy(
            update={"revenue": k.revenue.model_copy(update={"total": k.revenue.total + 1.0})}
        )
    else:
        kpis = k.model_copy(update={"margin": k.margin - 100.0})
    bad = plan.model_copy(update={"kpis": kpis})
    found = verify(bad, sc)
    assert [v.code for v in found] == ["revenue_mismatch"]


def test_two_prices_for_one_market_is_an_error():
    sc = _network(
        [
            {"product": "fdg", "countries": ["KR", "JP"], "per_dose": 300.0},
            {"product": "fdg", "countries": ["JP"], "per_dose": 450.0},
        ]
    )
    errors = [str(i) for i in validate_scenario(sc).errors]
    assert errors == [
        "demand.prices.1.countries.0: 'fdg' already has a price for JP (demand.prices.0); "
        "give each market one price"
    ]
