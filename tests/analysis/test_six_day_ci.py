"""Mo-99 in six-day curies: the unit by hand, in a scenario, and in the capacity analysis.

The OECD-NEA six-reactor table (six-day Ci per week times operating weeks) comes out
exactly. One six-day curie is the Mo-99 that leaves 1 Ci six days after the reference time:
at the reference time it is ``1 Ci x 2^(144 h / 65.94 h)`` (Mo-99 half-life 65.94 h, ICRP-107),
3.7e10 Bq x 4.5435 = 1.6811e11 Bq.
"""

from __future__ import annotations

from datetime import date, timedelta

import pytest
from analysis_cases import scenario, site

from isoflow.engines.analysis.capacity import process_capacities
from isoflow.errors import InputError
from isoflow.units import parse_activity

MO99_HALF_LIFE_H = 65.94
CURIE_BQ = 3.7e10
ONE_SIX_DAY_CI_BQ = CURIE_BQ * 2.0 ** (144.0 / MO99_HALF_LIFE_H)


def test_one_six_day_curie_by_hand() -> None:
    assert pytest.approx(1.6811e11, rel=1e-4) == ONE_SIX_DAY_CI_BQ
    assert parse_activity("1 Ci6d") == pytest.approx(ONE_SIX_DAY_CI_BQ, rel=1e-12)
    assert parse_activity("2.5 kCi6d") == pytest.approx(2500 * ONE_SIX_DAY_CI_BQ, rel=1e-12)


def test_an_unknown_unit_names_the_six_day_curie() -> None:
    with pytest.raises(InputError, match="Ci6d, kCi6d"):
        parse_activity("3 Ci7d")


def test_a_reactor_given_in_six_day_ci_reports_its_capacity_in_six_day_ci() -> None:
    mo99 = {"id": "mo99", "stage": "bulk_isotope", "nuclide": "Mo-99", "shelf_life": "7 d"}
    sc = scenario(
        products=[mo99],
        sites=[site("reactor", "reactor")],
        processes=[
            {
                "id": "process",
                "site": "reactor",
                "kind": "processing",
                "output": "mo99",
                "batch_max": "2000 Ci6d",
                "duration": "12 h",
                "max_batches_per_day": 1,
                "qc_failure_prob": 0.1,
                "availability": {"windows": [{"days": ["Mon"], "start": "08:00", "end": "20:00"}]},
            }
        ],
    )
    assert sc.processes[0].batch_max == pytest.approx(2000 * ONE_SIX_DAY_CI_BQ, rel=1e-12)
    (row,) = process_capacities(sc, range(2026, 2027))
    # 2026 has 52 Mondays: one batch each, 90 % pass QC
    assert row.batches == 52
    assert row.capacity_bq == pytest.approx(52 * 0.9 * 2000 * ONE_SIX_DAY_CI_BQ, rel=1e-12)
    assert row.capacity_six_day_ci == pytest.approx(52 * 0.9 * 2000, rel=1e-9)


# OECD-NEA (via Front. Chem. 2022, Table 4): six-day Ci per week and operating weeks a year
NEA = {
    "BR-2": (6500, 21),
    "HFR": (6200, 39),
    "LVR-15": (3000, 30),
    "Maria": (2200, 36),
    "OPAL": (2150, 43),
    "SAFARI-1": (3000, 44),
}


def _reactor(name: str, per_week: int, weeks: int) -> dict:
    """One Monday batch of ``per_week`` six-day Ci; out from 1 January until the (52 - weeks)
    Mondays before its operating weeks have passed (2025 has 52 Mondays: 6 January on)."""
    skipped = 52 - weeks
    back = date(2025, 1, 6) + timedelta(days=7 * skipped)  # first operating Monday
    outage = {"start": "2025-01-01T00:00:00Z", "end": f"{back.isoformat()}T00:00:00Z"}
    return {
        "id": name,
        "site": name,
        "kind": "processing",
        "output": "mo99",
        "batch_max": f"{per_week} Ci6d",
        "duration": "12 h",
        "max_batches_per_day": 1,
        "availability": {
            "windows": [{"days": ["Mon"], "start": "06:00", "end": "18:00"}],
            "outages": [outage] if skipped else [],
        },
    }


def test_the_nea_six_reactor_table_comes_out_exactly() -> None:
    from isoflow.engines.analysis.capacity import CapacityOptions, capacity_vs_demand

    mo99 = {"id": "mo99", "stage": "bulk_isotope", "nuclide": "Mo-99", "shelf_life": "7 d"}
    sc = scenario(
        products=[mo99],
        sites=[site(name, "reactor", country="NL") for name in NEA],
        processes=[_reactor(name, *figures) for name, figures in NEA.items()],
    )
    by_process = {p.process: p for p in process_capacities(sc, range(2025, 2026))}
    for name, (per_week, weeks) in NEA.items():
        assert by_process[name].batches == weeks, name
        assert by_process[name].capacity_six_day_ci == pytest.approx(per_week * weeks, rel=1e-12)
    assert by_process["OPAL"].capacity_six_day_ci == pytest.approx(92_450, rel=1e-12)
    total = sum(p * w for p, w in NEA.values())
    assert total == 771_950
    res = capacity_vs_demand(sc, CapacityOptions(2025, 2025, grouping="world"))
    (world,) = [r for r in res.rows if r.isotope == "Mo-99"]
    assert world.capacity_six_day_ci == pytest.approx(total, rel=1e-12)
    # N-1: the largest, HFR with 6,200 x 39 = 241,800, out
    assert world.largest_site == "HFR"
    assert world.capacity_n1_bq == pytest.approx((total - 241_800) * ONE_SIX_DAY_CI_BQ, rel=1e-12)
