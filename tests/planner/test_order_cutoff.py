"""A therapy made on a weekly calendar with an order cut-off: hand-solved plans.

A CDMO makes Lu-177-PSMA (T½ 6.647 d, ICRP-107) on Mondays and Wednesdays only (runs start
06:00-06:30 UTC, 2 h each, so the latest start 06:29 ends production at 08:29), and takes
orders until 3 days before a run starts. A hospital 1 h away by road (30 min dispensing
buffer) gives a dose of 7.4 GBq on Monday at 14:00 and another on Thursday at 10:00. A run
costs 50,000 USD, so one Monday run serves both when it may.

* the Thursday dose ordered before any cut-off: the Monday run serves both;
* ordered on the Friday before at 12:00, after the Monday run's cut-off (Friday 06:00-06:29)
  but before the Wednesday run's (Sunday 06:29): the Wednesday run serves it, exactly
  decayed from Wednesday 08:29 to Thursday 10:00 (25 h 31 min);
* ordered on Sunday at 12:00, after both cut-offs: no run before Thursday fits (the next is
  the following Monday), so it is unserved for ``order_cutoff``.
"""

from __future__ import annotations

import pytest
from planner_cases import scenario, site

from isoflow.engines.planner.api import PlanOptions, make_plan
from isoflow.engines.verify import verify
from isoflow.units import to_iso

LU177_HALF_LIFE_S = 6.647 * 86400
HOUR = 3600.0
DOSE = 7.4e9


def therapy_week(ordered: str | None, second: str = "2025-08-07T10:00:00Z"):
    thursday = {
        "id": "thu",
        "hospital": "onc",
        "product": "lu-psma",
        "administration": second,
    }
    if ordered is not None:
        thursday["ordered"] = ordered
    return scenario(
        products=[
            {
                "id": "lu-psma",
                "stage": "drug_product",
                "nuclide": "Lu-177",
                "shelf_life": "5 d",
                "dose": {"activity": "7.4 GBq", "tolerance": 0.05},
            }
        ],
        sites=[site("cdmo", "cdmo"), site("onc", "hospital")],
        processes=[
            {
                "id": "label",
                "site": "cdmo",
                "kind": "labelling",
                "output": "lu-psma",
                "batch_max": "100 GBq",
                "duration": "2 h",
                "fixed_cost": 50000.0,
                "variable_cost_per_gbq": 10.0,
                "order_cutoff": "3 d",
                "availability": {
                    "windows": [{"days": ["Mon", "Wed"], "start": "06:00", "end": "06:30"}]
                },
            }
        ],
        lanes=[
            {"id": "van", "origin": "cdmo", "destination": "onc", "mode": "road", "transit": "1 h"}
        ],
        demand={
            "bookings": [
                {
                    "id": "mon",
                    "hospital": "onc",
                    "product": "lu-psma",
                    "administration": "2025-08-04T14:00:00Z",
                },
                thursday,
            ]
        },
    )


def grown(hours: float) -> float:
    """Activity [Bq] a dose of 7.4 GBq needs ``hours`` before administration."""
    return DOSE * 2.0 ** (hours * HOUR / LU177_HALF_LIFE_S)


def planned(ordered: str | None):
    sc = therapy_week(ordered)
    plan = make_plan(sc, PlanOptions(lead_s=0.0))
    assert verify(plan, sc) == []
    return plan, {a.booking: a for a in plan.allocations}


MON_EOP = "2025-08-04T08:29:00Z"
WED_EOP = "2025-08-06T08:29:00Z"


def test_ordered_before_every_cut_off_one_monday_run_serves_both() -> None:
    plan, served = planned(None)
    assert [to_iso(r.end_of_production_utc) for r in plan.runs] == [MON_EOP]
    assert to_iso(served["thu"].end_of_production_utc) == MON_EOP
    # Monday 08:29 to Thursday 10:00: 73 h 31 min
    assert served["thu"].activity_eop_bq == pytest.approx(grown(73 + 31 / 60), rel=1e-9)


def test_ordered_after_the_monday_cut_off_the_wednesday_run_serves_it() -> None:
    plan, served = planned("2025-08-01T12:00:00Z")
    assert sorted(to_iso(r.end_of_production_utc) for r in plan.runs) == [MON_EOP, WED_EOP]
    mon, thu = served["mon"], served["thu"]
    assert to_iso(mon.end_of_production_utc) == MON_EOP
    assert mon.activity_eop_bq == pytest.approx(grown(5 + 31 / 60), rel=1e-9)
    assert to_iso(thu.end_of_production_utc) == WED_EOP
    assert thu.activity_eop_bq == pytest.approx(grown(25 + 31 / 60), rel=1e-9)
    assert thu.activity_admin_bq == pytest.approx(DOSE, rel=1e-9)
    assert not plan.unserved


def test_ordered_after_every_cut_off_it_is_unserved_for_the_cut_off() -> None:
    plan, served = planned("2025-08-03T12:00:00Z")
    assert set(served) == {"mon"}
    (u,) = plan.unserved
    assert (u.booking, u.reason) == ("thu", "order_cutoff")


def test_a_tuesday_dose_ordered_after_the_monday_cut_off_has_no_later_run() -> None:
    # Wednesday's run comes after Tuesday 10:00: nothing that could serve it in time was
    # still taking orders on Friday at 12:00
    sc = therapy_week("2025-08-01T12:00:00Z", second="2025-08-05T10:00:00Z")
    plan = make_plan(sc, PlanOptions(lead_s=0.0))
    assert verify(plan, sc) == []
    assert [a.booking for a in plan.allocations] == ["mon"]
    (u,) = plan.unserved
    assert (u.booking, u.reason) == ("thu", "order_cutoff")
    ordered_in_time = therapy_week("2025-07-31T12:00:00Z", second="2025-08-05T10:00:00Z")
    plan = make_plan(ordered_in_time, PlanOptions(lead_s=0.0))
    # Monday 08:29 to Tuesday 10:00: 25 h 31 min
    served = {a.booking: a for a in plan.allocations}
    assert served["thu"].activity_eop_bq == pytest.approx(grown(25 + 31 / 60), rel=1e-9)


def test_ordered_just_before_the_wednesday_cut_off_is_in_time() -> None:
    # the latest Wednesday start is 06:29, so the last order time is Sunday 06:29
    plan, served = planned("2025-08-03T06:29:00Z")
    assert to_iso(served["thu"].end_of_production_utc) == WED_EOP
    plan, served = planned("2025-08-03T06:30:00Z")
    assert "thu" not in served
    assert [u.reason for u in plan.unserved] == ["order_cutoff"]


def test_verify_rejects_the_monday_run_for_a_dose_ordered_after_its_cut_off() -> None:
    plan, served = planned(None)  # the Monday run serves Thursday's dose
    assert to_iso(served["thu"].end_of_production_utc) == MON_EOP
    late = therapy_week("2025-08-01T12:00:00Z")
    found = verify(plan, late)
    assert [(v.code, v.subject) for v in found] == [("order_cutoff", "allocation thu")]
    assert "orders close 3 d before it starts" in found[0].detail
