"""What a re-plan changed: the diff of a revision against its parent, from the plans alone.

Every figure is counted again from the two plans' records (allocations, runs, shipments),
not taken from their KPIs: doses served are summed over allocations, cost over runs (fixed
and variable) and shipments.

* a booking is *kept* when it is served by the same batches along the same legs, *moved*
  when it is served otherwise, *lost* when the parent served doses of it that the revision
  does not (with the cause: a failed run, a consignment on a late departure that no longer
  arrives in time, the site, lane or departure an event took from its dose, or else the
  revision's unserved reason), *withdrawn* when an event cancelled it, *gained* the other
  way round;
* a run is *kept* (same batch id), *shifted* (a removed and an added run of one process,
  paired nearest first, with the hours between their starts), *added* or *removed*;
* a shipment is kept, added or removed by (lane, departure).
"""

from __future__ import annotations

import hashlib
from collections import defaultdict
from collections.abc import Sequence

from isoflow.engines.planner.pins import instant
from isoflow.records.plan import Plan
from isoflow.records.revision import Figures, LostBooking, PlanDiff, RunShift
from isoflow.scenario.events import (
    DemandCancelled,
    DepartureCancelled,
    Event,
    LaneClosed,
    SiteDown,
)
from isoflow.units import to_iso

HOUR = 3600.0


def plan_hash(plan: Plan) -> str:
    """SHA-256 of the plan's records as ``plan.json`` holds them, solver timings aside.

    ``sha256:`` and 64 hex digits. The parent's own revision (its events and parent hash) is
    part of it, so a chain of revisions breaks if any plan in it changes.
    """
    text = plan.model_dump_json(exclude={"solver"})
    return "sha256:" + hashlib.sha256(text.encode()).hexdigest()


def figures(plan: Plan) -> Figures:
    """Doses, cost, runs and shipments of a plan, summed over its records."""
    return Figures(
        doses_served=sum(a.doses for a in plan.allocations),
        doses_unserved=sum(u.doses for u in plan.unserved),
        cost=sum(r.fixed_cost + r.variable_cost for r in plan.runs)
        + sum(s.cost for s in plan.shipments),
        runs=len(plan.runs),
        shipments=len(plan.shipments),
    )


def _service(plan: Plan) -> dict[str, set[tuple[str, tuple[tuple[str, str], ...], int]]]:
    out: dict[str, set[tuple[str, tuple[tuple[str, str], ...], int]]] = defaultdict(set)
    for a in plan.allocations:
        legs = tuple((g.lane, to_iso(g.depart_utc)) for g in a.legs)
        out[a.booking].add((a.batch, legs, a.doses))
    return out


