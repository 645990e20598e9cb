"""Typed records of the service: runs, users, audit entries, checkpoints and signatures.

Times are aware UTC datetimes; states, kinds, roles and meanings are :class:`~enum.StrEnum`
members. These are the contracts the stores keep and the API serialises at its edge.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from enum import StrEnum
from typing import Any


class RunKind(StrEnum):
    """Which engine a run calls."""

    PLAN = "plan"
    BASELINE = "baseline"
    VERIFY = "verify"
    SIMULATE = "simulate"
    REPLAN = "replan"
    RECOMMEND = "recommend"
    CAPACITY = "capacity"
    CONTINGENCY = "contingency"
    SELF_SUFFICIENCY = "self-sufficiency"
    MAKE_OR_BUY = "make-or-buy"


class RunState(StrEnum):
    """Where a run is in its life: ``queued -> running -> one of the final states``.

    ``interrupted`` is set on start-up for every run a stopped server left ``queued`` or
    ``running``; a run is never lost or left ``running``.
    """

    QUEUED = "queued"
    RUNNING = "running"
    OPTIMAL = "optimal"
    FEASIBLE = "feasible"
    TIME_LIMIT = "time_limit"
    INFEASIBLE = "infeasible"
    CANCELLED = "cancelled"
    FAILED = "failed"
    SUCCEEDED = "succeeded"
    INTERRUPTED = "interrupted"

    @property
    def final(self) -> bool:
        """Whether the run has ended (no further state change)."""
        return self not in (RunState.QUEUED, RunState.RUNNING)


class Role(StrEnum):
    """What a user may do; see the service's allow/deny table."""

    VIEWER = "viewer"
    PLANNER = "planner"
    APPROVER = "approver"
    ADMIN = "admin"


class SignatureMeaning(StrEnum):
    """What a signature states (21 CFR 11.50(a)(3))."""

    REVIEWED = "reviewed"
    APPROVED = "approved"


class PlanApproval(StrEnum):
    """Approval state of a stored plan: ``draft -> reviewed -> approved (-> superseded)``."""

    DRAFT = "draft"
    REVIEWED = "reviewed"
    APPROVED = "approved"
    SUPERSEDED = "superseded"


@dataclass(frozen=True, slots=True)
class Actor:
    """Who makes a request: a user or service account of one organisation."""

    user_id: str
    name: str
    org_id: str
    roles: frozenset[Role]
    time_zone: str = "UTC"


@dataclass(frozen=True, slots=True)
class Run:
    """One submitted job of an engine and what became of it.

    ``manifest`` holds the input hashes, options, isoflow and HiGHS versions and seeds;
    ``result_sha256`` names the stored result artefact; ``verdict`` is ``isoflow verify``'s
    word on a plan (``None`` for runs that make no plan).
    """

    run_id: str
    org_id: str
    kind: RunKind
    state: RunState
    submitted_by: str
    submitted_at: datetime
    options: dict[str, Any]
    request_sha256: str
    idempotency_key: str | None = None
    scenario_id: str | None = None
    started_at: datetime | None = None
    finished_at: datetime | None = None
    progress: float = 0.0
    message: str = ""
    gap: float | None = None
    result_sha256: str | None = None
    verdict: str | None = None
    manifest: dict[str, Any] = field(default_factory=dict)


@dataclass(frozen=True, slots=True)
class AuditEntry:
    """One entry of the append-only audit trail (a leaf of its Merkle log).

    ``index`` counts from 0; ``leaf_hash`` is RFC 6962's ``SHA-256(0x00 || canonical entry)``
    over every other field.
    """

    index: int
    at: datetime
    actor_id: str
    actor_roles: tuple[str, ...]
    org_id: str
    time_zone: str
    action: str
    object_type: str
    object_id: str
    object_version: int
    before_sha256: str | None
    after_sha256: str | None
    diff: str
    reason: str
    leaf_hash: str


@dataclass(frozen=True, slots=True)
class Leaf:
    """One leaf of the audit log: its index and leaf hash (kept when a payload is purged)."""

    index: int
    leaf_hash: str


@dataclass(frozen=True, slots=True)
class Checkpoint:
    """A signed tree head: the log's size and root at a time, signed with Ed25519."""

    size: int
    root_hash: str
    at: datetime
    key_id: str
    signature: str


@dataclass(frozen=True, slots=True)
class Organisation:
    """A tenant: its users, runs, plans and approvals are unseen by every other organisation."""

    org_id: str
    name: str
    created_at: datetime


@dataclass(frozen=True, slots=True)
class User:
    """A person or service account of one organisation.

    ``password_hash`` is an Argon2id encoded hash (empty for a service account, which signs in
    with API keys only); ``full_name`` is the printed name a signature shows (21 CFR 11.50).
    """

    user_id: str
    org_id: str
    username: str
    full_name: str
    password_hash: str
    roles: frozenset[Role]
    created_at: datetime
    time_zone: str = "UTC"
    active: bool = True
    service_account: bool = False
    version: int = 1


@dataclass(frozen=True, slots=True)
class ApiKey:
    """A service account's API key: only its SHA-256 is stored, the key is shown once."""

    key_id: str
    org_id: str
    user_id: str
    label: str
    key_sha256: str
    created_at: datetime
    revoked_at: datetime | None = None


@dataclass(frozen=True, slots=True)
class ApprovalRecord:
    """Where one plan is in its approval: its state, the hash it was reached on, its author.

    ``plan_sha256`` is the plan's hash when the state was last changed; a plan whose current
    hash differs has lost the signatures of that state.
    """

    org_id: str
    plan_id: str
    state: PlanApproval
    plan_sha256: str
    author_id: str
    updated_at: datetime
    version: int = 1


@dataclass(frozen=True, slots=True)
class Signature:
    """One electronic signature on a plan (21 CFR 11.50, 11.70).

    The signer's printed name, the UTC instant and the signer's time zone, the meaning, and
    the SHA-256 of the plan it binds to: verification recomputes the plan's hash.
    """

    signature_id: str
    org_id: str
    plan_id: str
    plan_sha256: str
    signer_id: str
    signer_name: str
    meaning: SignatureMeaning
    signed_at: datetime
    time_zone: str
    reason: str


@dataclass(frozen=True, slots=True)
class ScenarioRecord:
    """An uploaded, validated scenario of one organisation.

    ``sha256`` names the stored canonical JSON of the scenario (what runs load);
    ``upload_sha256`` the bytes as uploaded (YAML, JSON or a CSV-folder archive).
    """

    scenario_id: str
    org_id: str
    name: str
    sha256: str
    upload_sha256: str
    created_by: str
    created_at: datetime


@dataclass(frozen=True, slots=True)
class RunEvent:
    """One step of a run's progress, numbered from 1 per run (the SSE event id)."""

    run_id: str
    seq: int
    at: datetime
    state: RunState
    progress: float
    message: str
