"""The elution rule by hand: Bateman in-growth, the elution limit, a discarded first
elution, and the efficiency's decline with age (Ge-68/Ga-68).

Ge-68 (T½ 270.95 d) decays wholly to Ga-68 (T½ 67.71 min). A generator of 1 Bq Ge-68 at
calibration, eluted completely (efficiency 1) at t₁, t₂, ...: between elutions the Ga-68
grows from zero, so the elution at ``t_k`` gives (two-member Bateman)

    A(t_k) = e^{−λp·t_{k−1}} · λd/(λd − λp) · (e^{−λp·Δ} − e^{−λd·Δ}),  Δ = t_k − t_{k−1}.
"""

from __future__ import annotations

import math

import pytest

from isoflow.scenario.rules import supply_elutions
from isoflow.scenario.schema import Product

DAY = 86400.0
LAM_P = math.log(2) / (270.95 * DAY)
LAM_D = math.log(2) / (67.71 * 60.0)
YEAR = 365.2422 * DAY


def ingrowth(t_prev: float, t: float) -> float:
    """Ga-68 [Bq] at ``t`` grown since a complete elution at ``t_prev`` (1 Bq Ge-68 at 0)."""
    dt = t - t_prev
    return (
        math.exp(-LAM_P * t_prev)
        * LAM_D
        / (LAM_D - LAM_P)
        * (math.exp(-LAM_P * dt) - math.exp(-LAM_D * dt))
    )


def generator(**extra: object) -> Product:
    return Product.model_validate(
        {
            "id": "ge68-gen",
            "stage": "generator",
            "nuclide": "Ge-68",
            "daughter": "Ga-68",
            "shelf_life": "365 d",
            **extra,
        }
    )


def test_daily_elutions_follow_bateman_and_stop_at_the_elution_limit() -> None:
    times = tuple(DAY * k for k in range(1, 6))
    got = supply_elutions(generator(max_elutions=3), times, 1.0)
    expected = [ingrowth(0.0, DAY), ingrowth(DAY, 2 * DAY), ingrowth(2 * DAY, 3 * DAY)]
    assert got[:3] == pytest.approx(expected, rel=1e-9)
    assert got[3:] == (0.0, 0.0)  # retired after three elutions
    unlimited = supply_elutions(generator(), times, 1.0)
    assert unlimited[3] == pytest.approx(ingrowth(3 * DAY, 4 * DAY), rel=1e-9)


def test_a_discarded_first_elution_empties_the_column_but_gives_no_dose() -> None:
    times = (DAY, 2 * DAY)
    got = supply_elutions(generator(), times, 1.0, discard_first=True)
    assert got[0] == 0.0
    assert got[1] == pytest.approx(ingrowth(DAY, 2 * DAY), rel=1e-9)


def test_the_efficiency_declines_with_age() -> None:
    # efficiency 1 at calibration, falling by 0.5 a year: 0.75 at half a year. The first
    # elution (after half a year of in-growth from zero) removes 0.75 of the Ga-68 there.
    t = 0.5 * YEAR
    (got,) = supply_elutions(generator(efficiency_decline_per_year=0.5), (t,), 1.0)
    assert got == pytest.approx(0.75 * ingrowth(0.0, t), rel=1e-9)
