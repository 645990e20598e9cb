"""Plan review and approval: states, separation of duties, re-authentication, hash binding."""

from __future__ import annotations

import json

import pytest
from access_fakes import PASSWORD, plan_bytes, world

from isoflow.adapters.storage.sqlite_users import SqliteApprovalStore
from isoflow.records.plan import Plan
from isoflow.service.access import (
    Forbidden,
    InvalidCredentials,
    InvalidTransition,
    NotFound,
    ReasonRequired,
    SeparationOfDuties,
    TooManyAttempts,
)
from isoflow.service.approvals import Approvals, signature_block, signature_dict
from isoflow.service.model import PlanApproval, Role, SignatureMeaning
from isoflow.service.ports import SubmittedPlan


@pytest.fixture
def team():
    w = world()
    people = {
        "author": w.person("acme", "alice", {Role.PLANNER}),
        "peer": w.person("acme", "bob", {Role.PLANNER}),
        "qa": w.person("acme", "carol", {Role.APPROVER}, "Asia/Tokyo"),
        "qa2": w.person("acme", "dave", {Role.APPROVER}),
        "viewer": w.person("acme", "vic", {Role.VIEWER}),
        "other": w.person("beta", "eve", {Role.APPROVER}),
    }
    w.add_plan("acme", "p1", people["author"])
    return w, people


def test_draft_reviewed_approved_with_signatures(team):
    w, p = team
    a = w.approvals
    assert a.status(p["viewer"], "p1").state is PlanApproval.DRAFT
    a.review(p["peer"], "p1", PASSWORD, "checked against the order book")
    assert a.status(p["viewer"], "p1").state is PlanApproval.REVIEWED
    sig = a.approve(p["qa"], "p1", PASSWORD, "release for production")
    status = a.status(p["viewer"], "p1")
    assert status.state is PlanApproval.APPROVED
    assert [c.signature.meaning for c in status.signatures] == [
        SignatureMeaning.REVIEWED,
        SignatureMeaning.APPROVED,
    ]
    assert all(c.valid for c in status.signatures)
    assert sig.signer_name == "Carol Example"
    assert sig.time_zone == "Asia/Tokyo"
    assert sig.signed_at.utcoffset().total_seconds() == 0
    assert sig.plan_sha256 == status.plan_sha256
    assert sig.plan_sha256.startswith("sha256:")
    block = signature_block(status)
    assert "Approved by Carol Example" in block
    assert "+09:00" in block
    assert signature_dict(status.signatures[1])["meaning"] == "approved"
    with pytest.raises(InvalidTransition):
        a.approve(p["qa2"], "p1", PASSWORD, "again")


def test_separation_of_duties(team):
    w, p = team
    a = w.approvals
    author_also_approver = w.person("acme", "zoe", {Role.PLANNER, Role.APPROVER})
    w.add_plan("acme", "p2", author_also_approver)
    with pytest.raises(SeparationOfDuties):
        a.review(author_also_approver, "p2", PASSWORD, "own work")
    a.review(p["qa"], "p2", PASSWORD, "reviewed")
    with pytest.raises(SeparationOfDuties):
        a.approve(author_also_approver, "p2", PASSWORD, "own work")
    with pytest.raises(SeparationOfDuties):
        a.approve(p["qa"], "p2", PASSWORD, "I reviewed it, now approve")
    a.approve(p["qa2"], "p2", PASSWORD, "release")
    with pytest.raises(Forbidden):
        a.approve(p["peer"], "p1", PASSWORD, "planners do not approve")
    with pytest.raises(Forbidden):
        a.review(p["viewer"], "p1", PASSWORD, "viewers do not review")


def test_approve_needs_review_first(team):
    w, p = team
    with pytest.raises(InvalidTransition):
        w.approvals.approve(p["qa"], "p1", PASSWORD, "skip review")


def test_signing_reauthenticates(team):
    w, p = team
    n = len(w.recorder.entries)
    with pytest.raises(InvalidCredentials):
        w.approvals.review(p["peer"], "p1", "not my password", "checked")
    with pytest.raises(InvalidCredentials):
        w.approvals.review(p["peer"], "p1", "", "checked")
    assert w.approvals.status(p["viewer"], "p1").state is PlanApproval.DRAFT
    failed = w.recorder.entries[n:]  # each refused attempt audited, no signature made
    assert [e.action for e in failed] == ["auth.reauthenticate_failed"] * 2
    assert all("not my password" not in repr(e) for e in failed)
    with pytest.raises(ReasonRequired):
        w.approvals.review(p["peer"], "p1", PASSWORD, " ")


