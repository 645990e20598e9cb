"""Who is calling and what they may do: credentials -> actor (401), the role table (403).

:class:`Security` turns an ``Authorization: Bearer`` header or an ``X-API-Key`` header into
an :class:`~isoflow.service.model.Actor` through the injected Authenticator, and
:meth:`Security.require` checks an operation against the Authorizer. :func:`http_error`
maps the access errors of :mod:`isoflow.service.access` to HTTP statuses, and
:func:`cors_options` builds CORS settings from an explicit list of origins.
"""

# No postponed annotations here: FastAPI reads the dependencies' annotations at runtime.
from collections.abc import Callable, Sequence
from typing import Annotated, Any

from fastapi import Depends, Header, HTTPException

from isoflow.service.access import (
    AccessError,
    Forbidden,
    InvalidCredentials,
    InvalidTransition,
    NotFound,
    ReasonRequired,
    TooManyAttempts,
)
from isoflow.service.model import Actor
from isoflow.service.ports import Authenticator, Authorizer
from isoflow.service.roles import Operation

_STATUS: tuple[tuple[type[AccessError], int], ...] = (
    (InvalidCredentials, 401),
    (TooManyAttempts, 429),
    (Forbidden, 403),
    (NotFound, 404),
    (InvalidTransition, 409),
    (ReasonRequired, 422),
)


def http_error(exc: AccessError) -> HTTPException:
    """The HTTP error of an access error (429 carries ``Retry-After``)."""
    status = next((code for kind, code in _STATUS if isinstance(exc, kind)), 400)
    headers: dict[str, str] = {}
    if isinstance(exc, TooManyAttempts):
        headers["Retry-After"] = str(exc.retry_after_s)
    if status == 401:
        headers["WWW-Authenticate"] = "Bearer"
    return HTTPException(status_code=status, detail=str(exc), headers=headers or None)


def cors_options(origins: Sequence[str]) -> dict[str, Any]:
    """Keyword arguments of ``CORSMiddleware`` for these explicit origins (no ``*``)."""
    for origin in origins:
        if origin == "*" or not origin.startswith(("https://", "http://")):
            raise ValueError(f"CORS origin {origin!r} must be an explicit http(s) origin")
    return {
        "allow_origins": list(origins),
        "allow_credentials": False,
        "allow_methods": ["GET", "POST", "PATCH", "DELETE"],
        "allow_headers": ["Authorization", "X-API-Key", "Content-Type", "Idempotency-Key"],
    }


class Security:
    """FastAPI dependencies over an Authenticator and an Authorizer."""

    def __init__(self, authenticator: Authenticator, authorizer: Authorizer) -> None:
        self.authenticator = authenticator
        self.authorizer = authorizer

    def actor(
        self,
        authorization: Annotated[str | None, Header()] = None,
        x_api_key: Annotated[str | None, Header()] = None,
    ) -> Actor:
        """The calling actor; 401 without valid credentials."""
        bearer = None
        if authorization is not None:
            scheme, _, token = authorization.partition(" ")
            if scheme.lower() != "bearer" or not token:
                raise http_error(InvalidCredentials("expected 'Authorization: Bearer <token>'"))
            bearer = token.strip()
        actor = self.authenticator.authenticate(bearer, x_api_key)
        if actor is None:
            raise http_error(InvalidCredentials("missing or invalid credentials"))
        return actor

    def require(self, operation: Operation) -> Callable[..., Actor]:
        """A dependency giving the actor if the role table allows ``operation``, else 403."""

        def dependency(actor: Annotated[Actor, Depends(self.actor)]) -> Actor:
            if not self.authorizer.allows(actor, operation):
                raise http_error(Forbidden(f"{operation} is not allowed for these roles"))
            return actor

        return dependency
