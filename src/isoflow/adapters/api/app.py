"""The HTTP application: :func:`create_app` wires injected ports into FastAPI routers.

Errors are JSON problem bodies; an unexpected exception is logged on the server and answered
with a plain 500 (no traceback, SQL or path in a response).
"""

from __future__ import annotations

import logging
from collections.abc import AsyncIterator, Sequence
from contextlib import asynccontextmanager
from typing import Any

from fastapi import APIRouter, FastAPI, HTTPException, Request
from fastapi.exceptions import RequestValidationError
from fastapi.middleware.cors import CORSMiddleware
from fastapi.responses import JSONResponse

import isoflow
from isoflow.adapters.api.dependencies import Services
from isoflow.adapters.api.middleware import LimitMiddleware
from isoflow.adapters.api.routers import runs, scenarios, views
from isoflow.adapters.api.security import cors_options
from isoflow.adapters.jobs import JobRunner
from isoflow.service.ports import Authenticator, Authorizer
from isoflow.service.runs import InProgress, Invalid, NotFound, RunService, ServiceError
from isoflow.service.scenarios import ScenarioService

log = logging.getLogger("isoflow.service.api")

MAX_BODY_BYTES = 32 * 1024 * 1024
"""Largest request body accepted (413 above)."""


def _problem(status: int, title: str, detail: str, errors: list[Any] | None = None) -> JSONResponse:
    body = {"type": "about:blank", "title": title, "status": status, "detail": detail,
            "errors": errors or []}  # fmt: skip
    return JSONResponse(body, status, media_type="application/problem+json")


def _handlers(app: FastAPI) -> None:
    @app.exception_handler(ServiceError)
    async def service_error(request: Request, exc: ServiceError) -> JSONResponse:
        status, title = 422, "Unprocessable Content"
        if isinstance(exc, NotFound):
            status, title = 404, "Not Found"
        elif isinstance(exc, InProgress):
            status, title = 409, "Conflict"
        elif isinstance(exc, Invalid):
            status, title = 422, "Unprocessable Content"
        return _problem(status, title, exc.message)

    @app.exception_handler(HTTPException)
    async def http_error(request: Request, exc: HTTPException) -> JSONResponse:
        response = _problem(exc.status_code, str(exc.detail), str(exc.detail))
        for key, value in (exc.headers or {}).items():
            response.headers[key] = value
        return response

    @app.exception_handler(RequestValidationError)
    async def invalid(request: Request, exc: RequestValidationError) -> JSONResponse:
        errors = [
            {"loc": [str(p) for p in e.get("loc", ())], "message": str(e.get("msg", ""))}
            for e in exc.errors()
        ]
        return _problem(422, "Unprocessable Content", "the request is not valid", errors)

    @app.exception_handler(Exception)
    async def unexpected(request: Request, exc: Exception) -> JSONResponse:
        log.exception("unexpected error on %s %s", request.method, request.url.path)
        return _problem(500, "Internal Server Error", "an internal error occurred")


def create_app(
    run_service: RunService,
    scenario_service: ScenarioService,
    authenticator: Authenticator,
    authorizer: Authorizer,
    workers: int = 1,
    max_requests: int = 64,
    max_streams: int = 32,
    max_body: int = MAX_BODY_BYTES,
    routers: Sequence[APIRouter] = (),
    cors_origins: Sequence[str] = (),
) -> FastAPI:
    """The isoflow service application over injected ports.

    On start-up the runs a previous process left unfinished are marked ``interrupted`` and
    ``workers`` job workers start; on shutdown running jobs are stopped. ``routers`` are
    included beside the scenario and run routes (sign-in, users, API keys); ``cors_origins``
    lists the browser origins allowed (none by default; ``*`` is refused).
    """
    runner = JobRunner(run_service, workers)

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        count = run_service.recover()
        if count:
            log.warning("%d unfinished run(s) of a previous process marked interrupted", count)
        run_service.queue = runner
        runner.start()
        try:
            yield
        finally:
            runner.stop()

    app = FastAPI(
        title="isoflow",
        version=isoflow.__version__,
        description="Plan, verify, simulate and re-plan radiopharmaceutical supply as a service.",
        lifespan=lifespan,
    )
    app.state.services = Services(run_service, scenario_service, authenticator, authorizer)
    app.state.runner = runner
    app.include_router(scenarios.router)
    app.include_router(runs.router)
    app.include_router(views.router)
    for extra in routers:
        app.include_router(extra)
    if cors_origins:
        app.add_middleware(CORSMiddleware, **cors_options(cors_origins))
    _handlers(app)
    app.add_middleware(
        LimitMiddleware, max_requests=max_requests, max_body=max_body, max_streams=max_streams
    )

    @app.get("/health", tags=["service"])
    def health() -> dict[str, str]:
        """Liveness: the server answers."""
        return {"status": "ok"}

    return app
