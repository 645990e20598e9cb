"""Run lifecycle through a real server: submit, poll, result, verdict, isolation."""

from __future__ import annotations

import httpx
from service_cases import A, B, Server, upload, wait_final


def test_plan_lifecycle(server: Server) -> None:
    with httpx.Client(base_url=server.url, timeout=30) as c:
        sid = upload(c, A)
        r = c.post("/runs", json={"kind": "plan", "scenario_id": sid}, headers=A)
        assert r.status_code == 202, r.text
        run = wait_final(c, r.json()["run_id"], A)
        assert run["state"] == "optimal", run
        assert run["verdict"] == "ok"
        res = c.get(f"/runs/{run['run_id']}/result", headers=A).json()
        assert res["verdict"] == "ok"
        assert res["violations"] == []
        m = res["manifest"]
        assert m["inputs"]["scenario_sha256"]
        assert m["versions"]["isoflow"]
        assert m["versions"]["highs"]
        assert res["result"]["scenario"]
        check = {"kind": "verify", "scenario_id": sid, "options": {"plan_run_id": run["run_id"]}}
        v = c.post("/runs", json=check, headers=A)
        assert v.status_code == 202, v.text
        vr = wait_final(c, v.json()["run_id"], A)
        assert vr["state"] == "succeeded"
        assert vr["verdict"] == "ok"


def test_auth_and_isolation(server: Server) -> None:
    with httpx.Client(base_url=server.url, timeout=30) as c:
        sid = upload(c, A)
        assert c.get("/runs").status_code == 401
        assert c.get("/runs", headers={"Authorization": "Bearer nope"}).status_code == 401
        viewer = {"Authorization": "Bearer tok-a-viewer", "X-Reason": "x"}
        body = {"kind": "plan", "scenario_id": sid}
        assert c.post("/runs", json=body, headers=viewer).status_code == 403
        assert c.post("/runs", json=body, headers=B).status_code == 404  # not org-b's scenario
        assert c.get(f"/scenarios/{sid}", headers=B).status_code == 404
        r = c.post("/runs", json=body, headers=A)
        rid = r.json()["run_id"]
        assert c.get(f"/runs/{rid}", headers=B).status_code == 404
        assert c.get(f"/runs/{rid}", headers=viewer).status_code == 200
        assert c.delete(f"/runs/{rid}", headers=B).status_code == 404
        assert [x["run_id"] for x in c.get("/runs", headers=B).json()] == []
        no_reason = {"Authorization": "Bearer tok-a"}
        assert c.post("/runs", json=body, headers=no_reason).status_code == 422
        wait_final(c, rid, A)


def test_bad_scenario_is_422_with_locations(server: Server) -> None:
    with httpx.Client(base_url=server.url, timeout=30) as c:
        r = c.post("/scenarios", params={"format": "yaml"}, content=b"meta: [1\n", headers=A)
        assert r.status_code == 422
        errors = r.json()["errors"]
        assert errors
        assert all("/tmp" not in e["file"] + e["message"] for e in errors)
        assert errors[0]["line"] is not None
