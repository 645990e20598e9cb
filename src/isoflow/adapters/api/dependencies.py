"""FastAPI dependencies: the request's actor (401), its permission (403), its reason (422)."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Annotated

from fastapi import Depends, Header, HTTPException, Request

from isoflow.service.access import REASON_CHARS
from isoflow.service.model import Actor
from isoflow.service.ports import Authenticator, Authorizer
from isoflow.service.roles import Operation
from isoflow.service.runs import RunService
from isoflow.service.scenarios import ScenarioService


@dataclass(frozen=True, slots=True)
class Services:
    """What the routers use, injected by :func:`~isoflow.adapters.api.app.create_app`."""

    runs: RunService
    scenarios: ScenarioService
    authenticator: Authenticator
    authorizer: Authorizer


def services(request: Request) -> Services:
    """The application's injected services."""
    found: Services = request.app.state.services
    return found


def actor(
    request: Request,
    authorization: Annotated[str | None, Header(include_in_schema=False)] = None,
    x_api_key: Annotated[str | None, Header(include_in_schema=False)] = None,
) -> Actor:
    """The authenticated actor (Bearer token or ``X-API-Key``); 401 without valid ones."""
    bearer = None
    if authorization and authorization.lower().startswith("bearer "):
        bearer = authorization[7:].strip()
    found = services(request).authenticator.authenticate(bearer, x_api_key)
    if found is None:
        raise HTTPException(
            401, "missing or invalid credentials", headers={"WWW-Authenticate": "Bearer"}
        )
    return found


def allowed(operation: Operation) -> Callable[..., Actor]:
    """A dependency: the actor, if the allow/deny table allows ``operation`` (else 403)."""

    def check(request: Request, who: Annotated[Actor, Depends(actor)]) -> Actor:
        if not services(request).authorizer.allows(who, operation):
            raise HTTPException(403, f"not allowed: {operation}")
        return who

    return check


def require_reason(given: str | None, header: str | None) -> str:
    """The reason for change of a mutating request (body field or ``X-Reason``); else 422."""
    reason = (given or header or "").strip()
    if not reason:
        raise HTTPException(422, "a reason for the change is required (reason or X-Reason)")
    return reason[:REASON_CHARS]
