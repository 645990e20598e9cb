"""Scenario commands: ``isoflow schema``, ``isoflow validate``, ``isoflow scenario list|show``.

Exit codes: 0 valid, 1 invalid scenario, 2 usage error (no such file, folder or built-in).
"""

from __future__ import annotations

import json
import statistics
from collections import Counter
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any

import typer

from isoflow.adapters.cli.common import console, err_console, usage_error, writing
from isoflow.scenario.examples import DEFAULT_SCENARIO, builtin_names, builtin_path

if TYPE_CHECKING:
    from rich.console import Console

    from isoflow.scenario.schema import Scenario
    from isoflow.scenario.validate import ValidationReport


def _console(stderr: bool = False) -> Console:
    return err_console if stderr else console


def _resolve_or_exit(ref: str) -> Path:
    from isoflow.scenario.load import missing_overlay, resolve

    path = resolve(ref)
    if path is None:
        names = ", ".join(builtin_names()) or "none installed"
        raise usage_error(
            f"no such scenario file, folder or built-in name: {ref!r} (built-ins: {names})"
        )
    lacking = missing_overlay(ref)
    if lacking is not None:
        raise usage_error(lacking)
    return path


# --------------------------------------------------------------------------- schema


def schema_cmd(
    out: Annotated[
        Path | None, typer.Option("--out", "-o", help="Write the JSON Schema to this file.")
    ] = None,
) -> None:
    """Print the JSON Schema of scenario files (for editor completion and other tools)."""
    from isoflow.scenario.docs import json_schema

    text = json.dumps(json_schema(), indent=2, ensure_ascii=False) + "\n"
    if out is None:
        typer.echo(text, nl=False)
        return
    if out.is_dir():
        raise usage_error(
            f"option '--out': {out} is a folder; give a file, e.g. {out / 'scenario.schema.json'}"
        )
    if not out.parent.exists():
        raise usage_error(f"option '--out': folder {str(out.parent)!r} does not exist")
    try:
        with writing(out):
            from isoflow.scenario.load import write_text_atomic

            write_text_atomic(out, text)
    except OSError as exc:
        raise usage_error(f"option '--out': cannot write {out}: {exc.strerror or exc}") from None
    typer.echo(f"wrote {out}")


# --------------------------------------------------------------------------- validate


def _print_report(report: ValidationReport, limit: int) -> None:
    from rich.text import Text

    console = _console()
    for shown, issue in enumerate(report.issues):
        if limit and shown >= limit:
            console.print(f"... and {len(report.issues) - limit} more", markup=False)
            break
        style = "red" if issue.severity == "error" else "yellow"
        console.print(Text(str(issue), style=style))
    style = "bold green" if report.ok else "bold red"
    console.print(Text(report.summary(), style=style))


def validate_cmd(
    ref: Annotated[
        str, typer.Argument(help="Scenario: YAML/JSON file, CSV folder or built-in name.")
    ] = DEFAULT_SCENARIO,
    as_json: Annotated[bool, typer.Option("--json", help="Machine-readable output.")] = False,
    limit: Annotated[
        int,
        typer.Option(
            "--limit", min=0, max=1_000_000, help="Print at most this many issues (0: all)."
        ),
    ] = 200,
) -> None:
    """Check a scenario: schema, then cross-references. Exit 0 valid, 1 invalid, 2 usage."""
    from isoflow.scenario.validate import validate

    _resolve_or_exit(ref)
    report = validate(ref)
    if as_json:
        typer.echo(json.dumps(report.as_dict(), indent=2, ensure_ascii=False))
    else:
        _print_report(report, limit)
    raise typer.Exit(0 if report.ok else 1)


# --------------------------------------------------------------------------- list / show


def list_cmd(
    as_json: Annotated[bool, typer.Option("--json", help="Machine-readable output.")] = False,
) -> None:
    """List the built-in scenarios with their titles, and their what-if overlays (NAME+OVERLAY)."""
    from isoflow.errors import ScenarioError
    from isoflow.scenario import overlays
    from isoflow.scenario.load import load_scenario

    rows: list[dict[str, str]] = []
    for name in builtin_names():
        path = builtin_path(name)
        try:
            title = load_scenario(path if path is not None else name).meta.title
        except ScenarioError:
            title = "(invalid: run isoflow validate)"
        rows.append({"name": name, "title": title, "default": str(name == DEFAULT_SCENARIO)})
        for overlay in overlays.names(path) if path is not None else []:
            ref = f"{name}{overlays.SEPARATOR}{overlay}"
            try:
                what = load_scenario(ref).meta.title.split(" + ", 1)[-1]
            except ScenarioError:
                what = "(invalid: run isoflow validate)"
            rows.append({"name": ref, "title": f"what-if: {what}", "default": "False"})
    if as_json:
        typer.echo(json.dumps(rows, indent=2))
        return
    from rich.table import Table

    table = Table("name", "title", title="Built-in scenarios")
    for row in rows:
        mark = " (default)" if row["default"] == "True" else ""
        table.add_row(row["name"] + mark, row["title"])
    _console().print(table)


