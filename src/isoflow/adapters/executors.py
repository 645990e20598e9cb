"""Executors for parallel work: local processes or a Dask cluster, behind one interface.

Engines take any :class:`concurrent.futures.Executor` (``submit``/``map``) and never import
Dask. This module builds one:

* ``workers=1`` (default): run in this process (:class:`InlineExecutor`), no overhead;
* ``workers=N``: a :class:`~concurrent.futures.ProcessPoolExecutor` with N processes;
* ``scheduler="tcp://host:8786"``: a running ``dask.distributed`` cluster (extra ``[dask]``);
* ``scheduler="local"``: a throw-away ``dask.distributed.LocalCluster`` with ``workers``
  processes (for tests and single-machine use).

Work units should be coarse (thousands of replications or whole scenarios per task).
"""

from __future__ import annotations

import contextlib
import multiprocessing
import os
import signal
import time
from collections.abc import Callable, Iterator
from concurrent.futures import Executor, Future, ProcessPoolExecutor
from contextlib import contextmanager
from typing import Any, TypeVar

from isoflow import bounds
from isoflow.errors import InputError
from isoflow.processes import children

T = TypeVar("T")


class InlineExecutor(Executor):
    """Runs each task at once in the calling process (the serial baseline)."""

    def submit(self, fn: Callable[..., T], /, *args: Any, **kwargs: Any) -> Future[T]:
        """Run ``fn(*args, **kwargs)`` now; return a completed future."""
        future: Future[T] = Future()
        try:
            future.set_result(fn(*args, **kwargs))
        except Exception as exc:  # delivered through the future; an interruption is not
            future.set_exception(exc)
        return future


WORKER_GRACE_S = 1.0
"""How long a worker may take to end on SIGTERM before it is killed [s]."""


def _worker_started() -> None:
    """In each pool worker: Ctrl-C is the parent's to handle; SIGTERM ends the worker.

    On SIGTERM the worker kills its own children (a re-plan's solver), removes its
    temporary folders and exits at once.
    """
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    signal.signal(signal.SIGTERM, _worker_terminated)


def _worker_terminated(signum: int, frame: object) -> None:
    children.stop()
    children.sweep()
    os._exit(128 + signum)


def _end_workers(before: set[int | None]) -> None:
    """End the pool's worker processes: SIGTERM, then SIGKILL after :data:`WORKER_GRACE_S`."""
    workers = [p for p in multiprocessing.active_children() if p.pid not in before]
    for p in workers:
        p.terminate()
    deadline = time.monotonic() + WORKER_GRACE_S
    while any(p.is_alive() for p in workers) and time.monotonic() < deadline:
        time.sleep(0.02)
    for p in workers:
        if p.is_alive():
            p.kill()


def _abandon(pool: ProcessPoolExecutor, before: set[int | None]) -> None:
    """End a pool whose work failed or was stopped, without waiting for its results.

    ``shutdown(wait=True)`` would join the pool's manager thread, which hangs for good when
    a worker was killed halfway through sending a result (it waits for the rest of the
    message). The workers are ended, the futures cancelled, and the parent's end of the
    result pipe closed: the manager thread then reads end-of-file and stops.
    """
    _end_workers(before)
    results = getattr(pool, "_result_queue", None)  # CPython's ProcessPoolExecutor
    pool.shutdown(wait=False, cancel_futures=True)
    writer = getattr(results, "_writer", None)
    if writer is not None:
        with contextlib.suppress(OSError):
            writer.close()


@contextmanager
def make_executor(workers: int = 1, scheduler: str | None = None) -> Iterator[Executor]:
    """Yield an executor for ``workers`` local processes or a Dask ``scheduler``; close it after.

    Raises :class:`~isoflow.errors.OptionError` for a worker count outside
    :data:`~isoflow.bounds.WORKERS`, :class:`InputError` when Dask is requested but not
    installed (``pip install 'isoflow[dask]'``). Local workers are ended on a stop
    (:data:`~isoflow.processes.children`).
    """
    bounds.WORKERS.check(workers, "workers")
    if scheduler is None:
        if workers == 1:
            yield InlineExecutor()
            return
        before = {p.pid for p in multiprocessing.active_children()}
        pool = ProcessPoolExecutor(max_workers=workers, initializer=_worker_started)
        try:
            with children.on_stop(lambda: _end_workers(before)):
                yield pool
        except BaseException:
            _abandon(pool, before)
            raise
        pool.shutdown(wait=True)
        return
    try:
        from distributed import Client, LocalCluster
    except ImportError:
        raise InputError(
            "--scheduler", "Dask is not installed; install the extra: pip install 'isoflow[dask]'"
        ) from None
    if scheduler == "local":
        with (
            LocalCluster(
                n_workers=workers,
                threads_per_worker=1,
                processes=True,
                dashboard_address=None,
                host="127.0.0.1",
            ) as cluster,
            Client(cluster) as client,
        ):
            yield client.get_executor()
        return
    try:
        client = Client(scheduler, timeout=10)
    except OSError as exc:
        raise InputError(
            "--scheduler", f"cannot reach the Dask scheduler {scheduler!r}: {exc}"
        ) from None
    with client:
        yield client.get_executor()
