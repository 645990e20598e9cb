"""Reliability suite (issue 16, item 6): generated broken inputs run through the command line.

This folder's helpers (``corpus``, ``planfaults``) go on the import path, and the fixtures
every test here shares are defined once: :func:`cli` runs the real entry point in-process
(the guard included, so an internal error shows as exit 70), :func:`small_plan` plans the
small scenario once a session. ``ISOFLOW_RELIABILITY_COUNT`` scales the random counts (the
``deep`` tests run it at full size).
"""

from __future__ import annotations

import sys
from collections.abc import Callable
from pathlib import Path

import pytest

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))

from harness import SMALL, Ran  # noqa: E402


@pytest.fixture
def cli(capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch, tmp_path: Path
        ) -> Callable[..., Ran]:  # fmt: skip
    """Run ``isoflow ARGS`` in this process through its guard; crash logs go under tmp_path."""
    from isoflow.adapters.cli.app import run

    monkeypatch.setenv("XDG_STATE_HOME", str(tmp_path / "state"))

    def invoke(*args: str | Path) -> Ran:
        capsys.readouterr()
        code = run([str(a) for a in args])
        out, err = capsys.readouterr()
        return Ran(code, out, err)

    return invoke


@pytest.fixture(scope="session")
def small_plan(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """``plan.json`` of the small scenario (baseline planner), planned once a session."""
    from isoflow.adapters.cli.app import run

    out = tmp_path_factory.mktemp("small-plan")
    assert run(["plan", str(SMALL), "--baseline", "--out", str(out)]) == 0
    return out / "plan.json"
