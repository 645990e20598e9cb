"""``/runs``: submit engine runs as jobs, follow them (polling or SSE), cancel, get results."""

from __future__ import annotations

import asyncio
import json
from collections.abc import AsyncIterator
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Header, Request, Response
from fastapi.responses import StreamingResponse
from starlette.concurrency import run_in_threadpool

from isoflow.adapters.api.dependencies import Services, allowed, require_reason, services
from isoflow.adapters.api.schemas import Problem, ResultOut, RunIn, RunOut
from isoflow.service.access import REASON_CHARS
from isoflow.service.model import Actor, RunEvent, RunKind
from isoflow.service.roles import Operation
from isoflow.service.runs import Submission

router = APIRouter(prefix="/runs", tags=["runs"])
Svc = Annotated[Services, Depends(services)]
ERRORS: dict[int | str, dict[str, Any]] = {
    code: {"model": Problem} for code in (401, 403, 404, 409, 413, 422, 503)
}

EVENT_INTERVAL_S = 1.0
"""Least time between two events of one stream."""
STREAM_MAX_S = 3600.0
"""Longest a stream stays open (the client resumes with ``Last-Event-ID``)."""


@router.post("", status_code=202, response_model=RunOut, responses=ERRORS)
def submit(
    body: RunIn,
    svc: Svc,
    who: Annotated[Actor, Depends(allowed(Operation.RUNS_SUBMIT))],
    response: Response,
    idempotency_key: Annotated[str | None, Header(max_length=200)] = None,
    x_reason: Annotated[str | None, Header(max_length=REASON_CHARS)] = None,
) -> RunOut:
    """Submit a run; 202 with its id. The same ``Idempotency-Key`` and body: the same run."""
    reason = require_reason(body.reason, x_reason)
    options = body.options.model_dump(mode="json", exclude_defaults=True)
    plan = json.dumps(body.plan, sort_keys=True).encode() if body.plan is not None else None
    sub = Submission(RunKind(body.kind), body.scenario_id, options, reason, idempotency_key, plan)
    run, _created = svc.runs.submit(who, sub)
    response.headers["Location"] = f"/runs/{run.run_id}"
    return RunOut.of(run)


@router.get("", response_model=list[RunOut], responses=ERRORS)
def list_runs(
    svc: Svc, who: Annotated[Actor, Depends(allowed(Operation.RUNS_READ))]
) -> list[RunOut]:
    """The organisation's runs, newest first."""
    return [RunOut.of(r) for r in svc.runs.list(who)]


@router.get("/{run_id}", response_model=RunOut, responses=ERRORS)
def get_run(
    run_id: str, svc: Svc, who: Annotated[Actor, Depends(allowed(Operation.RUNS_READ))]
) -> RunOut:
    """A run's state and progress (poll this, or follow ``/events``)."""
    return RunOut.of(svc.runs.get(who, run_id))


@router.get("/{run_id}/result", response_model=ResultOut, responses=ERRORS)
def get_result(
    run_id: str, svc: Svc, who: Annotated[Actor, Depends(allowed(Operation.RUNS_READ))]
) -> ResultOut:
    """A finished run's result with its manifest and ``isoflow verify`` verdict."""
    found = svc.runs.result(who, run_id)
    data = json.loads(found.result) if found.result is not None else None
    return ResultOut(
        run=RunOut.of(found.run),
        manifest=found.run.manifest,
        verdict=found.run.verdict,
        violations=list(found.violations),
        result=data,
    )


@router.delete("/{run_id}", response_model=RunOut, responses=ERRORS)
def cancel(
    run_id: str,
    svc: Svc,
    who: Annotated[Actor, Depends(allowed(Operation.RUNS_CANCEL))],
    x_reason: Annotated[str | None, Header(max_length=REASON_CHARS)] = None,
    reason: str | None = None,
) -> RunOut:
    """Cancel a queued or running run (its processes are stopped); needs a reason."""
    why = require_reason(reason, x_reason)
    return RunOut.of(svc.runs.cancel(who, run_id, why))


def _frame(event: RunEvent) -> str:
    data = {
        "run_id": event.run_id,
        "state": str(event.state),
        "progress": event.progress,
        "message": event.message,
        "at": event.at.isoformat(),
    }
    return f"id: {event.seq}\nevent: {event.state}\ndata: {json.dumps(data)}\n\n"


@router.get(
    "/{run_id}/files/{name}",
    responses={**ERRORS, 200: {"content": {"text/csv": {}}}},
    response_class=Response,
)
def get_file(
    run_id: str, name: str, svc: Svc, who: Annotated[Actor, Depends(allowed(Operation.RUNS_READ))]
) -> Response:
    """A further result file of a finished run (a simulation's CSV tables, by name)."""
    data = svc.runs.file(who, run_id, name)
    return Response(data, media_type="text/csv; charset=utf-8")


@router.get(
    "/{run_id}/events",
    responses={**ERRORS, 200: {"content": {"text/event-stream": {}}}},
    response_class=StreamingResponse,
)
def events(
    run_id: str,
    request: Request,
    svc: Svc,
    who: Annotated[Actor, Depends(allowed(Operation.RUNS_READ))],
    last_event_id: Annotated[str | None, Header()] = None,
) -> StreamingResponse:
    """Server-sent events of the run's progress, at most one a second, ending with its end.

    Pending events are coalesced into the newest; ``Last-Event-ID`` resumes after that event.
    """
    after = int(last_event_id) if last_event_id and last_event_id.isdigit() else 0
    svc.runs.get(who, run_id)  # 404 before the stream starts

    async def stream() -> AsyncIterator[str]:
        seen = after
        loop = asyncio.get_running_loop()
        deadline = loop.time() + STREAM_MAX_S
        while loop.time() < deadline and not await request.is_disconnected():
            pending = await run_in_threadpool(svc.runs.events, who, run_id, seen)
            if pending:
                newest = pending[-1]
                seen = newest.seq
                yield _frame(newest)
                if newest.state.final:
                    return
            else:
                run = await run_in_threadpool(svc.runs.get, who, run_id)
                if run.state.final:
                    return
                yield ": waiting\n\n"
            await asyncio.sleep(EVENT_INTERVAL_S)

    return StreamingResponse(
        stream(), media_type="text/event-stream", headers={"Cache-Control": "no-store"}
    )
