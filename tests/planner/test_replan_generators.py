"""A generator delivered before the re-plan stays delivered at its activity (unsized too).

The generator case with its sizes taken off: one Monday delivery sized for the Tuesday and
Wednesday doses. Re-planned at Tuesday 00:00 with Wednesday's four doses cancelled, the
cheapest answer would deliver a smaller generator; but it left on Monday, so its activity
is history.
"""

from __future__ import annotations

import verify_cases as vc

from isoflow.engines.planner.api import make_plan
from isoflow.engines.planner.replan import ReplanOptions, replan
from isoflow.engines.verify import verify
from isoflow.records.revision import ReplanMode
from isoflow.scenario.events import parse_events
from isoflow.scenario.schema import Scenario
from isoflow.units import parse_datetime


def _unsized() -> Scenario:
    data = vc.generator_data()
    del data["products"][0]["sizes"]
    return Scenario.model_validate(data)


def test_a_delivered_unsized_generator_keeps_its_activity() -> None:
    sc = _unsized()
    parent = make_plan(sc, vc.OPTIONS)
    (delivered,) = parent.generators
    assert delivered.legs[0].depart_utc < parse_datetime("2025-08-05T00:00:00Z")
    events = parse_events(
        {"events": [{"kind": "demand_cancelled", "id": f"d{i}"} for i in range(4, 8)]}
    ).events
    for mode in (ReplanMode.HARD, ReplanMode.SOFT):
        options = ReplanOptions(
            now=parse_datetime("2025-08-05T00:00:00Z"), mode=mode, plan=vc.OPTIONS
        )
        result = replan(sc, parent, events, options)
        (kept,) = result.plan.generators
        assert kept.activity_calibration_bq >= delivered.activity_calibration_bq
        assert kept.activity_calibration_bq <= delivered.activity_calibration_bq * (1 + 1e-7)
        assert sorted(a.booking for a in result.plan.allocations) == ["d0", "d1", "d2", "d3"]
        assert verify(result.plan, sc) == []
