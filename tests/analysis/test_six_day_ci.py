"""Mo-99 in six-day curies: the unit by hand, in a scenario, and in the capacity analysis.

One six-day curie is the Mo-99 that leaves 1 Ci six days after the reference time: at the
reference time it is ``1 Ci x 2^(144 h / 65.94 h)`` (Mo-99 half-life 65.94 h, ICRP-107),
3.7e10 Bq x 4.5435 = 1.6811e11 Bq.
"""

from __future__ import annotations

import pytest
from analysis_cases import scenario, site

from isoflow.engines.analysis.capacity import process_capacities
from isoflow.errors import InputError
from isoflow.units import parse_activity

MO99_HALF_LIFE_H = 65.94
CURIE_BQ = 3.7e10
ONE_SIX_DAY_CI_BQ = CURIE_BQ * 2.0 ** (144.0 / MO99_HALF_LIFE_H)


def test_one_six_day_curie_by_hand() -> None:
    assert ONE_SIX_DAY_CI_BQ == pytest.approx(1.6811e11, rel=1e-4)
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
