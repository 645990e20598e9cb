"""Planning commands: ``isoflow plan`` (optimiser or baseline) and ``isoflow verify``.

``isoflow plan`` with no argument plans the built-in ``apac-2025`` week: it prints a KPI
summary and where the files went (``plan.json`` plus CSV tables; ``--report`` adds an
offline HTML report), all put into ``--out`` at once with a ``manifest.json``. Exit codes:
0 planned, 1 invalid scenario or solver failure, 2 usage error (an unwritable ``--out``
too). ``isoflow verify`` writes nothing and exits 1 if the plan breaks any rule of the
scenario.
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any

import typer
from rich.table import Table

from isoflow import bounds
from isoflow.adapters.cli import remote_cmds
from isoflow.adapters.cli.common import (
    TIME_LIMIT_HELP,
    console,
    err_console,
    flags,
    load_valid,
    option_line,
    outcome,
    plan_from,
    print_wrote,
    results,
    run_record,
    time_limit_flag,
    usage_error,
)
from isoflow.adapters.cli.remote_cmds import client
from isoflow.errors import InputError, IsoflowError
from isoflow.processes import children
from isoflow.scenario.examples import DEFAULT_SCENARIO
from isoflow.units import format_activity, parse_datetime, parse_duration, to_iso

if TYPE_CHECKING:
    from isoflow.engines.planner.api import PlanOptions
    from isoflow.records.kpis import ExportKpis, GeneratorUseKpis
    from isoflow.records.plan import Plan
    from isoflow.scenario.schema import Scenario


def plan_cmd(
    scenario: Annotated[
        str, typer.Argument(help="Built-in name, YAML/JSON file or CSV folder.")
    ] = DEFAULT_SCENARIO,
    start: Annotated[
        str | None,
        typer.Option(
            help="Horizon start, ISO-8601 with offset, in the years "
            f"{bounds.START_YEARS.lo:.0f} to {bounds.START_YEARS.hi:.0f} (default: scenario)."
        ),
    ] = None,
    horizon: Annotated[
        str | None,
        typer.Option(help=f"Horizon length, e.g. 7d; {bounds.HORIZON.text} (default: scenario)."),
    ] = None,
    lead: Annotated[
        str, typer.Option(help=f"How early production may start, e.g. 7d; {bounds.LEAD.text}.")
    ] = "7d",
    out: Annotated[
        Path,
        typer.Option(
            help="Folder for plan.json, CSV tables and report.html, put in place at once with "
            "manifest.json (other commands' files there are kept)."
        ),
    ] = Path("isoflow-out"),
    report: Annotated[bool, typer.Option(help="Also write an offline HTML report.")] = False,
    baseline: Annotated[
        bool, typer.Option(help="Use the rule-of-thumb baseline planner instead.")
    ] = False,
    time_limit: Annotated[str, typer.Option("--time-limit", help=TIME_LIMIT_HELP)] = "90s",
    gap: Annotated[
        float,
        typer.Option(
            help="Relative MIP gap to stop at, measured on the objective above the penalty "
            f"of bookings no plan can serve; {bounds.MIP_GAP.text}."
        ),
    ] = 0.01,
    threads: Annotated[
        int, typer.Option(help=f"Solver threads (1 = reproducible); {bounds.THREADS.text}.")
    ] = 1,
    keep_best: Annotated[
        bool,
        typer.Option(
            help="On Ctrl-C or SIGTERM during the solve, keep the best plan so far: the "
            "solver is asked to stop (at most 2 s), each part keeps its incumbent or its "
            "warm start, and the plan (feasible unless its bound proves it optimal; its solver "
            "note says stopped by the user) is written to --out as usual; exit code still "
            "130/143. A second Ctrl-C within the "
            "2 s kills at once and keeps nothing. Default: a stop keeps nothing."
        ),
    ] = False,
) -> None:
    """Plan production, shipments and dose allocation for a scenario's bookings."""
    options = dict(locals())  # as given, for manifest.json
    try:
        opts = _plan_options(start, horizon, lead, time_limit, gap, threads)
    except InputError as exc:
        raise usage_error(option_line(exc)) from None
    remote = client("plan")
    if remote is not None:
        solve = remote_cmds.plan_run_options(opts)
        kind = "baseline" if baseline else "plan"
        remote_cmds.plan(remote, scenario, out, kind, solve, options, report)
        return
    sc = load_valid(scenario)
    plan = _planned(sc, opts, baseline, keep_best)
    from isoflow.adapters.plan_files import REPORT_FILE, write_plan_files

    run = run_record("plan", options, plan.scenario, scenario=scenario)
    with results(out, run, optional=[REPORT_FILE]) as rs:
        rs.add(write_plan_files(plan, rs.folder))
        if report:
            rs.add([_report(plan, sc, rs.folder / REPORT_FILE)])
    if children.winding_down:  # stopped by the user: one line, the exit code the signal's
        outcome.line = kept_line(plan, out)
        return
    print_summary(plan)
    print_wrote(rs)


