"""Supply capacity against demand over years, per isotope and region, with reserve and N-1.

Capacity
    A *supply process* makes a radioactive product from no radioactive feed (an irradiation,
    a cyclotron synthesis, a fusion/accelerator line, a generator loaded with purchased
    parent). Its annual capacity is::

        capacity [Bq at end of production, EOP] = batch_max · max_batches_per_day
                                                  · available_days · (1 − qc_failure_prob)

    with the batches of each week capped by the site's stocks of what a batch consumes
    (O-18 water, targets: ``Site.stocks``; see :func:`stock_capped_batches`).

    ``available_days`` counts the local days of the year on which a weekly window opens and
    a whole batch (``duration``) fits in an operating-cycle 'on' period, outside planned
    outages and between the site's ``start`` and ``end`` dates (KJRR from 2026-27, Novartis
    Haiyan from end 2026, SAFARI-1 until 2030, BR2 until 2026 in ``apac-2025``). Processes
    fed by another product (labelling, generator assembly, elution) are downstream steps and
    do not add isotope capacity. The *isotope* of a row is the main nuclide of the supply
    process's product (Mo-99 for Tc-99m doses, Ge-68 or Ga-68 for Ga-68 doses).

Demand
    ``demand.rates`` give doses per week in a base year with a growth rate:
    ``doses(y) = doses_per_week · days(y)/7 · (1 + g·growth_scale)^(y − base_year)``. A dose
    is converted into the same unit as capacity, activity at the supply process's EOP,
    walking the supply chain upstream (see :func:`dose_requirements`):

    * the dose activity at administration (per-kg doses: a 70 kg reference patient) is
      decayed back over a *delivery lead* ``min(24 h, shelf_life/4)`` of the drug product;
    * a fed step divides by its yield and the decay during its ``duration``, and the feed
      is decayed back over a *transfer lead* ``min(48 h, shelf_life/4)`` of the feed;
    * a generator step divides by the daughter *dispensed* over one generator's life at
      the hospital per Bq of parent at calibration
      (:func:`~isoflow.scenario.generator_life.generator_life`, the rules planner and
      ``verify`` follow): delivered the transfer lead after its calibration, it is eluted
      on the elution process's schedule (:func:`~isoflow.scenario.rules.elution_slots`:
      ``elution_times`` or ``max_batches_per_day`` a day in its windows) until its shelf
      life ends or it is replaced (``replace_every``, e.g. weekly), at every slot under a
      fixed routine (``elute_every_slot``) and otherwise on the days with doses; each
      elution is the exact chain solution with the process's ``elution_efficiency``, its
      decline with age and the generator's ``max_elutions``. Counted as waste, not doses:
      a discarded first elution (``discard_first_elution``), the elutions of days without
      doses (the demand calendar's: no doses on Sunday, a quarter of a weekday's on
      Saturday), the eluate left over because the generator serves the same doses every
      week and is sized for its weakest elution (the last of its life), and what is still
      on the column at replacement. Mo-99 per Tc-99m dose is thus the Mo-99 a generator
      needs over the doses it really gives (``apac-2025``: about 59 Tc-99m doses per
      six-day Ci, against about 36-69 published);
    * several routes to one isotope are averaged; a product reachable from several isotopes
      (Ga-68 from Ge-68 generators or from cyclotrons) has its demand split in proportion
      to each isotope's dose-equivalent capacity that year.

    These leads are assumptions (state them with the results); change them with
    :class:`LeadTimeRule`.

    *Exports* (orders at a site of kind ``market``: demand outside the region, e.g. Europe
    buying Mo-99 from OPAL) compete for the same capacity: each export order calibrated in
    the year (local date at its market) adds ``units · activity`` decayed back over its
    product's delivery lead and walked upstream as a dose
    (:func:`~isoflow.engines.analysis.requirements.export_requirements`) to the demand of
    the market's region (and ``World``), shared over isotopes as doses are. It counts in
    ``demand_bq`` but never in ``demand_doses``; ``CapacityResult.exports`` lists it. The
    weekly profile puts it in the week of its calibration. (The region's own bookings and
    orders are a sample of its rates and are not added.)

Reserve and N-1
    The OECD-NEA's High-level Group on the Security of Supply of Medical Radioisotopes
    (HLG-MR) asks the supply chain to hold *outage reserve capacity* (ORC, policy principle
    2), and the NEA's demand and capacity projections test capacity against demand plus an
    ORC of 35 % (e.g. NEA/SEN/HLGMR(2019)1, "The Supply of Medical Radioisotopes: 2019
    Medical Isotope Demand and Capacity Projection for the 2019-2024 Period"). That is the
    default ``reserve_margin``; the NEA sets it for Mo-99 and it is applied to every isotope
    here. The N-1 case removes the largest single site of the isotope in the region.
"""

