"""Single points of failure: take out each site, lane or country's exports and re-plan (N-1).

For every *element* — a site (all of its processes stop), a lane (removed), or a country's
exports (an :class:`~isoflow.scenario.schema.ExportRestriction` on all products over the
whole planning window) — the scenario is re-planned with the optimiser and the bookings
served are compared with the base plan. Elements are ranked by *treatments lost* (doses
served in the base plan minus doses served without the element), with the loss broken
down by country and by product. ``n2_top`` adds every pair among the top-k N-1 elements.

By default only elements the base plan uses are tried (sites with runs or allocations,
lanes with shipments, countries whose sites ship across a border): an unused element cannot
lose a treatment unless the re-plan is worse for solver reasons. ``all_elements`` tries
every site with a process, every lane and every country with a producing site.

Re-plans are independent tasks submitted to a :class:`concurrent.futures.Executor` (inline,
local processes or Dask; see :mod:`isoflow.adapters.executors`). A MIP stopped at a gap may
serve a booking more or fewer than the exact optimum: losses of a single booking on large
scenarios should be read with the gap in mind (it is reported).
"""

from __future__ import annotations

import math
import time
from collections import defaultdict
from collections.abc import Callable, Sequence
from concurrent.futures import Executor, Future
from dataclasses import dataclass, field, replace
from datetime import timedelta
from itertools import combinations
from typing import Literal

from isoflow import bounds
from isoflow.engines.planner.api import PlanOptions, make_plan
from isoflow.engines.planner.solve import SolveOptions
from isoflow.errors import IsoflowError, OptionError
from isoflow.records.plan import Plan
from isoflow.records.status import SolveStatus
from isoflow.scenario.demand import demand_items
from isoflow.scenario.schema import ExportRestriction, Scenario
from isoflow.units import to_iso

ElementKind = Literal["site", "lane", "exports"]


@dataclass(frozen=True, order=True)
class Element:
    """A network element that can fail: a site, a lane, or a country's exports."""

    kind: ElementKind
    id: str

    def __str__(self) -> str:
        return f"{self.kind}:{self.id}"


@dataclass(frozen=True)
class ContingencyOptions:
    """How to run the contingency analysis.

    Attributes
    ----------
    plan
        Planner options of the base plan and every re-plan (default: 30 s, 2 % gap).
    all_elements
        Try every element, not only those the base plan uses.
    n2_top
        Also take out every pair among the top-k N-1 elements (0: no N-2).
    kinds
        Element kinds to try.
    retry_factor
        A re-plan stopped by its time limit before the MIP gap (status ``feasible``) is
        retried once with the time limit multiplied by this (1: no retry).
    method
        ``replan`` (default): each failure is an event on the base plan, re-planned by the
        re-planner in soft mode (every change from the base plan costs ``stability`` per
        dose, so what the failure does not touch stays as it is, and the solver proves that
        quickly); ``scratch``: each failure re-planned from nothing.
    stability
        The soft re-plan's cost of each dose served otherwise than in the base plan.
    """

    plan: PlanOptions = field(
        default_factory=lambda: PlanOptions(solve=SolveOptions(time_limit_s=30.0, mip_gap=0.02))
    )
    all_elements: bool = False
    n2_top: int = 0
    kinds: tuple[ElementKind, ...] = ("site", "lane", "exports")
    retry_factor: float = 4.0
    method: Literal["replan", "scratch"] = "replan"
    stability: float = 1e4

    def __post_init__(self) -> None:
        bounds.N2_TOP.check(self.n2_top, "n2_top")
        bounds.RETRY_FACTOR.check(self.retry_factor, "retry_factor")
        if not self.kinds or any(k not in ("site", "lane", "exports") for k in self.kinds):
            raise OptionError("kinds", "one or more of site, lane, exports", repr(self.kinds))
        if self.method not in ("replan", "scratch"):
            raise OptionError("method", "replan or scratch", repr(self.method))
        if not (math.isfinite(self.stability) and 0.0 <= self.stability <= 1e9):
            raise OptionError("stability", "a number from 0 to 1e9", repr(self.stability))


