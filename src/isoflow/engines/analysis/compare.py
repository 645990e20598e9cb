"""Compare two scenarios or two plans: KPIs side by side, and what changed.

:func:`compare_plans` lines up the KPIs of two plans (``b − a`` deltas), and lists the sites
whose runs or doses changed, the lanes whose shipments changed and the bookings whose status
(served where / unserved why / absent) changed. :func:`compare_scenarios` lists the sites,
lanes, processes, products and bookings added, removed or modified between two scenarios.
"""

from __future__ import annotations

from collections import Counter, defaultdict
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from typing import Any, Literal

from pydantic import BaseModel

from isoflow.records.plan import Plan, PlanAllocation
from isoflow.scenario.schema import Scenario


@dataclass(frozen=True)
class KpiDelta:
    """One KPI in both plans."""

    metric: str
    a: float | None
    b: float | None
    delta: float | None
    relative: float | None
    """``delta / |a|``; None when ``a`` is 0 or missing."""


@dataclass(frozen=True)
class UsageChange:
    """A site or lane used differently by the two plans."""

    kind: Literal["site", "lane"]
    id: str
    a_runs: int
    b_runs: int
    a_doses: int
    """Doses allocated from the site (sites) or bookings carried (lanes)."""
    b_doses: int


@dataclass(frozen=True)
class BookingChange:
    """A booking whose outcome differs."""

    booking: str
    product: str
    hospital: str
    a: str
    """``served@SITE``, ``unserved:REASON`` or ``absent``."""
    b: str


@dataclass(frozen=True)
class ScenarioChange:
    """An item added, removed or modified between two scenarios."""

    section: str
    id: str
    change: Literal["added", "removed", "modified"]
    fields: str
    """Modified top-level fields, ``;``-separated."""


@dataclass(frozen=True)
class PlanComparison:
    """All comparison tables."""

    kpis: tuple[KpiDelta, ...]
    usage: tuple[UsageChange, ...]
    bookings: tuple[BookingChange, ...]
    scenario_changes: tuple[ScenarioChange, ...] = ()


def _flatten(data: Mapping[str, Any], prefix: str = "") -> dict[str, float]:
    out: dict[str, float] = {}
    for key, value in data.items():
        name = f"{prefix}{key}"
        if isinstance(value, bool | int | float):
            out[name] = float(value)
        elif isinstance(value, Mapping):
            out.update(_flatten(value, name + "."))
    return out


def kpi_deltas(a: Plan, b: Plan) -> list[KpiDelta]:
    """Every numeric KPI of either plan, with ``b − a``."""
    fa, fb = _flatten(a.kpis.model_dump()), _flatten(b.kpis.model_dump())
    for plan, flat in ((a, fa), (b, fb)):
        if plan.solver is not None:
            flat["solver.seconds"] = plan.solver.seconds
            if plan.solver.gap is not None:
                flat["solver.gap"] = plan.solver.gap
    out = []
    for metric in sorted(set(fa) | set(fb)):
        va, vb = fa.get(metric), fb.get(metric)
        delta = vb - va if va is not None and vb is not None else None
        rel = delta / abs(va) if delta is not None and va else None
        out.append(KpiDelta(metric, va, vb, delta, rel))
    return out


def _status(plan: Plan) -> dict[str, tuple[str, str, str]]:
    """Outcome of each booking or order, with its product and hospital.

    ``served@site`` (doses per site when an order is split or short), ``unserved:reason``.
    """
    served: dict[str, Counter[str]] = defaultdict(Counter)
    short: dict[str, list[str]] = defaultdict(list)
    ref: dict[str, tuple[str, str]] = {}
    for a in plan.allocations:
        served[a.booking][a.site] += a.doses
        ref[a.booking] = (a.product, a.hospital)
    for u in plan.unserved:
        short[u.booking].append(f"{u.doses}:{u.reason}" if u.doses > 1 else str(u.reason))
        ref.setdefault(u.booking, (u.product, u.hospital))
    out = {}
    for bid, (product, hospital) in ref.items():
        sites = served.get(bid, Counter())
        whole = len(sites) == 1 and bid not in short
        parts = [
            f"served@{site}" if whole else f"served@{site}:{n}" for site, n in sorted(sites.items())
        ]
        parts += [f"unserved:{x}" for x in sorted(short.get(bid, []))]
        out[bid] = (";".join(parts), product, hospital)
    return out


