"""Re-planning from events, on a network whose best responses are derived by hand.

Two cyclotrons make FDG for one hospital on Tuesday 14:00 UTC (dispensing buffer 30 min, so
the dose must arrive by 13:30):

* ``cyc-a``: cheap (fixed 1,000), may start only 04:00-05:00 on Tuesday, 1 h by road (100);
* ``cyc-b``: dear (fixed 3,000), may start any time, 2 h by road (300).

Both runs take 2 h with 1 h QC release, so a run of ``cyc-b`` serves the dose if it starts
by 13:30 - 2 h - 1 h - 2 h = 08:30. The parent plan uses ``cyc-a`` (derived: 1,100 against
3,300 plus its greater decay). Each case states the event, ``now``, and the response worked
out by hand.
"""

from __future__ import annotations

import math

import pytest
from planner_cases import FDG, MONDAY, scenario, site

from isoflow.engines.planner.api import PlanOptions, make_plan
from isoflow.engines.planner.pins import instant
from isoflow.engines.planner.replan import ReplanOptions, replan
from isoflow.engines.planner.revision import diff, plan_hash
from isoflow.engines.planner.solve import SolveOptions
from isoflow.engines.verify import verify
from isoflow.records.revision import ReplanMode
from isoflow.scenario.events import parse_events
from isoflow.scenario.issues import ScenarioIssuesError
from isoflow.units import parse_datetime

TUESDAY = "2025-08-05"
OPTIONS = PlanOptions(lead_s=0.0, solve=SolveOptions(time_limit_s=20.0, mip_gap=1e-6))
F18_HALF_LIFE_S = 109.77 * 60


def at(clock: str) -> str:
    return f"{TUESDAY}T{clock}:00Z"


def network(timetable: bool = False, **changes: object) -> object:
    processes = [
        {
            "id": "fdg-a",
            "site": "cyc-a",
            "kind": "synthesis",
            "output": "fdg",
            "batch_max": "100 GBq",
            "duration": "2 h",
            "qc_release": "1 h",
            "fixed_cost": 1000.0,
            "availability": {"windows": [{"days": ["Tue"], "start": "04:00", "end": "05:00"}]},
        },
        {
            "id": "fdg-b",
            "site": "cyc-b",
            "kind": "synthesis",
            "output": "fdg",
            "batch_max": "100 GBq",
            "duration": "2 h",
            "qc_release": "1 h",
            "fixed_cost": 3000.0,
        },
    ]
    lanes = [
        {
            "id": "a-road",
            "origin": "cyc-a",
            "destination": "hosp",
            "mode": "road",
            "transit": "1 h",
            "cost_per_shipment": 100.0,
        },
        {
            "id": "b-road",
            "origin": "cyc-b",
            "destination": "hosp",
            "mode": "road",
            "transit": "2 h",
            "cost_per_shipment": 300.0,
        },
    ]
    if timetable:  # the cheap van leaves at 08:30 only
        lanes[0]["timetable"] = [{"days": ["Tue"], "time": "08:30"}]
    return scenario(
        products=[FDG],
        sites=[site("cyc-a", "cyclotron"), site("cyc-b", "cyclotron"), site("hosp", "hospital")],
        processes=processes,
        lanes=lanes,
        demand={
            "bookings": [
                {"id": "b1", "hospital": "hosp", "product": "fdg", "administration": at("14:00")}
            ]
        },
        **changes,
    )


@pytest.fixture(scope="module")
def parent():  # type: ignore[no-untyped-def]
    sc = network()
    return sc, make_plan(sc, OPTIONS)


def events(*items: dict[str, object]):  # type: ignore[no-untyped-def]
    return parse_events({"events": list(items)}).events


def run_of(plan, process):  # type: ignore[no-untyped-def]
    found = [r for r in plan.runs if r.process == process]
    assert len(found) == 1, [r.batch for r in plan.runs]
    return found[0]


def sound(result, base) -> None:  # type: ignore[no-untyped-def]
    """The revision verifies against the base scenario (its events applied by verify), and
    against the changed scenario once its events are taken off."""
    assert verify(result.plan, base) == []
    bare = result.plan.model_copy(update={"revision": None})
    assert verify(bare, result.scenario) == []
    assert result.plan.solver.status == "optimal"