@dataclass(frozen=True)
class Outcome:
    """Bookings served after taking out some elements (what a re-plan task returns)."""

    served: int
    by_country: dict[str, int]
    by_product: dict[str, int]
    status: str
    gap: float | None
    seconds: float
    error: str = ""
    served_doses: dict[str, int] = field(default_factory=dict)
    """Doses served per booking or order id."""


@dataclass(frozen=True)
class ContingencyRow:
    """One failure case, ranked by treatments lost among cases of the same order."""

    rank: int
    elements: str
    """Elements out, e.g. ``site:au_ansto_opal`` or ``site:a + lane:b``."""
    order: int
    """1 for N-1, 2 for N-2."""
    served: int
    lost: int
    """Doses served in the base plan minus doses served now."""
    own_lost: int
    """Of the doses the base plan served and this case does not, those at the failed
    sites themselves (a hospital whose own radiopharmacy is out); ``lost - own_lost`` is
    the loss the failure causes elsewhere in the network."""
    lost_share: float
    """``lost`` / doses in the horizon."""
    countries_hit: str
    """Countries losing treatments, most first, e.g. ``KR 12; JP 3``."""
    products_hit: str
    status: str
    gap: float | None
    seconds: float
    error: str = ""


@dataclass(frozen=True)
class LossBreakdown:
    """Treatments lost by one failure case in one country or for one product."""

    elements: str
    dimension: Literal["country", "product"]
    key: str
    base_served: int
    served: int
    lost: int


@dataclass(frozen=True)
class ContingencyResult:
    """Ranked failure cases, breakdowns, and how they were computed."""

    rows: tuple[ContingencyRow, ...]
    breakdown: tuple[LossBreakdown, ...]
    base: Outcome
    doses: int
    considered: tuple[str, ...]
    notes: tuple[str, ...]
    stopped: BaseException | None = field(default=None, repr=False, compare=False)
    """The stop (Ctrl-C, SIGTERM) that ended the re-plans early: the rows are the cases
    finished before it (a note says how many); re-raise it once the results are kept."""


# --------------------------------------------------------------------------- elements


def used_elements(scenario: Scenario, plan: Plan) -> list[Element]:
    """Sites, lanes and exporting countries the plan relies on."""
    country = {s.id: s.country for s in scenario.sites}
    lanes = {lane.id: lane for lane in scenario.lanes}
    producing = {p.site for p in scenario.processes}
    sites = {r.site for r in plan.runs} | {a.site for a in plan.allocations}
    used_lanes = {sh.lane for sh in plan.shipments}
    exporters = {
        country[lanes[lid].origin]
        for lid in used_lanes
        if lid in lanes and country[lanes[lid].origin] != country[lanes[lid].destination]
    }
    return sorted(
        [Element("site", s) for s in sites if s in producing]
        + [Element("lane", lid) for lid in used_lanes if lid in lanes]
        + [Element("exports", c) for c in exporters]
    )


def all_elements(scenario: Scenario) -> list[Element]:
    """Every site with a process, every lane, every country with a producing site."""
    producing = {p.site for p in scenario.processes}
    country = {s.id: s.country for s in scenario.sites}
    return sorted(
        [Element("site", s) for s in producing]
        + [Element("lane", lane.id) for lane in scenario.lanes]
        + [Element("exports", c) for c in {country[s] for s in producing}]
    )


