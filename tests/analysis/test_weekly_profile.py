"""Capacity week by week, by hand: two cyclotrons whose outages overlap for one week.

Two F-18 cyclotrons of one 0.5 TBq batch a day (UTC, all day), KR demand 5,000 doses a week;
each dose needs 370 MBq · 2^(2.5 h / T½) ≈ 0.954 GBq at EOP (the annual analysis's
conversion). 2025 starts on a Wednesday; week k covers days 7(k−1) to 7k−1 from 1 January, so
week 10 is 5-11 March, week 11 12-18 March, week 12 19-25 March, and week 52 takes the last
eight days (24-31 December). Cyclotron a is out 5-18 March (weeks 10-11), b 12-25 March
(weeks 11-12):

* weeks 10 and 12: one cyclotron (a down, then b), 7 x 0.5 = 3.5 TBq < 4.77 TBq: shortfall;
* week 11: nothing (both down): shortfall with both sites down;
* other weeks: 7 TBq >= 4.77 x 1.35 = 6.44 TBq: ok; week 52: 8 TBq for 8 days of demand.
"""

from __future__ import annotations

import pytest
from analysis_cases import FDG, booking, fdg_process, scenario, site

from isoflow.engines.analysis.capacity import CapacityOptions
from isoflow.engines.analysis.weekly import weekly_profile

TBQ = 1e12


def overlapping_outages():
    def outage(start: str, end: str) -> dict:
        return {"outages": [{"start": start, "end": end}]}

    return scenario(
        products=[FDG],
        sites=[site("cyc-a", "cyclotron"), site("cyc-b", "cyclotron"), site("hosp", "hospital")],
        processes=[
            fdg_process(
                "a",
                "cyc-a",
                "0.5 TBq",
                availability=outage("2025-03-05T00:00Z", "2025-03-19T00:00Z"),
            ),
            fdg_process(
                "b",
                "cyc-b",
                "0.5 TBq",
                availability=outage("2025-03-12T00:00Z", "2025-03-26T00:00Z"),
            ),
        ],
        demand={
            "bookings": [booking("x", "hosp", "2025-08-05T10:00:00Z")],
            "rates": [{"country": "KR", "product": "fdg", "doses_per_week": 5000}],
        },
    )


def test_weeks_of_overlapping_outages_are_short_with_both_sites_down(ref):
    per_dose = 370e6 * 2 ** (2.5 * 3600 / ref.T_F18)
    weekly_demand = 5000 * per_dose
    assert weekly_demand == pytest.approx(4.77 * TBQ, rel=1e-3)
    rows = weekly_profile(overlapping_outages(), 2025, CapacityOptions(grouping="country"))
    kr = {r.week: r for r in rows if r.region == "KR"}
    assert sorted(kr) == list(range(1, 53))
    expected = {10: (3.5, "cyc-a"), 11: (0.0, "cyc-a;cyc-b"), 12: (3.5, "cyc-b")}
    for week, row in kr.items():
        cap, down = expected.get(week, (8.0 if week == 52 else 7.0, ""))
        days = 8 if week == 52 else 7
        assert row.capacity_bq == pytest.approx(cap * TBQ, rel=1e-12), week
        assert row.demand_bq == pytest.approx(weekly_demand * days / 7, rel=1e-6), week
        assert row.required_bq == pytest.approx(1.35 * row.demand_bq, rel=1e-12)
        assert row.sites_down == down, week
        assert row.status == ("shortfall" if week in expected else "ok"), week
    # the annual totals hide it: 365 days less 14 + 14 outage days = 351 TBq a year
    assert sum(r.capacity_bq for r in kr.values()) == pytest.approx((730 - 28) * 0.5 * TBQ)
