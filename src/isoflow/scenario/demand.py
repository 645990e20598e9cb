"""Demand as the engines see it: bookings (one patient dose) and orders (n doses), one record.

A booking is an order of one dose that cannot be split. Every engine (planner, verifier,
simulator, analyses) reads demand through :func:`demand_items`, so that a booking and an order
follow the same rules and differ only in their dose count and whether they may be split.

The planner allocates *units*: a splittable order of n doses is n units of one dose each; a
single-batch order (and a booking) is one unit of all its doses (:attr:`DemandItem.units`,
:attr:`DemandItem.doses_per_unit`).

An order at an export market (:func:`~isoflow.scenario.rules.is_market`) is an *export*
(:attr:`DemandItem.export`): it is planned, verified and simulated as any order, but its units
are no patient doses, and every KPI counts them apart.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum

from isoflow.scenario.rules import is_market
from isoflow.scenario.schema import Booking, Order, Scenario


class DemandKind(StrEnum):
    """Which list of the scenario a demand record comes from."""

    BOOKING = "booking"
    ORDER = "order"


@dataclass(frozen=True, slots=True)
class DemandItem:
    """A booking or an order: ``doses`` doses of ``product`` at ``hospital`` at one instant."""

    id: str
    hospital: str
    product: str
    administration: datetime
    """Administration (bookings) or calibration (orders): when each dose holds its activity."""
    activity: float | None
    """Activity of each dose then [Bq]; ``None``: the product's dose."""
    tolerance: float | None
    priority: int
    patient_kg: float | None
    doses: int
    single_batch: bool
    kind: DemandKind
    index: int
    """Position in its list of the scenario (``demand.bookings`` or ``demand.orders``)."""
    export: bool = False
    """An order at an export market: its units are exports, not patient doses."""
    ordered: datetime | None = None
    """When the booking or order was placed; ``None``: before any order cut-off."""

    @property
    def units(self) -> int:
        """Allocation units: one per dose, or one for a record that may not be split."""
        return 1 if self.single_batch else self.doses

    @property
    def doses_per_unit(self) -> int:
        """Doses in one allocation unit."""
        return self.doses if self.single_batch else 1

    @property
    def path(self) -> tuple[str, str, int]:
        """Where the record sits in the scenario, for messages (``demand.orders.3``)."""
        section = "bookings" if self.kind == DemandKind.BOOKING else "orders"
        return ("demand", section, self.index)

    @property
    def time_field(self) -> str:
        """Name of the record's time field in the scenario."""
        return "administration" if self.kind == DemandKind.BOOKING else "calibration"

    @property
    def noun(self) -> str:
        """``booking`` or ``order``, for messages."""
        return str(self.kind)

    @property
    def a_noun(self) -> str:
        """``a booking`` or ``an order``, for messages."""
        return "a booking" if self.kind == DemandKind.BOOKING else "an order"

    @property
    def is_patient(self) -> bool:
        """A per-patient booking (counted in patients as well as doses)."""
        return self.kind == DemandKind.BOOKING


def from_booking(b: Booking, index: int) -> DemandItem:
    """A booking as a demand item: one dose, one unit."""
    return DemandItem(
        id=b.id,
        hospital=b.hospital,
        product=b.product,
        administration=b.administration,
        activity=None if b.activity is None else float(b.activity),
        tolerance=None if b.tolerance is None else float(b.tolerance),
        priority=b.priority,
        patient_kg=b.patient_kg,
        doses=1,
        single_batch=True,
        kind=DemandKind.BOOKING,
        index=index,
        ordered=b.ordered,
    )


def from_order(o: Order, index: int, export: bool = False) -> DemandItem:
    """An order as a demand item: ``doses`` doses at its calibration time.

    ``export``: the order is at a market (an export, not patient doses).
    """
    return DemandItem(
        id=o.id,
        hospital=o.hospital,
        product=o.product,
        administration=o.calibration,
        activity=None if o.activity is None else float(o.activity),
        tolerance=None if o.tolerance is None else float(o.tolerance),
        priority=o.priority,
        patient_kg=None,
        doses=o.doses,
        single_batch=o.single_batch,
        kind=DemandKind.ORDER,
        index=index,
        export=export,
        ordered=o.ordered,
    )


def demand_items(scenario: Scenario) -> tuple[DemandItem, ...]:
    """Every booking, then every order, of the scenario as demand items.

    An order is an export when its site is a market; a booking never is (a booking at a
    market is a validation error).
    """
    return tuple(iter_demand_items(scenario))


def iter_demand_items(scenario: Scenario) -> Iterator[DemandItem]:
    """:func:`demand_items` one at a time (a check that passes over them once holds none)."""
    demand = scenario.demand
    markets = {s.id for s in scenario.sites if is_market(s)}
    yield from (from_booking(b, i) for i, b in enumerate(demand.bookings))
    yield from (from_order(o, i, o.hospital in markets) for i, o in enumerate(demand.orders))


def ordered_s(item: DemandItem) -> float | None:
    """When ``item`` was ordered [s since epoch]; ``None``: before any order cut-off."""
    return None if item.ordered is None else item.ordered.timestamp()


def total_doses(items: Iterable[DemandItem]) -> int:
    """Patient doses requested by ``items`` (exports excluded)."""
    return sum(item.doses for item in items if not item.export)
