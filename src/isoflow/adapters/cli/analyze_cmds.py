"""Strategic analysis commands: ``isoflow analyze ...`` and ``isoflow compare A B``.

``isoflow analyze capacity|contingency|self-sufficiency|make-or-buy``.

Each command takes ``[SCENARIO]`` (default: the built-in ``apac-2025``), prints a readable
summary and writes its tables into ``--out`` (default ``isoflow-out``) as CSV, one JSON file
with every table plus the assumptions, and a chart as SVG. Exit codes: 0 done, 1 invalid
scenario or solver failure, 2 usage error (bad option, unwritable folder).
"""

from __future__ import annotations

import csv
import json
import math
import time
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any

import typer
from rich.table import Table

from isoflow import bounds
from isoflow.adapters.cli.common import (
    TIME_LIMIT_HELP,
    console,
    flags,
    load_valid,
    progress_bar,
    reports_errors,
    time_limit_flag,
    writing,
)
from isoflow.errors import InputError
from isoflow.scenario.examples import DEFAULT_SCENARIO

if TYPE_CHECKING:
    from isoflow.engines.analysis.makeorbuy import MakeOrBuyInputs
    from isoflow.engines.planner.api import PlanOptions


analyze_app = typer.Typer(
    help="Strategic analysis: capacity, single points of failure, self-sufficiency, make or buy.",
    no_args_is_help=True,
    add_completion=False,
)

