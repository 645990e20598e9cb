"""``GET /plans/{plan_id}/history``: a plan's runs and audit entries, for the sign-off view."""

# No postponed annotations here: FastAPI reads the routes' local ``Annotated`` aliases.
from typing import Annotated, Any
from zoneinfo import ZoneInfo

from fastapi import APIRouter, Depends

from isoflow.adapters.api.schemas import RunOut
from isoflow.adapters.api.security import Security, http_error
from isoflow.service.access import AccessError
from isoflow.service.model import Actor, Run
from isoflow.service.plan_history import HistoryEntry, PlanHistory
from isoflow.service.roles import Operation


def _run(run: Run | None) -> dict[str, Any] | None:
    return None if run is None else RunOut.of(run).model_dump(mode="json")


def entry_dict(item: HistoryEntry) -> dict[str, Any]:
    """One audit entry as the sign-off view shows it: who, when (UTC and local), what, why."""
    e = item.entry
    try:
        local = e.at.astimezone(ZoneInfo(e.time_zone)).isoformat()
    except (KeyError, ValueError):
        local = e.at.isoformat()
    return {
        "index": e.index,
        "at_utc": e.at.isoformat().replace("+00:00", "Z"),
        "at_local": local,
        "time_zone": e.time_zone,
        "actor_id": e.actor_id,
        "actor": item.actor_name,
        "roles": list(e.actor_roles),
        "action": e.action,
        "object_type": e.object_type,
        "object_id": e.object_id,
        "object_version": e.object_version,
        "diff": e.diff,
        "reason": e.reason,
    }


def plan_history_router(history: PlanHistory, security: Security) -> APIRouter:
    """The plan history route over this use case."""
    router = APIRouter(prefix="/plans", tags=["approvals"])
    reader = Annotated[Actor, Depends(security.require(Operation.PLANS_READ))]

    @router.get("/{plan_id}/history")
    def plan_history(plan_id: str, actor: reader) -> dict[str, Any]:
        """The plan's run, parent plan, revisions, runs on it and (for ``audit:read``) audit."""
        try:
            view = history.history(actor, plan_id)
        except AccessError as exc:
            raise http_error(exc) from exc
        return {
            "plan": _run(view.plan),
            "parent": _run(view.parent),
            "revisions": [_run(r) for r in view.revisions],
            "runs_on": [_run(r) for r in view.runs_on],
            "audit": None if view.audit is None else [entry_dict(i) for i in view.audit],
        }

    return router
