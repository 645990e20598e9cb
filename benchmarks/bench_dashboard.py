"""First meaningful render of the built-in week's plan in the dashboard (headless chromium).

Run: taskset -c 1 .venv/bin/python benchmarks/bench_dashboard.py [--repeat 3]

Starts ``isoflow serve`` on 127.0.0.1 over a fresh store in a temporary folder, uploads the
built-in scenario ``apac-2025`` (its CSV folder as a tar archive) and plans it through the API
(about 30 s). Then, ``--repeat`` times, Debian's ``/usr/bin/chromium`` (through Playwright's
``executable_path``, every request not to 127.0.0.1 refused) loads the page in a fresh
context, signs in as a planner and opens the run; the time printed is from the click on
*open* to the map's markers and the Gantt's bars being in the page and painted (two
animation frames after both exist). The baseline, measured in the same process, is
fetching the same two JSON documents the page reads (``/runs/{id}/result`` and
``/runs/{id}/network``) with httpx; the ratio is render over baseline. The machine's load
average is printed with the figures. Nothing is asserted.
"""

from __future__ import annotations

import argparse
import io
import os
import signal
import socket
import statistics
import subprocess
import sys
import tarfile
import tempfile
import time
from pathlib import Path
from typing import Any
from urllib.parse import urlparse

import httpx

from isoflow.scenario.examples import builtin_path

SRC = Path(__file__).resolve().parents[1] / "src"
CHROMIUM = "/usr/bin/chromium"
PASSWORD = "bench-password-1234"
ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--disable-quic",
    "--no-first-run",
]
RENDERED = """async (runId) => {
  const t0 = performance.now();
  document.querySelector(`#runs tr[data-run='${runId}'] button.open`).click();
  const frame = () => new Promise((ok) => requestAnimationFrame(() => ok()));
  for (;;) {
    const view = document.getElementById("run-view");
    if (view.dataset.ready === "1" && view.dataset.run === runId &&
        document.querySelector("#map .scatterlayer .point") &&
        document.querySelector("#gantt .barlayer .point")) { break; }
    if (performance.now() - t0 > 60000) { return -1; }
    await frame();
  }
  await frame();
  await frame();
  return performance.now() - t0;
}"""


def _port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _start(folder: Path) -> tuple[subprocess.Popen[bytes], str]:
    port = _port()
    args = [sys.executable, "-m", "isoflow", "serve", "--db", str(folder / "db" / "i.db")]
    args += ["--port", str(port), "--init-admin", "alice@acme", "--workers", "1"]
    env = {**os.environ, "PYTHONPATH": str(SRC), "ISOFLOW_INIT_ADMIN_PASSWORD": PASSWORD}
    proc = subprocess.Popen(args, env=env, start_new_session=True)
    url = f"http://127.0.0.1:{port}"
    for _ in range(600):
        try:
            if httpx.get(url + "/health", timeout=1).status_code == 200:
                return proc, url
        except httpx.HTTPError:
            time.sleep(0.05)
    os.killpg(proc.pid, signal.SIGKILL)
    raise SystemExit("the server did not start")


def _tar(folder: Path) -> bytes:
    buf = io.BytesIO()
    with tarfile.open(fileobj=buf, mode="w") as archive:
        for path in sorted(folder.rglob("*")):
            if path.is_file():
                archive.add(path, arcname=str(path.relative_to(folder)))
    return buf.getvalue()


def _login(c: httpx.Client, user: str) -> dict[str, str]:
    r = c.post("/auth/login", json={"org": "acme", "username": user, "password": PASSWORD})
    r.raise_for_status()
    return {"Authorization": f"Bearer {r.json()['access_token']}", "X-Reason": "benchmark"}