def diff(
    parent: Plan,
    child: Plan,
    failed: dict[str, float] | None = None,
    late: tuple[str, ...] = (),
    events: Sequence[Event] = (),
) -> PlanDiff:
    """The diff of ``child`` against ``parent`` (module docstring).

    ``failed``: batches that failed (fraction lost); ``late``: bookings whose consignment on a
    late departure no longer arrives in time; ``events``: the events applied, which name the
    cause of a loss they touch (a site down, a lane closed or a departure cancelled that the
    parent's dose relied on) and the bookings and orders withdrawn (not losses).
    """
    before, after = _service(parent), _service(child)
    doses_before = {b: sum(d for *_, d in s) for b, s in before.items()}
    doses_after = {b: sum(d for *_, d in s) for b, s in after.items()}
    reasons = {u.booking: (str(u.reason), u.detail) for u in child.unserved}
    withdrawn = {e.id for e in events if isinstance(e, DemandCancelled)}
    causes = _event_causes(parent, events)
    lost: list[LostBooking] = []
    for b, n in sorted(doses_before.items()):
        short = n - doses_after.get(b, 0)
        if short <= 0 or b in withdrawn:
            continue
        hit = sorted({batch for batch, *_ in before[b]} & set(failed or {}))
        if hit:
            cause, detail = "run_failed", f"{hit[0]} failed"
        elif b in late:
            cause, detail = "shipment_delayed", "its consignment no longer arrives in time"
        elif b in causes:
            cause, detail = causes[b]
        else:
            cause, detail = reasons.get(b, ("capacity_exhausted", ""))
        lost.append(LostBooking(booking=b, doses=short, cause=cause, detail=detail))
    both = sorted(set(before) & set(after))
    runs_b = {r.batch: r for r in parent.runs}
    runs_a = {r.batch: r for r in child.runs}
    added = sorted(set(runs_a) - set(runs_b))
    removed = sorted(set(runs_b) - set(runs_a))
    shifted, added, removed = _pair_shifts(parent, child, added, removed)
    ships_b = {f"{s.lane}@{to_iso(s.depart_utc)}" for s in parent.shipments}
    ships_a = {f"{s.lane}@{to_iso(s.depart_utc)}" for s in child.shipments}
    return PlanDiff(
        parent_hash=plan_hash(parent),
        kept=sum(1 for b in both if before[b] == after[b]),
        moved=tuple(b for b in both if before[b] != after[b]),
        lost=tuple(lost),
        withdrawn=tuple(sorted(withdrawn & set(doses_before))),
        gained=tuple(sorted(b for b, n in doses_after.items() if n > doses_before.get(b, 0))),
        runs_added=tuple(added),
        runs_removed=tuple(removed),
        runs_shifted=tuple(shifted),
        shipments_added=tuple(sorted(ships_a - ships_b)),
        shipments_removed=tuple(sorted(ships_b - ships_a)),
        before=figures(parent),
        after=figures(child),
    )


def _event_causes(parent: Plan, events: Sequence[Event]) -> dict[str, tuple[str, str]]:
    """Booking -> (event kind, what it took) for the parent's doses an event took away."""
    site_of = {r.batch: r.site for r in parent.runs}
    out: dict[str, tuple[str, str]] = {}
    for e in events:
        for a in parent.allocations:
            if a.booking in out:
                continue
            if isinstance(e, SiteDown) and site_of.get(a.batch, a.site) == e.site:
                out[a.booking] = ("site_down", f"{e.site} is down")
            elif isinstance(e, LaneClosed) and any(g.lane == e.lane for g in a.legs):
                out[a.booking] = ("lane_closed", f"{e.lane} is closed")
            elif isinstance(e, DepartureCancelled) and any(
                g.lane == e.lane and abs(instant(g.depart_utc) - instant(e.departure)) <= 60
                for g in a.legs
            ):
                out[a.booking] = ("departure_cancelled", f"{e.lane} at {to_iso(e.departure)}")
    return out


def _pair_shifts(
    parent: Plan, child: Plan, added: list[str], removed: list[str]
) -> tuple[list[RunShift], list[str], list[str]]:
    """Pair removed and added runs of one process, nearest starts first, as shifts."""
    start_b = {r.batch: (r.process, instant(r.start_utc)) for r in parent.runs}
    start_a = {r.batch: (r.process, instant(r.start_utc)) for r in child.runs}
    pairs = sorted(
        (abs(start_a[a][1] - start_b[r][1]), r, a)
        for r in removed
        for a in added
        if start_a[a][0] == start_b[r][0]
    )
    used_r: set[str] = set()
    used_a: set[str] = set()
    shifts: list[RunShift] = []
    for _, r, a in pairs:
        if r in used_r or a in used_a:
            continue
        used_r.add(r)
        used_a.add(a)
        hours = (start_a[a][1] - start_b[r][1]) / HOUR
        shifts.append(RunShift(process=start_b[r][0], before=r, after=a, hours=hours))
    shifts.sort(key=lambda s: s.before)
    return (
        shifts,
        [a for a in added if a not in used_a],
        [r for r in removed if r not in used_r],
    )
