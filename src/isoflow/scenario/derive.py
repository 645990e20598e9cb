"""Derivers: values of a scenario row computed from other figures, named by ``derived_by``.

A row whose ``provenance.derived_by`` names a deriver holds values that follow from others
by a stated formula; validation recomputes them (:func:`derived_mismatches`) and reports a row
whose stored value disagrees, so that an edit to the inputs (a site moved) or to the value (a
transit typed by hand) cannot silently leave the two apart. A deriver is written
``name`` or ``name:argument``:

``air_transit:N``
    A flight lane with ``N`` connections: transit = great circle × 1.05 / 830 km/h + 0.6 h
    + 3 h per connection, rounded to the quarter hour (reference/apac-network.md §3b, an
    estimate of block time plus taxi and transfer).
``road``
    A road lane: transit = great circle × 1.25 / 80 km/h + 0.3 h (rounded to the quarter
    hour) and cost per shipment = 150 + 1.5 per km (rounded to the unit of currency).

Great-circle distances are haversine distances on a sphere of radius 6,371 km between the
lane's origin and destination sites.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Iterator
from dataclasses import dataclass

from isoflow.scenario.issues import Path
from isoflow.scenario.schema import Lane, Mode, Scenario

EARTH_RADIUS_KM = 6371.0
"""Mean radius of the Earth (IUGG), for haversine distances."""

AIR_DETOUR = 1.05
"""Flown distance over great-circle distance."""
AIR_SPEED_KMH = 830.0
"""Block speed of a long-haul flight."""
AIR_FIXED_H = 0.6
"""Taxi, climb and descent, hours."""
AIR_CONNECTION_H = 3.0
"""Time per connection, hours."""

ROAD_DETOUR = 1.25
"""Road distance over great-circle distance."""
ROAD_SPEED_KMH = 80.0
"""Mean road speed of a class-7 courier."""
ROAD_FIXED_H = 0.3
"""Loading and unloading, hours."""
ROAD_COST_FIXED = 150.0
"""Cost of a road shipment before distance."""
ROAD_COST_PER_KM = 1.5
"""Cost of a road shipment per great-circle km."""


def great_circle_km(lat1: float, lon1: float, lat2: float, lon2: float) -> float:
    """Haversine distance in km: ``2R·asin(√(sin²(Δφ/2) + cos φ1 cos φ2 sin²(Δλ/2)))``."""
    p1, l1, p2, l2 = map(math.radians, (lat1, lon1, lat2, lon2))
    h = math.sin((p2 - p1) / 2) ** 2 + math.cos(p1) * math.cos(p2) * math.sin((l2 - l1) / 2) ** 2
    return 2 * EARTH_RADIUS_KM * math.asin(math.sqrt(h))


def quarter_hours(hours: float) -> float:
    """``hours`` rounded to the nearest quarter hour, in seconds."""
    return round(hours * 4) / 4 * 3600.0


def air_transit(km: float, connections: int) -> float:
    """Transit of a flight lane in seconds: ``(km·1.05/830 + 0.6 + 3·connections)`` h."""
    return quarter_hours(
        km * AIR_DETOUR / AIR_SPEED_KMH + AIR_FIXED_H + AIR_CONNECTION_H * connections
    )


def road_transit(km: float) -> float:
    """Transit of a road lane in seconds: ``(km·1.25/80 + 0.3)`` h."""
    return quarter_hours(km * ROAD_DETOUR / ROAD_SPEED_KMH + ROAD_FIXED_H)


def road_cost(km: float) -> float:
    """Cost of a road shipment: ``round(150 + 1.5·km)``."""
    return float(round(ROAD_COST_FIXED + ROAD_COST_PER_KM * km))


@dataclass(frozen=True, slots=True)
class Expected:
    """One derived value: the field, the value the deriver gives and the row's value."""

    field: str
    derived: float
    stored: float


LaneDeriver = Callable[[float, str, Lane], list[Expected]]


def _air(km: float, argument: str, lane: Lane) -> list[Expected]:
    connections = int(argument or "0")
    return [Expected("transit", air_transit(km, connections), lane.transit)]


def _road(km: float, argument: str, lane: Lane) -> list[Expected]:
    del argument
    return [
        Expected("transit", road_transit(km), lane.transit),
        Expected("cost_per_shipment", road_cost(km), lane.cost_per_shipment),
    ]


LANE_DERIVERS: dict[str, tuple[Mode, LaneDeriver]] = {
    "air_transit": (Mode.AIR, _air),
    "road": (Mode.ROAD, _road),
}
"""Derivers of lane rows by name, with the mode of lane each applies to."""


def parse(derived_by: str) -> tuple[str, str]:
    """``name:argument`` -> (name, argument)."""
    name, _, argument = derived_by.partition(":")
    return name.strip(), argument.strip()


def derived_mismatches(scenario: Scenario) -> Iterator[tuple[Path, str]]:
    """Lane values their deriver does not reproduce: (field path, message).

    A ``derived_by`` naming no deriver, or one for another mode of lane, is reported too.
    """
    sites = {s.id: s for s in scenario.sites}
    for i, lane in enumerate(scenario.lanes):
        text = lane.provenance.derived_by
        if not text:
            continue
        path: Path = ("lanes", i, "provenance", "derived_by")
        name, argument = parse(text)
        found = LANE_DERIVERS.get(name)
        if found is None:
            yield (
                path,
                f"unknown deriver {text!r}; expected one of {', '.join(sorted(LANE_DERIVERS))}",
            )
            continue
        mode, deriver = found
        if lane.mode != mode:
            yield (
                path,
                f"deriver {name!r} is for {mode.value} lanes; this lane is {lane.mode.value}",
            )
            continue
        if name == "air_transit" and not argument.isdigit():
            yield path, f"expected air_transit:N with N connections (0, 1, 2...), got {text!r}"
            continue
        a, b = sites.get(lane.origin), sites.get(lane.destination)
        if a is None or b is None:
            continue  # the reference check reports the unknown site
        km = great_circle_km(a.lat, a.lon, b.lat, b.lon)
        for expected in deriver(km, argument, lane):
            if not math.isclose(expected.derived, expected.stored, rel_tol=1e-9, abs_tol=1e-6):
                yield (
                    ("lanes", i, expected.field),
                    f"{text} gives {_show(expected.field, expected.derived)} over {km:,.0f} km; "
                    f"the row says {_show(expected.field, expected.stored)} (update the value or "
                    "clear derived_by)",
                )


def _show(field: str, value: float) -> str:
    if field == "transit":
        return f"{value / 3600:g} h"
    return f"{value:g}"
