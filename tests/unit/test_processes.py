"""The registry of child processes and temporary folders: a stop kills, refuses and cleans up.

Real child processes (a Python that sleeps a minute) so that a child left running or awaited
would show as a test taking a minute, or as a process still alive.
"""

from __future__ import annotations

import shutil
import subprocess
import sys
import threading
import time

import pytest

from isoflow.processes import Registry, StopRequested

SLEEPER = [sys.executable, "-c", "import time; time.sleep(60)"]


def test_stop_from_another_thread_kills_the_child_at_once():
    reg = Registry()
    threading.Timer(0.3, reg.stop).start()
    started = time.monotonic()
    with pytest.raises(StopRequested), reg.popen(SLEEPER) as proc:
        proc.communicate(timeout=30)
    assert time.monotonic() - started < 5
    assert proc.returncode == -9


def test_after_a_stop_no_child_starts_until_reset(monkeypatch):
    reg = Registry()
    assert reg.stop() == 0
    started: list[object] = []
    monkeypatch.setattr(subprocess, "Popen", lambda *a, **k: started.append(a))
    with pytest.raises(StopRequested), reg.popen(SLEEPER):
        pass
    assert started == []
    reg.reset()
    assert not reg.stopping


def test_a_failing_block_kills_its_child_instead_of_waiting_for_it():
    reg = Registry()
    started = time.monotonic()
    with pytest.raises(RuntimeError, match="boom"), reg.popen(SLEEPER) as proc:
        raise RuntimeError("boom")
    assert time.monotonic() - started < 5
    assert proc.returncode == -9


def test_a_child_that_ends_normally_is_unregistered():
    reg = Registry()
    with reg.popen([sys.executable, "-c", "pass"]) as proc:
        proc.communicate(timeout=30)
    assert proc.returncode == 0
    assert reg.stop() == 0  # nothing left to kill


def test_an_interruption_during_a_child_start_is_raised_once_the_child_is_registered(
    monkeypatch,
):
    """A signal handler runs between the start of a child and its registration."""
    reg = Registry()
    real = subprocess.Popen
    made: list[subprocess.Popen[bytes]] = []

    def start_then_signal(*args, **kwargs):
        made.append(real(*args, **kwargs))
        reg.interrupt(KeyboardInterrupt("SIGINT"))  # deferred: this thread is starting
        return made[-1]

    monkeypatch.setattr(subprocess, "Popen", start_then_signal)
    started = time.monotonic()
    with pytest.raises(KeyboardInterrupt), reg.popen(SLEEPER) as proc:
        proc.communicate(timeout=30)  # never reached: raised as the block starts
    (child,) = made
    assert child.returncode == -9
    assert time.monotonic() - started < 5
    with pytest.raises(KeyboardInterrupt):  # outside a start: raised at once
        reg.interrupt(KeyboardInterrupt("SIGINT"))


def test_pools_registered_with_on_stop_are_ended_by_stop():
    reg = Registry()
    ended: list[str] = []
    with reg.on_stop(lambda: ended.append("pool")):
        assert reg.stop() == 1
    assert ended == ["pool"]
    reg.reset()
    with reg.on_stop(lambda: ended.append("again")):
        pass
    assert reg.stop() == 0
    assert ended == ["pool"]


def test_folders_are_removed_and_a_cut_short_clean_up_is_swept(tmp_path, monkeypatch):
    reg = Registry()
    monkeypatch.setattr("tempfile.tempdir", str(tmp_path))
    with reg.folder("isoflow-solve-") as path:
        (path / "model.npz").write_bytes(b"x")
        assert path.parent == tmp_path
        assert path.name.startswith("isoflow-solve-")
    assert list(tmp_path.iterdir()) == []

    real = shutil.rmtree
    calls = []

    def interrupted_rmtree(p, ignore_errors=False):
        calls.append(p)
        if len(calls) == 1:
            raise KeyboardInterrupt  # a signal during the clean-up
        real(p, ignore_errors=ignore_errors)

    monkeypatch.setattr(shutil, "rmtree", interrupted_rmtree)
    with pytest.raises(KeyboardInterrupt), reg.folder("isoflow-parts-") as path:
        (path / "part-0.json").write_text("{}")
    assert path.exists()
    assert reg.sweep() == [path]
    assert not path.exists()
    assert reg.sweep() == []


def test_a_wind_down_asks_refuses_and_kills_what_is_left_after_the_grace(monkeypatch):
    reg = Registry()
    asked: list[int] = []
    with reg.windable():
        with reg.popen(SLEEPER, ask=lambda p: asked.append(p.pid)) as proc:
            assert reg.can_wind_down() is False  # not opted in
            reg.graceful = True
            assert reg.can_wind_down()
            started = time.monotonic()
            assert reg.wind_down(0.5) == 1
            proc.communicate(timeout=30)  # killed by the grace's end, no StopRequested
        assert asked == [proc.pid]
        assert proc.returncode == -9
        assert 0.4 < time.monotonic() - started < 5
        monkeypatch.setattr(subprocess, "Popen", lambda *a, **k: pytest.fail("started"))
        with pytest.raises(StopRequested), reg.popen(SLEEPER):
            pass
    reg.reset()
    assert not reg.winding_down
    assert not reg.graceful


def test_the_grace_ends_with_the_windable_block():
    reg = Registry()
    reg.graceful = True
    with reg.popen(SLEEPER, ask=lambda p: None) as proc:
        with reg.windable():
            reg.wind_down(0.3)
        assert not reg.can_wind_down()  # no windable block left
        time.sleep(0.6)
        assert proc.poll() is None  # the grace was cancelled with the block: not killed
        proc.kill()
