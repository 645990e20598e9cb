"""Strategic analysis commands: ``isoflow analyze ...`` and ``isoflow compare A B``.

``isoflow analyze capacity|contingency|self-sufficiency|make-or-buy``.

Each command takes ``[SCENARIO]`` (default: the built-in ``apac-2025``), prints a readable
summary and writes its tables into ``--out`` (default ``isoflow-out``) as CSV, one JSON file
with every table plus the assumptions, and a chart as SVG, all at once with a
``manifest.json`` (:func:`write_outputs`). Exit codes: 0 done, 1 invalid
scenario or solver failure, 2 usage error (bad option, unwritable folder).
"""

from __future__ import annotations

import math
import time
from collections import defaultdict
from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer
from rich.table import Table

from isoflow import bounds
from isoflow.adapters.cli import remote_cmds
from isoflow.adapters.cli.common import (
    TIME_LIMIT_HELP,
    console,
    flags,
    load_valid,
    print_wrote,
    reports_errors,
    results,
    run_record,
    time_limit_flag,
)
from isoflow.scenario.examples import DEFAULT_SCENARIO

if TYPE_CHECKING:
    from isoflow.adapters.results import ResultSet, Run
    from isoflow.engines.analysis.capacity import CapacityResult
    from isoflow.engines.analysis.outputs import AnalysisOutput
    from isoflow.engines.analysis.selfsufficiency import SelfSufficiencyResult
    from isoflow.engines.analysis.weekly import WeekRow
    from isoflow.engines.planner.api import PlanOptions


analyze_app = typer.Typer(
    help="Strategic analysis: capacity, single points of failure, self-sufficiency, make or buy.",
    no_args_is_help=True,
    add_completion=False,
)

ScenarioArg = Annotated[str, typer.Argument(help="Built-in name, YAML/JSON file or CSV folder.")]
OutOpt = Annotated[
    Path,
    typer.Option(
        "--out",
        help="Folder for the CSV/JSON tables and the SVG chart, put in place at once with "
        "manifest.json (other commands' files there are kept).",
    ),
]
DEFAULT_OUT = Path("isoflow-out")


# --------------------------------------------------------------------------- helpers


def plan_options(time_limit: str, gap: float) -> PlanOptions:
    """Planner options of an analysis from ``--time-limit`` and ``--gap``."""
    from isoflow.engines.planner.api import PlanOptions
    from isoflow.engines.planner.solve import SolveOptions

    with flags(mip_gap="--gap"):
        limit = time_limit_flag(time_limit)
        return PlanOptions(solve=SolveOptions(time_limit_s=limit, mip_gap=gap))


GAP_HELP = f"Relative MIP gap; {bounds.MIP_GAP.text}."


def write_outputs(
    out: Path, output: AnalysisOutput, svg: str | None = None, *, run: Run
) -> ResultSet:
    """Write ``NAME_TABLE.csv`` per table, ``NAME.json`` (all tables + meta), ``NAME.svg``.

    The files (:class:`~isoflow.engines.analysis.outputs.AnalysisOutput`, the same bytes the
    service stores for an analysis run) go into ``out`` at once, with ``manifest.json``
    recording ``run``.
    """
    with results(out, run) as rs:
        for filename, data in output.csv_files():
            rs.add([_write_table(rs.folder / filename, data)])
        path = rs.folder / f"{output.name}.json"
        path.write_bytes(output.json_bytes())
        rs.add([path])
        if svg is not None:
            path = rs.folder / f"{output.name}.svg"
            path.write_text(svg, encoding="utf-8")
            rs.add([path])
    return rs


def _write_table(path: Path, data: bytes) -> Path:
    path.write_bytes(data)
    return path


def format_bq(value: float) -> str:
    """An activity for a table (``-`` if not finite)."""
    from isoflow.units import format_activity

    return format_activity(value, 3) if math.isfinite(value) else "-"


# --------------------------------------------------------------------------- capacity