def compare_plans(a: Plan, b: Plan) -> PlanComparison:
    """KPIs side by side and the sites, lanes and bookings that changed."""
    runs_a, runs_b = Counter(r.site for r in a.runs), Counter(r.site for r in b.runs)
    doses_a, doses_b = _doses_by(a, lambda x: [x.site]), _doses_by(b, lambda x: [x.site])
    usage = [
        UsageChange("site", s, runs_a[s], runs_b[s], doses_a[s], doses_b[s])
        for s in sorted(set(runs_a) | set(runs_b) | set(doses_a) | set(doses_b))
        if (runs_a[s], doses_a[s]) != (runs_b[s], doses_b[s])
    ]
    ship_a, ship_b = Counter(s.lane for s in a.shipments), Counter(s.lane for s in b.shipments)
    carried_a = _doses_by(a, lambda x: sorted({g.lane for g in x.legs}))
    carried_b = _doses_by(b, lambda x: sorted({g.lane for g in x.legs}))
    usage += [
        UsageChange("lane", lane, ship_a[lane], ship_b[lane], carried_a[lane], carried_b[lane])
        for lane in sorted(set(ship_a) | set(ship_b))
        if (ship_a[lane], carried_a[lane]) != (ship_b[lane], carried_b[lane])
    ]
    sa, sb = _status(a), _status(b)
    bookings = []
    for bid in sorted(set(sa) | set(sb)):
        xa, xb = sa.get(bid), sb.get(bid)
        status_a = xa[0] if xa else "absent"
        status_b = xb[0] if xb else "absent"
        if status_a != status_b:
            ref = xa or xb
            assert ref is not None
            bookings.append(BookingChange(bid, ref[1], ref[2], status_a, status_b))
    return PlanComparison(tuple(kpi_deltas(a, b)), tuple(usage), tuple(bookings))


def _doses_by(plan: Plan, keys: Callable[[PlanAllocation], list[str]]) -> Counter[str]:
    """Doses of the plan's allocations counted under each of ``keys(allocation)``."""
    out: Counter[str] = Counter()
    for x in plan.allocations:
        for key in keys(x):
            out[key] += x.doses
    return out


def _by_id(items: Iterable[BaseModel]) -> dict[str, BaseModel]:
    return {str(getattr(item, "id")): item for item in items}  # noqa: B009


def compare_scenarios(a: Scenario, b: Scenario) -> list[ScenarioChange]:
    """Sites, lanes, processes, products and bookings added, removed or modified."""
    sections: dict[str, tuple[Iterable[BaseModel], Iterable[BaseModel]]] = {
        "sites": (a.sites, b.sites),
        "lanes": (a.lanes, b.lanes),
        "processes": (a.processes, b.processes),
        "products": (a.products, b.products),
        "bookings": (a.demand.bookings, b.demand.bookings),
        "orders": (a.demand.orders, b.demand.orders),
    }
    out = []
    for section, (items_a, items_b) in sections.items():
        ma, mb = _by_id(items_a), _by_id(items_b)
        for key in sorted(set(ma) | set(mb)):
            if key not in mb:
                out.append(ScenarioChange(section, key, "removed", ""))
            elif key not in ma:
                out.append(ScenarioChange(section, key, "added", ""))
            elif ma[key] != mb[key]:
                da, db = ma[key].model_dump(), mb[key].model_dump()
                changed = [k for k in da if da[k] != db.get(k)]
                out.append(ScenarioChange(section, key, "modified", ";".join(changed)))
    for section, (xa, xb) in {
        "demand.rates": (a.demand.rates, b.demand.rates),
        "policies": (a.policies, b.policies),
        "disruptions": (a.disruptions, b.disruptions),
        "meta": (a.meta, b.meta),
    }.items():
        if xa != xb:
            out.append(ScenarioChange(section, "*", "modified", ""))
    return out
