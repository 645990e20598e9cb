"""``isoflow scenario generate``: write a seeded synthetic scenario to a YAML file."""

from __future__ import annotations

import os
import tempfile
from pathlib import Path
from typing import Annotated

import typer

from isoflow import bounds
from isoflow.adapters.cli.common import flags, option_line, usage_error
from isoflow.errors import InputError


def _fail(message: str) -> typer.Exit:
    return usage_error(message)


def _write(scenario: object, out: Path) -> None:
    from isoflow.scenario import load

    save = getattr(load, "save_scenario", None)
    if save is not None:
        save(scenario, out)
        return
    import io

    from ruamel.yaml import YAML

    from isoflow.scenario.schema import Scenario

    assert isinstance(scenario, Scenario)
    buf = io.StringIO()
    YAML().dump(scenario.model_dump(mode="json"), buf)
    fd, tmp = tempfile.mkstemp(prefix=f".{out.name}.", suffix=".tmp", dir=out.parent)
    try:
        with os.fdopen(fd, "w", encoding="utf-8", newline="\n") as handle:
            handle.write(buf.getvalue())
        os.replace(tmp, out)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


def generate(
    sites: Annotated[
        int, typer.Option("--sites", help=f"Production sites; {bounds.SITES.text}.")
    ] = 20,
    hospitals: Annotated[
        int,
        typer.Option(
            "--hospitals",
            help=f"Hospitals; {bounds.HOSPITALS.text}, and --hospitals x --days "
            f"{bounds.HOSPITAL_DAYS.text} (7 bookings per hospital and day).",
        ),
    ] = 50,
    days: Annotated[int, typer.Option("--days", help=f"Days of bookings; {bounds.DAYS.text}.")] = 7,
    seed: Annotated[
        int, typer.Option("--seed", help=f"Random seed; {bounds.SYNTHETIC_SEED.text}.")
    ] = 0,
    out: Annotated[Path, typer.Option("--out", help="YAML file to write.")] = Path(
        "synthetic.yaml"
    ),
) -> None:
    """Generate a synthetic scenario (same seed, same file) and write it as YAML."""
    if out.suffix.lower() not in {".yaml", ".yml"}:
        raise _fail(f"--out must name a .yaml or .yml file, got {out}")
    parent = out.parent if str(out.parent) else Path(".")
    if out.is_dir() or not parent.is_dir() or not os.access(parent, os.W_OK):
        raise _fail(f"cannot write {out}: folder {parent} does not exist or is not writable")

    from isoflow.scenario.synthetic import generate as build

    try:
        with flags(
            sites="--sites",
            hospitals="--hospitals",
            days="--days",
            hospital_days=("--hospitals x --days", f"{hospitals} x {days}"),
            seed="--seed",
        ):
            scenario = build(sites, hospitals, days, seed)  # checks the sizes first
    except InputError as exc:
        raise _fail(option_line(exc)) from None
    try:
        _write(scenario, out)
    except OSError as exc:
        raise _fail(f"cannot write {out}: {exc.strerror or exc}") from None
    typer.echo(
        f"wrote {out}: {sites} sites, {hospitals} hospitals, {len(scenario.lanes)} lanes, "
        f"{len(scenario.processes)} processes, {len(scenario.demand.bookings)} bookings "
        f"over {days} d (seed {seed})"
    )


def register(app: typer.Typer, scenario_app: typer.Typer) -> None:
    """Add ``isoflow scenario generate``."""
    del app
    scenario_app.command("generate")(generate)
