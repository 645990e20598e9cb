from __future__ import annotations

import math
from collections import Counter
from datetime import UTC, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import pytest

from isoflow.scenario.bookings import generate_bookings
from isoflow.scenario.schema import Booking, Scenario


def _bare(s: Scenario) -> Scenario:
    return s.model_copy(update={"demand": s.demand.model_copy(update={"bookings": ()})})


def test_same_seed_same_bookings_other_seed_differs(apac: Scenario):
    bare = _bare(apac)
    a = generate_bookings(bare, apac.meta.start, 7, 11)
    b = generate_bookings(bare, apac.meta.start, 7, 11)
    c = generate_bookings(bare, apac.meta.start, 7, 12)
    assert a == b
    assert a != c


def test_zero_days_and_bad_start(apac: Scenario):
    assert generate_bookings(_bare(apac), apac.meta.start, 0, 1) == ()
    with pytest.raises(ValueError, match="timezone"):
        generate_bookings(_bare(apac), datetime(2025, 8, 4), 7, 1)


# Booking priority of each apac-2025 drug product, by hand from what the product is:
# therapies 2, PET diagnostics 3, SPECT (Tc-99m) 4.
APAC_PRIORITY = {
    "lu177-psma": 2,
    "lu177-dotatate": 2,
    "ac225-psma": 2,
    "pb212-psma": 2,
    "f18-fdg": 3,
    "ga68-psma": 3,
    "cu64-psma": 3,
    "tc99m-dose": 4,
}


def _local_minutes(b: Booking, zone: str) -> tuple[int, int]:
    local = b.administration.astimezone(ZoneInfo(zone))
    return local.weekday(), local.hour * 60 + local.minute


def test_local_clinic_hours_and_priorities(apac: Scenario):
    drug_products = {p.id for p in apac.products if p.stage == "drug_product"}
    assert drug_products == set(APAC_PRIORITY)
    for b in apac.demand.bookings:
        weekday, minute = _local_minutes(b, apac.site(b.hospital).timezone)
        assert b.priority == APAC_PRIORITY[b.product], b
        assert minute % 15 == 0, b
        assert weekday != 6, b  # no Sunday lists
        if APAC_PRIORITY[b.product] == 2:  # therapies: weekdays, 09:00-14:00
            assert weekday < 5, b
            assert 9 * 60 <= minute < 14 * 60, b
        else:  # diagnostics: 08:00-17:00
            assert 8 * 60 <= minute < 17 * 60, b
        assert b.administration.utcoffset() == timedelta(0)
        dose = apac.product(b.product).dose
        assert (b.patient_kg is not None) == (dose is not None and dose.per_kg is not None)


# --------------------------------------------------------------------------- counts by hand

MONDAY = datetime(2025, 8, 4, tzinfo=UTC)
WEEKS = 100


def _site(id_: str, country: str) -> dict[str, Any]:
    return {
        "id": id_,
        "name": id_,
        "country": country,
        "lat": 0.0,
        "lon": 0.0,
        "timezone": "UTC",
        "kind": ["hospital", "radiopharmacy"],
    }


def _product(id_: str, nuclide: str, shelf: str, **dose: Any) -> dict[str, Any]:
    return {
        "id": id_,
        "stage": "drug_product",
        "nuclide": nuclide,
        "shelf_life": shelf,
        "dose": dose,
    }


def _tiny() -> Scenario:
    """Two Korean hospitals and one Japanese, each making every product itself, always open.

    Rates by hand (start year 2025; therapy share 0.25, diagnostic share 0.0025, at least 2
    a week but never more than the national rate), split evenly over the 2 KR hospitals:
    - lu-dose (Lu-177 therapy): 100/wk in 2023 growing 10 %/yr -> 121/wk in 2025 -> 30.25/wk;
    - lu-kg (per-kg Lu-177 therapy): 40/wk -> 10/wk;
    - fdg (F-18, PET): 400/wk -> 1, raised to the floor of 2/wk;
    - tc-dose (Tc-99m, SPECT): 1/wk -> 0.0025, floor 2, capped at the national 1/wk;
    - lu-dose in JP: 50/wk, but lu-dose is approved in KR only -> none.
    Days: diagnostics Mon-Fri weight 1, Sat 0.25, Sun 0 (sum 5.25); therapies Mon-Fri only,
    so a therapy books 5/5.25 of its weekly rate.
    """
    products = [
        _product("lu-dose", "Lu-177", "5 d", activity="7.4 GBq"),
        _product("lu-kg", "Lu-177", "5 d", per_kg="100 MBq"),
        _product("fdg", "F-18", "10 h", activity="370 MBq"),
        _product("tc-dose", "Tc-99m", "12 h", activity="740 MBq"),
    ]
    sites = [_site("hosp-a", "KR"), _site("hosp-b", "KR"), _site("hosp-jp", "JP")]
    processes = [
        {
            "id": f"{p['id']}.{s['id']}",
            "site": s["id"],
            "kind": "synthesis",
            "output": p["id"],
            "batch_max": "1 TBq",
            "duration": "1 h",
        }
        for p in products
        for s in sites
    ]
    rates = [
        {
            "country": "KR",
            "product": "lu-dose",
            "doses_per_week": 100,
            "base_year": 2023,
            "growth_per_year": 0.1,
        },
        {"country": "KR", "product": "lu-kg", "doses_per_week": 40},
        {"country": "KR", "product": "fdg", "doses_per_week": 400},
        {"country": "KR", "product": "tc-dose", "doses_per_week": 1},
        {"country": "JP", "product": "lu-dose", "doses_per_week": 50},
    ]
    return Scenario.model_validate(
        {
            "meta": {"name": "tiny", "start": "2025-08-04T00:00Z", "horizon": "7 d"},
            "products": products,
            "sites": sites,
            "processes": processes,
            "demand": {"rates": rates},
            "policies": {"approvals": [{"product": "lu-dose", "countries": ["KR"]}]},
        }
    )


