"""The demand side of the capacity analysis: doses and exports as activity at supply EOP.

Capacity is counted in activity of a supply isotope at its end of production (EOP); demand is
converted into the same unit by walking the supply chain upstream from what is delivered
(:func:`dose_requirements` for doses, :func:`export_requirements` for exports; the rules are
stated in :mod:`isoflow.engines.analysis.capacity`). The lead-time assumptions of the
conversion are a :class:`LeadTimeRule`.
"""

from __future__ import annotations

import dataclasses
import math
from collections import defaultdict
from dataclasses import dataclass
from datetime import date
from zoneinfo import ZoneInfo

from isoflow import bounds
from isoflow.domain.nuclides import default_data
from isoflow.engines.analysis.records import HOUR
from isoflow.scenario.bookings import day_weights
from isoflow.scenario.demand import demand_items
from isoflow.scenario.generator_life import generator_life
from isoflow.scenario.rules import prescribed_activity, product_dose_activity
from isoflow.scenario.schema import Process, Product, Scenario, Stage


@dataclass(frozen=True)
class LeadTimeRule:
    """Assumed lead times when converting doses into activity at end of production.

    Attributes
    ----------
    shelf_fraction
        A lead is this fraction of the product's shelf life [1] ...
    delivery_max_s
        ... at most this long from drug EOP to administration [s] ...
    transfer_max_s
        ... and at most this long from an upstream EOP to the downstream batch [s].
    """

    shelf_fraction: float = 0.25
    delivery_max_s: float = 24 * HOUR
    transfer_max_s: float = 48 * HOUR

    def __post_init__(self) -> None:
        bounds.SHELF_FRACTION.check(self.shelf_fraction, "shelf_fraction")
        bounds.LEAD.check(self.delivery_max_s, "delivery_max_s")
        bounds.LEAD.check(self.transfer_max_s, "transfer_max_s")

    def delivery(self, product: Product) -> float:
        """Delivery lead of a drug product [s]."""
        return min(self.delivery_max_s, self.shelf_fraction * (product.shelf_life or 0.0))

    def transfer(self, product: Product) -> float:
        """Transfer lead of an upstream product [s]."""
        return min(self.transfer_max_s, self.shelf_fraction * (product.shelf_life or 0.0))


@dataclass(frozen=True)
class DoseRequirement:
    """Activity of a supply isotope at its EOP needed per dose of a drug product."""

    product: str
    isotope: str
    dose_activity_bq: float
    """Activity at administration [Bq] (per-kg doses at the reference mass)."""
    delivery_lead_h: float
    """Assumed drug EOP -> administration [h]."""
    eop_bq_per_dose: float
    """Supply isotope at its end of production per dose [Bq]."""
    routes: int
    """Processes (routes) averaged."""


def _lam(nuclide: str) -> float:
    return float(default_data().decay_constants([nuclide])[0])


def generator_yield(
    sc: Scenario, generator: Product, process: Process, leads: LeadTimeRule
) -> float:
    """Daughter for doses over one generator's service per Bq of parent at calibration [1].

    The generator's life at the elution site (:func:`~isoflow.scenario.generator_life.
    generator_life`, the rule the planner and ``verify`` follow): delivered the transfer
    lead after its calibration, eluted on the process's schedule until its shelf life ends
    or it is replaced (``replace_every``), every slot under a fixed routine
    (``elute_every_slot``), doses only on the days the demand calendar has doses
    (:func:`~isoflow.scenario.bookings.dose_weekdays` of the dose product); a discarded
    first elution, the elutions without doses and the daughter left at replacement give
    none. The typical week is the scenario's first.
    """
    life = generator_life(
        generator,
        process,
        sc.site(process.site),
        leads.transfer(generator),
        sc.meta.start.date(),
        day_weights(sc.product(process.output)),
    )
    return life.dose_bq


def _per_bq(
    sc: Scenario, product_id: str, leads: LeadTimeRule, seen: frozenset[str]
) -> dict[str, list[float]]:
    """Supply isotope -> Bq at its EOP per Bq of ``product_id`` at EOP, one value per route."""
    out: dict[str, list[float]] = defaultdict(list)
    product = sc.product(product_id)
    for proc in sc.processes:
        if proc.output != product_id:
            continue
        feeds = [i for i in proc.inputs if i.activity_feed]
        if not feeds:
            out[product.nuclide].append(1.0)
            continue
        feed = sc.product(feeds[0].product)
        if feed.id in seen:
            continue
        if feed.stage == Stage.GENERATOR and feed.daughter is not None:
            y = generator_yield(sc, feed, proc, leads)
            if y <= 0.0:
                continue
            step = 1.0 / (y * proc.yield_fraction * math.exp(-_lam(feed.daughter) * proc.duration))
        else:
            lam = _lam(feed.nuclide)
            step = math.exp(lam * leads.transfer(feed)) / (
                proc.yield_fraction * math.exp(-lam * proc.duration)
            )
        for iso, values in _per_bq(sc, feed.id, leads, seen | {product_id}).items():
            out[iso].extend(v * step for v in values)
    return out


