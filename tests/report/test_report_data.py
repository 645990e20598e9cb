"""Data preparation of the HTML report: flows per lane, decay curves, sites, KPI tables."""

from __future__ import annotations

import json
import math
import re
from collections import Counter

import pytest

from isoflow.adapters.report.data import (
    MapFrame,
    decay_curve,
    gantt_bars,
    lane_flows,
    outlines_in,
    report_data,
    shipment_bars,
)
from isoflow.adapters.report.html import render_html
from isoflow.adapters.report.kpis import kpi_tables
from isoflow.records.plan import (
    Plan,
    PlanAllocation,
    PlanGenerator,
    PlanInput,
    PlanLeg,
    PlanRun,
    PlanShipment,
)
from isoflow.units import to_iso

# --------------------------------------------------------------------------- flows


def test_flows_per_lane_equal_the_plans_totals(small_plan, small_scenario):
    flows = {f.lane: f for f in lane_flows(small_plan, small_scenario)}
    assert set(flows) == {lane.id for lane in small_scenario.lanes}

    doses: Counter[str] = Counter()
    dose_bq: Counter[str] = Counter()
    for a in small_plan.allocations:
        for leg in a.legs:
            doses[leg.lane] += 1
            dose_bq[leg.lane] += a.activity_eop_bq
    inputs: Counter[str] = Counter()
    input_bq: Counter[str] = Counter()
    for r in small_plan.runs:
        for i in r.inputs:
            for leg in i.legs:
                inputs[leg.lane] += 1
                input_bq[leg.lane] += i.activity_eop_bq
    departures = Counter(s.lane for s in small_plan.shipments)
    for lane, f in flows.items():
        assert f.doses == doses[lane]
        assert f.dose_activity_bq == pytest.approx(dose_bq[lane], rel=1e-12)
        assert f.batch_consignments == inputs[lane]
        assert f.batch_activity_bq == pytest.approx(input_bq[lane], rel=1e-12)
        assert f.departures == departures[lane]
    # the plan's totals: every leg of every consignment is counted exactly once
    assert sum(f.doses for f in flows.values()) == sum(len(a.legs) for a in small_plan.allocations)
    assert sum(f.batch_consignments for f in flows.values()) == sum(
        len(i.legs) for r in small_plan.runs for i in r.inputs
    )
    # the small plan really moves doses and bulk isotope
    assert sum(doses.values()) >= 2
    assert sum(inputs.values()) >= 1


def test_flows_agree_with_the_shipments_that_carry_them(small_plan, small_scenario):
    flows = {f.lane: f for f in lane_flows(small_plan, small_scenario)}
    carried: Counter[str] = Counter()
    for s in small_plan.shipments:
        carried[s.lane] += len(s.bookings)
    for lane, f in flows.items():
        assert f.doses == carried[lane]


def _leg(lane: str) -> PlanLeg:
    return PlanLeg(lane=lane, depart_utc="2025-08-04T01:00:00Z", arrive_utc="2025-08-04T05:00:00Z")


def _alloc(booking: str, bq: float, lanes: tuple[str, ...]) -> PlanAllocation:
    return PlanAllocation(
        booking=booking,
        hospital="hosp-seoul",
        product="lu177-psma",
        nuclide="Lu-177",
        batch="b",
        site="cdmo-sg",
        end_of_production_utc="2025-08-04T00:00:00Z",
        activity_eop_bq=bq,
        administration_utc="2025-08-05T00:00:00Z",
        activity_admin_bq=bq * 0.9,
        legs=tuple(_leg(x) for x in lanes),
    )


