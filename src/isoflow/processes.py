"""Child processes and temporary folders: one registry, so that a stop ends them all at once.

The planner's solver runs in child processes (``engines.planner.solver_run.run_worker``),
the simulator and the analyses in pools of workers (``adapters.executors``), and both keep
their files in temporary folders. Each child is started with :meth:`Registry.popen` (a pool
registers how to end its workers with :meth:`Registry.on_stop`) and each folder is made with
:meth:`Registry.folder`. :meth:`Registry.stop` (the command line calls it on SIGINT and
SIGTERM) kills every registered child at once and refuses to start new ones; the stack then
unwinds through the context managers, which remove the folders, and :meth:`Registry.sweep`
removes any that an interrupted clean-up left behind.

A gentler stop is opt-in (``isoflow plan --keep-best``): while :attr:`Registry.graceful` is
set and a block marked :meth:`Registry.windable` runs (the optimiser's solve, which then has
a plan to keep), :meth:`Registry.wind_down` asks each child to stop (each child says how
when it is started; a HiGHS MIP child returns its incumbent), refuses new ones and kills
whatever is still running after a grace period. The solve then returns the best it has.

:data:`children` is the registry of this process.
"""

from __future__ import annotations

import contextlib
import functools
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
        self._asks: dict[int, Callable[[], None]] = {}  # how to ask each child to stop
        self._windable = 0  # blocks under way whose work a wind-down keeps
        self._grace: threading.Timer | None = None
        self.stopping = False
        """True once :meth:`stop` was called (until :meth:`reset`)."""
        self.graceful = False
        """A stop may wind down (:meth:`wind_down`) instead of killing (opt-in, until reset)."""
        self.winding_down = False
        """True once :meth:`wind_down` was called (until :meth:`reset`)."""

    def check(self) -> None:
        """Raise :class:`StopRequested` if a stop was requested."""
        if self.stopping:
            raise StopRequested("stopped")

    @contextmanager
    def popen(
        self,
        command: Sequence[str],
        ask: Callable[[subprocess.Popen[bytes]], None] | None = None,
        **kwargs: Any,
    ) -> Iterator[subprocess.Popen[bytes]]:
        """Start ``command`` as a child that :meth:`stop` kills; kill it if the block fails.

        On leaving the block the child is waited for (never left running). A block that
        ends normally after a stop raises :class:`StopRequested`: the child was killed, its
        answer is not one. ``ask`` is how :meth:`wind_down` asks the child to stop (default:
        kill it); no child starts once a wind-down began (:class:`StopRequested`).
        """
        me = threading.get_ident()
        with self._lock:
            self.check()
            if self.winding_down:
                raise StopRequested("winding down")
            self._starting[me] = self._starting.get(me, 0) + 1
            try:
                proc = subprocess.Popen(list(command), **kwargs)
                key = self._add(proc.kill)
                if ask is not None:
                    self._asks[key] = functools.partial(ask, proc)
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
        return self.kill_all()

    def kill_all(self) -> int:
        """Kill every registered child; return how many were registered."""
        with self._lock:
            kills = list(self._kills.values())
        for kill in kills:
            with contextlib.suppress(OSError):  # already gone
                kill()
        return len(kills)

    @contextmanager
    def windable(self) -> Iterator[None]:
        """Mark a block whose work a wind-down keeps (see :meth:`can_wind_down`).

        A grace period still running when the block ends is cancelled: nothing is left to
        kill.
        """
        with self._lock:
            self._windable += 1
        try:
            yield
        finally:
            with self._lock:
                self._windable -= 1
                if not self._windable and self._grace is not None:
                    self._grace.cancel()
                    self._grace = None

    def can_wind_down(self) -> bool:
        """True if a stop now may wind down: :attr:`graceful` and a windable block running."""
        return self.graceful and self._windable > 0 and not self.stopping

    def wind_down(self, grace_s: float) -> int:
        """Ask every registered child to stop, refuse new ones; kill the rest after ``grace_s``.

        Children started without a way to ask are killed at once. Returns how many children
        were registered.
        """
        with self._lock:
            self.winding_down = True
            items = [self._asks.get(k, kill) for k, kill in self._kills.items()]
            if self._grace is not None:
                self._grace.cancel()
            self._grace = threading.Timer(grace_s, self.kill_all)
            self._grace.daemon = True
            self._grace.start()
        for ask in items:
            with contextlib.suppress(OSError):  # already gone
                ask()
        return len(items)

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
            self.graceful = False
            self.winding_down = False
            if self._grace is not None:
                self._grace.cancel()
                self._grace = None
            self._pending.clear()

    def _add(self, kill: Callable[[], None]) -> int:
        key = next(self._keys)
        self._kills[key] = kill
        return key

    def _remove(self, key: int) -> None:
        with self._lock:
            self._kills.pop(key, None)
            self._asks.pop(key, None)

    def _raise_pending(self) -> None:
        with self._lock:
            pending = self._pending.pop(threading.get_ident(), None)
        if pending is not None:
            raise pending


children = Registry()
"""The registry of this process; a forked child (a pool worker) starts with an empty one."""
os.register_at_fork(after_in_child=children._forget)
