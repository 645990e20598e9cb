"""A hospital that discards each generator's first elution: hand-solved sizing.

The generator case of :mod:`test_hand_solved` (Mo-99/Tc-99m generators of 5 and 10 GBq
assembled Monday 00:00, a 2 h van, elution at 06:00 daily, doses of 1 GBq at 08-11 h on
Tuesday and Wednesday). With ``discard_first_elution`` the generator is first eluted at the
first slot after it arrives, Monday 06:00, to waste; Tuesday's and Wednesday's elutions then
grow from an emptied column (Bateman by hand, ``tc99m_eluted``), and the generator is sized
to the tighter of the two.
"""

from __future__ import annotations

import math

import pytest
from test_hand_solved import HOUR, TC99M_HALF_LIFE_S, generator_case, growth, tc99m_eluted

from isoflow.engines.planner.api import PlanOptions, make_plan
from isoflow.engines.verify import verify
from isoflow.units import to_iso


def test_the_first_elution_goes_to_waste_and_the_generator_is_sized_without_it() -> None:
    base, _ = generator_case(["5 GBq", "10 GBq"])
    procs = tuple(
        p.model_copy(update={"discard_first_elution": True}) if p.id == "elute" else p
        for p in base.processes
    )
    sc = base.model_copy(update={"processes": procs})
    plan = make_plan(sc, PlanOptions(lead_s=0.0))
    assert verify(plan, sc) == []
    assert len(plan.allocations) == 8
    (gen,) = plan.generators
    assert [to_iso(e.time_utc) for e in gen.elutions] == [
        "2025-08-04T06:00:00Z",
        "2025-08-05T06:00:00Z",
        "2025-08-06T06:00:00Z",
    ]
    waste, tue, wed = tc99m_eluted([6.0, 30.0, 54.0], 0.9)
    need_per_day = sum(1e9 * growth(TC99M_HALF_LIFE_S, (h - 6) * HOUR) for h in (8, 9, 10, 11))
    expected_gbq = math.ceil(max(need_per_day / tue, need_per_day / wed) / 5e9) * 5.0
    assert gen.activity_calibration_bq == pytest.approx(expected_gbq * 1e9, rel=1e-9)
    assert gen.elutions[0].daughter_bq == 0.0  # to waste, though it held Tc-99m
    assert waste > 0
    assert gen.elutions[1].daughter_bq == pytest.approx(tue * expected_gbq * 1e9, rel=1e-6)
    assert gen.elutions[2].daughter_bq == pytest.approx(wed * expected_gbq * 1e9, rel=1e-6)
