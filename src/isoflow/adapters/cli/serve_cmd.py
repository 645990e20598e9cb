"""``isoflow serve``: the service's HTTP API on uvicorn (loopback by default).

Runs and scenarios are kept in an embedded SQLite database (``--db``, WAL,
``synchronous=FULL``), large artefacts beside it content-addressed by SHA-256. Credentials
come from ``--tokens``, a JSON file mapping each token or API key to
``{"user_id", "org_id", "roles"}``.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Annotated, Any

import typer


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


def build_app(db: Path, tokens: Path | None, workers: int) -> Any:
    """The application on the database ``db`` (artefacts in ``db``'s sibling folder)."""
    from isoflow.adapters.api.app import create_app
    from isoflow.adapters.storage.artefacts import FileArtefactStore
    from isoflow.adapters.storage.memory import (
        ListAuditRecorder,
        RoleAuthorizer,
        TokenAuthenticator,
    )
    from isoflow.adapters.storage.sqlite_runs import SqliteStore
    from isoflow.service.ports import SystemClock
    from isoflow.service.runs import RunService
    from isoflow.service.scenarios import ScenarioService

    db.parent.mkdir(parents=True, exist_ok=True)
    store = SqliteStore(db)
    artefacts = FileArtefactStore(db.parent / f"{db.name}.artefacts")
    audit = ListAuditRecorder()
    clock = SystemClock()
    runs = RunService(store, store, artefacts, audit, clock)
    scenarios = ScenarioService(store, artefacts, audit, clock)
    return create_app(
        runs, scenarios, TokenAuthenticator(_tokens(tokens)), RoleAuthorizer(), workers=workers
    )


def serve_cmd(
    db: Annotated[Path, typer.Option(help="SQLite database file of the service.")] = Path(
        "isoflow-service/isoflow.db"
    ),
    host: Annotated[str, typer.Option(help="Address to listen on (loopback by default).")] = (
        "127.0.0.1"
    ),
    port: Annotated[int, typer.Option(help="Port to listen on.")] = 8080,
    tokens: Annotated[
        Path | None, typer.Option(help="JSON file: token -> {user_id, org_id, roles}.")
    ] = None,
    workers: Annotated[int, typer.Option(help="Concurrent jobs (1-8).", min=1, max=8)] = 1,
) -> None:
    """Serve the isoflow HTTP API (OpenAPI at /docs and /openapi.json)."""
    import uvicorn

    app = build_app(db, tokens, workers)
    uvicorn.run(app, host=host, port=port, log_level="warning", timeout_graceful_shutdown=3)


def register(app: typer.Typer, scenario_app: typer.Typer) -> None:
    """Add ``isoflow serve`` to the ``isoflow`` app."""
    del scenario_app
    app.command("serve")(serve_cmd)