@reports_errors("option")
def capacity_cmd(
    scenario: ScenarioArg = DEFAULT_SCENARIO,
    first: Annotated[int, typer.Option("--from", help=f"First year; {bounds.YEAR.text}.")] = 2025,
    last: Annotated[
        int, typer.Option("--to", help=f"Last year, from --from on; {bounds.YEAR.text}.")
    ] = 2035,
    reserve: Annotated[
        float,
        typer.Option(
            help="Outage reserve capacity, fraction of demand (OECD-NEA: 0.35); "
            f"{bounds.RESERVE.text}."
        ),
    ] = 0.35,
    by: Annotated[str, typer.Option("--by", help="Group rows by world, region or country.")] = (
        "region"
    ),
    growth_scale: Annotated[
        float,
        typer.Option(
            help=f"Multiply every demand growth rate (growth scenario); {bounds.GROWTH_SCALE.text}."
        ),
    ] = 1.0,
    out: OutOpt = DEFAULT_OUT,
) -> None:
    """Annual supply capacity vs demand per isotope and region, with reserve and N-1.

    Mo-99 is counted in six-day Ci; a Tc-99m (or other generator) dose needs the parent a
    generator holds over the doses it gives in its service at the hospital: its elution
    schedule until replacement, less a discarded first elution, elutions on days without
    doses, eluate beyond the doses of its weakest elution and what is left at replacement.
    """
    options = dict(locals())  # as given, for manifest.json
    from isoflow.engines.analysis.capacity import CapacityOptions, capacity_vs_demand
    from isoflow.engines.analysis.outputs import capacity_output
    from isoflow.engines.analysis.weekly import weekly_profile

    with flags(
        first_year="--from",
        last_year="--to",
        reserve_margin="--reserve",
        grouping="--by",
        growth_scale="--growth-scale",
    ):
        opts = CapacityOptions(
            first_year=first,
            last_year=last,
            reserve_margin=reserve,
            grouping=by,  # type: ignore[arg-type]
            growth_scale=growth_scale,
        )
    remote = remote_cmds.client("analyze capacity")
    if remote is not None:
        run_options = {"first_year": first, "last_year": last, "reserve_margin": reserve,
                       "grouping": by, "growth_scale": growth_scale}  # fmt: skip
        remote_cmds.analysis(remote, "capacity", "capacity", scenario, out, run_options, options)
        return
    sc = load_valid(scenario)
    t0 = time.perf_counter()
    res = capacity_vs_demand(sc, opts)
    weeks = weekly_profile(sc, first, opts)
    seconds = time.perf_counter() - t0

    _print_capacity(res, sc.meta.name, first, last, reserve, seconds)
    _print_weeks(weeks, first)
    svg = _capacity_svg(res, sc.meta.name, first, last, reserve)
    rs = write_outputs(
        out,
        capacity_output(res, weeks, sc.meta.name, seconds),
        svg,
        run=run_record("analyze capacity", options, sc.meta.name, scenario=scenario),
    )
    print_wrote(rs)


WEEKS = 365.2425 / 7
"""Weeks in a year (mean Gregorian year)."""

MAX_WEEK_LINES = 12
"""Isotope and region lines of problem weeks printed (all are in capacity_weeks.csv)."""


def _print_weeks(weeks: Sequence[WeekRow], year: int) -> None:
    """The weeks of ``year`` below demand or reserve, per isotope and region, with sites down."""
    problems: dict[tuple[str, str], list[WeekRow]] = defaultdict(list)
    for w in weeks:
        if w.status != "ok" and w.demand_bq > 0:
            problems[(w.isotope, w.region)].append(w)
    if not problems:
        console.print(f"every week of {year} has capacity for demand plus reserve")
        return
    console.print(f"weeks of {year} below demand (!) or reserve, with the sites down:")
    for n, ((isotope, region), rows) in enumerate(sorted(problems.items())):
        if n == MAX_WEEK_LINES:
            console.print(f"  ... {len(problems) - n} more in capacity_weeks.csv")
            break
        console.print(f"  {isotope} {region}: weeks {_spans(rows)}", markup=False)


