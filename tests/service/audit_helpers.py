"""Shared pieces of the audit tests: a stepping clock, actors, a reference leaf hash/root."""

from __future__ import annotations

import hashlib
import json
from datetime import UTC, datetime, timedelta

from isoflow.service.model import Actor, Role

ACTOR = Actor("u1", "Ada", "org1", frozenset({Role.PLANNER}), "Europe/Vienna")
APPROVER = Actor("u2", "Bo", "org1", frozenset({Role.APPROVER, Role.VIEWER}))


class StepClock:
    def __init__(self) -> None:
        self.t = datetime(2026, 12, 1, 9, 0, tzinfo=UTC)

    def now(self) -> datetime:
        self.t += timedelta(seconds=1, microseconds=7)
        return self.t


def ref_leaf_hex(entry) -> str:
    """Leaf hash written independently of isoflow.service.audit."""
    d = {
        "index": entry.index,
        "at": entry.at.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S.%f+00:00"),
        "actor_id": entry.actor_id,
        "actor_roles": list(entry.actor_roles),
        "org_id": entry.org_id,
        "time_zone": entry.time_zone,
        "action": entry.action,
        "object_type": entry.object_type,
        "object_id": entry.object_id,
        "object_version": entry.object_version,
        "before_sha256": entry.before_sha256,
        "after_sha256": entry.after_sha256,
        "diff": entry.diff,
        "reason": entry.reason,
    }
    data = json.dumps(d, sort_keys=True, separators=(",", ":"), ensure_ascii=False)
    return hashlib.sha256(b"\x00" + data.encode()).hexdigest()


def ref_root(leaves: list[bytes]) -> bytes:
    if not leaves:
        return hashlib.sha256(b"").digest()
    if len(leaves) == 1:
        return leaves[0]
    k = 1
    while 2 * k < len(leaves):
        k *= 2
    return hashlib.sha256(b"\x01" + ref_root(leaves[:k]) + ref_root(leaves[k:])).digest()


def fill(recorder, n: int, approve_every: int = 0) -> None:
    for i in range(n):
        action = (
            "plan.approve"
            if approve_every and i % approve_every == approve_every - 1
            else "plan.save"
        )
        recorder.record(
            APPROVER if action == "plan.approve" else ACTOR, action, "plan", f"p{i % 7}", i,
            f"before {i}".encode() if i else None, f"after {i} é".encode(),
            f"diff {i}", f"reason {i}",
        )  # fmt: skip