def test_parent_is_the_cheap_cyclotron(parent) -> None:  # type: ignore[no-untyped-def]
    _sc, plan = parent
    assert [(a.booking, a.site) for a in plan.allocations] == [("b1", "cyc-a")]
    run = run_of(plan, "fdg-a")
    assert instant(at("04:00")) <= instant(run.start_utc) < instant(at("05:00"))


def test_no_event_keeps_the_plan(parent) -> None:  # type: ignore[no-untyped-def]
    sc, plan = parent
    for mode in (ReplanMode.HARD, ReplanMode.SOFT):
        result = replan(sc, plan, (), ReplanOptions(mode=mode, plan=OPTIONS))
        sound(result, sc)
        d = diff(plan, result.plan)
        assert (d.kept, d.moved, d.lost, d.runs_added, d.runs_removed) == (1, (), (), (), ())
        assert d.after.cost == pytest.approx(d.before.cost, rel=1e-9)


def test_qc_failure_moves_the_dose_to_the_other_cyclotron(parent) -> None:  # type: ignore[no-untyped-def]
    """fdg-a fails QC at 08:00 (after it ran): cyc-b, free to start from 08:00, must start
    by 08:30; the latest start needs the least activity, so 08:30 exactly (a run timed for
    the booking). The failed run releases nothing and leaves the plan."""
    sc, plan = parent
    failed = run_of(plan, "fdg-a").batch
    ev = events({"kind": "run_failed", "batch": failed, "shortfall": 1.0})
    result = replan(sc, plan, ev, ReplanOptions(now=parse_datetime(at("08:00")), plan=OPTIONS))
    sound(result, sc)
    (a,) = result.plan.allocations
    assert a.site == "cyc-b"
    b_run = run_of(result.plan, "fdg-b")
    assert instant(b_run.start_utc) == instant(at("08:30"))
    # activity at EOP 10:30 for 370 MBq at 14:00: 370 MBq * 2**(3.5 h / T1/2)
    assert a.activity_eop_bq == pytest.approx(370e6 * 2 ** (3.5 * 3600 / F18_HALF_LIFE_S), 1e-6)
    assert [r.process for r in result.plan.runs] == ["fdg-b"]  # the failed run gives nothing
    d = diff(plan, result.plan, failed={failed: 1.0})
    assert d.moved == ("b1",)
    assert d.lost == ()
    assert d.runs_added == (b_run.batch,)


def test_qc_failure_too_late_for_any_other_run_loses_the_dose(parent) -> None:  # type: ignore[no-untyped-def]
    """At 09:00 cyc-b can no longer start in time (08:30 was the last start): lost."""
    sc, plan = parent
    failed = run_of(plan, "fdg-a").batch
    ev = events({"kind": "run_failed", "batch": failed})
    result = replan(sc, plan, ev, ReplanOptions(now=parse_datetime(at("09:00")), plan=OPTIONS))
    sound(result, sc)
    assert result.plan.allocations == ()
    d = diff(plan, result.plan, failed={failed: 1.0})
    assert [(x.booking, x.doses, x.cause) for x in d.lost] == [("b1", 1, "run_failed")]


def test_site_down_before_the_week_moves_the_dose(parent) -> None:  # type: ignore[no-untyped-def]
    sc, plan = parent
    ev = events({"kind": "site_down", "site": "cyc-a", "start": MONDAY, "end": at("23:00")})
    result = replan(sc, plan, ev, ReplanOptions(plan=OPTIONS))
    sound(result, sc)
    assert [a.site for a in result.plan.allocations] == ["cyc-b"]


def test_lane_closed_moves_the_dose_and_verify_sees_a_closed_lane(parent) -> None:  # type: ignore[no-untyped-def]
    sc, plan = parent
    ev = events({"kind": "lane_closed", "lane": "a-road", "start": MONDAY})
    result = replan(sc, plan, ev, ReplanOptions(plan=OPTIONS))
    sound(result, sc)
    assert [a.site for a in result.plan.allocations] == ["cyc-b"]
    codes = {v.code for v in verify(plan, result.scenario)}
    assert codes == {"lane_closed"}  # the parent's route is now barred


@pytest.fixture(scope="module")
def timetabled():  # type: ignore[no-untyped-def]
    sc = network(timetable=True)
    return sc, make_plan(sc, OPTIONS)


