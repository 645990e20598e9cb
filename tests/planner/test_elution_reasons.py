"""A dose no elution can serve is outside the operating hours, not over the batch limit.

Elutions happen at fixed instants, not anywhere in their window: here the window is the whole
day and one elution a day gives one slot at its start, 00:00. A Tc-99m dose (shelf life 12 h)
due at 20:00 on Tuesday could only come from an elution between Tuesday 08:00 and 19:30
(dispensing buffer 30 min); the slots are Tuesday 00:00 (20 h before) and Wednesday 00:00
(after): no elution fits, the reason is ``outside_operating_hours`` (a run could start in the
window, so the calendar alone does not tell). The same dose at 10:00 is served from
Tuesday's 00:00 elution.
"""

from __future__ import annotations

from planner_cases import scenario, site

from isoflow.engines.planner.api import PlanOptions, make_plan
from isoflow.engines.verify import verify
from isoflow.units import to_iso

GEN = {
    "id": "tc-gen",
    "stage": "generator",
    "nuclide": "Mo-99",
    "daughter": "Tc-99m",
    "shelf_life": "14 d",
}
DOSE = {
    "id": "tc-dose",
    "stage": "drug_product",
    "nuclide": "Tc-99m",
    "shelf_life": "12 h",
    "dose": {"activity": "1 GBq", "tolerance": 0.1},
}


def test_a_dose_between_elution_slots_is_outside_operating_hours() -> None:
    bookings = [
        {
            "id": "early",
            "hospital": "hosp",
            "product": "tc-dose",
            "administration": "2025-08-05T20:00:00Z",
        },
        {
            "id": "later",
            "hospital": "hosp",
            "product": "tc-dose",
            "administration": "2025-08-05T10:00:00Z",
        },
    ]
    sc = scenario(
        products=[GEN, DOSE],
        sites=[site("maker", "generator_maker"), site("hosp", "hospital")],
        processes=[
            {
                "id": "assemble",
                "site": "maker",
                "kind": "generator_assembly",
                "output": "tc-gen",
                "batch_max": "1 TBq",
                "availability": {"windows": [{"days": ["Mon"], "start": "00:00", "end": "01:00"}]},
            },
            {
                "id": "elute",
                "site": "hosp",
                "kind": "elution",
                "output": "tc-dose",
                "inputs": [{"product": "tc-gen", "activity_feed": True}],
                "batch_max": "1 TBq",
                "max_batches_per_day": 1,
            },
        ],
        lanes=[
            {
                "id": "van",
                "origin": "maker",
                "destination": "hosp",
                "mode": "road",
                "transit": "2 h",
            }
        ],
        demand={"bookings": bookings},
    )
    plan = make_plan(sc, PlanOptions(lead_s=0.0))
    assert verify(plan, sc) == []
    assert [(a.booking, to_iso(a.end_of_production_utc)) for a in plan.allocations] == [
        ("later", "2025-08-05T00:00:00Z")
    ]
    assert [(u.booking, u.reason) for u in plan.unserved] == [("early", "outside_operating_hours")]
