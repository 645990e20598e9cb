"""A real isoflow server on loopback, on a real database, for the service tests."""

from __future__ import annotations

import json
import os
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx

from isoflow.scenario.synthetic import generate

SRC = Path(__file__).resolve().parents[2] / "src"
TOKENS = {
    "tok-a": {"user_id": "alice", "org_id": "org-a", "roles": ["planner"]},
    "tok-a-viewer": {"user_id": "victor", "org_id": "org-a", "roles": ["viewer"]},
    "tok-b": {"user_id": "bob", "org_id": "org-b", "roles": ["planner"]},
}
A = {"Authorization": "Bearer tok-a", "X-Reason": "test"}
B = {"X-API-Key": "tok-b", "X-Reason": "test"}


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@dataclass
class Server:
    """A running ``isoflow serve`` subprocess."""

    db: Path
    tokens: Path | None
    port: int = 0
    proc: subprocess.Popen[bytes] | None = None
    extra: tuple[str, ...] = ()
    env: dict[str, str] | None = None

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def start(self, workers: int = 1) -> Server:
        self.port = free_port()
        env = {**os.environ, "PYTHONPATH": str(SRC), **(self.env or {})}
        args = [sys.executable, "-m", "isoflow", "serve", "--db", str(self.db)]
        args += ["--port", str(self.port), "--workers", str(workers), *self.extra]
        if self.tokens is not None:
            args += ["--tokens", str(self.tokens)]
        self.proc = subprocess.Popen(args, env=env, start_new_session=True)
        for _ in range(300):
            try:
                if httpx.get(self.url + "/health", timeout=1).status_code == 200:
                    return self
            except httpx.HTTPError:
                pass
            if self.proc.poll() is not None:
                raise RuntimeError("server exited")
            time.sleep(0.05)
        raise RuntimeError("server did not start")

    def kill(self) -> None:
        if self.proc is not None and self.proc.poll() is None:
            os.killpg(self.proc.pid, signal.SIGKILL)
            self.proc.wait(timeout=10)

    def stop(self) -> None:
        if self.proc is not None and self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)
            try:
                self.proc.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self.kill()


TINY = generate(sites=1, hospitals=1, days=1, seed=1, products=["f18-fdg"])
"""A tiny valid scenario (one cyclotron, one hospital, one day)."""


def upload(client: httpx.Client, headers: dict[str, str]) -> str:
    """Upload the tiny scenario as JSON; its id."""
    r = client.post("/scenarios", params={"format": "json"},
                    content=TINY.model_dump_json(), headers=headers)  # fmt: skip
    assert r.status_code == 201, r.text
    return str(r.json()["scenario_id"])


def wait_final(client: httpx.Client, run_id: str, headers: dict[str, str]) -> dict[str, object]:
    for _ in range(600):
        body = client.get(f"/runs/{run_id}", headers=headers).json()
        if body["state"] not in ("queued", "running"):
            return dict(body)
        time.sleep(0.1)
    raise AssertionError("run did not end")


def module_server(factory: Any, name: str) -> Iterator[Server]:
    """A server of tokens.json's users in a folder of its own, for one module's tests."""
    folder = factory.mktemp(name)
    tokens = folder / "tokens.json"
    tokens.write_text(json.dumps(TOKENS))
    started = Server(folder / "db" / "isoflow.db", tokens).start()
    yield started
    started.kill()
