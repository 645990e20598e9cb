"""A disk that fills up under the real command (issue 16, item 6): ``plan --out``,
``plan --report`` and ``simulate --out`` in a subprocess whose file writes under the test's
folder fail with ``ENOSPC`` once a byte budget is spent.

The budget is injected by a ``sitecustomize`` module put first on the child's path (no
mount, no root): it wraps ``open`` (and so ``os.fdopen``) for files opened for writing under
``ISOFLOW_TEST_FULL_UNDER`` and writes at most ``ISOFLOW_TEST_FULL_BYTES`` bytes in all,
then raises ``OSError(ENOSPC)`` halfway through a write. Whatever the budget: the previous
results are there byte for byte, or the new ones complete as their manifest lists them;
never a mix, no temporary folder left, one line on a failure, no traceback.
"""

from __future__ import annotations

import hashlib
import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
from harness import SMALL

import isoflow

HOOK = """
import builtins, errno, io, os

_budget = [int(os.environ["ISOFLOW_TEST_FULL_BYTES"])]
_under = os.environ["ISOFLOW_TEST_FULL_UNDER"]
_open = io.open


class _Full:
    def __init__(self, f):
        self._f = f

    def write(self, data):
        if len(data) > _budget[0]:
            if _budget[0]:
                self._f.write(data[: _budget[0]])
                _budget[0] = 0
            raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC))
        _budget[0] -= len(data)
        return self._f.write(data)

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        return self._f.__exit__(*exc)

    def __iter__(self):
        return iter(self._f)

    def __getattr__(self, name):
        return getattr(self._f, name)


def _path(file):
    if isinstance(file, int):  # os.fdopen of a mkstemp file
        return os.readlink(f"/proc/self/fd/{file}")
    return os.fspath(file)


def _open_full(file, mode="r", *args, **kwargs):
    f = _open(file, mode, *args, **kwargs)
    writing = any(c in mode for c in "wax+")
    if writing and str(_path(file)).startswith(_under):
        return _Full(f)
    return f


builtins.open = io.open = _open_full
"""

SRC = Path(isoflow.__file__).resolve().parents[1]
BUDGETS = (0, 100, 3000, 30_000, 300_000, 10**9)
"""Bytes written before the disk is full: at once, in the first file, later, never."""
FAST = {0, 30_000}
CASES = {
    "plan": (["plan", str(SMALL), "--baseline"], ["--lead", "5d"]),
    "plan --report": (["plan", str(SMALL), "--baseline", "--report"], ["--lead", "5d"]),
    "simulate": (["simulate", str(SMALL), "--replications", "20"], ["--seed", "2"]),
}


def snapshot(folder: Path) -> dict[str, str]:
    return {
        p.relative_to(folder).as_posix(): hashlib.sha256(p.read_bytes()).hexdigest()
        for p in sorted(folder.rglob("*"))
        if p.is_file()
    }


def isoflow_in_child(
    args: list[str], tmp: Path, budget: int | None
) -> subprocess.CompletedProcess[str]:
    hook = tmp / "hook"
    hook.mkdir(exist_ok=True)
    (hook / "sitecustomize.py").write_text(HOOK, encoding="utf-8")
    env = dict(os.environ, XDG_STATE_HOME=str(tmp / "state"), PYTHONPATH=str(SRC))
    if budget is not None:
        env |= {
            "PYTHONPATH": os.pathsep.join([str(hook), str(SRC)]),
            "ISOFLOW_TEST_FULL_BYTES": str(budget),
            "ISOFLOW_TEST_FULL_UNDER": str(tmp / "work"),
        }
    return subprocess.run(
        [sys.executable, "-m", "isoflow", *args],
        env=env, capture_output=True, text=True, timeout=300, cwd=tmp,
    )  # fmt: skip


@pytest.fixture(scope="module")
def baseline_plan(tmp_path_factory: pytest.TempPathFactory) -> Path:
    from isoflow.adapters.cli.app import run

    out = tmp_path_factory.mktemp("full-disk-plan")
    assert run(["plan", str(SMALL), "--baseline", "--out", str(out)]) == 0
    return out


@pytest.mark.parametrize(
    "budget", [b if b in FAST else pytest.param(b, marks=pytest.mark.deep) for b in BUDGETS]
)
@pytest.mark.parametrize("case", sorted(CASES))
def test_a_full_disk_keeps_the_previous_results_or_writes_the_new_ones_whole(
    tmp_path: Path, baseline_plan: Path, case: str, budget: int
) -> None:
    from isoflow.adapters.cli.app import run

    first, change = CASES[case]
    if case == "simulate":
        first = [*first, "--plan", str(baseline_plan)]
    out = tmp_path / "work" / "out"
    out.parent.mkdir()
    assert run([*first, "--out", str(out)]) == 0
    before = snapshot(out)
    done = isoflow_in_child([*first, *change, "--out", str(out)], tmp_path, budget)
    assert "Traceback" not in done.stdout + done.stderr, done.stderr
    after = snapshot(out)
    if done.returncode == 0:
        manifest = json.loads((out / "manifest.json").read_text(encoding="utf-8"))
        for name, entry in manifest["files"].items():
            assert after[name] == entry["sha256"], name  # the new results, whole
        assert after != before
    else:
        assert done.returncode in (1, 2), done.stderr
        lines = [ln for ln in done.stderr.splitlines() if ln.strip()]
        assert len(lines) == 1, done.stderr
        assert "No space left on device" in lines[0], done.stderr
        assert after == before  # the previous results, byte for byte
    assert [p.name for p in out.parent.iterdir()] == ["out"]  # no temporary folder
    if budget == 10**9:
        assert done.returncode == 0, done.stderr
    if budget == 0:
        assert done.returncode != 0, done.stderr


FILE_CASES = {
    "scenario generate": (
        ["scenario", "generate", "--sites", "2", "--hospitals", "2", "--days", "1"],
        ["--seed", "1"],
    ),
    "scenario demand": (["scenario", "demand", str(SMALL), "--days", "1"], ["--seed", "2"]),
    "schema": (["schema"], []),
}


@pytest.mark.parametrize(
    "budget", [b if b == 0 else pytest.param(b, marks=pytest.mark.deep) for b in BUDGETS]
)
@pytest.mark.parametrize("case", sorted(FILE_CASES))
def test_a_full_disk_keeps_the_previous_file_or_writes_the_new_one_whole(
    tmp_path: Path, case: str, budget: int
) -> None:
    """Commands that write one file (``--out x.yaml``): the old file or the new one, whole."""
    from isoflow.adapters.cli.app import run

    first, change = FILE_CASES[case]
    out = tmp_path / "work" / "out.yaml"
    out.parent.mkdir()
    assert run([*first, "--out", str(out)]) == 0
    before = out.read_bytes()
    done = isoflow_in_child([*first, *change, "--out", str(out)], tmp_path, budget)
    assert "Traceback" not in done.stdout + done.stderr, done.stderr
    assert [p.name for p in out.parent.iterdir()] == ["out.yaml"]  # no temporary file
    if done.returncode == 0:
        assert run([*first, *change, "--out", str(tmp_path / "again.yaml")]) == 0
        assert out.read_bytes() == (tmp_path / "again.yaml").read_bytes()  # the new one, whole
    else:
        assert done.returncode in (1, 2), done.stderr
        lines = [ln for ln in done.stderr.splitlines() if ln.strip()]
        assert len(lines) == 1, done.stderr
        assert out.read_bytes() == before  # the previous file, byte for byte
    if budget == 0:
        assert done.returncode != 0, done.stderr