def _plan(url: str) -> tuple[str, dict[str, str], float]:
    """Upload and plan ``apac-2025``; the run id, the bearer headers and the planning time."""
    source = builtin_path("apac-2025")
    if source is None:
        raise SystemExit("the built-in scenario apac-2025 is missing")
    with httpx.Client(base_url=url, timeout=120) as c:
        admin = _login(c, "alice")
        new = {"username": "bob", "full_name": "Bob", "roles": ["planner"], "password": PASSWORD}
        c.post("/auth/users", json={**new, "reason": "benchmark"}, headers=admin).raise_for_status()
        headers = _login(c, "bob")
        r = c.post(
            "/scenarios",
            params={"format": "tar", "name": "apac-2025"},
            content=_tar(source),
            headers={**headers, "Content-Type": "application/x-tar"},
        )
        if r.status_code != 201:
            raise SystemExit(f"upload refused: {r.status_code} {r.text[:500]}")
        t0 = time.perf_counter()
        body = {"kind": "plan", "scenario_id": r.json()["scenario_id"]}
        run = c.post("/runs", json=body, headers=headers).json()
        while True:
            state = c.get(f"/runs/{run['run_id']}", headers=headers).json()
            if state["state"] not in ("queued", "running"):
                break
            time.sleep(0.25)
        seconds = time.perf_counter() - t0
        if not state["result_sha256"]:
            raise SystemExit(f"the plan ended {state['state']}: {state['message']}")
    return str(run["run_id"]), headers, seconds


def _baseline(url: str, run_id: str, headers: dict[str, str], repeat: int) -> list[float]:
    out = []
    with httpx.Client(base_url=url, timeout=60) as c:
        for _ in range(repeat):
            t0 = time.perf_counter()
            for path in ("result", "network"):
                r = c.get(f"/runs/{run_id}/{path}", headers=headers)
                r.raise_for_status()
                r.json()
            out.append(time.perf_counter() - t0)
    return out


def _renders(url: str, run_id: str, repeat: int) -> tuple[list[float], list[str]]:
    from playwright.sync_api import Request, Route, sync_playwright

    blocked: list[str] = []

    def route(r: Route, request: Request) -> None:
        u = urlparse(request.url)
        if u.scheme in ("data", "blob", "about") or u.hostname == "127.0.0.1":
            r.continue_()
        else:
            blocked.append(request.url)
            r.abort()

    out = []
    with sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=CHROMIUM, args=ARGS)
        for _ in range(repeat):
            context = browser.new_context(viewport={"width": 1400, "height": 900})
            context.route("**/*", route)
            page = context.new_page()
            page.goto(url + "/")
            page.wait_for_selector("body[data-ready='1']", timeout=30_000)
            page.fill("#login-org", "acme")
            page.fill("#login-user", "bob")
            page.fill("#login-password", PASSWORD)
            page.click("#login-form button[type=submit]")
            page.wait_for_selector(f"#runs tr[data-run='{run_id}'] button.open", timeout=30_000)
            ms: Any = page.evaluate(RENDERED, run_id)
            if ms < 0:
                raise SystemExit("the map and Gantt were not drawn within 60 s")
            out.append(float(ms) / 1000)
            context.close()
        browser.close()
    return out, blocked


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--repeat", type=int, default=3)
    args = ap.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        proc, url = _start(Path(tmp))
        try:
            run_id, headers, planned = _plan(url)
            print(f"apac-2025 planned through the API in {planned:.1f} s (run {run_id})")
            base = _baseline(url, run_id, headers, args.repeat)
            renders, blocked = _renders(url, run_id, args.repeat)
        finally:
            os.killpg(proc.pid, signal.SIGTERM)
            proc.wait(timeout=30)
    load = os.getloadavg()
    cores = len(os.sched_getaffinity(0))
    print(f"load average {load[0]:.2f} {load[1]:.2f} {load[2]:.2f}; cores usable: {cores}")
    print("baseline, GET result + network with httpx [s]: " + " ".join(f"{x:.3f}" for x in base))
    print("open run -> map and Gantt drawn [s]:           " + " ".join(f"{x:.3f}" for x in renders))
    b, r = statistics.median(base), statistics.median(renders)
    print(f"median: render {r:.3f} s, baseline {b:.3f} s, ratio {r / b:.1f}")
    print(f"requests refused (not to 127.0.0.1): {len(blocked)}")


if __name__ == "__main__":
    main()
