"""Fixtures of the dashboard tests: one service with the small scenario planned (a session)."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from dash_cases import Dash, running


@pytest.fixture(scope="session")
def dash(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Dash]:
    with running(tmp_path_factory.mktemp("dash")) as found:
        yield found
