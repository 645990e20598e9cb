"""Entry point of the ``isoflow`` command: one typer app, commands registered per module.

Heavy imports (solver, scenario loading) stay inside commands so ``isoflow --help`` is fast.
Exit codes: 0 success, 1 a check failed (invalid scenario, plan violations), 2 usage error.
"""

from __future__ import annotations

import importlib
import sys

import typer

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
    "simulate_cmd",
    "analyze_cmds",
    "compare_cmd",
)
"""Modules of :mod:`isoflow.adapters.cli` that each define ``register(app, scenario_app)``."""


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


def main() -> None:
    """Run the ``isoflow`` command line."""
    _register()
    try:
        app()
    except KeyboardInterrupt:
        sys.stderr.write("interrupted\n")
        raise SystemExit(130) from None
