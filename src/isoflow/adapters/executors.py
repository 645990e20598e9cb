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

from collections.abc import Callable, Iterator
from concurrent.futures import Executor, Future, ProcessPoolExecutor
from contextlib import contextmanager
from typing import Any, TypeVar

from isoflow import bounds
from isoflow.errors import InputError

T = TypeVar("T")


class InlineExecutor(Executor):
    """Runs each task at once in the calling process (the serial baseline)."""

    def submit(self, fn: Callable[..., T], /, *args: Any, **kwargs: Any) -> Future[T]:
        """Run ``fn(*args, **kwargs)`` now; return a completed future."""
        future: Future[T] = Future()
        try:
            future.set_result(fn(*args, **kwargs))
        except BaseException as exc:  # delivered through the future
            future.set_exception(exc)
        return future


@contextmanager
def make_executor(workers: int = 1, scheduler: str | None = None) -> Iterator[Executor]:
    """Yield an executor for ``workers`` local processes or a Dask ``scheduler``; close it after.

    Raises :class:`~isoflow.errors.OptionError` for a worker count outside
    :data:`~isoflow.bounds.WORKERS`, :class:`InputError` when Dask is requested but not
    installed (``pip install 'isoflow[dask]'``).
    """
    bounds.WORKERS.check(workers, "workers")
    if scheduler is None:
        if workers == 1:
            yield InlineExecutor()
            return
        with ProcessPoolExecutor(max_workers=workers) as pool:
            yield pool
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
