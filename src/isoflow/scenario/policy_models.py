"""Pydantic models of a scenario's policies and disruptions.

Policies are approvals, export restrictions and contracts; disruptions the random events a
simulation draws.

Part of the scenario schema (:mod:`isoflow.scenario.schema` re-exports every model here).
"""

from __future__ import annotations

from typing import Annotated

from pydantic import Field

from isoflow.scenario.citations import Provenance, Strict
from isoflow.scenario.quantities import (
    Activity,
    CountryCode,
    Duration,
    Fraction,
    Identifier,
    Money,
    NonNegative,
    UtcTime,
)

# --------------------------------------------------------------------------- policies


class Approval(Strict):
    """Countries where a product is approved for use."""

    product: Identifier
    """Product id."""
    countries: tuple[CountryCode, ...]
    """Countries that approve it."""
    provenance: Provenance = Provenance()
    """Where the approval facts come from."""


class ExportRestriction(Strict):
    """A country's restriction on exporting products during a period."""

    country: CountryCode
    """Exporting country."""
    products: tuple[Identifier, ...] = ()
    """Products restricted; empty means all."""
    start: UtcTime
    """Start of the restriction."""
    end: UtcTime | None = None
    """End of the restriction; none means until further notice."""
    reason: str = ""
    """Policy behind it."""
    provenance: Provenance = Provenance()
    """Where the figures come from."""


class ExclusiveDistribution(Strict):
    """Exclusive rights of a distributor for a product in listed countries."""

    id: Identifier
    """Contract id."""
    product: Identifier
    """Product covered (the supplier's product)."""
    supplier: Identifier
    """Site id of the supplier."""
    distributor: Identifier
    """Site id of the distributor holding the rights."""
    countries: tuple[CountryCode, ...]
    """Countries where only the distributor may deliver the supplier's product."""
    provenance: Provenance = Provenance()
    """Where the figures come from."""


class SupplyAgreement(Strict):
    """A supply agreement between a supplier and a customer site."""

    id: Identifier
    """Contract id."""
    supplier: Identifier
    """Supplier site id."""
    customer: Identifier
    """Customer site id."""
    product: Identifier
    """Product supplied."""
    min_per_week: Activity = 0.0
    """Minimum quantity per week (activity at delivery [Bq], or product unit)."""
    max_per_week: Activity | None = None
    """Maximum quantity per week; none means unlimited."""
    price_per_gbq: Money = 0.0
    """Contract price per GBq delivered."""
    provenance: Provenance = Provenance()
    """Where the figures come from."""


class Policies(Strict):
    """Regulatory and commercial rules."""

    approvals: tuple[Approval, ...] = ()
    """Product approvals per country; a product with no entry is approved everywhere."""
    export_restrictions: tuple[ExportRestriction, ...] = ()
    """Export restrictions with date ranges."""
    exclusive_distribution: tuple[ExclusiveDistribution, ...] = ()
    """Exclusive distribution contracts."""
    supply_agreements: tuple[SupplyAgreement, ...] = ()
    """Supply agreements with volume bounds."""


# --------------------------------------------------------------------------- disruptions


class DurationDistribution(Strict):
    """A distribution of durations, lognormal by mean and coefficient of variation."""

    mean: Duration
    """Mean duration [s]."""
    cv: Annotated[float, Field(ge=0, le=10)] = 0.5
    """Coefficient of variation (standard deviation / mean)."""


class SiteDisruption(Strict):
    """Unplanned outages of a site."""

    site: Identifier
    """Site id."""
    outages_per_year: NonNegative = 0.0
    """Mean number of unplanned outages per year."""
    duration: DurationDistribution = DurationDistribution(mean=7 * 86400.0)
    """Outage duration."""
    provenance: Provenance = Provenance()
    """Where the figures come from."""


class LaneDisruption(Strict):
    """Cancellations and delays on a lane."""

    lane: Identifier
    """Lane id."""
    cancel_prob: Fraction = 0.0
    """Probability a departure is cancelled."""
    delay_prob: Fraction = 0.0
    """Probability a departure is delayed."""
    delay: DurationDistribution = DurationDistribution(mean=3 * 3600.0)
    """Delay when delayed."""
    provenance: Provenance = Provenance()
    """Where the figures come from."""


class CustomsDisruption(Strict):
    """Customs holds on entry to a country."""

    country: CountryCode
    """Importing country."""
    hold_prob: Fraction = 0.0
    """Probability a shipment is held beyond the normal clearance."""
    hold: DurationDistribution = DurationDistribution(mean=12 * 3600.0)
    """Extra hold duration."""
    provenance: Provenance = Provenance()
    """Where the figures come from."""


class PolicyShock(Strict):
    """A sudden closure of a country's exports, sampled by the simulator."""

    country: CountryCode
    """Exporting country."""
    per_year: NonNegative = 0.0
    """Mean number of shocks per year."""
    duration: DurationDistribution = DurationDistribution(mean=30 * 86400.0)
    """How long exports stay closed."""
    provenance: Provenance = Provenance()
    """Where the figures come from."""


class StockDisruption(Strict):
    """Short deliveries of a consumed material (O-18 water, targets, kits) at a site.

    Each week (counted from the planning horizon's start, as the site's ``stocks``) the
    delivery of the material fails or arrives short with probability ``short_prob``; a
    short week brings ``delivered_fraction`` of the site's ``per_week`` stock. The week's
    planned runs take what they use in order of start; a run the rest no longer covers
    fails at its start (cause ``input_short``).
    """

    site: Identifier
    """Site id (it must list the material in its ``stocks``)."""
    product: Identifier
    """Material product id."""
    short_prob: Fraction = 0.0
    """Probability that a week's delivery fails or arrives short."""
    delivered_fraction: Fraction = 0.0
    """Share of the week's stock delivered when short (0: nothing arrives)."""
    provenance: Provenance = Provenance()
    """Where the figures come from."""


class Disruptions(Strict):
    """Disruption parameters for the Monte Carlo simulator."""

    sites: tuple[SiteDisruption, ...] = ()
    """Unplanned outages per site."""
    lanes: tuple[LaneDisruption, ...] = ()
    """Cancellations and delays per lane."""
    customs: tuple[CustomsDisruption, ...] = ()
    """Customs holds per importing country."""
    policy_shocks: tuple[PolicyShock, ...] = ()
    """Export closures per country."""
    stocks: tuple[StockDisruption, ...] = ()
    """Short deliveries of consumed materials per site (none: every week's stock arrives)."""
    qc_failure_prob: Fraction | None = None
    """Override of every process's QC failure probability; none keeps each process's own."""
    booking_cancel_prob: Fraction = 0.0
    """Probability a booking is cancelled."""
    extra_booking_rate: Annotated[float, Field(ge=0, le=10)] = 0.0
    """Extra bookings per booked dose (demand upswing)."""
