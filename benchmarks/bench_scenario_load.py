"""Load + validate a large scenario (1,000 sites, 100,000 bookings) as YAML and as a CSV folder.

Run: .venv/bin/python benchmarks/bench_scenario_load.py [--sites 1000] [--bookings 100000]
Prints wall times and, as a baseline, the time of plain ``json.loads`` / ``csv.reader`` over
the same data (parsing only: no types, no checks). Target: CSV folder < 10 s on 2 cores.
"""

from __future__ import annotations

import argparse
import csv
import json
import tempfile
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import numpy as np

from isoflow.scenario.load import load_scenario, save_scenario
from isoflow.scenario.schema import Scenario
from isoflow.scenario.validate import validate

START = datetime(2025, 8, 4, tzinfo=UTC)


def build(n_sites: int, n_bookings: int, seed: int = 7) -> Scenario:
    """A synthetic network of about ``n_sites`` sites and ``n_bookings`` bookings over a week.

    Uses :func:`isoflow.scenario.synthetic.generate` when present, else a small NumPy
    generator of its own (cyclotrons feeding hospitals by road).
    """
    try:
        from isoflow.scenario.synthetic import generate
    except ImportError:
        generate = None  # type: ignore[assignment]
    if generate is not None:  # the project's generator (scenario/synthetic.py)
        producers = max(2, n_sites // 50)
        hospitals = n_sites - producers
        days = 7
        return generate(
            sites=producers,
            hospitals=hospitals,
            days=days,
            seed=seed,
            per_hospital_day=n_bookings / (hospitals * days),
        )
    rng = np.random.default_rng(seed)
    n_cyc = max(2, n_sites // 50)
    sites: list[dict[str, Any]] = []
    for i in range(n_sites):
        kind = ["cyclotron"] if i < n_cyc else ["hospital"]
        sites.append(
            {
                "id": f"s{i}",
                "name": f"Site {i}",
                "country": "KR" if i % 2 else "JP",
                "lat": float(rng.uniform(30, 40)),
                "lon": float(rng.uniform(125, 140)),
                "timezone": "Asia/Seoul" if i % 2 else "Asia/Tokyo",
                "kind": kind,
            }
        )
    lanes = [
        {
            "id": f"l{c}-{h}",
            "origin": f"s{c}",
            "destination": f"s{h}",
            "mode": "road",
            "transit": float(rng.uniform(1800, 4 * 3600)),
        }
        for h in range(n_cyc, n_sites)
        for c in rng.choice(n_cyc, size=2, replace=False)
    ]
    processes = [
        {
            "id": f"p{c}-{prod}",
            "site": f"s{c}",
            "kind": "synthesis",
            "output": prod,
            "inputs": [{"product": "o18-water", "per_batch": 2.5}],
            "batch_max": 200e9,
            "max_batches_per_day": 4,
            "duration": 7200.0,
        }
        for c in range(n_cyc)
        for prod in ("f18-fdg", "f18-psma")
    ]
    hospitals = rng.integers(n_cyc, n_sites, size=n_bookings)
    products = rng.integers(0, 2, size=n_bookings)
    offsets = rng.uniform(0, 7 * 86400 - 1, size=n_bookings)
    names = ("f18-fdg", "f18-psma")
    bookings = [
        {
            "id": f"b{i}",
            "hospital": f"s{h}",
            "product": names[p],
            "administration": (START + timedelta(seconds=float(t))).isoformat(),
        }
        for i, (h, p, t) in enumerate(zip(hospitals, products, offsets, strict=True))
    ]
    data = {
        "meta": {"name": "bench", "start": START.isoformat(), "horizon": "7 d"},
        "products": [
            {"id": "o18-water", "stage": "target_material", "nuclide": "O-18", "unit": "mL"},
            {
                "id": "f18-fdg",
                "stage": "drug_product",
                "nuclide": "F-18",
                "shelf_life": "12 h",
                "dose": {"activity": "370 MBq"},
            },
            {
                "id": "f18-psma",
                "stage": "drug_product",
                "nuclide": "F-18",
                "shelf_life": "10 h",
                "dose": {"activity": "300 MBq"},
            },
        ],
        "sites": sites,
        "processes": processes,
        "lanes": lanes,
        "demand": {"bookings": bookings},
    }
    return Scenario.model_validate(data)


def timed(label: str, func: Any) -> tuple[float, Any]:
    t0 = time.perf_counter()
    out = func()
    dt = time.perf_counter() - t0
    print(f"  {label:<42} {dt:8.2f} s")
    return dt, out


def baseline_csv(folder: Path) -> int:
    rows = 0
    for path in folder.glob("*.csv"):
        with path.open(newline="", encoding="utf-8") as handle:
            rows += sum(1 for _ in csv.reader(handle))
    return rows


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--sites", type=int, default=1000)
    parser.add_argument("--bookings", type=int, default=100_000)
    parser.add_argument("--skip-yaml", action="store_true", help="only the CSV folder")
    args = parser.parse_args()
    _, scenario = timed("build (synthetic, in memory)", lambda: build(args.sites, args.bookings))
    print(f"scenario: {len(scenario.sites)} sites, {len(scenario.demand.bookings)} bookings")
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp) / "bench"
        timed("save CSV folder", lambda: save_scenario(scenario, folder))
        json_path = Path(tmp) / "bench.json"
        timed("save JSON", lambda: save_scenario(scenario, json_path))
        print("CSV folder")
        base, _ = timed("baseline: csv.reader over the tables", lambda: baseline_csv(folder))
        t_load, loaded = timed("load_scenario", lambda: load_scenario(folder))
        t_val, report = timed("validate (load + cross-references)", lambda: validate(folder))
        assert loaded == scenario
        assert report.ok, report.summary()
        print(
            f"  ratio load/baseline: {t_load / base:.1f}x, validate/baseline: {t_val / base:.1f}x"
        )
        print("JSON file")
        text = json_path.read_text(encoding="utf-8")
        base, _ = timed("baseline: json.loads", lambda: json.loads(text))
        t_val, report = timed("validate (load + cross-references)", lambda: validate(json_path))
        assert report.ok, report.summary()
        print(f"  ratio validate/baseline: {t_val / base:.1f}x")
        if not args.skip_yaml:
            yaml_path = Path(tmp) / "bench.yaml"
            timed("save YAML", lambda: save_scenario(scenario, yaml_path))
            print("YAML file (LibYAML; ruamel round-trip reader only for the lines of errors)")
            t_val, report = timed("validate (load + cross-references)", lambda: validate(yaml_path))
            assert report.ok, report.summary()
            print(f"  ratio YAML validate / json.loads baseline: {t_val / base:.1f}x")


if __name__ == "__main__":
    main()
