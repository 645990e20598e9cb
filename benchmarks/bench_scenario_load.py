"""Validation time and peak memory of large scenarios: YAML, JSON and a CSV folder, clean and
with one fault (a booking of an unknown hospital near the end of the file).

Run: .venv/bin/python benchmarks/bench_scenario_load.py [--mb 10] [--formats yaml,json,csv]
[--tracemalloc] [--repeat N] [--keep DIR]. ``--mb 50`` gives the figure of the hardening issue
(50 MB files).

The network is :func:`isoflow.scenario.synthetic.generate` (20 producers, ``--hospitals``
hospitals); its bookings are repeated, with new ids, until each file (or folder) reaches the
size asked for. The files are written here directly (PyYAML's C emitter for the network, one
flow mapping per booking, as ``save_scenario`` writes them), because the round-trip writer
would take minutes at 50 MB.

Each case is validated (:func:`isoflow.scenario.validate.validate`: load, schema and
cross-references, what ``isoflow validate`` does) in a fresh child process, which reports its
wall time and the growth of its peak resident memory over the state after imports (and with
``--tracemalloc``, in a second run, the peak of Python allocations, which is slower).
Ratios compare each case with the clean file of the same format, and memory with the size of
the file. Nothing is asserted: the figures are printed.
"""

from __future__ import annotations

import argparse
import contextlib
import csv
import json
import os
import resource
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import yaml

MB = 1_000_000
FAULT_HOSPITAL = "h-unknown"


# --------------------------------------------------------------------------- writing


def network(hospitals: int, seed: int) -> tuple[dict[str, Any], list[dict[str, Any]]]:
    """Plain data of a generated network without its bookings, and the bookings."""
    from isoflow.scenario.synthetic import generate

    scenario = generate(sites=20, hospitals=hospitals, days=1, seed=seed)
    data = scenario.model_dump(mode="json", exclude_defaults=True)
    data.setdefault("meta", {})["schema_version"] = 1
    bookings = data.setdefault("demand", {}).pop("bookings", [])
    return data, bookings


def bookings(templates: list[dict[str, Any]], count: int, fault: bool) -> Iterator[dict[str, Any]]:
    """``count`` bookings cycling through ``templates``; with ``fault``, one at 90 % of the
    list names an unknown hospital."""
    bad = int(count * 0.9) if fault else -1
    for i in range(count):
        booking = dict(templates[i % len(templates)], id=f"b{i:07d}")
        if i == bad:
            booking["hospital"] = FAULT_HOSPITAL
        yield booking


def _flow(booking: dict[str, Any]) -> str:
    cells = ", ".join(
        f"{k}: '{v}'" if k == "administration" else f"{k}: {v}" for k, v in booking.items()
    )
    return f"    - {{{cells}}}\n"


def write_yaml(
    path: Path, data: dict[str, Any], templates: list[Any], mb: float, fault: bool
) -> None:
    rest = {k: v for k, v in data.items() if k != "demand"}
    head = yaml.dump(rest, Dumper=yaml.CSafeDumper, sort_keys=False, width=4096)
    demand = yaml.dump({"demand": data["demand"]}, Dumper=yaml.CSafeDumper, sort_keys=False)
    demand = "" if data["demand"] == {} else demand.removeprefix("demand:\n")
    per = len(_flow(templates[0]))
    count = max(1, int((mb * MB - len(head) - len(demand)) / per))
    with path.open("w", encoding="utf-8") as out:
        out.write(head + "demand:\n" + demand + "  bookings:\n")
        out.writelines(_flow(b) for b in bookings(templates, count, fault))


