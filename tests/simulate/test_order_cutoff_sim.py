"""Extra doses arriving during the simulated week and the order cut-off of the runs.

One maker of Lu-177 (runs 06:00-07:00 every day, 1 h, QC 1 h, 1 TBq batches, 2 h by road)
and two patients on Friday at 10:00 and 10:15 (30 min dispensing buffer: doses due by 09:30
and 09:45). A Friday run would arrive at 10:00 at the earliest, so the plan makes
Thursday's run (the latest, needing least activity: start 06:59) for both. Extra doses
arrive Poisson (0.8 per booked dose) and are known two days ahead (``extra_notice_s``): on
Wednesday at 10:00 and 10:15, when only Thursday's run has not started yet. The batch
holds far more than every extra dose needs, and nothing fails, so by hand:

* no cut-off: Thursday's run starts (06:59) after the notices, every extra dose is served;
* a 12 h cut-off: orders for Thursday's run close on Wednesday at 18:59, after the notices:
  every extra dose is served;
* a 1 d cut-off: they close on Wednesday at 06:59, before the notices, and every earlier run
  has started: every extra dose is missed (cause ``demand_surge``), the booked ones served.

Both engines, fed one world, keep the same records.
"""

from __future__ import annotations

import pytest
from one_world import both_engines, differences
from sim_cases import LU, MONDAY, road, site

from isoflow.engines.planner.api import PlanOptions, make_plan
from isoflow.engines.simulate import ModelOptions, build_model
from isoflow.engines.simulate.tally import SUMMARY_COLUMNS
from isoflow.scenario.schema import Scenario
from isoflow.units import to_iso

DAY = 86400.0
REPS = 400


def week(cutoff: str | None) -> Scenario:
    maker = {
        "id": "make",
        "site": "a",
        "kind": "irradiation",
        "output": "lu",
        "batch_max": "1 TBq",
        "duration": "1 h",
        "qc_release": "1 h",
        "availability": {"windows": [{"start": "06:00", "end": "07:00"}]},
    }
    if cutoff is not None:
        maker["order_cutoff"] = cutoff
    bookings = [
        {"id": f"b{i}", "hospital": "hosp", "product": "lu", "administration": t}
        for i, t in enumerate(("2025-08-08T10:00:00Z", "2025-08-08T10:15:00Z"))
    ]
    return Scenario.model_validate(
        {
            "meta": {"name": "cutoff", "start": MONDAY, "horizon": "7 d"},
            "products": [LU],
            "sites": [site("a", "reactor"), site("hosp", "hospital")],
            "processes": [maker],
            "lanes": [road("a-hosp", "a")],
            "demand": {"bookings": bookings},
            "disruptions": {"extra_booking_rate": 0.8},
        }
    )


def simulated(cutoff: str | None):
    sc = week(cutoff)
    plan = make_plan(sc, PlanOptions(lead_s=0.0))
    assert {to_iso(a.end_of_production_utc) for a in plan.allocations} == {"2025-08-07T07:59:00Z"}
    model, _ = build_model(sc, plan, ModelOptions(extra_notice_s=2 * DAY))
    fast, ref = both_engines(model, seed=3, reps=REPS)
    assert differences(fast, ref) == []
    col = {name: fast.summary[:, i] for i, name in enumerate(SUMMARY_COLUMNS)}
    return fast, col


@pytest.mark.parametrize("cutoff", [None, "12 h"])
def test_extra_doses_known_before_the_cut_off_are_served(cutoff):
    _, col = simulated(cutoff)
    assert col["extra"].sum() > 0.5 * REPS  # about 1.6 a replication
    assert (col["missed"] == 0).all()
    assert (col["served"] == 2 + col["extra"]).all()


def test_extra_doses_known_after_the_cut_off_are_missed():
    fast, col = simulated("1 d")
    assert col["extra"].sum() > 0.5 * REPS
    assert (col["missed"] == col["extra"]).all()
    assert (col["served"] == 2).all()
    from isoflow.engines.simulate.codes import CAUSES

    assert fast.missed_cause[:, CAUSES.index("demand_surge")].sum() == col["extra"].sum()
