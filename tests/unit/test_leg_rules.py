"""When a booked consignment still leaves, and when a country restricts an export, by hand."""

from __future__ import annotations

from datetime import UTC, datetime

from isoflow.scenario.policy_models import ExportRestriction
from isoflow.scenario.rules import export_windows, still_departs
from isoflow.scenario.schema import Lane


def at(day: int, hour: int = 0) -> float:
    return datetime(2025, 8, day, hour, tzinfo=UTC).timestamp()


def lane(**extra: object) -> Lane:
    return Lane.model_validate(
        {"id": "l", "origin": "a", "destination": "b", "mode": "road", "transit": 3600, **extra}
    )


CLOSED = {"closures": [{"start": "2025-08-04T00:00:00Z", "end": "2025-08-05T00:00:00Z"}]}


def test_a_booked_consignment_leaves_unless_the_lane_is_closed_then():
    closed = lane(**CLOSED)
    assert still_departs(closed, at(3, 23))
    assert not still_departs(closed, at(4, 0))  # first instant closed
    assert not still_departs(closed, at(4, 23))
    assert still_departs(closed, at(5, 0))  # the end is exclusive
    assert not still_departs(lane(closures=[{"start": "2025-08-04T00:00:00Z"}]), at(30))


def test_a_delayed_departure_keeps_what_is_already_on_it_even_inside_a_closure():
    delays = [{"departure": "2025-08-04T06:00:00Z", "arrival": "2025-08-04T12:00:00Z"}]
    delayed = lane(**CLOSED, delays=delays)
    assert still_departs(delayed, at(4, 6))
    assert still_departs(delayed, at(4, 6) + 59.0)  # matched within a minute
    assert not still_departs(delayed, at(4, 6) + 120.0)
    assert still_departs(lane(delays=delays), at(4, 6))  # late, not closed


def restriction(country: str, *products: str, end: str | None = None) -> ExportRestriction:
    return ExportRestriction(
        country=country, products=products, start="2025-08-04T00:00:00Z", end=end
    )


def test_export_windows_cover_the_named_products_or_all_and_last_for_ever_without_end():
    rules = [
        restriction("AU", "mo99-bulk", end="2025-08-06T00:00:00Z"),
        restriction("AU"),
        restriction("JP", "f18-fdg"),
    ]
    inf = float("inf")
    assert export_windows(rules, "AU", "mo99-bulk") == ((at(4), at(6)), (at(4), inf))
    assert export_windows(rules, "AU", "lu177-psma") == ((at(4), inf),)
    assert export_windows(rules, "JP", "f18-fdg") == ((at(4), inf),)
    assert export_windows(rules, "JP", "mo99-bulk") == ()
    assert export_windows(rules, "NZ", "mo99-bulk") == ()
