"""``/scenarios``: upload (YAML, JSON or a CSV-folder archive), list and read scenarios."""

from __future__ import annotations

import json
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Header, Query, Request
from fastapi.responses import JSONResponse
from starlette.concurrency import run_in_threadpool

from isoflow.adapters.api.dependencies import Services, allowed, require_reason, services
from isoflow.adapters.api.schemas import Problem, ScenarioOut
from isoflow.adapters.api.uploads import Checked, Format, UploadError, check_overlay, check_upload
from isoflow.service.access import REASON_CHARS
from isoflow.service.model import Actor
from isoflow.service.roles import Operation

router = APIRouter(prefix="/scenarios", tags=["scenarios"])
Svc = Annotated[Services, Depends(services)]
ERRORS: dict[int | str, dict[str, Any]] = {
    code: {"model": Problem} for code in (401, 403, 404, 413, 422, 503)
}
UPLOAD_BODY = {
    "requestBody": {
        "required": True,
        "content": {
            media: {"schema": {"type": "string", "format": "binary"}}
            for media in (
                "application/yaml",
                "application/json",
                "application/zip",
                "application/x-tar",
            )
        },
    }
}


@router.post(
    "", status_code=201, response_model=ScenarioOut, responses=ERRORS, openapi_extra=UPLOAD_BODY
)
async def upload(
    request: Request,
    svc: Svc,
    who: Annotated[Actor, Depends(allowed(Operation.SCENARIOS_UPLOAD))],
    format: Annotated[Format, Query(description="yaml, json, or zip/tar of a CSV folder")],
    name: Annotated[str | None, Query(max_length=200)] = None,
    x_reason: Annotated[str | None, Header(max_length=REASON_CHARS)] = None,
) -> Any:
    """Upload and validate a scenario; 422 lists every problem with file, line and field."""
    reason = require_reason(None, x_reason)
    data = await request.body()
    try:
        checked = await run_in_threadpool(check_upload, data, format)
    except UploadError as exc:
        return _rejected(exc)
    record = await run_in_threadpool(
        svc.scenarios.create, who, name or checked.name, checked.canonical, data, reason
    )
    return ScenarioOut.of(record)


def _rejected(exc: UploadError) -> JSONResponse:
    title = "Content Too Large" if exc.status == 413 else "Invalid scenario"
    body = Problem(title=title, status=exc.status, detail=str(exc), errors=exc.errors)
    return JSONResponse(
        json.loads(body.model_dump_json()), exc.status, media_type="application/problem+json"
    )


OVERLAY_BODY = {
    "requestBody": {
        "required": True,
        "content": {"application/yaml": {"schema": {"type": "string", "format": "binary"}}},
    }
}


@router.post(
    "/{scenario_id}/overlays/{name}",
    status_code=201,
    response_model=ScenarioOut,
    responses=ERRORS,
    openapi_extra=OVERLAY_BODY,
)
async def overlay(
    scenario_id: str,
    name: str,
    request: Request,
    svc: Svc,
    who: Annotated[Actor, Depends(allowed(Operation.SCENARIOS_UPLOAD))],
    x_reason: Annotated[str | None, Header(max_length=REASON_CHARS)] = None,
) -> Any:
    """A named what-if: an overlay (YAML) applied to a stored scenario, stored as a new one."""
    reason = require_reason(None, x_reason)
    base = await run_in_threadpool(svc.scenarios.content, who, scenario_id)
    data = await request.body()
    try:
        checked: Checked = await run_in_threadpool(check_overlay, base, data, name)
    except UploadError as exc:
        return _rejected(exc)
    record = await run_in_threadpool(
        svc.scenarios.create, who, checked.name, checked.canonical, data, reason
    )
    return ScenarioOut.of(record)


@router.get("", response_model=list[ScenarioOut], responses=ERRORS)
def list_scenarios(
    svc: Svc, who: Annotated[Actor, Depends(allowed(Operation.SCENARIOS_READ))]
) -> list[ScenarioOut]:
    """The organisation's scenarios, newest first."""
    return [ScenarioOut.of(r) for r in svc.scenarios.list(who)]


@router.get("/{scenario_id}", response_model=ScenarioOut, responses=ERRORS)
def get_scenario(
    scenario_id: str, svc: Svc, who: Annotated[Actor, Depends(allowed(Operation.SCENARIOS_READ))]
) -> ScenarioOut:
    """One scenario of the organisation."""
    return ScenarioOut.of(svc.scenarios.get(who, scenario_id))
