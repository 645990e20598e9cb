"""``isoflow simulate``: Monte Carlo disruptions with recourse on a plan.

With no argument it plans the built-in ``apac-2025`` week and simulates it. Prints the KPI
table with 95 % intervals and where the records went (put into ``--out`` at once, with a
``manifest.json``). Exit codes: 0 done, 1 invalid scenario, plan or simulation failure,
2 usage error (an unwritable ``--out`` too).
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any

import typer
from rich.table import Table

from isoflow import bounds
from isoflow.adapters.cli import remote_cmds
from isoflow.adapters.cli.common import (
    console,
    err_console,
    fail,
    flags,
    load_valid,
    option_line,
    plan_from,
    print_wrote,
    progress_bar,
    results,
    run_record,
    scenario_exists,
    usage_error,
)
from isoflow.adapters.cli.remote_cmds import client, only_defaults
from isoflow.errors import InputError, IsoflowError, OptionError
from isoflow.scenario.examples import DEFAULT_SCENARIO
from isoflow.units import parse_duration

if TYPE_CHECKING:
    from isoflow.engines.simulate import SimOptions
    from isoflow.records.plan import Plan
    from isoflow.scenario.schema import Scenario


def _options(
    replications: int,
    weeks: int,
    seed: int,
    workers: int,
    chunk: int,
    scheduler: str | None,
    recourse: str = "heuristic",
    replan_every: str | None = None,
) -> SimOptions:
    """The simulator's options from the flags; errors name the flag."""
    from isoflow.engines.simulate import ModelOptions, SimOptions

    if scheduler is not None and workers != 1 and scheduler != "local":
        raise InputError("--workers", "give either --workers or --scheduler ADDRESS, not both")
    if recourse == "replan" and (workers != 1 or scheduler is not None):
        raise InputError("--recourse", "heuristic with --workers or --scheduler (replan runs here)")
    with flags(
        replications="--replications",
        weeks="--weeks",
        seed="--seed",
        chunk_size="--chunk-size",
        workers="--workers",
        recourse=("--recourse", recourse),
        replan_every_s=("--replan-every", replan_every),
    ):
        bounds.WORKERS.check(workers, "workers")
        every = None if replan_every is None else parse_duration(replan_every, "--replan-every")
        return SimOptions(
            replications=replications,
            seed=seed,
            chunk_size=chunk,
            model=ModelOptions(weeks=weeks),
            recourse=recourse,  # type: ignore[arg-type]  # checked by SimOptions
            replan_every_s=every,
        )


