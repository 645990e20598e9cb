"""Pydantic models of a scenario's demand.

Bookings (per patient), orders (n doses at one calibration time), demand rates and dose
prices. Part of the scenario schema (:mod:`isoflow.scenario.schema` re-exports every model
here).
"""

from __future__ import annotations

from typing import Annotated

from pydantic import Field, model_validator

from isoflow.scenario.citations import Provenance, Strict
from isoflow.scenario.quantities import (
    CountryCode,
    Fraction,
    Identifier,
    Money,
    NonNegative,
    PositiveActivity,
    UtcTime,
)

# --------------------------------------------------------------------------- demand


class Booking(Strict):
    """A patient dose booked at a hospital."""

    id: Identifier
    """Unique booking id."""
    hospital: Identifier
    """Site id of the hospital."""
    product: Identifier
    """Drug product id."""
    administration: UtcTime
    """When the dose is administered."""
    activity: PositiveActivity | None = None
    """Prescribed activity at administration [Bq]; default: the product's dose."""
    tolerance: Fraction | None = None
    """Accepted relative deviation; default: the product's dose tolerance."""
    priority: Annotated[int, Field(ge=1, le=5)] = 3
    """1 (most urgent, e.g. therapy cycle) to 5 (deferrable)."""
    patient_kg: Annotated[float, Field(gt=0, le=400)] | None = None
    """Body mass [kg], for per-kg doses."""
    ordered: UtcTime | None = None
    """When the dose was ordered (UTC); a run whose process has an ``order_cutoff`` serves it
    only if it was ordered at least that long before the run starts. None: ordered before any
    cut-off."""

    @model_validator(mode="after")
    def _ordered_first(self) -> Booking:
        if self.ordered is not None and self.ordered > self.administration:
            raise ValueError(
                f"'ordered' {self.ordered.isoformat()} is after the administration "
                f"{self.administration.isoformat()}; a dose is ordered before it is given"
            )
        return self


class Order(Strict):
    """An order of ``doses`` doses of a product, calibrated at one instant, for a site.

    How hospitals and central radiopharmacies order diagnostics: not patient by patient, but
    n doses (each of ``activity`` at ``calibration``) for a morning's list. The doses may come
    from several batches unless ``single_batch`` is set; an order can be served in part, and
    the plan reports the doses served and short. Each dose travels as one package.

    An order at a site of kind ``market`` is an *export*: demand from outside the modelled
    region (Europe buying Mo-99 from OPAL, Lu-177 bulk shipped to the US) competing for the
    same batches. It is of any radioactive product but target material (bulk isotope too),
    ``doses`` counts its units (packages) and ``activity`` is required (a bulk product has no
    dose). Plans, verification and simulation serve it as any order; their KPIs count export
    units and activity apart (``exports``), never as patient doses.
    """

    id: Identifier
    """Unique order id (unique among bookings and orders)."""
    hospital: Identifier
    """Site id of the hospital or radiopharmacy that receives the doses, or of the market
    (kind ``market``) that receives an export."""
    product: Identifier
    """Product id: a drug product or generator; at a market also a bulk isotope."""
    calibration: UtcTime
    """Instant at which each dose must hold ``activity`` (the calibration time)."""
    doses: Annotated[int, Field(ge=1, le=100000)]
    """Number of doses ordered (an export: units, each one package of ``activity``)."""
    activity: PositiveActivity | None = None
    """Activity of each dose at calibration [Bq]; default: the product's dose. Required for an
    export (an order at a market)."""
    tolerance: Fraction | None = None
    """Accepted relative deviation per dose; default: the product's dose tolerance (none for
    a product without a dose: the activity exactly)."""
    priority: Annotated[int, Field(ge=1, le=5)] = 3
    """1 (most urgent) to 5 (deferrable); every dose of the order has it (an export unit
    weighs in the plan as one dose of its priority)."""
    single_batch: bool = False
    """All doses from one batch along one route (all or none), e.g. one multi-dose vial."""
    ordered: UtcTime | None = None
    """When the order was placed (UTC); see ``Booking.ordered``. None: before any cut-off."""

    @model_validator(mode="after")
    def _ordered_first(self) -> Order:
        if self.ordered is not None and self.ordered > self.calibration:
            raise ValueError(
                f"'ordered' {self.ordered.isoformat()} is after the calibration "
                f"{self.calibration.isoformat()}; doses are ordered before they are due"
            )
        return self


class DemandRate(Strict):
    """A demand rate for strategic horizons."""

    country: CountryCode
    """Country."""
    product: Identifier
    """Drug product id."""
    doses_per_week: NonNegative
    """Doses per week in the base year."""
    base_year: Annotated[int, Field(ge=1990, le=2100)] = 2025
    """Year of ``doses_per_week``."""
    growth_per_year: Annotated[float, Field(ge=-0.5, le=2.0)] = 0.0
    """Relative growth per year (0.1 = +10 %/yr)."""
    provenance: Provenance = Provenance()
    """Where the figures come from."""


class DosePrice(Strict):
    """What a hospital pays per dose of a product, in the scenario's currency."""

    product: Identifier
    """Drug product id."""
    countries: tuple[CountryCode, ...] = ()
    """Countries the price applies to; empty: every country without a price of its own."""
    per_dose: Money
    """Price of one dose delivered (list price or reimbursement)."""
    provenance: Provenance = Provenance()
    """Where the price comes from."""


class Demand(Strict):
    """Bookings and orders for operational planning, rates for strategic analysis."""

    bookings: tuple[Booking, ...] = ()
    """Individual patient bookings."""
    orders: tuple[Order, ...] = ()
    """Orders of several doses (diagnostics ordered per site and calibration time)."""
    rates: tuple[DemandRate, ...] = ()
    """Demand rates per country and product."""
    prices: tuple[DosePrice, ...] = ()
    """Dose prices per product and market (for revenue and margin)."""
