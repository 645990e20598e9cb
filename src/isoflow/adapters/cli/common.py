"""Pieces every ``isoflow`` command shares: consoles, error lines, exit codes, progress bars.

Exit codes: 0 success, 1 a check failed (invalid scenario, plan violations, solver failure),
2 usage error (bad argument or option). Errors are one line on stderr, never a traceback.
"""

from __future__ import annotations

import functools
import os
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, NoReturn, ParamSpec

import typer
from rich.console import Console
from rich.progress import (
    BarColumn,
    MofNCompleteColumn,
    Progress,
    TimeElapsedColumn,
    TimeRemainingColumn,
)

from isoflow import bounds
from isoflow.errors import InputError, IsoflowError, OptionError, PlanFileError
from isoflow.units import parse_duration

if TYPE_CHECKING:
    from isoflow.adapters.results import ResultSet, Run
    from isoflow.records.plan import Plan
    from isoflow.scenario.issues import Issue
    from isoflow.scenario.schema import Scenario

console = Console(highlight=False, soft_wrap=True)
"""Standard output: tables and summaries (lines never wrapped, for pipes and logs)."""

err_console = Console(stderr=True, highlight=False, soft_wrap=True)
"""Standard error: errors, warnings and progress (never wrapped, so one error is one line)."""

P = ParamSpec("P")


LONGEST_WORD = 300
"""Longer words of an error line (a pasted file, a 100,000-character name) are shortened."""


def one_line(message: str) -> str:
    """``message`` on one line, never echoing a hostile value whole.

    Each word over :data:`LONGEST_WORD` characters is shortened to its first 80 and its
    length (a file path stays whole).
    """
    words = [
        w if len(w) <= LONGEST_WORD else f"{w[:80]}…({len(w):,} characters)"
        for w in message.split()
    ]
    return " ".join(words)


def fail(message: str, code: int) -> NoReturn:
    """Print ``error: message`` as one line on stderr and exit with ``code``."""
    err_console.print(f"error: {one_line(message)}", markup=False)
    raise typer.Exit(code)


def plan_from(path: Path, what: str) -> Plan:
    """Read a plan file for a command.

    A bad file exits 1 naming file, line and field; no plan at ``path`` is a usage error
    (exit 2) naming the argument or option ``what``.
    """
    from isoflow.adapters.plan_files import read_plan

    try:
        return read_plan(path)
    except PlanFileError as exc:
        fail(str(exc), 1)
    except InputError as exc:
        raise usage_error(f"{what}: {exc}") from None


def usage_error(message: str) -> typer.Exit:
    """Print a usage error line; return the exit (code 2) for the caller to raise."""
    err_console.print(f"error: {one_line(message)}", markup=False)
    return typer.Exit(2)


def reports_errors(label: str) -> Callable[[Callable[P, None]], Callable[P, None]]:
    """Decorator turning isoflow errors into one stderr line and an exit code.

    :class:`InputError` exits 2 naming the ``label`` (``argument`` or ``option``) and the
    field; any other :class:`IsoflowError` exits 1.
    """

    def decorate(command: Callable[P, None]) -> Callable[P, None]:
        @functools.wraps(command)
        def wrapper(*args: P.args, **kwargs: P.kwargs) -> None:
            try:
                command(*args, **kwargs)
            except InputError as exc:
                where = f"{label} {exc.field!r}: " if exc.field else ""
                fail(f"{where}{exc.message}", 2)
            except IsoflowError as exc:
                fail(str(exc), 1)

        return wrapper

    return decorate


@contextmanager
def flags(**names: str | tuple[str, object]) -> Iterator[None]:
    """Name the flag in an :class:`OptionError` an engine raises naming its field.

    ``flags(horizon_s=("--horizon", "1e300d"), threads="--threads")``: an error about
    ``horizon_s`` becomes one about ``--horizon`` quoting the text as typed. Errors about
    other fields pass through unchanged.
    """
    try:
        yield
    except OptionError as exc:
        name = names.get(exc.field)
        if name is None:
            raise
        flag, typed = name if isinstance(name, tuple) else (name, None)
        raise exc.renamed(flag, None if typed is None else str(typed)) from None


TIME_LIMIT_HELP = f"Solver time limit, e.g. 60s; {bounds.TIME_LIMIT.text}."


def time_limit_flag(text: str, flag: str = "--time-limit") -> float:
    """A ``--time-limit`` in seconds, within :data:`~isoflow.bounds.TIME_LIMIT`."""
    with flags(value=(flag, text)):
        return bounds.TIME_LIMIT.check(parse_duration(text, flag), "value")


def option_line(exc: InputError) -> str:
    """The one-line message of a bad option: ``option '--horizon': expected ...``."""
    return f"option {exc.field!r}: {exc.message}" if exc.field else exc.message


@dataclass
class Outcome:
    """What an interrupted command leaves behind, for the line the command line prints."""

    kept: str = "nothing was written"
    line: str | None = None
    """The whole line, when the command words it (``plan --keep-best``: the plan it kept)."""