def test_signature_void_after_plan_byte_changes(team):
    w, p = team
    w.approvals.review(p["peer"], "p1", PASSWORD, "checked")
    stored = w.plans.plan(p["author"].org_id, "p1")
    changed = stored.data.replace(b'"demo"', b'"demp"')
    assert len(changed) == len(stored.data)
    assert changed != stored.data
    w.plans.add(SubmittedPlan(stored.org_id, "p1", stored.author_id, changed))
    status = w.approvals.status(p["viewer"], "p1")
    assert status.state is PlanApproval.DRAFT
    assert [c.valid for c in status.signatures] == [False]
    assert "VOID" in signature_block(status)
    with pytest.raises(InvalidTransition):
        w.approvals.approve(p["qa"], "p1", PASSWORD, "approve a changed plan")
    w.approvals.review(p["peer"], "p1", PASSWORD, "re-checked after change")
    w.approvals.approve(p["qa"], "p1", PASSWORD, "release")
    assert [c.valid for c in w.approvals.status(p["viewer"], "p1").signatures] == [
        False,
        True,
        True,
    ]


def test_approving_a_revision_supersedes_its_parent(team):
    w, p = team
    a = w.approvals
    a.review(p["peer"], "p1", PASSWORD, "ok")
    a.approve(p["qa"], "p1", PASSWORD, "ok")
    parent = Plan.model_validate_json(w.plans.plan(p["author"].org_id, "p1").data)
    w.add_plan("acme", "p1r1", p["author"], plan_bytes(parent=parent))
    a.review(p["peer"], "p1r1", PASSWORD, "revision checked")
    a.approve(p["qa"], "p1r1", PASSWORD, "revision released")
    assert a.status(p["viewer"], "p1").state is PlanApproval.SUPERSEDED
    assert a.status(p["viewer"], "p1r1").state is PlanApproval.APPROVED
    assert w.recorder.entries[-1].action == "plan.supersede"


def test_tenants_do_not_see_each_others_plans(team):
    w, p = team
    with pytest.raises(NotFound):
        w.approvals.status(p["other"], "p1")
    with pytest.raises(NotFound):
        w.approvals.review(p["other"], "p1", PASSWORD, "cross-tenant")


def test_every_change_is_audited_with_reason(team):
    w, p = team
    n = len(w.recorder.entries)
    w.approvals.review(p["peer"], "p1", PASSWORD, "checked")
    w.approvals.approve(p["qa"], "p1", PASSWORD, "released")
    new = w.recorder.entries[n:]
    assert [e.action for e in new] == ["plan.sign", "plan.review", "plan.sign", "plan.approve"]
    assert all(e.reason for e in new)
    review = new[1]
    assert review.actor.user_id == p["peer"].user_id
    assert review.before is None
    assert json.loads(review.after)["state"] == "reviewed"
    assert review.diff == "draft -> reviewed"
    approve = new[3]
    assert json.loads(approve.before)["state"] == "reviewed"
    assert json.loads(approve.after)["state"] == "approved"


def test_sqlite_approval_store(tmp_path, team):
    w, p = team
    store = SqliteApprovalStore(tmp_path / "a.db")
    a = Approvals(store, w.plans, w.accounts, w.approvals._authorizer, w.recorder, w.clock)
    a.review(p["peer"], "p1", PASSWORD, "checked")
    a.approve(p["qa"], "p1", PASSWORD, "released")
    again = SqliteApprovalStore(tmp_path / "a.db")
    assert again.get(p["author"].org_id, "p1").state is PlanApproval.APPROVED
    assert [s.meaning for s in again.signatures(p["author"].org_id, "p1")] == [
        SignatureMeaning.REVIEWED,
        SignatureMeaning.APPROVED,
    ]
    assert again.signatures(p["other"].org_id, "p1") == []
    store.close()
    again.close()


def test_wrong_signing_passwords_count_against_the_sign_in_limit(team):
    w, p = team
    for _ in range(5):
        with pytest.raises(InvalidCredentials):
            w.approvals.review(p["peer"], "p1", "guess guess guess", "checked")
    with pytest.raises(TooManyAttempts):
        w.approvals.review(p["peer"], "p1", PASSWORD, "checked")
    with pytest.raises(TooManyAttempts):
        w.accounts.login("acme", "bob", PASSWORD, "c1")
