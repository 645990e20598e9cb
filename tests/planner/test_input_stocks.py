"""Input stocks limit production: a hand-solved O-18 water shortage, and the rule itself."""

from __future__ import annotations

from typing import Any

import pytest
from planner_cases import FDG, MONDAY, scenario, site

from isoflow.engines.planner.api import PlanOptions, make_plan
from isoflow.engines.planner.candidates import CandidateOptions
from isoflow.engines.verify import verify
from isoflow.scenario import rules
from isoflow.scenario.schema import Departure, InputStock, Scenario
from isoflow.units import parse_datetime, to_iso

WATER = {"id": "o18-water", "stage": "target_material", "nuclide": "O-18", "unit": "mL"}
HOURLY = PlanOptions(lead_s=0.0, candidates=CandidateOptions(start_step_half_lives=0.5))
DAYS = ("2025-08-05", "2025-08-06", "2025-08-07")  # Tue, Wed, Thu


def fdg_week(stock_ml: float | None, priorities: tuple[int, int, int] = (3, 3, 5)) -> Scenario:
    """One cyclotron (2.5 mL of O-18 water a run, runs 05:00-07:00), one hospital 1 h away,
    one dose a day at 10:00 on Tue, Wed and Thu (F-18 keeps 10 h: one run a day)."""
    stocks: list[dict[str, Any]] = (
        [] if stock_ml is None else [{"product": "o18-water", "per_week": stock_ml}]
    )
    return scenario(
        products=[FDG, WATER],
        sites=[site("cyc", "cyclotron", stocks=stocks), site("hosp", "hospital")],
        processes=[
            {
                "id": "fdg-run",
                "site": "cyc",
                "kind": "synthesis",
                "output": "fdg",
                "inputs": [{"product": "o18-water", "per_batch": 2.5}],
                "batch_max": "100 GBq",
                "duration": "1 h",
                "fixed_cost": 1000.0,
                "availability": {"windows": [{"start": "05:00", "end": "07:00"}]},
            }
        ],
        lanes=[
            {
                "id": "road",
                "origin": "cyc",
                "destination": "hosp",
                "mode": "road",
                "transit": "1 h",
                "cost_per_shipment": 50.0,
            }
        ],
        demand={
            "bookings": [
                {
                    "id": f"dose-{i}",
                    "hospital": "hosp",
                    "product": "fdg",
                    "administration": f"{day}T10:00:00Z",
                    "priority": priority,
                }
                for i, (day, priority) in enumerate(zip(DAYS, priorities, strict=True))
            ]
        },
    )


def test_without_a_stock_every_day_gets_its_run():
    plan = make_plan(fdg_week(None), HOURLY)
    assert {a.booking for a in plan.allocations} == {"dose-0", "dose-1", "dose-2"}
    assert len(plan.runs) == 3


def test_five_ml_a_week_makes_two_runs_and_drops_the_deferrable_dose():
    # 5 mL / 2.5 mL a run = 2 runs in the week; the priority-5 Thursday dose is the one to go
    sc = fdg_week(5.0)
    plan = make_plan(sc, HOURLY)
    assert not verify(plan, sc)
    assert {a.booking for a in plan.allocations} == {"dose-0", "dose-1"}
    assert sorted(to_iso(r.start_utc)[:10] for r in plan.runs) == ["2025-08-05", "2025-08-06"]
    assert [(u.booking, u.reason) for u in plan.unserved] == [("dose-2", "input_stock")]


def test_which_dose_goes_follows_priority():
    sc = fdg_week(5.0, priorities=(5, 3, 3))
    plan = make_plan(sc, HOURLY)
    assert {a.booking for a in plan.allocations} == {"dose-1", "dose-2"}


def test_stock_for_one_run_and_a_half_allows_one():
    plan = make_plan(fdg_week(3.75), HOURLY)
    assert len(plan.runs) == 1
    assert {u.reason for u in plan.unserved} == {"input_stock"}


def test_a_dose_lost_to_a_full_lane_is_not_blamed_on_the_stock():
    # enough water for every run, but the road leaves once a day (08:00) with room for one
    # package: of two Tuesday doses one is lost to the lane, and the reason says capacity
    sc = fdg_week(7.5)
    road = sc.lanes[0].model_copy(
        update={"timetable": (Departure(time="08:00"),), "capacity_packages": 1}
    )
    tuesday = sc.demand.bookings[0]
    second = tuesday.model_copy(update={"id": "dose-0b", "priority": 5})
    demand = sc.demand.model_copy(update={"bookings": (*sc.demand.bookings, second)})
    plan = make_plan(sc.model_copy(update={"lanes": (road,), "demand": demand}), HOURLY)
    assert [(u.booking, u.reason) for u in plan.unserved] == [("dose-0b", "capacity_exhausted")]


def test_verify_flags_a_plan_using_more_than_the_stock():
    plan = make_plan(fdg_week(None), HOURLY)  # three runs: 7.5 mL
    violations = verify(plan, fdg_week(5.0))
    assert [(v.code, v.subject) for v in violations] == [("stock_exceeded", "site cyc")]
    assert "uses 7.5 of o18-water in week 1" in violations[0].detail


def test_activity_feeds_are_not_stock_limited_and_weeks_count_from_the_horizon():
    process = fdg_week(5.0).processes[0]
    assert rules.input_uses(process) == {"o18-water": 2.5}
    start = parse_datetime(MONDAY).timestamp()
    week = 7 * 86400.0
    assert rules.horizon_week(start - 1.0, start) == 0
    assert rules.horizon_week(start + week - 1.0, start) == 0
    assert rules.horizon_week(start + week, start) == 1


@pytest.mark.parametrize("bad", [-1.0, "many"])
def test_a_stock_must_be_a_non_negative_amount(bad: Any):
    with pytest.raises(ValueError, match="per_week"):
        fdg_week(bad)


def test_a_stock_of_an_unknown_material_is_a_reference_error():
    from isoflow.scenario.validate import check_references

    sc = fdg_week(5.0)
    wrong = InputStock(product="o18-watter", per_week=5.0)
    sites = [sc.sites[0].model_copy(update={"stocks": (wrong,)}), *sc.sites[1:]]
    issues = check_references(sc.model_copy(update={"sites": tuple(sites)}))
    assert [(i.path, i.code) for i in issues] == [
        (("sites", 0, "stocks", 0, "product"), "unknown_ref")
    ]
    assert "unknown product 'o18-watter'" in issues[0].message