outcome = Outcome()
"""The running command's :class:`Outcome` (reset by each run of the command line)."""


@dataclass
class Target:
    """Where commands run: here (``server`` is ``None``) or on the isoflow service at ``server``.

    Set by the global ``--server`` and ``--token`` options (or ``ISOFLOW_SERVER`` and
    ``ISOFLOW_TOKEN``) on each run of the command line.
    """

    server: str | None = None
    token: str | None = None
    from_environment: bool = False
    """The server came from ``ISOFLOW_SERVER``: a command that runs here only ignores it."""

    def local_only(self, command: str) -> None:
        """Keep a command that runs here only from a service.

        A usage error if ``--server`` names one; ``ISOFLOW_SERVER`` alone is ignored.
        """
        if self.server is not None and not self.from_environment:
            raise usage_error(f"option '--server': isoflow {command} runs here only")
        self.server = None


target = Target()
"""The running command's :class:`Target`."""


@contextmanager
def writing(out: Path) -> Iterator[None]:
    """Mark the block that writes the single file ``out`` atomically (for the stop line)."""
    outcome.kept = f"{out} was left as it was"
    yield
    outcome.kept = f"{out} was written in full"


@contextmanager
def results(out: Path, run: Run, optional: Iterable[str] = ()) -> Iterator[ResultSet]:
    """Write one command's results into ``out`` at once (:mod:`isoflow.adapters.results`).

    The block writes its files into the set's ``folder``. An interruption leaves the previous
    results (the line printed says so); a failure to write (a full disk, no permission) is
    one line naming ``--out``, exit 2.
    """
    from isoflow.adapters.results import result_set

    outcome.kept = (
        f"the previous results in {out} were kept" if out.exists() else "nothing was written"
    )

    def committed() -> None:
        outcome.kept = f"the results in {out} were written in full"

    try:
        with result_set(out, run, optional, on_commit=committed) as rs:
            yield rs
    except OSError as exc:
        raise usage_error(f"option '--out': cannot write to {out}: {exc.strerror or exc}") from None


def run_record(
    command: str,
    options: Mapping[str, object],
    scenario_name: str | None = None,
    /,
    **inputs: str | Path | None,
) -> Run:
    """What ``manifest.json`` records of this run; ``inputs`` are scenarios or files by role."""
    from isoflow.adapters.results import Run
    from isoflow.scenario.load import resolve

    found = {}
    for role, ref in inputs.items():
        path = None if ref is None else resolve(ref)
        if path is not None:
            found[role] = Path(os.path.abspath(path))
    return Run(command, scenario_name, found, dict(options))


def print_wrote(rs: ResultSet) -> None:
    """Say which files went where (and which files of the previous run were removed)."""
    line = f"\nwrote {len(rs.written)} files to {rs.out}/: " + ", ".join(p.name for p in rs.written)
    if rs.removed:
        line += f" (removed the previous run's {', '.join(rs.removed)})"
    console.print(line, markup=False)


def scenario_exists(ref: str, label: str = "argument 'SCENARIO'") -> Path:
    """The path ``ref`` names; a usage error (exit 2) if none, or if an overlay is missing."""
    from isoflow.scenario.load import missing_overlay, resolve

    path = resolve(ref)
    if path is None:
        raise usage_error(f"{label}: no such scenario file, folder or built-in: {ref!r}")
    lacking = missing_overlay(ref)
    if lacking is not None:
        raise usage_error(f"{label}: {lacking}")
    return path


def load_valid(ref: str) -> Scenario:
    """Load and fully validate a scenario; on failure print every problem and exit.

    Exit 2 if ``ref`` names no file, folder or built-in; exit 1 if the scenario is invalid.
    """
    from isoflow.scenario.validate import validate

    scenario_exists(ref)
    report = validate(ref)
    if not report.ok or report.scenario is None:
        err_console.print(report.summary(), markup=False)
        for issue in report.errors:
            err_console.print(f"  {issue}", markup=False)
        raise typer.Exit(1)
    _print_warnings(report.warnings)
    return report.scenario


WARNINGS_SHOWN = 8
"""Validation warnings printed before a command runs (the rest are counted)."""


def _print_warnings(warnings: Sequence[Issue]) -> None:
    """Warnings on stderr, one line each (file:line: field: message), the rest counted."""
    for issue in warnings[:WARNINGS_SHOWN]:
        err_console.print(f"warning: {issue}", markup=False)
    if len(warnings) > WARNINGS_SHOWN:
        more = len(warnings) - WARNINGS_SHOWN
        err_console.print(
            f"warning: {more} more warning(s); `isoflow validate` lists them all", markup=False
        )


def progress_bar(disable: bool = False) -> Progress:
    """A transient progress bar on stderr: description, bar, done/total, elapsed, ETA."""
    return Progress(
        "[progress.description]{task.description}",
        BarColumn(),
        MofNCompleteColumn(),
        TimeElapsedColumn(),
        "eta",
        TimeRemainingColumn(),
        console=err_console,
        transient=True,
        disable=disable,
    )
