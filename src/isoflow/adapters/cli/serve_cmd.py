"""``isoflow serve``: the service's HTTP API on uvicorn (loopback by default).

Runs, scenarios, users and the audit trail are kept in an embedded SQLite database (``--db``,
WAL, ``synchronous=FULL``), large artefacts beside it content-addressed by SHA-256. Users sign
in (``POST /auth/login``) with Argon2-hashed passwords for short-lived tokens, or use API keys;
``--init-admin NAME@ORG`` creates the first admin (password from the environment variable
``ISOFLOW_INIT_ADMIN_PASSWORD``). Every change is written to the hash-chained audit trail,
its checkpoints signed with the key ``<db>.audit-key.pem`` (made on first start, mode 0600;
check the log offline with ``isoflow audit verify``). ``--tokens`` (a JSON file mapping fixed
tokens to ``{"user_id", "org_id", "roles"}``) replaces sign-in, for tests and local scripts.
"""

from __future__ import annotations

import ipaddress
import json
import re
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any

import typer

if TYPE_CHECKING:
    from isoflow.service.ports import Clock


def _tokens(path: Path | None) -> dict[str, Any]:
    from isoflow.service.model import Actor, Role

    if path is None:
        return {}
    data = json.loads(path.read_text(encoding="utf-8"))
    return {
        token: Actor(
            user_id=str(v["user_id"]),
            name=str(v.get("name", v["user_id"])),
            org_id=str(v["org_id"]),
            roles=frozenset(Role(r) for r in v.get("roles", ["viewer"])),
        )
        for token, v in data.items()
    }


def _secret(path: Path) -> bytes:
    """The token-signing secret in ``path``, made (32 random bytes, mode 0600) if absent."""
    import os
    import secrets

    try:
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    except FileExistsError:
        return path.read_bytes()
    data = secrets.token_bytes(32)
    with os.fdopen(fd, "wb") as f:
        f.write(data)
        f.flush()
        os.fsync(f.fileno())
    return data


def build_app(
    db: Path,
    tokens: Path | None,
    workers: int,
    init_admin: str | None = None,
    cors: tuple[str, ...] = (),
    clock: Clock | None = None,
) -> Any:
    """The application on the database ``db`` (artefacts in ``db``'s sibling folder).

    ``clock`` replaces the system clock, for tests.
    """
    from isoflow.adapters.api.app import create_app
    from isoflow.adapters.api.routers.approvals import approvals_router
    from isoflow.adapters.api.routers.auth import auth_router
    from isoflow.adapters.api.routers.plan_history import plan_history_router
    from isoflow.adapters.api.routers.signed_plans import signed_plans_router
    from isoflow.adapters.api.security import Security
    from isoflow.adapters.storage.artefacts import FileArtefactStore
    from isoflow.adapters.storage.audit_keys import load_or_create_signer
    from isoflow.adapters.storage.memory import TokenAuthenticator
    from isoflow.adapters.storage.run_plans import RunPlanSource
    from isoflow.adapters.storage.sqlite_audit import SqliteAuditLog
    from isoflow.adapters.storage.sqlite_runs import SqliteStore
    from isoflow.adapters.storage.sqlite_users import SqliteApprovalStore, SqliteUserStore
    from isoflow.adapters.web import dashboard_router
    from isoflow.service import auth
    from isoflow.service.approvals import Approvals
    from isoflow.service.audit import Recorder
    from isoflow.service.plan_history import PlanHistory
    from isoflow.service.ports import Authenticator, SystemClock
    from isoflow.service.roles import RoleAuthorizer
    from isoflow.service.runs import RunService
    from isoflow.service.scenarios import ScenarioService
    from isoflow.service.signed_plans import SignedPlans

    db.parent.mkdir(parents=True, exist_ok=True)
    clock = clock or SystemClock()
    store = SqliteStore(db)
    artefacts = FileArtefactStore(db.parent / f"{db.name}.artefacts")
    audit_log = SqliteAuditLog(db)
    audit = Recorder(audit_log, clock, load_or_create_signer(Path(f"{db}.audit-key.pem")))
    users = SqliteUserStore(db)
    authorizer = RoleAuthorizer()
    settings = auth.TokenSettings(secret=_secret(Path(f"{db}.token-secret")))
    accounts = auth.Accounts(users, auth.Tokens(settings, clock), clock, audit, authorizer)
    if init_admin is not None:
        import os

        auth.init_admin_from_env(users, init_admin, os.environ, audit, clock)
    runs = RunService(store, store, artefacts, audit, clock)
    scenarios = ScenarioService(store, artefacts, audit, clock)
    authenticator: Authenticator = accounts
    if tokens is not None:
        authenticator = TokenAuthenticator(_tokens(tokens))
    security = Security(authenticator, authorizer)
    signed = SqliteApprovalStore(db)
    plans = RunPlanSource(store, artefacts)
    approvals = Approvals(signed, plans, accounts, authorizer, audit, clock)
    history = PlanHistory(store, audit_log, signed, users, authorizer)
    exports = SignedPlans(approvals, store, store, artefacts)
    extra = (
        auth_router(accounts, security),
        approvals_router(approvals, security),
        plan_history_router(history, security),
        signed_plans_router(exports, security),
        dashboard_router(),
    )
    return create_app(
        runs,
        scenarios,
        authenticator,
        authorizer,
        workers=workers,
        routers=extra,
        cors_origins=cors,
    )


