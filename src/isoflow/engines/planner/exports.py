"""The ``exports`` KPIs of a plan: export orders counted apart from patient doses.

An export (an order at a market, :attr:`~isoflow.scenario.demand.DemandItem.export`) is planned
as any order, but its units are no patient doses: the plan's ``doses``, ``orders``, tallies
and dispensed activity leave them out, and :func:`export_kpis` counts them here, in units and
in activity at calibration (each unit's stated ``activity``)::

    {"units": {"total", "served", "unserved", "served_share"},
     "orders": {"total", "served", "part_served", "unserved"},
     "activity_requested_bq": Σ units · activity,       # at calibration
     "activity_served_bq": Σ served units · activity at calibration as planned,
     "dispensed_eop_bq": Σ served units · activity at the batch's EOP,
     "by_product": {product: {"total", "served", "activity_requested_bq",
                              "activity_served_bq"}},
     "by_market": {market site: the same},
     "unserved_by_reason": {reason: units}}
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable, Sequence
from typing import Any

from isoflow.records.plan import PlanAllocation, PlanUnserved
from isoflow.scenario.demand import DemandItem
from isoflow.scenario.rules import prescribed_activity
from isoflow.scenario.schema import Product


def export_kpis(
    items: Sequence[DemandItem],
    allocations: Sequence[PlanAllocation],
    unserved: Sequence[PlanUnserved],
    products: dict[str, Product],
) -> dict[str, Any]:
    """The ``exports`` KPIs (module docstring) of the export ``items`` planned.

    ``allocations`` and ``unserved`` may hold patient records too: only those of ``items``
    count.
    """
    exports = {b.id: b for b in items if b.export}
    served: dict[str, int] = defaultdict(int)
    served_bq: dict[str, float] = defaultdict(float)
    dispensed = 0.0
    for a in allocations:
        if a.booking in exports:
            served[a.booking] += a.doses
            served_bq[a.booking] += a.activity_admin_bq * a.doses
            dispensed += a.dispensed_eop_bq
    asked = {
        bid: b.doses * prescribed_activity(b, products[b.product]) for bid, b in exports.items()
    }
    total = sum(b.doses for b in exports.values())
    done = sum(served.values())
    full = sum(1 for b in exports.values() if served[b.id] >= b.doses)
    none = sum(1 for b in exports.values() if served[b.id] == 0)

    def tally(key: Callable[[DemandItem], str]) -> dict[str, dict[str, float]]:
        out: dict[str, dict[str, float]] = {}
        for b in exports.values():
            row = out.setdefault(
                key(b),
                {"total": 0, "served": 0, "activity_requested_bq": 0.0, "activity_served_bq": 0.0},
            )
            row["total"] += b.doses
            row["served"] += served[b.id]
            row["activity_requested_bq"] += asked[b.id]
            row["activity_served_bq"] += served_bq[b.id]
        return dict(sorted(out.items()))

    reasons: dict[str, int] = defaultdict(int)
    for u in unserved:
        if u.booking in exports:
            reasons[u.reason] += u.doses
    return {
        "units": {
            "total": total,
            "served": done,
            "unserved": sum(reasons.values()),
            "served_share": done / total if total else 1.0,
        },
        "orders": {
            "total": len(exports),
            "served": full,
            "part_served": len(exports) - full - none,
            "unserved": none,
        },
        "activity_requested_bq": sum(asked.values()),
        "activity_served_bq": sum(served_bq.values()),
        "dispensed_eop_bq": dispensed,
        "by_product": tally(lambda b: b.product),
        "by_market": tally(lambda b: b.hospital),
        "unserved_by_reason": dict(sorted(reasons.items())),
    }
