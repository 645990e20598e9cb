"""Plans the optimiser makes for the tiny networks pass ``verify``, and their costs, package
counts and purchases equal figures derived here by hand from the typed prices.

Half-lives are the ICRP-107 values typed by hand (Lu-177 6.647 d, F-18 109.77 min).
"""

from __future__ import annotations

from datetime import datetime

import pytest
import verify_cases as vc

from isoflow.engines.planner.api import make_plan
from isoflow.engines.verify import verify
from isoflow.scenario.schema import Scenario
from isoflow.units import to_iso

LU177_HALF_LIFE_S = 6.647 * 86400
HOUR = 3600.0


def t(text: str) -> float:
    return datetime.fromisoformat(text.replace("Z", "+00:00")).timestamp()


@pytest.fixture(scope="module")
def chain():
    sc = vc.chain_scenario()
    return sc, make_plan(sc, vc.OPTIONS)


@pytest.fixture(scope="module")
def generators():
    sc = vc.generator_scenario()
    return sc, make_plan(sc, vc.OPTIONS)


@pytest.fixture(scope="module")
def fdg():
    sc = vc.fdg_scenario()
    return sc, make_plan(sc, vc.HOURLY)


@pytest.mark.parametrize("case", ["chain", "generators", "fdg"])
def test_the_optimisers_plan_verifies(case, request):
    sc, plan = request.getfixturevalue(case)
    assert verify(plan, sc) == []


def test_chain_plan_uses_every_kind_of_lane(chain):
    _, plan = chain
    assert {a.booking for a in plan.allocations} == {"kr0", "kr1", "jp0", "jp1"}
    (label,) = [r for r in plan.runs if r.process == "label"]
    (inp,) = label.inputs
    assert [g.lane for g in inp.legs] == ["au-kr"]  # bulk flown in, across the border
    # Tuesday 14:00 in Sydney is 04:00 UTC; 10 h of flight and 2 h of customs
    assert to_iso(inp.legs[0].depart_utc) == "2025-08-05T04:00:00Z"
    assert to_iso(inp.arrive_utc) == "2025-08-05T16:00:00Z"
    jp = next(a for a in plan.allocations if a.booking == "jp0")
    assert [g.lane for g in jp.legs] == ["kr-jp", "jp-road"]
    assert to_iso(jp.legs[0].arrive_utc) == "2025-08-06T13:30:00Z"  # 2.5 h flight + 1 h customs


def test_chain_costs_are_the_scenarios_prices(chain):
    _, plan = chain
    runs = {r.process: r for r in plan.runs}
    irr, label = runs["irradiate"], runs["label"]
    assert irr.fixed_cost == vc.IRRADIATION_FIXED
    assert irr.variable_cost == pytest.approx(vc.IRRADIATION_PER_GBQ * irr.activity_eop_bq / 1e9)
    assert label.fixed_cost == vc.LABEL_FIXED
    # the labelling batch is held at its 50 GBq minimum (the doses need about 30.6 GBq)
    assert label.activity_eop_bq == pytest.approx(50e9, rel=1e-9)
    assert label.variable_cost == pytest.approx(vc.LABEL_PER_GBQ * 50.0)
    packages = {"au-kr": 1, "kr-road": 2, "kr-jp": 2, "jp-road": 2}  # 1 bulk input, 2 doses
    by_lane = {sh.lane: sh for sh in plan.shipments}
    assert {lane: sh.packages for lane, sh in by_lane.items()} == packages
    transport = 0.0
    for lane, n in packages.items():
        per_shipment, per_package = vc.LANE_PRICES[lane]
        assert by_lane[lane].cost == pytest.approx(per_shipment + per_package * n)
        transport += per_shipment + per_package * n
    assert transport == 1580.0
    # purchases: the bulk activity delivered at the CDMO, 16 h after the reactor's EOP
    (inp,) = label.inputs
    age = t(to_iso(inp.arrive_utc)) - t(to_iso(irr.end_of_production_utc))
    assert age == 16 * HOUR
    delivered = inp.activity_eop_bq * 2.0 ** (-age / LU177_HALF_LIFE_S)
    purchases = vc.AGREEMENT_PRICE * delivered / 1e9
    cost = plan.kpis["cost"]
    assert cost["purchases"] == pytest.approx(purchases, rel=1e-9)
    assert cost["transport"] == pytest.approx(transport)
    fixed = vc.IRRADIATION_FIXED + vc.LABEL_FIXED
    variable = vc.IRRADIATION_PER_GBQ * irr.activity_eop_bq / 1e9 + vc.LABEL_PER_GBQ * 50.0
    assert cost["production_fixed"] == pytest.approx(fixed)
    assert cost["production_variable"] == pytest.approx(variable)
    assert cost["total"] == pytest.approx(fixed + variable + transport + purchases, rel=1e-9)