from __future__ import annotations

import math
from collections import defaultdict
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Literal

from isoflow import bounds
from isoflow.domain.sixday import six_day_ci
from isoflow.engines.analysis.batches import (
    available_dates,
    available_days,
    stock_capped_batches,
)
from isoflow.engines.analysis.records import HOUR
from isoflow.engines.analysis.requirements import (
    DoseRequirement,
    ExportRequirement,
    LeadTimeRule,
    dose_activity,
    dose_requirements,
    doses_in_year,
    export_requirements,
    generator_yield,
)
from isoflow.errors import OptionError
from isoflow.scenario.rules import DEFAULT_PATIENT_KG, is_class7
from isoflow.scenario.schema import Process, Product, Scenario

__all__ = [
    "DoseRequirement",
    "ExportRequirement",
    "LeadTimeRule",
    "available_dates",
    "available_days",
    "dose_activity",
    "dose_requirements",
    "doses_in_year",
    "export_requirements",
    "generator_yield",
    "stock_capped_batches",
]

ORC_OECD_NEA = 0.35
"""Outage reserve capacity as a fraction of demand used by the OECD-NEA (HLG-MR) [1]."""

REFERENCE_MASS_KG = DEFAULT_PATIENT_KG
"""Patient mass used for per-kg doses [kg]."""

Grouping = Literal["world", "region", "country"]

Key = tuple[str, str]
"""A row's key: (isotope, region)."""

REGIONS: Mapping[str, str] = {
    **dict.fromkeys(("AU", "NZ"), "Oceania"),
    **dict.fromkeys(("KR", "JP", "CN", "CN-HK", "TW", "MN"), "East Asia"),
    **dict.fromkeys(("SG", "MY", "TH", "ID", "PH", "VN", "IN", "BD", "PK", "LK"), "South/SE Asia"),
    **dict.fromkeys(("US", "CA", "MX"), "North America"),
    **dict.fromkeys(
        ("DE", "NL", "BE", "FR", "IT", "ES", "CZ", "PL", "GB", "CH", "AT", "SE", "NO", "RU"),
        "Europe",
    ),
    **dict.fromkeys(("IL", "AE", "SA", "TR", "IR"), "Middle East"),
    **dict.fromkeys(("ZA", "EG"), "Africa"),
    **dict.fromkeys(("AR", "BR", "CL"), "South America"),
}
"""Country -> region for ``grouping="region"``; other countries fall in ``Other``."""


def group_of(country: str, grouping: Grouping) -> str:
    """The region label of a country under a grouping."""
    if grouping == "world":
        return "World"
    if grouping == "country":
        return country
    return REGIONS.get(country, "Other")


@dataclass(frozen=True)
class CapacityOptions:
    """What to compare.

    Attributes
    ----------
    first_year, last_year
        Inclusive year range.
    reserve_margin
        Outage reserve capacity as a fraction of demand [1] (OECD-NEA: 0.35).
    grouping
        Rows per ``world``, ``region`` (see :data:`REGIONS`) or ``country``; every grouping
        also has ``World`` rows (all sites against all demand).
    growth_scale
        Multiplies every demand growth rate (0 = flat demand, 2 = twice the growth).
    leads
        Lead-time assumptions of the dose conversion.
    """

    first_year: int = 2025
    last_year: int = 2035
    reserve_margin: float = ORC_OECD_NEA
    grouping: Grouping = "region"
    growth_scale: float = 1.0
    leads: LeadTimeRule = field(default_factory=LeadTimeRule)

    def __post_init__(self) -> None:
        bounds.YEAR.check(self.first_year, "first_year")
        bounds.YEAR.check(self.last_year, "last_year")
        if self.last_year < self.first_year:
            expected = f"a year not before first year {self.first_year}"
            raise OptionError("last_year", expected, str(self.last_year))
        bounds.RESERVE.check(self.reserve_margin, "reserve_margin")
        bounds.GROWTH_SCALE.check(self.growth_scale, "growth_scale")
        if self.grouping not in ("world", "region", "country"):
            raise OptionError("grouping", "world, region or country", repr(self.grouping))


