"""Sign-off through the app ``isoflow serve`` builds, over a temporary SQLite store.

Acme's people: ``alice`` (admin, ``--init-admin``), ``bob`` (planner, author of the plans),
``rita`` (planner, reviews), ``quinn`` (approver, in Europe/Vienna), ``paula`` (planner and
approver), ``vic`` (viewer); ``eve`` is the admin of another organisation. Plans are the tiny
scenario's plan runs. The expected values are derived here: the plan hash from the stored
artefact file, local times with ``zoneinfo``, signing instants bracketed by the test's own
clock.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from service_cases import wait_final
from signoff_cases import PASSWORD, World, expected_hash, serving

from isoflow.adapters.cli.serve_cmd import build_app
from isoflow.adapters.storage.sqlite_audit import SqliteAuditLog
from isoflow.service.audit import canonical_entry

WRONG = "not-the-password-at-all"
PEOPLE = {
    "bob": (["planner"], "UTC"),
    "rita": (["planner"], "UTC"),
    "quinn": (["approver"], "Europe/Vienna"),
    "paula": (["planner", "approver"], "UTC"),
    "vic": (["viewer"], "UTC"),
}


@pytest.fixture(scope="module")
def world(tmp_path_factory: pytest.TempPathFactory) -> Iterator[World]:
    db = tmp_path_factory.mktemp("signoff") / "db" / "isoflow.db"
    with pytest.MonkeyPatch.context() as mp:
        mp.setenv("ISOFLOW_INIT_ADMIN_PASSWORD", PASSWORD)
        build_app(db, None, 1, "eve@other")  # another organisation's admin
        app = build_app(db, None, 1, "alice@acme")
    with serving(app) as client:
        w = World(db, client, {})
        admin = {**w.login("alice"), "X-Reason": "staff"}
        for name, (roles, tz) in PEOPLE.items():
            new = {"username": name, "full_name": name.title() + " Example", "roles": roles,
                   "reason": "staff", "password": PASSWORD, "time_zone": tz}  # fmt: skip
            r = client.post("/auth/users", json=new, headers=admin)
            assert r.status_code == 201, r.text
        w.headers = {name: w.login(name) for name in PEOPLE}
        yield w


@pytest.fixture(scope="module")
def reviewed(world: World) -> str:
    """A plan of bob's, reviewed by rita (read-only for the tests that use it)."""
    plan = world.plan("bob", reason="plan for week 49")
    assert world.sign("rita", plan, "review").status_code == 201
    return plan


@pytest.fixture(scope="module")
def approved(world: World) -> tuple[str, dict[str, Any], datetime, datetime]:
    """A plan of bob's reviewed by rita and approved by quinn: id, signature, time bracket."""
    plan = world.plan("bob")
    assert world.sign("rita", plan, "review").status_code == 201
    before = datetime.now(UTC)
    r = world.sign("quinn", plan, "approve")
    after = datetime.now(UTC)
    assert r.status_code == 201, r.text
    return plan, dict(r.json()), before, after


def test_signatures_persist_across_a_restart(
    world: World, approved: tuple[str, dict[str, Any], datetime, datetime]
) -> None:
    plan, sig, before, after = approved
    at = datetime.fromisoformat(sig["signed_at_utc"].replace("Z", "+00:00"))
    assert before <= at <= after
    assert sig["signer"] == "Quinn Example"
    assert sig["meaning"] == "approved"
    assert sig["time_zone"] == "Europe/Vienna"
    assert sig["signed_at_local"] == at.astimezone(ZoneInfo("Europe/Vienna")).isoformat()
    assert sig["plan_sha256"] == expected_hash(world.artefact(plan))
    shown = world.client.get(f"/plans/{plan}/signatures", headers=world.headers["vic"]).json()
    assert shown["state"] == "approved"
    assert [s["meaning"] for s in shown["signatures"]] == ["reviewed", "approved"]
    assert [s["signer"] for s in shown["signatures"]] == ["Rita Example", "Quinn Example"]
    assert all(s["valid"] for s in shown["signatures"])

    again = build_app(world.db, None, 1)  # a new process on the same store
    with serving(again) as c2:
        r = c2.post("/auth/login", json={"org": "acme", "username": "vic", "password": PASSWORD})
        vic = {"Authorization": f"Bearer {r.json()['access_token']}"}
        assert c2.get(f"/plans/{plan}/signatures", headers=vic).json() == shown


def test_the_author_cannot_sign_their_own_plan(world: World) -> None:
    plan = world.plan("paula")
    assert world.sign("paula", plan, "review").status_code == 403
    assert world.sign("rita", plan, "review").status_code == 201
    refused = world.sign("paula", plan, "approve")  # paula may approve, but not her own plan
    assert refused.status_code == 403, refused.text
    assert "author" in refused.json()["detail"]
    state = world.client.get(f"/plans/{plan}/signatures", headers=world.headers["vic"]).json()
    assert state["state"] == "reviewed"
    assert len(state["signatures"]) == 1


def test_a_viewer_may_read_but_not_sign(world: World, reviewed: str) -> None:
    plan = reviewed
    for step in ("review", "approve"):
        assert world.sign("vic", plan, step).status_code == 403
    assert world.sign("bob", plan, "approve").status_code == 403  # planners do not approve
    r = world.client.get(f"/plans/{plan}/signatures", headers=world.headers["vic"])
    assert r.status_code == 200
    assert [s["signer"] for s in r.json()["signatures"]] == ["Rita Example"]
    history = world.client.get(f"/plans/{plan}/history", headers=world.headers["vic"]).json()
    assert history["plan"]["run_id"] == plan
    assert history["audit"] is None  # viewers do not read the audit trail