def without(scenario: Scenario, elements: Sequence[Element], options: PlanOptions) -> Scenario:
    """The scenario with ``elements`` out over the whole planning window."""
    sites = {e.id for e in elements if e.kind == "site"}
    lanes = {e.id for e in elements if e.kind == "lane"}
    countries = sorted({e.id for e in elements if e.kind == "exports"})
    start = (options.start or scenario.meta.start) - timedelta(seconds=options.lead_s + 86400)
    policies = scenario.policies.model_copy(
        update={
            "export_restrictions": scenario.policies.export_restrictions
            + tuple(
                ExportRestriction(country=c, start=start, reason="contingency analysis")
                for c in countries
            )
        }
    )
    return scenario.model_copy(
        update={
            "processes": tuple(p for p in scenario.processes if p.site not in sites),
            "lanes": tuple(lane for lane in scenario.lanes if lane.id not in lanes),
            "policies": policies,
        }
    )


# --------------------------------------------------------------------------- re-plans


def _doses_by_record(plan: Plan) -> dict[str, int]:
    """Doses the plan serves per booking or order id."""
    out: dict[str, int] = defaultdict(int)
    for a in plan.allocations:
        out[a.booking] += a.doses
    return dict(out)


def outcome(scenario: Scenario, plan: Plan, seconds: float) -> Outcome:
    """Doses served by a plan, in total and by country and product."""
    k = plan.kpis
    solver = plan.solver
    return Outcome(
        served=k.doses.served if k.doses else 0,
        by_country={c: v.served for c, v in k.by_country.items()},
        by_product={p: v.served for p, v in k.by_product.items()},
        status=str(solver.status) if solver else plan.planner,
        gap=solver.gap if solver else None,
        seconds=seconds,
        served_doses=_doses_by_record(plan),
    )


def plan_with_retry(scenario: Scenario, options: PlanOptions, retry_factor: float) -> Plan:
    """Plan; if the time limit stopped the solver short of the gap, retry once for longer."""
    plan = make_plan(scenario, options)
    if plan.solver is not None and plan.solver.status == SolveStatus.FEASIBLE and retry_factor > 1:
        limit = min(options.solve.time_limit_s * retry_factor, bounds.SOLVER_TIME.hi)
        plan = make_plan(
            scenario, replace(options, solve=replace(options.solve, time_limit_s=limit))
        )
    return plan


def replan(
    scenario: Scenario,
    elements: tuple[Element, ...],
    options: PlanOptions,
    retry_factor: float = 1.0,
) -> Outcome:
    """Re-plan without ``elements``: a picklable task for an executor (see plan_with_retry)."""
    t0 = time.perf_counter()
    variant = without(scenario, elements, options)
    try:
        plan = plan_with_retry(variant, options, retry_factor)
    except IsoflowError as exc:
        return Outcome(0, {}, {}, "error", None, time.perf_counter() - t0, str(exc))
    return outcome(variant, plan, time.perf_counter() - t0)


def failure_events(elements: Sequence[Element], plan: Plan) -> list[dict[str, object]]:
    """The events that take ``elements`` out over the whole planning window of ``plan``.

    A site: down from a day before the earliest run to a day after the horizon; a lane:
    closed from then; a country's exports: restricted from then (all products).
    """
    start = to_iso(plan.earliest_run_utc - timedelta(days=1))
    end = to_iso(plan.end_utc + timedelta(days=1))
    out: list[dict[str, object]] = []
    for e in elements:
        if e.kind == "site":
            out.append({"kind": "site_down", "site": e.id, "start": start, "end": end})
        elif e.kind == "lane":
            out.append({"kind": "lane_closed", "lane": e.id, "start": start})
        else:
            out.append({"kind": "export_restriction", "country": e.id, "start": start})
    return out


def replan_case(
    scenario: Scenario,
    base: Plan,
    elements: tuple[Element, ...],
    options: PlanOptions,
    stability: float,
) -> Outcome:
    """Re-plan the base plan without ``elements`` (soft mode, nothing frozen): a task.

    Only the independent parts of the model the failure touches are re-planned; the others
    keep the base plan (:func:`isoflow.engines.planner.repair.pin_untouched`).
    """
    from isoflow.engines.planner.replan import ReplanOptions
    from isoflow.engines.planner.replan import replan as replan_plan
    from isoflow.records.revision import ReplanMode
    from isoflow.scenario.events import apply_events, parse_events

    t0 = time.perf_counter()
    events = parse_events({"events": failure_events(elements, base)}).events
    opts = ReplanOptions(
        now=base.earliest_run_utc,
        mode=ReplanMode.SOFT,
        stability=stability,
        plan=options,
        keep_untouched=True,
    )
    try:
        result = replan_plan(scenario, base, events, opts)
    except IsoflowError as exc:
        return Outcome(0, {}, {}, "error", None, time.perf_counter() - t0, str(exc))
    return outcome(apply_events(scenario, events), result.plan, time.perf_counter() - t0)


