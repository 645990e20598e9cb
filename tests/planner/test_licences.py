"""Who may supply whom: service areas, product licences, GMP markets (hand-solved)."""

from __future__ import annotations

from typing import Any

import pytest
from planner_cases import FDG, scenario, site

from isoflow.engines.planner.api import PlanOptions, make_plan
from isoflow.engines.planner.candidates import CandidateOptions
from isoflow.scenario import rules
from isoflow.scenario.schema import Scenario

HOURLY = PlanOptions(lead_s=0.0, candidates=CandidateOptions(start_step_half_lives=0.5))


def fdg_run(id_: str, site_id: str) -> dict[str, Any]:
    return {
        "id": id_,
        "site": site_id,
        "kind": "synthesis",
        "output": "fdg",
        "batch_max": "100 GBq",
        "duration": "1 h",
        "fixed_cost": 1000.0,
        "availability": {"windows": [{"start": "05:00", "end": "07:00"}]},
    }


def road(id_: str, origin: str, hours: int, cost: float) -> dict[str, Any]:
    return {
        "id": id_,
        "origin": origin,
        "destination": "hosp",
        "mode": "road",
        "transit": f"{hours} h",
        "cost_per_shipment": cost,
    }


def two_suppliers(near: dict[str, Any], with_far: bool = True) -> Scenario:
    """A KR hospital; a near cyclotron 1 h away (road 50) and a far one 3 h away (road 500).
    Without rules the near one serves (cheaper road, smaller batch)."""
    extra = dict(near)
    kinds = extra.pop("kind", ["cyclotron"])
    sites = [{**site("near", "cyclotron", **extra), "kind": kinds}, site("hosp", "hospital")]
    processes = [fdg_run("near-run", "near")]
    lanes = [road("near-road", "near", 1, 50.0)]
    if with_far:
        sites.append(site("far", "cyclotron"))
        processes.append(fdg_run("far-run", "far"))
        lanes.append(road("far-road", "far", 3, 500.0))
    return scenario(
        products=[FDG],
        sites=sites,
        processes=processes,
        lanes=lanes,
        demand={
            "bookings": [
                {
                    "id": "dose",
                    "hospital": "hosp",
                    "product": "fdg",
                    "administration": "2025-08-05T10:00:00Z",
                }
            ]
        },
    )


def supplier(plan: Any) -> str:
    assert len(plan.allocations) == 1
    return str(plan.allocations[0].site)


def test_unrestricted_near_cyclotron_serves():
    assert supplier(make_plan(two_suppliers({}), HOURLY)) == "near"


def test_a_licence_for_another_country_forces_the_farther_supplier():
    near = {"licences": [{"product": "fdg", "countries": ["JP"]}]}
    assert supplier(make_plan(two_suppliers(near), HOURLY)) == "far"


def test_a_licence_covering_the_country_keeps_the_near_supplier():
    near = {"licences": [{"product": "fdg", "countries": ["JP", "KR"]}]}
    assert supplier(make_plan(two_suppliers(near), HOURLY)) == "near"


def test_without_another_supplier_the_reason_names_the_licence():
    near = {"licences": [{"product": "fdg", "countries": ["JP"]}]}
    plan = make_plan(two_suppliers(near, with_far=False), HOURLY)
    assert [(u.booking, u.reason) for u in plan.unserved] == [("dose", "no_licence")]


def test_a_hospital_radiopharmacy_serves_only_itself_and_its_service_area():
    radiopharmacy = {"kind": ["hospital", "cyclotron"]}
    assert supplier(make_plan(two_suppliers(radiopharmacy), HOURLY)) == "far"
    alone = make_plan(two_suppliers(radiopharmacy, with_far=False), HOURLY)
    assert [(u.booking, u.reason) for u in alone.unserved] == [("dose", "outside_service_area")]
    serving = {"kind": ["hospital", "cyclotron"], "service_area": ["hosp"]}
    assert supplier(make_plan(two_suppliers(serving), HOURLY)) == "near"


def test_a_commercial_site_with_a_service_area_serves_only_that():
    other = {"service_area": ["elsewhere"]}
    assert supplier(make_plan(two_suppliers(other), HOURLY)) == "far"


@pytest.mark.parametrize(
    ("near", "bar"),
    [
        ({}, None),
        ({"gmp_markets": ["JP"]}, rules.SupplyBar.GMP_MARKET),
        ({"licences": [{"product": "fdg", "countries": []}]}, rules.SupplyBar.LICENCE),
        ({"licences": [{"product": "other", "countries": []}]}, None),
        ({"kind": ["hospital", "cyclotron"]}, rules.SupplyBar.SERVICE_AREA),
        # the service area is judged first, then the licence, then GMP
        (
            {"kind": ["hospital"], "licences": [{"product": "fdg", "countries": []}]},
            rules.SupplyBar.SERVICE_AREA,
        ),
        (
            {"gmp_markets": ["JP"], "licences": [{"product": "fdg", "countries": []}]},
            rules.SupplyBar.LICENCE,
        ),
    ],
)
def test_supply_bar_names_the_first_rule_that_stops_it(near: dict[str, Any], bar: Any):
    sc = two_suppliers(near, with_far=False)
    sites = {s.id: s for s in sc.sites}
    assert rules.supply_bar(sites["near"], sites["hosp"], "fdg") == bar


def test_a_hospital_radiopharmacy_supplies_its_own_hospital():
    sc = two_suppliers({"kind": ["hospital", "cyclotron"]}, with_far=False)
    near = next(s for s in sc.sites if s.id == "near")
    assert rules.supply_bar(near, near, "fdg") is None


def test_a_relaxation_guides_the_greedy_to_the_option_it_prefers():
    from isoflow.engines.planner.api import network_for
    from isoflow.engines.planner.build import build
    from isoflow.engines.planner.candidates import generate
    from isoflow.engines.planner.greedy import greedy_values

    sc = two_suppliers({})
    net = network_for(sc, HOURLY)
    cand = generate(net, HOURLY.candidates)
    pm = build(net, cand)
    z = pm.model.col_blocks["z"]
    site_of = [sc.processes[cand.runs[a.run].process].site for a in cand.allocations]

    def chosen(values: Any) -> set[str]:
        return {site_of[k] for k in range(z.size) if values[z.start + k] > 0.5}

    # unguided: the nearest supplier (the greedy's own rule of thumb)
    assert chosen(greedy_values(net, cand, pm, overage=1.0)) == {"near"}
    # a relaxation that puts the dose on a far option: the greedy follows it
    guide = [0.0] * pm.model.num_cols
    far = next(k for k in range(z.size) if site_of[k] == "far")
    guide[z.start + far] = 1.0
    import numpy as np

    assert chosen(greedy_values(net, cand, pm, overage=1.0, guide=np.array(guide))) == {"far"}


def test_licences_and_service_areas_name_real_products_and_sites():
    from isoflow.scenario.validate import check_references

    sc = two_suppliers(
        {
            "licences": [{"product": "fgd", "countries": ["KR"]}],
            "service_area": ["hosp", "hsop"],
        }
    )
    issues = check_references(sc)
    assert sorted((i.path, i.code) for i in issues) == [
        (("sites", 0, "licences", 0, "product"), "unknown_ref"),
        (("sites", 0, "service_area", 1), "unknown_ref"),
    ]
