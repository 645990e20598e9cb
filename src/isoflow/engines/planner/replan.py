"""Re-planning from events: keep the past and what is pinned, re-optimise the rest.

:func:`replan` takes a scenario, the plan in force (the *parent*), events
(:mod:`isoflow.scenario.events`) and the instant ``now``:

1. the events are applied to the scenario (outages, closures, late departures, export
   restrictions, demand changes); a run failure lowers that run's activity;
2. the model is built over the parent's horizon, with the parent's runs, doses and inputs
   among the candidates where they still hold (:mod:`.carry`; a consignment already on a
   late departure with its late arrival, lost if it no longer arrives in time);
3. the past is fixed (:func:`.pins.freeze`): runs started, consignments that left, generators
   delivered; in ``hard`` mode everything the parent decided before ``now + freeze`` too;
4. in ``soft`` mode each dose served otherwise than in the parent costs ``stability`` and
   each hour a run moves from the parent's nearest run of its process
   ``stability_per_hour``;
5. the model is solved and the plan read out; :mod:`.revision` gives the diff.
"""

from __future__ import annotations

import math
import time
from collections.abc import Collection, Sequence
from dataclasses import dataclass, field, replace
from datetime import datetime

import numpy as np

from isoflow import bounds
from isoflow.domain.calendar import epoch, from_epoch
from isoflow.engines.planner.api import PlanOptions, network_for, solve_model
from isoflow.engines.planner.build import PlanningModel, build
from isoflow.engines.planner.candidates import generate
from isoflow.engines.planner.carry import carry_parent
from isoflow.engines.planner.network import PlanningNetwork
from isoflow.engines.planner.pins import Frozen, PlanColumns, freeze, instant, plan_columns
from isoflow.engines.planner.repair import Repaired, pin_untouched, repaired_start
from isoflow.engines.planner.revision import diff, plan_hash
from isoflow.engines.planner.timing import may_start
from isoflow.errors import OptionError
from isoflow.records.plan import Plan
from isoflow.records.revision import ReplanMode, ReplanStart, Revision
from isoflow.scenario.events import Event, RunFailed, apply_events
from isoflow.scenario.schema import Scenario

HOUR = 3600.0


@dataclass(frozen=True)
class ReplanOptions:
    """How to re-plan.

    Attributes
    ----------
    now
        The instant of the re-plan (default: the parent's horizon start): before it is
        history.
    mode
        :class:`ReplanMode`.
    freeze_s
        Hard mode: decisions the parent took before ``now + freeze_s`` are kept as well [s].
    stability
        Soft mode: cost of each dose served otherwise than in the parent (currency).
    stability_per_hour
        Soft mode: cost of each hour a run moves away from the parent's runs of its process.
    keep_untouched
        Re-plan only the independent parts the events touch; the others keep the parent's
        plan exactly (:func:`.repair.pin_untouched`; for events that only take elements
        out, as the contingency analysis does).
    warm_start
        Start the solver from the parent, repaired against the new bounds
        (:mod:`.repair`); when it cannot be repaired the re-plan starts cold and says why.
    plan
        Solver, candidate and weight settings.
    """

    now: datetime | None = None
    mode: ReplanMode = ReplanMode.HARD
    freeze_s: float = 0.0
    stability: float = 1e4
    stability_per_hour: float = 100.0
    plan: PlanOptions = field(default_factory=PlanOptions)
    warm_start: bool = True
    keep_untouched: bool = False

    def __post_init__(self) -> None:
        if self.now is not None:
            bounds.check_instant(self.now, "now")
        bounds.LEAD.check(self.freeze_s, "freeze_s")
        if self.mode == ReplanMode.RECOMMEND:
            raise OptionError("mode", "hard or soft (recommend is its own function)", self.mode)
        for name in ("stability", "stability_per_hour"):
            value = getattr(self, name)
            if not (math.isfinite(value) and 0.0 <= value <= 1e9):
                raise OptionError(name, "a number from 0 to 1e9", repr(value))


@dataclass(frozen=True)
class Replanned:
    """A re-plan's plan and what it kept of its parent."""

    plan: Plan
    scenario: Scenario
    """The scenario with the events applied (what the plan is checked against)."""
    frozen: Frozen
    lost_in_transit: tuple[str, ...]
    """Bookings whose consignment on a late departure no longer arrives in time."""
    unmatched: int
    """Parent allocations no candidate matches any more (an event removed them)."""
    seconds: float


@dataclass
class Prepared:
    """A re-plan's model before its parent is pinned: the changed scenario and its candidates."""

    scenario: Scenario
    net: PlanningNetwork
    pm: PlanningModel
    pc: PlanColumns
    options: PlanOptions
    now: float
    lost_in_transit: list[str]
    failed: dict[str, float]
    seconds: float


