"""Fixtures for the scenario tests: the small valid scenario and helpers to break it."""

from __future__ import annotations

from pathlib import Path

import pytest

DATA = Path(__file__).parent / "data"
SMALL = DATA / "small.yaml"


@pytest.fixture(scope="session")
def small_path() -> Path:
    """The small valid scenario (a cyclotron, a reactor, a CDMO, two hospitals)."""
    return SMALL


@pytest.fixture(scope="session")
def small_text() -> str:
    """Text of the small valid scenario."""
    return SMALL.read_text(encoding="utf-8")
