"""Job workers: a queue of accepted runs, N worker threads, one child process per run.

Each run executes in a child process started with the ``spawn`` context (no state of the
server inherited); it reports progress and its outcome over a pipe. Cancelling a run first
asks the child to stop (:data:`WIND_DOWN_SIGNAL`): a solve under way winds down and returns
its best plan, which the child verifies and sends (kept on the cancelled run,
:meth:`~isoflow.service.runs.RunService.keep_best`); any other work stops at once. Whatever
is still running :data:`KEEP_BEST_S` later is terminated with its whole process tree (found
with psutil), and killed a second after that; unless its solve has stopped and it is
finishing (verifying the best plan), which it may do for :data:`FINISH_S` more.
"""

from __future__ import annotations

import contextlib
import logging
import multiprocessing
import os
import queue
import signal
import threading
import traceback
from multiprocessing.connection import Connection
from typing import Any

import psutil  # type: ignore[import-untyped]

from isoflow.processes import StopRequested, children
from isoflow.service.execute import Job, Outcome, execute
from isoflow.service.model import Run, RunKind, RunState
from isoflow.service.runs import RunService

log = logging.getLogger("isoflow.service.jobs")

KILL_AFTER_S = 1.0
"""How long a terminated job's processes may take to end before they are killed."""
KEEP_BEST_S = 1.5
"""How long a cancelled job may take to send the best plan its solve returned [s]."""
FINISH_S = 30.0
"""How much longer a cancelled job may take once its solve has stopped and it says it is
finishing (verifying the best plan, which takes seconds on a large plan) [s]; its solver
processes are gone by then, so the cancel's promise about them holds."""
WIND_DOWN_GRACE_S = 0.7
"""How long the solver's children may take to return their incumbents when asked [s]."""
KEEPS_BEST = frozenset({RunKind.PLAN, RunKind.REPLAN})
"""Kinds whose solve a cancel winds down to keep its best plan (others stop at once)."""
WIND_DOWN_SIGNAL = signal.SIGUSR1
"""The signal that asks a job's child to stop (keeping a solve's best plan)."""
PROGRESS_EVERY_S = 1.0
"""Least time between two recorded progress events of one run."""


def _child(conn: Connection, job: Job) -> None:
    """The child process: execute the job, sending progress and the outcome.

    :data:`WIND_DOWN_SIGNAL` winds a solve under way down to its best plan (the outcome is
    then sent as usual), and stops anything else (nothing is sent).
    """

    def progress(fraction: float, message: str) -> None:
        # after a stop was asked, progress means the solve has wound down: finishing
        conn.send(("progress", fraction, message, children.winding_down))

    children.graceful = job.kind in KEEPS_BEST
    signal.signal(WIND_DOWN_SIGNAL, _wind_down)
    try:
        outcome = execute(job, progress)
    except StopRequested:
        conn.close()
        return
    except Exception:  # the engine's failure, reported to the server's log only
        traceback.print_exc()
        outcome = Outcome(RunState.FAILED, "the engine failed unexpectedly")
    finally:
        signal.signal(WIND_DOWN_SIGNAL, signal.SIG_IGN)  # the outcome is sent whole
    conn.send(("done", outcome))
    conn.close()


def _wind_down(signum: int, frame: object) -> None:
    """In a job's child: wind a solve down to its best plan, or stop at once."""
    del signum, frame
    if children.winding_down:
        return
    if children.can_wind_down():
        children.wind_down(WIND_DOWN_GRACE_S)
    else:
        children.interrupt(StopRequested())


def kill_tree(pid: int, wait_s: float = KILL_AFTER_S) -> None:
    """Terminate the process ``pid`` and its descendants; kill those alive after ``wait_s``."""
    try:
        root = psutil.Process(pid)
        procs = [*root.children(recursive=True), root]
    except psutil.NoSuchProcess:
        return
    for proc in procs:
        with contextlib.suppress(psutil.NoSuchProcess):
            proc.terminate()
    _, alive = psutil.wait_procs(procs, timeout=wait_s)
    for proc in alive:
        with contextlib.suppress(psutil.NoSuchProcess):
            proc.kill()
    psutil.wait_procs(alive, timeout=wait_s)


def _solvers_alive(pid: int) -> bool:
    """True if the job process ``pid`` still has children: solver processes.

    The multiprocessing resource tracker, which lives as long as the job, does not count.
    """
    try:
        kids = psutil.Process(pid).children(recursive=True)
    except psutil.NoSuchProcess:
        return False
    alive = []
    for kid in kids:
        with contextlib.suppress(psutil.Error):
            if "resource_tracker" not in " ".join(kid.cmdline()):
                alive.append(kid)
    return bool(alive)