def _spans(rows: Sequence[WeekRow]) -> str:
    """Consecutive weeks of the same status and sites down as ranges: ``10-11! (a, b)``."""
    parts: list[str] = []
    start = prev = rows[0]
    for w in [*rows[1:], None]:
        if (
            w is not None
            and w.week == prev.week + 1
            and (w.status, w.sites_down) == (prev.status, prev.sites_down)
        ):
            prev = w
            continue
        span = str(start.week) if start.week == prev.week else f"{start.week}-{prev.week}"
        mark = "!" if start.status == "shortfall" else ""
        down = f" ({start.sites_down.replace(';', ', ')})" if start.sites_down else ""
        parts.append(f"{span}{mark}{down}")
        if w is not None:
            start = prev = w
    return ", ".join(parts)


def _print_capacity(
    res: CapacityResult, name: str, first: int, last: int, reserve: float, seconds: float
) -> None:
    """The first year's capacity and demand per isotope and region, and the assumptions."""
    table = Table(title=f"Capacity vs demand, {name}, {first}-{last}", title_justify="left")
    for col in (
        "isotope",
        "region",
        f"capacity {first}",
        f"demand {first}",
        "first shortfall",
        f"below +{reserve:.0%}",
        "N-1 short",
    ):
        table.add_column(col, justify="left" if col in ("isotope", "region") else "right")
    firsts = {(r.isotope, r.region): r for r in res.rows if r.year == first}
    for s in res.summary:
        row = firsts.get((s.isotope, s.region))
        if row is None or not any(
            r.demand_bq > 0 for r in res.rows if (r.isotope, r.region) == (s.isotope, s.region)
        ):
            continue
        table.add_row(
            s.isotope,
            s.region,
            format_bq(row.capacity_bq),
            format_bq(row.demand_bq),
            str(s.first_shortfall_year or "-"),
            str(s.first_reserve_breach_year or "-"),
            str(s.first_n1_shortfall_year or "-"),
        )
    console.print(table)
    console.print("activities at end of production of the supply process, per year")
    mo99 = [r for r in firsts.values() if r.capacity_six_day_ci is not None]
    if mo99:
        console.print(
            f"Mo-99 capacity {first} in six-day Ci (a year; a week): "
            + "; ".join(
                f"{r.region} {r.capacity_six_day_ci:,.0f}; {r.capacity_six_day_ci / WEEKS:,.0f}"
                for r in sorted(mo99, key=lambda r: r.region)
                if r.capacity_six_day_ci is not None
            ),
            markup=False,
        )
    for line in res.assumptions:
        console.print(f"  - {line}", markup=False)
    console.print(f"computed in {seconds:.2f} s")


def _capacity_svg(res: CapacityResult, name: str, first: int, last: int, reserve: float) -> str:
    """Heat map of demand over capacity per isotope, region and year."""
    from isoflow.engines.analysis.charts import heatmap

    colours = {"ok": "#b7e1a1", "below_reserve": "#fdd87a", "shortfall": "#f4a09a"}
    labels = sorted({f"{r.isotope} {r.region}" for r in res.rows if r.demand_bq > 0})
    cells = {
        (f"{r.isotope} {r.region}", str(r.year)): (
            colours[r.status],
            f"{r.utilisation:.0%}" if math.isfinite(r.utilisation) else "no cap",
        )
        for r in res.rows
        if r.demand_bq > 0
    }
    return heatmap(
        labels,
        [str(y) for y in range(first, last + 1)],
        cells,
        f"Demand / capacity per year ({name}; reserve {reserve:.0%})",
        [
            (colours["ok"], "capacity >= demand + reserve"),
            (colours["below_reserve"], "below reserve"),
            (colours["shortfall"], "capacity < demand"),
        ],
    )


# --------------------------------------------------------------------------- contingency


