"""Same scenario, same options: the same plan.json, byte for byte, apart from timings."""

from __future__ import annotations

import json
from pathlib import Path

from planner_cases import FDG, scenario, site

from isoflow.adapters.plan_files import write_plan
from isoflow.engines.planner.api import PlanOptions, make_plan
from isoflow.engines.planner.solve import SolveOptions

TIMING = {"seconds", "build_seconds"}


def _network():  # type: ignore[no-untyped-def]
    procs = [
        {
            "id": f"make-{s}",
            "site": s,
            "kind": "synthesis",
            "output": "fdg",
            "batch_max": "6 GBq",
            "duration": "1 h",
            "fixed_cost": cost,
            "variable_cost_per_gbq": 50.0,
        }
        for s, cost in (("c1", 900.0), ("c2", 1000.0))
    ]
    lanes = [
        {
            "id": f"{s}-{h}",
            "origin": s,
            "destination": h,
            "mode": "road",
            "transit": transit,
            "cost_per_shipment": 40.0,
        }
        for s, h, transit in (
            ("c1", "h1", "1 h"),
            ("c1", "h2", "2 h"),
            ("c2", "h1", "2 h"),
            ("c2", "h2", "45 min"),
        )
    ]
    bookings = [
        {
            "id": f"b{i}",
            "hospital": "h1" if i % 2 else "h2",
            "product": "fdg",
            "administration": f"2025-08-0{5 + i // 4}T{9 + (i % 4) * 2:02d}:00:00Z",
        }
        for i in range(12)
    ]
    return scenario(
        products=[FDG],
        sites=[
            site("c1", "cyclotron"),
            site("c2", "cyclotron"),
            site("h1", "hospital"),
            site("h2", "hospital"),
        ],
        processes=procs,
        lanes=lanes,
        demand={"bookings": bookings},
    )


def _strip(data: object) -> object:
    if isinstance(data, dict):
        return {k: _strip(v) for k, v in data.items() if k not in TIMING}
    if isinstance(data, list):
        return [_strip(v) for v in data]
    return data


def test_two_runs_give_the_same_plan_json(tmp_path: Path) -> None:
    sc = _network()
    opts = PlanOptions(solve=SolveOptions(time_limit_s=30, mip_gap=1e-6))
    texts = []
    for run in ("one", "two"):
        plan = make_plan(sc, opts)
        assert plan.solver is not None
        assert plan.solver.status == "optimal"
        assert not plan.solver.time_cut
        write_plan(plan, tmp_path / run)
        texts.append((tmp_path / run / "plan.json").read_text(encoding="utf-8"))
    one, two = (json.loads(t) for t in texts)
    assert _strip(one) == _strip(two)
    # and the files differ at most in the timing fields: same keys, same order, same bytes
    strip_lines = [
        [line for line in t.splitlines() if not any(f'"{k}"' in line for k in TIMING)]
        for t in texts
    ]
    assert strip_lines[0] == strip_lines[1]
    assert len(one["allocations"]) == 12