def _planned(sc: Scenario, opts: PlanOptions, baseline: bool, keep_best: bool) -> Plan:
    """The plan, under the spinner; with ``keep_best`` a stop during the solve winds it down.

    A failure is one ``error:`` line and exit 1 (none after a stop: the stop line says it).
    """
    children.graceful = keep_best and not baseline
    try:
        with console.status("planning...", spinner="dots"):
            return _make(sc, opts, baseline)
    except IsoflowError as exc:
        if not children.winding_down:
            err_console.print(f"error: {exc}", markup=False)
        raise typer.Exit(1) from None
    finally:
        children.graceful = False


def kept_line(plan: Plan, out: Path) -> str:
    """The line after a stop that kept the best plan so far (``--keep-best``)."""
    from isoflow.records.kpis import ServedCounts

    doses = plan.kpis.doses or ServedCounts()
    gap = plan.solver.gap if plan.solver is not None else None
    proven = "no bound" if gap is None else f"gap {100 * gap:.2f} %"
    return (
        f"stopped: kept the best plan so far ({doses.served} of {doses.total} doses served, "
        f"{proven}) in {out}"
    )


def _plan_options(
    start: str | None, horizon: str | None, lead: str, time_limit: str, gap: float, threads: int
) -> PlanOptions:
    """The planner's options from the flags; errors name the flag and quote its text."""
    from isoflow.engines.planner.api import PlanOptions
    from isoflow.engines.planner.solve import SolveOptions

    with flags(
        start=("--start", start),
        horizon_s=("--horizon", horizon),
        lead_s=("--lead", lead),
        mip_gap="--gap",
        threads="--threads",
    ):
        return PlanOptions(
            start=parse_datetime(start, "--start") if start else None,
            horizon_s=parse_duration(horizon, "--horizon") if horizon else None,
            lead_s=parse_duration(lead, "--lead"),
            solve=SolveOptions(
                time_limit_s=time_limit_flag(time_limit), mip_gap=gap, threads=threads
            ),
        )


def _make(sc: Scenario, opts: Any, baseline: bool) -> Plan:
    if baseline:
        from isoflow.engines.planner.baseline import baseline_plan

        return baseline_plan(sc, opts)
    from isoflow.engines.planner.api import make_plan

    return make_plan(sc, opts)


def _report(plan: Plan, sc: Scenario, path: Path) -> Path:
    try:
        from isoflow.adapters.report.html import render_report
    except ImportError:  # pragma: no cover - the report package ships with isoflow
        raise usage_error("the HTML report is not available in this installation") from None
    return render_report(plan, sc, path)


def export_line(exports: ExportKpis) -> str:
    """The plan summary's line of exports (orders at markets): units, then activity."""
    units = exports.units
    return (
        f"exports (not patient doses): {units.served} of {units.total} units served "
        f"({units.served_share:.1%}), {format_activity(exports.activity_served_bq)} of "
        f"{format_activity(exports.activity_requested_bq)} at calibration"
    )


