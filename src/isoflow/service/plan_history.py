"""A plan's history: the run that made it, its parent and revisions, runs on it, its audit.

What the sign-off view shows before anyone signs: where the plan came from (the plan run it
re-plans, if any), what was made from it (re-plans: its child revisions) and run on it
(simulations, verifications), and the audit trail's entries on all of these, on the plan's
approval record and on its signatures, with who, when (UTC and the actor's time zone), what
and why. Anyone who may read plans sees the history; the audit entries only those allowed
``audit:read`` (for others they are ``None``).
"""

from __future__ import annotations

from dataclasses import dataclass

from isoflow.service.access import Forbidden, NotFound
from isoflow.service.model import Actor, AuditEntry, Run, RunKind
from isoflow.service.ports import ApprovalStore, AuditLog, Authorizer, RunStore, UserStore
from isoflow.service.roles import Operation

PLAN_KINDS = frozenset({RunKind.PLAN, RunKind.BASELINE, RunKind.REPLAN})
"""Run kinds whose result is a plan."""

RUNS_SCANNED = 1000
"""How many of the organisation's newest runs are searched for runs on a plan."""


@dataclass(frozen=True, slots=True)
class HistoryEntry:
    """An audit entry with the printed name of its actor (the id where none is known)."""

    entry: AuditEntry
    actor_name: str


@dataclass(frozen=True, slots=True)
class PlanHistoryView:
    """A plan's run, its parent, revisions, other runs on it and its audit entries."""

    plan: Run
    parent: Run | None
    revisions: tuple[Run, ...]
    runs_on: tuple[Run, ...]
    audit: tuple[HistoryEntry, ...] | None


class PlanHistory:
    """The plan history use case."""

    def __init__(
        self,
        runs: RunStore,
        audit: AuditLog,
        approvals: ApprovalStore,
        users: UserStore,
        authorizer: Authorizer,
    ) -> None:
        self._runs = runs
        self._audit = audit
        self._approvals = approvals
        self._users = users
        self._authorizer = authorizer

    def history(self, actor: Actor, plan_id: str) -> PlanHistoryView:
        """The plan's history as the actor may see it; :class:`NotFound` for no such plan."""
        if not self._authorizer.allows(actor, Operation.PLANS_READ):
            raise Forbidden("plans:read is not allowed for these roles")
        plan = self._runs.get(actor.org_id, plan_id)
        if plan is None or plan.kind not in PLAN_KINDS:
            raise NotFound(f"no plan {plan_id}")
        parent_id = plan.options.get("plan_run_id")
        parent = self._runs.get(actor.org_id, str(parent_id)) if parent_id else None
        on = [
            r
            for r in self._runs.list(actor.org_id, RUNS_SCANNED)
            if r.options.get("plan_run_id") == plan_id
        ]
        on.sort(key=lambda r: r.submitted_at)
        revisions = tuple(r for r in on if r.kind in PLAN_KINDS)
        others = tuple(r for r in on if r.kind not in PLAN_KINDS)
        audit = None
        if self._authorizer.allows(actor, Operation.AUDIT_READ):
            audit = self._entries(actor.org_id, plan_id, [plan.run_id, *(r.run_id for r in on)])
        return PlanHistoryView(plan, parent, revisions, others, audit)

    def _entries(self, org_id: str, plan_id: str, run_ids: list[str]) -> tuple[HistoryEntry, ...]:
        objects = {("run", r) for r in run_ids} | {("plan", plan_id)}
        signatures = self._approvals.signatures(org_id, plan_id)
        objects |= {("signature", s.signature_id) for s in signatures}
        names: dict[str, str] = {}
        out = []
        for entry in self._audit.entries_about(org_id, objects):
            if entry.actor_id not in names:
                user = self._users.get_user(org_id, entry.actor_id)
                name = (user.full_name or user.username) if user else entry.actor_id
                names[entry.actor_id] = name
            out.append(HistoryEntry(entry, names[entry.actor_id]))
        return tuple(out)
