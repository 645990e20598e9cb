"""The allow/deny table: every operation for every role, in one place.

:data:`TABLE` is the whole policy; :class:`RoleAuthorizer` reads it (an actor may do what
any of its roles allows; an operation not in the table is denied to everyone) and
:func:`render_markdown` writes it into ``docs/service-roles.md``.
"""

from __future__ import annotations

from collections.abc import Mapping
from enum import StrEnum

from isoflow.service.model import Actor, Role


class Operation(StrEnum):
    """The operations the service authorises (``noun:verb``)."""

    RUNS_SUBMIT = "runs:submit"
    RUNS_READ = "runs:read"
    RUNS_CANCEL = "runs:cancel"
    SCENARIOS_UPLOAD = "scenarios:upload"
    SCENARIOS_READ = "scenarios:read"
    PLANS_READ = "plans:read"
    PLANS_REVIEW = "plans:review"
    PLANS_APPROVE = "plans:approve"
    AUDIT_READ = "audit:read"
    USERS_ADMIN = "users:admin"


A, D = True, False
_ROLES = (Role.VIEWER, Role.PLANNER, Role.APPROVER, Role.ADMIN)

# fmt: off
_ROWS: dict[Operation, tuple[bool, bool, bool, bool]] = {
    #                          viewer planner approver admin
    Operation.RUNS_SUBMIT:      (D,    A,      D,       D),
    Operation.RUNS_READ:        (A,    A,      A,       A),
    Operation.RUNS_CANCEL:      (D,    A,      D,       A),
    Operation.SCENARIOS_UPLOAD: (D,    A,      D,       D),
    Operation.SCENARIOS_READ:   (A,    A,      A,       A),
    Operation.PLANS_READ:       (A,    A,      A,       A),
    Operation.PLANS_REVIEW:     (D,    A,      A,       D),
    Operation.PLANS_APPROVE:    (D,    D,      A,       D),
    Operation.AUDIT_READ:       (D,    D,      A,       A),
    Operation.USERS_ADMIN:      (D,    D,      D,       A),
}
# fmt: on

TABLE: Mapping[Operation, Mapping[Role, bool]] = {
    op: dict(zip(_ROLES, row, strict=True)) for op, row in _ROWS.items()
}
"""Operation -> role -> allowed. Roles do not inherit: each cell is stated."""

WHY: Mapping[Operation, str] = {
    Operation.RUNS_SUBMIT: "planners make plans; approvers and admins do not author them",
    Operation.RUNS_READ: "every role sees the organisation's runs",
    Operation.RUNS_CANCEL: "planners cancel their runs; admins stop stuck ones",
    Operation.SCENARIOS_UPLOAD: "scenarios are planning inputs, owned by planners",
    Operation.SCENARIOS_READ: "every role sees the organisation's scenarios",
    Operation.PLANS_READ: "every role sees plans, their state and signatures",
    Operation.PLANS_REVIEW: "a second planner or an approver reviews (never the author)",
    Operation.PLANS_APPROVE: "only approvers release a plan (never its author or reviewer)",
    Operation.AUDIT_READ: "quality (approvers) and admins read the audit trail",
    Operation.USERS_ADMIN: "only admins manage users, roles and API keys",
}
"""Why each row is as it is (shown in the rendered table)."""


class RoleAuthorizer:
    """The :class:`~isoflow.service.ports.Authorizer` of :data:`TABLE`."""

    def __init__(self, table: Mapping[Operation, Mapping[Role, bool]] = TABLE) -> None:
        self._table = table

    def allows(self, actor: Actor, operation: Operation) -> bool:
        """Whether any of the actor's roles is allowed ``operation``; unknown ones are denied."""
        try:
            row = self._table[Operation(operation)]
        except (ValueError, KeyError):
            return False
        return any(row.get(role, False) for role in actor.roles)


def render_markdown(table: Mapping[Operation, Mapping[Role, bool]] = TABLE) -> str:
    """The table as Markdown: one row per operation, one column per role, and why."""
    head = "| operation | " + " | ".join(r.value for r in _ROLES) + " | why |"
    rule = "|---|" + "---|" * len(_ROLES) + "---|"
    lines = [head, rule]
    for op, row in table.items():
        cells = " | ".join("allow" if row.get(r, False) else "deny" for r in _ROLES)
        lines.append(f"| `{op.value}` | {cells} | {WHY.get(op, '')} |")
    return "\n".join(lines) + "\n"
