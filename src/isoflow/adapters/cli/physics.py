"""Decay-physics commands: ``isoflow decay``, ``isoflow generator`` and ``isoflow nuclide``.

Every command prints a rich table by default and exact JSON with ``--json`` (floats written
by :func:`json.dumps`, i.e. shortest round-trip repr, never rounded). Bad input gives one
line on stderr naming the argument and exit code 2; a physically impossible request
(:class:`~isoflow.errors.PhysicsError`) one line and exit code 1.
"""

from __future__ import annotations

import itertools
import json
import math
from collections.abc import Mapping
from typing import TYPE_CHECKING, Annotated, Any, ParamSpec

import typer

from isoflow.adapters.cli.common import reports_errors
from isoflow.errors import InputError
from isoflow.units import format_activity, format_duration, parse_amount, parse_duration

if TYPE_CHECKING:
    from isoflow.domain.decay import Inventory
    from isoflow.domain.nuclides import NuclideData

P = ParamSpec("P")

AMOUNT_HELP = (
    "NUCLIDE=AMOUNT, e.g. Lu-177=7.4GBq, 177mLu=0.74MBq or Lu-177=1e20atoms "
    "(Bq, kBq, MBq, GBq, TBq, Ci, mCi, µCi/uCi or atoms); a nuclide given twice adds up."
)


def _emit_json(payload: Mapping[str, Any]) -> None:
    typer.echo(json.dumps(payload, allow_nan=False))


def _parse_items(items: list[str], data: NuclideData) -> list[tuple[str, str, float, str]]:
    """Parse ``NUCLIDE=AMOUNT`` arguments into (argument, nuclide, value, kind)."""
    parsed: list[tuple[str, str, float, str]] = []
    for arg in items:
        name, sep, amount_text = arg.partition("=")
        if not sep or not name.strip() or not amount_text.strip():
            raise InputError(arg, "expected NUCLIDE=AMOUNT, e.g. Lu-177=7.4GBq or Lu-177=1e20atoms")
        nuclide = data.canonical(name, arg)
        amount = parse_amount(amount_text, arg)
        if amount.kind == "Bq" and amount.value > 0 and math.isinf(data.half_life_s(nuclide)):
            raise InputError(
                arg,
                f"{nuclide} is stable and has no activity; give a number of atoms, "
                f"e.g. {nuclide}=1e20atoms",
            )
        parsed.append((arg, nuclide, amount.value, amount.kind))
    return parsed


def _inventory(items: list[str]) -> Inventory:
    """Sum ``NUCLIDE=AMOUNT`` arguments into an :class:`Inventory` (numbers of atoms)."""
    from isoflow.domain.decay import Inventory
    from isoflow.domain.nuclides import default_data

    data = default_data()
    atoms: dict[str, float] = {}
    for arg, nuclide, value, kind in _parse_items(items, data):
        n = value if kind == "atoms" else value * data.half_life_s(nuclide) / math.log(2.0)
        total = atoms.get(nuclide, 0.0) + n
        if not math.isfinite(total):
            raise InputError(arg, "amount too large: more atoms than a float can hold")
        atoms[nuclide] = total
    return Inventory(atoms, data)


def _target_activities(items: list[str]) -> dict[str, float]:
    """Sum ``NUCLIDE=AMOUNT`` arguments into activities [Bq] (radioactive nuclides only)."""
    from isoflow.domain.nuclides import default_data

    data = default_data()
    target: dict[str, float] = {}
    for arg, nuclide, value, kind in _parse_items(items, data):
        lam = math.log(2.0) / data.half_life_s(nuclide)
        if kind == "atoms" and value > 0 and lam == 0:
            raise InputError(arg, f"{nuclide} is stable; --before back-calculates activities")
        bq = value if kind == "Bq" else value * lam
        target[nuclide] = target.get(nuclide, 0.0) + bq
    return target


def _amounts(inventory: Inventory) -> tuple[dict[str, float], dict[str, float]]:
    """Activities [Bq] and atoms of ``inventory``, parents first."""
    names = inventory.nuclides()
    activities = inventory.activities()
    return {n: activities[n] for n in names}, {n: float(inventory.atoms[n]) for n in names}


def _check_finite(*tables: Mapping[str, float], field: str, advice: str) -> None:
    """Refuse results that overflow a float (JSON has no infinity)."""
    too_big = sorted({n for table in tables for n, x in table.items() if not math.isfinite(x)})
    if too_big:
        raise InputError(field, f"the amount of {', '.join(too_big)} overflows a float; {advice}")


