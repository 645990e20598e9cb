"""Shared fakes and a small world for the access tests (two organisations, four roles)."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta

from argon2 import PasswordHasher

from isoflow.adapters.storage.memory_users import (
    MemoryApprovalStore,
    MemoryPlanSource,
    MemoryUserStore,
)
from isoflow.records.plan import Plan
from isoflow.records.revision import Figures, PlanDiff, ReplanMode, Revision
from isoflow.service.approvals import Approvals
from isoflow.service.auth import Accounts, ThrottleSettings, Tokens, TokenSettings, init_admin
from isoflow.service.model import Actor, AuditEntry, Role, User
from isoflow.service.ports import SubmittedPlan
from isoflow.service.roles import RoleAuthorizer

SECRET = b"k" * 32
PASSWORD = "correct horse battery"
T0 = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)


class Clock:
    def __init__(self, at: datetime = T0) -> None:
        self.at = at

    def now(self) -> datetime:
        return self.at

    def advance(self, **kw: float) -> None:
        self.at += timedelta(**kw)


@dataclass
class Recorded:
    actor: Actor
    action: str
    object_type: str
    object_id: str
    before: bytes | None
    after: bytes | None
    diff: str
    reason: str


@dataclass
class ListRecorder:
    entries: list[Recorded] = field(default_factory=list)

    def record(self, actor, action, object_type, object_id, object_version, before, after,
               diff, reason) -> AuditEntry:  # fmt: skip
        self.entries.append(
            Recorded(actor, action, object_type, object_id, before, after, diff, reason)
        )
        return AuditEntry(len(self.entries) - 1, T0, actor.user_id, (), actor.org_id, "UTC",
                          action, object_type, object_id, object_version, None, None, diff,
                          reason, "")  # fmt: skip


def plan_bytes(scenario: str = "demo", parent: Plan | None = None) -> bytes:
    plan = Plan(scenario=scenario, planner="milp", start_utc=T0, end_utc=T0 + timedelta(days=1),
                earliest_run_utc=T0)  # fmt: skip
    if parent is not None:
        from isoflow.engines.planner.revision import plan_hash

        f = Figures(doses_served=0, doses_unserved=0, cost=0.0, runs=0, shipments=0)
        h = plan_hash(parent)
        diff = PlanDiff(parent_hash=h, kept=0, before=f, after=f)
        rev = Revision(number=1, parent_hash=h, now_utc=T0, mode=ReplanMode.HARD, diff=diff)
        plan = plan.model_copy(update={"revision": rev})
    return plan.model_dump_json().encode()


@dataclass
class World:
    clock: Clock
    users: MemoryUserStore
    recorder: ListRecorder
    accounts: Accounts
    approvals: Approvals
    plans: MemoryPlanSource
    actors: dict[str, Actor]
    admin: dict[str, User]

    def person(self, org: str, username: str, roles: set[Role], tz: str = "UTC") -> Actor:
        admin = self.actors[f"{org}:admin"]
        user = self.accounts.create_user(admin, username, username.title() + " Example",
                                         frozenset(roles), "new staff", PASSWORD, tz)  # fmt: skip
        actor = Actor(user.user_id, user.full_name, user.org_id, user.roles, user.time_zone)
        self.actors[f"{org}:{username}"] = actor
        return actor

    def add_plan(self, org: str, plan_id: str, author: Actor, data: bytes | None = None) -> None:
        self.plans.add(SubmittedPlan(author.org_id, plan_id, author.user_id, data or plan_bytes()))


def world(per_user: int = 5, per_client: int = 20) -> World:
    clock = Clock()
    users = MemoryUserStore()
    recorder = ListRecorder()
    authz = RoleAuthorizer()
    hasher = PasswordHasher(time_cost=1, memory_cost=8, parallelism=1)
    accounts = Accounts(users, Tokens(TokenSettings(SECRET), clock), clock, recorder, authz,
                        ThrottleSettings(per_user, per_client), hasher)  # fmt: skip
    plans = MemoryPlanSource()
    approvals = Approvals(MemoryApprovalStore(), plans, accounts, authz, recorder, clock)
    w = World(clock, users, recorder, accounts, approvals, plans, {}, {})
    for org in ("acme", "beta"):
        admin = init_admin(users, "admin", PASSWORD, org, recorder, clock, hasher)
        w.admin[org] = admin
        w.actors[f"{org}:admin"] = Actor(admin.user_id, admin.full_name, admin.org_id,
                                         admin.roles)  # fmt: skip
    return w
