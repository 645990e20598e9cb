"""The service's ports: what its use cases need from outside, as small protocols.

SQLite implementations live in :mod:`isoflow.adapters.storage.sqlite` (and its siblings),
in-memory fakes in :mod:`isoflow.adapters.storage.memory`; the HTTP application and the CLI
inject one or the other.
"""

from __future__ import annotations

from collections.abc import Collection, Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Protocol

from isoflow.service.model import (
    Actor,
    ApiKey,
    ApprovalRecord,
    AuditEntry,
    Checkpoint,
    Leaf,
    Organisation,
    Run,
    RunEvent,
    RunState,
    ScenarioRecord,
    Signature,
    User,
)
from isoflow.service.roles import Operation


class Clock(Protocol):
    """The time, as an aware UTC datetime."""

    def now(self) -> datetime:
        """The current instant."""
        ...


class SystemClock:
    """The machine's clock."""

    def now(self) -> datetime:
        """The current instant in UTC."""
        return datetime.now(UTC)


class ArtefactStore(Protocol):
    """Large artefacts (plans, scenarios, simulation records), content-addressed by SHA-256."""

    def put(self, data: bytes) -> str:
        """Store ``data`` (durably, before returning) and return its SHA-256 hex digest."""
        ...

    def get(self, sha256: str) -> bytes:
        """The artefact with this digest; :class:`KeyError` if there is none."""
        ...

    def has(self, sha256: str) -> bool:
        """Whether an artefact with this digest is stored."""
        ...


class RunStore(Protocol):
    """Runs and their states, durable across restarts."""

    def insert(self, run: Run) -> Run:
        """Store a new run; if ``(org_id, idempotency_key)`` exists, return the stored run."""
        ...

    def get(self, org_id: str, run_id: str) -> Run | None:
        """The run of this organisation, or ``None`` (other organisations' runs are unseen)."""
        ...

    def list(self, org_id: str, limit: int = 100) -> Sequence[Run]:
        """The organisation's runs, newest first."""
        ...

    def update(self, run: Run) -> bool:
        """Replace the stored run with this one (same id); final states never change again.

        Whether it was stored (not when the stored run has ended).
        """
        ...

    def keep_result(self, run: Run) -> bool:
        """Store on a cancelled run without a result this one's result, manifest and message.

        The best plan its solve returned when stopped; the state stays ``cancelled``. Returns
        whether it was stored: no other change of a final run is allowed.
        """
        ...

    def interrupt_unfinished(self, at: datetime) -> int:
        """Mark every ``queued`` or ``running`` run :attr:`RunState.INTERRUPTED`; the count."""
        ...

    def unfinished(self) -> Sequence[Run]:
        """Every ``queued`` or ``running`` run of every organisation, oldest first."""
        ...

    def add_event(self, event: RunEvent) -> None:
        """Append one progress event of a run (``seq`` one above the run's last)."""
        ...

    def events(self, run_id: str, after: int = 0) -> Sequence[RunEvent]:
        """The run's events with ``seq > after``, in order."""
        ...


class ScenarioStore(Protocol):
    """Uploaded scenarios, per organisation."""

    def insert_scenario(self, record: ScenarioRecord) -> None:
        """Store a new scenario record."""
        ...

    def get_scenario(self, org_id: str, scenario_id: str) -> ScenarioRecord | None:
        """The organisation's scenario, or ``None`` (other organisations' are unseen)."""
        ...

    def list_scenarios(self, org_id: str, limit: int = 100) -> Sequence[ScenarioRecord]:
        """The organisation's scenarios, newest first."""
        ...


class AuditLog(Protocol):
    """The append-only audit trail: entries are added, never changed or removed.

    Leaves (index and leaf hash) are kept for ever; only an entry's payload (its fields) may
    be removed, by :meth:`purge`, inside the range a tombstone entry already declares.
    """

    def append(self, entry: AuditEntry) -> AuditEntry:
        """Add ``entry`` at the next index (its ``index`` and ``leaf_hash`` are set here)."""
        ...

    def size(self) -> int:
        """Number of entries."""
        ...

    def entries(self, start: int = 0, stop: int | None = None) -> Sequence[AuditEntry]:
        """Entries ``start <= index < stop`` in order (purged payloads are left out)."""
        ...

    def leaves(self, start: int = 0, stop: int | None = None) -> Sequence[Leaf]:
        """Leaves ``start <= index < stop`` in order, purged entries' included."""
        ...

    def entries_about(
        self, org_id: str, objects: Collection[tuple[str, str]]
    ) -> Sequence[AuditEntry]:
        """The organisation's kept entries about any of ``objects`` (type, id), in order."""
        ...

    def purge(self, first: int, last: int) -> None:
        """Remove the payloads of entries ``first..last``; a tombstone must declare them."""
        ...

    def add_public_key(self, key_id: str, public_key: bytes) -> None:
        """Keep a checkpoint signer's raw Ed25519 public key (idempotent)."""
        ...

    def public_keys(self) -> Mapping[str, bytes]:
        """Every kept public key by key id."""
        ...

    def add_checkpoint(self, checkpoint: Checkpoint) -> None:
        """Store a signed tree head."""
        ...

    def checkpoints(self) -> Sequence[Checkpoint]:
        """Every stored signed tree head, oldest first."""
        ...