Task = Callable[[tuple[Element, ...]], Outcome]


class Stopped(Exception):
    """A stop (Ctrl-C, SIGTERM) reached the cases: the outcomes finished before it."""

    def __init__(self, done: list[Outcome], cause: BaseException) -> None:
        super().__init__(f"stopped after {len(done)} cases")
        self.done = done
        self.cause = cause


def _run_all(
    cases: list[tuple[Element, ...]],
    submit: Callable[[Executor, tuple[Element, ...]], Future[Outcome]],
    run: Task,
    executor: Executor | None,
    progress: Callable[[int, int], None] | None,
) -> list[Outcome]:
    """Every case's outcome, in order; a stop raises :class:`Stopped` with those finished."""
    results: list[Outcome] = []

    def tick() -> None:
        if progress is not None:
            progress(len(results), len(cases))

    try:
        tick()
        if executor is None:
            for case in cases:
                results.append(run(case))
                tick()
            return results
        futures: list[Future[Outcome]] = [submit(executor, case) for case in cases]
        for fut in futures:
            results.append(fut.result())
            tick()
    except KeyboardInterrupt as exc:
        raise Stopped(results, exc) from None
    return results


def _tasks(
    scenario: Scenario, plan: Plan, opts: ContingencyOptions
) -> tuple[Callable[[Executor, tuple[Element, ...]], Future[Outcome]], Task]:
    """How to submit one case to an executor, and how to run it here, for ``opts.method``."""
    if opts.method == "replan":

        def submit(pool: Executor, case: tuple[Element, ...]) -> Future[Outcome]:
            return pool.submit(replan_case, scenario, plan, case, opts.plan, opts.stability)

        def run(case: tuple[Element, ...]) -> Outcome:
            return replan_case(scenario, plan, case, opts.plan, opts.stability)

        return submit, run

    def submit_scratch(pool: Executor, case: tuple[Element, ...]) -> Future[Outcome]:
        return pool.submit(replan, scenario, case, opts.plan, opts.retry_factor)

    def run_scratch(case: tuple[Element, ...]) -> Outcome:
        return replan(scenario, case, opts.plan, opts.retry_factor)

    return submit_scratch, run_scratch


def _hits(base: dict[str, int], now: dict[str, int]) -> list[tuple[str, int, int]]:
    out = [(k, base[k], now.get(k, 0)) for k in base]
    return sorted([(k, b, n) for k, b, n in out if b != n], key=lambda x: (-(x[1] - x[2]), x[0]))


