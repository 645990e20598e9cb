"""Plan approval with electronic signatures: ``draft -> reviewed -> approved (-> superseded)``.

A review and an approval are each a signature (21 CFR 11.50): the signer gives the password
again with the request (11.200(a)(1)), and the signature records the signer's printed name,
the UTC instant and the signer's time zone, the meaning (``reviewed``/``approved``) and the
SHA-256 of the plan (:func:`~isoflow.engines.planner.revision.plan_hash`). The hash binds it
to that plan (11.70): verification recomputes it, so any later change of the plan voids the
signature, and a plan whose review is void must be reviewed again before approval.

Separation of duties: the plan's author can neither review nor approve it, and its reviewer
cannot approve it (three people: author, reviewer, approver). Approving a revision
(``revision.parent_hash``) supersedes the approved plan it revises. Every change is audited
with its reason.
"""

from __future__ import annotations

import hashlib
import json
import secrets
from dataclasses import dataclass
from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

from isoflow.engines.planner.revision import plan_hash
from isoflow.records.plan import Plan
from isoflow.service.access import (
    Forbidden,
    InvalidTransition,
    NotFound,
    SeparationOfDuties,
    require_reason,
)
from isoflow.service.auth import Accounts
from isoflow.service.model import (
    Actor,
    ApprovalRecord,
    PlanApproval,
    Signature,
    SignatureMeaning,
)
from isoflow.service.ports import (
    ApprovalStore,
    AuditRecorder,
    Authorizer,
    Clock,
    PlanSource,
    SubmittedPlan,
)
from isoflow.service.roles import Operation


@dataclass(frozen=True, slots=True)
class CheckedSignature:
    """A signature and whether it still binds to the plan as stored now."""

    signature: Signature
    valid: bool


@dataclass(frozen=True, slots=True)
class ApprovalStatus:
    """A plan's approval state (as of its current hash) and its checked signatures."""

    plan_id: str
    state: PlanApproval
    plan_sha256: str
    signatures: tuple[CheckedSignature, ...]


def current_hash(plan: SubmittedPlan) -> str:
    """The SHA-256 of the plan as stored now (``sha256:`` and 64 hex digits).

    Bytes that no longer read as a plan hash as they are (so no signature matches them).
    """
    try:
        return plan_hash(Plan.model_validate_json(plan.data))
    except ValueError:
        return "sha256:" + hashlib.sha256(plan.data).hexdigest()


def _record_json(record: ApprovalRecord | None) -> bytes | None:
    if record is None:
        return None
    data = {
        "org_id": record.org_id,
        "plan_id": record.plan_id,
        "state": record.state.value,
        "plan_sha256": record.plan_sha256,
        "author_id": record.author_id,
        "version": record.version,
    }
    return json.dumps(data, sort_keys=True).encode()


def signature_dict(checked: CheckedSignature) -> dict[str, Any]:
    """One signature as the HTML report and exports show it."""
    s = checked.signature
    local = s.signed_at.astimezone(ZoneInfo(s.time_zone))
    return {
        "signer": s.signer_name,
        "signer_id": s.signer_id,
        "meaning": s.meaning.value,
        "signed_at_utc": s.signed_at.isoformat().replace("+00:00", "Z"),
        "signed_at_local": local.isoformat(),
        "time_zone": s.time_zone,
        "plan_sha256": s.plan_sha256,
        "reason": s.reason,
        "valid": checked.valid,
    }


def status_dict(status: ApprovalStatus) -> dict[str, Any]:
    """The plan's state, hash and checked signatures as the API and exports give them."""
    return {
        "plan_id": status.plan_id,
        "state": status.state.value,
        "plan_sha256": status.plan_sha256,
        "signatures": [signature_dict(c) for c in status.signatures],
    }


def signature_block(status: ApprovalStatus) -> str:
    """The signature block as text: one manifestation per signature (21 CFR 11.50)."""
    lines = [f"Plan {status.plan_id} ({status.plan_sha256}): {status.state.value}"]
    for checked in status.signatures:
        d = signature_dict(checked)
        void = "" if checked.valid else " [VOID: the plan changed after signing]"
        lines.append(
            f"{d['meaning'].capitalize()} by {d['signer']} on {d['signed_at_utc']} "
            f"({d['signed_at_local']} {d['time_zone']}): {d['reason']}{void}"
        )
    return "\n".join(lines)