class AuditRecorder(Protocol):
    """How use cases audit a change: one call per mutating action, before it is acknowledged.

    ``before``/``after`` are the object's serialised states (hashed by the recorder);
    ``diff`` is a human-readable account of the change; ``reason`` the required reason for
    change. The recorder appends the entry to the :class:`AuditLog` and writes a signed
    checkpoint every N entries and on every approval.
    """

    def record(
        self,
        actor: Actor,
        action: str,
        object_type: str,
        object_id: str,
        object_version: int,
        before: bytes | None,
        after: bytes | None,
        diff: str,
        reason: str,
    ) -> AuditEntry:
        """Append one audit entry and return it."""
        ...


class Authenticator(Protocol):
    """Who a request's credentials belong to."""

    def authenticate(self, bearer: str | None, api_key: str | None) -> Actor | None:
        """The actor of a valid access token or API key, else ``None``."""
        ...


class Authorizer(Protocol):
    """The allow/deny table: whether an actor may perform an operation."""

    def allows(self, actor: Actor, operation: Operation) -> bool:
        """Whether ``operation`` (e.g. :attr:`Operation.RUNS_SUBMIT`) is allowed for the roles."""
        ...


FINAL_STATES = frozenset(s for s in RunState if s.final)
"""States a run never leaves."""


class UserStore(Protocol):
    """Organisations, users, API keys and failed sign-ins; every read is within one org."""

    def add_org(self, org: Organisation) -> None:
        """Store a new organisation (:class:`KeyError` if its id or name is taken)."""
        ...

    def get_org(self, org_id: str) -> Organisation | None:
        """The organisation, or ``None``."""
        ...

    def find_org(self, name: str) -> Organisation | None:
        """The organisation of this name, or ``None``."""
        ...

    def add_user(self, user: User) -> None:
        """Store a new user (:class:`KeyError` if the id or ``(org, username)`` is taken)."""
        ...

    def update_user(self, user: User) -> None:
        """Replace the stored user of the same id and organisation."""
        ...

    def get_user(self, org_id: str, user_id: str) -> User | None:
        """The organisation's user, or ``None`` (other organisations' users are unseen)."""
        ...

    def find_user(self, org_id: str, username: str) -> User | None:
        """The organisation's user of this username, or ``None``."""
        ...

    def list_users(self, org_id: str) -> Sequence[User]:
        """The organisation's users, by username."""
        ...

    def add_api_key(self, key: ApiKey) -> None:
        """Store a new API key."""
        ...

    def get_api_key(self, key_id: str) -> ApiKey | None:
        """The API key of this id (any organisation: the key itself names it), or ``None``."""
        ...

    def update_api_key(self, key: ApiKey) -> None:
        """Replace the stored API key of the same id."""
        ...

    def add_failure(self, subject: str, at: datetime) -> None:
        """Note a failed sign-in of ``subject`` (``user:...`` or ``client:...``)."""
        ...

    def failures_since(self, subject: str, since: datetime) -> int:
        """How many failed sign-ins of ``subject`` are at or after ``since``."""
        ...

    def clear_failures(self, subject: str) -> None:
        """Forget ``subject``'s failed sign-ins (after a successful one)."""
        ...


class ApprovalStore(Protocol):
    """Plans' approval states and their signatures; every read is within one org."""

    def get(self, org_id: str, plan_id: str) -> ApprovalRecord | None:
        """The plan's approval record, or ``None`` (a plan never signed is a draft)."""
        ...

    def find_by_hash(self, org_id: str, plan_sha256: str) -> Sequence[ApprovalRecord]:
        """The organisation's approval records reached on a plan of this hash."""
        ...

    def commit(self, records: Sequence[ApprovalRecord], signature: Signature | None) -> None:
        """Store these records (insert or replace) and the signature in one transaction."""
        ...

    def signatures(self, org_id: str, plan_id: str) -> Sequence[Signature]:
        """The plan's signatures, oldest first."""
        ...


@dataclass(frozen=True, slots=True)
class SubmittedPlan:
    """A stored plan as approvals see it: its bytes (``plan.json``) and who made it."""

    org_id: str
    plan_id: str
    author_id: str
    data: bytes


class PlanSource(Protocol):
    """Where approvals read plans from (the run store's results)."""

    def plan(self, org_id: str, plan_id: str) -> SubmittedPlan | None:
        """The organisation's plan of this id, or ``None``."""
        ...
