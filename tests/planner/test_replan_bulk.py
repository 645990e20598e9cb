"""A re-plan after a bulk input has left: the run it was shipped for is kept.

The small scenario: reactor-kr's Lu-177 (``irr-lu177``) goes by one road leg to cdmo-sg,
whose labelling run (``label-psma``) serves b1 and b2. Re-planned just after that leg has
departed, with both bookings cancelled, the labelling run serves nobody; but the consignment
is on its way to it and its departure cannot be unmade. The revision keeps the run with the
input as shipped (its activity then goes to waste), so that the shipment lists exactly what
the plan's legs put on it and ``verify`` finds nothing (before, the run was dropped and the
shipment listed a consignment the plan no longer had).
"""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path

from isoflow.engines.planner.api import PlanOptions, make_plan
from isoflow.engines.planner.replan import ReplanOptions, replan
from isoflow.engines.verify import verify
from isoflow.records.revision import ReplanMode
from isoflow.scenario.events import apply_events, parse_events
from isoflow.scenario.load import load_scenario
from isoflow.units import to_iso

SMALL = Path(__file__).resolve().parents[1] / "scenario" / "data" / "small.yaml"
OPTIONS = PlanOptions()


def test_a_shipped_input_keeps_the_run_it_was_shipped_for() -> None:
    sc = load_scenario(SMALL)
    parent = make_plan(sc, OPTIONS)
    (user,) = [r for r in parent.runs if r.inputs]
    (inp,) = user.inputs
    departed = inp.legs[0].depart_utc
    assert departed < user.start_utc
    served = sorted(a.booking for a in parent.allocations if a.batch == user.batch)
    assert served == ["b1", "b2"]
    now = departed + timedelta(minutes=1)
    cancelled = [{"kind": "demand_cancelled", "id": b} for b in served]
    events = parse_events({"events": cancelled}).events
    result = replan(sc, parent, events, ReplanOptions(now=now, mode=ReplanMode.HARD, plan=OPTIONS))
    assert verify(result.plan, sc) == []
    (kept,) = [r for r in result.plan.runs if r.batch == user.batch]
    assert [(i.batch, i.activity_eop_bq) for i in kept.inputs] == [(inp.batch, inp.activity_eop_bq)]
    assert [a for a in result.plan.allocations if a.batch == user.batch] == []
    leg = inp.legs[0]
    (ship,) = [
        s
        for s in result.plan.shipments
        if s.lane == leg.lane and to_iso(s.depart_utc) == to_iso(leg.depart_utc)
    ]
    assert list(ship.batches) == [inp.batch]
    assert user.batch not in result.plan.revision.diff.runs_removed


def test_a_source_down_from_the_start_still_gives_a_warm_start() -> None:
    """reactor-kr down over the whole week, re-planned from the parent's earliest run: the
    parent's labelling run at cdmo-sg has lost its only input, so keeping every decision but
    the doses breaks its feed row. The repair then lets decisions fall too: the start keeps
    the rest of the parent's plan (before, the re-plan started cold)."""
    sc = load_scenario(SMALL)
    parent = make_plan(sc, OPTIONS)
    (user,) = [r for r in parent.runs if r.inputs]
    (source,) = [r for r in parent.runs if r.batch == user.inputs[0].batch]
    down = {"kind": "site_down", "site": source.site, "start": "2025-07-01T00:00:00Z",
            "end": "2025-09-01T00:00:00Z"}  # fmt: skip
    events = parse_events({"events": [down]}).events
    opts = ReplanOptions(now=parent.earliest_run_utc, mode=ReplanMode.SOFT, plan=OPTIONS)
    result = replan(sc, parent, events, opts)
    assert result.plan.solver is not None
    assert "warm start" in result.plan.solver.message
    assert "some of its runs, flows or departures dropped" in result.plan.solver.message
    assert verify(result.plan, apply_events(sc, events)) == []
    assert all(r.site != source.site for r in result.plan.runs)
    kept = {a.booking for a in result.plan.allocations}
    others = {a.booking for a in parent.allocations if a.batch != user.batch}
    assert others <= kept  # what did not hang on the lost source is still served


def test_a_site_down_while_a_run_is_under_way_keeps_the_run_and_verifies() -> None:
    """The site of a run goes down a minute after the run started (the re-plan's now). The
    run is history and kept; ``verify`` does not call it a run during the outage, since the
    outage began after it started. A run of the plan's future during the outage still is."""
    sc = load_scenario(SMALL)
    parent = make_plan(sc, OPTIONS)
    run = min(parent.runs, key=lambda r: r.start_utc)
    now = run.start_utc + timedelta(minutes=1)
    assert now < run.end_of_production_utc
    down = {"kind": "site_down", "site": run.site, "start": to_iso(now),
            "end": to_iso(now + timedelta(days=1))}  # fmt: skip
    events = parse_events({"events": [down]}).events
    result = replan(sc, parent, events, ReplanOptions(now=now, mode=ReplanMode.HARD, plan=OPTIONS))
    assert run.batch in {r.batch for r in result.plan.runs}
    assert verify(result.plan, sc) == []
    # the same run, had it started after now, would be a run during the outage
    later = result.plan.revision.model_copy(update={"now_utc": run.start_utc})
    moved = result.plan.model_copy(update={"revision": later})
    assert [v.code for v in verify(moved, sc) if v.subject == f"run {run.batch}"] == [
        "site_unavailable"
    ]