def dose_activity(product: Product) -> float:
    """Activity of one dose at administration [Bq] (per-kg doses at the reference mass)."""
    return product_dose_activity(product)


def dose_requirements(
    scenario: Scenario, leads: LeadTimeRule | None = None
) -> list[DoseRequirement]:
    """Activity of each supply isotope at its EOP needed per dose, for every dosed product.

    A product without any supply route gets one row with its own nuclide, the dose activity
    and ``routes=0``: its demand shows up with no capacity against it.
    """
    rule = leads or LeadTimeRule()
    out = []
    for product in scenario.products:
        if product.dose is None:
            continue
        activity = dose_activity(product)
        lead = rule.delivery(product)
        at_eop = activity * math.exp(_lam(product.nuclide) * lead)
        routes = _per_bq(scenario, product.id, rule, frozenset())
        if not routes:
            out.append(
                DoseRequirement(product.id, product.nuclide, activity, lead / HOUR, activity, 0)
            )
        for iso, values in sorted(routes.items()):
            out.append(
                DoseRequirement(
                    product=product.id,
                    isotope=iso,
                    dose_activity_bq=activity,
                    delivery_lead_h=lead / HOUR,
                    eop_bq_per_dose=at_eop * sum(values) / len(values),
                    routes=len(values),
                )
            )
    return out


def doses_in_year(
    scenario: Scenario, year: int, growth_scale: float = 1.0
) -> list[tuple[str, str, float]]:
    """(country, product, doses) of every demand rate in ``year``."""
    days = (date(year + 1, 1, 1) - date(year, 1, 1)).days
    return [
        (
            r.country,
            r.product,
            r.doses_per_week
            * days
            / 7.0
            * (1.0 + r.growth_per_year * growth_scale) ** (year - r.base_year),
        )
        for r in scenario.demand.rates
    ]


@dataclass(frozen=True)
class ExportRequirement:
    """An export order of the year as activity of one supply isotope at its EOP.

    One row per order and isotope that can supply it (several routes to one isotope are
    averaged, as for doses); how the order's demand is shared among its isotopes is decided
    against the year's capacity (:func:`~isoflow.engines.analysis.capacity.capacity_vs_demand`).
    """

    order: str
    market: str
    """Site id of the market (kind ``market``)."""
    country: str
    """Country of the market (the demand's region)."""
    product: str
    isotope: str
    day: date
    """Local date of the calibration at the market."""
    units: int
    activity_bq: float
    """Activity of each unit at calibration [Bq]."""
    delivery_lead_h: float
    """Assumed product EOP -> calibration [h]."""
    eop_bq_per_unit: float
    """Supply isotope at its end of production per unit [Bq]."""
    routes: int
    """Processes (routes) averaged (0: no supply route; the product's own nuclide)."""
    share: float = 1.0
    """Share of the order's demand this isotope carries (set against the year's capacity by
    :func:`~isoflow.engines.analysis.capacity.capacity_vs_demand`; 1 before)."""
    demand_bq: float = 0.0
    """Demand on this isotope [Bq at its EOP]: ``units · eop_bq_per_unit · share``."""

    def shared(self, share: float) -> ExportRequirement:
        """The same requirement carrying ``share`` of the order's demand."""
        return dataclasses.replace(
            self, share=share, demand_bq=self.units * self.eop_bq_per_unit * share
        )


def export_requirements(
    scenario: Scenario, year: int, leads: LeadTimeRule | None = None
) -> list[ExportRequirement]:
    """Every export order calibrated in ``year`` (local date at its market), per supply isotope.

    A unit's activity at calibration is decayed back over the product's delivery lead
    (``min(24 h, shelf_life/4)``, as a dose) to the product's EOP, then walked upstream to
    each supply isotope like a dose (:func:`dose_requirements`).
    """
    rule = leads or LeadTimeRule()
    sites = {s.id: s for s in scenario.sites}
    out = []
    for item in demand_items(scenario):
        market = sites.get(item.hospital)
        if not item.export or market is None:
            continue
        local = item.administration.astimezone(ZoneInfo(market.timezone)).date()
        if local.year != year:
            continue
        product = scenario.product(item.product)
        activity = prescribed_activity(item, product)
        lead = rule.delivery(product)
        at_eop = activity * math.exp(_lam(product.nuclide) * lead)
        routes = _per_bq(scenario, product.id, rule, frozenset()) or {product.nuclide: []}
        for iso, values in sorted(routes.items()):
            per_unit = at_eop * sum(values) / len(values) if values else at_eop
            out.append(
                ExportRequirement(
                    order=item.id,
                    market=market.id,
                    country=market.country,
                    product=product.id,
                    isotope=iso,
                    day=local,
                    units=item.doses,
                    activity_bq=activity,
                    delivery_lead_h=lead / HOUR,
                    eop_bq_per_unit=per_unit,
                    routes=len(values),
                ).shared(1.0)
            )
    return out
