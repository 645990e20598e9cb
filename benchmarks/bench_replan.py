"""Re-planning benchmark: a seeded stream of random events on a planned week.

Run: .venv/bin/python benchmarks/bench_replan.py [--events 100] [--seed 7] [--cold-every 10]
[--only builtin|generated] [--limit 90] [--recommend 5] [--compare-start]

For each instance the base plan is made once (``--limit`` seconds), then for each event of a
seeded stream (a site down for a day, a lane closed, a departure cancelled, a run failing QC,
a consignment in the air 1-4 h late, a booking cancelled, an urgent booking) at a random
``now`` in the week:

* the re-plan in hard mode (the past frozen) and in soft mode (stability weight 1e4 per
  changed dose, 100 per hour a run moves): seconds, status, changed allocations (moved and
  lost bookings) and total |Δstart| of shifted runs [h], and whether ``verify`` accepts it;
* ``--compare-start``: each re-plan again without the repaired parent as its start (paired
  per event: time ratio, how often the repair gave a start, objectives);
* every ``--cold-every``-th event, the cold re-plan: a plan of the changed scenario from
  scratch (``make_plan``), in the same process, for the time ratio;
* the cost-versus-stability curve on the first event that changes anything: soft mode at
  weights 0, 1e2, 1e3, 1e4 and 1e5 (cost, changed allocations, hours moved);
* ``--recommend N``: N urgent bookings through ``recommend`` (top 3), seconds each.

p50 and p95 are printed for each figure, with the load average before each step (timings on a
busy machine are upper bounds). Nothing is asserted.
"""

from __future__ import annotations

import os
import random
import sys
import time
from typing import Any

import numpy as np

from isoflow.domain.calendar import from_epoch
from isoflow.engines.planner.api import PlanOptions, make_plan
from isoflow.engines.planner.event_stream import EventStream
from isoflow.engines.planner.recommend import recommend
from isoflow.engines.planner.replan import ReplanOptions, replan
from isoflow.engines.planner.revision import diff
from isoflow.engines.planner.solve import SolveOptions
from isoflow.engines.verify import verify
from isoflow.records.plan import Plan
from isoflow.records.revision import ReplanMode
from isoflow.scenario.events import BookingAdded, Event, apply_events, parse_events
from isoflow.scenario.load import load_scenario
from isoflow.scenario.schema import Scenario
from isoflow.scenario.synthetic import generate as synthetic

HOUR = 3600.0


def _iso(t: float) -> str:
    return from_epoch(t).isoformat().replace("+00:00", "Z")


def _arg(name: str, default: str) -> str:
    return sys.argv[sys.argv.index(name) + 1] if name in sys.argv else default


def _pct(values: list[float]) -> str:
    if not values:
        return "n/a"
    a = np.array(values)
    return f"p50 {np.percentile(a, 50):.2f}, p95 {np.percentile(a, 95):.2f}, max {a.max():.2f}"


def _one(sc: Scenario, base: Plan, now: float, ev: tuple[Event, ...], mode: ReplanMode,
         opts: PlanOptions, stability: float = 1e4,
         warm: bool = True) -> dict[str, Any]:  # fmt: skip
    load = os.getloadavg()[0]
    t0 = time.perf_counter()
    r = replan(sc, base, ev, ReplanOptions(now=from_epoch(now), mode=mode, stability=stability,
                                           plan=opts, warm_start=warm))  # fmt: skip
    seconds = time.perf_counter() - t0
    d = diff(base, r.plan, late=r.lost_in_transit)
    return {
        "seconds": seconds,
        "load": load,
        "status": str(r.plan.solver.status) if r.plan.solver else "?",
        "changed": len(d.moved) + len(d.lost),
        "hours": d.hours_moved,
        "cost": d.after.cost,
        "served": d.after.doses_served,
        "ok": not verify(r.plan, sc),
        "start": str(r.plan.revision.start) if r.plan.revision else "?",
        "objective": r.plan.solver.objective if r.plan.solver else None,
    }


