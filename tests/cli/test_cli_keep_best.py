"""``isoflow plan --keep-best`` stopped by SIGINT or SIGTERM mid-solve: the best plan so far.

Each test runs the real command on the built-in week (its solve takes about 20 s) in its own
session with ``TMPDIR`` pointing at a folder of its own, waits (psutil) until a HiGHS MIP
child runs (its options say ``"graceful": true``), sends the signal and checks the exit
code, the one line, the plan (``isoflow verify``) and that no process and no temporary
folder is left. A child held with SIGSTOP cannot answer the ask, so the grace period's kill
(and a second signal within it) are tested deterministically.
"""

from __future__ import annotations

import json
import os
import re
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
from test_cli_signals import start, stop, wait_for

import isoflow

psutil = pytest.importorskip("psutil")

pytestmark = pytest.mark.slow
SRC = Path(isoflow.__file__).resolve().parents[1]
KEPT = re.compile(
    r"stopped: kept the best plan so far \((\d+) of (\d+) doses served, "
    r"(gap \d+\.\d\d %|no bound)\) in (.+)"
)


def _mip_children(kids: list[psutil.Process]) -> list[psutil.Process]:
    found = []
    for p in kids:
        try:
            if "_highs_worker" in " ".join(p.cmdline()) and '"graceful": true' in p.cmdline()[-1]:
                found.append(p)
        except psutil.Error:
            pass
    return found


def _plan_at_a_mip(tmp: Path) -> subprocess.Popen[str]:
    proc = start(["plan", "--keep-best", "--time-limit", "300s", "--out", str(tmp / "out")], tmp)
    wait_for(proc, lambda kids: bool(_mip_children(kids)))
    return proc


def _hold_a_mip(proc: subprocess.Popen[str]) -> None:
    """Suspend a running MIP child (SIGSTOP): it cannot answer an ask, only die by SIGKILL."""
    while True:
        for child in _mip_children(psutil.Process(proc.pid).children(recursive=True)):
            try:
                child.suspend()
                if child.status() == psutil.STATUS_STOPPED:
                    return
            except psutil.Error:
                pass  # it ended meanwhile: take the next one
        wait_for(proc, lambda kids: bool(_mip_children(kids)))


def _lines(err: str) -> list[str]:
    return [ln for ln in err.splitlines() if ln.strip()]


def _assert_clean(tmp: Path, left: list[psutil.Process]) -> None:
    assert left == []
    assert list((tmp / "tmp").iterdir()) == []  # no isoflow-solve-*, isoflow-parts-*


def _assert_kept(tmp: Path, err: str) -> dict[str, object]:
    (line,) = _lines(err)
    match = KEPT.fullmatch(line)
    assert match, line
    assert match[4] == str(tmp / "out")
    plan = json.loads((tmp / "out" / "plan.json").read_text(encoding="utf-8"))
    solver = plan["solver"]
    assert solver["status"] in ("feasible", "optimal"), solver
    assert solver["message"].startswith("stopped by the user; best plan so far"), solver
    assert solver["time_cut"] is True
    gap = solver["gap"]
    assert (match[3] == "no bound") == (gap is None)
    if gap is not None:
        assert match[3] == f"gap {100 * gap:.2f} %"
        assert solver["status"] == "optimal" or gap > solver["mip_gap"]
    assert int(match[1]) == len(plan["allocations"])
    verify = subprocess.run(
        [sys.executable, "-m", "isoflow", "verify", str(tmp / "out")],
        env=dict(os.environ, PYTHONPATH=str(SRC)), capture_output=True, text=True, timeout=300,
    )  # fmt: skip
    assert verify.returncode == 0, verify.stdout + verify.stderr
    assert verify.stdout.startswith("plan OK"), verify.stdout
    return plan


def test_sigint_keeps_the_best_plan_so_far(tmp_path):
    proc = _plan_at_a_mip(tmp_path)
    returncode, seconds, err, left = stop(proc, signal.SIGINT, group=True)
    assert returncode == 130, err
    assert seconds < 5, seconds
    _assert_clean(tmp_path, left)
    _assert_kept(tmp_path, err)
    manifest = json.loads((tmp_path / "out" / "manifest.json").read_text(encoding="utf-8"))
    assert "plan.json" in manifest["files"]  # written as a result set, as always


def test_sigterm_kills_children_that_do_not_answer_after_the_grace_and_keeps_the_plan(tmp_path):
    """Solver children held stopped cannot answer: killed after 2 s, their warm starts kept."""
    proc = _plan_at_a_mip(tmp_path)
    _hold_a_mip(proc)
    returncode, seconds, err, left = stop(proc, signal.SIGTERM, group=False)
    assert returncode == 143, err
    assert 2.0 <= seconds < 6, seconds
    _assert_clean(tmp_path, left)
    _assert_kept(tmp_path, err)


def test_a_second_sigint_within_the_grace_keeps_nothing(tmp_path):
    proc = _plan_at_a_mip(tmp_path)
    _hold_a_mip(proc)  # the grace period runs its full 2 s
    kids = psutil.Process(proc.pid).children(recursive=True)
    sent = time.monotonic()
    os.killpg(proc.pid, signal.SIGINT)
    time.sleep(0.5)
    os.killpg(proc.pid, signal.SIGINT)
    try:
        _, err = proc.communicate(timeout=60)
    finally:
        if proc.poll() is None:
            os.killpg(proc.pid, signal.SIGKILL)
    seconds = time.monotonic() - sent
    left = [k for k in kids if k.is_running() and k.status() != psutil.STATUS_ZOMBIE]
    for k in left:
        k.kill()
    assert proc.returncode == 130, err
    assert seconds < 2.0, seconds  # the second signal did not wait for the grace to end
    _assert_clean(tmp_path, left)
    assert not (tmp_path / "out").exists()
    assert _lines(err) == [
        "interrupted by SIGINT, stopped the solver and worker processes, removed the "
        "temporary folders; nothing was written"
    ]