@reports_errors("option")
def self_sufficiency_cmd(
    scenario: ScenarioArg = DEFAULT_SCENARIO,
    year: Annotated[
        int | None,
        typer.Option(
            help=f"Year of the capacity-based table; {bounds.YEAR.text} (default: scenario)."
        ),
    ] = None,
    time_limit: Annotated[str, typer.Option("--time-limit", help=TIME_LIMIT_HELP)] = "60s",
    gap: Annotated[float, typer.Option(help=GAP_HELP)] = 0.01,
    out: OutOpt = DEFAULT_OUT,
) -> None:
    """Per country and isotope: share domestic production alone serves, and what imports cover."""
    options = dict(locals())  # as given, for manifest.json
    from isoflow.engines.analysis.charts import bars
    from isoflow.engines.analysis.outputs import self_sufficiency_output
    from isoflow.engines.analysis.selfsufficiency import self_sufficiency

    opts = plan_options(time_limit, gap)
    if year is not None:
        with flags(capacity_year="--year"):
            bounds.YEAR.check(year, "capacity_year")  # before the planning, not after
    remote = remote_cmds.client("analyze self-sufficiency")
    if remote is not None:
        run_options = {"capacity_year": year, "time_limit_s": opts.solve.time_limit_s,
                       "mip_gap": gap}  # fmt: skip
        remote_cmds.analysis(remote, "self-sufficiency", "self_sufficiency", scenario, out,
                             run_options, options)  # fmt: skip
        return
    sc = load_valid(scenario)
    t0 = time.perf_counter()
    with console.status("planning the network and the domestic-only case...", spinner="dots"):
        res = self_sufficiency(sc, opts, capacity_year=year)
    seconds = time.perf_counter() - t0
    _print_self_sufficiency(res, sc.meta.name)
    for line in res.notes:
        console.print(f"  - {line}", markup=False)
    console.print(f"computed in {seconds:.1f} s")
    svg = bars(
        [f"{r.country} {r.isotope}" for r in res.rows],
        [
            ("full network", [r.share_network for r in res.rows]),
            ("domestic only", [r.share_domestic for r in res.rows]),
        ],
        f"Share of doses served ({sc.meta.name})",
        "share of doses served",
        percent=True,
    )
    rs = write_outputs(
        out,
        self_sufficiency_output(res, sc.meta.name, seconds),
        svg,
        run=run_record("analyze self-sufficiency", options, sc.meta.name, scenario=scenario),
    )
    print_wrote(rs)


def _print_self_sufficiency(res: SelfSufficiencyResult, name: str) -> None:
    """Shares served per country and isotope, and the capacity-based table if any."""
    table = Table(title=f"Self-sufficiency, {name} (doses of the horizon)", title_justify="left")
    for col in (
        "country",
        "isotope",
        "doses",
        "network",
        "domestic only",
        "imports cover",
        "doses importable",
        "chain: domestic / imported feed / imported dose",
    ):
        table.add_column(col, justify="left" if col in ("country", "isotope") else "right")
    for r in res.rows:
        table.add_row(
            r.country,
            r.isotope,
            str(r.doses),
            f"{r.share_network:.0%}",
            f"{r.share_domestic:.0%}",
            f"{r.imports_cover:.0%}",
            "yes" if r.dose_importable else "no",
            f"{r.chain_domestic} / {r.chain_imported_feed} / {r.chain_imported_dose}",
        )
    console.print(table)
    if res.capacity_rows:
        cap = Table(
            title=f"Capacity-based self-sufficiency {res.capacity_rows[0].year} "
            "(domestic capacity / demand)",
            title_justify="left",
        )
        for col in ("country", "isotope", "demand", "domestic capacity", "share"):
            cap.add_column(col, justify="left" if col in ("country", "isotope") else "right")
        for c in res.capacity_rows:
            cap.add_row(
                c.country,
                c.isotope,
                format_bq(c.demand_bq),
                format_bq(c.domestic_capacity_bq),
                f"{c.share:.0%}",
            )
        console.print(cap)
    for line in res.reconciled:
        console.print(f"  * {line}", markup=False)


def register(app: typer.Typer, scenario_app: typer.Typer) -> None:
    """Add ``isoflow analyze ...`` to the app."""
    del scenario_app
    analyze_app.command("capacity")(capacity_cmd)
    analyze_app.command("self-sufficiency")(self_sufficiency_cmd)
    app.add_typer(analyze_app, name="analyze")
