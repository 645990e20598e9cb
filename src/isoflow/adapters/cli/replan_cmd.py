"""``isoflow replan``: a new revision of a plan after events, or the best ways to fit one order.

``isoflow replan PLAN --event FILE [--now ISO] [--mode hard|soft|recommend]`` reads the plan
in force and an event file (:mod:`isoflow.scenario.events`), keeps everything before ``--now``
(and, in hard mode, what the plan decided before ``now + --freeze``), re-plans the rest and
writes the revision (``plan.json`` with its ``revision``: number, parent hash, events, diff;
CSV tables; ``manifest.json``) into ``--out`` (default: the plan's folder with ``-rN``). It
prints what changed: bookings kept, moved, lost (with the cause) and gained, runs added,
removed and shifted, shipments, doses and cost before and after. ``--mode recommend`` takes
one new booking or order and prints the ``--top`` ways to serve it inside the pinned plan.

Exit codes: 0 done, 1 an invalid plan, scenario or event file (file, line, field) or a solver
failure, 2 a usage error.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
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
    fail,
    flags,
    load_valid,
    option_line,
    plan_from,
    print_wrote,
    results,
    run_record,
    time_limit_flag,
    usage_error,
)
from isoflow.errors import InputError, IsoflowError
from isoflow.units import format_activity, parse_datetime, parse_duration, to_iso

if TYPE_CHECKING:
    from isoflow.engines.planner.replan import ReplanOptions
    from isoflow.records.plan import Plan
    from isoflow.records.revision import PlanDiff, ReplanMode, Revision
    from isoflow.scenario.events import BookingAdded, EventFile, OrderAdded
    from isoflow.scenario.schema import Scenario


def replan_cmd(
    plan_path: Annotated[Path, typer.Argument(metavar="PLAN", help="plan.json or its folder.")],
    event: Annotated[
        list[Path], typer.Option(help="Event file (YAML or JSON); may be given more than once.")
    ],
    scenario: Annotated[
        str | None,
        typer.Option(help="The plan's base scenario (default: the one the plan names)."),
    ] = None,
    now: Annotated[
        str | None,
        typer.Option(help="Instant of the re-plan, ISO-8601 with offset (default: plan start)."),
    ] = None,
    mode: Annotated[
        str, typer.Option(help="hard (the past and --freeze fixed), soft or recommend.")
    ] = "hard",
    stability: Annotated[
        float,
        typer.Option(help="Soft mode: cost of each dose served otherwise than in the plan."),
    ] = 1e4,
    freeze: Annotated[
        str,
        typer.Option(
            help=f"Hard mode: also keep the plan's decisions before now + this; {bounds.LEAD.text}."
        ),
    ] = "0h",
    top: Annotated[
        int,
        typer.Option(help=f"Recommend mode: how many ways to show, {bounds.RECOMMEND_TOP.text}."),
    ] = 3,
    out: Annotated[
        Path | None,
        typer.Option(help="Folder for the revision (default: the plan's folder with -rN)."),
    ] = None,
    time_limit: Annotated[str, typer.Option("--time-limit", help=TIME_LIMIT_HELP)] = "90s",
) -> None:
    """Re-plan after events: keep the past, change as little else as asked, say what changed."""
    options = dict(locals())
    from isoflow.records.revision import ReplanMode

    if mode not in {m.value for m in ReplanMode}:
        raise usage_error(f"option '--mode': expected hard, soft or recommend, got {mode!r}")
    if not bounds.RECOMMEND_TOP.contains(top):
        raise usage_error(f"option '--top': expected {bounds.RECOMMEND_TOP.expected}, got {top}")
    remote = remote_cmds.client("replan")
    if remote is not None and mode == ReplanMode.RECOMMEND:
        try:
            opts = _options(now, ReplanMode(mode), stability, freeze, time_limit)
        except InputError as exc:
            raise usage_error(option_line(exc)) from None
        given: dict[str, Any] = {"time_limit_s": opts.plan.solve.time_limit_s, "top": top}
        if opts.now is not None:
            given["now"] = opts.now.isoformat()
        remote_cmds.recommend(remote, plan_path, event, scenario, given)
        return
    if remote is not None:
        try:
            run = remote_cmds.replan_run_options(
                _options(now, ReplanMode(mode), stability, freeze, time_limit)
            )
        except InputError as exc:
            raise usage_error(option_line(exc)) from None
        remote_cmds.replan(remote, plan_path, event, scenario, out, run, options)
        return
    parent = plan_from(plan_path, "argument 'PLAN'")
    sc = load_valid(scenario or parent.scenario)
    events = _events(event, sc, parent)
    try:
        opts = _options(now, ReplanMode(mode), stability, freeze, time_limit)
    except InputError as exc:
        raise usage_error(option_line(exc)) from None
    if mode == ReplanMode.RECOMMEND:
        _recommend(sc, parent, events, opts, top)
        return
    _revise(sc, parent, events, opts, out or _default_out(plan_path, parent), options, scenario)


def _events(paths: list[Path], sc: Scenario, parent: Plan) -> EventFile:
    """Every event file read and checked, in order; problems at their lines (exit 1)."""
    from isoflow.scenario.events import EventFile, load_events
    from isoflow.scenario.issues import ScenarioIssuesError

    found = []
    batches = {r.batch for r in parent.runs}
    for path in paths:
        if not path.is_file():
            raise usage_error(f"option '--event': no such file: {str(path)!r}")
        try:
            found += list(load_events(path, sc, batches).events)
        except ScenarioIssuesError as exc:
            for issue in exc.found:
                err_console.print(f"error: {issue}", markup=False)
            raise typer.Exit(1) from None
    return EventFile(events=tuple(found))


def _options(
    now: str | None, mode: ReplanMode, stability: float, freeze: str, time_limit: str
) -> ReplanOptions:
    from isoflow.engines.planner.api import PlanOptions
    from isoflow.engines.planner.replan import ReplanOptions
    from isoflow.engines.planner.solve import SolveOptions
    from isoflow.records.revision import ReplanMode

    with flags(now=("--now", now), freeze_s=("--freeze", freeze), stability="--stability"):
        return ReplanOptions(
            now=parse_datetime(now, "--now") if now else None,
            mode=ReplanMode.HARD if mode == ReplanMode.RECOMMEND else mode,
            freeze_s=parse_duration(freeze, "--freeze"),
            stability=stability,
            plan=PlanOptions(solve=SolveOptions(time_limit_s=time_limit_flag(time_limit))),
        )


def _default_out(plan_path: Path, parent: Plan) -> Path:
    """The plan's folder with ``-rN`` (N: the revision's number) in place of any ``-rM``."""
    folder = plan_path if plan_path.is_dir() else plan_path.parent
    number = (parent.revision.number if parent.revision else 0) + 1
    stem = re.sub(r"-r\d+$", "", folder.resolve().name)
    return folder.resolve().parent / f"{stem}-r{number}"


def _revise(
    sc: Scenario,
    parent: Plan,
    events: EventFile,
    opts: ReplanOptions,
    out: Path,
    options: dict[str, object],
    scenario_ref: str | None,
) -> None:
    from isoflow.adapters.plan_files import write_plan_files
    from isoflow.engines.planner.replan import replan

    try:
        with console.status("re-planning...", spinner="dots"):
            result = replan(sc, parent, events.events, opts)
    except IsoflowError as exc:
        fail(str(exc), 1)
    plan = result.plan
    run = run_record("replan", options, plan.scenario, scenario=scenario_ref or plan.scenario)
    with results(out, run) as rs:
        rs.add(write_plan_files(plan, rs.folder))
    assert plan.revision is not None
    print_revision(plan, plan.revision)
    print_wrote(rs)


def print_revision(plan: Plan, rev: Revision) -> None:
    """The revision's header, solver line and diff as readable lines and a table."""
    d = rev.diff
    kinds = ", ".join(e.kind for e in rev.events[len(rev.events) - rev.new_events :])
    console.print(
        f"[bold]revision {rev.number}[/bold] of {d.parent_hash[:19]}… ({rev.mode}, now "
        f"{to_iso(rev.now_utc)}); events: {kinds or 'none'}"
    )
    s = plan.solver
    if s is not None:
        gap = "n/a" if s.gap is None else f"{s.gap:.2%}"
        console.print(f"solver: {s.status}, gap {gap}, {s.seconds:.1f} s solve + "
                      f"{s.build_seconds:.1f} s build", markup=False)  # fmt: skip
    _print_diff(d)