@dataclass(frozen=True)
class ProcessCapacity:
    """Annual capacity of one supply process."""

    year: int
    process: str
    site: str
    country: str
    isotope: str
    product: str
    available_days: int
    batches: int
    capacity_bq: float
    """Activity at end of production per year [Bq]."""
    capacity_six_day_ci: float | None = None
    """Mo-99 only: the same in six-day curies (:mod:`isoflow.domain.sixday`)."""


@dataclass(frozen=True)
class CapacityRow:
    """Capacity against demand for one year, isotope and region. Activities are at EOP [Bq]."""

    year: int
    isotope: str
    region: str
    capacity_bq: float
    demand_doses: float
    demand_bq: float
    required_bq: float
    """Demand plus outage reserve."""
    surplus_bq: float
    """Capacity minus required (negative: below demand plus reserve)."""
    largest_site: str
    capacity_n1_bq: float
    """Capacity with the largest site out."""
    surplus_n1_bq: float
    """N-1 capacity minus demand."""
    utilisation: float
    """Demand / capacity (inf when there is no capacity)."""
    status: Literal["ok", "below_reserve", "shortfall"]
    capacity_six_day_ci: float | None = None
    """Mo-99 only: ``capacity_bq`` in six-day curies (:mod:`isoflow.domain.sixday`)."""


@dataclass(frozen=True)
class CapacitySummary:
    """First problem years for one isotope and region (None: none in the range)."""

    isotope: str
    region: str
    first_shortfall_year: int | None
    """First year with capacity below demand."""
    first_reserve_breach_year: int | None
    """First year with capacity below demand plus reserve."""
    first_n1_shortfall_year: int | None
    """First year with N-1 capacity below demand."""


@dataclass(frozen=True)
class CapacityResult:
    """All tables of a capacity analysis."""

    rows: tuple[CapacityRow, ...]
    summary: tuple[CapacitySummary, ...]
    processes: tuple[ProcessCapacity, ...]
    requirements: tuple[DoseRequirement, ...]
    options: CapacityOptions
    assumptions: tuple[str, ...]
    exports: tuple[ExportRequirement, ...] = ()
    """Export orders (orders at markets) of the years, per supply isotope with its share;
    their activity is in the rows' ``demand_bq`` (never in ``demand_doses``)."""
    rate_demand_bq: Mapping[tuple[int, str, str], float] = field(default_factory=dict)
    """The part of each row's ``demand_bq`` from demand rates, by (year, isotope, region)."""


# --------------------------------------------------------------------------- supply side


def _radioactive(product: Product) -> bool:
    return is_class7(product)


def is_supply_process(scenario: Scenario, process: Process) -> bool:
    """True if ``process`` makes a radioactive product from no radioactive feed."""
    return _radioactive(scenario.product(process.output)) and not any(
        i.activity_feed for i in process.inputs
    )


def process_capacities(scenario: Scenario, years: range) -> list[ProcessCapacity]:
    """Annual capacity [Bq at EOP] of every supply process in every year."""
    out = []
    for proc in scenario.processes:
        if not is_supply_process(scenario, proc):
            continue
        product = scenario.product(proc.output)
        country = scenario.site(proc.site).country
        for year in years:
            dates = available_dates(scenario, proc, year)
            days = len(dates)
            batches = stock_capped_batches(scenario, proc, dates, year)
            out.append(
                ProcessCapacity(
                    year=year,
                    process=proc.id,
                    site=proc.site,
                    country=country,
                    isotope=product.nuclide,
                    product=product.id,
                    available_days=days,
                    batches=batches,
                    capacity_bq=(cap := passed_per_batch(proc) * batches),
                    capacity_six_day_ci=in_six_day_ci(product.nuclide, cap),
                )
            )
    return out


def passed_per_batch(process: Process) -> float:
    """Mean activity [Bq at EOP] of one batch: ``batch_max`` times the share passing QC."""
    return process.batch_max * (1.0 - process.qc_failure_prob)


