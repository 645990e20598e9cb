"""The role matrix: every operation x every role against the intended table, 0 mismatches."""

from __future__ import annotations

from pathlib import Path

import pytest

from isoflow.service.model import Actor, Role
from isoflow.service.roles import TABLE, RoleAuthorizer, render_markdown

# The intended policy, written out from the service's requirements (not from roles.py):
# viewers only read; planners make plans and may review a colleague's; approvers review,
# approve and read the audit trail but do not author; admins manage users, read the audit
# trail and may cancel stuck runs, but neither author nor sign plans.
EXPECTED_ALLOWED = {
    Role.VIEWER: {"runs:read", "scenarios:read", "plans:read"},
    Role.PLANNER: {
        "runs:submit",
        "runs:read",
        "runs:cancel",
        "scenarios:upload",
        "scenarios:read",
        "plans:read",
        "plans:review",
    },
    Role.APPROVER: {
        "runs:read",
        "scenarios:read",
        "plans:read",
        "plans:review",
        "plans:approve",
        "audit:read",
    },
    Role.ADMIN: {
        "runs:read",
        "runs:cancel",
        "scenarios:read",
        "plans:read",
        "audit:read",
        "users:admin",
    },
}
OPERATIONS = [
    "runs:submit",
    "runs:read",
    "runs:cancel",
    "scenarios:upload",
    "scenarios:read",
    "plans:read",
    "plans:review",
    "plans:approve",
    "audit:read",
    "users:admin",
]


def _actor(*roles: Role) -> Actor:
    return Actor("u", "U", "o", frozenset(roles))


def test_every_operation_and_role_matches_the_intended_table():
    authz = RoleAuthorizer()
    mismatches = [
        (op, role.value)
        for op in OPERATIONS
        for role in Role
        if authz.allows(_actor(role), op) != (op in EXPECTED_ALLOWED[role])
    ]
    assert mismatches == []
    assert {op.value for op in TABLE} == set(OPERATIONS)
    assert all(set(row) == set(Role) for row in TABLE.values())


@pytest.mark.parametrize("op", ["runs:delete", "", "users", "USERS:ADMIN", "plans:approve "])
def test_unknown_operations_are_denied_to_every_role(op):
    assert not RoleAuthorizer().allows(_actor(*Role), op)


def test_no_roles_no_access_and_roles_combine():
    authz = RoleAuthorizer()
    assert not any(authz.allows(_actor(), op) for op in OPERATIONS)
    both = _actor(Role.VIEWER, Role.ADMIN)
    assert authz.allows(both, "users:admin")
    assert not authz.allows(both, "plans:approve")


def test_the_doc_shows_the_table():
    doc = Path(__file__).parents[2] / "docs" / "service-roles.md"
    assert render_markdown() in doc.read_text(encoding="utf-8")
