"""Cancels at the edges of a job's life, on a job runner with a fake run service.

* After a worker took the run, before its process started: the worker has marked the run
  running (:meth:`RunService.start`) and a cancel finds no process to signal. The run must
  never start its job (before, it ran to its time limit on a cancelled run).
* After the solve wound down, while the job verifies its best plan (which takes seconds on a
  large plan): the job may finish and its plan is kept, instead of being killed
  :data:`~isoflow.adapters.jobs.KEEP_BEST_S` after the cancel with the plan lost.
"""

from __future__ import annotations

import signal
import threading
import time
from dataclasses import dataclass, field
from multiprocessing.connection import Connection
from typing import Any

import pytest

from isoflow.adapters import jobs
from isoflow.adapters.jobs import KEEP_BEST_S, JobRunner
from isoflow.service.execute import Outcome
from isoflow.service.model import Run, RunState


@dataclass
class _StartsSlowly:
    """The three calls a worker makes of the run service, with ``start`` held until told."""

    taken: threading.Event = field(default_factory=threading.Event)
    go_on: threading.Event = field(default_factory=threading.Event)
    jobs: list[str] = field(default_factory=list)
    finished: list[str] = field(default_factory=list)

    def start(self, run: Run) -> Run:
        self.taken.set()
        assert self.go_on.wait(10)
        return run

    def job(self, run: Run) -> Any:
        self.jobs.append(run.run_id)
        return None  # the child would fail on it: it must not be started at all

    def finish(self, run: Run, outcome: Any) -> Run:
        self.finished.append(run.run_id)
        return run

    def keep_best(self, run: Run, outcome: Any) -> None:
        raise AssertionError("nothing to keep")


@dataclass(frozen=True)
class _Run:
    run_id: str


def test_a_cancel_before_the_process_starts_keeps_it_from_starting() -> None:
    service = _StartsSlowly()
    runner = JobRunner(service, workers=1)  # type: ignore[arg-type]
    runner.start()
    try:
        runner.enqueue(_Run("r1"))  # type: ignore[arg-type]
        assert service.taken.wait(10)
        runner.cancel("r1")  # no process yet: nothing to signal
        service.go_on.set()
        runner.enqueue(None)  # type: ignore[arg-type]  # the worker ends after r1
        runner._threads[0].join(10)
        assert not runner._threads[0].is_alive()
        assert runner.running_pids() == []
        assert service.finished == []  # no outcome: the store keeps the cancel
        assert not runner._starting
        assert not runner._cancelled
    finally:
        runner.stop()


def test_a_cancel_of_a_run_no_worker_holds_is_not_remembered() -> None:
    runner = JobRunner(_StartsSlowly(), workers=1)  # type: ignore[arg-type]
    runner.cancel("never-taken")
    assert not runner._cancelled


@dataclass(frozen=True)
class _Job:
    finish_s: float
    """How long the job takes after the stop signal; < 0: it never says it is finishing."""


def _finishes_slowly(conn: Connection, job: _Job) -> None:
    """A job child that works until asked to stop, then takes ``finish_s`` to send its plan."""
    asked: list[int] = []
    signal.signal(signal.SIGUSR1, lambda *_: asked.append(1))
    conn.send(("progress", 0.1, "solving", False))
    while not asked:
        time.sleep(0.01)
    if job.finish_s < 0:  # stuck, never saying it finishes: it must be killed before it sends
        time.sleep(60)
        conn.send(("done", Outcome(RunState.OPTIMAL, "too late")))
        return
    conn.send(("progress", 0.9, "verifying the plan", True))
    time.sleep(job.finish_s)
    conn.send(("done", Outcome(RunState.OPTIMAL, "the best plan")))
    conn.close()


@dataclass
class _Cancelled:
    """A run service whose run is cancelled in the store while its job runs."""

    finish_s: float
    working: threading.Event = field(default_factory=threading.Event)
    kept: list[Outcome] = field(default_factory=list)
    done: threading.Event = field(default_factory=threading.Event)

    def start(self, run: Run) -> Run:
        return run

    def job(self, run: Run) -> Any:
        return _Job(self.finish_s)

    def progress(self, run: Run, fraction: float, message: str) -> None:
        self.working.set()

    def finish(self, run: Run, outcome: Outcome) -> None:
        return None  # cancelled meanwhile: the worker offers the outcome to keep_best

    def keep_best(self, run: Run, outcome: Outcome) -> None:
        self.kept.append(outcome)
        self.done.set()


def _cancel_mid_job(monkeypatch: pytest.MonkeyPatch, finish_s: float) -> Outcome:
    monkeypatch.setattr(jobs, "_child", _finishes_slowly)
    service = _Cancelled(finish_s)
    runner = JobRunner(service, workers=1)  # type: ignore[arg-type]
    runner.start()
    try:
        runner.enqueue(_Run("r2"))  # type: ignore[arg-type]
        assert service.working.wait(30)
        runner.cancel("r2")
        assert service.done.wait(90)
        return service.kept[0]
    finally:
        runner.stop()


def test_a_job_finishing_its_best_plan_after_a_cancel_may_send_it(monkeypatch) -> None:
    finish_s = 2 * KEEP_BEST_S  # longer than the cancel's first wait
    outcome = _cancel_mid_job(monkeypatch, finish_s)
    assert outcome.state is RunState.OPTIMAL
    assert outcome.message == "the best plan"


def test_a_job_that_never_finishes_after_a_cancel_is_killed(monkeypatch) -> None:
    outcome = _cancel_mid_job(monkeypatch, -1.0)
    assert outcome.state is RunState.FAILED
    assert "ended without a result" in outcome.message