def in_six_day_ci(isotope: str, activity_bq: float) -> float | None:
    """Mo-99 activity at its reference time in six-day curies; ``None`` for other isotopes."""
    return six_day_ci(activity_bq) if isotope == "Mo-99" else None


# --------------------------------------------------------------------------- comparison


def capacity_vs_demand(
    scenario: Scenario, options: CapacityOptions | None = None
) -> CapacityResult:
    """Compare annual capacity with demand per year, isotope and region (see module doc)."""
    opts = options or CapacityOptions()
    years = range(opts.first_year, opts.last_year + 1)
    procs = process_capacities(scenario, years)
    reqs = dose_requirements(scenario, opts.leads)
    by_product: dict[str, list[DoseRequirement]] = defaultdict(list)
    for r in reqs:
        by_product[r.product].append(r)
    rows: list[CapacityRow] = []
    exports: list[ExportRequirement] = []
    from_rates: dict[tuple[int, str, str], float] = {}
    for year in years:
        cap_site: dict[Key, dict[str, float]] = defaultdict(lambda: defaultdict(float))
        world_cap: dict[str, float] = defaultdict(float)
        for pc in procs:
            if pc.year == year:
                for key in row_keys(pc.isotope, pc.country, opts.grouping):
                    cap_site[key][pc.site] += pc.capacity_bq
                world_cap[pc.isotope] += pc.capacity_bq
        doses, demand = _rate_demand(scenario, year, opts, by_product, world_cap)
        from_rates.update({(year, *key): bq for key, bq in demand.items()})
        shared = _shared_exports(export_requirements(scenario, year, opts.leads), world_cap)
        for e in shared:
            for key in row_keys(e.isotope, e.country, opts.grouping):
                demand[key] += e.demand_bq
        exports += shared
        rows += [
            _row(year, key, cap_site.get(key, {}), doses.get(key, 0.0), demand.get(key, 0.0), opts)
            for key in sorted(set(cap_site) | set(demand))
        ]
    return CapacityResult(
        rows=tuple(rows),
        summary=tuple(_summaries(rows)),
        processes=tuple(procs),
        requirements=tuple(reqs),
        options=opts,
        assumptions=_assumptions(opts),
        exports=tuple(exports),
        rate_demand_bq=from_rates,
    )


def _shares(options: list[tuple[str, float]], world_cap: Mapping[str, float]) -> list[float]:
    """How a demand splits over the isotopes that can supply it, ``(isotope, Bq per unit)``.

    In proportion to the units each isotope's world capacity of the year makes; evenly when
    none has capacity.
    """
    weights = [world_cap.get(iso, 0.0) / per_unit for iso, per_unit in options]
    total = sum(weights)
    return [w / total for w in weights] if total > 0 else [1 / len(options)] * len(options)


def _rate_demand(
    scenario: Scenario,
    year: int,
    opts: CapacityOptions,
    by_product: Mapping[str, list[DoseRequirement]],
    world_cap: Mapping[str, float],
) -> tuple[dict[Key, float], dict[Key, float]]:
    """Doses and their activity at supply EOP per row key, from the demand rates of ``year``."""
    doses_of: dict[Key, float] = defaultdict(float)
    bq_of: dict[Key, float] = defaultdict(float)
    for country, product, doses in doses_in_year(scenario, year, opts.growth_scale):
        options = by_product.get(product, [])
        if not options:
            continue
        shares = _shares([(r.isotope, r.eop_bq_per_dose) for r in options], world_cap)
        for r, share in zip(options, shares, strict=True):
            for key in row_keys(r.isotope, country, opts.grouping):
                doses_of[key] += doses * share
                bq_of[key] += doses * share * r.eop_bq_per_dose
    return doses_of, bq_of


def _shared_exports(
    exports: list[ExportRequirement], world_cap: Mapping[str, float]
) -> list[ExportRequirement]:
    """Each export order's isotopes with their share of its demand (:func:`_shares`)."""
    by_order: dict[str, list[ExportRequirement]] = defaultdict(list)
    for e in exports:
        by_order[e.order].append(e)
    out = []
    for options in by_order.values():
        shares = _shares([(e.isotope, e.eop_bq_per_unit) for e in options], world_cap)
        out += [e.shared(s) for e, s in zip(options, shares, strict=True)]
    return out


