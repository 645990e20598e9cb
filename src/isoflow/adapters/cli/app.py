"""Entry point of the ``isoflow`` command: one typer app, commands registered per module.

Heavy imports (solver, scenario loading) stay inside commands so ``isoflow --help`` is fast.
Exit codes: 0 success, 1 a check failed (invalid scenario, plan violations), 2 usage error.
"""

from __future__ import annotations

import sys

import typer

app = typer.Typer(
    name="isoflow",
    help="Decay-exact planning, simulation and stress-testing of radiopharmaceutical supply.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
)


def _register() -> None:
    from isoflow.adapters.cli import physics

    physics.register(app)


def main() -> None:
    """Run the ``isoflow`` command line."""
    _register()
    try:
        app()
    except KeyboardInterrupt:
        sys.stderr.write("interrupted\n")
        raise SystemExit(130) from None
