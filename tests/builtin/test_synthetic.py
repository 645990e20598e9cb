from __future__ import annotations

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from isoflow.scenario.bookings import supply_reach
from isoflow.scenario.synthetic import generate
from isoflow.scenario.validate import validate_scenario


@settings(max_examples=15, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    sites=st.integers(1, 12),
    hospitals=st.integers(1, 15),
    days=st.integers(1, 7),
    seed=st.integers(0, 2**32 - 1),
)
def test_generated_scenarios_validate(sites, hospitals, days, seed):
    s = generate(sites, hospitals, days, seed)
    assert len([x for x in s.sites if "hospital" in x.kind]) == hospitals
    assert len([x for x in s.sites if "hub" not in x.kind and "hospital" not in x.kind]) == sites
    report = validate_scenario(s)
    assert report.ok, [str(i) for i in report.errors]
    made = {p.output for p in s.processes}
    assert {b.product for b in s.demand.bookings} <= made
    for b in s.demand.bookings:
        assert s.meta.start <= b.administration < s.end


def test_same_seed_identical_model():
    assert generate(8, 10, 3, 42) == generate(8, 10, 3, 42)
    assert generate(8, 10, 3, 42) != generate(8, 10, 3, 43)


def test_most_bookings_reachable():
    s = generate(30, 60, 7, 3)
    reach = supply_reach(s)
    ok = 0
    for b in s.demand.bookings:
        t = reach.at(b.product, b.hospital)
        ok += t is not None and t <= (b.administration - s.meta.start).total_seconds()
    assert ok >= 0.7 * len(s.demand.bookings)


def test_bad_arguments():
    with pytest.raises(ValueError, match=r"^sites: expected a whole number between 1 and 1,000"):
        generate(0, 1, 1, 0)
    with pytest.raises(ValueError, match=r"^hospital_days: .* got 30000$"):
        generate(1, 10000, 3, 0)
    with pytest.raises(ValueError, match="subset"):
        generate(2, 2, 2, 0, products=("nope",))


@pytest.mark.slow
def test_large_scenario():
    """A large network is generated whole (its time is measured in benchmarks/, not here)."""
    s = generate(1000, 2000, 7, 1)
    assert len(s.demand.bookings) > 90_000


def test_orders_mode_gives_real_volume_as_orders_and_therapy_bookings():
    hospitals, per_day = 40, 30.0
    s = generate(12, hospitals, 7, 5, orders=True, per_hospital_day=per_day)
    report = validate_scenario(s)
    assert report.ok, [str(i) for i in report.errors]
    orders = s.demand.orders
    assert {o.product for o in orders} == {"f18-fdg", "tc99m-dose"}
    assert {b.product for b in s.demand.bookings} == {"lu177-psma"}
    assert all(o.doses >= 1 and not o.single_batch for o in orders)
    for o in orders:
        assert s.meta.start <= o.calibration < s.end
    # F-18 needs 6 h of lead: Monday's lists (08:00 and 12:00 local in UTC+7..+10, that is
    # Sunday 22:00 to Monday 05:00 UTC) come too early; Sundays are closed. Expected F-18
    # doses = hospitals x per_day x F-18 share x (volume of Tuesday..Saturday in mean days)
    fdg = sum(o.doses for o in orders if o.product == "f18-fdg")
    share = 0.5 / 0.9  # F-18 share of the diagnostic mix (0.5 of 0.5 + 0.4)
    per_day_volume = [1.0, 1.0, 1.0, 1.0, 1.0, 0.25, 0.0]
    days = sum(per_day_volume[1:]) * 7.0 / 5.25
    expected = hospitals * per_day * share * days
    assert abs(fdg - expected) < 4 * expected**0.5, (fdg, expected)
    sundays = [o for o in orders if o.calibration.weekday() == 6 and o.calibration.hour > 12]
    assert sundays == []  # Sunday lists (local) never occur
