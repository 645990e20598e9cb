"""The service as ``isoflow serve`` builds it, in this process (uvicorn in a thread on
127.0.0.1), over a temporary SQLite store holding the small scenario planned once.

Users: ``alice`` (admin, from ``--init-admin``) adds ``bob`` (planner) and ``vic`` (viewer)
to ``acme``; ``eve`` is the admin of another organisation. Bob uploads the small scenario
and plans it before the tests start.
"""

from __future__ import annotations

import json
import socket
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx
import pytest
import uvicorn

from isoflow.adapters.cli.serve_cmd import build_app
from isoflow.adapters.storage.artefacts import FileArtefactStore

SMALL = Path(__file__).resolve().parents[1] / "scenario" / "data" / "small.yaml"
"""The smallest scenario the planner solves (5 sites, 5 lanes; about a second)."""
PASSWORD = "correct-horse-battery"


@dataclass
class Dash:
    """A running service with one finished plan run."""

    url: str
    db: Path
    run_id: str
    scenario_id: str
    headers: dict[str, dict[str, str]]

    def stored_plan(self, run_id: str | None = None) -> dict[str, Any]:
        """The plan of a run as the store holds it (its result artefact, read from disk)."""
        with httpx.Client(base_url=self.url, timeout=30) as c:
            run = c.get(f"/runs/{run_id or self.run_id}", headers=self.headers["bob"]).json()
        store = FileArtefactStore(self.db.parent / f"{self.db.name}.artefacts")
        return dict(json.loads(store.get(run["result_sha256"])))


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def login(c: httpx.Client, org: str, user: str, password: str) -> dict[str, str]:
    r = c.post("/auth/login", json={"org": org, "username": user, "password": password})
    assert r.status_code == 200, r.text
    return {"Authorization": f"Bearer {r.json()['access_token']}", "X-Reason": "test"}


def wait_final(c: httpx.Client, run_id: str, headers: dict[str, str]) -> dict[str, Any]:
    for _ in range(600):
        body = c.get(f"/runs/{run_id}", headers=headers).json()
        if body["state"] not in ("queued", "running"):
            return dict(body)
        time.sleep(0.1)
    raise AssertionError("run did not end")


def _people(c: httpx.Client) -> dict[str, dict[str, str]]:
    admin = login(c, "acme", "alice", PASSWORD)
    for name, role in (("bob", "planner"), ("vic", "viewer")):
        new = {"username": name, "full_name": name.title(), "roles": [role],
               "reason": "test user", "password": PASSWORD}  # fmt: skip
        assert c.post("/auth/users", json=new, headers=admin).status_code == 201
    return {
        "alice": admin,
        "bob": login(c, "acme", "bob", PASSWORD),
        "vic": login(c, "acme", "vic", PASSWORD),
        "eve": login(c, "other", "eve", PASSWORD),
    }


@contextmanager
def running(folder: Path) -> Iterator[Dash]:
    """The service on a fresh database in ``folder``, with the small scenario planned."""
    db = folder / "db" / "isoflow.db"
    with pytest.MonkeyPatch.context() as mp:
        mp.setenv("ISOFLOW_INIT_ADMIN_PASSWORD", PASSWORD)
        build_app(db, None, 1, "eve@other")  # a second organisation's admin
        app = build_app(db, None, 1, "alice@acme")
    port = free_port()
    server = uvicorn.Server(uvicorn.Config(app, host="127.0.0.1", port=port, log_level="warning"))
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    try:
        for _ in range(400):
            if server.started:
                break
            time.sleep(0.025)
        url = f"http://127.0.0.1:{port}"
        with httpx.Client(base_url=url, timeout=30) as c:
            people = _people(c)
            r = c.post("/scenarios", params={"format": "yaml", "name": "small"},
                       content=SMALL.read_bytes(), headers=people["bob"])  # fmt: skip
            assert r.status_code == 201, r.text
            sid = r.json()["scenario_id"]
            r = c.post("/runs", json={"kind": "plan", "scenario_id": sid}, headers=people["bob"])
            assert r.status_code == 202, r.text
            run = wait_final(c, r.json()["run_id"], people["bob"])
            assert run["state"] == "optimal", run
        yield Dash(url, db, str(run["run_id"]), sid, people)
    finally:
        server.should_exit = True
        thread.join(timeout=15)
