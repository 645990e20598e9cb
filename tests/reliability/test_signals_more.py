"""SIGTERM and SIGINT during the commands ``tests/cli/test_cli_signals.py`` leaves out.

``analyze contingency`` with worker processes (each re-planning with its solver child) and
``compare`` and ``analyze self-sufficiency`` while they solve (the built-in week): exit 143
or 130 within seconds, no process of the tree left (psutil), the temporary folders gone,
nothing in ``--out``, one line. Each run starts the real command in its own session and
waits for its children.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
from harness import SMALL

import isoflow

psutil = pytest.importorskip("psutil")

pytestmark = pytest.mark.deep
SRC = Path(isoflow.__file__).resolve().parents[1]
WAIT_S = 120.0

CASES = {
    "contingency": (
        ["analyze", "contingency", str(SMALL), "--workers", "2", "--time-limit", "60s"],
        2,
    ),
    "compare": (["compare", "apac-2025", "apac-2025", "--time-limit", "300s"], 1),
    "self-sufficiency": (
        ["analyze", "self-sufficiency", "apac-2025", "--year", "2025", "--time-limit", "300s"],
        1,
    ),
}
"""Arguments and the children to wait for; the small scenario solves in a second or two, so
the commands that solve once or twice work on the built-in week."""


def _start(args: list[str], tmp: Path) -> subprocess.Popen[str]:
    (tmp / "tmp").mkdir()
    env = dict(
        os.environ, TMPDIR=str(tmp / "tmp"), XDG_STATE_HOME=str(tmp / "state"), PYTHONPATH=str(SRC)
    )
    return subprocess.Popen(
        [sys.executable, "-m", "isoflow", *args],
        env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
        start_new_session=True, cwd=tmp,
    )  # fmt: skip


def _wait_for_children(proc: subprocess.Popen[str], at_least: int) -> list[psutil.Process]:
    parent = psutil.Process(proc.pid)
    deadline = time.monotonic() + WAIT_S
    while time.monotonic() < deadline:
        assert proc.poll() is None, proc.communicate()
        kids = parent.children(recursive=True)
        if len(kids) >= at_least:
            time.sleep(1.0)  # inside the work, not at its start
            return parent.children(recursive=True)
        time.sleep(0.05)
    raise AssertionError("the children never appeared")


@pytest.mark.parametrize(("signum", "code"), [(signal.SIGTERM, 143), (signal.SIGINT, 130)])
@pytest.mark.parametrize("case", sorted(CASES))
def test_a_signal_leaves_no_process_no_folder_and_one_line(
    tmp_path: Path, case: str, signum: int, code: int
) -> None:
    args, children = CASES[case]
    out = tmp_path / "out"
    proc = _start([*args, "--out", str(out)], tmp_path)
    try:
        kids = _wait_for_children(proc, children)
        sent = time.monotonic()
        os.killpg(proc.pid, signum) if signum == signal.SIGINT else proc.send_signal(signum)
        _, err = proc.communicate(timeout=60)
        seconds = time.monotonic() - sent
    finally:
        if proc.poll() is None:
            os.killpg(proc.pid, signal.SIGKILL)
    time.sleep(0.2)
    left = [k for k in kids if k.is_running() and k.status() != psutil.STATUS_ZOMBIE]
    for k in left:
        k.kill()
    assert proc.returncode == code, err
    assert seconds < 10, seconds
    assert left == []
    assert list((tmp_path / "tmp").iterdir()) == []
    assert not out.exists()
    lines = [ln for ln in err.splitlines() if ln.strip()]
    assert len(lines) == 1, err
    assert lines[0].startswith(f"interrupted by {signal.Signals(signum).name}"), err
    assert "Traceback" not in err