HOSTNAME = re.compile(
    r"^(?=.{1,253}$)[A-Za-z0-9]([A-Za-z0-9-]{0,61}[A-Za-z0-9])?"
    r"(\.[A-Za-z0-9]([A-Za-z0-9-]{0,61}[A-Za-z0-9])?)*$"
)
"""A host name (RFC 1123) to listen on, when ``--host`` is not an IP address."""
ORIGIN = re.compile(r"^https?://[A-Za-z0-9.-]{1,253}(:[0-9]{1,5})?$")
"""A browser origin: scheme, host and optional port, no path."""


def _check_options(host: str, init_admin: str | None, cors: list[str]) -> None:
    """Options that would otherwise fail only once the server starts: one line, exit 2."""
    from isoflow.adapters.cli.common import usage_error

    try:
        ipaddress.ip_address(host)
    except ValueError:
        if not HOSTNAME.match(host):
            raise usage_error(
                f"option '--host': not an IP address or host name: {host[:60]!r}"
            ) from None
    if init_admin is not None:
        name, sep, org = init_admin.partition("@")
        if not sep or not name or not org or len(init_admin) > 200:
            raise usage_error(f"option '--init-admin': expected NAME@ORG, got {init_admin[:60]!r}")
    for origin in cors:
        if not ORIGIN.match(origin):
            raise usage_error(
                f"option '--cors': expected an origin such as https://host:8443, "
                f"got {origin[:60]!r}"
            )


def serve_cmd(
    db: Annotated[Path, typer.Option(help="SQLite database file of the service.")] = Path(
        "isoflow-service/isoflow.db"
    ),
    host: Annotated[str, typer.Option(help="Address to listen on (loopback by default).")] = (
        "127.0.0.1"
    ),
    port: Annotated[
        int, typer.Option(help="Port to listen on (0: any free port).", min=0, max=65535)
    ] = 8080,
    tokens: Annotated[
        Path | None, typer.Option(help="JSON file: token -> {user_id, org_id, roles}.")
    ] = None,
    workers: Annotated[int, typer.Option(help="Concurrent jobs (1-8).", min=1, max=8)] = 1,
    init_admin: Annotated[
        str | None,
        typer.Option(
            "--init-admin",
            help="Create the first admin NAME@ORG (password from ISOFLOW_INIT_ADMIN_PASSWORD).",
        ),
    ] = None,
    cors: Annotated[
        list[str] | None, typer.Option(help="A browser origin allowed to call the API.")
    ] = None,
) -> None:
    """Serve the isoflow HTTP API (OpenAPI at /docs and /openapi.json) and the dashboard at /."""
    import uvicorn

    from isoflow.adapters.cli.common import usage_error

    _check_options(host, init_admin, cors or [])
    try:
        app = build_app(db, tokens, workers, init_admin, tuple(cors or ()))
    except (ValueError, PermissionError) as exc:
        raise usage_error(f"isoflow serve: {exc}") from None
    uvicorn.run(app, host=host, port=port, log_level="warning", timeout_graceful_shutdown=3)


def register(app: typer.Typer, scenario_app: typer.Typer) -> None:
    """Add ``isoflow serve`` to the ``isoflow`` app."""
    del scenario_app
    app.command("serve")(serve_cmd)
