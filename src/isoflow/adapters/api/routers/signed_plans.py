"""``/runs/{run_id}/report`` and ``/runs/{run_id}/export``: a plan run's plan with its signatures.

The report is the offline HTML report of the plan with a signature section (the approval
state, the plan's SHA-256 and every signature, a changed plan's marked VOID); the export a
zip of ``plan.json``, that report, the CSV tables and the signatures (see
:mod:`isoflow.adapters.signed_export`). Both need ``plans:read``, as the signatures do.
"""

# No postponed annotations here: FastAPI reads the routes' local ``Annotated`` aliases.
import re
from typing import Annotated, Any

from fastapi import APIRouter, Depends, HTTPException, Response
from fastapi.responses import HTMLResponse
from starlette.concurrency import run_in_threadpool

from isoflow.adapters.api.schemas import Problem
from isoflow.adapters.api.security import Security, http_error
from isoflow.adapters.report.html import CSP
from isoflow.adapters.signed_export import UnreadablePlan, export_zip, signed_report
from isoflow.service.access import AccessError
from isoflow.service.model import Actor
from isoflow.service.roles import Operation
from isoflow.service.signed_plans import SignedPlan, SignedPlans

ERRORS: dict[int | str, dict[str, Any]] = {
    code: {"model": Problem} for code in (401, 403, 404, 422)
}
_UNSAFE = re.compile(r"[^A-Za-z0-9_.-]")


def _headers(disposition: str, name: str, run_id: str, suffix: str) -> dict[str, str]:
    filename = _UNSAFE.sub("_", f"{name}-{run_id}")[:120] + suffix
    return {
        "Content-Disposition": f'{disposition}; filename="{filename}"',
        "Content-Security-Policy": CSP + "; frame-ancestors 'none'",
        "X-Content-Type-Options": "nosniff",
        "Referrer-Policy": "no-referrer",
        "Cache-Control": "no-store",
    }


def signed_plans_router(signed: SignedPlans, security: Security) -> APIRouter:
    """The signed report and export routes over this use case."""
    router = APIRouter(prefix="/runs", tags=["approvals"])
    reader = Annotated[Actor, Depends(security.require(Operation.PLANS_READ))]

    def found(actor: Actor, run_id: str) -> SignedPlan:
        try:
            return signed.get(actor, run_id)
        except AccessError as exc:
            raise http_error(exc) from exc

    @router.get(
        "/{run_id}/report",
        response_class=HTMLResponse,
        responses={**ERRORS, 200: {"content": {"text/html": {}}}},
    )
    async def report(run_id: str, actor: reader) -> HTMLResponse:
        """The plan's offline HTML report with its signatures (VOID where the plan changed)."""
        plan = await run_in_threadpool(found, actor, run_id)
        try:
            page = await run_in_threadpool(signed_report, plan)
        except UnreadablePlan as exc:
            raise HTTPException(422, str(exc)) from exc
        return HTMLResponse(page, headers=_headers("inline", "report", run_id, ".html"))

    @router.get(
        "/{run_id}/export",
        response_class=Response,
        responses={**ERRORS, 200: {"content": {"application/zip": {}}}},
    )
    async def export(run_id: str, actor: reader) -> Response:
        """A zip: plan.json, report.html, the CSV tables, signatures.json and signatures.txt."""
        plan = await run_in_threadpool(found, actor, run_id)
        try:
            data = await run_in_threadpool(export_zip, plan)
        except UnreadablePlan as exc:
            raise HTTPException(422, str(exc)) from exc
        headers = _headers("attachment", "plan", run_id, ".zip")
        return Response(data, media_type="application/zip", headers=headers)

    return router