def test_late_consignment_still_in_time_is_kept(timetabled) -> None:  # type: ignore[no-untyped-def]
    """The van leaves at 08:30 and lands at 09:30; 3 h late it still lands by 13:30: kept,
    with its late arrival on record (verify accepts it against the delayed lane)."""
    sc, plan = timetabled
    (leg,) = plan.allocations[0].legs
    assert instant(leg.depart_utc) == instant(at("08:30"))
    late = instant(at("12:30"))
    ev = events(
        {
            "kind": "shipment_delayed",
            "lane": "a-road",
            "departure": at("08:30"),
            "arrival": at("12:30"),
        }
    )
    result = replan(sc, plan, ev, ReplanOptions(now=parse_datetime(at("08:40")), plan=OPTIONS))
    sound(result, sc)
    (a,) = result.plan.allocations
    assert (a.site, instant(a.legs[0].arrive_utc)) == ("cyc-a", late)
    d = diff(plan, result.plan, late=result.lost_in_transit)
    assert (d.kept, d.lost, result.lost_in_transit) == (1, (), ())


def test_late_consignment_past_its_deadline_is_lost(timetabled) -> None:  # type: ignore[no-untyped-def]
    """The van lands at 13:45, after 13:30; at 08:40 cyc-b can no longer start in time
    (08:30 was its last start), so the dose is lost to the delay."""
    sc, plan = timetabled
    ev = events(
        {
            "kind": "shipment_delayed",
            "lane": "a-road",
            "departure": at("08:30"),
            "arrival": at("13:45"),
        }
    )
    result = replan(sc, plan, ev, ReplanOptions(now=parse_datetime(at("08:40")), plan=OPTIONS))
    sound(result, sc)
    assert result.lost_in_transit == ("b1",)
    assert result.plan.allocations == ()
    d = diff(plan, result.plan, late=result.lost_in_transit)
    assert [(x.booking, x.cause) for x in d.lost] == [("b1", "shipment_delayed")]


def test_urgent_booking_after_the_run_started(parent) -> None:  # type: ignore[no-untyped-def]
    """A second dose for 14:00 added a minute after fdg-a started. The run is history: made,
    at the parent's activity, which holds b1's dose and no more (checked). So b2 needs cyc-b,
    and then b1 is better on cyc-b's run too: the started run's 1,000 is spent either way,
    and one shipment from cyc-b (3,000 + 300) beats 100 from cyc-a plus 3,300 from cyc-b."""
    sc, plan = parent
    ev = events(
        {
            "kind": "booking_added",
            "booking": {
                "id": "b2",
                "hospital": "hosp",
                "product": "fdg",
                "administration": at("14:00"),
            },
        }
    )
    run = run_of(plan, "fdg-a")
    assert run.activity_eop_bq == pytest.approx(run.activity_allocated_bq, rel=1e-9)
    now = parse_datetime(_iso(instant(run.start_utc) + 60))
    result = replan(sc, plan, ev, ReplanOptions(now=now, plan=OPTIONS))
    sound(result, sc)
    assert {a.booking: a.site for a in result.plan.allocations} == {"b1": "cyc-b", "b2": "cyc-b"}
    d = diff(plan, result.plan)
    assert (d.moved, d.gained) == (("b1",), ("b2",))


def test_soft_mode_prefers_the_parent_when_change_is_dear(parent) -> None:  # type: ignore[no-untyped-def]
    """cyc-a's window moves so that its run is a little dearer in decay but still serves;
    with a large stability weight the booking stays on the parent's site (here: the same
    cheapest answer either way, so the weight must not make the plan dearer)."""
    sc, plan = parent
    soft = replan(sc, plan, (), ReplanOptions(mode=ReplanMode.SOFT, stability=1e5, plan=OPTIONS))
    sound(soft, sc)
    assert diff(plan, soft.plan).kept == 1


def test_events_name_what_the_scenario_lacks(parent) -> None:  # type: ignore[no-untyped-def]
    sc, plan = parent
    ev = events({"kind": "lane_closed", "lane": "nowhere", "start": MONDAY})
    with pytest.raises(ScenarioIssuesError) as err:
        replan(sc, plan, ev, ReplanOptions(plan=OPTIONS))
    assert "events.0.lane: unknown lane 'nowhere'" in str(err.value)


def test_revision_hash_changes_with_the_plan(parent) -> None:  # type: ignore[no-untyped-def]
    sc, plan = parent
    ev = events({"kind": "lane_closed", "lane": "a-road", "start": MONDAY})
    result = replan(sc, plan, ev, ReplanOptions(plan=OPTIONS))
    assert plan_hash(plan) != plan_hash(result.plan)
    assert diff(plan, result.plan).parent_hash == plan_hash(plan)
    assert plan_hash(plan).startswith("sha256:")
    assert len(plan_hash(plan)) == 71


