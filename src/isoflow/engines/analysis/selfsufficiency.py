"""Self-sufficiency: what share of each country's demand domestic production alone can serve.

Plan-based (the doses booked or ordered in the planning horizon)
    The base plan uses the whole network. The *domestic* plan removes every cross-border
    lane (origin and destination in different countries), so each country can only use
    what its own sites make from its own sites' feed. Per country and isotope (the drug
    product's nuclide)::

        share_domestic = doses served in the domestic plan / doses
        share_network  = doses served in the base plan / doses
        imports_cover  = share_network − share_domestic

    The base plan's served doses are also classified by where their supply chain ran:
    ``domestic`` (every batch made in the country), ``imported_feed`` (the dose was made in
    the country from an imported isotope or generator) or ``imported_dose`` (made abroad).
    An elution draws on the generators delivered to its site and eluted at its start.

Capacity-based (demand rates of one year)
    :func:`capacity_self_sufficiency` compares each country's own supply capacity with its
    demand per supply isotope (see :mod:`isoflow.engines.analysis.capacity`):
    ``share = min(1, domestic capacity / demand)``.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from typing import Literal

from isoflow import bounds
from isoflow.engines.analysis.capacity import CapacityOptions, capacity_vs_demand
from isoflow.engines.planner.api import PlanOptions, make_plan, network_for
from isoflow.engines.planner.candidates import generate
from isoflow.engines.planner.plan import Plan
from isoflow.scenario.demand import demand_items
from isoflow.scenario.schema import Scenario

ChainOrigin = Literal["domestic", "imported_feed", "imported_dose"]


@dataclass(frozen=True)
class SelfSufficiencyRow:
    """Plan-based self-sufficiency of one country for one isotope."""

    country: str
    isotope: str
    products: str
    doses: int
    """Doses booked or ordered in the horizon."""
    served_network: int
    served_domestic: int
    share_network: float
    share_domestic: float
    imports_cover: float
    """``share_network - share_domestic``: the share only imports make possible."""
    chain_domestic: int
    """Base-plan doses whose whole supply chain is in the country."""
    chain_imported_feed: int
    """Base-plan doses made in the country from imported isotope or generators."""
    chain_imported_dose: int
    """Base-plan doses made abroad."""


@dataclass(frozen=True)
class CapacitySelfSufficiencyRow:
    """Capacity-based self-sufficiency of one country for one supply isotope in one year."""

    year: int
    country: str
    isotope: str
    demand_bq: float
    domestic_capacity_bq: float
    share: float
    """``min(1, domestic capacity / demand)``."""


@dataclass(frozen=True)
class SelfSufficiencyResult:
    """Plan-based rows, capacity-based rows and how they were computed."""

    rows: tuple[SelfSufficiencyRow, ...]
    capacity_rows: tuple[CapacitySelfSufficiencyRow, ...]
    removed_lanes: tuple[str, ...]
    notes: tuple[str, ...]


def domestic_only(scenario: Scenario) -> Scenario:
    """The scenario without any cross-border lane."""
    country = {s.id: s.country for s in scenario.sites}
    return scenario.model_copy(
        update={
            "lanes": tuple(
                lane for lane in scenario.lanes if country[lane.origin] == country[lane.destination]
            )
        }
    )


def chain_origins(scenario: Scenario, plan: Plan) -> dict[str, ChainOrigin]:
    """Where each served booking's supply chain ran: booking id -> origin class.

    For an order served from several chains, the last allocation's.
    """
    return {
        a.booking: origin
        for a, origin in zip(plan.allocations, allocation_origins(scenario, plan), strict=True)
    }


def allocation_origins(scenario: Scenario, plan: Plan) -> list[ChainOrigin]:
    """Where the supply chain of each of the plan's allocations ran, in the plan's order."""
    country = {s.id: s.country for s in scenario.sites}
    runs = {r.batch: r for r in plan.runs}
    # an elution run draws on the generators delivered to its site and eluted at its start
    eluted: dict[tuple[str, str], list[str]] = defaultdict(list)
    for g in plan.generators:
        for e in g.elutions:
            eluted[(g.site, e.time_utc)].append(g.batch)

    def upstream_sites(batch: str, seen: set[str]) -> set[str]:
        run = runs.get(batch)
        if run is None or batch in seen:
            return set()
        seen.add(batch)
        out = {run.site}
        feeds = [inp.batch for inp in run.inputs] + eluted.get((run.site, run.start_utc), [])
        for feed in feeds:
            out |= upstream_sites(feed, seen)
        return out

    out: list[ChainOrigin] = []
    for a in plan.allocations:
        home = country[a.hospital]
        sites = upstream_sites(a.batch, set()) | {a.site}
        if all(country[s] == home for s in sites):
            out.append("domestic")
        elif country[a.site] == home:
            out.append("imported_feed")
        else:
            out.append("imported_dose")
    return out


def _booking_keys(scenario: Scenario, options: PlanOptions) -> dict[str, tuple[str, str, str, int]]:
    """Bookings and orders of the horizon: id -> (country, isotope, product, doses).

    Exports (orders at markets) are left out: they are no country's patients.
    """
    net = network_for(scenario, options)
    ids = generate(net, options.candidates).booking_ids
    bookings = {b.id: b for b in demand_items(scenario)}
    country = {s.id: s.country for s in scenario.sites}
    out = {}
    for bid in ids:
        b = bookings[bid]
        if b.export:
            continue
        out[bid] = (country[b.hospital], scenario.product(b.product).nuclide, b.product, b.doses)
    return out


def self_sufficiency(
    scenario: Scenario,
    options: PlanOptions | None = None,
    base_plan: Plan | None = None,
    capacity_year: int | None = None,
) -> SelfSufficiencyResult:
    """Per country and isotope: domestic-only share vs the full network, and what imports cover.

    ``capacity_year`` (default: the year of the scenario's start) selects the year of the
    capacity-based table; it is empty when the scenario has no demand rates.
    """
    if capacity_year is not None:
        bounds.YEAR.check(capacity_year, "capacity_year")
    opts = options or PlanOptions()
    base = base_plan or make_plan(scenario, opts)
    domestic_sc = domestic_only(scenario)
    domestic = make_plan(domestic_sc, opts)
    keys = _booking_keys(scenario, opts)
    served_dom: dict[str, int] = defaultdict(int)
    for a in domestic.allocations:
        served_dom[a.booking] += a.doses

    counts: dict[tuple[str, str], dict[str, int]] = defaultdict(lambda: defaultdict(int))
    products: dict[tuple[str, str], set[str]] = defaultdict(set)
    for bid, (country, iso, product, doses) in keys.items():
        c = counts[(country, iso)]
        products[(country, iso)].add(product)
        c["doses"] += doses
        c["domestic"] += served_dom.get(bid, 0)
    for a, origin in zip(base.allocations, allocation_origins(scenario, base), strict=True):
        if a.booking in keys:
            country, iso, _, _ = keys[a.booking]
            counts[(country, iso)]["network"] += a.doses
            counts[(country, iso)][f"chain_{origin}"] += a.doses
    rows = []
    for (country, iso), c in sorted(counts.items()):
        n = c["doses"]
        rows.append(
            SelfSufficiencyRow(
                country=country,
                isotope=iso,
                products=";".join(sorted(products[(country, iso)])),
                doses=n,
                served_network=c["network"],
                served_domestic=c["domestic"],
                share_network=c["network"] / n,
                share_domestic=c["domestic"] / n,
                imports_cover=(c["network"] - c["domestic"]) / n,
                chain_domestic=c["chain_domestic"],
                chain_imported_feed=c["chain_imported_feed"],
                chain_imported_dose=c["chain_imported_dose"],
            )
        )
    year = scenario.meta.start.year if capacity_year is None else capacity_year
    removed = tuple(
        sorted({lane.id for lane in scenario.lanes} - {lane.id for lane in domestic_sc.lanes})
    )
    return SelfSufficiencyResult(
        rows=tuple(rows),
        capacity_rows=tuple(capacity_self_sufficiency(scenario, year)),
        removed_lanes=removed,
        notes=(
            "domestic plan: every cross-border lane removed "
            f"({len(removed)} of {len(scenario.lanes)} lanes); same planner options as the "
            "base plan",
            "isotope = nuclide of the drug product booked (Tc-99m, Lu-177, F-18, ...)",
            "chain columns classify the base plan's served doses by where their batches ran",
            f"capacity table: domestic supply capacity vs demand rates in {year} "
            "(activity at end of production; see 'analyze capacity' for the assumptions)",
        ),
    )


def capacity_self_sufficiency(
    scenario: Scenario, year: int, options: CapacityOptions | None = None
) -> list[CapacitySelfSufficiencyRow]:
    """Per country and supply isotope: ``min(1, domestic capacity / demand)`` in ``year``."""
    if not scenario.demand.rates:
        return []
    base = options or CapacityOptions()
    opts = CapacityOptions(
        first_year=year,
        last_year=year,
        reserve_margin=base.reserve_margin,
        grouping="country",
        growth_scale=base.growth_scale,
        leads=base.leads,
    )
    result = capacity_vs_demand(scenario, opts)
    return [
        CapacitySelfSufficiencyRow(
            year=r.year,
            country=r.region,
            isotope=r.isotope,
            demand_bq=r.demand_bq,
            domestic_capacity_bq=r.capacity_bq,
            share=min(1.0, r.capacity_bq / r.demand_bq),
        )
        for r in result.rows
        if r.demand_bq > 0 and r.region != "World"
    ]
