"""The consignment decay view of a hand-solved generator plan (``adapters/api/consignment``).

The generator case of :mod:`test_hand_solved`: Mo-99/Tc-99m generators assembled Monday
00:00, a 2 h van, elutions at 06:00. The curve is the parent's activity, recomputed here in
closed form from the published half-life (``A_cal · 2^(-Δt/T½)``, T½ = 65.94 h); its times
and elutions are the plan record's own.
"""

from __future__ import annotations

from datetime import datetime

import pytest
from test_hand_solved import MO99_HALF_LIFE_S, generator_case

from isoflow.adapters.api.consignment import ConsignmentKind, consignment_view
from isoflow.engines.planner.api import PlanOptions, make_plan


def _dt(a: datetime, b: datetime) -> float:
    return (b - a).total_seconds()


def test_a_generator_delivery_decays_from_calibration_to_its_last_elution() -> None:
    sc, _ = generator_case(["5 GBq", "10 GBq"])
    plan = make_plan(sc, PlanOptions(lead_s=0.0))
    (gen,) = plan.generators
    (run,) = [r for r in plan.runs if r.batch == gen.batch]
    view = consignment_view("r1", plan, ConsignmentKind.GENERATOR, gen.batch, gen.site, points=5)
    assert view.nuclide == "Mo-99"
    assert view.half_life_s == pytest.approx(MO99_HALF_LIFE_S, rel=1e-3)
    assert view.start_utc == run.end_of_production_utc  # calibration: the assembly's EOP
    assert view.end_utc == gen.elutions[-1].time_utc
    assert view.points[0].time_utc == view.start_utc
    assert view.points[-1].time_utc == view.end_utc
    for p in view.points:
        dt = _dt(view.start_utc, p.time_utc)
        closed = gen.activity_calibration_bq * 2.0 ** (-dt / MO99_HALF_LIFE_S)
        assert p.activity_bq == pytest.approx(closed, rel=2e-4 * (1 + dt / MO99_HALF_LIFE_S))
    elutions = [m for m in view.markers if m.kind == "elution"]
    assert [m.time_utc for m in elutions] == [e.time_utc for e in gen.elutions]
    assert [getattr(m, "daughter_bq", None) for m in elutions] == [
        e.daughter_bq for e in gen.elutions
    ]
    kinds = [m.kind for m in view.markers]
    assert kinds[:2] == ["end_of_production", "release"]
    legs = [(m.kind, m.time_utc) for m in view.markers if m.kind in ("departure", "arrival")]
    assert legs == [
        x for leg in gen.legs for x in (("departure", leg.depart_utc), ("arrival", leg.arrive_utc))
    ]
    times = [m.time_utc for m in view.markers]
    assert times == sorted(times)


def test_a_consignment_the_plan_does_not_make_is_named() -> None:
    sc, _ = generator_case(["5 GBq", "10 GBq"])
    plan = make_plan(sc, PlanOptions(lead_s=0.0))
    (gen,) = plan.generators
    with pytest.raises(LookupError, match="no generators of batch 'nope' to 'hosp'"):
        consignment_view("r1", plan, ConsignmentKind.GENERATOR, "nope", "hosp")
    with pytest.raises(LookupError, match="no run 'nope'"):
        consignment_view("r1", plan, ConsignmentKind.INPUT, gen.batch, "nope")
    with pytest.raises(ValueError, match="points must be from 2"):
        consignment_view("r1", plan, ConsignmentKind.GENERATOR, gen.batch, gen.site, points=1)
