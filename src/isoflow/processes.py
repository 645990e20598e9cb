"""Child processes and temporary folders: one registry, so that a stop ends them all at once.

The planner's solver runs in child processes (``engines.planner.solver_run.run_worker``),
the simulator and the analyses in pools of workers (``adapters.executors``), and both keep
their files in temporary folders. Each child is started with :meth:`Registry.popen` (a pool
registers how to end its workers with :meth:`Registry.on_stop`) and each folder is made with
:meth:`Registry.folder`. :meth:`Registry.stop` (the command line calls it on SIGINT and
SIGTERM) kills every registered child at once and refuses to start new ones; the stack then
unwinds through the context managers, which remove the folders, and :meth:`Registry.sweep`
removes any that an interrupted clean-up left behind.

:data:`children` is the registry of this process.
"""

from __future__ import annotations

import contextlib
import itertools
import os
import shutil
import subprocess
import tempfile
import threading
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path
from typing import Any


class StopRequested(BaseException):
    """A child was to be started, or has been killed, after :meth:`Registry.stop`.

    A :class:`BaseException` (like :class:`KeyboardInterrupt`), so that no
    ``except Exception`` on the way out mistakes a stop for a failed solve.
    """


class Registry:
    """Live child processes (each by how to kill it) and temporary folders of one process."""

    def __init__(self) -> None:
        self._forget()

    def _forget(self) -> None:
        """Empty, unlocked state: at creation, and in a forked child (a worker's own)."""
        self._lock = threading.RLock()  # re-entrant: a signal handler may interrupt a holder
        self._kills: dict[int, Callable[[], None]] = {}
        self._folders: set[Path] = set()
        self._keys = itertools.count()
        self._starting: dict[int, int] = {}  # child starts under way, by thread
        self._pending: dict[int, BaseException] = {}  # exceptions deferred, by thread
        self.stopping = False
        """True once :meth:`stop` was called (until :meth:`reset`)."""

    def check(self) -> None:
        """Raise :class:`StopRequested` if a stop was requested."""
        if self.stopping:
            raise StopRequested("stopped")

    @contextmanager
    def popen(self, command: Sequence[str], **kwargs: Any) -> Iterator[subprocess.Popen[bytes]]:
        """Start ``command`` as a child that :meth:`stop` kills; kill it if the block fails.

        On leaving the block the child is waited for (never left running). A block that
        ends normally after a stop raises :class:`StopRequested`: the child was killed, its
        answer is not one.
        """
        me = threading.get_ident()
        with self._lock:
            self.check()
            self._starting[me] = self._starting.get(me, 0) + 1
            try:
                proc = subprocess.Popen(list(command), **kwargs)
                key = self._add(proc.kill)
            finally:
                self._starting[me] -= 1
        try:
            with proc:
                try:
                    self._raise_pending()
                    yield proc
                except BaseException:
                    proc.kill()
                    with contextlib.suppress(subprocess.TimeoutExpired):
                        proc.wait(timeout=5)  # reaped here: Popen would wait 0.25 s at most
                    raise
        finally:
            self._remove(key)
        self.check()

    @contextmanager
    def on_stop(self, kill: Callable[[], None]) -> Iterator[None]:
        """Call ``kill`` on :meth:`stop` while the block runs (e.g. to end a pool's workers)."""
        with self._lock:
            self.check()
            key = self._add(kill)
        try:
            yield
        finally:
            self._remove(key)

    @contextmanager
    def folder(self, prefix: str, parent: Path | None = None) -> Iterator[Path]:
        """A new temporary folder (``prefix`` + random), removed when the block ends.

        It is made in ``parent`` if given, else in the system's temporary folder.
        """
        path = Path(tempfile.mkdtemp(prefix=prefix, dir=parent))
        with self._lock:
            self._folders.add(path)
        try:
            yield path
        finally:
            shutil.rmtree(path, ignore_errors=True)
            with self._lock:
                self._folders.discard(path)

    def stop(self) -> int:
        """Kill every registered child, refuse new ones; return how many were registered."""
        with self._lock:
            self.stopping = True
            kills = list(self._kills.values())
        for kill in kills:
            with contextlib.suppress(OSError):  # already gone
                kill()
        return len(kills)

    def interrupt(self, exc: BaseException) -> None:
        """:meth:`stop`, then raise ``exc`` here, or just after a child start under way.

        For signal handlers: raised between the start of a child and its registration, the
        exception would leave that child running unseen; it is then raised once the child is
        registered (and so killed).
        """
        self.stop()
        me = threading.get_ident()
        with self._lock:
            if self._starting.get(me):
                self._pending[me] = exc
                return
        raise exc

    def sweep(self) -> list[Path]:
        """Remove the folders still registered (a clean-up cut short); return them."""
        with self._lock:
            left = sorted(self._folders)
            self._folders.clear()
        for path in left:
            shutil.rmtree(path, ignore_errors=True)
        return left

    def reset(self) -> None:
        """Forget a previous stop (a new command starts); registered items stay."""
        with self._lock:
            self.stopping = False
            self._pending.clear()

    def _add(self, kill: Callable[[], None]) -> int:
        key = next(self._keys)
        self._kills[key] = kill
        return key

    def _remove(self, key: int) -> None:
        with self._lock:
            self._kills.pop(key, None)

    def _raise_pending(self) -> None:
        with self._lock:
            pending = self._pending.pop(threading.get_ident(), None)
        if pending is not None:
            raise pending


children = Registry()
"""The registry of this process; a forked child (a pool worker) starts with an empty one."""
os.register_at_fork(after_in_child=children._forget)
