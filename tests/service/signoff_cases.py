"""The sign-off world shared by the service tests: the served app in a thread and its people.

:func:`serving` runs an app ``build_app`` made on uvicorn in a thread on 127.0.0.1;
:class:`World` signs people in, makes plan runs of the tiny scenario and signs them;
:func:`expected_hash` states the plan hash as documented, independently of the service.
"""

from __future__ import annotations

import hashlib
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx
import uvicorn
from service_cases import free_port, upload, wait_final

PASSWORD = "correct-horse-battery"


@contextmanager
def serving(app: Any) -> Iterator[httpx.Client]:
    """The app on uvicorn in a thread on 127.0.0.1, and a client of it."""
    port = free_port()
    server = uvicorn.Server(uvicorn.Config(app, host="127.0.0.1", port=port, log_level="warning"))
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    try:
        for _ in range(400):
            if server.started:
                break
            time.sleep(0.025)
        with httpx.Client(base_url=f"http://127.0.0.1:{port}", timeout=30) as client:
            yield client
    finally:
        server.should_exit = True
        thread.join(timeout=15)


@dataclass
class World:
    db: Path
    client: httpx.Client
    headers: dict[str, dict[str, str]]

    def login(self, user: str, password: str = PASSWORD) -> dict[str, str]:
        body = {"org": "acme", "username": user, "password": password}
        r = self.client.post("/auth/login", json=body)
        assert r.status_code == 200, r.text
        return {"Authorization": f"Bearer {r.json()['access_token']}"}

    def plan(self, author: str, reason: str = "weekly plan") -> str:
        h = {**self.headers[author], "X-Reason": reason}
        sid = upload(self.client, h)
        r = self.client.post("/runs", json={"kind": "plan", "scenario_id": sid}, headers=h)
        assert r.status_code == 202, r.text
        run = wait_final(self.client, r.json()["run_id"], h)
        assert run["state"] == "optimal", run
        return str(run["run_id"])

    def sign(self, who: str, plan: str, step: str, password: str = PASSWORD) -> Any:
        body = {"password": password, "reason": f"{step} by {who}"}
        return self.client.post(f"/plans/{plan}/{step}", json=body, headers=self.headers[who])

    def artefact(self, plan: str) -> Path:
        run = self.client.get(f"/runs/{plan}", headers=self.headers["vic"]).json()
        digest = run["result_sha256"]
        return self.db.parent / f"{self.db.name}.artefacts" / digest[:2] / digest


def expected_hash(path: Path) -> str:
    """The plan hash as documented: SHA-256 of plan.json's records, the solver block aside."""
    from isoflow.records.plan import Plan

    plan = Plan.model_validate_json(path.read_bytes())
    return "sha256:" + hashlib.sha256(plan.model_dump_json(exclude={"solver"}).encode()).hexdigest()
