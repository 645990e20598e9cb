"""Entry point of the ``isoflow`` command: one typer app, commands registered per module.

Heavy imports (solver, scenario loading) stay inside commands so ``isoflow --help`` is fast.
Exit codes: 0 success, 1 a check failed (invalid scenario, plan violations), 2 usage error,
70 internal error (one line and a crash log), 130/143 stopped by SIGINT/SIGTERM.
"""

from __future__ import annotations

import importlib
import os
import sys
from collections.abc import Sequence
from typing import Annotated

import typer

from isoflow.adapters.cli.guard import guarded

app = typer.Typer(
    name="isoflow",
    help="Decay-exact planning, simulation and stress-testing of radiopharmaceutical supply.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
)
scenario_app = typer.Typer(
    help="List, show and generate scenarios.", no_args_is_help=True, add_completion=False
)
app.add_typer(scenario_app, name="scenario")

COMMAND_MODULES = (
    "physics",
    "scenario_cmds",
    "generate_cmd",
    "plan_cmds",
    "replan_cmd",
    "simulate_cmd",
    "analyze_cmds",
    "contingency_cmd",
    "makeorbuy_cmd",
    "compare_cmd",
    "audit_cmd",
    "serve_cmd",
)
"""Modules of :mod:`isoflow.adapters.cli` that each define ``register(app, scenario_app)``."""


REMOTE_COMMANDS = frozenset({"plan", "verify", "simulate", "replan", "analyze"})
"""Commands ``--server`` runs on the isoflow service (the others run here)."""


@app.callback()
def _where(
    ctx: typer.Context,
    server: Annotated[
        str | None,
        typer.Option(
            "--server",
            envvar="ISOFLOW_SERVER",
            metavar="URL",
            help="Run plan, verify, simulate, replan and analyze capacity, self-sufficiency and "
            "contingency on the isoflow service at URL (isoflow serve): the scenario is "
            "uploaded, progress streamed, results written here.",
        ),
    ] = None,
    token: Annotated[
        str | None,
        typer.Option(
            "--token",
            envvar="ISOFLOW_TOKEN",
            metavar="TOKEN",
            help="With --server: an API key (ifk_...) or an access token of POST /auth/login.",
        ),
    ] = None,
) -> None:
    """Decay-exact planning, simulation and stress-testing of radiopharmaceutical supply."""
    from isoflow.adapters.cli.common import target, usage_error

    target.server, target.token = server, token
    source = ctx.get_parameter_source("server")
    target.from_environment = getattr(source, "name", None) == "ENVIRONMENT"
    command = ctx.invoked_subcommand
    if server is None or command in REMOTE_COMMANDS:
        return
    if target.from_environment:
        target.server = None  # ISOFLOW_SERVER set for scripts: local-only commands run here
        return
    raise usage_error(
        f"option '--server': isoflow {command} runs here only (--server offers "
        f"{', '.join(sorted(REMOTE_COMMANDS))})"
    )


_registered: list[str] = []


def _register() -> None:
    """Add every command module's commands to the app, once."""
    if _registered:
        return
    _registered.append("done")
    for name in COMMAND_MODULES:
        try:
            module = importlib.import_module(f"isoflow.adapters.cli.{name}")
        except ModuleNotFoundError as exc:
            if exc.name == f"isoflow.adapters.cli.{name}":
                continue
            raise
        module.register(app, scenario_app)


def _no_empty_values(args: Sequence[str]) -> None:
    """An empty argument or option value is a usage error (exit 2), never the current folder.

    (``Path("")`` is ``.``: ``--out ""`` would otherwise write into the working folder.)
    """
    from isoflow.adapters.cli.common import usage_error

    for i, arg in enumerate(args):
        if arg.startswith("--") and arg.endswith("=") and len(arg) > 3:
            raise usage_error(f"option '{arg[:-1]}': an empty value")
        if not arg.strip():
            prev = args[i - 1] if i else ""
            what = f"option '{prev}'" if prev.startswith("-") and "=" not in prev else "argument"
            raise usage_error(f"{what}: an empty value")


def run(args: Sequence[str]) -> int:
    """Run the ``isoflow`` command line on ``args``; return the exit code.

    No traceback reaches the user: SIGINT and SIGTERM stop every child process and exit
    130/143, usage errors are one line (exit 2), anything unexpected one line and a crash
    log (exit 70); see :mod:`~isoflow.adapters.cli.guard`.
    """

    def invoke() -> object:
        _register()
        _no_empty_values(args)
        return app(list(args), prog_name="isoflow", standalone_mode=False)

    return guarded(invoke)


def main() -> None:
    """Run the ``isoflow`` command line.

    After SIGINT or SIGTERM (exit 130, 143) the process ends at once, its children already
    stopped and its folders removed: no exit hook (such as a pool's manager thread waiting
    for a killed worker) can hold it up.
    """
    code = run(sys.argv[1:])
    if code in (130, 143):
        sys.stdout.flush()
        sys.stderr.flush()
        os._exit(code)
    raise SystemExit(code)