def run(name: str, sc: Scenario, events: int, seed: int, cold_every: int, limit: float,
        n_recommend: int, compare_start: bool = False) -> None:  # fmt: skip
    opts = PlanOptions(solve=SolveOptions(time_limit_s=limit, mip_gap=0.01))
    t0 = time.perf_counter()
    base = make_plan(sc, opts)
    status = base.solver.status if base.solver else "?"
    print(f"\n== {name}: base plan {time.perf_counter() - t0:.1f} s ({status}), "
          f"load {os.getloadavg()[0]:.1f}")  # fmt: skip
    stream = EventStream(sc, base, random.Random(seed))
    rows: dict[str, list[dict[str, Any]]] = {
        "hard": [], "soft": [], "cold": [], "hard-nostart": [], "soft-nostart": []
    }  # fmt: skip
    curve_event = None
    for i in range(events):
        now, raw = stream.next()
        ev = parse_events({"events": [raw]}).events
        for mode in (ReplanMode.HARD, ReplanMode.SOFT):
            rows[str(mode)].append(_one(sc, base, now, ev, mode, opts))
            if compare_start:
                rows[f"{mode}-nostart"].append(_one(sc, base, now, ev, mode, opts, warm=False))
        if curve_event is None and rows["hard"][-1]["changed"]:
            curve_event = (now, ev)
        if cold_every and i % cold_every == 0:
            load = os.getloadavg()[0]
            t1 = time.perf_counter()
            changed = apply_events(sc, ev)
            make_plan(changed, opts)
            rows["cold"].append({"seconds": time.perf_counter() - t1, "load": load})
        h = rows["hard"][-1]
        print(f"  {i + 1:3d} {raw['kind']:20s} hard {h['seconds']:5.1f} s {h['status']:8s} "
              f"changed {h['changed']:3d}  soft {rows['soft'][-1]['seconds']:5.1f} s changed "
              f"{rows['soft'][-1]['changed']:3d}  verify {'ok' if h['ok'] else 'FAIL'}"
              f"/{'ok' if rows['soft'][-1]['ok'] else 'FAIL'}  start {h['start']}/"
              f"{rows['soft'][-1]['start']}  load {h['load']:.1f}")  # fmt: skip
        if compare_start:
            print(f"      without a start: hard {rows['hard-nostart'][-1]['seconds']:5.1f} s, "
                  f"soft {rows['soft-nostart'][-1]['seconds']:5.1f} s")  # fmt: skip
    for key, got in rows.items():
        if not got:
            continue
        print(f"{key:5s} seconds: {_pct([r['seconds'] for r in got])} (n={len(got)}, load "
              f"{_pct([r['load'] for r in got])})")  # fmt: skip
        if key != "cold":
            print(f"      changed allocations: {_pct([r['changed'] for r in got])}; "
                  f"|Δstart| h: {_pct([r['hours'] for r in got])}; "
                  f"verified {sum(r['ok'] for r in got)}/{len(got)}")  # fmt: skip
    for mode in ("hard", "soft"):
        if not rows[f"{mode}-nostart"]:
            continue
        pairs = list(zip(rows[mode], rows[f"{mode}-nostart"], strict=True))
        if pairs:
            ratios = [a["seconds"] / b["seconds"] for a, b in pairs]
            worse = sum(
                a["objective"] is not None and b["objective"] is not None
                and a["objective"] > b["objective"] * (1 + 0.01) + 1e-6 for a, b in pairs
            )  # fmt: skip
            print(f"{mode}: repaired start used {sum(a['start'] == 'repaired' for a, _ in pairs)}"
                  f"/{len(pairs)}; time with / without a start, per event: {_pct(ratios)}; "
                  f"objective worse by > 1 % with the start: {worse}")  # fmt: skip
    if rows["cold"]:
        ratio = np.median([r["seconds"] for r in rows["cold"]]) / np.median(
            [r["seconds"] for r in rows["hard"]]
        )
        print(f"cold / hard median time: {ratio:.1f}x")
    if curve_event is not None:
        now, ev = curve_event
        print("cost versus stability (soft mode, one event):")
        for w in (0.0, 1e2, 1e3, 1e4, 1e5):
            r = _one(sc, base, now, ev, ReplanMode.SOFT, opts, stability=w)
            print(f"  weight {w:8.0f}: cost {r['cost']:12,.0f}, served {r['served']}, changed "
                  f"{r['changed']}, |Δstart| {r['hours']:.1f} h, {r['seconds']:.1f} s")  # fmt: skip
    _recommend(sc, base, stream, n_recommend, opts)


def _recommend(sc: Scenario, base: Plan, stream: EventStream, n: int, opts: PlanOptions) -> None:
    times = []
    for _ in range(n):
        while True:
            now, raw = stream.next()
            if raw["kind"] == "booking_added":
                break
        (ev,) = parse_events({"events": [raw]}).events
        assert isinstance(ev, BookingAdded)
        rec = recommend(sc, base, ev, from_epoch(now), top=3, options=opts)
        times.append(rec.seconds)
        ways = ", ".join(f"{w.site} +{w.cost_delta:,.0f}" for w in rec.ways) or "none"
        print(f"  recommend {rec.demand}: {rec.seconds:.2f} s (build {rec.build_seconds:.2f} s): "
              f"{ways}")  # fmt: skip
    if times:
        print(f"recommend seconds: {_pct(times)}")


def main() -> None:
    events = int(_arg("--events", "100"))
    seed = int(_arg("--seed", "7"))
    cold_every = int(_arg("--cold-every", "10"))
    limit = float(_arg("--limit", "90"))
    n_recommend = int(_arg("--recommend", "5"))
    only = _arg("--only", "")
    compare = "--compare-start" in sys.argv
    print(f"cores available to this run: {len(os.sched_getaffinity(0))}")
    if only in ("", "builtin"):
        run("built-in apac-2025 week", load_scenario("apac-2025"), events, seed, cold_every,
            limit, n_recommend, compare)  # fmt: skip
    if only in ("", "generated"):
        large = synthetic(30, 500, 7, 1, per_hospital_day=5000 / 3500)
        run("generated: 30 production sites, 500 hospitals, ~5,000 bookings", large, events,
            seed, cold_every, limit, n_recommend, compare)  # fmt: skip


if __name__ == "__main__":
    main()