def test_flows_by_hand(small_scenario):
    """Two doses (one over two lanes), a bulk input and a 2-generator delivery: counted by hand."""
    plan = Plan(
        scenario="small",
        planner="hand",
        start_utc="2025-08-04T00:00:00Z",
        end_utc="2025-08-11T00:00:00Z",
        earliest_run_utc="2025-07-28T00:00:00Z",
        allocations=(
            _alloc("d1", 5e9, ("sg-sel",)),
            _alloc("d2", 7e9, ("kr-sg", "sg-sel")),
        ),
        runs=(
            PlanRun(
                batch="r",
                process="label-psma",
                site="cdmo-sg",
                product="lu177-psma",
                nuclide="Lu-177",
                start_utc="2025-08-04T00:00:00Z",
                end_of_production_utc="2025-08-04T03:00:00Z",
                release_utc="2025-08-04T05:00:00Z",
                activity_eop_bq=1e10,
                activity_allocated_bq=1e10,
                inputs=(
                    PlanInput(
                        batch="irr",
                        product="lu177-nca",
                        activity_eop_bq=2e10,
                        arrive_utc="2025-08-04T05:00:00Z",
                        legs=(_leg("kr-sg"),),
                    ),
                ),
            ),
        ),
        generators=(
            PlanGenerator(
                batch="g",
                product="mo99-gen",
                site="hosp-seoul",
                parent="Mo-99",
                daughter="Tc-99m",
                activity_calibration_bq=3e11,
                sizes_bq=(1e11, 2e11),
                arrive_utc="2025-08-04T05:00:00Z",
                efficiency=0.9,
                legs=(_leg("reactor-hosp"),),
            ),
        ),
        shipments=(
            PlanShipment(
                lane="sg-sel",
                origin="cdmo-sg",
                destination="hosp-seoul",
                depart_utc="2025-08-04T01:00:00Z",
                arrive_utc="2025-08-04T05:00:00Z",
                bookings=("d1", "d2"),
                packages=2,
                transport_index=0.5,
                cost=100.0,
            ),
        ),
    )
    flows = {f.lane: f for f in lane_flows(plan, small_scenario)}
    assert (flows["sg-sel"].doses, flows["sg-sel"].dose_activity_bq) == (2, 12e9)
    assert flows["sg-sel"].departures == 1
    assert (flows["kr-sg"].doses, flows["kr-sg"].dose_activity_bq) == (1, 7e9)
    assert (flows["kr-sg"].batch_consignments, flows["kr-sg"].batch_activity_bq) == (1, 2e10)
    assert flows["kr-sg"].activity_bq == 27e9
    assert flows["kr-sg"].consignments == 2
    assert (flows["reactor-hosp"].generators, flows["reactor-hosp"].activity_bq) == (2, 3e11)
    assert flows["cyc-hosp"].consignments == 0
    assert flows["cyc-hosp"].activity_bq == 0.0
    # each lane's drawn path runs from its origin to its destination
    sites = {s.id: s for s in small_scenario.sites}
    for lane in small_scenario.lanes:
        f = flows[lane.id]
        o, d = sites[lane.origin], sites[lane.destination]
        assert (f.path_lon[0], f.path_lat[0]) == pytest.approx((o.lon, o.lat), abs=1e-4)
        assert (f.path_lon[-1], f.path_lat[-1]) == pytest.approx((d.lon, d.lat), abs=1e-4)


def test_a_plan_for_another_scenario_is_refused(small_plan, small_scenario):
    other = small_plan.model_copy(update={"allocations": (_alloc("x", 1e9, ("no-such-lane",)),)})
    with pytest.raises(ValueError, match="no-such-lane"):
        lane_flows(other, small_scenario)


# --------------------------------------------------------------------------- decay


def test_decay_curve_endpoints_equal_the_allocations_activities(small_plan):
    assert small_plan.allocations
    for a in small_plan.allocations:
        c = decay_curve(a)
        assert c.activity_bq[0] == pytest.approx(a.activity_eop_bq, rel=1e-9)
        assert c.activity_bq[-1] == pytest.approx(a.activity_admin_bq, rel=1e-9)
        assert c.events[0]["activity_bq"] == pytest.approx(a.activity_eop_bq, rel=1e-9)
        assert c.events[-1]["activity_bq"] == pytest.approx(a.activity_admin_bq, rel=1e-9)
        assert all(x > y for x, y in zip(c.activity_bq, c.activity_bq[1:], strict=False))
        assert c.times[0] == to_iso(a.end_of_production_utc).replace("T", " ").removesuffix("Z")
        assert c.times[-1] == to_iso(a.administration_utc).replace("T", " ").removesuffix("Z")
        assert len(c.events) == 2 + 2 * len(a.legs)


def test_decay_constant_is_the_reference_one(small_plan, ref):
    lu = next(a for a in small_plan.allocations if a.nuclide == "Lu-177")
    c = decay_curve(lu, points=3)
    assert c.decay_constant_per_s == pytest.approx(ref.lam(ref.T_LU177), rel=1e-12)
    # midpoint of the curve: one closed-form evaluation, by hand
    half = (c.hours[-1] * 3600.0) / 2
    assert c.activity_bq[1] == pytest.approx(
        lu.activity_eop_bq * math.exp(-ref.lam(ref.T_LU177) * half), rel=1e-12
    )


def test_decay_curve_needs_two_points(small_plan):
    with pytest.raises(ValueError, match="points"):
        decay_curve(small_plan.allocations[0], points=1)


# --------------------------------------------------------------------------- map


