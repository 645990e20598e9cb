"""In-memory fakes of the access ports: users, approvals and plans (for tests)."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime

from isoflow.service.model import ApiKey, ApprovalRecord, Organisation, Signature, User
from isoflow.service.ports import SubmittedPlan


@dataclass
class MemoryUserStore:
    """A :class:`~isoflow.service.ports.UserStore` in dictionaries."""

    orgs: dict[str, Organisation] = field(default_factory=dict)
    users: dict[str, User] = field(default_factory=dict)
    keys: dict[str, ApiKey] = field(default_factory=dict)
    failures: dict[str, list[datetime]] = field(default_factory=dict)

    def add_org(self, org: Organisation) -> None:
        """Store a new organisation."""
        if org.org_id in self.orgs or self.find_org(org.name) is not None:
            raise KeyError(org.org_id)
        self.orgs[org.org_id] = org

    def get_org(self, org_id: str) -> Organisation | None:
        """The organisation, or ``None``."""
        return self.orgs.get(org_id)

    def find_org(self, name: str) -> Organisation | None:
        """The organisation of this name, or ``None``."""
        return next((o for o in self.orgs.values() if o.name == name), None)

    def add_user(self, user: User) -> None:
        """Store a new user."""
        if user.user_id in self.users or self.find_user(user.org_id, user.username):
            raise KeyError(user.user_id)
        self.users[user.user_id] = user

    def update_user(self, user: User) -> None:
        """Replace the stored user."""
        if self.get_user(user.org_id, user.user_id) is None:
            raise KeyError(user.user_id)
        self.users[user.user_id] = user

    def get_user(self, org_id: str, user_id: str) -> User | None:
        """The organisation's user, or ``None``."""
        user = self.users.get(user_id)
        return user if user is not None and user.org_id == org_id else None

    def find_user(self, org_id: str, username: str) -> User | None:
        """The organisation's user of this username, or ``None``."""
        return next(
            (u for u in self.users.values() if u.org_id == org_id and u.username == username),
            None,
        )

    def list_users(self, org_id: str) -> Sequence[User]:
        """The organisation's users, by username."""
        return sorted((u for u in self.users.values() if u.org_id == org_id), key=_username)

    def add_api_key(self, key: ApiKey) -> None:
        """Store a new API key."""
        self.keys[key.key_id] = key

    def get_api_key(self, key_id: str) -> ApiKey | None:
        """The API key, or ``None``."""
        return self.keys.get(key_id)

    def update_api_key(self, key: ApiKey) -> None:
        """Replace the stored API key."""
        self.keys[key.key_id] = key

    def add_failure(self, subject: str, at: datetime) -> None:
        """Note a failed sign-in."""
        self.failures.setdefault(subject, []).append(at)

    def failures_since(self, subject: str, since: datetime) -> int:
        """Failed sign-ins at or after ``since``."""
        return sum(1 for at in self.failures.get(subject, []) if at >= since)

    def clear_failures(self, subject: str) -> None:
        """Forget the subject's failures."""
        self.failures.pop(subject, None)


def _username(user: User) -> str:
    return user.username


@dataclass
class MemoryApprovalStore:
    """An :class:`~isoflow.service.ports.ApprovalStore` in dictionaries."""

    records: dict[tuple[str, str], ApprovalRecord] = field(default_factory=dict)
    sigs: list[Signature] = field(default_factory=list)

    def get(self, org_id: str, plan_id: str) -> ApprovalRecord | None:
        """The plan's approval record, or ``None``."""
        return self.records.get((org_id, plan_id))

    def find_by_hash(self, org_id: str, plan_sha256: str) -> Sequence[ApprovalRecord]:
        """The org's records reached on a plan of this hash."""
        return [
            r for r in self.records.values() if r.org_id == org_id and r.plan_sha256 == plan_sha256
        ]

    def commit(self, records: Sequence[ApprovalRecord], signature: Signature | None) -> None:
        """Store the records and the signature."""
        for r in records:
            self.records[(r.org_id, r.plan_id)] = r
        if signature is not None:
            self.sigs.append(signature)

    def signatures(self, org_id: str, plan_id: str) -> Sequence[Signature]:
        """The plan's signatures, oldest first."""
        return [s for s in self.sigs if s.org_id == org_id and s.plan_id == plan_id]


@dataclass
class MemoryPlanSource:
    """A :class:`~isoflow.service.ports.PlanSource` over a dictionary of plans."""

    plans: dict[tuple[str, str], SubmittedPlan] = field(default_factory=dict)

    def add(self, plan: SubmittedPlan) -> None:
        """Store (or replace) a plan."""
        self.plans[(plan.org_id, plan.plan_id)] = plan

    def plan(self, org_id: str, plan_id: str) -> SubmittedPlan | None:
        """The organisation's plan, or ``None``."""
        return self.plans.get((org_id, plan_id))