def test_bulk_input_feeds_the_labelling_exactly(chain):
    _, plan = chain
    runs = {r.process: r for r in plan.runs}
    (inp,) = runs["label"].inputs
    age = t(to_iso(runs["label"].start_utc)) - t(to_iso(runs["irradiate"].end_of_production_utc))
    at_start = inp.activity_eop_bq * 2.0 ** (-age / LU177_HALF_LIFE_S)
    need = 50e9 / 0.9 * 2.0 ** (2 * HOUR / LU177_HALF_LIFE_S)  # 90 % yield, 2 h of labelling
    assert at_start == pytest.approx(need, rel=1e-6)


def test_generators_are_one_package_each(generators):
    _, plan = generators
    (gen,) = plan.generators
    # 15 GBq are needed (tests/planner: the tightest elution); 5 + 10 GBq is two packages
    # (30 + 2 x 15), cheaper than 3 x 5 GBq (30 + 3 x 15)
    assert sorted(gen.sizes_bq) == [5e9, 10e9]
    (van,) = plan.shipments
    assert van.batches == (gen.batch,)
    assert van.packages == 2
    assert van.cost == pytest.approx(vc.VAN[0] + 2 * vc.VAN[1])
    cost = plan.kpis["cost"]
    assert cost["transport"] == pytest.approx(60.0)
    assert cost["production_fixed"] == pytest.approx(vc.ASSEMBLY_FIXED)
    assert cost["production_variable"] == pytest.approx(vc.ASSEMBLY_PER_GBQ * 15.0)
    assert cost["total"] == pytest.approx(200.0 + 750.0 + 60.0)


def test_fdg_bookings_are_served_or_listed(fdg):
    _, plan = fdg
    assert {a.booking for a in plan.allocations} == {"A", "B"}
    assert {u.booking for u in plan.unserved} == {"C"}  # D is after the horizon
    for r in plan.runs:
        assert r.variable_cost == pytest.approx(vc.FDG_PER_GBQ * r.activity_eop_bq / 1e9)
    assert plan.kpis["cost"]["transport"] == pytest.approx(100.0)


def test_a_hospitals_own_dispensing_buffer_is_honoured():
    # The Korean hospital needs doses 3.5 h before administration (14:00), i.e. by 10:30;
    # the only labelling batch is released at 09:00 and the road now takes 2 h (11:00):
    # the Korean doses cannot be served, the Japanese ones still are.
    data = vc.chain_data()
    next(s for s in data["sites"] if s["id"] == "hosp-kr")["dispensing_buffer"] = "3.5 h"
    next(x for x in data["lanes"] if x["id"] == "kr-road")["transit"] = "2 h"
    sc = Scenario.model_validate(data)
    plan = make_plan(sc, vc.OPTIONS)
    assert verify(plan, sc) == []
    assert {a.booking for a in plan.allocations} == {"jp0", "jp1"}
    assert {u.booking for u in plan.unserved} == {"kr0", "kr1"}
