"""``isoflow --server URL plan|verify|simulate`` against a real server on 127.0.0.1.

The remote plan is the local plan (byte for byte apart from timings), verifies here and on
the server; bad credentials, an unreachable port, a wrong URL and a bad scenario field are
one ``error:`` line and exit 2; SIGINT cancels the run on the server.
"""

from __future__ import annotations

import http.server
import json
import os
import signal
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from pathlib import Path
from typing import ClassVar

import httpx
import pytest
from service_cases import SRC, TINY, Server, free_port, module_server

from isoflow.adapters.cli.app import run
from isoflow.adapters.remote import Remote, http_failure, parse_events
from isoflow.scenario.save import save_scenario

SMALL = Path(__file__).parents[1] / "scenario" / "data" / "small.yaml"
TIMING = {"seconds", "build_seconds"}


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Server]:
    """One server for the module's tests (each starts a few seconds)."""
    yield from module_server(tmp_path_factory, "remote-server")


def cli(capsys: pytest.CaptureFixture[str], *args: str) -> tuple[int, str, str]:
    code = run([str(a) for a in args])
    captured = capsys.readouterr()
    return code, captured.out, captured.err


def untimed(data: object) -> object:
    if isinstance(data, dict):
        return {k: untimed(v) for k, v in data.items() if k not in TIMING}
    if isinstance(data, list):
        return [untimed(v) for v in data]
    return data


def test_a_remote_plan_is_the_local_plan_and_verifies(server: Server, tmp_path, capsys) -> None:
    remote, local = tmp_path / "remote", tmp_path / "local"
    at = ("--server", server.url, "--token", "tok-a")
    code, out, err = cli(capsys, *at, "plan", SMALL, "--out", remote, "--time-limit", "20s")
    assert code == 0, err
    assert "submitted plan run" in err
    assert "optimal 100%" in err  # the progress lines as streamed
    assert "doses served: 3 of 4" in out
    code, _, err = cli(capsys, "plan", SMALL, "--out", local, "--time-limit", "20s")
    assert code == 0, err
    names = {p.name for p in remote.iterdir()}
    assert names == {p.name for p in local.iterdir()}
    mine, theirs = (json.loads((d / "plan.json").read_text()) for d in (local, remote))
    assert untimed(mine) == untimed(theirs)
    assert mine["kpis"]["cost"]["total"] == theirs["kpis"]["cost"]["total"]
    manifest = json.loads((remote / "manifest.json").read_text())
    assert manifest["commands"]["plan"]["options"]["server"] == server.url

    code, out, err = cli(capsys, "verify", remote, "--scenario", SMALL)
    assert (code, out.startswith("plan OK")) == (0, True), out + err
    code, out, err = cli(capsys, *at, "verify", remote, "--scenario", SMALL)
    assert code == 0, err
    assert f"on {server.url}" in out
    code, out, err = cli(capsys, *at, "verify", local, "--scenario", SMALL)
    assert code == 0, err  # a plan made here is uploaded with the run
    assert "uploading the plan" in err
    assert f"on {server.url}" in out

    sim = tmp_path / "sim"
    code, out, err = cli(capsys, *at, "simulate", SMALL, "--plan", remote, "--replications",
                         "20", "--out", sim)  # fmt: skip
    assert code == 0, err
    kpis = json.loads((sim / "kpis.json").read_text())
    assert (kpis["replications"], kpis["scenario"]) == (20, "small")
    assert "plan serves 3 of 4" in out