def _print_diff(d: PlanDiff) -> None:
    b, a = d.before, d.after
    console.print(
        f"doses served {b.doses_served} -> {a.doses_served}; cost {b.cost:,.0f} -> "
        f"{a.cost:,.0f} ({a.cost - b.cost:+,.0f}); runs {b.runs} -> {a.runs}; shipments "
        f"{b.shipments} -> {a.shipments}",
        markup=False,
    )
    console.print(
        f"bookings kept {d.kept}, moved {len(d.moved)}, lost {len(d.lost)}, gained "
        f"{len(d.gained)}, withdrawn {len(d.withdrawn)}; runs added {len(d.runs_added)}, "
        f"removed {len(d.runs_removed)}, "
        f"shifted {len(d.runs_shifted)} ({d.hours_moved:.1f} h in all); shipments added "
        f"{len(d.shipments_added)}, removed {len(d.shipments_removed)}",
        markup=False,
    )
    if d.lost:
        shown = d.lost[:20]
        columns = {
            "booking or order": [x.booking for x in shown],
            "doses": [str(x.doses) for x in shown],
            "cause": [x.cause for x in shown],
            "what": [x.detail if len(x.detail) <= 40 else x.detail[:39] + "…" for x in shown],
        }
        table = _table("Lost bookings and orders", columns)
        more = f"; {len(d.lost) - 20} more" if len(d.lost) > 20 else ""
        table.caption = f"in full in plan.json (revision.diff.lost){more}"
        table.caption_justify = "left"
        console.print(table)


