"""Idempotency, cancellation (process tree gone), SSE and restarts of a real server."""

from __future__ import annotations

import itertools
import random
import sqlite3
import subprocess
import sys
import threading
import time
from concurrent.futures import ThreadPoolExecutor

import httpx
import psutil
import pytest
from service_cases import SRC, A, Server, upload, wait_final

from isoflow.scenario.synthetic import generate

BIG = generate(sites=3, hospitals=30, days=7, seed=3)
"""A scenario whose plan takes long enough to cancel or interrupt."""


def _upload_big(c: httpx.Client) -> str:
    r = c.post("/scenarios", params={"format": "json"}, content=BIG.model_dump_json(), headers=A)
    assert r.status_code == 201, r.text
    return str(r.json()["scenario_id"])


def test_idempotency_50_concurrent(server: Server) -> None:
    with httpx.Client(base_url=server.url, timeout=60) as c:
        sid = upload(c, A)
        body = {"kind": "plan", "scenario_id": sid}
        headers = {**A, "Idempotency-Key": "k-1"}

        def post(_: int) -> httpx.Response:
            return c.post("/runs", json=body, headers=headers)

        with ThreadPoolExecutor(50) as pool:
            responses = list(pool.map(post, range(50)))
        codes = {r.status_code for r in responses}
        assert codes <= {202, 409}, codes
        ids = {r.json()["run_id"] for r in responses if r.status_code == 202}
        assert len(ids) == 1
        assert len(c.get("/runs", headers=A).json()) == 1
        other = c.post("/runs", json={**body, "options": {"mip_gap": 0.5}}, headers=headers)
        assert other.status_code == 422
        again = c.post("/runs", json=body, headers=headers)
        assert again.status_code == 202
        assert again.json()["run_id"] in ids


def _children(server: Server) -> list[psutil.Process]:
    assert server.proc is not None
    try:
        return psutil.Process(server.proc.pid).children(recursive=True)
    except psutil.NoSuchProcess:
        return []


def _job_processes(server: Server) -> list[psutil.Process]:
    """The server's child processes that run jobs (not multiprocessing's resource tracker)."""
    out = []
    for p in _children(server):
        try:
            if "resource_tracker" not in " ".join(p.cmdline()):
                out.append(p)
        except psutil.NoSuchProcess:
            continue
    return out


def test_cancel_stops_the_solver(server: Server) -> None:
    with httpx.Client(base_url=server.url, timeout=30) as c:
        sid = _upload_big(c)
        r = c.post("/runs", json={"kind": "plan", "scenario_id": sid}, headers=A)
        rid = r.json()["run_id"]
        job_procs: list[psutil.Process] = []
        for _ in range(400):  # bounded: 20 s for the job's process to start
            running = c.get(f"/runs/{rid}", headers=A).json()["state"] == "running"
            job_procs = _job_processes(server)
            if running and job_procs:
                break
            time.sleep(0.05)
        assert job_procs
        t0 = time.monotonic()
        d = c.delete(f"/runs/{rid}", headers=A)
        assert d.status_code == 200
        assert d.json()["state"] == "cancelled"
        assert time.monotonic() - t0 < 1.0
        _, alive = psutil.wait_procs(job_procs, timeout=3)
        assert not alive
        assert c.get(f"/runs/{rid}", headers=A).json()["state"] == "cancelled"


def test_sse_events_and_resume(server: Server) -> None:
    with httpx.Client(base_url=server.url, timeout=60) as c:
        sid = upload(c, A)
        rid = c.post("/runs", json={"kind": "plan", "scenario_id": sid}, headers=A).json()["run_id"]
        frames: list[tuple[int, float]] = []
        with c.stream("GET", f"/runs/{rid}/events", headers=A) as s:
            assert s.headers["content-type"].startswith("text/event-stream")
            for line in s.iter_lines():
                if line.startswith("id: "):
                    frames.append((int(line[4:]), time.monotonic()))
                if len(frames) > 50:
                    break
        assert frames
        gaps = [b[1] - a[1] for a, b in itertools.pairwise(frames)]
        assert all(g >= 0.9 for g in gaps), gaps
        last = frames[-1][0]
        assert wait_final(c, rid, A)["state"] == "optimal"
        with c.stream("GET", f"/runs/{rid}/events", headers={**A, "Last-Event-ID": "1"}) as s:
            ids = [int(x[4:]) for x in s.iter_lines() if x.startswith("id: ")]
        assert ids
        assert all(i > 1 for i in ids)
        assert ids[-1] == last
        with c.stream("GET", f"/runs/{rid}/events", headers={**A, "Last-Event-ID": str(last)}) as s:
            assert [x for x in s.iter_lines() if x.startswith("id: ")] == []