def _row(
    year: int, key: Key, sites: dict[str, float], doses: float, dem: float, opts: CapacityOptions
) -> CapacityRow:
    """One year's row of an isotope and region: capacity of its ``sites`` against ``dem``."""
    cap = sum(sites.values())
    largest = max(sites, key=lambda s: sites[s]) if sites else ""
    cap_n1 = cap - (sites[largest] if largest else 0.0)
    required = dem * (1.0 + opts.reserve_margin)
    status: Literal["ok", "below_reserve", "shortfall"] = (
        "shortfall" if cap < dem else "below_reserve" if cap < required else "ok"
    )
    return CapacityRow(
        year=year,
        isotope=key[0],
        region=key[1],
        capacity_bq=cap,
        demand_doses=doses,
        demand_bq=dem,
        required_bq=required,
        surplus_bq=cap - required,
        largest_site=largest,
        capacity_n1_bq=cap_n1,
        surplus_n1_bq=cap_n1 - dem,
        utilisation=dem / cap if cap > 0 else (math.inf if dem > 0 else 0.0),
        status=status,
        capacity_six_day_ci=in_six_day_ci(key[0], cap),
    )


def row_keys(isotope: str, country: str, grouping: Grouping) -> list[Key]:
    """Row keys a site or demand counts in: its group, and ``World`` too."""
    group = group_of(country, grouping)
    return [(isotope, group)] if group == "World" else [(isotope, group), (isotope, "World")]


def _summaries(rows: list[CapacityRow]) -> list[CapacitySummary]:
    groups: dict[tuple[str, str], list[CapacityRow]] = defaultdict(list)
    for r in rows:
        groups[(r.isotope, r.region)].append(r)
    out = []
    for (iso, region), items in sorted(groups.items()):
        items.sort(key=lambda r: r.year)

        def first(
            pred: Callable[[CapacityRow], bool], items: list[CapacityRow] = items
        ) -> int | None:
            return next((r.year for r in items if pred(r)), None)

        out.append(
            CapacitySummary(
                isotope=iso,
                region=region,
                first_shortfall_year=first(
                    lambda r: r.demand_bq > 0 and r.capacity_bq < r.demand_bq
                ),
                first_reserve_breach_year=first(
                    lambda r: r.demand_bq > 0 and r.capacity_bq < r.required_bq
                ),
                first_n1_shortfall_year=first(
                    lambda r: r.demand_bq > 0 and r.capacity_n1_bq < r.demand_bq
                ),
            )
        )
    return out


def _assumptions(opts: CapacityOptions) -> tuple[str, ...]:
    lead = opts.leads
    return (
        "capacity = batch_max x batches/day x available days x (1 - QC failure), supply "
        "processes only (no radioactive feed); site start/end dates, cycles and outages "
        "respected; batches a week capped by site stocks of per-batch inputs (weeks from "
        "1 January)",
        f"demand in activity at the supply process's end of production: dose activity "
        f"decayed over min({lead.delivery_max_s / HOUR:g} h, {lead.shelf_fraction:g} x shelf "
        f"life) to the drug EOP, and every upstream feed over min("
        f"{lead.transfer_max_s / HOUR:g} h, {lead.shelf_fraction:g} x shelf life); yields and "
        "in-process decay included; a generator's doses over its service (its elution "
        "schedule, replacement, shelf life), net of a discarded first elution, elutions on "
        "days without doses, eluate beyond the doses of its weakest elution and what is left "
        "at replacement",
        f"per-kg doses at a {REFERENCE_MASS_KG:g} kg patient",
        f"outage reserve capacity {opts.reserve_margin:.0%} of demand (OECD-NEA HLG-MR "
        "practice for Mo-99, NEA/SEN/HLGMR(2019)1), applied to every isotope",
        "N-1: the largest single site of the isotope in the region is out",
        "demand is the scenario's demand rates plus its export orders (orders at market "
        "sites, in the year of their calibration): suppliers outside the region also serve "
        "markets the scenario does not list, so 'World' and exporting-region margins are "
        "upper bounds",
        f"demand growth x{opts.growth_scale:g} of each rate's growth_per_year",
    )
