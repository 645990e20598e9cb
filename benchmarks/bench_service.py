"""Service benchmark: readers and plan submissions against a real ``isoflow serve``.

Run: .venv/bin/python benchmarks/bench_service.py [--seconds 10] [--readers 20] [--writers 4]

Starts a server on loopback on a fresh database in a temporary folder, uploads a tiny
scenario, then for ``--seconds`` runs ``--readers`` threads reading runs (``GET /runs/{id}``
and ``GET /runs``) and ``--writers`` threads submitting plans (``POST /runs``), and prints
the p50/p95/p99 latency and the error counts of each. The load stops by itself; nothing is
asserted.
"""

from __future__ import annotations

import argparse
import json
import os
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path
from typing import Any

import httpx

from isoflow.scenario.synthetic import generate

SRC = Path(__file__).resolve().parents[1] / "src"
HEADERS = {"Authorization": "Bearer bench", "X-Reason": "benchmark"}


def _port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _start(folder: Path) -> tuple[subprocess.Popen[bytes], str]:
    tokens = folder / "tokens.json"
    tokens.write_text(json.dumps({"bench": {"user_id": "b", "org_id": "o", "roles": ["planner"]}}))
    port = _port()
    args = [sys.executable, "-m", "isoflow", "serve", "--db", str(folder / "db" / "i.db")]
    args += ["--port", str(port), "--tokens", str(tokens), "--workers", "2"]
    env = {**os.environ, "PYTHONPATH": str(SRC)}
    proc = subprocess.Popen(args, env=env, start_new_session=True)
    url = f"http://127.0.0.1:{port}"
    for _ in range(400):
        try:
            if httpx.get(url + "/health", timeout=1).status_code == 200:
                return proc, url
        except httpx.HTTPError:
            time.sleep(0.05)
    os.killpg(proc.pid, signal.SIGKILL)
    raise SystemExit("the server did not start")


def _loop(name: str, url: str, until: float, act: str, sid: str, out: dict[str, list[Any]]) -> None:
    with httpx.Client(base_url=url, timeout=30, headers=HEADERS) as c:
        last_id = ""
        while time.monotonic() < until:
            t0 = time.perf_counter()
            try:
                if act == "write":
                    r = c.post("/runs", json={"kind": "plan", "scenario_id": sid})
                    last_id = r.json().get("run_id", last_id) if r.status_code == 202 else ""
                elif last_id:
                    r = c.get(f"/runs/{last_id}")
                else:
                    r = c.get("/runs")
                    runs = r.json() if r.status_code == 200 else []
                    last_id = runs[0]["run_id"] if runs else ""
                ok = r.status_code < 500 and r.status_code != 503
            except httpx.HTTPError:
                ok = False
            out[name].append((time.perf_counter() - t0, ok))
            if act == "write":
                time.sleep(0.2)


def _report(name: str, samples: list[Any]) -> None:
    times = sorted(t for t, _ in samples)
    errors = sum(1 for _, ok in samples if not ok)
    if len(times) < 2:
        print(f"{name}: {len(times)} requests, {errors} errors")
        return
    q = statistics.quantiles(times, n=100)
    print(
        f"{name}: {len(times)} requests, {errors} errors; p50 {q[49] * 1e3:.1f} ms, "
        f"p95 {q[94] * 1e3:.1f} ms, p99 {q[98] * 1e3:.1f} ms"
    )


def main() -> None:
    """Run the load for the given time and print the latencies."""
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--seconds", type=float, default=10.0)
    parser.add_argument("--readers", type=int, default=20)
    parser.add_argument("--writers", type=int, default=4)
    opts = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        proc, url = _start(Path(tmp))
        try:
            sc = generate(sites=1, hospitals=1, days=1, seed=1, products=["f18-fdg"])
            r = httpx.post(f"{url}/scenarios", params={"format": "json"},
                           content=sc.model_dump_json(), headers=HEADERS, timeout=30)  # fmt: skip
            if r.status_code != 201:
                raise SystemExit(f"upload refused ({r.status_code}): {r.text[:300]}")
            sid = r.json()["scenario_id"]
            until = time.monotonic() + opts.seconds
            out: dict[str, list[Any]] = {"read": [], "write": []}
            threads = [
                threading.Thread(target=_loop, args=("read", url, until, "read", sid, out))
                for _ in range(opts.readers)
            ] + [
                threading.Thread(target=_loop, args=("write", url, until, "write", sid, out))
                for _ in range(opts.writers)
            ]
            for t in threads:
                t.start()
            for t in threads:
                t.join(timeout=opts.seconds + 60)
            _report("readers", out["read"])
            _report("plan submissions", out["write"])
        finally:
            os.killpg(proc.pid, signal.SIGKILL)
            proc.wait(timeout=10)


if __name__ == "__main__":
    main()
