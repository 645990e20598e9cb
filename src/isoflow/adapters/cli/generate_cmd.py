"""``isoflow scenario generate`` and ``isoflow scenario demand``: scenarios written as YAML.

``generate`` makes a seeded synthetic scenario; ``demand`` replaces a scenario's bookings by
its demand at 100 % of its rates.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer

from isoflow import bounds
from isoflow.adapters.cli.common import flags, option_line, usage_error
from isoflow.errors import InputError

if TYPE_CHECKING:
    from isoflow.scenario.schema import Scenario


def _fail(message: str) -> typer.Exit:
    return usage_error(message)


def _write(scenario: Scenario, out: Path) -> None:
    from isoflow.scenario.load import save_scenario

    save_scenario(scenario, out)


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
    out: Annotated[
        Path,
        typer.Option("--out", help="YAML file to write, or a folder (written as CSV tables)."),
    ] = Path("synthetic.yaml"),
    orders: Annotated[
        bool,
        typer.Option(
            "--orders",
            help="Demand at real volume as the field orders it: 40 diagnostic doses per "
            "hospital and day as orders (F-18 in a morning and a midday list, Tc-99m in a "
            "morning list), therapies as per-patient bookings (1 per hospital and weekday), "
            "cyclotron runs of real size. 500 hospitals give about 100,000 doses a week.",
        ),
    ] = False,
) -> None:
    """Generate a synthetic scenario (same seed, same file) and write it (YAML or CSV folder)."""
    _check_out(out)

    from isoflow.scenario.synthetic import generate as build

    try:
        with flags(
            sites="--sites",
            hospitals="--hospitals",
            days="--days",
            hospital_days=("--hospitals x --days", f"{hospitals} x {days}"),
            seed="--seed",
        ):
            # checks the sizes first
            scenario = (
                build(
                    sites,
                    hospitals,
                    days,
                    seed,
                    orders=True,
                    per_hospital_day=40.0,
                    therapies_per_hospital_day=1.0,
                )
                if orders
                else build(sites, hospitals, days, seed)
            )
    except InputError as exc:
        raise _fail(option_line(exc)) from None
    try:
        _write(scenario, out)
    except OSError as exc:
        raise _fail(f"cannot write {out}: {exc.strerror or exc}") from None
    typer.echo(
        f"wrote {out}: {sites} sites, {hospitals} hospitals, {len(scenario.lanes)} lanes, "
        f"{len(scenario.processes)} processes, {len(scenario.demand.bookings)} bookings"
        + (
            f", {len(scenario.demand.orders)} orders of "
            f"{sum(o.doses for o in scenario.demand.orders)} doses"
            if orders
            else ""
        )
        + f" over {days} d (seed {seed})"
    )


def demand(
    scenario: Annotated[
        str, typer.Argument(help="Scenario file, folder or built-in name.", metavar="SCENARIO")
    ] = "apac-2025",
    days: Annotated[
        int, typer.Option("--days", help=f"Days of demand from the start; {bounds.DAYS.text}.")
    ] = 7,
    seed: Annotated[
        int, typer.Option("--seed", help=f"Random seed; {bounds.SYNTHETIC_SEED.text}.")
    ] = 1,
    out: Annotated[
        Path,
        typer.Option("--out", help="YAML file to write, or a folder (written as CSV tables)."),
    ] = Path("real-volume.yaml"),
) -> None:
    """Replace a scenario's bookings by demand at 100 % of its rates and write it out.

    Therapies become per-patient bookings, diagnostics orders (per hospital, product, day and
    list: 08:00 and 12:00 local); no sampling. Same scenario, days and seed, same file.
    """
    _check_out(out)
    try:
        with flags(days="--days", seed="--seed"):
            bounds.DAYS.check(days, "days")
            bounds.SYNTHETIC_SEED.check(seed, "seed")
    except InputError as exc:
        raise _fail(option_line(exc)) from None
    from isoflow.adapters.cli.common import load_valid
    from isoflow.scenario.bookings import generate_demand

    sc = load_valid(scenario)
    bookings, orders = generate_demand(sc, sc.meta.start, days, seed)
    full = sc.model_copy(
        update={"demand": sc.demand.model_copy(update={"bookings": bookings, "orders": orders})}
    )
    try:
        _write(full, out)
    except OSError as exc:
        raise _fail(f"cannot write {out}: {exc.strerror or exc}") from None
    typer.echo(
        f"wrote {out}: {sc.meta.name} with {len(bookings)} therapy bookings and "
        f"{len(orders)} orders of {sum(o.doses for o in orders)} doses over {days} d "
        f"(100 % of its rates, seed {seed})"
    )


def _check_out(out: Path) -> None:
    """``--out`` names a YAML file or a CSV folder that may be (re)written."""
    from isoflow.scenario.load import SCENARIO_FILE

    suffix = out.suffix.lower()
    if suffix and suffix not in {".yaml", ".yml"}:
        raise _fail(f"--out must name a .yaml or .yml file or a folder, got {out}")
    parent = out.parent if str(out.parent) else Path(".")
    if not parent.is_dir() or not os.access(parent, os.W_OK):
        raise _fail(f"cannot write {out}: folder {parent} does not exist or is not writable")
    if suffix and out.is_dir():
        raise _fail(f"cannot write {out}: it is a folder")
    if not suffix and out.exists() and not (out / SCENARIO_FILE).is_file():
        raise _fail(
            f"cannot write {out}: it exists and is not a scenario folder (no {SCENARIO_FILE}); "
            "a scenario folder is replaced as a whole"
        )


def register(app: typer.Typer, scenario_app: typer.Typer) -> None:
    """Add ``isoflow scenario generate`` and ``isoflow scenario demand``."""
    del app
    scenario_app.command("generate")(generate)
    scenario_app.command("demand")(demand)