def simulate_cmd(
    scenario: Annotated[
        str, typer.Argument(help="Built-in name, YAML/JSON file or CSV folder.")
    ] = DEFAULT_SCENARIO,
    plan: Annotated[
        Path | None,
        typer.Option(help="plan.json (or its folder) to execute; default: plan the scenario now."),
    ] = None,
    replications: Annotated[
        int, typer.Option(help=f"Number of replications; {bounds.REPLICATIONS.text}.")
    ] = 500,
    weeks: Annotated[
        int,
        typer.Option(
            help="Repeat the weekly plan over W weeks (disruptions span them); "
            f"{bounds.WEEKS.text}."
        ),
    ] = 1,
    seed: Annotated[
        int, typer.Option(help=f"Root seed (same seed, same files); {bounds.SEED.text}.")
    ] = 0,
    workers: Annotated[
        int, typer.Option(help=f"Local worker processes; {bounds.WORKERS.text}.")
    ] = 1,
    scheduler: Annotated[
        str | None,
        typer.Option(help="Dask scheduler address, or 'local' for a throw-away LocalCluster."),
    ] = None,
    chunk_size: Annotated[
        int,
        typer.Option(
            "--chunk-size",
            help=f"Replications per task (part of the seed); {bounds.CHUNK_SIZE.text}.",
        ),
    ] = 250,
    out: Annotated[
        Path,
        typer.Option(
            help="Folder for records (CSV) and kpis.json, put in place at once with "
            "manifest.json (other commands' files there are kept)."
        ),
    ] = Path("isoflow-sim"),
    recourse: Annotated[
        str,
        typer.Option(
            help="heuristic (fast) or replan: the re-planner at each disruption (or every "
            "--replan-every), seconds a re-plan, one week, in this process; same seeds."
        ),
    ] = "heuristic",
    replan_every: Annotated[
        str | None,
        typer.Option(
            "--replan-every",
            help=f"With --recourse replan: re-plan every D (e.g. 12h), not at each disruption; "
            f"{bounds.REPLAN_EVERY.text}.",
        ),
    ] = None,
) -> None:
    """Simulate a plan under sampled disruptions with recourse; KPIs with 95 % intervals."""
    options_given = dict(locals())  # as given, seeds too, for manifest.json
    try:
        options = _options(
            replications, weeks, seed, workers, chunk_size, scheduler, recourse, replan_every
        )
    except InputError as exc:
        raise usage_error(option_line(exc)) from None
    remote = client("simulate")
    if remote is not None:
        only_defaults({"--workers": (workers, 1), "--scheduler": (scheduler, None),
                       "--chunk-size": (chunk_size, 250)})  # fmt: skip
        run_options = remote_cmds.sim_run_options(options)
        remote_cmds.simulate(remote, scenario, plan, out, run_options, options_given)
        return
    scenario_exists(scenario)
    the_plan = _read_plan(plan) if plan is not None else None
    sc = load_valid(scenario)
    if the_plan is not None:
        _check_plan(the_plan, sc)
    from isoflow.adapters.executors import make_executor
    from isoflow.engines.simulate import build_model, kpis, write_results
    from isoflow.engines.simulate.run import run_model

    try:
        status = "planning..." if the_plan is None else "compiling the plan..."
        with console.status(status, spinner="dots"), _plan_span(plan):
            model, the_plan = build_model(sc, the_plan, options.model)
        with (
            make_executor(workers, scheduler) as executor,
            progress_bar(disable=replications <= options.chunk_size) as bar,
        ):
            task = bar.add_task("simulating chunks", total=None)

            def progress(done: int, total: int) -> None:
                bar.update(task, completed=done, total=total)

            result = run_model(sc, model, the_plan, options, executor, progress)
    except InputError as exc:
        raise usage_error(option_line(exc)) from None
    except IsoflowError as exc:
        err_console.print(f"error: {exc}", markup=False, soft_wrap=True)
        raise typer.Exit(1) from None
    run = run_record("simulate", options_given, sc.meta.name, scenario=scenario, plan=plan)
    with results(out, run) as rs:
        rs.add(write_results(result, rs.folder, sc.meta.name))
    doses = the_plan.kpis.doses
    planned = (doses.served, doses.total) if doses is not None else None
    print_kpis(kpis(result), sc.meta.name, planned)
    print_wrote(rs)


@contextmanager
def _plan_span(plan: Path | None) -> Iterator[None]:
    """A plan whose horizon lies outside the planner's bounds is a bad ``--plan``."""
    try:
        yield
    except OptionError as exc:
        if plan is None or exc.field not in ("start", "horizon_s", "lead_s"):
            raise
        message = f"the plan's {exc.field} is out of bounds: {exc.message}"
        raise InputError("--plan", message) from None


def _check_plan(plan: Plan, scenario: Scenario) -> None:
    """A plan is simulated only if ``isoflow verify`` finds it sound for the scenario."""
    from isoflow.engines.verify import verify

    violations = verify(plan, scenario)
    if violations:
        fail(
            f"option '--plan': the plan does not hold for scenario {scenario.meta.name!r} "
            f"({len(violations)} violation(s); see isoflow verify), first: {violations[0]}",
            1,
        )


def _read_plan(path: Path) -> Plan:
    """The plan of ``--plan`` (a bad file: exit 1 with file, line and field).

    Its KPIs are typed (:class:`~isoflow.records.kpis.PlanKpis`): the cost the simulator
    charges to each replication, ``kpis.cost.total``, is a number once the file is read.
    """
    return plan_from(path, "option '--plan'")


def _ci(x: dict[str, float], fmt: str = "{:.2f}") -> str:
    return f"{fmt.format(x['mean'])} [{fmt.format(x['lo'])}, {fmt.format(x['hi'])}]"


def _recourse(k: dict[str, Any]) -> str:
    every = k.get("replan_every_s")
    name = str(k.get("recourse", "heuristic"))
    if name != "replan":
        return name
    if every:
        return f"replan every {bounds.REPLAN_EVERY.show(every)}"
    return "replan at each disruption"


