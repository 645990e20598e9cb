"""Capacity vs demand on hand-built scenarios: every expected number is derived by hand."""

from __future__ import annotations

import math

import pytest
from analysis_cases import FDG, booking, fdg_process, scenario, site

from isoflow.engines.analysis.capacity import (
    CapacityOptions,
    LeadTimeRule,
    available_days,
    capacity_vs_demand,
    dose_requirements,
)

TBQ = 1e12


def two_cyclotrons(end_b: str | None = None):
    """Two F-18 cyclotrons of 0.5 TBq per daily batch; KR demand 5,000 doses/wk, +20 %/yr."""
    return scenario(
        products=[FDG],
        sites=[
            site("cyc-a", "cyclotron"),
            site("cyc-b", "cyclotron", **({"end": end_b} if end_b else {})),
            site("hosp", "hospital"),
        ],
        processes=[fdg_process("a", "cyc-a", "0.5 TBq"), fdg_process("b", "cyc-b", "0.5 TBq")],
        demand={
            "bookings": [booking("x", "hosp", "2025-08-05T10:00:00Z")],
            "rates": [
                {"country": "KR", "product": "fdg", "doses_per_week": 5000, "growth_per_year": 0.2}
            ],
        },
    )


def test_available_days_count_the_weekdays_of_the_window_and_stop_at_the_site_end():
    sc = scenario(
        products=[FDG],
        sites=[site("cyc", "cyclotron", end="2025-03-01T00:00:00Z")],
        processes=[
            fdg_process("mon", "cyc", availability={"windows": [{"days": ["Mon"]}]}),
        ],
    )
    # 2025 starts on a Wednesday: 52 Mondays; Jan and Feb hold 4 + 4 Mondays (6, 13, 20, 27
    # Jan; 3, 10, 17, 24 Feb) before the site closes on 1 March.
    assert available_days(sc, sc.processes[0], 2025) == 8
    open_ended = sc.model_copy(update={"sites": (sc.sites[0].model_copy(update={"end": None}),)})
    assert available_days(open_ended, open_ended.processes[0], 2025) == 52


def test_a_dose_needs_its_activity_decayed_back_over_the_delivery_lead(ref):
    sc = two_cyclotrons()
    (req,) = dose_requirements(sc)
    # lead = min(24 h, 10 h / 4) = 2.5 h of F-18 decay
    assert req.isotope == "F-18"
    assert req.delivery_lead_h == pytest.approx(2.5)
    assert req.eop_bq_per_dose == pytest.approx(370e6 * 2 ** (2.5 * 3600 / ref.T_F18), rel=1e-4)


def test_a_labelled_dose_walks_back_through_yield_duration_and_transfer(ref):
    lu = {"id": "lu", "stage": "bulk_isotope", "nuclide": "Lu-177", "shelf_life": "7 d"}
    psma = {
        "id": "psma",
        "stage": "drug_product",
        "nuclide": "Lu-177",
        "shelf_life": "5 d",
        "dose": {"activity": "7.4 GBq"},
    }
    sc = scenario(
        products=[lu, psma],
        sites=[site("reactor", "reactor"), site("cdmo", "cdmo")],
        processes=[
            {
                "id": "irr",
                "site": "reactor",
                "kind": "irradiation",
                "output": "lu",
                "batch_max": "1 TBq",
            },
            {
                "id": "label",
                "site": "cdmo",
                "kind": "labelling",
                "output": "psma",
                "inputs": [{"product": "lu", "activity_feed": True}],
                "yield_fraction": 0.9,
                "duration": "2 h",
                "batch_max": "100 GBq",
            },
        ],
    )
    (req,) = dose_requirements(sc)
    # delivery min(24 h, 30 h) = 24 h; transfer min(48 h, 42 h) = 42 h; 2 h labelling:
    # 7.4 GBq · 2^((24 + 42 + 2) h / T½) / 0.9
    hours = 24 + 42 + 2
    expected = 7.4e9 * 2 ** (hours * 3600 / ref.T_LU177) / 0.9
    assert req.isotope == "Lu-177"
    assert req.eop_bq_per_dose == pytest.approx(expected, rel=1e-4)
    shorter = dose_requirements(sc, LeadTimeRule(delivery_max_s=0.0, transfer_max_s=0.0))
    assert shorter[0].eop_bq_per_dose == pytest.approx(
        7.4e9 * 2 ** (2 * 3600 / ref.T_LU177) / 0.9, rel=1e-4
    )


