"""The greedy (baseline planner and warm start) keeps each departure's transport index.

The chain case: two Korean Lu-PSMA doses of 7.4 GBq at 14:00 by road from the CDMO, at
0.05 TI per GBq, so about 0.38 TI a dose. With the road lane's ``capacity_ti`` cut to 0.5,
one departure carries one dose (two would be about 0.76 > 0.5).
"""

from __future__ import annotations

import verify_cases as vc

from isoflow.engines.planner._highs_worker import violation
from isoflow.engines.planner.api import network_for
from isoflow.engines.planner.baseline import baseline_plan
from isoflow.engines.planner.build import build
from isoflow.engines.planner.candidates import generate
from isoflow.engines.planner.greedy import greedy_values
from isoflow.engines.planner.solver_run import FEASIBILITY_TOL
from isoflow.engines.verify import verify
from isoflow.records.plan import Plan
from isoflow.scenario.schema import Scenario

TI_PER_GBQ = 0.05
ROAD_TI = 0.5


def _tight_road() -> Scenario:
    data = vc.chain_data()
    next(x for x in data["lanes"] if x["id"] == "kr-road")["capacity_ti"] = ROAD_TI
    return Scenario.model_validate(data)


def test_the_warm_start_satisfies_the_transport_index_rows() -> None:
    sc = _tight_road()
    net = network_for(sc, vc.OPTIONS)
    cand = generate(net, vc.OPTIONS.candidates)
    pm = build(net, cand, vc.OPTIONS.weights)
    start = greedy_values(net, cand, pm, overage=1.0)
    assert violation(pm.model.arrays(), start) <= FEASIBILITY_TOL


def test_the_baseline_puts_one_dose_on_a_departure_and_verifies() -> None:
    sc = _tight_road()
    plan = baseline_plan(sc, vc.OPTIONS)
    assert [v.code for v in verify(plan, sc)] == []
    road = [s for s in plan.shipments if s.lane == "kr-road"]
    assert road, "the Korean doses go by road"
    eop = {a.booking: a.dispensed_eop_bq for a in plan.allocations}
    for shipment in road:
        # the departure's index from the activity of the doses it carries (at EOP)
        ti = TI_PER_GBQ * sum(eop[b] for b in shipment.bookings) / 1e9
        assert 0.3 < ti <= ROAD_TI + 1e-9
        assert len(shipment.bookings) == 1  # 2 x ~0.38 TI would not fit


# A generator delivery the transport index cuts: the elution slots it covers in part keep
# the doses it covers (before, a slot short by any amount lost every dose).

GEN_TI_PER_GBQ = 0.04


def _generators(capacity_ti: float) -> Scenario:
    data = vc.generator_data()
    gen = next(p for p in data["products"] if p["id"] == "tc-gen")
    del gen["sizes"]  # unsized: a delivery can be cut to any activity
    gen["transport"] = {"ti_per_gbq": GEN_TI_PER_GBQ}
    data["lanes"][0]["capacity_ti"] = capacity_ti
    return Scenario.model_validate(data)


def _delivery_ti(plan: Plan) -> float:
    (van,) = [s for s in plan.shipments if s.lane == "van"]
    return float(van.transport_index)


def test_a_delivery_cut_by_the_transport_index_still_serves_what_it_covers() -> None:
    free = baseline_plan(_generators(1000.0), vc.OPTIONS)
    assert len(free.allocations) == 8  # uncut, the delivery serves the week's 8 doses
    wanted = _delivery_ti(free)
    sc = _generators(0.6 * wanted)  # 60 % of the activity the greedy orders
    plan = baseline_plan(sc, vc.OPTIONS)
    assert [v.code for v in verify(plan, sc)] == []
    assert _delivery_ti(plan) <= 0.6 * wanted * (1 + 1e-9)
    served = {a.booking for a in plan.allocations}
    by_day = [[f"d{i}" for i in range(4)], [f"d{i}" for i in range(4, 8)]]
    for day in by_day:  # each day's slot keeps some of its doses, not none
        assert 0 < len(served & set(day)) < 4, sorted(served)
    net = network_for(sc, vc.OPTIONS)
    cand = generate(net, vc.OPTIONS.candidates)
    pm = build(net, cand, vc.OPTIONS.weights)
    assert violation(pm.model.arrays(), greedy_values(net, cand, pm)) <= FEASIBILITY_TOL