ScenarioArg = Annotated[str, typer.Argument(help="Built-in name, YAML/JSON file or CSV folder.")]
OutOpt = Annotated[
    Path, typer.Option("--out", help="Folder for the CSV/JSON tables and the SVG chart.")
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


def _cell(value: Any) -> Any:
    if value is None:
        return ""
    if isinstance(value, float):
        return repr(value) if math.isfinite(value) else ""
    if isinstance(value, list | tuple):
        return ";".join(str(v) for v in value)
    if isinstance(value, dict):
        return json.dumps(value, sort_keys=True)
    return value


def write_outputs(
    out: Path,
    name: str,
    tables: Mapping[str, tuple[type[Any], Sequence[Any]]],
    meta: Mapping[str, Any],
    svg: str | None = None,
) -> list[Path]:
    """Write ``NAME_TABLE.csv`` per table, ``NAME.json`` (all tables + meta), ``NAME.svg``.

    ``tables`` maps a table name to (record type, records); the type gives the header of an
    empty table.
    """
    from isoflow.engines.analysis.records import field_names, rows

    paths = []
    try:
        with writing(out):
            out.mkdir(parents=True, exist_ok=True)
            payload: dict[str, Any] = {"analysis": name, **meta, "tables": {}}
            for table, (record_type, records) in tables.items():
                data = rows(records)
                payload["tables"][table] = data
                path = out / f"{name}_{table}.csv"
                fields = list(data[0]) if data else field_names(record_type)
                with path.open("w", newline="", encoding="utf-8") as fh:
                    writer = csv.DictWriter(fh, fieldnames=fields)
                    writer.writeheader()
                    writer.writerows({k: _cell(v) for k, v in row.items()} for row in data)
                paths.append(path)
            path = out / f"{name}.json"
            text = json.dumps(payload, indent=1, allow_nan=False, default=str) + "\n"
            path.write_text(text, encoding="utf-8")
            paths.append(path)
            if svg is not None:
                path = out / f"{name}.svg"
                path.write_text(svg, encoding="utf-8")
                paths.append(path)
    except OSError as exc:
        raise InputError("--out", f"cannot write to {out}: {exc.strerror or exc}") from None
    return paths


def print_wrote(paths: list[Path], out: Path) -> None:
    """Say which files went where."""
    console.print(f"\nwrote {len(paths)} files to {out}/: " + ", ".join(p.name for p in paths))


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
    """Annual supply capacity vs demand per isotope and region, with reserve and N-1."""
    from isoflow.engines.analysis.capacity import (
        CapacityOptions,
        CapacityRow,
        CapacitySummary,
        DoseRequirement,
        ProcessCapacity,
        capacity_vs_demand,
    )
    from isoflow.engines.analysis.charts import heatmap

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
    sc = load_valid(scenario)
    t0 = time.perf_counter()
    res = capacity_vs_demand(sc, opts)
    seconds = time.perf_counter() - t0

    table = Table(title=f"Capacity vs demand, {sc.meta.name}, {first}-{last}", title_justify="left")
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
    for line in res.assumptions:
        console.print(f"  - {line}", markup=False)
    console.print(f"computed in {seconds:.2f} s")

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
    svg = heatmap(
        labels,
        [str(y) for y in range(first, last + 1)],
        cells,
        f"Demand / capacity per year ({sc.meta.name}; reserve {reserve:.0%})",
        [
            (colours["ok"], "capacity >= demand + reserve"),
            (colours["below_reserve"], "below reserve"),
            (colours["shortfall"], "capacity < demand"),
        ],
    )
    paths = write_outputs(
        out,
        "capacity",
        {
            "rows": (CapacityRow, res.rows),
            "summary": (CapacitySummary, res.summary),
            "processes": (ProcessCapacity, res.processes),
            "requirements": (DoseRequirement, res.requirements),
        },
        {"scenario": sc.meta.name, "assumptions": list(res.assumptions), "seconds": seconds},
        svg,
    )
    print_wrote(paths, out)


# --------------------------------------------------------------------------- contingency


@reports_errors("option")
def contingency_cmd(
    scenario: ScenarioArg = DEFAULT_SCENARIO,
    all_: Annotated[
        bool, typer.Option("--all", help="Try every element, not only those the plan uses.")
    ] = False,
    n2: Annotated[
        int, typer.Option("--n2", help=f"Also try pairs among the top K; {bounds.N2_TOP.text}.")
    ] = 0,
    kinds: Annotated[
        str, typer.Option(help="Element kinds, comma-separated: site,lane,exports.")
    ] = "site,lane,exports",
    time_limit: Annotated[
        str, typer.Option("--time-limit", help=f"Per re-plan: {TIME_LIMIT_HELP}")
    ] = "30s",
    gap: Annotated[float, typer.Option(help=f"Per re-plan: {GAP_HELP}")] = 0.02,
    workers: Annotated[
        int,
        typer.Option(help=f"Parallel re-plans (local processes); {bounds.WORKERS.text}."),
    ] = 1,
    scheduler: Annotated[
        str | None, typer.Option(help="Dask scheduler address, or 'local'.")
    ] = None,
    top: Annotated[int, typer.Option(help=f"Rows to print; {bounds.ROWS.text}.")] = 15,
    out: OutOpt = DEFAULT_OUT,
) -> None:
    """Single points of failure: take out each site, lane, country's exports; re-plan; rank."""
    from isoflow.adapters.executors import make_executor
    from isoflow.engines.analysis.charts import bars
    from isoflow.engines.analysis.contingency import (
        ContingencyOptions,
        ContingencyRow,
        LossBreakdown,
        contingency,
    )

    kind_list = tuple(k.strip() for k in kinds.split(",") if k.strip())
    with flags(n2_top="--n2", kinds=("--kinds", kinds), workers="--workers", value="--top"):
        bounds.ROWS.check(top, "value")
        bounds.WORKERS.check(workers, "workers")
        opts = ContingencyOptions(
            plan=plan_options(time_limit, gap),
            all_elements=all_,
            n2_top=n2,
            kinds=kind_list,  # type: ignore[arg-type]
        )
    sc = load_valid(scenario)
    t0 = time.perf_counter()
    with (
        make_executor(workers, scheduler) as executor,
        progress_bar() as bar,
    ):
        task = bar.add_task("re-planning", total=None)

        def progress(done: int, total: int) -> None:
            bar.update(task, completed=done, total=total)

        res = contingency(sc, opts, executor=executor, progress=progress)
    seconds = time.perf_counter() - t0

    console.print(
        f"[bold]{sc.meta.name}[/bold]: base plan serves {res.base.served} of {res.bookings} "
        f"bookings; {len(res.rows)} failure cases in {seconds:.0f} s "
        f"({workers} worker{'s' if workers > 1 else ''})"
    )
    for order, title in ((1, "N-1"), (2, "N-2 (pairs among the top N-1)")):
        cases = [r for r in res.rows if r.order == order]
        if not cases:
            continue
        table = Table(
            title=f"Single points of failure, {title}: treatments lost", title_justify="left"
        )
        for col in ("rank", "out", "lost", "own", "share", "countries hit", "products hit"):
            table.add_column(
                col, justify="right" if col in ("rank", "lost", "own", "share") else "left"
            )
        for r in cases[:top]:
            table.add_row(
                str(r.rank),
                r.elements,
                ("" if r.status == "optimal" else "≤") + str(r.lost),
                str(r.own_lost),
                f"{r.lost_share:.1%}",
                r.countries_hit or "-",
                r.products_hit or "-",
            )
        console.print(table)
    console.print(
        "own = lost at the failed site's own hospital (its radiopharmacy is out); "
        "≤ = the solver stopped at its time limit short of the gap: an upper bound",
        markup=False,
    )
    errors = [r for r in res.rows if r.error]
    if errors:
        console.print(f"{len(errors)} re-plan(s) failed; see the 'error' column", markup=False)
    for line in res.notes:
        console.print(f"  - {line}", markup=False)
    shown = [r for r in res.rows if r.lost > 0 and r.order == 1][:25]
    svg = bars(
        [r.elements for r in shown],
        [("treatments lost", [float(r.lost) for r in shown])],
        f"Treatments lost per failure ({sc.meta.name}, base {res.base.served} served)",
        "bookings lost vs the base plan",
    )
    paths = write_outputs(
        out,
        "contingency",
        {
            "ranking": (ContingencyRow, res.rows),
            "breakdown": (LossBreakdown, res.breakdown),
        },
        {
            "scenario": sc.meta.name,
            "base_served": res.base.served,
            "bookings": res.bookings,
            "considered": list(res.considered),
            "notes": list(res.notes),
            "seconds": seconds,
            "workers": workers,
        },
        svg,
    )
    print_wrote(paths, out)


# --------------------------------------------------------------------------- self-sufficiency


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
    from isoflow.engines.analysis.charts import bars
    from isoflow.engines.analysis.selfsufficiency import (
        CapacitySelfSufficiencyRow,
        SelfSufficiencyRow,
        self_sufficiency,
    )

    opts = plan_options(time_limit, gap)
    if year is not None:
        with flags(capacity_year="--year"):
            bounds.YEAR.check(year, "capacity_year")  # before the planning, not after
    sc = load_valid(scenario)
    t0 = time.perf_counter()
    with console.status("planning the network and the domestic-only case...", spinner="dots"):
        res = self_sufficiency(sc, opts, capacity_year=year)
    seconds = time.perf_counter() - t0
    table = Table(
        title=f"Self-sufficiency, {sc.meta.name} (bookings of the horizon)", title_justify="left"
    )
    for col in (
        "country",
        "isotope",
        "bookings",
        "network",
        "domestic only",
        "imports cover",
        "chain: domestic / imported feed / imported dose",
    ):
        table.add_column(col, justify="left" if col in ("country", "isotope") else "right")
    for r in res.rows:
        table.add_row(
            r.country,
            r.isotope,
            str(r.bookings),
            f"{r.share_network:.0%}",
            f"{r.share_domestic:.0%}",
            f"{r.imports_cover:.0%}",
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
    for line in res.notes:
        console.print(f"  - {line}", markup=False)
    console.print(f"computed in {seconds:.1f} s")
    svg = bars(
        [f"{r.country} {r.isotope}" for r in res.rows],
        [
            ("full network", [r.share_network for r in res.rows]),
            ("domestic only", [r.share_domestic for r in res.rows]),
        ],
        f"Share of bookings served ({sc.meta.name})",
        "share of bookings served",
        percent=True,
    )
    paths = write_outputs(
        out,
        "self_sufficiency",
        {
            "plan": (SelfSufficiencyRow, res.rows),
            "capacity": (CapacitySelfSufficiencyRow, res.capacity_rows),
        },
        {
            "scenario": sc.meta.name,
            "notes": list(res.notes),
            "removed_lanes": list(res.removed_lanes),
            "seconds": seconds,
        },
        svg,
    )
    print_wrote(paths, out)


# --------------------------------------------------------------------------- make or buy


@reports_errors("option")
def make_or_buy_cmd(
    inputs: Annotated[
        Path | None, typer.Option("--inputs", help="YAML file with any of the inputs below.")
    ] = None,
    capex: Annotated[
        float | None, typer.Option(help=f"Investment at year 0 [12e6]; {bounds.MONEY.text}.")
    ] = None,
    opex: Annotated[
        float | None,
        typer.Option(help=f"Fixed operating cost per year [2.5e6]; {bounds.MONEY.text}."),
    ] = None,
    capacity: Annotated[
        float | None,
        typer.Option(help=f"Doses per year at full capacity [1e4]; {bounds.CAPACITY_DOSES.text}."),
    ] = None,
    ramp_up: Annotated[
        int | None, typer.Option(help=f"Years to full capacity [2]; {bounds.RAMP_UP.text}.")
    ] = None,
    lifetime: Annotated[
        int | None, typer.Option(help=f"Years of operation [15]; {bounds.LIFETIME.text}.")
    ] = None,
    discount_rate: Annotated[
        float | None,
        typer.Option(help=f"Discount rate per year [0.08]; {bounds.DISCOUNT_RATE.text}."),
    ] = None,
    variable_cost: Annotated[
        float | None,
        typer.Option(help=f"In-house cost per dose, isotope excluded [600]; {bounds.MONEY.text}."),
    ] = None,
    cdmo_price: Annotated[
        float | None,
        typer.Option(help=f"CDMO price per dose, isotope excluded [2000]; {bounds.MONEY.text}."),
    ] = None,
    demand: Annotated[
        float | None, typer.Option(help=f"Doses needed in year 1 [3000]; {bounds.DOSES.text}.")
    ] = None,
    growth: Annotated[
        float | None,
        typer.Option(
            help="Demand growth per year as a fraction (0.15 is +15 %) [0.15]; "
            f"{bounds.GROWTH_RATE.text}."
        ),
    ] = None,
    swing: Annotated[
        float,
        typer.Option(help=f"Tornado: relative change of each input; {bounds.SWING.text}."),
    ] = 0.2,
    currency: Annotated[str, typer.Option(help="Currency label.")] = "USD",
    out: OutOpt = DEFAULT_OUT,
) -> None:
    """Build a facility or buy from a CDMO: NPVs, break-even volume and price, tornado."""
    from isoflow.engines.analysis.charts import tornado
    from isoflow.engines.analysis.makeorbuy import MakeOrBuyYear, TornadoBar, make_or_buy

    given = {
        "capex": capex,
        "opex_per_year": opex,
        "capacity_doses_per_year": capacity,
        "ramp_up_years": ramp_up,
        "lifetime_years": lifetime,
        "discount_rate": discount_rate,
        "variable_cost_per_dose": variable_cost,
        "cdmo_price_per_dose": cdmo_price,
        "demand_doses_year1": demand,
        "demand_growth": growth,
    }
    x = _make_or_buy_inputs(inputs, {k: v for k, v in given.items() if v is not None})
    with flags(swing="--swing"):
        bounds.SWING.check(swing, "swing")
    res = make_or_buy(x, swing)
    table = Table(title="Make or buy (NPV of costs)", title_justify="left")
    table.add_column("item")
    table.add_column("value", justify="right")
    for label, value in (
        ("NPV make (build + run, buy the rest)", f"{res.npv_make:,.0f} {currency}"),
        ("NPV buy (CDMO)", f"{res.npv_buy:,.0f} {currency}"),
        ("savings of making", f"{res.savings:,.0f} {currency}"),
        ("decision", res.decision.upper()),
        (
            "break-even volume",
            "above capacity"
            if res.break_even_volume is None
            else f"{res.break_even_volume:,.0f} doses/yr",
        ),
        (
            "break-even CDMO price",
            "-" if res.break_even_price is None else f"{res.break_even_price:,.0f} {currency}/dose",
        ),
        ("levelised in-house cost at capacity", f"{res.levelised_cost_per_dose:,.0f} {currency}"),
    ):
        table.add_row(label, value)
    console.print(table)
    tt = Table(title=f"Sensitivity (each input ±{swing:.0%}; savings)", title_justify="left")
    for col in ("input", "low", "high", "savings low", "savings high"):
        tt.add_column(col, justify="left" if col == "input" else "right")
    for b in res.tornado:
        tt.add_row(
            b.input,
            f"{b.low_value:g}",
            f"{b.high_value:g}",
            f"{b.savings_low:,.0f}",
            f"{b.savings_high:,.0f}",
        )
    console.print(tt)
    console.print("inputs: " + ", ".join(f"{k}={v:g}" for k, v in vars(x).items()), markup=False)
    svg = tornado(
        [(b.input, b.savings_low, b.savings_high) for b in res.tornado],
        res.savings,
        f"Make-or-buy savings sensitivity (±{swing:.0%})",
        f"NPV savings of making [{currency}]",
    )
    summary = {
        k: getattr(res, k)
        for k in (
            "npv_make",
            "npv_buy",
            "savings",
            "decision",
            "break_even_volume",
            "break_even_price",
            "levelised_cost_per_dose",
        )
    }
    paths = write_outputs(
        out,
        "make_or_buy",
        {"years": (MakeOrBuyYear, res.years), "tornado": (TornadoBar, res.tornado)},
        {"inputs": vars(x), "result": summary, "currency": currency},
        svg,
    )
    print_wrote(paths, out)


MAKE_OR_BUY_FLAGS = {
    "capex": "--capex",
    "opex_per_year": "--opex",
    "capacity_doses_per_year": "--capacity",
    "ramp_up_years": "--ramp-up",
    "lifetime_years": "--lifetime",
    "discount_rate": "--discount-rate",
    "variable_cost_per_dose": "--variable-cost",
    "cdmo_price_per_dose": "--cdmo-price",
    "demand_doses_year1": "--demand",
    "demand_growth": "--growth",
}
"""Flag of each make-or-buy input (errors name the flag, never the field)."""


def _make_or_buy_inputs(inputs: Path | None, given: dict[str, float]) -> MakeOrBuyInputs:
    """Defaults, then the ``--inputs`` file (errors name the file and key), then the flags."""
    from isoflow.engines.analysis.makeorbuy import MakeOrBuyInputs

    base = MakeOrBuyInputs()
    if inputs is not None:
        try:
            base = MakeOrBuyInputs.from_mapping(_read_yaml(inputs), base)
        except InputError as exc:
            if exc.field == "--inputs":
                raise
            raise InputError("--inputs", f"{inputs}: {exc.field}: {exc.message}") from None
    with flags(**MAKE_OR_BUY_FLAGS):
        return MakeOrBuyInputs.from_mapping(given, base)


def _read_yaml(path: Path) -> dict[str, Any]:
    from ruamel.yaml import YAML

    try:
        text = path.read_text(encoding="utf-8")
    except OSError as exc:
        raise InputError("--inputs", f"cannot read {path}: {exc.strerror or exc}") from None
    except UnicodeDecodeError as exc:
        where = f"byte {exc.object[exc.start]:#04x} at offset {exc.start}"
        raise InputError("--inputs", f"{path} is not UTF-8 text ({where})") from None
    try:
        data = YAML(typ="safe").load(text)
    except Exception as exc:  # YAMLError, or anything ruamel raises on hostile text
        raise InputError("--inputs", f"{path} is not valid YAML: {exc}") from None
    if not isinstance(data, dict):
        raise InputError("--inputs", f"{path} must hold a mapping of input: value")
    return {str(k): v for k, v in data.items()}


def register(app: typer.Typer, scenario_app: typer.Typer) -> None:
    """Add ``isoflow analyze ...`` to the app."""
    del scenario_app
    analyze_app.command("capacity")(capacity_cmd)
    analyze_app.command("contingency")(contingency_cmd)
    analyze_app.command("self-sufficiency")(self_sufficiency_cmd)
    analyze_app.command("make-or-buy")(make_or_buy_cmd)
    app.add_typer(analyze_app, name="analyze")
