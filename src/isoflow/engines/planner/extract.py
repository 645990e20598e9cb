"""Reading a solved model back into a :class:`~isoflow.records.plan.Plan`."""

from __future__ import annotations

import math
from collections import defaultdict
from collections.abc import Sequence
from datetime import datetime
from typing import Any

import numpy as np
import numpy.typing as npt

from isoflow.domain.calendar import from_epoch
from isoflow.engines.planner.build import GBQ, PlanningModel, contract_deliveries
from isoflow.engines.planner.candidates import Candidates
from isoflow.engines.planner.exports import export_kpis
from isoflow.engines.planner.network import PlanningNetwork, Route
from isoflow.engines.planner.reasons import stock_bars, stock_use
from isoflow.records.kpis import PlanKpis
from isoflow.records.plan import (
    PlanAllocation,
    PlanElution,
    PlanGenerator,
    PlanGeneratorUse,
    PlanInput,
    PlanLeg,
    PlanRun,
    PlanShipment,
    PlanUnserved,
)
from isoflow.records.reasons import MEANING, Reason
from isoflow.scenario.demand import DemandItem, demand_items
from isoflow.scenario.generator_use import UseRow, generator_use, use_kpis
from isoflow.scenario.rules import DosePrices, is_market, transport_index
from isoflow.scenario.schema import ProcessKind, Scenario
from isoflow.units import to_iso

FLOW_FLOOR_BQ = 1e4
"""Flows below this activity [Bq] are solver round-off, not shipments."""


def iso(t: float) -> str:
    """An epoch instant [s] as ISO-8601 UTC with ``Z``."""
    return to_iso(from_epoch(t))


def batch_id(net: PlanningNetwork, cand: Candidates, run: int) -> str:
    """Readable, unique id of a candidate run: ``process@start``."""
    return batch_ids(net, cand)[run]


def batch_ids(net: PlanningNetwork, cand: Candidates) -> list[str]:
    """:func:`batch_id` of every candidate run, in run order.

    Runs are only ever appended, so the ids are kept on ``cand`` and extended for new runs.
    """
    ids, procs = cand.run_ids, net.scenario.processes
    ids.extend(f"{procs[r.process].id}@{iso(r.start)}" for r in cand.runs[len(ids) :])
    return ids


def stated_departure(t: float) -> datetime:
    """A departure instant [s] as the plan states it: to the microsecond, rounded down.

    The latest departure before a closed window or an export restriction is the float just
    below its start; rounded to the nearest microsecond it would be stated as the start
    itself, inside the window. Rounded down it stays before it (and less than a microsecond
    early, well within the checks' tolerance).
    """
    return from_epoch(math.floor(t * 1e6) / 1e6)


def legs(net: PlanningNetwork, route: Route) -> tuple[PlanLeg, ...]:
    """Route legs as plan records (departures by :func:`stated_departure`)."""
    lanes = net.scenario.lanes
    return tuple(
        PlanLeg(
            lane=lanes[g.lane].id,
            depart_utc=stated_departure(g.depart),
            arrive_utc=from_epoch(g.arrive),
        )
        for g in route.legs
    )


def extract(
    net: PlanningNetwork, pm: PlanningModel, values: npt.NDArray[np.float64]
) -> dict[str, Any]:
    """Plan records and KPIs from a solution vector."""
    blocks = pm.model.col_blocks
    z = np.rint(values[blocks["z"].slice()]).astype(np.int64)
    w = np.maximum(values[blocks["w"].slice()], 0.0) * GBQ
    w[w < FLOW_FLOOR_BQ] = 0.0
    n = np.rint(values[blocks["n"].slice()]).astype(int)
    s = values[blocks["s"].slice()] > 0.5
    allocated: dict[int, float] = defaultdict(float)  # run -> Bq it gives at EOP
    served: dict[int, int] = defaultdict(int)  # booking or order -> units served
    allocations = _allocations(net, pm.cand, z, allocated, served)
    inputs, generators, eluted = _flows(net, pm, w, n, allocated)
    runs, made = _runs(net, pm, values, allocated, inputs, eluted)
    shipments = _shipments(net, pm, s, z, w, n)
    unserved = _unserved(net, pm.cand, served, made)
    kpis = _kpis(net, pm.cand, runs, allocations, shipments, unserved, len(generators))
    purchases = _purchases(net, pm, z, w)
    kpis["cost"]["purchases"] = purchases
    kpis["cost"]["total"] += purchases
    kpis["revenue"] = revenue(net.scenario, allocations)
    kpis["margin"] = kpis["revenue"]["total"] - kpis["cost"]["total"]
    use = generator_use(net.scenario, generators, runs, allocations, net.horizon_end)
    kpis["generator_use"] = use_kpis(use)
    return {
        "allocations": tuple(allocations),
        "runs": tuple(runs),
        "generators": tuple(generators),
        "generator_use": tuple(_use_record(r) for r in use),
        "shipments": tuple(shipments),
        "unserved": tuple(unserved),
        "kpis": PlanKpis.model_validate(kpis),
    }