def _amount_table(title: str, activities: Mapping[str, float], atoms: Mapping[str, float]) -> Any:
    from rich.table import Table

    table = Table(title=title)
    table.add_column("nuclide")
    table.add_column("activity", justify="right")
    table.add_column("Bq", justify="right")
    table.add_column("atoms", justify="right")
    for name, bq in activities.items():
        table.add_row(name, format_activity(bq), f"{bq:.6e}", f"{atoms[name]:.6e}")
    return table


def _print(*renderables: Any) -> None:
    from rich.console import Console

    console = Console()
    for item in renderables:
        console.print(item)


@reports_errors("argument")
def decay(
    items: Annotated[list[str], typer.Argument(metavar="NUCLIDE=AMOUNT", help=AMOUNT_HELP)],
    after: Annotated[
        str | None,
        typer.Option("--after", metavar="DURATION", help="Decay for this long, e.g. 180d or 72h."),
    ] = None,
    before: Annotated[
        str | None,
        typer.Option(
            "--before",
            metavar="DURATION",
            help="Back-calculate the inventory needed this long before.",
        ),
    ] = None,
    as_json: Annotated[bool, typer.Option("--json", help="Print exact JSON.")] = False,
) -> None:
    """Decay an inventory forward (--after) or back-calculate what is needed (--before)."""
    from isoflow.domain.decay import required_before

    if (after is None) == (before is None):
        raise InputError("--after/--before", "give exactly one of --after or --before")
    if before is not None:
        elapsed = parse_duration(before, "--before")
        result = required_before(_target_activities(items), elapsed)
        title = f"needed {format_duration(elapsed)} before"
        activities, atoms = _amounts(result)
        _check_finite(activities, atoms, field="--before", advice="use a shorter time")
    else:
        elapsed = parse_duration(after or "", "--after")
        result = _inventory(items).decay(elapsed)
        title = f"after {format_duration(elapsed)}"
        activities, atoms = _amounts(result)
        _check_finite(activities, atoms, field="NUCLIDE=AMOUNT", advice="give smaller amounts")
    if as_json:
        _emit_json({"elapsed_s": elapsed, "activities_bq": activities, "atoms": atoms})
    else:
        _print(_amount_table(title, activities, atoms))


@reports_errors("argument")
def generator(
    items: Annotated[
        list[str],
        typer.Argument(metavar="NUCLIDE=AMOUNT", help="Load at calibration. " + AMOUNT_HELP),
    ],
    daughter: Annotated[
        str, typer.Option("--daughter", metavar="NUCLIDE", help="Eluted nuclide, e.g. Tc-99m.")
    ],
    elute: Annotated[
        str | None,
        typer.Option(
            "--elute", metavar="TIMES", help="Elution times after calibration, e.g. 24h,48h."
        ),
    ] = None,
    efficiency: Annotated[
        str | None,
        typer.Option(
            "--efficiency",
            metavar="FRACTION",
            help="Fraction removed per elution, 0 to 1; default 1.",
        ),
    ] = None,
    until: Annotated[
        str | None,
        typer.Option(
            "--until",
            metavar="DURATION",
            help="Report the contents at this time; default: last elution, or t_max.",
        ),
    ] = None,
    as_json: Annotated[bool, typer.Option("--json", help="Print exact JSON.")] = False,
) -> None:
    """Grow a daughter in a generator, elute it, and report t_max and what remains."""
    from isoflow.domain.generators import Generator
    from isoflow.units import parse_durations

    eff = _parse_fraction(efficiency, "--efficiency") if efficiency is not None else 1.0
    times = parse_durations(elute, "--elute") if elute is not None else []
    if any(b < a for a, b in itertools.pairwise(times)):
        raise InputError("--elute", f"expected non-decreasing times, got {elute!r}")
    until_s = parse_duration(until, "--until") if until is not None else None
    load = _inventory(items)
    options = {"daughter": "--daughter", "efficiency": "--efficiency", "elution times": "--elute"}
    try:
        gen = Generator(load, daughter, eff)
        elutions = gen.elute(times)
    except InputError as exc:
        raise InputError(options.get(exc.field, exc.field), exc.message) from None
    t_max = gen.t_max_s()
    if until_s is None:
        until_s = times[-1] if times else t_max
    activities, atoms = _amounts(gen.contents(until_s))
    _check_finite(
        activities,
        atoms,
        *(e.activities_bq for e in elutions),
        field="NUCLIDE=AMOUNT",
        advice="give smaller amounts",
    )
    if as_json:
        _emit_json(
            {
                "t_max_s": t_max,
                "elutions": [
                    {"time_s": e.time_s, "activities_bq": e.activities_bq, "atoms": e.atoms}
                    for e in elutions
                ],
                "activities_bq": activities,
                "atoms": atoms,
                "until_s": until_s,
            }
        )
        return
    from rich.table import Table

    lines: list[Any] = [
        f"{gen.daughter} activity peaks {format_duration(t_max)} after calibration "
        f"(t_max = {t_max:.10g} s) without elution"
    ]
    if elutions:
        table = Table(title=f"elutions (efficiency {eff:g})")
        table.add_column("time", justify="right")
        for name in gen.eluted:
            table.add_column(f"{name} activity", justify="right")
        for e in elutions:
            table.add_row(
                format_duration(e.time_s),
                *(format_activity(e.activities_bq[n]) for n in gen.eluted),
            )
        lines.append(table)
    lines.append(
        _amount_table(f"generator contents at {format_duration(until_s)}", activities, atoms)
    )
    _print(*lines)