class JobRunner:
    """A :class:`~isoflow.service.runs.JobQueue` with ``workers`` threads."""

    def __init__(self, service: RunService, workers: int = 1) -> None:
        self.service = service
        self._queue: queue.Queue[Run | None] = queue.Queue()
        self._procs: dict[str, Any] = {}
        self._ended: dict[str, threading.Event] = {}  # set once a job's child sent or died
        self._starting: set[str] = set()  # taken by a worker, its process not yet started
        self._finishing: dict[str, threading.Event] = {}  # set once a stopped job finishes
        self._cancelled: set[str] = set()  # of those, the ones a cancel reached meanwhile
        self._lock = threading.Lock()
        self._stopping = threading.Event()
        self._ctx = multiprocessing.get_context("spawn")
        self._threads = [
            threading.Thread(target=self._work, name=f"isoflow-job-{i}", daemon=True)
            for i in range(max(1, workers))
        ]

    def start(self) -> None:
        """Start the worker threads."""
        for thread in self._threads:
            thread.start()

    def enqueue(self, run: Run) -> None:
        """Hand a queued run to the workers."""
        self._queue.put(run)

    def cancel(self, run_id: str) -> None:
        """Stop the run's job if it is running.

        It is asked to stop (a solve keeps its best plan); its process tree is terminated if
        it still runs :data:`KEEP_BEST_S` later. A run a worker has taken but whose process
        has not started yet never starts it.
        """
        with self._lock:
            proc = self._procs.get(run_id)
            ended = self._ended.get(run_id)
            finishing = self._finishing.get(run_id)
            if proc is None and run_id in self._starting:
                self._cancelled.add(run_id)
        if proc is None or proc.pid is None or ended is None or finishing is None:
            return
        pid = proc.pid

        def stop() -> None:
            with contextlib.suppress(OSError):
                os.kill(pid, WIND_DOWN_SIGNAL)
            if ended.wait(KEEP_BEST_S):
                return
            if _solvers_alive(pid):
                kill_tree(pid)
                return
            # the solve has stopped: the job may still be reading its plan out before it says
            # it is finishing; it has KILL_AFTER_S to say so, then FINISH_S to send the plan
            if finishing.wait(KILL_AFTER_S) and ended.wait(FINISH_S):
                return
            kill_tree(pid)

        threading.Thread(target=stop, daemon=True).start()

    def stop(self) -> None:
        """Stop the workers and every running job's processes."""
        self._stopping.set()
        for _ in self._threads:
            self._queue.put(None)
        with self._lock:
            procs = list(self._procs.values())
        for proc in procs:
            if proc.pid is not None:
                kill_tree(proc.pid)
        for thread in self._threads:
            thread.join(timeout=5)

    def running_pids(self) -> list[int]:
        """Process ids of the running jobs' child processes."""
        with self._lock:
            return [p.pid for p in self._procs.values() if p.pid is not None]

    def _work(self) -> None:
        while not self._stopping.is_set():
            run = self._queue.get()
            if run is None:
                return
            try:
                self._execute(run)
            except Exception:
                log.exception("job of run %s failed", run.run_id)
                self.service.finish(run, Outcome(RunState.FAILED, "the job failed unexpectedly"))

    def _execute(self, queued: Run) -> None:
        with self._lock:
            self._starting.add(queued.run_id)
        try:
            started = self._start(queued)
        finally:
            with self._lock:
                self._starting.discard(queued.run_id)
                self._cancelled.discard(queued.run_id)
        if started is not None:
            self._run(*started)

    def _start(self, queued: Run) -> tuple[Run, Any, Connection, threading.Event] | None:
        """Mark the run running and start its process, unless a cancel came first."""
        run = self.service.start(queued)
        if run is None:
            return None
        job = self.service.job(run)
        parent, child = self._ctx.Pipe(duplex=False)
        proc = self._ctx.Process(target=_child, args=(child, job), daemon=True)
        ended = threading.Event()
        with self._lock:
            if run.run_id in self._cancelled:  # the run is cancelled in the store already
                parent.close()
                child.close()
                return None
            proc.start()
            self._procs[run.run_id] = proc
            self._ended[run.run_id] = ended
            self._finishing[run.run_id] = threading.Event()
        child.close()
        return run, proc, parent, ended

    def _run(self, run: Run, proc: Any, parent: Connection, ended: threading.Event) -> None:
        """Follow the started process to its outcome, clean up and record the outcome."""
        try:
            outcome = self._follow(run, proc, parent)
        finally:
            ended.set()
            with self._lock:
                self._procs.pop(run.run_id, None)
                self._ended.pop(run.run_id, None)
                self._finishing.pop(run.run_id, None)
            parent.close()
            proc.join(timeout=KILL_AFTER_S)
            if proc.is_alive() and proc.pid is not None:
                kill_tree(proc.pid)
        if outcome is None:
            code = proc.exitcode
            outcome = Outcome(RunState.FAILED, f"the job's process ended without a result ({code})")
        if self.service.finish(run, outcome) is None:  # cancelled meanwhile
            self.service.keep_best(run, outcome)

    def _follow(self, run: Run, proc: Any, conn: Connection) -> Outcome | None:
        """Relay progress (at most one event a second) until the outcome or the child's end."""
        import time

        last = 0.0
        while True:
            try:
                ready = conn.poll(0.2)
            except (EOFError, OSError):
                return None
            if not ready:
                if not proc.is_alive() and not conn.poll(0):
                    return None
                continue
            try:
                message = conn.recv()
            except (EOFError, OSError):
                return None
            if message[0] == "done":
                outcome: Outcome = message[1]
                return outcome
            if message[3]:
                with self._lock:
                    finishing = self._finishing.get(run.run_id)
                if finishing is not None:
                    finishing.set()
            now = time.monotonic()
            if now - last >= PROGRESS_EVERY_S:
                last = now
                self.service.progress(run, message[1], message[2])