def _use_record(row: UseRow) -> PlanGeneratorUse:
    """A row of the generator waste accounting as a plan record."""
    return PlanGeneratorUse(
        batch=row.batch,
        site=row.site,
        daughter=row.daughter,
        event=row.event,
        time_utc=from_epoch(row.time_s),
        eluted_bq=row.eluted_bq,
        dispensed_bq=row.dispensed_bq,
        waste_bq=row.waste_bq,
        cause=row.cause,
        parent_left_bq=row.parent_left_bq,
    )


def _allocations(
    net: PlanningNetwork,
    cand: Candidates,
    z: npt.NDArray[np.int64],
    allocated: dict[int, float],
    served: dict[int, int],
) -> list[PlanAllocation]:
    """One record per option with units served (``z``); activities per dose.

    Adds what each run gives to doses to ``allocated`` and the units served per booking or
    order to ``served``.
    """
    sc = net.scenario
    products = {p.id: p for p in sc.products}
    bookings = {b.id: b for b in demand_items(sc)}
    out = []
    for ki in np.flatnonzero(z > 0):
        a = cand.allocations[int(ki)]
        run = cand.runs[a.run]
        booking = bookings[cand.booking_ids[a.booking]]
        product = products[booking.product]
        lam = float(net.product_lambda[net.product_index[product.id]])
        t_admin = float(cand.booking_time[a.booking])
        count = int(z[ki])
        allocated[a.run] += a.need_eop * count
        served[a.booking] += count
        per_unit = int(cand.booking_unit_doses[a.booking])
        dose_eop = a.need_eop / per_unit
        out.append(
            PlanAllocation(
                booking=booking.id,
                hospital=booking.hospital,
                product=product.id,
                nuclide=product.nuclide,
                batch=batch_id(net, cand, a.run),
                site=sc.processes[run.process].site,
                end_of_production_utc=from_epoch(run.eop),
                activity_eop_bq=dose_eop,
                administration_utc=from_epoch(t_admin),
                activity_admin_bq=dose_eop * math.exp(-lam * (t_admin - run.eop)),
                legs=legs(net, a.route),
                doses=count * per_unit,
            )
        )
    return out


