"""SIGINT and SIGTERM during a real ``isoflow plan`` / ``simulate``: the children stop, the
temporary folders go, one line says what was kept, the exit code is 130 or 143.

Each test runs the installed command in its own session with ``TMPDIR`` pointing at a
folder of its own, waits (with psutil) until the solver child or the workers exist, sends
the signal and checks what is left. They take a few seconds each.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path

import pytest

psutil = pytest.importorskip("psutil")

EXE = Path(sys.executable).with_name("isoflow")
SMALL = str(Path(__file__).parents[1] / "scenario" / "data" / "small.yaml")
WAIT_S = 120.0
"""Longest wait for the children to appear (the built-in week builds in a few seconds)."""

pytestmark = [
    pytest.mark.slow,
    pytest.mark.skipif(not EXE.exists(), reason="isoflow entry point not installed"),
]


def start(args: list[str], tmp: Path) -> subprocess.Popen[str]:
    (tmp / "tmp").mkdir()
    env = dict(os.environ, TMPDIR=str(tmp / "tmp"), XDG_STATE_HOME=str(tmp / "state"))
    return subprocess.Popen(
        [str(EXE), *args],
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        start_new_session=True,  # its own process group, as a terminal would give it
    )


def wait_for(proc: subprocess.Popen[str], ready: Callable[[list[psutil.Process]], bool]) -> None:
    parent = psutil.Process(proc.pid)
    deadline = time.monotonic() + WAIT_S
    while time.monotonic() < deadline:
        assert proc.poll() is None, proc.communicate()
        if ready(parent.children(recursive=True)):
            return
        time.sleep(0.05)
    raise AssertionError("the children never appeared")


def solver_running(kids: list[psutil.Process]) -> bool:
    def is_solver(p: psutil.Process) -> bool:
        try:
            return "_highs_worker" in " ".join(p.cmdline())
        except psutil.Error:
            return False

    return any(is_solver(p) for p in kids)


def stop(proc: subprocess.Popen[str], signum: int, group: bool) -> tuple[int, float, str, list]:
    """Send ``signum``; return exit code, seconds to exit, stderr and the children left."""
    kids = psutil.Process(proc.pid).children(recursive=True)
    sent = time.monotonic()
    if group:
        os.killpg(proc.pid, signum)  # Ctrl-C at a terminal reaches the whole group
    else:
        proc.send_signal(signum)  # `kill PID`: the parent alone
    try:
        _, err = proc.communicate(timeout=60)
    finally:
        if proc.poll() is None:
            os.killpg(proc.pid, signal.SIGKILL)
    seconds = time.monotonic() - sent
    left = [k for k in kids if k.is_running() and k.status() != psutil.STATUS_ZOMBIE]
    for k in left:
        k.kill()
    return proc.returncode, seconds, err, left


NOTHING_KEPT = "removed the temporary folders; nothing was written"


@pytest.mark.parametrize(
    ("signum", "group", "code"),
    [(signal.SIGTERM, False, 143), (signal.SIGINT, True, 130)],
)
def test_a_signal_mid_solve_stops_the_solver_and_removes_its_folders(tmp_path, signum, group, code):
    out = tmp_path / "out"
    proc = start(["plan", "--time-limit", "300s", "--out", str(out)], tmp_path)
    wait_for(proc, solver_running)
    time.sleep(1.0)  # inside the solve, not at its start
    assert any(p.name.startswith("isoflow-solve-") for p in (tmp_path / "tmp").iterdir())
    returncode, seconds, err, left = stop(proc, signum, group)
    assert returncode == code, err
    assert seconds < 5, seconds
    assert left == []
    assert list((tmp_path / "tmp").iterdir()) == []  # no isoflow-solve-*, isoflow-parts-*
    assert not out.exists()
    lines = [ln for ln in err.splitlines() if ln.strip()]
    name = signal.Signals(signum).name
    assert lines == [
        f"interrupted by {name}, stopped the solver and worker processes, {NOTHING_KEPT}"
    ]


def test_sigterm_ends_the_simulators_worker_processes(tmp_path):
    out = tmp_path / "out"
    proc = start(
        [
            "simulate", SMALL, "--workers", "2", "--replications", "1000000",
            "--chunk-size", "1000", "--out", str(out),
        ],
        tmp_path,
    )  # fmt: skip
    wait_for(proc, lambda kids: len(kids) >= 2 and not solver_running(kids))
    time.sleep(1.0)
    returncode, seconds, err, left = stop(proc, signal.SIGTERM, group=False)
    assert returncode == 143, err
    assert seconds < 5, seconds
    assert left == []
    assert list((tmp_path / "tmp").iterdir()) == []
    assert not out.exists()
    assert err.strip().splitlines()[-1] == (
        f"interrupted by SIGTERM, stopped the solver and worker processes, {NOTHING_KEPT}"
    )
