"""Tc-99m doses per six-day Ci of a tiny Mo-99/Tc-99m generator, derived by hand.

A generator line (the Mo-99 supply: its end of production is the generator's calibration)
ships generators to a hospital in UTC that elutes at 06:00 (15 min, 90 % efficiency) as a
fixed routine (``elute_every_slot``), discards each generator's first elution and replaces
the generator a week after it arrives (``replace_every: 7 d``). Doses are 740 MBq with a
12 h shelf life.

By hand, from the capacity analysis's stated assumptions:

* the generator is delivered the transfer lead ``min(48 h, 14 d / 4)`` = 48 h after its
  calibration and arrives at midnight before the week's first elution (Monday 4 Aug 2025
  00:00), so it is calibrated Saturday 00:00 and replaced next Monday 00:00 (216 h);
* weekday routine: it is eluted Monday to Friday at 54, 78, 102, 126 and 150 h after
  calibration; every-day routine: also Saturday and Sunday (174, 198 h);
* two-member Bateman between elutions (ICRP-107, as the nuclide data: Mo-99 65.94 h,
  Tc-99m 6.015 h, branching Mo-99 -> Tc-99m 0.8773); each elution removes 90 %;
* Monday's eluate is discarded; the demand calendar books doses Monday to Friday (weight
  1), Saturday (0.25) and never on Sunday, so Sunday's eluate is waste;
* the generator gives the same doses every week, so its size is set by its weakest
  elution per share: each dispensing elution serves ``share x min(eluted / share)``, the
  rest of its eluate is left over;
* a dose needs 740 MBq x 2^(3 h / 6.015 h) at the end of its elution (delivery lead
  ``min(24 h, 12 h / 4)``) and 2^(0.25 h / 6.015 h) times that at the elution's start;
* one six-day Ci is 1 Ci x 2^(144 h / 65.94 h) of Mo-99 at calibration.
"""

from __future__ import annotations

import math
from datetime import date
from typing import Any

import pytest
from analysis_cases import scenario, site

from isoflow.engines.analysis.capacity import dose_requirements
from isoflow.scenario.generator_life import generator_life
from isoflow.scenario.schema import Scenario

HOUR = 3600.0
T_MO = 65.94 * HOUR
T_TC = 6.015 * HOUR
BRANCH = 0.8773
EFFICIENCY = 0.9
SIX_DAY_CI_BQ = 3.7e10 * 2.0 ** (144.0 / 65.94)
DOSE_AT_SLOT_BQ = 740e6 * 2.0 ** (3.0 / 6.015) * 2.0 ** (0.25 / 6.015)
"""Tc-99m at the start of an elution per dose [Bq]."""
REPLACED_H = 216.0
WEEKDAYS_H = [54.0, 78.0, 102.0, 126.0, 150.0]
EVERY_DAY_H = [*WEEKDAYS_H, 174.0, 198.0]
SHARES = {54.0: 1.0, 78.0: 1.0, 102.0: 1.0, 126.0: 1.0, 150.0: 1.0, 174.0: 0.25, 198.0: 0.0}
"""Each elution's share of the week's doses (Monday 54 h ... Sunday 198 h)."""


def bateman_week(schedule_h: list[float]) -> tuple[list[float], float, float]:
    """Tc-99m eluted at each time, then Tc-99m and Mo-99 left at replacement [Bq per Bq]."""
    lp, ld = math.log(2) / T_MO, math.log(2) / T_TC
    mo, tc, now, out = 1.0, 0.0, 0.0, []
    for hours in [*schedule_h, REPLACED_H]:
        dt = (hours - now) * HOUR
        tc = tc * math.exp(-ld * dt) + BRANCH * ld / (ld - lp) * mo * (
            math.exp(-lp * dt) - math.exp(-ld * dt)
        )
        mo *= math.exp(-lp * dt)
        now = hours
        if hours != REPLACED_H:
            out.append(EFFICIENCY * tc)
            tc *= 1.0 - EFFICIENCY
    return out, tc, mo


def by_hand(schedule_h: list[float]) -> dict[str, Any]:
    """Eluted, dispensed and wasted per Bq of Mo-99 at calibration, and doses per six-day Ci."""
    eluted, tc_left, mo_left = bateman_week(schedule_h)
    dosing = [
        (e, SHARES[h]) for e, h in zip(eluted[1:], schedule_h[1:], strict=True) if SHARES[h] > 0
    ]
    rate = min(e / s for e, s in dosing)
    dispensed = sum(s * rate for _, s in dosing)
    return {
        "eluted": eluted,
        "first": eluted[0],
        "no_doses": sum(
            e for e, h in zip(eluted[1:], schedule_h[1:], strict=True) if SHARES[h] == 0
        ),
        "left_over": sum(e - s * rate for e, s in dosing),
        "dispensed": dispensed,
        "in_generator": tc_left,
        "parent_left": mo_left,
        "doses_per_six_day_ci": SIX_DAY_CI_BQ * dispensed / DOSE_AT_SLOT_BQ,
    }