def print_summary(plan: Plan) -> None:
    """Print the plan's KPIs as readable tables."""
    from isoflow.records.kpis import OrderCounts, ServedCounts

    k = plan.kpis
    b = k.doses or ServedCounts()
    console.print(
        f"[bold]{plan.scenario}[/bold]  {to_iso(plan.start_utc)} → {to_iso(plan.end_utc)}  "
        f"planner: {plan.planner}"
    )
    if plan.solver is not None:
        s = plan.solver
        gap = "n/a" if s.gap is None else f"{s.gap:.2%}"
        if s.objective is not None and s.bound is not None:
            gap += f" (objective at most {s.objective - s.bound:,.0f} above the best possible"
            if s.penalty_floor > 0:
                gap += f"; gap measured above {s.penalty_floor:,.0f} of penalty no plan avoids"
            gap += ")"
        console.print(
            f"solver: {s.status}, gap {gap}, {s.seconds:.1f} s solve + {s.build_seconds:.1f} s "
            f"build ({s.candidates.get('columns', 0)} columns, {s.candidates.get('rows', 0)} rows)"
        )
        if s.status == "feasible":
            console.print(
                f"stopped by the time limit ({s.time_limit_s:.0f} s) before the gap of "
                f"{s.mip_gap:.2%} was proven; a faster or slower machine may return a different "
                "plan (raise --time-limit for a reproducible one)"
            )
        elif s.time_cut:
            console.print(
                "a step of the solve was stopped by its share of the time limit; a faster or "
                "slower machine may return a different plan (raise --time-limit for a "
                "reproducible one)"
            )
        if s.message:
            console.print(f"solver note: {s.message}", markup=False)
    console.print(f"doses served: [bold]{b.served}[/bold] of {b.total} ({b.served_share:.1%})")
    patients, orders = k.patients or ServedCounts(), k.orders or OrderCounts()
    if patients.total and orders.total:
        console.print(f"patients (bookings) served: {patients.served} of {patients.total}")
    if orders.total:
        console.print(
            f"orders: {orders.served} served in full, {orders.part_served} in part, "
            f"{orders.unserved} not at all, of {orders.total}"
        )
    if k.exports is not None:
        console.print(export_line(k.exports))
    table = Table(title="Doses by product", title_justify="left")
    for col in ("product", "served", "total"):
        table.add_column(col, justify="left" if col == "product" else "right")
    for name, row in k.by_product.items():
        table.add_row(name, str(row.served), str(row.total))
    console.print(table)
    table = Table(title="Doses by country", title_justify="left")
    for col in ("country", "served", "total"):
        table.add_column(col, justify="left" if col == "country" else "right")
    for name, row in k.by_country.items():
        table.add_row(name, str(row.served), str(row.total))
    console.print(table)
    _print_activity_and_cost(plan)
    if plan.unserved:
        table = Table(title="Unserved bookings and orders", title_justify="left")
        shown = plan.unserved[:15]
        columns = {
            "booking or order": [u.booking for u in shown],
            "doses": [str(u.doses) for u in shown],
            "product": [u.product for u in shown],
            "hospital": [u.hospital for u in shown],
            "reason": [str(u.reason) for u in shown],
        }
        for col, values in columns.items():  # identifiers and codes: never cut
            table.add_column(col, min_width=max(map(len, values), default=0), no_wrap=True)
        for cells in zip(*columns.values(), strict=True):
            table.add_row(*cells)
        if len(plan.unserved) > len(shown):
            table.caption = f"{len(plan.unserved) - len(shown)} more in unserved.csv"
            table.caption_justify = "left"
        console.print(table)