def _flows(
    net: PlanningNetwork,
    pm: PlanningModel,
    w: npt.NDArray[np.float64],
    n: npt.NDArray[np.int64],
    allocated: dict[int, float],
) -> tuple[dict[int, list[PlanInput]], list[PlanGenerator], dict[int, float]]:
    """Inputs into runs, generator deliveries, and the daughter eluted at each elution run."""
    cand = pm.cand
    procs = net.scenario.processes
    products = {p.id: p for p in net.scenario.products}
    inputs: dict[int, list[PlanInput]] = defaultdict(list)
    generators = []
    eluted: dict[int, float] = defaultdict(float)
    sized = dict(pm.sized_flows)
    size_col = 0
    size_counts: dict[int, list[int]] = {}
    for fi, sizes in pm.sized_flows:
        size_counts[fi] = [int(c) for c in n[size_col : size_col + len(sizes)]]
        size_col += len(sizes)
    for flow_index in np.flatnonzero(w > 0):
        fi = int(flow_index)
        f = cand.flows[fi]
        src_product = products[procs[cand.runs[f.src].process].output]
        allocated[f.src] += float(w[fi])
        if f.dst >= 0:
            inputs[f.dst].append(
                PlanInput(
                    batch=batch_id(net, cand, f.src),
                    product=src_product.id,
                    activity_eop_bq=float(w[fi]),
                    arrive_utc=from_epoch(f.route.arrive),
                    legs=legs(net, f.route),
                )
            )
            continue
        elution_proc = procs[cand.runs[f.elutions[0][0]].process] if f.elutions else None
        sizes_bq: tuple[float, ...] = ()
        if fi in sized:
            sizes_bq = tuple(
                size * GBQ
                for size, c in zip(sized[fi], size_counts[fi], strict=True)
                for _ in range(c)
            )
        for er, yld in f.elutions:
            eluted[er] += yld * float(w[fi])
        generators.append(
            PlanGenerator(
                batch=batch_id(net, cand, f.src),
                product=src_product.id,
                site=net.scenario.sites[f.site].id,
                parent=src_product.nuclide,
                daughter=src_product.daughter or "",
                activity_calibration_bq=float(w[fi]),
                sizes_bq=sizes_bq,
                arrive_utc=from_epoch(f.route.arrive),
                efficiency=elution_proc.elution_efficiency if elution_proc else 1.0,
                elutions=tuple(
                    PlanElution(
                        time_utc=from_epoch(cand.runs[er].start), daughter_bq=yld * float(w[fi])
                    )
                    for er, yld in f.elutions
                ),
                legs=legs(net, f.route),
            )
        )
    return inputs, generators, eluted


def _runs(
    net: PlanningNetwork,
    pm: PlanningModel,
    values: npt.NDArray[np.float64],
    allocated: dict[int, float],
    inputs: dict[int, list[PlanInput]],
    eluted: dict[int, float],
) -> tuple[list[PlanRun], set[int]]:
    """The runs made (and the elutions used), with their activity and costs; the runs made."""
    cand = pm.cand
    procs = net.scenario.processes
    products = {p.id: p for p in net.scenario.products}
    blocks = pm.model.col_blocks
    y = values[blocks["y"].slice()] > 0.5
    x = values[blocks["x"].slice()] * GBQ
    pos_of = {int(r): i for i, r in enumerate(pm.producing_runs)}
    made = {  # a run that took inputs is made, even if it then gave nothing (failed QC)
        int(pm.producing_runs[i])
        for i in np.flatnonzero(y)
        if x[i] > 0
        or allocated.get(int(pm.producing_runs[i]), 0.0) > 0
        or inputs.get(int(pm.producing_runs[i]))
    }
    runs = []
    for ri in sorted(
        made | {a for a in allocated if procs[cand.runs[a].process].kind == ProcessKind.ELUTION}
    ):
        run = cand.runs[ri]
        proc = procs[run.process]
        product = products[proc.output]
        is_elution = proc.kind == ProcessKind.ELUTION
        activity = eluted[ri] if is_elution else float(x[pos_of[ri]])
        runs.append(
            PlanRun(
                batch=batch_id(net, cand, ri),
                process=proc.id,
                site=proc.site,
                product=product.id,
                nuclide=product.nuclide,
                start_utc=from_epoch(run.start),
                end_of_production_utc=from_epoch(run.eop),
                release_utc=from_epoch(run.release),
                activity_eop_bq=activity,
                activity_allocated_bq=allocated.get(ri, 0.0),
                inputs=tuple(inputs.get(ri, [])),
                fixed_cost=0.0 if is_elution else proc.fixed_cost,
                variable_cost=0.0 if is_elution else proc.variable_cost_per_gbq * activity / GBQ,
            )
        )
    return runs, made


def _generator_counts(pm: PlanningModel, n: npt.NDArray[np.int64]) -> dict[int, int]:
    """Number of generators in each sized generator flow."""
    out: dict[int, int] = {}
    col = 0
    for fi, sizes in pm.sized_flows:
        out[fi] = int(n[col : col + len(sizes)].sum())
        col += len(sizes)
    return out