def print_kpis(k: dict[str, Any], scenario: str, planned: tuple[int, int] | None) -> None:
    """Print the KPI tables with their 95 % intervals.

    ``planned``: doses the simulated plan serves, of all, in its week (if known).
    """
    served, total = planned if planned is not None else ("?", "?")
    console.print(
        f"[bold]{scenario}[/bold]: {k['replications']} replications x {k['weeks']} week(s), "
        f"seed {k['seed']}, recourse {_recourse(k)}; plan serves {served} of {total} doses a week"
    )
    table = Table(title="KPIs (mean [95 % interval])", title_justify="left")
    table.add_column("KPI")
    table.add_column("value", justify="right")
    table.add_row("P(dose missed)", _ci(k["p_missed"], "{:.4f}"))
    table.add_row("missed doses / week", _ci(k["missed_per_week"]))
    patients = k["patients"]
    if patients["per_week"]:
        table.add_row("P(patient missed)", _ci(patients["p_missed"], "{:.4f}"))
        table.add_row("missed patients / week", _ci(patients["missed_per_week"]))
    table.add_row("doses served late (postponed) / week", _ci(k["served_late_per_week"]))
    for name, v in k["recourse_per_week"].items():
        table.add_row(f"doses recovered by {name} / week", _ci(v))
    table.add_row("cancelled doses / week", _ci(k["cancelled_per_week"]))
    table.add_row("cost / week", _ci(k["cost_per_week"], "{:,.0f}"))
    exports = k.get("exports")
    if exports:
        table.add_row("P(export unit missed)", _ci(exports["p_missed"], "{:.4f}"))
        table.add_row(
            f"missed export units / week (of {exports['units_per_week']:g})",
            _ci(exports["missed_per_week"]),
        )
    console.print(table)
    table = Table(title="Missed doses by cause", title_justify="left")
    for col in ("cause", "per week", "share"):
        table.add_column(col, justify="left" if col == "cause" else "right")
    for name, v in k["missed_by_cause"].items():
        if v["total"]:
            table.add_row(name, _ci(v["per_week"]), _ci(v["share"], "{:.1%}"))
    console.print(table)
    for key, title in (
        ("missed_per_week_by_country", "country"),
        ("missed_per_week_by_product", "product"),
    ):
        table = Table(title=f"Missed doses per week by {title}", title_justify="left")
        table.add_column(title)
        table.add_column("per week", justify="right")
        for name, v in k[key].items():
            table.add_row(name, _ci(v))
        console.print(table)
    print_tails(k["tails"])


def print_tails(tails: dict[str, Any]) -> None:
    """Print the tail KPIs: a week's loss over replications, next to its mean.

    Rows: all doses; by country; by product; planned activity lost (GBq at EOP).
    """
    groups = [
        [("all doses", tails["missed_per_week"], 1.0)],
        [(c, v, 1.0) for c, v in tails["missed_per_week_by_country"].items()],
        [(p, v, 1.0) for p, v in tails["missed_per_week_by_product"].items()],
        [("activity, GBq", tails["lost_activity_bq_per_week"], 1e9)],
    ]
    table = Table(
        title="A week's loss over replications: doses missed (activity lost at EOP)",
        title_justify="left",
    )
    for col in ("", "mean [95 % interval]", "p5", "p50", "p95", "p99"):
        table.add_column(col, justify="left" if not col else "right")
    for group in groups:
        for name, v, scale in group:
            ci = {key: v[key] / scale for key in ("mean", "lo", "hi")}
            cells = (f"{v[f'p{q}'] / scale:.2f}" for q in (5, 50, 95, 99))
            table.add_row(name, _ci(ci), *cells)
        table.add_section()
    console.print(table)
    over = list(groups[0][0][1]["p_loss_over"])
    table = Table(
        title="P(loss > x): share of replications losing more than x of the doses wanted "
        "(activity made)",
        title_justify="left",
    )
    table.add_column("")
    for x in over:
        table.add_column(f"x = {x}", justify="right")
    for group in groups:
        for name, v, _ in group:
            table.add_row(name, *(f"{v['p_loss_over'][x]:.3f}" for x in over))
        table.add_section()
    console.print(table)


def register(app: typer.Typer, scenario_app: typer.Typer) -> None:
    """Add ``isoflow simulate`` to the app."""
    del scenario_app
    app.command("simulate")(simulate_cmd)
