"""The plan's KPIs (``Plan.kpis``, runs, unserved bookings, solver report) as display tables.

Every cell is a display string; missing KPIs show as dashes or empty tables, so a plan from
another planner (or an older ``plan.json``) still renders.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from isoflow.adapters.report.timefmt import chart_time
from isoflow.records.kpis import (
    ActivityKpis,
    ExportKpis,
    GeneratorUseKpis,
    PlanKpis,
    ServedCounts,
    Tally,
)
from isoflow.records.plan import Plan

GBQ = 1e9
"""Bq per GBq."""


@dataclass(frozen=True)
class Table:
    """A KPI table: title, column headings, rows of display strings."""

    key: str
    title: str
    columns: tuple[str, ...]
    rows: Sequence[tuple[str, ...]]


def _gbq(bq: float | None) -> str:
    return "–" if bq is None else f"{float(bq) / GBQ:,.3f}"


def _share(part: float, whole: float) -> str:
    return f"{100.0 * part / whole:.1f} %" if whole else "–"


def _served_table(key: str, title: str, head: str, tally: Mapping[str, Tally]) -> Table:
    rows = []
    for k, v in tally.items():
        total, served = v.total, v.served
        rows.append((str(k), str(total), str(served), str(total - served), _share(served, total)))
    return Table(key, title, (head, "doses", "served", "unserved", "served share"), rows)


def _doses_table(b: ServedCounts | None) -> Table:
    row = (
        ("–", "–", "–", "–")
        if b is None
        else (str(b.total), str(b.served), str(b.unserved), _share(b.served, b.total))
    )
    return Table("doses", "Doses", ("total", "served", "unserved", "served share"), [row])


def _activity_table(act: ActivityKpis | None) -> Table:
    produced = act.produced_eop_bq if act is not None else 0.0
    act_rows = [
        ("dose products made (at EOP)", "produced_eop_bq"),
        ("dispensed into doses (at EOP)", "allocated_eop_bq"),
        ("administered (at administration)", "administered_bq"),
        ("made but unused, any stage (at EOP)", "waste_eop_bq"),
        ("long-lived impurity (at EOP)", "impurity_eop_bq"),
    ]
    rows = []
    for label, key in act_rows:
        value: float | None = None if act is None else float(getattr(act, key))
        rows.append((label, _gbq(value), _share(value or 0.0, produced)))
    return Table(
        "activity",
        "Activity produced vs administered",
        ("quantity", "GBq", "share of produced"),
        rows,
    )


def _cost_table(k: PlanKpis) -> Table:
    cost = k.cost
    cur = cost.currency if cost is not None else ""
    items = (
        ("production, fixed", "production_fixed"),
        ("production, variable", "production_variable"),
        ("transport", "transport"),
        ("purchases", "purchases"),
        ("total", "total"),
    )
    rows: list[tuple[str, ...]] = []
    if cost is not None:
        rows = [(label, f"{float(getattr(cost, key)):,.2f}") for label, key in items]
    return Table(
        "cost",
        "Cost breakdown",
        ("item", f"cost [{cur}]" if cur else "cost"),
        rows + _revenue_rows(k),
    )


def _unserved_table(plan: Plan) -> Table:
    columns = (
        "booking or order",
        "doses",
        "hospital",
        "product",
        "administration (UTC)",
        "reason",
        "detail",
    )
    rows = [
        (
            u.booking,
            str(u.doses),
            u.hospital,
            u.product,
            chart_time(u.administration_utc),
            str(u.reason),
            u.detail,
        )
        for u in plan.unserved
    ]
    return Table("unserved", "Unserved bookings and orders", columns, rows)


def kpi_tables(plan: Plan) -> list[Table]:
    """The plan's KPIs as display tables (missing KPIs show as empty tables or dashes)."""
    k = plan.kpis
    tables = [
        _doses_table(k.doses),
        _served_table("by_priority", "Served by priority", "priority", k.by_priority),
        _served_table("by_country", "Served by country", "country", k.by_country),
        _served_table("by_product", "Served by product", "product", k.by_product),
    ]
    if k.exports is not None:
        tables.append(_exports_table(k.exports))
    tables.append(_activity_table(k.activity))
    if plan.generators:
        tables.append(_generator_table(k.generator_use or GeneratorUseKpis()))
    tables.append(_cost_table(k))
    tables.append(_unserved_table(plan))
    tables.append(
        Table(
            "unserved_by_reason",
            "Unserved by reason",
            ("reason", "doses"),
            [(str(r), str(n)) for r, n in k.unserved_by_reason.items()],
        )
    )
    tables.append(_solver_table(plan))
    return tables


