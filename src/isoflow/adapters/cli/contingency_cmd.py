"""``isoflow analyze contingency``: single points of failure, ranked by treatments lost.

Part of ``isoflow analyze`` (:mod:`.analyze_cmds`): each element the base
plan uses taken out in turn and re-planned (:mod:`isoflow.engines.analysis.contingency`).
"""

from __future__ import annotations

import time
from typing import TYPE_CHECKING, Annotated

import typer
from rich.table import Table

from isoflow import bounds
from isoflow.adapters.cli import remote_cmds
from isoflow.adapters.cli.analyze_cmds import (
    DEFAULT_OUT,
    GAP_HELP,
    OutOpt,
    ScenarioArg,
    analyze_app,
    plan_options,
    write_outputs,
)
from isoflow.adapters.cli.common import (
    TIME_LIMIT_HELP,
    console,
    flags,
    load_valid,
    outcome,
    print_wrote,
    progress_bar,
    reports_errors,
    run_record,
)
from isoflow.scenario.examples import DEFAULT_SCENARIO

if TYPE_CHECKING:
    from isoflow.engines.analysis.contingency import ContingencyResult


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
    method: Annotated[
        str,
        typer.Option(
            help="replan: each failure an event on the base plan, re-planned in soft mode "
            "(fast); scratch: each case planned from nothing."
        ),
    ] = "replan",
    stability: Annotated[
        float,
        typer.Option(help="replan: cost of each dose served otherwise than in the base plan."),
    ] = 1e4,
    out: OutOpt = DEFAULT_OUT,
) -> None:
    """Single points of failure: take out each site, lane, country's exports; re-plan; rank."""
    options = dict(locals())  # as given, for manifest.json
    from isoflow.adapters.executors import make_executor
    from isoflow.engines.analysis.charts import bars
    from isoflow.engines.analysis.contingency import ContingencyOptions, contingency
    from isoflow.engines.analysis.outputs import contingency_output

    kind_list = tuple(k.strip() for k in kinds.split(",") if k.strip())
    with flags(
        n2_top="--n2",
        kinds=("--kinds", kinds),
        workers="--workers",
        value="--top",
        method=("--method", method),
        stability="--stability",
    ):
        bounds.ROWS.check(top, "value")
        bounds.WORKERS.check(workers, "workers")
        opts = ContingencyOptions(
            plan=plan_options(time_limit, gap),
            all_elements=all_,
            n2_top=n2,
            kinds=kind_list,  # type: ignore[arg-type]
            method=method,  # type: ignore[arg-type]
            stability=stability,
        )
    remote = remote_cmds.client("analyze contingency")
    if remote is not None:
        remote_cmds.only_defaults({"--workers": (workers, 1), "--scheduler": (scheduler, None)})
        run_options = {"all_elements": all_, "n2_top": n2, "kinds": list(kind_list),
                       "method": method, "stability": stability,
                       "time_limit_s": opts.plan.solve.time_limit_s, "mip_gap": gap}  # fmt: skip
        remote_cmds.analysis(remote, "contingency", "contingency", scenario, out, run_options,
                             options)  # fmt: skip
        return
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
        f"[bold]{sc.meta.name}[/bold]: base plan serves {res.base.served} of {res.doses} "
        f"doses; {len(res.rows)} failure cases in {seconds:.0f} s "
        f"({workers} worker{'s' if workers > 1 else ''})"
    )
    _print_contingency(res, top)
    shown = [r for r in res.rows if r.lost > 0 and r.order == 1][:25]
    svg = bars(
        [r.elements for r in shown],
        [("treatments lost", [float(r.lost) for r in shown])],
        f"Treatments lost per failure ({sc.meta.name}, base {res.base.served} served)",
        "doses lost vs the base plan",
    )
    rs = write_outputs(
        out,
        contingency_output(res, sc.meta.name, seconds, workers),
        svg,
        run=run_record("analyze contingency", options, sc.meta.name, scenario=scenario),
    )
    print_wrote(rs)
    if res.stopped is not None:  # the cases finished before the stop are kept; now exit
        outcome.kept = f"the {len(res.rows)} cases finished before the stop, in {out}"
        raise res.stopped


def _print_contingency(res: ContingencyResult, top: int) -> None:
    """The N-1 (and N-2) rankings, ``top`` rows each, with the notes."""
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


# --------------------------------------------------------------------------- self-sufficiency


def register(app: typer.Typer, scenario_app: typer.Typer) -> None:
    """Add ``isoflow analyze contingency`` (to the ``analyze`` group of :mod:`.analyze_cmds`)."""
    del app, scenario_app
    analyze_app.command("contingency")(contingency_cmd)