def _entries(db: Path) -> list[Any]:
    return list(SqliteAuditLog(db).entries())


def test_wrong_passwords_are_refused_and_audited(world: World, reviewed: str) -> None:
    plan = reviewed
    n = len(_entries(world.db))
    assert world.sign("quinn", plan, "approve", password=WRONG).status_code == 401
    body = {"org": "acme", "username": "quinn", "password": WRONG}
    assert world.client.post("/auth/login", json=body).status_code == 401
    world.login("quinn")
    new = _entries(world.db)[n:]
    quinn = new[0].actor_id
    assert [(e.action, e.actor_id) for e in new] == [
        ("auth.reauthenticate_failed", quinn),
        ("auth.login_failed", quinn),
        ("auth.login", quinn),
    ]
    assert all(WRONG not in canonical_entry(e).decode() for e in _entries(world.db))
    assert all(PASSWORD not in canonical_entry(e).decode() for e in _entries(world.db))
    state = world.client.get(f"/plans/{plan}/signatures", headers=world.headers["vic"]).json()
    assert state["state"] == "reviewed"


def test_the_history_lists_runs_and_audit_with_reasons(world: World, reviewed: str) -> None:
    plan = reviewed
    r = world.client.get(f"/plans/{plan}/history", headers=world.headers["quinn"])
    assert r.status_code == 200, r.text
    audit = r.json()["audit"]
    actions = [e["action"] for e in audit]
    assert actions[:3] == ["run.submit", "run.start", "run.finish"]
    assert actions[3:] == ["plan.sign", "plan.review"]
    assert audit[0]["reason"] == "plan for week 49"
    assert audit[0]["actor"] == "Bob Example"
    assert audit[-1]["reason"] == "review by rita"
    assert audit[-1]["actor"] == "Rita Example"
    at = datetime.fromisoformat(audit[-1]["at_utc"].replace("Z", "+00:00"))
    assert audit[-1]["at_local"] == at.astimezone(ZoneInfo(audit[-1]["time_zone"])).isoformat()
    assert all(e["object_id"] != plan or e["object_type"] in ("run", "plan") for e in audit)


def test_a_changed_plan_shows_its_signatures_void(
    world: World, approved: tuple[str, dict[str, Any], datetime, datetime]
) -> None:
    plan = approved[0]
    path = world.artefact(plan)
    signed_hash = expected_hash(path)
    original = path.read_bytes()
    data = json.loads(original)
    data["allocations"][0]["doses"] += 1  # one more dose than was signed for
    path.chmod(0o644)
    try:
        path.write_text(json.dumps(data))
        assert expected_hash(path) != signed_hash
        r = world.client.get(f"/plans/{plan}/signatures", headers=world.headers["vic"])
        shown = r.json()
        assert shown["plan_sha256"] == expected_hash(path)
        assert shown["state"] == "draft"
        assert [s["valid"] for s in shown["signatures"]] == [False, False]
        assert {s["plan_sha256"] for s in shown["signatures"]} == {signed_hash}
    finally:  # identical plans share one content-addressed artefact
        path.write_bytes(original)
    r = world.client.get(f"/plans/{plan}/signatures", headers=world.headers["vic"])
    assert [s["valid"] for s in r.json()["signatures"]] == [True, True]


def test_the_history_links_a_plan_and_its_revision(world: World, reviewed: str) -> None:
    bob = {**world.headers["bob"], "X-Reason": "re-plan"}
    parent = world.client.get(f"/runs/{reviewed}", headers=bob).json()
    body = {"kind": "replan", "scenario_id": parent["scenario_id"],
            "options": {"plan_run_id": reviewed,
                        "events": [{"kind": "demand_cancelled", "id": "b000000"}]}}  # fmt: skip
    r = world.client.post("/runs", json=body, headers=bob)
    assert r.status_code == 202, r.text
    child = wait_final(world.client, r.json()["run_id"], bob)
    assert child["state"] == "optimal", child["message"]
    body = {"kind": "verify", "scenario_id": parent["scenario_id"],
            "options": {"plan_run_id": reviewed}}  # fmt: skip
    check = wait_final(
        world.client, world.client.post("/runs", json=body, headers=bob).json()["run_id"], bob
    )
    mine = world.client.get(f"/plans/{reviewed}/history", headers=world.headers["quinn"]).json()
    assert [r["run_id"] for r in mine["revisions"]] == [child["run_id"]]
    assert [r["run_id"] for r in mine["runs_on"]] == [check["run_id"]]
    assert mine["parent"] is None
    objects = {e["object_id"] for e in mine["audit"]}
    assert {reviewed, child["run_id"], check["run_id"]} <= objects
    theirs = world.client.get(f"/plans/{child['run_id']}/history", headers=world.headers["vic"])
    assert theirs.json()["parent"]["run_id"] == reviewed
    assert theirs.json()["revisions"] == []


def test_another_organisation_does_not_see_the_plan(world: World, reviewed: str) -> None:
    body = {"org": "other", "username": "eve", "password": PASSWORD}
    r = world.client.post("/auth/login", json=body)
    eve = {"Authorization": f"Bearer {r.json()['access_token']}"}
    for path in ("signatures", "history"):
        assert world.client.get(f"/plans/{reviewed}/{path}", headers=eve).status_code == 404
