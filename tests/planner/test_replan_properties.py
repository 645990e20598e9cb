"""Re-plans of generated networks under random events: the past never changes.

For a generated network and a seeded stream of events (:mod:`isoflow.engines.planner.event_stream`),
each revision must:

* pass ``verify`` against the scenario with the events applied;
* keep every run of the parent that started before ``now`` (same batch; same activity, or
  less by the failure's shortfall) and add none that starts before ``now``;
* keep every dose whose consignment left before ``now`` (same batch, legs and doses), unless
  its run failed or its departure is late and it no longer arrives in time, and add none;
* chain to its parent by hash.

Replaying a "delay" of zero (a departure that arrives when it always would) changes nothing:
same doses served, same cost within the gap.
"""

from __future__ import annotations

import random

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from isoflow.domain.calendar import from_epoch
from isoflow.engines.planner.api import PlanOptions, make_plan
from isoflow.engines.planner.event_stream import EventStream
from isoflow.engines.planner.pins import instant
from isoflow.engines.planner.replan import ReplanOptions, replan
from isoflow.engines.planner.revision import diff, figures, plan_hash
from isoflow.engines.planner.solve import SolveOptions
from isoflow.engines.verify import verify
from isoflow.records.revision import ReplanMode
from isoflow.scenario.events import parse_events
from isoflow.scenario.synthetic import generate
from isoflow.units import to_iso

OPTIONS = PlanOptions(solve=SolveOptions(time_limit_s=30.0, mip_gap=1e-4))


def _left(a) -> float:  # type: ignore[no-untyped-def]
    return instant(a.legs[0].depart_utc) if a.legs else instant(a.administration_utc)


@settings(max_examples=4, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    sites=st.integers(3, 4),
    hospitals=st.integers(2, 4),
    seed=st.integers(0, 10_000),
    mode=st.sampled_from([ReplanMode.HARD, ReplanMode.SOFT]),
)
def test_revisions_keep_the_past_and_verify(sites, hospitals, seed, mode) -> None:  # type: ignore[no-untyped-def]
    sc = generate(sites, hospitals, 2, seed, per_hospital_day=2.0)
    parent = make_plan(sc, OPTIONS)
    stream = EventStream(sc, parent, random.Random(seed))
    for _ in range(2):
        now, raw = stream.next()
        events = parse_events({"events": [raw]}).events
        result = replan(
            sc, parent, events, ReplanOptions(now=from_epoch(now), mode=mode, plan=OPTIONS)
        )
        child = result.plan
        assert verify(child, sc) == [], raw
        failed = {raw["batch"]: 1.0} if raw["kind"] == "run_failed" else {}
        runs = {r.batch: r for r in child.runs}
        for r in parent.runs:
            if instant(r.start_utc) < now and r.batch not in failed:
                assert r.batch in runs, (raw, r.batch)
                assert runs[r.batch].activity_eop_bq <= r.activity_eop_bq * (1 + 1e-9)
        before = {r.batch for r in parent.runs}
        assert all(b in before for b, r in runs.items() if instant(r.start_utc) < now)
        kept = {(a.booking, a.batch, a.legs, a.doses) for a in child.allocations}
        gone = set(result.lost_in_transit)
        for a in parent.allocations:
            late = raw["kind"] == "shipment_delayed"
            if _left(a) < now and a.batch not in failed and a.booking not in gone and not late:
                assert (a.booking, a.batch, a.legs, a.doses) in kept, (raw, a.booking)
        old = {(a.booking, a.batch) for a in parent.allocations}
        for a in child.allocations:
            if _left(a) < now:
                assert (a.booking, a.batch) in old, (raw, a.booking)
        assert diff(parent, child).parent_hash == plan_hash(parent)


@pytest.mark.slow
def test_a_delay_of_zero_changes_nothing() -> None:
    sc = generate(3, 3, 2, 11, per_hospital_day=2.0)
    parent = make_plan(sc, OPTIONS)
    flying = sorted(parent.shipments, key=lambda s: s.depart_utc)
    assert flying, "the generated week ships something"
    s = flying[0]
    now = from_epoch((instant(s.depart_utc) + instant(s.arrive_utc)) / 2)
    raw = {
        "kind": "shipment_delayed",
        "lane": s.lane,
        "departure": to_iso(s.depart_utc),
        "arrival": to_iso(s.arrive_utc),
    }
    result = replan(
        sc, parent, parse_events({"events": [raw]}).events, ReplanOptions(now=now, plan=OPTIONS)
    )
    assert verify(result.plan, sc) == []
    a, b = figures(parent), figures(result.plan)
    assert b.doses_served == a.doses_served
    assert b.cost == pytest.approx(a.cost, rel=1e-3, abs=1.0)