def _exports_table(exports: ExportKpis) -> Table:
    """Exports (orders at markets) by product: units and activity at calibration."""
    rows = []
    for product, v in exports.by_product.items():
        rows.append(
            (
                str(product),
                str(v.total),
                str(v.served),
                _gbq(v.activity_requested_bq),
                _gbq(v.activity_served_bq),
                _share(v.served, v.total),
            )
        )
    columns = ("product", "units", "served", "GBq ordered", "GBq served", "served share")
    return Table("exports", "Exports (not patient doses)", columns, rows)


def _generator_table(use: GeneratorUseKpis) -> Table:
    """Generator waste: eluted, dispensed, wasted by cause, left in generators (GBq)."""
    eluted = use.eluted_bq
    waste = use.waste_bq
    rows = [
        ("eluted", use.eluted_bq),
        ("dispensed into doses", use.dispensed_bq),
        ("waste: discarded first elutions", waste.first_elution),
        ("waste: elutions no dose is taken from", waste.no_doses),
        ("waste: eluate left over", waste.left_over),
    ]
    table_rows = [(label, _gbq(v), _share(v, eluted)) for label, v in rows]
    table_rows += [
        ("daughter left in generators (replacement, horizon end)", _gbq(use.in_generator_bq), "–"),
        ("parent left in generators", _gbq(use.parent_left_bq), "–"),
    ]
    return Table(
        "generator_use", "Generator waste", ("quantity", "GBq", "share of eluted"), table_rows
    )


def _solver_table(plan: Plan) -> Table:
    s = plan.solver
    rows: list[tuple[str, str]] = [("planner", plan.planner)]
    if s is not None:
        rows += [
            ("status", str(s.status)),
            ("gap", "–" if s.gap is None else f"{100.0 * s.gap:.3g} %"),
            ("solve time", f"{s.seconds:.2f} s"),
            ("build time", f"{s.build_seconds:.2f} s"),
            ("objective", "–" if s.objective is None else f"{s.objective:,.4g}"),
            ("proven bound", "–" if s.bound is None else f"{s.bound:,.4g}"),
            ("penalty no plan avoids", f"{s.penalty_floor:,.4g}"),
            ("time limit", f"{s.time_limit_s:g} s"),
            ("target MIP gap", f"{100.0 * s.mip_gap:g} %"),
        ]
        rows += [(f"model: {name}", f"{n:,}") for name, n in s.candidates.items()]
        if s.message:
            rows.append(("message", s.message))
    return Table("solver", "Solver", ("item", "value"), rows)


def _revenue_rows(k: PlanKpis) -> list[tuple[str, ...]]:
    """Revenue and margin rows of the cost table, when the scenario prices its doses."""
    revenue = k.revenue
    if revenue is None or not revenue.priced_doses:
        return []
    margin = k.margin if k.margin is not None else 0.0
    rows: list[tuple[str, ...]] = [
        (f"revenue ({revenue.priced_doses:,} priced doses)", f"{revenue.total:,.2f}"),
        ("margin (revenue - total cost)", f"{margin:,.2f}"),
    ]
    if revenue.unpriced_doses:
        rows.append(("doses served without a price", f"{revenue.unpriced_doses:,}"))
    return rows
