"""The plan's KPIs (``Plan.kpis``, runs, unserved bookings, solver report) as display tables.

Every cell is a display string; missing KPIs show as dashes or empty tables, so a plan from
another planner (or an older ``plan.json``) still renders.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from isoflow.adapters.report.timefmt import chart_time
from isoflow.engines.planner.plan import Plan

GBQ = 1e9
"""Bq per GBq."""


@dataclass(frozen=True)
class Table:
    """A KPI table: title, column headings, rows of display strings."""

    key: str
    title: str
    columns: tuple[str, ...]
    rows: Sequence[tuple[str, ...]]


def _gbq(bq: Any) -> str:
    return "–" if bq is None else f"{float(bq) / GBQ:,.3f}"


def _share(part: float, whole: float) -> str:
    return f"{100.0 * part / whole:.1f} %" if whole else "–"


def _served_table(key: str, title: str, head: str, tally: Any) -> Table:
    rows = []
    for k, v in (tally or {}).items():
        total, served = int(v.get("total", 0)), int(v.get("served", 0))
        rows.append((str(k), str(total), str(served), str(total - served), _share(served, total)))
    return Table(key, title, (head, "doses", "served", "unserved", "served share"), rows)


def kpi_tables(plan: Plan) -> list[Table]:
    """The plan's KPIs as display tables (missing KPIs show as empty tables or dashes)."""
    k = plan.kpis
    b = k.get("doses", {})
    tables = [
        Table(
            "doses",
            "Doses",
            ("total", "served", "unserved", "served share"),
            [
                (
                    str(b.get("total", "–")),
                    str(b.get("served", "–")),
                    str(b.get("unserved", "–")),
                    _share(float(b.get("served", 0)), float(b.get("total", 0))),
                )
            ],
        ),
        _served_table("by_priority", "Served by priority", "priority", k.get("by_priority")),
        _served_table("by_country", "Served by country", "country", k.get("by_country")),
        _served_table("by_product", "Served by product", "product", k.get("by_product")),
    ]
    if k.get("exports"):
        tables.append(_exports_table(k["exports"]))
    act = k.get("activity", {})
    produced = float(act.get("produced_eop_bq", 0.0) or 0.0)
    act_rows = [
        ("dose products made (at EOP)", "produced_eop_bq"),
        ("dispensed into doses (at EOP)", "allocated_eop_bq"),
        ("administered (at administration)", "administered_bq"),
        ("made but unused, any stage (at EOP)", "waste_eop_bq"),
        ("long-lived impurity (at EOP)", "impurity_eop_bq"),
    ]
    tables.append(
        Table(
            "activity",
            "Activity produced vs administered",
            ("quantity", "GBq", "share of produced"),
            [
                (label, _gbq(act.get(key)), _share(float(act.get(key) or 0.0), produced))
                for label, key in act_rows
            ],
        )
    )
    if plan.generators:
        tables.append(_generator_table(k.get("generator_use", {})))
    cost = k.get("cost", {})
    cur = str(cost.get("currency", ""))
    tables.append(
        Table(
            "cost",
            "Cost breakdown",
            ("item", f"cost [{cur}]" if cur else "cost"),
            [
                (label, f"{float(cost[key]):,.2f}")
                for label, key in (
                    ("production, fixed", "production_fixed"),
                    ("production, variable", "production_variable"),
                    ("transport", "transport"),
                    ("purchases", "purchases"),
                    ("total", "total"),
                )
                if key in cost
            ]
            + _revenue_rows(k),
        )
    )
    tables.append(
        Table(
            "unserved",
            "Unserved bookings and orders",
            (
                "booking or order",
                "doses",
                "hospital",
                "product",
                "administration (UTC)",
                "reason",
                "detail",
            ),
            [
                (
                    u.booking,
                    str(u.doses),
                    u.hospital,
                    u.product,
                    chart_time(u.administration_utc),
                    u.reason,
                    u.detail,
                )
                for u in plan.unserved
            ],
        )
    )
    tables.append(
        Table(
            "unserved_by_reason",
            "Unserved by reason",
            ("reason", "doses"),
            [(str(r), str(n)) for r, n in (k.get("unserved_by_reason") or {}).items()],
        )
    )
    tables.append(_solver_table(plan))
    return tables


def _exports_table(exports: dict[str, Any]) -> Table:
    """Exports (orders at markets) by product: units and activity at calibration."""
    rows = []
    for product, v in (exports.get("by_product") or {}).items():
        total, served = int(v.get("total", 0)), int(v.get("served", 0))
        asked, got = v.get("activity_requested_bq"), v.get("activity_served_bq")
        rows.append(
            (str(product), str(total), str(served), _gbq(asked), _gbq(got), _share(served, total))
        )
    columns = ("product", "units", "served", "GBq ordered", "GBq served", "served share")
    return Table("exports", "Exports (not patient doses)", columns, rows)


def _generator_table(use: Any) -> Table:
    """Generator waste: eluted, dispensed, wasted by cause, left in generators (GBq)."""
    eluted = float(use.get("eluted_bq", 0.0) or 0.0)
    waste = use.get("waste_bq", {}) or {}
    rows = [
        ("eluted", use.get("eluted_bq")),
        ("dispensed into doses", use.get("dispensed_bq")),
        ("waste: discarded first elutions", waste.get("first_elution")),
        ("waste: elutions no dose is taken from", waste.get("no_doses")),
        ("waste: eluate left over", waste.get("left_over")),
    ]
    table_rows = [(label, _gbq(v), _share(float(v or 0.0), eluted)) for label, v in rows]
    table_rows += [
        (
            "daughter left in generators (replacement, horizon end)",
            _gbq(use.get("in_generator_bq")),
            "–",
        ),
        ("parent left in generators", _gbq(use.get("parent_left_bq")), "–"),
    ]
    return Table(
        "generator_use", "Generator waste", ("quantity", "GBq", "share of eluted"), table_rows
    )


def _solver_table(plan: Plan) -> Table:
    s = plan.solver
    rows: list[tuple[str, str]] = [("planner", plan.planner)]
    if s is not None:
        rows += [
            ("status", s.status),
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


def _revenue_rows(k: dict[str, Any]) -> list[tuple[str, ...]]:
    """Revenue and margin rows of the cost table, when the scenario prices its doses."""
    revenue = k.get("revenue")
    if not isinstance(revenue, dict) or not revenue.get("priced_doses"):
        return []
    rows: list[tuple[str, ...]] = [
        (f"revenue ({int(revenue['priced_doses']):,} priced doses)", f"{revenue['total']:,.2f}"),
        ("margin (revenue - total cost)", f"{float(k.get('margin', 0.0)):,.2f}"),
    ]
    if revenue.get("unpriced_doses"):
        rows.append(("doses served without a price", f"{int(revenue['unpriced_doses']):,}"))
    return rows