def _shipments(
    net: PlanningNetwork,
    pm: PlanningModel,
    s: npt.NDArray[np.bool_],
    z: npt.NDArray[np.int64],
    w: npt.NDArray[np.float64],
    values_n: npt.NDArray[np.int64],
) -> list[PlanShipment]:
    sc = net.scenario
    cand = pm.cand
    contents_b: dict[tuple[int, float], list[str]] = defaultdict(list)
    doses: dict[tuple[int, float], int] = defaultdict(int)
    contents_f: dict[tuple[int, float], list[str]] = defaultdict(list)
    ti: dict[tuple[int, float], float] = defaultdict(float)
    products = {p.id: p for p in sc.products}
    for ki in np.flatnonzero(z > 0):
        a = cand.allocations[int(ki)]
        product = products[sc.processes[cand.runs[a.run].process].output]
        count = int(z[ki])
        for g in a.route.legs:
            key = (g.lane, g.depart)
            contents_b[key].append(cand.booking_ids[a.booking])
            doses[key] += count * int(cand.booking_unit_doses[a.booking])
            ti[key] += transport_index(product, a.need_eop * count)
    counts = _generator_counts(pm, values_n)
    pieces: dict[tuple[int, float], list[int]] = defaultdict(list)
    for fi in np.flatnonzero(w > 0):
        f = cand.flows[int(fi)]
        product = products[sc.processes[cand.runs[f.src].process].output]
        for g in f.route.legs:
            pieces[(g.lane, g.depart)].append(counts.get(int(fi), 1))
            contents_f[(g.lane, g.depart)].append(batch_id(net, cand, f.src))
            ti[(g.lane, g.depart)] += transport_index(product, float(w[fi]))
    out = []
    for d in np.flatnonzero(s):
        lane_i, dep = pm.departures[int(d)]
        key = (lane_i, dep)
        if key not in contents_b and key not in contents_f:
            continue
        lane = sc.lanes[lane_i]
        packages = doses[key] + sum(pieces[key])
        out.append(
            PlanShipment(
                lane=lane.id,
                origin=lane.origin,
                destination=lane.destination,
                depart_utc=stated_departure(dep),
                arrive_utc=from_epoch(net.arrival(lane_i, dep)),
                bookings=tuple(contents_b[key]),
                batches=tuple(contents_f[key]),
                packages=packages,
                transport_index=ti[key],
                cost=lane.cost_per_shipment + lane.cost_per_package * packages,
            )
        )
    out.sort(key=lambda sh: (sh.depart_utc, sh.lane))
    return out


def _purchases(
    net: PlanningNetwork,
    pm: PlanningModel,
    z: npt.NDArray[np.int64],
    w: npt.NDArray[np.float64],
) -> float:
    """Cost of activity bought under supply agreements (price per GBq delivered)."""
    agreements = net.scenario.policies.supply_agreements
    total = 0.0
    for ci, kind, idx, factor in contract_deliveries(net, pm.cand):
        price = agreements[ci].price_per_gbq
        if kind == "w":
            total += price * factor * float(w[idx]) / GBQ
        else:
            total += price * factor * int(z[idx]) / GBQ
    return total


def _unserved(
    net: PlanningNetwork, cand: Candidates, served: dict[int, int], made: set[int]
) -> list[PlanUnserved]:
    """Bookings and orders (or the part of an order) the plan leaves unserved, with reasons."""
    bookings = {b.id: b for b in demand_items(net.scenario)}
    has_candidate = {a.booking for a in cand.allocations}
    runs_of: dict[int, set[int]] = defaultdict(set)
    for a in cand.allocations:
        runs_of[a.booking].add(a.run)
    used = stock_use(net, cand, made)
    fed = {f.dst for f in cand.flows if f.dst >= 0} | {
        er for f in cand.flows for er, _ in f.elutions
    }
    viable = {
        a.booking
        for a in cand.allocations
        if (a.run not in cand.feed_needed and not _needs_generator(net, cand, a.run))
        or a.run in fed
    }
    out = []
    for bi, bid in enumerate(cand.booking_ids):
        short_units = int(cand.booking_units[bi]) - served.get(bi, 0)
        if short_units <= 0:
            continue
        b = bookings[bid]
        if bi in cand.reasons:
            code, detail = cand.reasons[bi]
        elif bi in has_candidate and bi not in viable:
            code, detail = Reason.NO_INPUT_SUPPLY, MEANING[Reason.NO_INPUT_SUPPLY]
        elif stock_bars(net, cand, made, used, runs_of[bi]):
            code, detail = Reason.INPUT_STOCK, MEANING[Reason.INPUT_STOCK]
        else:
            code, detail = Reason.CAPACITY_EXHAUSTED, MEANING[Reason.CAPACITY_EXHAUSTED]
        out.append(
            PlanUnserved(
                booking=bid,
                hospital=b.hospital,
                product=b.product,
                administration_utc=from_epoch(float(cand.booking_time[bi])),
                reason=code,
                detail=detail,
                doses=short_units * int(cand.booking_unit_doses[bi]),
            )
        )
    return out


