"""Events that add or change demand name a site and product the scenario has, or are refused
at the field that names them (before any re-plan reads them)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from isoflow.scenario.events import apply_events, parse_events
from isoflow.scenario.issues import ScenarioIssuesError
from isoflow.scenario.load import load_scenario

SMALL = Path(__file__).parent / "data" / "small.yaml"
BOOKING = {"id": "u1", "hospital": "hosp-seoul", "product": "f18-fdg",
           "administration": "2025-08-05T08:00:00Z"}  # fmt: skip


def _refused(event: dict[str, Any]) -> list[tuple[tuple[str | int, ...], str]]:
    scenario = load_scenario(SMALL)
    with pytest.raises(ScenarioIssuesError) as err:
        apply_events(scenario, parse_events({"events": [event]}).events)
    return [(tuple(i.path), i.message) for i in err.value.found]


def test_an_added_booking_at_an_unknown_site_is_refused_at_its_hospital() -> None:
    found = _refused({"kind": "booking_added", "booking": {**BOOKING, "hospital": "nowhere"}})
    assert found == [(("events", 0, "booking", "hospital"), "unknown site 'nowhere'")]


def test_an_added_order_of_an_unknown_product_is_refused_at_its_product() -> None:
    order = {"id": "o1", "hospital": "hosp-seoul", "product": "xx", "doses": 2,
             "calibration": "2025-08-05T08:00:00Z"}  # fmt: skip
    found = _refused({"kind": "order_added", "order": order})
    assert found == [(("events", 0, "order", "product"), "unknown product 'xx'")]


def test_a_booking_changed_to_an_unknown_site_is_refused_at_its_changes() -> None:
    found = _refused({"kind": "demand_changed", "id": "b3", "changes": {"hospital": "nowhere"}})
    assert found == [(("events", 0, "changes", "hospital"), "unknown site 'nowhere'")]


def test_a_booking_added_where_the_scenario_has_its_site_and_product_applies() -> None:
    scenario = load_scenario(SMALL)
    events = parse_events({"events": [{"kind": "booking_added", "booking": BOOKING}]}).events
    changed = apply_events(scenario, events)
    assert [b.id for b in changed.demand.bookings][-1] == "u1"
