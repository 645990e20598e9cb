"""Make or buy: NPVs, break-evens and the tornado against hand-computed values."""

from __future__ import annotations

import pytest

from isoflow.engines.analysis.makeorbuy import MakeOrBuyInputs, break_even_volume, make_or_buy
from isoflow.errors import InputError


def inputs(**kw):
    base = {
        "capex": 1000.0,
        "opex_per_year": 0.0,
        "capacity_doses_per_year": 1e9,
        "ramp_up_years": 0,
        "lifetime_years": 2,
        "discount_rate": 0.1,
        "variable_cost_per_dose": 0.0,
        "cdmo_price_per_dose": 10.0,
        "demand_doses_year1": 100.0,
        "demand_growth": 0.0,
    }
    base.update(kw)
    return MakeOrBuyInputs(**base)


def test_npv_of_two_years_by_hand():
    res = make_or_buy(inputs())
    # buy: 100 doses x 10 in years 1 and 2 at 10 %: 1000/1.1 + 1000/1.21 = 1735.537...
    assert res.npv_buy == pytest.approx(1000 / 1.1 + 1000 / 1.21)
    # make: capex 1000 at t = 0, nothing else
    assert res.npv_make == pytest.approx(1000.0)
    assert res.savings == pytest.approx(735.5372, abs=1e-3)
    assert res.decision == "make"


def test_break_even_volume_closed_form():
    x = inputs(opex_per_year=50.0, variable_cost_per_dose=2.0)
    # A = 1/1.1 + 1/1.21 = 1.735537; V* = (1000/A + 50) / (10 - 2) = (576.19 + 50) / 8
    annuity = 1 / 1.1 + 1 / 1.21
    expected = (1000 / annuity + 50) / 8
    assert expected == pytest.approx(78.274, abs=1e-3)
    assert break_even_volume(x) == pytest.approx(expected, rel=1e-9)
    res = make_or_buy(x)
    assert res.break_even_volume == pytest.approx(expected, rel=1e-9)
    # the break-even price on the 100-dose path: p* = 2 + (1000 + 50 A) / (100 A)
    assert res.break_even_price == pytest.approx(2 + (1000 + 50 * annuity) / (100 * annuity))


def test_ramp_up_halves_the_first_year_and_the_rest_is_bought():
    res = make_or_buy(inputs(capacity_doses_per_year=80.0, ramp_up_years=2))
    y1, y2 = res.years[1], res.years[2]
    assert (y1.capacity, y1.made, y1.bought) == (40.0, 40.0, 60.0)
    assert (y2.capacity, y2.made, y2.bought) == (80.0, 80.0, 20.0)
    # make: 1000 + 600/1.1 + 200/1.21
    assert res.npv_make == pytest.approx(1000 + 600 / 1.1 + 200 / 1.21)


def test_break_even_above_capacity_is_none():
    assert break_even_volume(inputs(capacity_doses_per_year=50.0)) is None


def test_tornado_capex_swing_is_forty_percent_of_capex_and_bars_are_sorted():
    res = make_or_buy(inputs(opex_per_year=50.0, variable_cost_per_dose=2.0))
    bars = {b.input: b for b in res.tornado}
    # savings fall one-for-one with capex (paid at t = 0): swing = 0.4 x 1000
    assert bars["capex"].swing == pytest.approx(400.0)
    assert bars["capex"].savings_low - bars["capex"].savings_high == pytest.approx(400.0)
    swings = [b.swing for b in res.tornado]
    assert swings == sorted(swings, reverse=True)
    assert len(res.tornado) == 10


def test_inputs_from_a_mapping_reject_unknown_keys_and_bad_values():
    x = MakeOrBuyInputs.from_mapping({"capex": "5e6", "lifetime_years": 10})
    assert (x.capex, x.lifetime_years) == (5e6, 10)
    with pytest.raises(InputError, match="unknown make-or-buy input"):
        MakeOrBuyInputs.from_mapping({"capx": 1})
    with pytest.raises(InputError, match="expected a number"):
        MakeOrBuyInputs.from_mapping({"capex": "lots"})
    assert MakeOrBuyInputs.from_mapping({"ramp_up_years": 3.0}).ramp_up_years == 3  # JSON
    for years in (2.5, True, "inf"):  # never cut silently to a whole number
        with pytest.raises(InputError, match="ramp_up_years: expected a whole number"):
            MakeOrBuyInputs.from_mapping({"ramp_up_years": years})
    with pytest.raises(InputError) as err:
        MakeOrBuyInputs(lifetime_years=0)
    assert str(err.value) == ("lifetime_years: expected a number of years between 1 and 100, got 0")