def _needs_generator(net: PlanningNetwork, cand: Candidates, run: int) -> bool:
    return net.scenario.processes[cand.runs[run].process].kind == ProcessKind.ELUTION


def _kpis(
    net: PlanningNetwork,
    cand: Candidates,
    runs: list[PlanRun],
    allocations: list[PlanAllocation],
    shipments: list[PlanShipment],
    unserved: list[PlanUnserved],
    generators: int,
) -> dict[str, Any]:
    """Doses served (by priority, country, product), patients, orders, activity by stage, cost.

    Demand is counted in doses (``doses``, and the tallies by priority, country and product);
    ``patients`` counts the per-patient bookings, ``orders`` the orders (served in full, in
    part, not at all). Activity: ``produced_eop_bq`` is what was made of dose products
    (drug-product runs and eluates) at their EOP; ``allocated_eop_bq`` what was dispensed into
    doses; ``waste_eop_bq`` what any run or eluate made but nobody used; ``by_stage`` the same
    per stage (bulk isotope, generator, drug product) without double counting across stages.
    Exports (orders at markets) are no patient doses: every count above leaves them out, and
    ``exports`` (present when the horizon holds exports) counts them in units and activity
    (:func:`.exports.export_kpis`); their activity counts as used (not waste) in
    ``waste_eop_bq`` and ``by_stage``.
    """
    sc = net.scenario
    items = {b.id: b for b in demand_items(sc)}
    everything = [items[bid] for bid in cand.booking_ids]
    planned = [b for b in everything if not b.export]
    doses_of = [a for a in allocations if not items[a.booking].export]
    exports = export_kpis(everything, allocations, unserved, {p.id: p for p in sc.products})
    unserved = [u for u in unserved if not items[u.booking].export]
    served: dict[str, int] = defaultdict(int)
    for a in doses_of:
        served[a.booking] += a.doses

    def tally(key: Any) -> dict[str, dict[str, int]]:
        out: dict[str, dict[str, int]] = {}
        for b in planned:
            row = out.setdefault(str(key(b)), {"total": 0, "served": 0})
            row["total"] += b.doses
            row["served"] += served.get(b.id, 0)
        return dict(sorted(out.items()))

    country_of = {s.id: s.country for s in sc.sites}
    kind_of = {p.id: p.kind for p in sc.processes}
    production_runs = [r for r in runs if kind_of[r.process] != ProcessKind.ELUTION]
    fixed = sum(r.fixed_cost for r in runs)
    variable = sum(r.variable_cost for r in runs)
    transport = sum(sh.cost for sh in shipments)
    kpis: dict[str, Any] = {
        "doses": _served_counts(
            sum(b.doses for b in planned), sum(served.values()), sum(u.doses for u in unserved)
        ),
        "patients": _served_counts(
            *_patients(planned, served), sum(1 for u in unserved if items[u.booking].is_patient)
        ),
        "orders": _order_counts(planned, served),
        "by_priority": tally(lambda b: b.priority),
        "by_country": tally(lambda b: country_of[b.hospital]),
        "by_product": tally(lambda b: b.product),
        "unserved_by_reason": _count((u.reason, u.doses) for u in unserved),
        "activity": _activity(net, runs, production_runs, doses_of),
        "cost": {
            "production_fixed": fixed,
            "production_variable": variable,
            "transport": transport,
            "total": fixed + variable + transport,
            "currency": sc.meta.currency,
        },
        "runs": len(production_runs),
        "shipments": len(shipments),
        "generators": generators,
    }
    if exports["orders"]["total"]:
        kpis["exports"] = exports
    return kpis


