"""``isoflow compare A B``: two scenarios or plans side by side, with their deltas.

A scenario argument is planned first (``--time-limit``, ``--gap``); a plan file is read as
it is. Prints the key KPIs of A and B and what changed, and writes the tables into ``--out``
like the analyses (CSV, JSON, SVG). Exit codes: 0 done, 1 invalid scenario or solver
failure, 2 usage error.
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer
from rich.table import Table

from isoflow.adapters.cli.analyze_cmds import (
    DEFAULT_OUT,
    OutOpt,
    format_bq,
    plan_options,
    write_outputs,
)
from isoflow.adapters.cli.common import (
    TIME_LIMIT_HELP,
    console,
    err_console,
    load_valid,
    plan_from,
    print_wrote,
    reports_errors,
    run_record,
)
from isoflow.bounds import MIP_GAP
from isoflow.scenario.overlays import base_name

if TYPE_CHECKING:
    from isoflow.engines.planner.api import PlanOptions
    from isoflow.records.plan import Plan
    from isoflow.scenario.schema import Scenario


def _plan_or_scenario(ref: str, opts: PlanOptions) -> tuple[Plan, Scenario | None]:
    from isoflow.adapters.plan_files import PLAN_FILE
    from isoflow.engines.planner.api import make_plan

    path = Path(ref)
    if (path.is_file() and path.suffix == ".json" and _looks_like_plan(path)) or (
        path.is_dir() and (path / PLAN_FILE).exists()
    ):
        return plan_from(path, f"argument {ref!r}"), None
    sc = load_valid(ref)
    with console.status(f"planning {sc.meta.name}...", spinner="dots"):
        return make_plan(sc, opts), sc


def _looks_like_plan(path: Path) -> bool:
    """A ``plan.json`` (read as a plan even when broken, to name its faults) or JSON of one."""
    from isoflow.adapters.plan_files import PLAN_FILE
    from isoflow.scenario.limits import loads_json

    if path.name == PLAN_FILE:
        return True
    try:  # bounded: a 5,000-digit number or deep nesting is no plan (nor a crash)
        data = loads_json(path.read_bytes().decode("utf-8-sig"))
    except (OSError, ValueError):  # UnicodeDecodeError and JSONDecodeError too
        return False
    return isinstance(data, dict) and "planner" in data and "allocations" in data


KEY_KPIS = (
    "doses.total",
    "doses.served",
    "doses.unserved",
    "doses.served_share",
    "cost.total",
    "cost.production_fixed",
    "cost.production_variable",
    "cost.transport",
    "activity.produced_eop_bq",
    "activity.waste_eop_bq",
    "runs",
    "shipments",
)


@reports_errors("option")
def compare_cmd(
    a: Annotated[str, typer.Argument(help="Scenario (name, file, folder) or plan.json.")],
    b: Annotated[str, typer.Argument(help="Scenario (name, file, folder) or plan.json.")],
    time_limit: Annotated[str, typer.Option("--time-limit", help=TIME_LIMIT_HELP)] = "60s",
    gap: Annotated[float, typer.Option(help=f"Relative MIP gap; {MIP_GAP.text}.")] = 0.01,
    out: OutOpt = DEFAULT_OUT,
) -> None:
    """Compare two scenarios or plans: KPIs side by side, changed sites, lanes and bookings."""
    options = dict(locals())  # as given, for manifest.json
    from isoflow.engines.analysis.charts import bars
    from isoflow.engines.analysis.compare import (
        BookingChange,
        KpiDelta,
        ScenarioChange,
        UsageChange,
        compare_plans,
        compare_scenarios,
    )

    opts = plan_options(time_limit, gap)
    plan_a, sc_a = _plan_or_scenario(a, opts)
    plan_b, sc_b = _plan_or_scenario(b, opts)
    res = compare_plans(plan_a, plan_b)
    if base_name(plan_a.scenario) != base_name(plan_b.scenario):
        err_console.print(
            f"note: A plans scenario {plan_a.scenario!r} and B {plan_b.scenario!r}, not variants "
            "of one scenario: bookings and sites are matched by id only",
            markup=False,
        )
    changes = compare_scenarios(sc_a, sc_b) if sc_a is not None and sc_b is not None else []
    table = Table(title=f"KPIs: A = {a}, B = {b}", title_justify="left")
    for col in ("metric", "A", "B", "B - A"):
        table.add_column(col, justify="left" if col == "metric" else "right")
    by_metric = {k.metric: k for k in res.kpis}
    for metric in KEY_KPIS:
        k = by_metric.get(metric)
        if k is None:
            continue
        fmt = (
            format_bq
            if metric.startswith("activity")
            else ((lambda v: f"{v:.1%}") if metric.endswith("share") else (lambda v: f"{v:,.0f}"))
        )
        table.add_row(
            metric,
            "-" if k.a is None else fmt(k.a),
            "-" if k.b is None else fmt(k.b),
            "-" if k.delta is None else ("+" if k.delta > 0 else "") + fmt(k.delta),
        )
    console.print(table)
    for k in res.kpis:
        if k.metric.startswith("by_country.") and k.metric.endswith(".served") and k.delta:
            console.print(f"  {k.metric}: {k.a or 0:.0f} -> {k.b or 0:.0f}", markup=False)
    console.print(
        f"{sum(u.kind == 'site' for u in res.usage)} sites and "
        f"{sum(u.kind == 'lane' for u in res.usage)} lanes used differently; "
        f"{len(res.bookings)} bookings changed outcome"
        + (f"; {len(changes)} scenario items differ" if sc_a is not None and sc_b else "")
    )
    if res.bookings:
        bt = Table(title="Bookings that changed", title_justify="left")
        for col in ("booking", "product", "A", "B"):
            bt.add_column(col)
        for c in res.bookings[:15]:
            bt.add_row(c.booking, c.product, c.a, c.b)
        if len(res.bookings) > 15:
            bt.add_row("...", f"{len(res.bookings) - 15} more in compare_bookings.csv", "", "")
        console.print(bt)
    countries = sorted(
        {k.metric.split(".")[1] for k in res.kpis if k.metric.startswith("by_country.")}
    )

    def served(country: str, side: str) -> float:
        k = by_metric.get(f"by_country.{country}.served")
        value = None if k is None else (k.a if side == "a" else k.b)
        return float(value or 0.0)

    svg = bars(
        countries,
        [("A", [served(c, "a") for c in countries]), ("B", [served(c, "b") for c in countries])],
        "Doses served by country",
        "doses served",
    )
    from isoflow.engines.analysis.outputs import AnalysisOutput

    rs = write_outputs(
        out,
        AnalysisOutput(
            "compare",
            {
                "kpis": (KpiDelta, res.kpis),
                "usage": (UsageChange, res.usage),
                "bookings": (BookingChange, res.bookings),
                "scenario_changes": (ScenarioChange, changes),
            },
            {"a": a, "b": b},
        ),
        svg,
        run=run_record("compare", options, a=a, b=b),
    )
    print_wrote(rs)


def register(app: typer.Typer, scenario_app: typer.Typer) -> None:
    """Add ``isoflow compare`` to the app."""
    del scenario_app
    app.command("compare")(compare_cmd)
