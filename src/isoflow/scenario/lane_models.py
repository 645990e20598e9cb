"""Models of a scenario's lanes: links, timetables, borders, closures and delays.

Re-exported by :mod:`isoflow.scenario.schema`.
"""

from __future__ import annotations

from enum import StrEnum
from typing import Annotated

from pydantic import Field, model_validator

from isoflow.scenario.citations import Provenance, Strict
from isoflow.scenario.field_types import ALL_DAYS, Weekday
from isoflow.scenario.quantities import (
    Duration,
    Fraction,
    Identifier,
    LocalClock,
    Money,
    NonNegative,
    PositiveDuration,
    UtcTime,
)


class Mode(StrEnum):
    """Transport mode."""

    ROAD = "road"
    AIR = "air"
    CHARTER = "charter"


class Departure(Strict):
    """A scheduled weekly departure in the origin's local time."""

    days: tuple[Weekday, ...] = ALL_DAYS
    """Days on which the departure runs."""
    time: LocalClock
    """Local departure time HH:MM at the origin."""
    flight: str = ""
    """Flight number or service name."""
    provenance: Provenance = Provenance()
    """Where the figures come from."""


class Border(Strict):
    """A border crossing on a lane."""

    customs_delay: Duration = 0.0
    """Typical customs clearance time added on arrival [s]."""
    permit_required: bool = True
    """An import permit is needed for radioactive material."""


class Closure(Strict):
    """A period in which no consignment departs on a lane."""

    start: UtcTime
    """First instant closed."""
    end: UtcTime | None = None
    """End of the closure (exclusive); none means until further notice."""
    reason: str = ""
    """Why it is closed."""

    @model_validator(mode="after")
    def _ordered(self) -> Closure:
        if self.end is not None and self.end <= self.start:
            raise ValueError("closure 'end' must be after 'start'")
        return self


class Delay(Strict):
    """A departure that left on time but arrives late: its consignments arrive at ``arrival``."""

    departure: UtcTime
    """The departure (as planned)."""
    arrival: UtcTime
    """When it arrives now, customs cleared."""
    reason: str = ""
    """Why it is late."""


class Lane(Strict):
    """A transport link between two sites."""

    id: Identifier
    """Unique lane id."""
    origin: Identifier
    """Origin site id."""
    destination: Identifier
    """Destination site id."""
    mode: Mode
    """Transport mode."""
    carrier: str = ""
    """Airline or courier."""
    timetable: tuple[Departure, ...] = ()
    """Weekly scheduled departures; empty means on demand."""
    on_demand_lead: Duration = 0.0
    """On-demand lanes: notice needed before a departure [s]."""
    transit: PositiveDuration
    """Door-to-door transit from departure to arrival, customs excluded [s]."""
    handling: Duration = 0.0
    """Handling before departure (cut-off before a flight) [s]."""
    cost_per_shipment: Money = 0.0
    """Cost of one shipment."""
    cost_per_package: Money = 0.0
    """Cost per package shipped."""
    capacity_packages: Annotated[int, Field(ge=1, le=100000)] = 50
    """Packages one departure may carry."""
    capacity_ti: NonNegative = 50.0
    """Sum of transport indices one departure may carry (IATA: 50 on a passenger aircraft)."""
    accepts_class7: bool = True
    """The carrier accepts IATA class-7 (radioactive) cargo."""
    border: Border | None = None
    """Border crossing, if the lane crosses one."""
    cancel_prob: Fraction = 0.0
    """Probability a departure is cancelled (simulator)."""
    closures: tuple[Closure, ...] = ()
    """Periods in which nothing departs on the lane (a closed route, a cancelled departure)."""
    delays: tuple[Delay, ...] = ()
    """Departures that left and arrive late (recorded by a re-plan from events)."""
    provenance: Provenance = Provenance()
    """Where the figures come from."""

    @property
    def scheduled(self) -> bool:
        """True if the lane runs to a timetable."""
        return bool(self.timetable)
