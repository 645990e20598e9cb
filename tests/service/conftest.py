"""Fixtures of the service tests: a real server on 127.0.0.1 over a fresh database."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path

import pytest
from service_cases import TOKENS, Server


@pytest.fixture
def make_server(tmp_path: Path) -> Iterator[Server]:
    tokens = tmp_path / "tokens.json"
    tokens.write_text(json.dumps(TOKENS))
    server = Server(tmp_path / "db" / "isoflow.db", tokens)
    yield server
    server.kill()


@pytest.fixture
def server(make_server: Server) -> Server:
    return make_server.start()


@pytest.fixture(autouse=True)
def _commands_run_here_again() -> Iterator[None]:
    """Each command-line run sets where commands run (``--server``); an in-process run of a
    command registered without the global options (as other folders' tests do) must not
    inherit a server from a test here."""
    yield
    from isoflow.adapters.cli.common import target

    target.server, target.token = None, None
