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

    ``dose_importable`` says whether any of the row's doses could be made abroad at all (a
    candidate run in another country reaches the hospital within the product's shelf life);
    where none can (F-18 FDG far from any border), domestic production is the only supply and
    a low share is a capacity gap that imports cannot close.

Capacity-based (demand rates of one year)
    :func:`capacity_self_sufficiency` compares each country's own supply capacity with its
    demand per supply isotope (see :mod:`isoflow.engines.analysis.capacity`):
    ``share = min(1, domestic capacity / demand)``.

The two answer different questions (this week's doses with every rule of the plan, against a
year's activity with none of routing, timing or outages), so :func:`reconcile` gives one line
for each country and isotope where they differ by more than 10 points, with the reasons the
domestic plan left its doses unserved.
"""

from __future__ import annotations

from collections import Counter, defaultdict
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Literal

from isoflow import bounds
from isoflow.engines.analysis.capacity import (
    CapacityOptions,
    capacity_vs_demand,
    dose_requirements,
)
from isoflow.engines.planner.api import PlanOptions, make_plan, network_for
from isoflow.engines.planner.candidates import generate
from isoflow.records.plan import Plan
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
    dose_importable: bool = True
    """Some dose of the row could be made abroad (a foreign candidate run reaches it)."""


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
    reconciled: tuple[str, ...] = ()
    """One line per country and isotope where the plan-based and capacity-based shares
    differ by more than 10 points, saying why (:func:`reconcile`)."""


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
    eluted: dict[tuple[str, datetime], list[str]] = defaultdict(list)
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


def _booking_keys(
    scenario: Scenario, options: PlanOptions
) -> tuple[dict[str, tuple[str, str, str, int]], set[str]]:
    """Bookings and orders of the horizon, and those that could be made abroad.

    Returns id -> (country, isotope, product, doses), and the ids of the bookings and
    orders a candidate run in another country could serve. Exports (orders at markets) are
    left out: they are no country's patients.
    """
    net = network_for(scenario, options)
    cand = generate(net, options.candidates)
    ids = cand.booking_ids
    bookings = {b.id: b for b in demand_items(scenario)}
    country = {s.id: s.country for s in scenario.sites}
    out = {}
    for bid in ids:
        b = bookings[bid]
        if b.export:
            continue
        out[bid] = (country[b.hospital], scenario.product(b.product).nuclide, b.product, b.doses)
    process_country = [country[p.site] for p in scenario.processes]
    foreign = {
        ids[a.booking]
        for a in cand.allocations
        if ids[a.booking] in out
        and process_country[cand.runs[a.run].process] != out[ids[a.booking]][0]
    }
    return out, foreign


def _supply_isotopes(scenario: Scenario) -> dict[str, set[str]]:
    """Drug nuclide -> the supply isotopes its doses come from (Tc-99m -> Mo-99)."""
    out: dict[str, set[str]] = defaultdict(set)
    for req in dose_requirements(scenario):
        out[scenario.product(req.product).nuclide].add(req.isotope)
    return out


def reconcile(
    scenario: Scenario,
    rows: Sequence[SelfSufficiencyRow],
    capacity_rows: Sequence[CapacitySelfSufficiencyRow],
    domestic: Plan,
) -> list[str]:
    """Why the plan-based and capacity-based shares differ, one line per row.

    Rows whose domestic share and capacity share differ by more than 10 points get both
    shares and the reasons the domestic plan left doses unserved.
    """
    capacity = {(c.country, c.isotope): c for c in capacity_rows}
    supply = _supply_isotopes(scenario)
    country = {s.id: s.country for s in scenario.sites}
    nuclide = {p.id: p.nuclide for p in scenario.products}
    reasons: dict[tuple[str, str], Counter[str]] = defaultdict(Counter)
    for u in domestic.unserved:
        reasons[(country[u.hospital], nuclide[u.product])][u.reason] += u.doses
    out = []
    for r in rows:
        for iso in sorted(supply.get(r.isotope, {r.isotope})):
            cap = capacity.get((r.country, iso))
            if cap is None or abs(cap.share - r.share_domestic) <= 0.10:
                continue
            why = ", ".join(
                f"{n / r.doses:.0%} {reason}"
                for reason, n in reasons[(r.country, r.isotope)].most_common(3)
            )
            out.append(
                f"{r.country} {r.isotope}: the domestic plan serves {r.share_domestic:.0%} of "
                f"this week's doses, domestic {iso} capacity covers {cap.share:.0%} of "
                f"{cap.year}'s demand"
                + (f"; unserved in the week: {why}" if why else "")
                + ("" if r.dose_importable else "; no dose can come from abroad")
                + " (the capacity table ignores routing, timing and this week's outages)"
            )
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
    keys, foreign = _booking_keys(scenario, opts)
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
        c["importable"] += bid in foreign
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
                dose_importable=c["importable"] > 0,
            )
        )
    year = scenario.meta.start.year if capacity_year is None else capacity_year
    removed = tuple(
        sorted({lane.id for lane in scenario.lanes} - {lane.id for lane in domestic_sc.lanes})
    )
    capacity_rows = tuple(capacity_self_sufficiency(scenario, year))
    return SelfSufficiencyResult(
        rows=tuple(rows),
        capacity_rows=capacity_rows,
        reconciled=tuple(reconcile(scenario, rows, capacity_rows, domestic)),
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