def _parse_fraction(text: str, field: str) -> float:
    try:
        value = float(text)
    except ValueError:
        raise InputError(field, f"expected a number between 0 and 1, got {text!r}") from None
    if not (math.isfinite(value) and 0.0 <= value <= 1.0):
        raise InputError(field, f"expected a number between 0 and 1, got {text!r}")
    return value


@reports_errors("argument")
def nuclide(
    name: Annotated[str, typer.Argument(metavar="NUCLIDE", help="e.g. Ac-225, 99mTc, lu177.")],
    as_json: Annotated[bool, typer.Option("--json", help="Print exact JSON.")] = False,
) -> None:
    """Show half-life, decay modes, atomic mass and the full decay chain of a nuclide."""
    from isoflow.domain.nuclides import default_data

    data = default_data()
    info = data.info(name, name)
    chain = data.chain(info.name)
    if as_json:
        _emit_json(
            {
                "nuclide": info.name,
                "half_life_s": None if info.stable else info.half_life_s,
                "half_life": info.half_life_text,
                "stable": info.stable,
                "atomic_mass": info.atomic_mass,
                "decay_modes": [
                    {"mode": b.mode, "daughter": b.daughter, "fraction": b.fraction}
                    for b in info.branches
                ],
                "chain": [
                    {
                        "parent": c.parent,
                        "daughter": c.daughter,
                        "fraction": c.fraction,
                        "mode": c.mode,
                    }
                    for c in chain
                ],
            }
        )
        return
    from rich.table import Table

    half_life = "stable" if info.stable else f"{info.half_life_text} ({info.half_life_s:.10g} s)"
    header = f"{info.name}: half-life {half_life}, atomic mass {info.atomic_mass:.10g} u"
    renderables: list[Any] = [header]
    if info.branches:
        modes = Table(title="decay modes")
        modes.add_column("mode")
        modes.add_column("daughter")
        modes.add_column("fraction", justify="right")
        for b in info.branches:
            modes.add_row(b.mode, b.daughter, f"{b.fraction:.6g}")
        renderables.append(modes)
        renderables.append(_chain_tree(info.name, data))
    _print(*renderables)


def _chain_tree(root: str, data: NuclideData) -> Any:
    """Build a rich tree of the decay chain; a nuclide reached twice is expanded once."""
    from rich.tree import Tree

    tree = Tree(f"{root} ({data.info(root).half_life_text})")
    shown = {root}

    def grow(node: Any, parent: str) -> None:
        for b in data.branches(parent):
            half_life = data.info(b.daughter).half_life_text
            label = f"{b.daughter} ({half_life}) via {b.mode}, {b.fraction:.6g}"
            if b.daughter in shown:
                node.add(f"{label}, see above")
                continue
            shown.add(b.daughter)
            grow(node.add(label), b.daughter)

    grow(tree, root)
    return tree


def register(app: typer.Typer, scenario_app: typer.Typer | None = None) -> None:
    """Add the ``decay``, ``generator`` and ``nuclide`` commands to ``app``."""
    del scenario_app  # the physics commands live at the top level
    app.command("decay")(decay)
    app.command("generator")(generator)
    app.command("nuclide")(nuclide)