def summary(scenario: Scenario) -> dict[str, Any]:
    """Counts and key facts of a scenario, as plain data.

    Demand: bookings and orders by product and country (patient doses); exports (orders at
    markets) by product and market, in units, when there are any.
    """
    from isoflow.scenario.demand import demand_items

    sites = {s.id: s for s in scenario.sites}
    by_kind = Counter((str(k), s.country) for s in scenario.sites for k in s.kind)
    lanes: dict[str, list[float]] = {}
    for lane in scenario.lanes:
        lanes.setdefault(str(lane.mode), []).append(lane.transit / 3600.0)
    bookings: Counter[tuple[str, str]] = Counter()
    doses: Counter[tuple[str, str]] = Counter()
    exports: Counter[tuple[str, str]] = Counter()
    for b in demand_items(scenario):
        if b.export:  # units for a market, not patient doses
            exports[(b.product, b.hospital)] += b.doses
            continue
        key = (b.product, sites[b.hospital].country if b.hospital in sites else "?")
        bookings[key] += 1
        doses[key] += b.doses
    out: dict[str, Any] = {
        "name": scenario.meta.name,
        "title": scenario.meta.title,
        "start": scenario.meta.start.isoformat(),
        "horizon_h": scenario.meta.horizon / 3600.0,
        "sites_by_kind_country": [
            {"kind": k, "country": c, "sites": n} for (k, c), n in sorted(by_kind.items())
        ],
        "products": [
            {
                "id": p.id,
                "stage": str(p.stage),
                "nuclide": p.nuclide,
                "shelf_life_h": None if p.shelf_life is None else p.shelf_life / 3600.0,
            }
            for p in scenario.products
        ],
        "lanes_by_mode": [
            {"mode": m, "lanes": len(v), "median_transit_h": statistics.median(v)}
            for m, v in sorted(lanes.items())
        ],
        "bookings_by_product_country": [
            {"product": p, "country": c, "bookings": n, "doses": doses[(p, c)]}
            for (p, c), n in sorted(bookings.items())
        ],
    }
    if exports:
        out["exports_by_product_market"] = [
            {"product": p, "market": m, "units": n} for (p, m), n in sorted(exports.items())
        ]
    return out


def _print_summary(data: dict[str, Any]) -> None:
    from rich.table import Table

    console = _console()
    console.print(f"{data['name']}: {data['title']}", markup=False)
    console.print(f"start {data['start']}, horizon {data['horizon_h']:g} h", markup=False)
    sections: list[tuple[str, str, list[str]]] = [
        ("Sites by kind and country", "sites_by_kind_country", ["kind", "country", "sites"]),
        ("Products", "products", ["id", "stage", "nuclide", "shelf_life_h"]),
        ("Lanes by mode", "lanes_by_mode", ["mode", "lanes", "median_transit_h"]),
        (
            "Bookings and orders by product and country",
            "bookings_by_product_country",
            ["product", "country", "bookings", "doses"],
        ),
    ]
    if "exports_by_product_market" in data:
        sections.append(
            (
                "Exports by product and market",
                "exports_by_product_market",
                ["product", "market", "units"],
            )
        )
    for title, key, cols in sections:
        table = Table(*cols, title=title)
        for row in data[key]:
            table.add_row(
                *(
                    ""
                    if row[c] is None
                    else f"{row[c]:g}"
                    if isinstance(row[c], float)
                    else str(row[c])
                    for c in cols
                )
            )
        console.print(table)


def show_cmd(
    ref: Annotated[str, typer.Argument(help="Scenario: YAML/JSON file, CSV folder or name.")],
    as_json: Annotated[bool, typer.Option("--json", help="Machine-readable output.")] = False,
) -> None:
    """Show summary tables of a scenario: sites, products, lanes and bookings."""
    from isoflow.errors import ScenarioError
    from isoflow.scenario.load import load_scenario

    _resolve_or_exit(ref)
    try:
        scenario = load_scenario(ref)
    except ScenarioError as exc:
        _console(stderr=True).print(str(exc), markup=False)
        raise typer.Exit(1) from None
    data = summary(scenario)
    if as_json:
        typer.echo(json.dumps(data, indent=2, ensure_ascii=False))
    else:
        _print_summary(data)


def register(app: typer.Typer, scenario_app: typer.Typer) -> None:
    """Add the scenario commands to the ``isoflow`` app."""
    app.command("schema")(schema_cmd)
    app.command("validate")(validate_cmd)
    scenario_app.command("list")(list_cmd)
    scenario_app.command("show")(show_cmd)
