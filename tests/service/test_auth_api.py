"""The /auth and /plans routers through HTTP: 401, 403, 404, 429 and the role matrix."""

from __future__ import annotations

import warnings

import pytest
from access_fakes import PASSWORD, world
from fastapi import FastAPI
from test_roles import EXPECTED_ALLOWED

from isoflow.adapters.api.routers.approvals import approvals_router
from isoflow.adapters.api.routers.auth import auth_router
from isoflow.adapters.api.security import Security, cors_options
from isoflow.service.model import Role
from isoflow.service.roles import RoleAuthorizer

with warnings.catch_warnings():
    # starlette's test client warns that it prefers httpx2 to the installed httpx
    warnings.simplefilter("ignore")
    from fastapi.testclient import TestClient


@pytest.fixture
def api():
    w = world(per_user=3, per_client=50)
    app = FastAPI()
    security = Security(w.accounts, RoleAuthorizer())
    app.include_router(auth_router(w.accounts, security))
    app.include_router(approvals_router(w.approvals, security))
    return w, TestClient(app)


def _login(client, org, username, password=PASSWORD):
    return client.post("/auth/login", json={"org": org, "username": username, "password": password})


def _bearer(client, org, username):
    r = _login(client, org, username)
    assert r.status_code == 200, r.text
    return {"Authorization": f"Bearer {r.json()['access_token']}"}


def test_login_and_401(api):
    _, c = api
    r = _login(c, "acme", "admin")
    assert r.json()["token_type"] == "bearer"
    assert r.json()["expires_in"] == 900
    assert _login(c, "acme", "admin", "wrong password").status_code == 401
    assert c.get("/auth/users").status_code == 401
    assert c.get("/auth/users", headers={"Authorization": "Bearer nope"}).status_code == 401
    assert c.get("/auth/users", headers={"Authorization": "Basic abc"}).status_code == 401
    assert c.get("/auth/users", headers={"X-API-Key": "ifk_x_y"}).status_code == 401


def test_login_rate_limit_gives_429(api):
    _, c = api
    codes = [_login(c, "acme", "admin", "wrong password").status_code for _ in range(3)]
    assert codes == [401, 401, 401]
    r = _login(c, "acme", "admin")
    assert r.status_code == 429
    assert int(r.headers["Retry-After"]) > 0


def test_api_key_flow(api):
    _, c = api
    h = _bearer(c, "acme", "admin")
    svc = c.post("/auth/users", headers=h, json={"username": "robot", "full_name": "Robot",
                                                  "roles": ["viewer"], "reason": "CI"})  # fmt: skip
    assert svc.status_code == 201
    assert svc.json()["service_account"]
    r = c.post("/auth/api-keys", headers=h,
               json={"user_id": svc.json()["user_id"], "label": "ci", "reason": "CI"})  # fmt: skip
    assert r.status_code == 201
    key = r.json()["api_key"]
    ok = c.get("/plans/none/signatures", headers={"X-API-Key": key})
    assert ok.status_code == 404
    assert c.get("/auth/users", headers={"X-API-Key": key}).status_code == 403
    rv = c.post(f"/auth/api-keys/{r.json()['key_id']}/revoke", headers=h, json={"reason": "x"})
    assert rv.status_code == 200
    assert c.get("/plans/none/signatures", headers={"X-API-Key": key}).status_code == 401


def test_role_matrix_through_http(api):
    w, c = api
    author = w.person("acme", "alice", {Role.PLANNER})
    w.add_plan("acme", "p1", author)
    routes = {
        "users:admin": ("get", "/auth/users", None),
        "plans:read": ("get", "/plans/p1/signatures", None),
        "plans:review": ("post", "/plans/p1/review", {"password": "", "reason": "r"}),
        "plans:approve": ("post", "/plans/p1/approve", {"password": "", "reason": "r"}),
    }
    mismatches = []
    for role in Role:
        w.person("acme", f"x{role.value}", {role})
        h = _bearer(c, "acme", f"x{role.value}")
        for op, (method, path, body) in routes.items():
            r = c.request(method, path, headers=h, json=body)
            allowed = r.status_code != 403
            if allowed != (op in EXPECTED_ALLOWED[role]):
                mismatches.append((role.value, op, r.status_code))
    assert mismatches == []


def test_review_approve_signatures_and_tenancy(api):
    w, c = api
    author = w.person("acme", "alice", {Role.PLANNER})
    w.person("acme", "bob", {Role.PLANNER})
    w.person("acme", "carol", {Role.APPROVER})
    w.person("beta", "eve", {Role.APPROVER})
    w.add_plan("acme", "p1", author)
    sign = {"password": PASSWORD, "reason": "checked"}
    own = c.post("/plans/p1/review", headers=_bearer(c, "acme", "alice"), json=sign)
    assert own.status_code == 403
    bad = c.post("/plans/p1/review", headers=_bearer(c, "acme", "bob"),
                 json={"password": "not it", "reason": "x"})  # fmt: skip
    assert bad.status_code == 401
    no_reason = c.post("/plans/p1/review", headers=_bearer(c, "acme", "bob"),
                       json={"password": PASSWORD, "reason": ""})  # fmt: skip
    assert no_reason.status_code == 422
    assert (
        c.post("/plans/p1/review", headers=_bearer(c, "acme", "bob"), json=sign).status_code == 201
    )
    early = c.post("/plans/p1/review", headers=_bearer(c, "acme", "carol"), json=sign)
    assert early.status_code == 409
    r = c.post("/plans/p1/approve", headers=_bearer(c, "acme", "carol"), json=sign)
    assert r.status_code == 201
    assert r.json()["meaning"] == "approved"
    s = c.get("/plans/p1/signatures", headers=_bearer(c, "acme", "alice")).json()
    assert s["state"] == "approved"
    assert [x["valid"] for x in s["signatures"]] == [True, True]
    eve = _bearer(c, "beta", "eve")
    assert c.get("/plans/p1/signatures", headers=eve).status_code == 404
    assert c.post("/plans/p1/approve", headers=eve, json=sign).status_code == 404
    alice_id = author.user_id
    assert c.get(f"/auth/users/{alice_id}", headers=_bearer(c, "beta", "admin")).status_code == 404
    assert c.get(f"/auth/users/{alice_id}", headers=_bearer(c, "acme", "admin")).status_code == 200


def test_cors_needs_explicit_origins():
    assert cors_options(["https://isoflow.example"])["allow_origins"] == ["https://isoflow.example"]
    with pytest.raises(ValueError, match="explicit"):
        cors_options(["*"])
