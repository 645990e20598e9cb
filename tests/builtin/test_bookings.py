from __future__ import annotations

from datetime import UTC, datetime

import pytest

from isoflow.scenario.bookings import generate_bookings, priority
from isoflow.scenario.schema import Scenario


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


def test_local_clinic_hours_and_priorities(apac: Scenario):
    from zoneinfo import ZoneInfo

    for b in apac.demand.bookings:
        site = apac.site(b.hospital)
        local = b.administration.astimezone(ZoneInfo(site.timezone))
        assert 8 <= local.hour < 17
        assert b.priority == priority(apac.product(b.product))
        assert b.administration.tzinfo == UTC or b.administration.utcoffset().total_seconds() == 0
        dose = apac.product(b.product).dose
        assert (b.patient_kg is not None) == (dose is not None and dose.per_kg is not None)