def write_json(
    path: Path, data: dict[str, Any], templates: list[Any], mb: float, fault: bool
) -> None:
    sample = json.dumps({"demand": {"bookings": [templates[0]]}}, indent=2)
    per = len(sample) - len(json.dumps({"demand": {"bookings": []}}, indent=2))
    count = max(1, int((mb * MB - len(json.dumps(data, indent=2))) / per))
    full = dict(data, demand=dict(data["demand"], bookings=list(bookings(templates, count, fault))))
    path.write_text(json.dumps(full, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")


def write_folder(
    path: Path, data: dict[str, Any], templates: list[Any], mb: float, fault: bool
) -> None:
    from isoflow.scenario.load import save_scenario
    from isoflow.scenario.schema import Scenario

    save_scenario(Scenario.model_validate(data), path)
    size = sum(p.stat().st_size for p in path.iterdir())
    columns = list(templates[0])
    per = len(",".join(str(v) for v in templates[0].values())) + 1
    count = max(1, int((mb * MB - size) / per))
    with (path / "bookings.csv").open("w", encoding="utf-8", newline="") as out:
        writer = csv.DictWriter(out, columns, lineterminator="\n")
        writer.writeheader()
        writer.writerows(bookings(templates, count, fault))


WRITERS = {"yaml": (write_yaml, ".yaml"), "json": (write_json, ".json"), "csv": (write_folder, "")}


def size_of(path: Path) -> int:
    if path.is_dir():
        return sum(p.stat().st_size for p in path.iterdir())
    return path.stat().st_size


# --------------------------------------------------------------------------- measuring


def _status(field: str) -> int | None:
    """A memory figure of this process from /proc (Linux) [bytes]."""
    try:
        for line in Path("/proc/self/status").read_text().splitlines():
            if line.startswith(field + ":"):
                return int(line.split()[1]) * 1024
    except OSError:
        pass
    return None


def _rss_now() -> int:
    return _status("VmRSS") or resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024


def _reset_peak() -> None:
    """Start the peak resident size afresh (Linux: clear_refs 5), so imports do not count."""
    with contextlib.suppress(OSError):
        Path("/proc/self/clear_refs").write_text("5")


def _rss_peak() -> int:
    return _status("VmHWM") or resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024


def measure(path: str, trace: bool) -> dict[str, Any]:
    """Validate ``path`` once (time, peak RSS growth), then again under tracemalloc if asked."""
    from isoflow.scenario.validate import validate

    base = _rss_now()
    _reset_peak()
    t0 = time.perf_counter()
    report = validate(path)
    seconds = time.perf_counter() - t0
    peak = _rss_peak()
    result: dict[str, Any] = {
        "seconds": seconds,
        "rss_growth": peak - base,
        "summary": report.summary().split(": ", 1)[1],
        "first": str(report.issues[0]) if report.issues else "",
    }
    if trace:
        import tracemalloc

        del report
        tracemalloc.start()
        validate(path)
        result["traced_peak"] = tracemalloc.get_traced_memory()[1]
        tracemalloc.stop()
    return result


def run_child(path: Path, trace: bool) -> dict[str, Any]:
    """The figures of one child process validating ``path``."""
    command = [sys.executable, __file__, "--measure", str(path)] + (["--tracemalloc"] * trace)
    done = subprocess.run(command, capture_output=True, text=True, check=False)
    if done.returncode != 0:
        return {"error": done.stderr.strip().splitlines()[-1:] or ["failed"]}
    result: dict[str, Any] = json.loads(done.stdout)
    return result


def run_cases(paths: list[Path], trace: bool, repeat: int) -> list[dict[str, Any]]:
    """The quickest of ``repeat`` runs of each path, the paths taken in turn each round (so
    that other work on the machine, or the writing of the files, weighs on all alike)."""
    runs: list[list[dict[str, Any]]] = [[] for _ in paths]
    for _ in range(repeat):
        for found, path in zip(runs, paths, strict=True):
            found.append(run_child(path, trace))
    return [
        next((r for r in found if "error" in r), None)
        or min(found, key=lambda r: float(r["seconds"]))
        for found in runs
    ]


def report(label: str, size: int, found: dict[str, Any], clean: dict[str, Any] | None) -> None:
    if "error" in found:
        print(f"  {label:<6} {size / MB:7.1f} MB  child failed: {found['error'][0]}")
        return
    seconds, growth = found["seconds"], found["rss_growth"]
    line = (
        f"  {label:<6} {size / MB:7.1f} MB {seconds:8.2f} s {growth / MB:9.0f} MB "
        f"{growth / size:6.1f}x"
    )
    if "traced_peak" in found:
        line += f" {found['traced_peak'] / MB:9.0f} MB {found['traced_peak'] / size:6.1f}x"
    if clean is not None and "error" not in clean:
        line += f"   vs clean: {seconds / clean['seconds']:4.2f}x time"
        line += f", {growth / max(clean['rss_growth'], 1):4.2f}x memory"
    print(line)
    print(f"         {found['summary']}")
    if found["first"]:
        print(f"         {found['first'][:150]}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--mb", type=float, default=10.0, help="size of each file [MB]")
    parser.add_argument("--formats", default="yaml,json,csv")
    parser.add_argument("--hospitals", type=int, default=1000)
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--tracemalloc", action="store_true", help="also Python allocation peaks")
    parser.add_argument("--repeat", type=int, default=1, help="runs per case; the quickest counts")
    parser.add_argument("--keep", type=Path, help="write the files here and keep them")
    parser.add_argument("--measure", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.measure:
        print(json.dumps(measure(args.measure, args.tracemalloc)))
        return
    data, templates = network(args.hospitals, args.seed)
    print(f"machine: {os.cpu_count()} cores, load average {os.getloadavg()[0]:.2f}")
    head = f"  {'case':<6} {'size':>10} {'time':>10} {'peak RSS':>12} {'/file':>7}"
    if args.tracemalloc:
        head += f" {'traced':>12} {'/file':>7}"
    with tempfile.TemporaryDirectory() as tmp:
        where = args.keep or Path(tmp)
        where.mkdir(parents=True, exist_ok=True)
        for fmt in args.formats.split(","):
            write, suffix = WRITERS[fmt]
            print(f"{fmt} ({args.mb:g} MB)\n{head}")
            paths = [where / f"bench-{label}{suffix}" for label in ("clean", "fault")]
            for path, fault in zip(paths, (False, True), strict=True):
                write(path, data, templates, args.mb, fault)
            os.sync()  # the files are on disk before any is timed
            clean, fault = run_cases(paths, args.tracemalloc, max(1, args.repeat))
            report("clean", size_of(paths[0]), clean, None)
            report("fault", size_of(paths[1]), fault, clean)


if __name__ == "__main__":
    main()