def _recommend(
    sc: Scenario, parent: Plan, events: EventFile, opts: ReplanOptions, top: int
) -> None:
    from isoflow.engines.planner.recommend import recommend

    new = one_new_demand(events)
    from isoflow.engines.planner.recommend import as_record, check_ways

    try:
        with console.status("finding the ways...", spinner="dots"):
            rec = recommend(sc, parent, new, opts.now, top, opts.plan)
            verdicts = check_ways(rec)
    except IsoflowError as exc:
        fail(str(exc), 1)
    print_recommendation(as_record(rec, verdicts))
    if bad := [(w.rank, found) for w, found in zip(rec.ways, verdicts, strict=True) if found]:
        rank, found = bad[0]
        fail(f"way {rank} fails verification ({len(found)} violation(s)): {found[0]}", 1)


def one_new_demand(events: EventFile) -> BookingAdded | OrderAdded:
    """The one new booking or order a recommendation is for; else a usage error."""
    from isoflow.scenario.events import BookingAdded, OrderAdded

    new = [e for e in events.events if isinstance(e, BookingAdded | OrderAdded)]
    if len(new) != 1 or len(events.events) != 1:
        raise usage_error(
            "option '--mode': recommend takes one event file holding one booking_added or "
            "order_added event"
        )
    return new[0]


def print_recommendation(rec: Mapping[str, Any]) -> None:
    """The ranked ways as a table, from the recommendation's record.

    The record is :func:`isoflow.engines.planner.recommend.as_record`'s, as the service stores
    it.
    """
    from isoflow.records.plan import PlanLeg

    ways = list(rec["ways"])
    if not ways:
        console.print(f"no way to serve {rec['demand']} inside the plan", markup=False)
        return

    def route(way: Mapping[str, Any]) -> str:
        legs = [PlanLeg.model_validate(g) for g in way["legs"]]
        return " ".join(f"{g.lane}@{to_iso(g.depart_utc)}" for g in legs) or "(on site)"

    columns: dict[str, list[str]] = {
        "rank": [str(w["rank"]) for w in ways],
        "site": [str(w["site"]) for w in ways],
        "batch": [str(w["batch"]) for w in ways],
        "new run": ["yes" if w["new_run"] else "no" for w in ways],
        "route": [route(w) for w in ways],
        "doses": [str(w["doses"]) for w in ways],
        "at EOP": [format_activity(float(w["activity_eop_bq"])) for w in ways],
        "cost added": [f"{float(w['cost_delta']):,.0f}" for w in ways],
        "verify": [
            "ok" if not w["violations"] else f"{len(w['violations'])} violation(s)" for w in ways
        ],
    }
    title = f"Ways to serve {rec['demand']} ({float(rec['seconds']):.1f} s)"
    console.print(_table(title, columns))


def _table(title: str, columns: dict[str, list[str]]) -> Table:
    """A table whose cells are never cut (identifiers and codes)."""
    table = Table(title=title, title_justify="left")
    for col, values in columns.items():
        table.add_column(col, min_width=max([len(col), *map(len, values)]), no_wrap=True)
    for row in zip(*columns.values(), strict=True):
        table.add_row(*row)
    return table


def register(app: typer.Typer, scenario_app: typer.Typer) -> None:
    """Add ``isoflow replan`` to the app."""
    del scenario_app
    app.command("replan")(replan_cmd)
