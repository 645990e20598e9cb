"""Export demand in the capacity analysis and its weekly profile, by hand.

One Australian reactor makes 1 TBq of bulk Lu-177 (T½ 6.647 d, shelf life 14 d) each Monday;
2026 has 52 Mondays, one in each seven-day block from Thursday 1 January (block 51, 24-31
December, holds 28 December). Europe, a market in NL (Europe/Amsterdam, UTC+1 in March),
orders two exports:

* 8 units of 100 GBq for 4 March 12:00 UTC (13:00 local): block (4 March - 1 January) // 7
  = 62 // 7 = 8, week 9;
* 2 units of 100 GBq for 4 March 23:30 UTC, 00:30 on 5 March local: block 63 // 7 = 9,
  week 10 (the market's local date, not the UTC one).

A unit is decayed back over the delivery lead ``min(24 h, 14 d / 4) = 24 h``: 100 GBq ·
2^(1/6.647) = 110.98 GBq at EOP. Week 9 asks 8 x 110.98 = 887.9 GBq: below the 1 TBq of the
week plus 35 % reserve (1198.6 GBq) for the world, a shortfall for Europe (no capacity);
week 10 asks 221.96 GBq. The year asks 1109.8 GBq, no doses.
"""

from __future__ import annotations

from datetime import date
from typing import Any

import pytest
from analysis_cases import scenario, site

from isoflow.engines.analysis.capacity import CapacityOptions, capacity_vs_demand
from isoflow.engines.analysis.weekly import weekly_profile

GBQ = 1e9
PER_UNIT_EOP = 100 * GBQ * 2.0 ** (1 / 6.647)  # 110.98 GBq
OPTIONS = CapacityOptions(2026, 2026, grouping="region")


def export(id_: str, when: str, units: int) -> dict[str, Any]:
    return {
        "id": id_,
        "hospital": "eu",
        "product": "lu177",
        "calibration": when,
        "doses": units,
        "activity": "100 GBq",
    }


def network() -> Any:
    market = site("eu", "market", country="NL")
    market["timezone"] = "Europe/Amsterdam"
    return scenario(
        meta={"name": "exports", "start": "2026-03-02T00:00:00Z", "horizon": "7 d"},
        products=[
            {"id": "lu177", "stage": "bulk_isotope", "nuclide": "Lu-177", "shelf_life": "14 d"}
        ],
        sites=[site("opal", "reactor", country="AU"), market],
        processes=[
            {
                "id": "irr",
                "site": "opal",
                "kind": "irradiation",
                "output": "lu177",
                "batch_max": "1 TBq",
                "duration": "12 h",
                "availability": {"windows": [{"days": ["Mon"]}]},
            }
        ],
        lanes=[
            {"id": "air", "origin": "opal", "destination": "eu", "mode": "air", "transit": "20 h"}
        ],
        demand={
            "orders": [
                export("x9", "2026-03-04T12:00:00Z", 8),
                export("x10", "2026-03-04T23:30:00Z", 2),
            ]
        },
    )


def test_the_annual_rows_count_export_activity_but_no_doses() -> None:
    res = capacity_vs_demand(network(), OPTIONS)
    rows = {r.region: r for r in res.rows}
    assert set(rows) == {"Europe", "Oceania", "World"}
    for region in ("Europe", "World"):
        assert rows[region].demand_bq == pytest.approx(10 * PER_UNIT_EOP, rel=1e-9)
        assert rows[region].demand_doses == 0
    assert rows["World"].capacity_bq == pytest.approx(52e12, rel=1e-12)
    assert rows["Europe"].status == "shortfall"
    assert rows["Oceania"].demand_bq == 0
    by_order = {e.order: e for e in res.exports}
    assert by_order["x9"].day == date(2026, 3, 4)
    assert by_order["x10"].day == date(2026, 3, 5)
    assert by_order["x9"].eop_bq_per_unit == pytest.approx(PER_UNIT_EOP, rel=1e-9)
    assert (by_order["x9"].isotope, by_order["x9"].share, by_order["x9"].delivery_lead_h) == (
        "Lu-177",
        1.0,
        24.0,
    )
    assert by_order["x9"].demand_bq == pytest.approx(8 * PER_UNIT_EOP, rel=1e-9)


def test_the_weekly_profile_puts_each_export_in_the_week_of_its_local_date() -> None:
    rows = weekly_profile(network(), 2026, OPTIONS)
    world = {r.week: r for r in rows if r.region == "World"}
    europe = {r.week: r for r in rows if r.region == "Europe"}
    assert world[9].demand_bq == pytest.approx(8 * PER_UNIT_EOP, rel=1e-9)
    assert world[9].required_bq == pytest.approx(1.35 * 8 * PER_UNIT_EOP, rel=1e-9)
    assert (world[9].capacity_bq, world[9].status) == (1e12, "below_reserve")
    assert world[10].demand_bq == pytest.approx(2 * PER_UNIT_EOP, rel=1e-9)
    assert world[10].status == "ok"
    assert all(world[w].demand_bq == 0 for w in world if w not in (9, 10))
    assert europe[9].status == "shortfall"
    assert europe[10].status == "shortfall"
    assert [w for w, r in europe.items() if r.demand_bq > 0] == [9, 10]