def revenue(scenario: Scenario, allocations: Sequence[PlanAllocation]) -> dict[str, Any]:
    """Revenue of the doses served at the scenario's dose prices (``demand.prices``).

    ``total = Σ doses × price(product, hospital's country)`` over the allocations (exports
    to market sites excluded);
    ``by_product`` the same per product; ``priced_doses`` and ``unpriced_doses`` count the
    doses served with and without a price (a margin is only the whole story when the latter
    is zero). The price rule is :class:`~isoflow.scenario.rules.DosePrices`.
    """
    prices = DosePrices(scenario.demand.prices)
    country = {s.id: s.country for s in scenario.sites}
    markets = {s.id for s in scenario.sites if is_market(s)}
    by_product: dict[str, float] = defaultdict(float)
    priced = unpriced = 0
    for a in allocations:
        if a.hospital in markets:  # exports are not dose sales
            continue
        price = prices.of(a.product, country[a.hospital])
        if price is None:
            unpriced += a.doses
            continue
        priced += a.doses
        by_product[a.product] += price * a.doses
    return {
        "total": sum(by_product.values()),
        "by_product": dict(sorted(by_product.items())),
        "priced_doses": priced,
        "unpriced_doses": unpriced,
        "currency": scenario.meta.currency,
    }


def _activity(
    net: PlanningNetwork,
    runs: list[PlanRun],
    production_runs: list[PlanRun],
    allocations: list[PlanAllocation],
) -> dict[str, Any]:
    """Activity made, dispensed, administered, wasted and carried as impurity (see _kpis)."""
    products = {p.id: p for p in net.scenario.products}
    by_stage: dict[str, dict[str, float]] = {}
    for r in runs:
        stage = str(products[r.product].stage)
        row = by_stage.setdefault(stage, {"produced_eop_bq": 0.0, "used_eop_bq": 0.0})
        row["produced_eop_bq"] += r.activity_eop_bq
        row["used_eop_bq"] += min(r.activity_allocated_bq, r.activity_eop_bq)
    impurity = 0.0
    for r in production_runs:
        carried = products[r.product].impurity
        if carried is not None:
            impurity += r.activity_eop_bq * carried.fraction_at_eop
    return {
        "produced_eop_bq": by_stage.get("drug_product", {"produced_eop_bq": 0.0})[
            "produced_eop_bq"
        ],
        "allocated_eop_bq": sum(a.dispensed_eop_bq for a in allocations),
        "administered_bq": sum(a.activity_admin_bq * a.doses for a in allocations),
        "waste_eop_bq": sum(max(0.0, r.activity_eop_bq - r.activity_allocated_bq) for r in runs),
        "impurity_eop_bq": impurity,
        "by_stage": dict(sorted(by_stage.items())),
    }


def _served_counts(total: int, served: int, unserved: int) -> dict[str, Any]:
    return {
        "total": total,
        "served": served,
        "unserved": unserved,
        "served_share": (served / total) if total else 1.0,
    }


def _patients(planned: list[DemandItem], served: dict[str, int]) -> tuple[int, int]:
    """Per-patient bookings planned, and served."""
    patients = [b for b in planned if b.is_patient]
    return len(patients), sum(1 for b in patients if served.get(b.id, 0) >= b.doses)


def _order_counts(planned: list[DemandItem], served: dict[str, int]) -> dict[str, int]:
    """Orders planned, served in full, in part, and not at all."""
    orders = [b for b in planned if not b.is_patient]
    full = sum(1 for b in orders if served.get(b.id, 0) >= b.doses)
    none = sum(1 for b in orders if served.get(b.id, 0) == 0)
    return {
        "total": len(orders),
        "served": full,
        "part_served": len(orders) - full - none,
        "unserved": none,
    }


def _count(items: Any) -> dict[str, int]:
    """Sum of counts per key, keys sorted: ``(key, count)`` pairs in."""
    out: dict[str, int] = defaultdict(int)
    for key, n in items:
        out[key] += n
    return dict(sorted(out.items()))
