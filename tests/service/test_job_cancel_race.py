"""A cancel that reaches a run after a worker took it, before its process started.

The worker has marked the run running (:meth:`RunService.start`) and not yet started the
child process; a cancel then finds no process to signal. The run must never start its job
(before, it ran to its time limit on a cancelled run).
"""

from __future__ import annotations

import threading
from dataclasses import dataclass, field
from typing import Any

from isoflow.adapters.jobs import JobRunner
from isoflow.service.model import Run


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