def test_a_remote_replan_revises_the_remote_plan(server: Server, tmp_path, capsys) -> None:
    at = ("--server", server.url, "--token", "tok-a")
    week = tmp_path / "week"
    code, _, err = cli(capsys, *at, "plan", SMALL, "--out", week, "--time-limit", "20s")
    assert code == 0, err
    down = tmp_path / "down.yaml"
    down.write_text(
        "events:\n  - kind: site_down\n    site: cyc-seoul\n"
        "    start: 2025-08-01T00:00:00Z\n    end: 2025-08-12T00:00:00Z\n"
    )
    code, out, err = cli(capsys, *at, "replan", week, "--event", down, "--scenario", SMALL)
    assert code == 0, err
    assert "submitted replan run" in err
    assert "optimal 100%" in err
    revised = json.loads((tmp_path / "week-r1" / "plan.json").read_text())
    assert [x["booking"] for x in revised["revision"]["diff"]["lost"]] == ["b3"]
    assert "revision 1 of sha256:" in out
    code, _, err = cli(capsys, *at, "verify", tmp_path / "week-r1", "--scenario", SMALL)
    assert code == 0, err


def test_a_csv_folder_plans_remotely_at_the_local_cost(server: Server, tmp_path, capsys):
    folder = save_scenario(TINY, tmp_path / "tiny")
    assert folder.is_dir()  # uploaded as a zip archive
    remote, local = tmp_path / "remote", tmp_path / "local"
    at = ("--server", server.url, "--token", "tok-a")
    code, _, err = cli(capsys, *at, "plan", folder, "--out", remote, "--time-limit", "20s")
    assert code == 0, err
    code, _, err = cli(capsys, "plan", folder, "--out", local, "--time-limit", "20s")
    assert code == 0, err
    mine, theirs = (json.loads((d / "plan.json").read_text()) for d in (local, remote))
    assert mine["kpis"]["cost"]["total"] > 0
    assert mine["kpis"]["cost"]["total"] == theirs["kpis"]["cost"]["total"]
    assert untimed(mine) == untimed(theirs)


def test_credentials_and_urls_are_one_line_and_exit_2(server: Server, capsys) -> None:
    code, _, err = cli(capsys, "--server", server.url, "--token", "wrong", "plan", SMALL)
    assert code == 2
    assert "refused the token (401" in err
    assert "Traceback" not in err
    code, _, err = cli(capsys, "--server", server.url, "plan", SMALL)
    assert code == 2
    assert "needs a token" in err
    assert "--token" in err
    code, _, err = cli(capsys, "--server", server.url, "--token", "tok-a-viewer", "plan", SMALL)
    assert code == 2
    assert "refused the token (403" in err
    code, _, err = cli(capsys, "--server", server.url + "/api", "--token", "tok-a", "plan", SMALL)
    assert code == 2
    assert "no isoflow server at" in err
    code, _, err = cli(capsys, "--server", "ftp://example.org", "plan", SMALL)
    assert code == 2
    assert "not an http:// or https:// URL" in err
    code, _, err = cli(capsys, "--server", server.url, "validate", SMALL)
    assert code == 2
    assert "runs here only" in err


def test_an_unreachable_server_is_one_line(capsys, monkeypatch) -> None:
    url = f"http://127.0.0.1:{free_port()}"
    code, _, err = cli(capsys, "--server", url, "--token", "tok-a", "plan", SMALL)
    assert code == 2
    assert f"cannot reach the server at {url}" in err
    assert len(err.strip().splitlines()) <= 2  # the upload line and the error
    monkeypatch.setenv("ISOFLOW_SERVER", url)  # set for scripts: local-only commands run here
    code, out, _ = cli(capsys, "validate", SMALL)
    assert code == 0
    assert "valid" in out


def test_a_bad_field_shows_the_servers_file_line_and_field(server: Server, tmp_path, capsys):
    lines = SMALL.read_text().splitlines()
    assert lines[20].strip() == "shelf_life: 7 d"
    lines[20] = lines[20].replace("7 d", "banana")
    bad = tmp_path / "bad.yaml"
    bad.write_text("\n".join(lines) + "\n")
    code, _, err = cli(capsys, "--server", server.url, "--token", "tok-a", "plan", bad)
    assert code == 2
    assert f"{bad}:21: products.2.shelf_life:" in err
    assert "(422)" in err