def weekly_generator(days: list[str]) -> Scenario:
    return scenario(
        products=[
            {
                "id": "tc-gen",
                "stage": "generator",
                "nuclide": "Mo-99",
                "daughter": "Tc-99m",
                "shelf_life": "14 d",
            },
            {
                "id": "tc-dose",
                "stage": "drug_product",
                "nuclide": "Tc-99m",
                "shelf_life": "12 h",
                "dose": {"activity": "740 MBq", "tolerance": 0.1},
            },
        ],
        sites=[site("maker", "generator_maker"), site("hosp", "hospital")],
        processes=[
            {
                "id": "assemble",
                "site": "maker",
                "kind": "generator_assembly",
                "output": "tc-gen",
                "batch_max": "1 TBq",
            },
            {
                "id": "elute",
                "site": "hosp",
                "kind": "elution",
                "output": "tc-dose",
                "inputs": [{"product": "tc-gen", "activity_feed": True}],
                "elution_efficiency": EFFICIENCY,
                "batch_max": "1 TBq",
                "discard_first_elution": True,
                "elute_every_slot": True,
                "replace_every": "7 d",
                "duration": "15 min",
                "availability": {"windows": [{"days": days, "start": "06:00", "end": "06:30"}]},
            },
        ],
    )


CASES = {
    "weekdays": (["Mon", "Tue", "Wed", "Thu", "Fri"], WEEKDAYS_H),
    "every day": (["Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun"], EVERY_DAY_H),
}


@pytest.mark.parametrize("case", CASES)
def test_doses_per_six_day_ci_follow_the_generator_week(case: str) -> None:
    days, schedule_h = CASES[case]
    hand = by_hand(schedule_h)
    (req,) = [r for r in dose_requirements(weekly_generator(days)) if r.product == "tc-dose"]
    assert req.isotope == "Mo-99"
    assert SIX_DAY_CI_BQ / req.eop_bq_per_dose == pytest.approx(
        hand["doses_per_six_day_ci"], rel=1e-6
    )


@pytest.mark.parametrize("case", CASES)
def test_a_generator_elutes_dispenses_and_wastes_by_hand(case: str) -> None:
    days, schedule_h = CASES[case]
    hand = by_hand(schedule_h)
    sc = weekly_generator(days)
    proc = next(p for p in sc.processes if p.id == "elute")
    life = generator_life(
        sc.product("tc-gen"), proc, sc.site("hosp"), 48 * HOUR, date(2025, 8, 4), DAY_WEIGHTS
    )
    assert [o / HOUR for o in life.offsets_s] == pytest.approx(schedule_h, abs=1e-9)
    assert list(life.eluted) == pytest.approx(hand["eluted"], rel=1e-6)
    assert life.first_elution == pytest.approx(hand["first"], rel=1e-6)
    assert life.no_doses == pytest.approx(hand["no_doses"], rel=1e-6, abs=1e-12)
    assert life.left_over == pytest.approx(hand["left_over"], rel=1e-6)
    assert life.dose_bq == pytest.approx(hand["dispensed"], rel=1e-6)
    assert life.in_generator == pytest.approx(hand["in_generator"], rel=1e-6)
    assert life.parent_left == pytest.approx(hand["parent_left"], rel=1e-6)


DAY_WEIGHTS = (1.0, 1.0, 1.0, 1.0, 1.0, 0.25, 0.0)
"""The demand calendar's doses Monday to Sunday (clinics on weekdays, some Saturday lists)."""


def test_a_weekday_generator_is_sized_for_friday() -> None:
    """Monday's eluate is discarded; Tuesday to Friday each dispense Friday's eluate."""
    eluted, _, _ = bateman_week(WEEKDAYS_H)
    sc = weekly_generator(CASES["weekdays"][0])
    proc = next(p for p in sc.processes if p.id == "elute")
    life = generator_life(
        sc.product("tc-gen"), proc, sc.site("hosp"), 48 * HOUR, date(2025, 8, 4), DAY_WEIGHTS
    )
    assert life.dispensed[0] == 0.0
    assert list(life.dispensed[1:]) == pytest.approx([eluted[-1]] * 4, rel=1e-6)
    doses = SIX_DAY_CI_BQ * 4 * eluted[-1] / DOSE_AT_SLOT_BQ
    assert SIX_DAY_CI_BQ * life.dose_bq / DOSE_AT_SLOT_BQ == pytest.approx(doses, rel=1e-6)
