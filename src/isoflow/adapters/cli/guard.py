"""The command line's last line of defence: signals, usage errors and unexpected exceptions.

* **SIGINT, SIGTERM**: every child process (solver, workers) is killed at once through
  :data:`~isoflow.processes.children`, and the signal becomes :class:`Interrupted` in the
  main thread, so the context managers remove their temporary folders as the stack unwinds.
  One line then says what was kept, and the exit code is 128 + the signal (130, 143).
  With ``isoflow plan --keep-best`` a signal during the solve winds it down instead
  (:meth:`~isoflow.processes.Registry.wind_down`): the solver children are asked to return
  their incumbents, whatever still runs after :data:`KEEP_BEST_GRACE_S` is killed, the best
  plan so far is written and the command's own line says so (same exit codes). A second
  signal within the grace period kills at once and keeps nothing.
* **usage errors** from click, as vendored by typer (unknown option, not a number): one
  ``error:`` line, exit 2 (typer would draw a box).
* **anything unexpected**: one line naming the exception and a crash log holding the
  traceback (:func:`crash_log`), exit :data:`EXIT_INTERNAL`.
"""

from __future__ import annotations

import os
import platform
import signal
import sys
import tempfile
import threading
import time
import traceback
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from types import FrameType

import typer

from isoflow.adapters.cli.common import err_console, outcome
from isoflow.processes import StopRequested, children

EXIT_INTERNAL = 70
"""Exit code of an internal error (``EX_SOFTWARE`` of ``sysexits.h``)."""

STOP_SIGNALS = (signal.SIGINT, signal.SIGTERM)

KEEP_BEST_GRACE_S = 2.0
"""How long a wind-down (``--keep-best``) waits for the solver children [s]."""

MESSAGE_CHARS = 300
"""Longest exception message printed on the error line (the crash log has it whole)."""


class Interrupted(KeyboardInterrupt):
    """SIGINT or SIGTERM arrived; raised in the main thread by the handler."""

    def __init__(self, signum: int) -> None:
        super().__init__(signal.Signals(signum).name)
        self.signum = signum


@dataclass
class Received:
    """The stop signal received while a command ran, and whether it stopped any children."""

    signum: int | None = None
    stopped: int = 0
    """Registered children (processes, pools) when the signal came."""
    finishing: bool = False
    """The command has ended: a signal now only stops children, it raises nothing."""
    keeping: bool = False
    """The signal wound the solve down to keep its best plan (``--keep-best``)."""


@contextmanager
def stop_on_signals() -> Iterator[Received]:
    """While the block runs, SIGINT and SIGTERM stop every child and raise :class:`Interrupted`.

    Only the first signal acts; later ones are ignored so that the clean-up it starts can
    finish, except one while a wind-down's grace period runs: that one stops at once.
    When the registry can wind down (``--keep-best`` during the solve) the first signal
    winds it down instead and raises nothing. Outside the main thread (where Python cannot
    handle signals) nothing changes.
    """
    received = Received()

    def handler(signum: int, frame: FrameType | None) -> None:
        del frame
        if received.signum is not None:
            if received.keeping and children.can_wind_down():  # a second stop: keep nothing
                received.keeping = False
                children.interrupt(Interrupted(signum))
            return
        received.signum = signum
        if not received.finishing and children.can_wind_down():
            received.keeping = True
            received.stopped = children.wind_down(KEEP_BEST_GRACE_S)
            return
        received.stopped = children.stop()
        if not received.finishing:
            children.interrupt(Interrupted(signum))

    children.reset()
    if threading.current_thread() is not threading.main_thread():
        yield received
        return
    previous = {s: signal.signal(s, handler) for s in STOP_SIGNALS}
    try:
        yield received
    finally:
        for s, h in previous.items():
            signal.signal(s, h)


def interrupted_line(received: Received) -> str:
    """The line printed after a stop: the signal, what was stopped, what was kept."""
    assert received.signum is not None
    parts = [f"interrupted by {signal.Signals(received.signum).name}"]
    if received.stopped:
        parts.append("stopped the solver and worker processes")
    parts.append("removed the temporary folders")
    return ", ".join(parts) + f"; {outcome.kept}"


def guarded(command: Callable[[], object]) -> int:
    """Run ``command`` (the click app, not standalone); return the exit code.

    Usage errors print one line (exit 2), an interruption the :func:`interrupted_line`
    (exit 128 + signal), anything unexpected one line and a crash log (exit 70).
    """
    outcome.kept, outcome.line = "nothing was written", None
    with stop_on_signals() as received:
        try:
            code = _exit_code(command())
        except (KeyboardInterrupt, StopRequested):
            code = 130
        except typer.TyperException as exc:  # click's usage errors (typer vendors click)
            if type(exc).__name__ != "NoArgsIsHelpError":  # that one has printed the help
                err_console.print(f"error: {_usage(exc)}", markup=False)
            code = int(getattr(exc, "exit_code", 2))
        except typer.Abort:
            code = 1
        except typer.Exit as exc:
            code = exc.exit_code
        except SystemExit as exc:
            code = _exit_code(exc.code)
        except Exception as exc:
            err_console.print(f"error: {internal_line(exc)}", markup=False)
            code = EXIT_INTERNAL
        received.finishing = True
        children.sweep()  # folders whose clean-up an interruption cut short
        children.reset()  # the stop ends with the command (in-process callers go on)
        if received.signum is not None:
            line = outcome.line if received.keeping and outcome.line else None
            err_console.print(line or interrupted_line(received), markup=False)
            return 128 + received.signum
    return code


def _exit_code(value: object) -> int:
    if value is None:
        return 0
    return value if isinstance(value, int) else 1


def _usage(exc: typer.TyperException) -> str:
    message = " ".join(exc.format_message().split())
    ctx = getattr(exc, "ctx", None)
    if ctx is not None:
        message += f" (see '{ctx.command_path} --help')"
    return message


def internal_line(exc: BaseException) -> str:
    """``internal error: <type>: <message>; details in <crash log>``, on one line."""
    message = " ".join(str(exc).split())
    if len(message) > MESSAGE_CHARS:
        message = message[:MESSAGE_CHARS] + "..."
    head = f"internal error: {type(exc).__name__}" + (f": {message}" if message else "")
    try:
        return f"{head}; details in {crash_log(exc)}"
    except OSError as err:
        return f"{head}; no crash log could be written ({err.strerror or err})"


def crash_folder() -> Path:
    """``$XDG_STATE_HOME/isoflow`` (default ``~/.local/state/isoflow``), else the temp folder."""
    try:
        base = os.environ.get("XDG_STATE_HOME") or str(Path.home() / ".local" / "state")
        folder = Path(base) / "isoflow"
        folder.mkdir(parents=True, exist_ok=True)
        if os.access(folder, os.W_OK):
            return folder
    except (OSError, RuntimeError):  # no home folder, or not writable
        pass
    return Path(tempfile.gettempdir())


def crash_log(exc: BaseException) -> Path:
    """Write the traceback of ``exc`` with the command line and versions; return the file."""
    stamp = time.strftime("%Y%m%dT%H%M%S")
    fd, name = tempfile.mkstemp(prefix=f"isoflow-crash-{stamp}-", suffix=".log", dir=crash_folder())
    from isoflow import __version__

    header = (
        f"isoflow {__version__}, Python {platform.python_version()}, {platform.platform()}\n"
        f"command: {' '.join(sys.argv)}\n\n"
    )
    with os.fdopen(fd, "w", encoding="utf-8", errors="replace") as fh:
        fh.write(header + "".join(traceback.format_exception(exc)))
    return Path(name)