def test_sigint_cancels_the_remote_run(server: Server, tmp_path) -> None:
    env = {**os.environ, "PYTHONPATH": str(SRC), "ISOFLOW_SERVER": server.url,
           "ISOFLOW_TOKEN": "tok-a"}  # fmt: skip
    args = [sys.executable, "-m", "isoflow", "simulate", str(SMALL), "--replications", "100000",
            "--out", str(tmp_path / "sim")]  # fmt: skip
    proc = subprocess.Popen(args, env=env, stderr=subprocess.PIPE, text=True,
                            start_new_session=True)  # fmt: skip
    headers = {"Authorization": "Bearer tok-a"}
    try:
        with httpx.Client(base_url=server.url, headers=headers, timeout=10) as c:
            deadline = time.monotonic() + 60
            running: list[str] = []
            while not running:
                assert time.monotonic() < deadline, "the run never started"
                assert proc.poll() is None, proc.communicate()
                time.sleep(0.1)
                runs = c.get("/runs").json()
                running = [r["run_id"] for r in runs if r["state"] == "running"]
            time.sleep(0.5)  # the command follows the stream by now
            proc.send_signal(signal.SIGINT)
            _, err = proc.communicate(timeout=30)
            assert proc.returncode == 130, err
            assert "cancelled run" in err
            assert f"cancelled run {running[0]}" in err
            assert c.get(f"/runs/{running[0]}").json()["state"] == "cancelled"
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()
    assert not (tmp_path / "sim").exists()


def test_events_parse_and_busy_servers_say_retry() -> None:
    data = b'data: {"state": "running", "progress": 0.5, "message": "planning"}\n'
    stream = [b": waiting\n", b"\n", b"id: 3\n", b"event: running\n", data, b"\n"]
    (event,) = parse_events(iter(stream))
    assert (event.seq, event.state, event.progress, event.message) == (
        "3", "running", 0.5, "planning")  # fmt: skip
    body = json.dumps({"title": "Service Unavailable", "detail": "too many requests at once"})
    busy = http_failure("http://h", 503, body.encode(), {"Retry-After": "1"})
    assert "retry in 1 s" in str(busy)
    assert "retry" in str(http_failure("http://h", 429, b"", {}))
    large = json.dumps({"detail": "at most 10 bytes"}).encode()
    assert "(413): at most 10 bytes" in str(http_failure("http://h", 413, large, {}))


class _Dropping(http.server.BaseHTTPRequestHandler):
    """A fake service whose first event stream drops after one event."""

    seen: ClassVar[list[str | None]] = []

    def do_GET(self) -> None:
        if self.path.endswith("/events"):
            self.seen.append(self.headers.get("Last-Event-ID"))
            first = len(self.seen) == 1
            frame = {"state": "running" if first else "optimal", "progress": 0.5 if first else 1}
            self.send_response(200)
            self.send_header("Content-Type", "text/event-stream")
            self.end_headers()
            seq = 1 if first else 2
            self.wfile.write(f"id: {seq}\ndata: {json.dumps(frame)}\n\n".encode())
            self.wfile.flush()
            self.close_connection = True  # dropped: no end of stream, the run not ended
            return
        body = json.dumps({"run_id": "r1", "state": "running" if len(self.seen) < 2 else "optimal"})
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body.encode())

    def log_message(self, *args: object) -> None:
        pass


def test_a_dropped_stream_resumes_after_its_last_event() -> None:
    fake = http.server.ThreadingHTTPServer(("127.0.0.1", 0), _Dropping)
    thread = threading.Thread(target=fake.serve_forever, daemon=True)
    thread.start()
    try:
        remote = Remote(f"http://127.0.0.1:{fake.server_address[1]}", "tok")
        states: list[str] = []
        final = remote.follow("r1", lambda e: states.append(e.state))
    finally:
        fake.shutdown()
        fake.server_close()
    assert final["state"] == "optimal"
    assert states == ["running", "optimal"]
    assert _Dropping.seen == [None, "1"]
