"""``/runs/{run_id}/network``: a planned run's sites, lanes and flows, for the dashboard's map."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Depends
from starlette.concurrency import run_in_threadpool

from isoflow.adapters.api.dependencies import Services, allowed, services
from isoflow.adapters.api.network import NetworkOut, network_view
from isoflow.adapters.api.schemas import Problem
from isoflow.service.model import Actor, RunKind
from isoflow.service.runs import Invalid

router = APIRouter(prefix="/runs", tags=["runs"])
Svc = Annotated[Services, Depends(services)]
ERRORS: dict[int | str, dict[str, Any]] = {
    code: {"model": Problem} for code in (401, 403, 404, 422, 503)
}
PLAN_KINDS = (RunKind.PLAN, RunKind.BASELINE, RunKind.REPLAN)
"""Kinds of run whose result is a plan."""


def _network(svc: Services, who: Actor, run_id: str) -> NetworkOut:
    from isoflow.records.plan import Plan
    from isoflow.scenario.schema import Scenario

    run = svc.runs.get(who, run_id)
    if run.kind not in PLAN_KINDS:
        raise Invalid(f"run {run_id!r} is a {run.kind} run; it makes no plan")
    found = svc.runs.result(who, run_id)
    if found.result is None or run.scenario_id is None:
        raise Invalid(f"run {run_id!r} is {run.state}; it has no plan")
    plan = Plan.model_validate_json(found.result)
    scenario = Scenario.model_validate_json(svc.scenarios.content(who, run.scenario_id))
    try:
        return network_view(run_id, plan, scenario)
    except ValueError as exc:  # a plan over lanes its scenario lacks
        raise Invalid(f"run {run_id!r}: {exc}") from exc


@router.get("/{run_id}/network", response_model=NetworkOut, responses=ERRORS)
async def network(
    run_id: str, svc: Svc, who: Annotated[Actor, Depends(allowed("runs:read"))]
) -> NetworkOut:
    """The planned run's sites (lat/lon), lanes and flows per lane and product.

    Each flow states the activity at end of production, at departure and at arrival, and the
    share lost to decay by arrival; 422 for a run that has not ended or makes no plan.
    """
    return await run_in_threadpool(_network, svc, who, run_id)