def _print_activity_and_cost(plan: Plan) -> None:
    """The summary's activity, generator waste (when generators are used) and cost lines."""
    from isoflow.records.kpis import ActivityKpis, CostKpis, GeneratorUseKpis

    k = plan.kpis
    act, cost = k.activity or ActivityKpis(), k.cost or CostKpis()
    console.print(
        f"activity produced {format_activity(act.produced_eop_bq)} at EOP, "
        f"administered {format_activity(act.administered_bq)}, "
        f"waste {format_activity(act.waste_eop_bq)}"
        + (f" (impurity {format_activity(act.impurity_eop_bq)})" if act.impurity_eop_bq else "")
    )
    if plan.generators:
        console.print(generator_line(k.generator_use or GeneratorUseKpis()), markup=False)
    console.print(
        f"cost {cost.total:,.0f} {cost.currency} (production {cost.production_fixed:,.0f}"
        f" fixed + {cost.production_variable:,.0f} variable, transport "
        f"{cost.transport:,.0f}); {k.runs or 0} runs, {k.shipments or 0} shipments"
    )
    revenue = k.revenue
    if revenue is not None and revenue.priced_doses:
        unpriced = revenue.unpriced_doses
        console.print(
            f"revenue {revenue.total:,.0f} {revenue.currency} for "
            f"{revenue.priced_doses:,} priced doses; margin {k.margin or 0.0:,.0f} "
            f"{revenue.currency}"
            + (
                f" ({unpriced:,} doses served have no price: margin understated)"
                if unpriced
                else ""
            )
        )


def generator_line(use: GeneratorUseKpis) -> str:
    """The summary's generator waste line from the plan's ``generator_use`` KPIs."""
    eluted = use.eluted_bq

    waste = use.waste_bq

    def share(wasted: float) -> str:
        return f"{100 * wasted / eluted:.1f} %" if eluted > 0 else "n/a"

    return (
        f"generator waste: {100 * use.waste_share_of_eluted:.1f} % of eluted "
        f"{format_activity(eluted)} (first elution {share(waste.first_elution)}, no-dose "
        f"elutions {share(waste.no_doses)}, left over {share(waste.left_over)}); "
        f"{format_activity(use.in_generator_bq)} of daughter and "
        f"{format_activity(use.parent_left_bq)} of parent left in "
        "generators at replacement or horizon end (generator_use.csv)"
    )


def verify_cmd(
    plan_path: Annotated[Path, typer.Argument(metavar="PLAN", help="plan.json or its folder.")],
    scenario: Annotated[
        str, typer.Option(help="Scenario the plan was made for.")
    ] = DEFAULT_SCENARIO,
) -> None:
    """Independently re-check a plan: decay, shelf life, calendars, routes, capacities."""
    from isoflow.engines.verify import verify

    remote = client("verify")
    if remote is not None:
        remote_cmds.verify(remote, plan_path, scenario)
        return
    plan = plan_from(plan_path, "argument 'PLAN'")
    sc = load_valid(scenario)
    violations = verify(plan, sc)  # a plan made for another scenario: scenario_mismatch
    if violations:
        for v in violations:
            console.print(str(v), markup=False)
        console.print(f"{len(violations)} violation(s)", markup=False)
        raise typer.Exit(1)
    console.print(
        f"plan OK: {len(plan.allocations)} allocations, {len(plan.runs)} runs, "
        f"{len(plan.shipments)} shipments checked against {sc.meta.name}",
        markup=False,
    )


def reasons_epilog() -> str:
    """The unserved reason codes and their meanings, for ``isoflow plan --help``."""
    from isoflow.records.reasons import MEANING

    lines = ["Reasons given for unserved bookings (unserved.csv, plan.json):"]
    lines += [f"{code.value}: {meaning}." for code, meaning in MEANING.items()]
    return "\n\n".join(lines)


def register(app: typer.Typer, scenario_app: typer.Typer) -> None:
    """Add the planning commands to the ``isoflow`` app."""
    del scenario_app
    app.command("plan", epilog=reasons_epilog())(plan_cmd)
    app.command("verify")(verify_cmd)
