"""``/auth``: sign-in, API keys and user administration."""

# No postponed annotations here: FastAPI reads the routes' local ``Annotated`` aliases.
from typing import Annotated

from fastapi import APIRouter, Depends, Request
from pydantic import BaseModel, Field

from isoflow.adapters.api.security import Security, http_error
from isoflow.service.access import AccessError
from isoflow.service.auth import Accounts
from isoflow.service.model import Actor, Role, User
from isoflow.service.roles import Operation


class LoginRequest(BaseModel):
    """Credentials of a sign-in."""

    org: str
    username: str
    password: str


class TokenResponse(BaseModel):
    """An access token."""

    access_token: str
    token_type: str = "bearer"
    expires_in: int


class ApiKeyRequest(BaseModel):
    """Which user (usually a service account) gets a key, and why."""

    user_id: str
    label: str
    reason: str


class ApiKeyResponse(BaseModel):
    """A new API key: ``api_key`` is shown this once and never again."""

    key_id: str
    user_id: str
    label: str
    api_key: str


class Reason(BaseModel):
    """The reason for a change."""

    reason: str


class NewUser(BaseModel):
    """A user to add; without a password it is a service account."""

    username: str = Field(min_length=1)
    full_name: str
    roles: list[Role]
    reason: str
    password: str | None = None
    time_zone: str = "UTC"


class UserPatch(BaseModel):
    """A change of a user's roles or active flag."""

    reason: str
    roles: list[Role] | None = None
    active: bool | None = None


class UserOut(BaseModel):
    """A user as the API shows it (never the password hash)."""

    user_id: str
    username: str
    full_name: str
    roles: list[Role]
    time_zone: str
    active: bool
    service_account: bool


class Me(BaseModel):
    """The calling actor and the operations the role table allows them."""

    user_id: str
    name: str
    org_id: str
    roles: list[Role]
    allowed: list[str]


def _out(user: User) -> UserOut:
    return UserOut(
        user_id=user.user_id,
        username=user.username,
        full_name=user.full_name,
        roles=sorted(user.roles),
        time_zone=user.time_zone,
        active=user.active,
        service_account=user.service_account,
    )


def auth_router(accounts: Accounts, security: Security) -> APIRouter:
    """The ``/auth`` routes over these accounts."""
    router = APIRouter(prefix="/auth", tags=["auth"])
    admin = Annotated[Actor, Depends(security.require(Operation.USERS_ADMIN))]

    @router.post("/login")
    def login(body: LoginRequest, request: Request) -> TokenResponse:
        """Exchange credentials for a short-lived access token (429 after repeated failures)."""
        client = request.client.host if request.client else "unknown"
        try:
            token = accounts.login(body.org, body.username, body.password, client)
        except AccessError as exc:
            raise http_error(exc) from exc
        return TokenResponse(access_token=token.token, expires_in=token.expires_in_s)

    @router.get("/me")
    def me(actor: Annotated[Actor, Depends(security.actor)]) -> Me:
        """Who is calling: name, organisation, roles and the operations they may perform."""
        allowed = [op.value for op in Operation if security.authorizer.allows(actor, op)]
        return Me(user_id=actor.user_id, name=actor.name, org_id=actor.org_id,
                  roles=sorted(actor.roles), allowed=allowed)  # fmt: skip

    @router.post("/api-keys", status_code=201)
    def create_key(body: ApiKeyRequest, actor: admin) -> ApiKeyResponse:
        """A new API key for a user of the caller's organisation, shown once."""
        try:
            key, plain = accounts.create_api_key(actor, body.user_id, body.label, body.reason)
        except AccessError as exc:
            raise http_error(exc) from exc
        return ApiKeyResponse(key_id=key.key_id, user_id=key.user_id, label=key.label,
                              api_key=plain)  # fmt: skip

    @router.post("/api-keys/{key_id}/revoke")
    def revoke_key(key_id: str, body: Reason, actor: admin) -> dict[str, str]:
        """Revoke an API key; it is refused from now on."""
        try:
            accounts.revoke_api_key(actor, key_id, body.reason)
        except AccessError as exc:
            raise http_error(exc) from exc
        return {"key_id": key_id, "state": "revoked"}

    _user_routes(router, accounts, security)
    return router


def _user_routes(router: APIRouter, accounts: Accounts, security: Security) -> None:
    actor_dep = Annotated[Actor, Depends(security.require(Operation.USERS_ADMIN))]

    @router.get("/users")
    def list_users(actor: actor_dep) -> list[UserOut]:
        """The users of the caller's organisation."""
        return [_out(u) for u in accounts.list_users(actor)]

    @router.post("/users", status_code=201)
    def create_user(body: NewUser, actor: actor_dep) -> UserOut:
        """Add a user (or service account) to the caller's organisation."""
        try:
            user = accounts.create_user(actor, body.username, body.full_name,
                                        frozenset(body.roles), body.reason, body.password,
                                        body.time_zone)  # fmt: skip
        except AccessError as exc:
            raise http_error(exc) from exc
        except ValueError as exc:
            raise http_error(AccessError(str(exc))) from exc
        return _out(user)

    @router.get("/users/{user_id}")
    def get_user(user_id: str, actor: actor_dep) -> UserOut:
        """One user of the caller's organisation (404 for any other)."""
        try:
            return _out(accounts.get_user(actor, user_id))
        except AccessError as exc:
            raise http_error(exc) from exc

    @router.patch("/users/{user_id}")
    def patch_user(user_id: str, body: UserPatch, actor: actor_dep) -> UserOut:
        """Change a user's roles or active flag."""
        roles = frozenset(body.roles) if body.roles is not None else None
        try:
            return _out(accounts.update_user(actor, user_id, body.reason, roles, body.active))
        except AccessError as exc:
            raise http_error(exc) from exc