def _integrity(server: Server) -> None:
    con = sqlite3.connect(server.db)
    assert con.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
    con.close()


def test_restart_marks_interrupted(make_server: Server) -> None:
    server = make_server.start()
    with httpx.Client(base_url=server.url, timeout=30) as c:
        sid = _upload_big(c)
        rid = c.post("/runs", json={"kind": "plan", "scenario_id": sid}, headers=A).json()["run_id"]
        queued = c.post("/runs", json={"kind": "plan", "scenario_id": sid}, headers=A)
        for _ in range(200):
            if c.get(f"/runs/{rid}", headers=A).json()["state"] == "running":
                break
            time.sleep(0.05)
    server.kill()
    _integrity(server)
    server.start()
    with httpx.Client(base_url=server.url, timeout=30) as c:
        assert c.get(f"/runs/{rid}", headers=A).json()["state"] == "interrupted"
        assert c.get(f"/runs/{queued.json()['run_id']}", headers=A).json()["state"] == (
            "interrupted"
        )


def _writer(c: httpx.Client, sid: str, stop: threading.Event, acked: list[str]) -> None:
    """Submit tiny runs until stopped or the server is gone; record the acknowledged ones."""
    bodies = [
        {"kind": "verify", "scenario_id": sid, "options": {"plan_run_id": "none"}},
        {"kind": "simulate", "scenario_id": sid, "options": {"replications": 2}},
    ]
    for n in range(10_000):
        if stop.is_set():
            return
        try:
            r = c.post("/runs", json=bodies[n % 2], headers=A)
        except httpx.HTTPError:
            return
        if r.status_code == 202:
            acked.append(r.json()["run_id"])


WRITERS = 20
"""Concurrent writers while the server is killed."""


def _crash_cycles(make_server: Server, cycles: int) -> None:
    rng = random.Random(7)
    acknowledged: list[str] = []
    sid = ""
    for _ in range(cycles):
        server = make_server.start()
        stop = threading.Event()
        with httpx.Client(base_url=server.url, timeout=10) as c:
            sid = sid or upload(c, A)
            args = (c, sid, stop, acknowledged)
            threads = [threading.Thread(target=_writer, args=args) for _ in range(WRITERS)]
            for t in threads:
                t.start()
            time.sleep(rng.uniform(0.05, 0.6))
            server.kill()
            stop.set()
            for t in threads:
                t.join(timeout=15)
        _integrity(server)
    server = make_server.start()
    with httpx.Client(base_url=server.url, timeout=30) as c:
        runs = [c.get(f"/runs/{rid}", headers=A).json() for rid in acknowledged]
    assert acknowledged
    assert all(r.get("run_id") for r in runs)  # every acknowledged run is stored
    assert all(r["state"] not in ("queued", "running") for r in runs)
    server.kill()
    ran = subprocess.run(
        [sys.executable, "-m", "isoflow", "audit", "verify", str(server.db)],
        capture_output=True, text=True, env={"PYTHONPATH": str(SRC)}, timeout=120, check=False,
    )  # fmt: skip
    assert ran.returncode == 0, ran.stdout + ran.stderr  # the audit chain survived every kill


def test_crash_loop(make_server: Server) -> None:
    _crash_cycles(make_server, 20)


@pytest.mark.deep
def test_crash_loop_long(make_server: Server) -> None:
    _crash_cycles(make_server, 100)
