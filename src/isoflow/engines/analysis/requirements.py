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
from isoflow.engines.analysis.records import DAY, HOUR
from isoflow.scenario.demand import demand_items
from isoflow.scenario.rules import (
    generator_service_end,
    prescribed_activity,
    product_dose_activity,
    supply_elutions,
)
from isoflow.scenario.schema import Process, Product, Scenario, Stage

GENERATOR_SPAN_S = 14 * 86400.0
"""Longest span [s] over which a generator's elutions are counted towards capacity (two
weeks, a common replacement cycle)."""


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


def generator_life_s(generator: Product, process: Process | None = None) -> float:
    """How long a generator's elutions count towards capacity [s].

    Its service (shelf life, or its replacement by the elution ``process``'s
    ``replace_every``: :func:`~isoflow.scenario.rules.generator_service_end`, counted from
    calibration), but at most :data:`GENERATOR_SPAN_S`: capacity counts every elution slot
    as a batch, so over a long life (a Ge-68/Ga-68 generator's year) it would count elutions
    no hospital makes; ``max_elutions`` may end it sooner.
    """
    return min(generator_service_end(generator, process, 0.0, 0.0), GENERATOR_SPAN_S)


def generator_yield(
    generator: Product, efficiency: float, discard_first: bool, interval_s: float, life_s: float
) -> float:
    """Daughter activity for doses over a generator's life per Bq of parent at calibration [1].

    Elutions at ``interval_s, 2·interval_s, ...`` up to ``life_s`` (at most 2,000), by the
    elution rule (:func:`~isoflow.scenario.rules.supply_elutions`: efficiency and its decline
    with age, the elution limit, a discarded first elution; exact chain solution).
    """
    n = max(1, min(2000, int(life_s // interval_s)))
    offsets = tuple(interval_s * (k + 1) for k in range(n))
    return float(sum(supply_elutions(generator, offsets, efficiency, discard_first)))


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
            lam_d = _lam(feed.daughter)
            half = math.log(2) / lam_d if lam_d > 0 else DAY
            interval = max(DAY / proc.max_batches_per_day, 4 * half)
            y = generator_yield(
                feed,
                proc.elution_efficiency,
                proc.discard_first_elution,
                interval,
                generator_life_s(feed, proc),
            )
            step = math.exp(_lam(feed.nuclide) * leads.transfer(feed)) / (
                y * proc.yield_fraction * math.exp(-lam_d * proc.duration)
            )
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