def prepare(
    scenario: Scenario,
    parent: Plan,
    events: Sequence[Event],
    now: datetime | None,
    plan: PlanOptions,
    only: Collection[str] | None = None,
) -> Prepared:
    """Apply the events, build the model over the parent's horizon, map the parent onto it.

    ``scenario`` is the base scenario: the events the parent was re-planned after
    (:func:`history`) are applied first, then ``events``.

    The parent's runs are candidates (:func:`_parent_starts`), and its doses and inputs too
    where they still hold (:func:`.carry.carry_parent`; a consignment on a late departure
    with its late arrival). The parent's decisions enter as fixed columns and costs, and
    (:func:`replan`) as the solver's start once repaired (:mod:`.repair`).

    ``only``: candidates are generated for these bookings and orders alone; the others
    have the parent's doses only (:func:`.candidates.generate`).
    """
    t0 = time.perf_counter()
    changed = apply_events(scenario, (*history(parent), *events))
    start, end = instant(parent.start_utc), instant(parent.end_utc)
    t_now = epoch(now) if now is not None else start
    plan_opts = replace(
        plan,
        start=_utc(start),
        horizon_s=end - start,
        lead_s=start - instant(parent.earliest_run_utc),
        warm_start=False,
        solve=replace(plan.solve, drop_fixed=True),
    )
    net = network_for(changed, plan_opts)
    cand = generate(net, plan_opts.candidates, _parent_starts(net, parent, t_now), only)
    lost = carry_parent(net, cand, parent, t_now)
    pm = build(net, cand, plan_opts.weights)
    pc = plan_columns(net, cand, parent)
    failed = {e.batch: e.shortfall for e in events if isinstance(e, RunFailed)}
    return Prepared(changed, net, pm, pc, plan_opts, t_now, lost, failed, time.perf_counter() - t0)


def replan(
    scenario: Scenario,
    parent: Plan,
    events: Sequence[Event],
    options: ReplanOptions | None = None,
) -> Replanned:
    """Re-plan ``parent`` after ``events`` (see the module docstring)."""
    opts = options or ReplanOptions()
    t0 = time.perf_counter()
    p = prepare(scenario, parent, events, opts.now, opts.plan)
    hold = p.now + opts.freeze_s if opts.mode == ReplanMode.HARD else p.now
    frozen = freeze(p.pm, parent, p.pc, p.now, hold, p.failed)
    if opts.mode == ReplanMode.SOFT:
        _stability_costs(p.pm, p.pc, opts.stability, opts.stability_per_hour)
    if opts.warm_start:
        repaired = repaired_start(p.pm, p.pc, p.options.solve)
    else:
        repaired = Repaired(None, "cold start (asked for)")
    start = ReplanStart.REPAIRED if repaired.values is not None else ReplanStart.COLD
    at = _utc(p.now).isoformat()
    notes: tuple[str, ...] = (f"re-plan ({opts.mode}) at {at}; {repaired.note}",)
    if opts.keep_untouched:
        kept = pin_untouched(p.pm, p.pc, parent, repaired)
        notes += (f"{kept} independent parts the events do not touch keep the parent's plan",)
    plan = solve_model(
        p.net, p.pm, p.options, time.perf_counter() - t0, notes, start=repaired.values
    )
    revision = Revision(
        number=(parent.revision.number if parent.revision else 0) + 1,
        parent_hash=plan_hash(parent),
        now_utc=_utc(p.now),
        mode=opts.mode,
        freeze_s=opts.freeze_s if opts.mode == ReplanMode.HARD else 0.0,
        stability=opts.stability if opts.mode == ReplanMode.SOFT else 0.0,
        events=(*history(parent), *events),
        new_events=len(events),
        start=start,
        start_note=repaired.note,
        diff=diff(parent, plan, p.failed, tuple(p.lost_in_transit), events),
    )
    return Replanned(
        plan=plan.model_copy(update={"revision": revision}),
        scenario=p.scenario,
        frozen=frozen,
        lost_in_transit=tuple(p.lost_in_transit),
        unmatched=len(p.pc.missing_allocations),
        seconds=time.perf_counter() - t0,
    )


def history(plan: Plan) -> tuple[Event, ...]:
    """The events a plan was re-planned after, since the first plan (none for a first plan)."""
    return plan.revision.events if plan.revision is not None else ()


def _parent_starts(net: PlanningNetwork, parent: Plan, now: float) -> dict[int, list[float]]:
    """Starts of the parent's runs per process.

    Those before ``now`` (history, whatever the events say), and the later ones that may
    still start (:func:`.timing.may_start`).
    """
    index = {p.id: i for i, p in enumerate(net.scenario.processes)}
    out: dict[int, list[float]] = {}
    for r in parent.runs:
        if r.process in index:
            out.setdefault(index[r.process], []).append(instant(r.start_utc))
    procs = net.scenario.processes
    return {
        pi: [t for t in starts if t < now]
        + may_start(net, procs[pi], [t for t in starts if t >= now])
        for pi, starts in out.items()
    }


def _utc(t: float) -> datetime:
    return from_epoch(t)


def _stability_costs(pm: PlanningModel, pc: PlanColumns, per_dose: float, per_hour: float) -> None:
    """Soft mode: a dose served otherwise than in the parent, and a moved run, cost extra.

    ``+per_dose·m[b]`` on every option and on the shortfall of a booking the parent served,
    except on the parent's own options; ``+per_hour·|Δt|/h`` on a run of a process the parent
    ran, ``Δt`` the distance to its nearest parent run.
    """
    cand, m = pm.cand, pm.model
    z, u, y = pm.blocks["z"], pm.blocks["u"], pm.blocks["y"]
    served = {cand.allocations[k].booking for k in pc.allocations}
    for k, a in enumerate(cand.allocations):
        if a.booking in served and k not in pc.allocations:
            m.add_cost(z.start + k, per_dose * float(cand.booking_unit_doses[a.booking]))
    for bi in sorted(served):
        m.add_cost(u.start + bi, per_dose * float(cand.booking_unit_doses[bi]))
    parent_starts: dict[int, list[float]] = {}
    for ri in pc.runs.values():
        parent_starts.setdefault(cand.runs[ri].process, []).append(cand.runs[ri].start)
    for p, ri in enumerate(pm.producing_runs.tolist()):
        starts = parent_starts.get(cand.runs[ri].process)
        if starts:
            moved = float(np.min(np.abs(np.array(starts) - cand.runs[ri].start))) / HOUR
            if moved > 0:
                m.add_cost(y.start + p, per_hour * moved)