def test_every_site_is_on_the_map(small_plan, small_scenario):
    data = report_data(small_plan, small_scenario)
    sites = data["map"]["sites"]
    assert [s["id"] for s in sites] == [s.id for s in small_scenario.sites]
    lon0, lon1 = data["map"]["lon_range"]
    lat0, lat1 = data["map"]["lat_range"]
    for s in sites:
        assert lon0 < s["lon"] < lon1
        assert lat0 < s["lat"] < lat1
        assert re.fullmatch(r"#[0-9a-f]{6}", s["colour"])
    # and in the page's embedded data
    page = render_html(small_plan, small_scenario)
    embedded = re.search(r'<script type="application/json" id="report-data">(.*?)</script>', page)
    assert embedded
    ids = [s["id"] for s in json.loads(embedded.group(1))["map"]["sites"]]
    assert ids == [s.id for s in small_scenario.sites]


def test_country_outlines_are_embedded_for_the_frame(small_plan, small_scenario):
    from isoflow.adapters.report.html import _outlines

    lines, land = _outlines()
    data = report_data(small_plan, small_scenario, lines, land)
    borders = data["map"]["borders"]
    assert len(borders["lon"]) == len(borders["lat"]) > 1000
    assert None in borders["lon"]
    assert len(data["map"]["land"]["lon"]) > 1000


def test_outlines_are_joined_across_the_antimeridian():
    fiji = [[[179.0, -17.0], [-179.0, -16.0], [-178.0, -17.0]]]
    # seen from the west: one continuous line running past 180 deg
    east = MapFrame((150.0, 200.0), (-40.0, 0.0), 1.0)
    assert outlines_in(fiji, east) == ([179.0, 181.0, 182.0, None], [-17.0, -16.0, -17.0, None])
    # seen from the east: the copy shifted west by 360 deg
    west = MapFrame((-200.0, -150.0), (-40.0, 0.0), 1.0)
    assert outlines_in(fiji, west) == (
        [-181.0, -179.0, -178.0, None],
        [-17.0, -16.0, -17.0, None],
    )
    far = MapFrame((0.0, 10.0), (0.0, 10.0), 1.0)
    assert outlines_in([[[100.0, 50.0], [101.0, 51.0]]], far) == ([], [])


# --------------------------------------------------------------------------- charts, KPIs


# duration and QC release of each process of small.yaml [h], as written there
SMALL_DURATION_QC_H = {
    "irr-lu177": (5 * 24, 12),
    "label-psma": (3, 2),
    "fdg": (2, 0),
    "gen-assembly": (0, 0),
}


def test_gantt_and_shipment_bars(small_plan):
    bars = gantt_bars(small_plan)
    assert len(bars) == len(small_plan.runs)
    for b in bars:
        duration_h, qc_h = SMALL_DURATION_QC_H[b.process]
        assert b.production_ms == duration_h * 3_600_000
        assert b.qc_ms == qc_h * 3_600_000
        assert b.row == f"{b.process} @ {b.site}"
    ships = shipment_bars(small_plan)
    assert len(ships) == len(small_plan.shipments)
    assert all(s.transit_ms > 0 for s in ships)


def test_kpi_tables(small_plan):
    tables = {t.key: t for t in kpi_tables(small_plan)}
    assert set(tables) >= {
        "doses",
        "by_priority",
        "by_country",
        "by_product",
        "activity",
        "cost",
        "unserved",
        "unserved_by_reason",
        "solver",
    }
    k = small_plan.kpis
    assert len(tables["by_country"].rows) == len(k["by_country"])
    served = sum(int(r[2]) for r in tables["by_product"].rows)
    assert served == k["doses"]["served"] == len(small_plan.allocations)
    assert [r[0] for r in tables["unserved"].rows] == [u.booking for u in small_plan.unserved]
    solver = dict(tables["solver"].rows)
    assert small_plan.solver is not None
    assert solver["status"] == small_plan.solver.status
    for t in tables.values():
        assert all(len(r) == len(t.columns) for r in t.rows)


# --------------------------------------------------------------------------- the page


def test_page_is_self_contained(small_plan, small_scenario):
    page = render_html(small_plan, small_scenario)
    assert "Content-Security-Policy" in page
    assert "default-src 'none'" in page
    assert not re.search(r"<script[^>]*\ssrc=", page)
    assert not re.search(r"<link\b", page)
    assert not re.search(r"<(img|iframe|source|video|audio)\b", page)
    assert "url(" not in page.split("<script", 1)[0]  # no CSS fetch
    # exactly the three scripts: data, plotly, ours
    assert page.count("<script") == 3


def test_hostile_text_cannot_break_out_of_the_page(small_plan, small_scenario):
    meta = small_scenario.meta.model_copy(update={"title": "</script><script>alert(1)</script>"})
    hostile = small_scenario.model_copy(update={"meta": meta})
    page = render_html(small_plan, hostile)
    assert page.count("<script") == 3
    assert "<script>alert(1)" not in page