def test_shortfall_reserve_and_n1_years_by_hand(ref):
    # per dose 370 MBq · 2^(2.5 h / T½(F-18)) ≈ 0.954 GBq; 2025: 5000 · 365/7 doses
    per_dose = 370e6 * 2 ** (2.5 * 3600 / ref.T_F18)
    d2025 = 5000 * 365 / 7 * per_dose  # ≈ 248.7 TBq
    assert d2025 == pytest.approx(248.7 * TBQ, rel=1e-3)
    # capacity 2 x 0.5 TBq x 365 days = 365 TBq. Demand 2026 ≈ 298 TBq, 2027 ≈ 358 TBq,
    # 2028 ≈ 431 TBq (366 days) > 366 TBq: first shortfall 2028. With a 35 % reserve,
    # 2026 needs ≈ 403 TBq > 365: first breach 2026. N-1 (one cyclotron) 182.5 TBq < 248.7
    # already in 2025.
    res = capacity_vs_demand(two_cyclotrons(), CapacityOptions(2025, 2030, grouping="country"))
    (kr,) = [s for s in res.summary if s.region == "KR"]
    assert (kr.first_shortfall_year, kr.first_reserve_breach_year) == (2028, 2026)
    assert kr.first_n1_shortfall_year == 2025
    row = next(r for r in res.rows if r.year == 2025 and r.region == "KR")
    assert row.capacity_bq == pytest.approx(365 * TBQ)
    assert row.demand_bq == pytest.approx(d2025, rel=1e-6)
    assert row.capacity_n1_bq == pytest.approx(182.5 * TBQ)
    assert row.status == "ok"
    assert row.required_bq == pytest.approx(1.35 * d2025, rel=1e-6)


def test_a_site_retirement_brings_the_shortfall_forward():
    # cyc-b closes on 1 Jan 2027: 2027 capacity 182.5 TBq < demand ≈ 358 TBq
    res = capacity_vs_demand(
        two_cyclotrons(end_b="2027-01-01T00:00:00Z"), CapacityOptions(2025, 2030, grouping="world")
    )
    (world,) = res.summary
    assert world.first_shortfall_year == 2027
    row = next(r for r in res.rows if r.year == 2027)
    assert row.capacity_bq == pytest.approx(182.5 * TBQ)
    assert row.status == "shortfall"
    assert math.isclose(row.capacity_n1_bq, 0.0)


def test_flat_demand_never_falls_short():
    res = capacity_vs_demand(
        two_cyclotrons(), CapacityOptions(2025, 2035, grouping="region", growth_scale=0.0)
    )
    assert all(s.first_shortfall_year is None for s in res.summary)
    assert {r.region for r in res.rows} == {"East Asia", "World"}


def test_bad_year_range_is_an_input_error():
    from isoflow.errors import InputError

    with pytest.raises(InputError, match="before first year"):
        CapacityOptions(2030, 2025)


WATER = {"id": "o18-water", "stage": "target_material", "nuclide": "O-18", "unit": "mL"}


def water_limited(per_week: float):
    """One cyclotron, every day, 3 batches a day of 2.5 mL O-18 water each; the site holds
    ``per_week`` mL a week."""
    return scenario(
        products=[FDG, WATER],
        sites=[site("cyc", "cyclotron", stocks=[{"product": "o18-water", "per_week": per_week}])],
        processes=[
            fdg_process(
                "fdg",
                "cyc",
                max_batches_per_day=3,
                inputs=[{"product": "o18-water", "per_batch": 2.5}],
            )
        ],
    )


def test_o18_water_stock_caps_batches_per_week():
    from isoflow.engines.analysis.capacity import process_capacities

    # 2025: 365 days = 52 weeks + 1 day. Unlimited: 21 batches a week, 3 on the last day.
    # 10 mL a week = 4 batches a week: 52 x 4 = 208, and the 1-day block gets 10/7 mL:
    # floor(1.43 / 2.5) = 0 batches.
    (row,) = process_capacities(water_limited(10.0), range(2025, 2026))
    assert row.batches == 208
    # 1,000 mL a week does not bind: 365 x 3 = 1,095
    (free,) = process_capacities(water_limited(1000.0), range(2025, 2026))
    assert free.batches == 1095
    # 50 mL: 20 a week (< 21) and the last day's share 50/7 = 7.14 mL = 2 batches (< 3)
    (tight,) = process_capacities(water_limited(50.0), range(2025, 2026))
    assert tight.batches == 52 * 20 + 2
