"""The demand generator and dispatch calendars: therapy bookings on the days the runs reach.

A CDMO makes a Lu-177 therapy (shelf life 30 h) on Mondays and Wednesdays only (runs start
06:00-06:30 UTC, 2 h), takes orders until 5 days before a run starts, and ships by a 1 h
road to two hospitals (UTC, therapy hours 09:00-14:00). By hand, with the generator's 2 h
margins at both ends:

* a Monday run arrives from 09:00 (start 06:00, end 08:00, road 1 h), so its doses may be
  given from 11:00; the last run (start 06:30, end 08:30) keeps until Tuesday 14:30, so
  until 12:30: Monday 11:00-13:45 and Tuesday 09:00-12:30 (15-minute slots); the same for
  Wednesday and Thursday; never on Friday;
* a dose for Monday or Tuesday is ordered by Wednesday 06:00 the week before (Monday 06:00
  less 5 d), a Wednesday or Thursday dose by Friday 06:00, at most 3 days earlier.

Without the cut-off the same rates are drawn on every weekday (Friday included, though no
run reaches it); with it, the week's expected doses move onto Monday to Thursday.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from isoflow.engines.planner.api import PlanOptions, make_plan
from isoflow.engines.verify import verify
from isoflow.scenario.bookings import generate_bookings, generate_demand
from isoflow.scenario.schema import Booking, Scenario

MONDAY = datetime(2025, 8, 4, tzinfo=UTC)


def site(id_: str, kind: str) -> dict:
    return {
        "id": id_,
        "name": id_,
        "country": "KR",
        "lat": 37.5,
        "lon": 127.0,
        "timezone": "UTC",
        "kind": [kind],
    }


def calendar_week(cutoff: str | None, per_week: float = 40.0) -> Scenario:
    process = {
        "id": "label",
        "site": "cdmo",
        "kind": "labelling",
        "output": "lu-psma",
        "batch_max": "1 TBq",
        "max_batches_per_day": 4,
        "duration": "2 h",
        "availability": {"windows": [{"days": ["Mon", "Wed"], "start": "06:00", "end": "06:30"}]},
    }
    if cutoff is not None:
        process["order_cutoff"] = cutoff
    return Scenario.model_validate(
        {
            "meta": {"name": "calendar", "start": MONDAY.isoformat(), "horizon": "7 d"},
            "products": [
                {
                    "id": "lu-psma",
                    "stage": "drug_product",
                    "nuclide": "Lu-177",
                    "shelf_life": "30 h",
                    "dose": {"activity": "7.4 GBq", "tolerance": 0.1},
                }
            ],
            "sites": [site("cdmo", "cdmo"), site("h1", "hospital"), site("h2", "hospital")],
            "processes": [process],
            "lanes": [
                {
                    "id": f"to-{h}",
                    "origin": "cdmo",
                    "destination": h,
                    "mode": "road",
                    "transit": "1 h",
                }
                for h in ("h1", "h2")
            ],
            "demand": {
                "rates": [{"country": "KR", "product": "lu-psma", "doses_per_week": per_week}]
            },
        }
    )


def reachable(t: datetime) -> bool:
    """By hand: Mon/Wed 11:00-13:45 and Tue/Thu 09:00-12:30 (see the module docstring)."""
    minute = t.hour * 60 + t.minute
    if t.weekday() in (0, 2):
        return 11 * 60 <= minute <= 13 * 60 + 45
    if t.weekday() in (1, 3):
        return 9 * 60 <= minute <= 12 * 60 + 30
    return False


def order_by(t: datetime) -> datetime:
    """The latest order time: the first run start of the week's run window less 5 days."""
    run = MONDAY if t.weekday() in (0, 1) else MONDAY + timedelta(days=2)
    return run + timedelta(hours=6) - timedelta(days=5)


def check_calendar(bookings: tuple[Booking, ...]) -> None:
    assert bookings
    for b in bookings:
        assert reachable(b.administration), b
        assert b.ordered is not None, b
        assert order_by(b.administration) - timedelta(days=3) <= b.ordered, b
        assert b.ordered <= order_by(b.administration), b
        assert (b.ordered.second, b.ordered.microsecond) == (0, 0)


@pytest.mark.parametrize("seed", [1, 2, 3])
def test_bookings_fall_on_reachable_days_and_are_ordered_before_the_cut_off(seed):
    check_calendar(generate_bookings(calendar_week("5 d"), MONDAY, 7, seed, share={"lu-psma": 1}))
    bookings, orders = generate_demand(calendar_week("5 d"), MONDAY, 7, seed)
    check_calendar(bookings)
    assert orders == ()  # a therapy: per-patient bookings


def test_without_the_cut_off_friday_is_booked_and_nothing_is_ordered():
    bookings = generate_bookings(calendar_week(None), MONDAY, 7, 1, share={"lu-psma": 1})
    assert any(b.administration.weekday() == 4 for b in bookings)
    assert all(b.ordered is None for b in bookings)


def test_the_week_keeps_its_expected_doses():
    # 40 doses a week over 5 weekdays of 5.25 weighted days; Poisson over 30 weeks each
    seeds = range(30)
    free = sum(
        len(generate_bookings(calendar_week(None), MONDAY, 7, s, share={"lu-psma": 1}))
        for s in seeds
    )
    fixed = sum(
        len(generate_bookings(calendar_week("5 d"), MONDAY, 7, s, share={"lu-psma": 1}))
        for s in seeds
    )
    expected = 30 * 40 * 5 / 5.25
    assert abs(free - expected) < 5 * expected**0.5
    # with the calendar a few slots of Monday and Wednesday mornings are out of reach
    assert abs(fixed - expected) < 5 * expected**0.5


def test_the_planner_serves_every_generated_booking():
    sc = calendar_week("5 d", per_week=8.0)
    bookings = generate_bookings(sc, MONDAY, 7, 4, share={"lu-psma": 1})
    sc = sc.model_copy(update={"demand": sc.demand.model_copy(update={"bookings": bookings})})
    plan = make_plan(sc, PlanOptions(lead_s=0.0))
    assert verify(plan, sc) == []
    assert len(plan.allocations) == len(bookings)
    assert not plan.unserved


def test_isoflow_scenario_demand_writes_the_order_times(tmp_path):
    from typer.testing import CliRunner

    from isoflow.adapters.cli.app import _register, app
    from isoflow.scenario.load import load_scenario, save_scenario

    src = save_scenario(calendar_week("5 d"), tmp_path / "calendar.yaml")
    out = tmp_path / "full.yaml"
    _register()
    res = CliRunner().invoke(
        app, ["scenario", "demand", str(src), "--days", "7", "--seed", "2", "--out", str(out)]
    )
    assert res.exit_code == 0, res.output
    written = load_scenario(out).demand.bookings
    assert written == generate_demand(calendar_week("5 d"), MONDAY, 7, 2)[0]
    check_calendar(written)