def contingency(
    scenario: Scenario,
    options: ContingencyOptions | None = None,
    executor: Executor | None = None,
    progress: Callable[[int, int], None] | None = None,
    base_plan: Plan | None = None,
) -> ContingencyResult:
    """Rank sites, lanes and countries' exports by the treatments lost without them.

    ``progress(done, total)`` is called as re-plans finish (in submission order). With no
    ``executor`` the re-plans run one after another in this process.
    """
    opts = options or ContingencyOptions()
    pool = executor
    t0 = time.perf_counter()
    plan = base_plan or plan_with_retry(scenario, opts.plan, opts.retry_factor)
    base = outcome(scenario, plan, time.perf_counter() - t0)
    doses = plan.kpis.doses.total if plan.kpis.doses else 0
    elements = all_elements(scenario) if opts.all_elements else used_elements(scenario, plan)
    elements = [e for e in elements if e.kind in opts.kinds]
    cases: list[tuple[Element, ...]] = [(e,) for e in elements]
    submit, run = _tasks(scenario, plan, opts)
    stop: Stopped | None = None
    planned = len(cases)
    results: list[Outcome] = []
    try:
        results = _run_all(cases, submit, run, pool, progress)
        if opts.n2_top > 1:
            ranked = sorted(zip(cases, results, strict=True), key=lambda cr: cr[1].served)
            top = [c[0] for c, _ in ranked[: opts.n2_top]]
            pairs: list[tuple[Element, ...]] = [tuple(p) for p in combinations(sorted(top), 2)]
            cases += pairs
            planned = len(cases)
            results = results + _run_all(pairs, submit, run, pool, progress)
    except Stopped as exc:
        stop = exc
        results = results + exc.done
        cases = cases[: len(results)]

    hospital = {b.id: b.hospital for b in demand_items(scenario)}
    rows: list[ContingencyRow] = []
    breakdown: list[LossBreakdown] = []
    for case, res in zip(cases, results, strict=True):
        failed = {e.id for e in case if e.kind == "site"}
        own = sum(
            max(0, n - res.served_doses.get(b, 0))
            for b, n in base.served_doses.items()
            if hospital.get(b) in failed
        )
        name = " + ".join(str(e) for e in case)
        by_c = _hits(base.by_country, res.by_country)
        by_p = _hits(base.by_product, res.by_product)
        rows.append(
            ContingencyRow(
                rank=0,
                elements=name,
                order=len(case),
                served=res.served,
                lost=base.served - res.served,
                own_lost=own,
                lost_share=(base.served - res.served) / doses if doses else 0.0,
                countries_hit="; ".join(f"{k} {b - n}" for k, b, n in by_c),
                products_hit="; ".join(f"{k} {b - n}" for k, b, n in by_p),
                status=res.status,
                gap=res.gap,
                seconds=res.seconds,
                error=res.error,
            )
        )
        breakdown += [LossBreakdown(name, "country", k, b, n, b - n) for k, b, n in by_c]
        breakdown += [LossBreakdown(name, "product", k, b, n, b - n) for k, b, n in by_p]
    rows.sort(key=lambda r: (r.order, -r.lost, r.elements))
    ranked_rows = tuple(
        replace(r, rank=1 + sum(q.order == r.order for q in rows[:i])) for i, r in enumerate(rows)
    )
    s = opts.plan.solve
    notes: tuple[str, ...] = (
        (
            "elements tried: every site with a process, every lane, every producing country"
            if opts.all_elements
            else "elements tried: only those the base plan uses (sites with runs or "
            "allocations, lanes with shipments, countries shipping across a border); "
            "use --all for every element"
        ),
        (
            f"re-plans: the base plan re-planned after each failure (soft mode, {opts.stability:g}"
            " per dose served otherwise), "
            if opts.method == "replan"
            else "re-plans: from nothing, "
        )
        + f"optimiser with time limit {s.time_limit_s:g} s and MIP gap {s.mip_gap:.1%} "
        + (
            f"(base plan the same), retried once with {opts.retry_factor:g}x the time limit "
            "when stopped short of the gap; "
            if opts.method == "scratch"
            else "(base plan the same); "
        )
        + "a loss of one booking may be solver noise at that gap, and a case whose status is "
        "still 'feasible' has an upper bound of the loss",
        "site out: all its processes stop; lane out: removed; exports out: an export "
        "restriction on all products over the whole planning window",
        "treatments lost = doses served in the base plan - doses served now",
    )
    if stop is not None:
        notes = (
            f"stopped after {len(cases)} of {planned} cases: the ranking holds only those",
            *notes,
        )
    return ContingencyResult(
        rows=ranked_rows,
        breakdown=tuple(breakdown),
        base=base,
        doses=doses,
        considered=tuple(str(e) for e in elements),
        notes=notes,
        stopped=stop.cause if stop is not None else None,
    )