class Approvals:
    """The review and approval use cases."""

    def __init__(
        self,
        store: ApprovalStore,
        plans: PlanSource,
        accounts: Accounts,
        authorizer: Authorizer,
        recorder: AuditRecorder,
        clock: Clock,
    ) -> None:
        self._store = store
        self._plans = plans
        self._accounts = accounts
        self._authorizer = authorizer
        self._recorder = recorder
        self._clock = clock

    def _plan(self, actor: Actor, operation: Operation, plan_id: str) -> SubmittedPlan:
        if not self._authorizer.allows(actor, operation):
            raise Forbidden(f"{operation} is not allowed for these roles")
        plan = self._plans.plan(actor.org_id, plan_id)
        if plan is None:
            raise NotFound(f"no plan {plan_id}")
        return plan

    def status(self, actor: Actor, plan_id: str) -> ApprovalStatus:
        """The plan's state as of its current hash and its signatures, each checked."""
        plan = self._plan(actor, Operation.PLANS_READ, plan_id)
        return self._status(plan)

    def signed(self, actor: Actor, plan_id: str) -> tuple[SubmittedPlan, ApprovalStatus]:
        """The plan as stored now and its status checked against exactly those bytes."""
        plan = self._plan(actor, Operation.PLANS_READ, plan_id)
        return plan, self._status(plan)

    def _status(self, plan: SubmittedPlan) -> ApprovalStatus:
        digest = current_hash(plan)
        record = self._store.get(plan.org_id, plan.plan_id)
        state = PlanApproval.DRAFT
        if record is not None and record.plan_sha256 == digest:
            state = record.state
        checked = tuple(
            CheckedSignature(s, s.plan_sha256 == digest)
            for s in self._store.signatures(plan.org_id, plan.plan_id)
        )
        return ApprovalStatus(plan.plan_id, state, digest, checked)

    def review(self, actor: Actor, plan_id: str, password: str, reason: str) -> Signature:
        """Sign the plan as reviewed (draft, or a review voided by a change, -> reviewed)."""
        plan = self._plan(actor, Operation.PLANS_REVIEW, plan_id)
        status = self._status(plan)
        if status.state is not PlanApproval.DRAFT:
            raise InvalidTransition(f"plan {plan_id} is {status.state.value}, not draft")
        if plan.author_id == actor.user_id:
            raise SeparationOfDuties("the author of a plan cannot review it")
        return self._sign(actor, plan, status, SignatureMeaning.REVIEWED, password, reason)

    def approve(self, actor: Actor, plan_id: str, password: str, reason: str) -> Signature:
        """Sign the reviewed plan as approved; an approved plan it revises is superseded."""
        plan = self._plan(actor, Operation.PLANS_APPROVE, plan_id)
        status = self._status(plan)
        if status.state is not PlanApproval.REVIEWED:
            raise InvalidTransition(f"plan {plan_id} is {status.state.value}, not reviewed")
        if plan.author_id == actor.user_id:
            raise SeparationOfDuties("the author of a plan cannot approve it")
        reviewers = {
            c.signature.signer_id
            for c in status.signatures
            if c.valid and c.signature.meaning is SignatureMeaning.REVIEWED
        }
        if actor.user_id in reviewers:
            raise SeparationOfDuties("the reviewer of a plan cannot also approve it")
        return self._sign(actor, plan, status, SignatureMeaning.APPROVED, password, reason)

    def _sign(
        self,
        actor: Actor,
        plan: SubmittedPlan,
        status: ApprovalStatus,
        meaning: SignatureMeaning,
        password: str,
        reason: str,
    ) -> Signature:
        why = require_reason(reason)
        user = self._accounts.reauthenticate(actor, password)
        now = self._clock.now()
        before = self._store.get(plan.org_id, plan.plan_id)
        state = PlanApproval(meaning.value)
        after = ApprovalRecord(
            plan.org_id, plan.plan_id, state, status.plan_sha256, plan.author_id, now,
            (before.version + 1) if before else 1,
        )  # fmt: skip
        signature = Signature(
            "s-" + secrets.token_hex(8), plan.org_id, plan.plan_id, status.plan_sha256,
            user.user_id, user.full_name or user.username, meaning, now, user.time_zone, why,
        )  # fmt: skip
        superseded = self._superseded(plan, now) if meaning is SignatureMeaning.APPROVED else []
        self._store.commit([after, *(new for _, new in superseded)], signature)
        self._recorder.record(
            actor, "plan.sign", "signature", signature.signature_id, 1, None,
            json.dumps(signature_dict(CheckedSignature(signature, True))).encode(),
            f"{meaning.value} signature on {status.plan_sha256}", why,
        )  # fmt: skip
        action = "plan.review" if meaning is SignatureMeaning.REVIEWED else "plan.approve"
        self._recorder.record(
            actor, action, "plan", plan.plan_id, after.version, _record_json(before),
            _record_json(after), f"{status.state.value} -> {state.value}", why,
        )  # fmt: skip
        for old, new in superseded:
            self._recorder.record(
                actor, "plan.supersede", "plan", new.plan_id, new.version, _record_json(old),
                _record_json(new), f"approved -> superseded by {plan.plan_id}", why,
            )  # fmt: skip
        return signature

    def _superseded(
        self, plan: SubmittedPlan, now: datetime
    ) -> list[tuple[ApprovalRecord, ApprovalRecord]]:
        revision = Plan.model_validate_json(plan.data).revision
        if revision is None:
            return []
        out = []
        for old in self._store.find_by_hash(plan.org_id, revision.parent_hash):
            if old.state is PlanApproval.APPROVED and old.plan_id != plan.plan_id:
                new = ApprovalRecord(
                    old.org_id, old.plan_id, PlanApproval.SUPERSEDED, old.plan_sha256,
                    old.author_id, now, old.version + 1,
                )  # fmt: skip
                out.append((old, new))
        return out