def _iso(t: float) -> str:
    from datetime import UTC, datetime

    assert math.isfinite(t)
    return datetime.fromtimestamp(t, UTC).isoformat().replace("+00:00", "Z")


def urgent_b2():  # type: ignore[no-untyped-def]
    """A second FDG dose for the hospital, on Tuesday at 14:00 as b1."""
    (new,) = events(
        {
            "kind": "booking_added",
            "booking": {"id": "b2", "hospital": "hosp", "product": "fdg",
                        "administration": at("14:00")},
        }
    )  # fmt: skip
    return new


def test_recommend_ranks_the_ways_to_serve_an_urgent_dose(parent) -> None:  # type: ignore[no-untyped-def]
    """Before the week, with the parent pinned, a second 14:00 dose can ride in fdg-a's run
    (room up to 100 GBq) on the van b1 already takes: nothing added (no variable or package
    cost). Barring that, the same run on a van of its own adds one shipment (100). Every
    way is a plan verify accepts, and the costs do not fall with rank."""
    from isoflow.engines.planner.recommend import recommend

    sc, plan = parent
    new = urgent_b2()
    rec = recommend(sc, plan, new, top=3, options=OPTIONS)
    ways = rec.ways
    assert [(w.site, w.batch, w.new_run) for w in ways[:2]] == [
        ("cyc-a", run_of(plan, "fdg-a").batch, False),
        ("cyc-a", run_of(plan, "fdg-a").batch, False),
    ]
    assert ways[0].legs == plan.allocations[0].legs
    assert ways[0].cost_delta == pytest.approx(0.0, abs=1e-6)
    assert ways[1].cost_delta == pytest.approx(100.0, abs=1e-6)
    assert [w.cost_delta for w in ways] == sorted(w.cost_delta for w in ways)
    changed = sc.model_copy(
        update={
            "demand": sc.demand.model_copy(update={"bookings": (*sc.demand.bookings, new.booking)})
        }
    )
    for w in ways:
        assert verify(w.plan, changed) == []


def test_recommend_on_a_revised_plan_checks_its_ways_with_the_earlier_events(parent) -> None:  # type: ignore[no-untyped-def]
    """The parent is a revision that added b2; recommending b3 on it, each way's plan holds
    b2 as well, so it is checked against the base with both added (by the base with only b3
    added, every way would name b2 an unknown booking)."""
    from isoflow.engines.planner.recommend import check_ways, recommend

    sc, plan = parent
    revised = replan(sc, plan, (urgent_b2(),), ReplanOptions(plan=OPTIONS)).plan
    assert "b2" in {a.booking for a in revised.allocations}
    (b3,) = events(
        {
            "kind": "booking_added",
            "booking": {"id": "b3", "hospital": "hosp", "product": "fdg",
                        "administration": at("14:00")},
        }
    )  # fmt: skip
    rec = recommend(sc, revised, b3, top=2, options=OPTIONS)
    assert rec.ways
    assert check_ways(rec) == [()] * len(rec.ways)
    assert all("b2" in {a.booking for a in w.plan.allocations} for w in rec.ways)


def test_a_new_run_started_earlier_is_not_another_way(parent) -> None:  # type: ignore[no-untyped-def]
    """Asked for six ways, recommend finds three: b1's van (0), fdg-a's run on a van of its
    own (100), and a new fdg-b run by b-road (fixed 3,000 + road 300). fdg-b started earlier
    on the same road is the same way (the planner picks the start), so it is not listed
    again, and nothing else can serve a 14:00 dose (fdg-a's window holds one run)."""
    from isoflow.engines.planner.recommend import recommend

    sc, plan = parent
    new = urgent_b2()
    ways = recommend(sc, plan, new, top=6, options=OPTIONS).ways
    assert [(w.site, w.new_run, [g.lane for g in w.legs]) for w in ways] == [
        ("cyc-a", False, ["a-road"]),
        ("cyc-a", False, ["a-road"]),
        ("cyc-b", True, ["b-road"]),
    ]
    assert [w.cost_delta for w in ways] == pytest.approx([0.0, 100.0, 3300.0], abs=1e-6)