EXPECTED_PER_WEEK = {  # all KR hospitals together, from the docstring of _tiny
    "lu-dose": 100 * 1.1**2 * 0.25 * 5 / 5.25,
    "lu-kg": 40 * 0.25 * 5 / 5.25,
    "fdg": 2.0,
    "tc-dose": 1.0,
}


@pytest.fixture(scope="module")
def drawn() -> tuple[Booking, ...]:
    return generate_bookings(_tiny(), MONDAY, 7 * WEEKS, seed=5)


def _within_poisson(count: int, mean: float) -> bool:
    """A Poisson count within 4.5 standard deviations of its mean (fixed seed: no flakes)."""
    return abs(count - mean) <= 4.5 * math.sqrt(mean)


def test_counts_follow_the_rates_by_hand(drawn):
    counts = Counter(b.product for b in drawn)
    assert set(counts) == set(EXPECTED_PER_WEEK)
    for product, per_week in EXPECTED_PER_WEEK.items():
        assert _within_poisson(counts[product], per_week * WEEKS), (product, counts[product])
    # ... split evenly over the two Korean hospitals; none for Japan (not approved there)
    by_site = Counter((b.hospital, b.product) for b in drawn)
    assert not any(h == "hosp-jp" for h, _ in by_site)
    for product, per_week in EXPECTED_PER_WEEK.items():
        for hospital in ("hosp-a", "hosp-b"):
            assert _within_poisson(by_site[hospital, product], per_week * WEEKS / 2)


def test_days_hours_priorities_and_masses_by_hand(drawn):
    therapy = {"lu-dose", "lu-kg"}
    priority = {"lu-dose": 2, "lu-kg": 2, "fdg": 3, "tc-dose": 4}
    minutes: dict[bool, set[int]] = {True: set(), False: set()}
    saturdays = 0
    for b in drawn:
        weekday, minute = _local_minutes(b, "UTC")
        assert MONDAY <= b.administration < MONDAY + timedelta(weeks=WEEKS)
        assert weekday != 6
        assert b.priority == priority[b.product]
        assert minute % 15 == 0
        if b.product in therapy:
            assert weekday < 5
        saturdays += weekday == 5
        minutes[b.product in therapy].add(minute)
        if b.product == "lu-kg":
            assert b.patient_kg is not None
            assert 40.0 <= b.patient_kg <= 160.0
        else:
            assert b.patient_kg is None
    # every 15-minute slot of 09:00-13:45 (therapy) and 08:00-16:45 (diagnostic) is drawn
    assert minutes[True] == set(range(9 * 60, 14 * 60, 15))
    assert minutes[False] == set(range(8 * 60, 17 * 60, 15))
    # Saturday lists: a quarter of a weekday, diagnostics only
    diagnostic_per_week = EXPECTED_PER_WEEK["fdg"] + EXPECTED_PER_WEEK["tc-dose"]
    assert saturdays > 0
    assert _within_poisson(saturdays, diagnostic_per_week * 0.25 / 5.25 * WEEKS)


def test_ids_number_the_bookings_in_time_order(drawn):
    assert [b.id for b in drawn] == [f"bk-{k:05d}" for k in range(1, len(drawn) + 1)]
    times = [b.administration for b in drawn]
    assert times == sorted(times)


# --------------------------------------------------------------------------- at real volume


@pytest.fixture(scope="module")
def full() -> tuple[tuple[Booking, ...], tuple[Any, ...]]:
    from isoflow.scenario.bookings import generate_demand

    return generate_demand(_tiny(), MONDAY, 7 * WEEKS, seed=5)


# The whole national rates (no sampling): therapies weekdays only (5 of 5.25 weighted days)
FULL_PER_WEEK = {
    "lu-dose": 100 * 1.1**2 * 5 / 5.25,
    "lu-kg": 40 * 5 / 5.25,
    "fdg": 400.0,
    "tc-dose": 1.0,
}


def test_demand_at_full_rates_by_hand(full):
    bookings, orders = full
    patients = Counter(b.product for b in bookings)
    assert set(patients) == {"lu-dose", "lu-kg"}  # therapies are per-patient bookings
    for product in ("lu-dose", "lu-kg"):
        assert _within_poisson(patients[product], FULL_PER_WEEK[product] * WEEKS), product
    doses = Counter()
    for o in orders:
        doses[o.product] += o.doses
    assert set(doses) == {"fdg", "tc-dose"}  # diagnostics are orders
    for product in ("fdg", "tc-dose"):
        assert _within_poisson(doses[product], FULL_PER_WEEK[product] * WEEKS), product
    assert not any(o.hospital == "hosp-jp" for o in orders)


def test_orders_come_in_a_morning_and_a_midday_list(full):
    _, orders = full
    for o in orders:
        local = o.calibration.astimezone(ZoneInfo("UTC"))  # the tiny sites keep UTC
        assert (local.hour, local.minute) in ((8, 0), (12, 0)), o
        assert local.weekday() != 6  # no Sunday lists
        assert not o.single_batch
    keys = [(o.hospital, o.product, o.calibration) for o in orders]
    assert len(keys) == len(set(keys))  # one order per hospital, product and list
