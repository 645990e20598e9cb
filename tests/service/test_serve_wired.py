"""``isoflow serve`` as shipped: sign-in, roles and the Merkle audit trail, end to end.

No fixed tokens: the first admin comes from ``--init-admin``, adds a planner over the API; the
planner signs in, uploads a scenario and plans it. The server is then killed and the audit
log in its database checked offline by ``isoflow audit verify``.
"""

from __future__ import annotations

import subprocess
import sys

import httpx
from service_cases import SRC, Server, upload, wait_final

PASSWORD = "correct-horse-battery"


def login(c: httpx.Client, user: str, password: str) -> dict[str, str]:
    r = c.post("/auth/login", json={"org": "acme", "username": user, "password": password})
    assert r.status_code == 200, r.text
    return {"Authorization": f"Bearer {r.json()['access_token']}", "X-Reason": "test"}


def test_signed_in_users_plan_and_the_audit_log_verifies(tmp_path) -> None:
    db = tmp_path / "db" / "isoflow.db"
    env = {"ISOFLOW_INIT_ADMIN_PASSWORD": PASSWORD}
    server = Server(db, None, extra=("--init-admin", "alice@acme"), env=env).start()
    try:
        with httpx.Client(base_url=server.url, timeout=30) as c:
            assert c.get("/runs").status_code == 401
            admin = login(c, "alice", PASSWORD)
            new = {"username": "bob", "full_name": "Bob Planner", "roles": ["planner"],
                   "reason": "new planner", "password": "another-long-pass"}  # fmt: skip
            assert c.post("/auth/users", json=new, headers=admin).status_code == 201
            assert c.post("/runs", json={"kind": "plan"}, headers=admin).status_code == 403
            bob = login(c, "bob", "another-long-pass")
            sid = upload(c, bob)
            r = c.post("/runs", json={"kind": "plan", "scenario_id": sid}, headers=bob)
            assert r.status_code == 202, r.text
            assert wait_final(c, r.json()["run_id"], bob)["state"] == "optimal"
    finally:
        server.kill()
    env_py = {"PYTHONPATH": str(SRC)}
    ran = subprocess.run(
        [sys.executable, "-m", "isoflow", "audit", "verify", str(db)],
        capture_output=True, text=True, env=env_py, timeout=120, check=False,
    )  # fmt: skip
    assert ran.returncode == 0, ran.stdout + ran.stderr
    # admin created, bob created, scenario uploaded, run submitted, started, finished: >= 6
    entries = int(ran.stdout.split(" entries")[0].split()[-1])
    assert entries >= 6, ran.stdout