def test_revisions_chain_and_carry_their_events(parent) -> None:  # type: ignore[no-untyped-def]
    """Revision 1 closes a-road; revision 2 (of revision 1) adds a booking: it is numbered
    2, links to revision 1's hash, carries both events, and verify checks it against the
    base scenario with both applied. The booking goes to cyc-b with b1 (a-road is closed)."""
    sc, plan = parent
    first = replan(
        sc,
        plan,
        events({"kind": "lane_closed", "lane": "a-road", "start": MONDAY}),
        ReplanOptions(plan=OPTIONS),
    )
    added = events(
        {
            "kind": "booking_added",
            "booking": {
                "id": "b2",
                "hospital": "hosp",
                "product": "fdg",
                "administration": at("14:00"),
            },
        }
    )
    second = replan(sc, first.plan, added, ReplanOptions(plan=OPTIONS))
    rev = second.plan.revision
    assert rev is not None
    assert first.plan.revision is not None
    assert (first.plan.revision.number, rev.number) == (1, 2)
    assert rev.parent_hash == plan_hash(first.plan) == rev.diff.parent_hash
    assert [e.kind for e in rev.events] == ["lane_closed", "booking_added"]
    assert rev.new_events == 1
    assert verify(second.plan, sc) == []
    assert {a.booking: a.site for a in second.plan.allocations} == {"b1": "cyc-b", "b2": "cyc-b"}
    import tempfile
    from pathlib import Path

    from isoflow.adapters.plan_files import read_plan, write_plan

    with tempfile.TemporaryDirectory() as tmp:
        write_plan(second.plan, Path(tmp))
        again = read_plan(Path(tmp))
    assert again == second.plan
    assert plan_hash(again) == plan_hash(second.plan)


def test_the_parent_repaired_is_the_start(parent) -> None:  # type: ignore[no-untyped-def]
    """With no event the parent is a feasible start as it is: nothing is dropped. After
    fdg-a fails QC at 08:00 (x fixed at 0), the repair must drop b1's one dose unit (its run
    gives nothing) and still hand a start over; the solver then finds cyc-b's 08:30 run."""
    from isoflow.records.revision import ReplanStart

    sc, plan = parent
    same = replan(sc, plan, (), ReplanOptions(plan=OPTIONS))
    assert same.plan.revision.start == ReplanStart.REPAIRED
    assert "(0 of its dose units dropped)" in same.plan.revision.start_note
    failed = run_of(plan, "fdg-a").batch
    ev = events({"kind": "run_failed", "batch": failed, "shortfall": 1.0})
    result = replan(sc, plan, ev, ReplanOptions(now=parse_datetime(at("08:00")), plan=OPTIONS))
    sound(result, sc)
    assert result.plan.revision.start == ReplanStart.REPAIRED
    assert "(1 of its dose units dropped)" in result.plan.revision.start_note
    assert [a.site for a in result.plan.allocations] == ["cyc-b"]
    cold = replan(
        sc,
        plan,
        ev,
        ReplanOptions(now=parse_datetime(at("08:00")), plan=OPTIONS, warm_start=False),
    )
    assert cold.plan.revision.start == ReplanStart.COLD
    assert cold.plan.revision.start_note == "cold start (asked for)"
    assert cold.plan.solver.objective == pytest.approx(result.plan.solver.objective, rel=1e-6)


def test_only_the_touched_parts_are_re_planned(parent) -> None:  # type: ignore[no-untyped-def]
    """With nothing changed no part is touched: every part keeps the parent's plan. With
    a-road closed, b1's dose has no candidate left, so its part is re-planned: cyc-b (the
    runs of cyc-a, cut off from the hospital, are a part of their own, left unmade)."""
    sc, plan = parent
    same = replan(sc, plan, (), ReplanOptions(plan=OPTIONS, keep_untouched=True))
    assert "the events do not touch keep the parent's plan" in same.plan.solver.message
    assert not same.plan.solver.message.startswith("0 independent")
    d = diff(plan, same.plan)
    assert (d.kept, d.moved, d.lost) == (1, (), ())
    ev = events({"kind": "lane_closed", "lane": "a-road", "start": MONDAY})
    closed = replan(sc, plan, ev, ReplanOptions(plan=OPTIONS, keep_untouched=True))
    sound(closed, sc)
    assert [a.site for a in closed.plan.allocations] == ["cyc-b"]
    assert [r.process for r in closed.plan.runs] == ["fdg-b"]
