"""``isoflow --server URL plan|verify|simulate``: the same commands, run on the isoflow service.

The scenario is uploaded (a YAML or JSON file as it is, a CSV folder as a zip archive, a
built-in by its file, an overlay ``BASE+NAME`` merged here) and a plan the server did not
make uploaded with the run (:func:`plan_input`), the run submitted, its progress
printed on stderr as the server streams it, and its result written into the same ``--out``
files the local command writes (through :func:`~isoflow.adapters.cli.common.results`, with a
``manifest.json`` that records the server and the run). Exit codes as the local command's:
0 done, 1 the run ended infeasible, failed, cancelled or the plan has violations, 2 the service
could not be used (one line: unreachable, wrong URL, token refused, request refused, busy),
130 interrupted (the remote run is cancelled first).
"""

from __future__ import annotations

import functools
import json
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import date, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any, ParamSpec

import typer

from isoflow.adapters.cli.common import (
    console,
    err_console,
    fail,
    load_valid,
    plan_from,
    print_wrote,
    results,
    run_record,
    scenario_exists,
    target,
    usage_error,
)
from isoflow.adapters.remote import Event, Remote, RemoteError, RunClient, scenario_upload

if TYPE_CHECKING:
    from isoflow.engines.planner.api import PlanOptions
    from isoflow.engines.planner.replan import ReplanOptions
    from isoflow.engines.simulate import SimOptions
    from isoflow.records.plan import Plan

P = ParamSpec("P")

PLAN_OK = frozenset({"optimal", "feasible", "time_limit"})
"""End states of a plan-making run whose plan is written."""


def client(command: str) -> RunClient | None:
    """The service the command runs on, or ``None`` to run here."""
    if target.server is None:
        return None
    try:
        return Remote(target.server, target.token, f"isoflow {command} from the command line")
    except RemoteError as exc:
        raise usage_error(f"option '--server': {exc}") from None


def remote_errors(command: Callable[P, None]) -> Callable[P, None]:
    """Turn a :class:`RemoteError` into one ``error:`` line and exit 2."""

    @functools.wraps(command)
    def wrapper(*args: P.args, **kwargs: P.kwargs) -> None:
        try:
            command(*args, **kwargs)
        except RemoteError as exc:
            fail(str(exc), 2)

    return wrapper


def only_defaults(given: Mapping[str, tuple[object, object]]) -> None:
    """A usage error for an option the service does not offer, given other than its default."""
    for flag, (value, default) in given.items():
        if value != default:
            raise usage_error(f"option '{flag}': not offered with --server (run without it)")


def plan_run_options(opts: PlanOptions) -> dict[str, Any]:
    """The run options of the service (JSON) for the planner's options, as given here."""
    out: dict[str, Any] = {
        "time_limit_s": opts.solve.time_limit_s,
        "mip_gap": opts.solve.mip_gap,
        "threads": opts.solve.threads,
        "lead_s": opts.lead_s,
    }
    if opts.start is not None:
        out["start"] = opts.start.isoformat()
    if opts.horizon_s is not None:
        out["horizon_s"] = opts.horizon_s
    return out


def replan_run_options(opts: ReplanOptions) -> dict[str, Any]:
    """The run options of the service for the re-planner's options (hard or soft)."""
    out: dict[str, Any] = {
        "time_limit_s": opts.plan.solve.time_limit_s,
        "mode": str(opts.mode),
        "freeze_s": opts.freeze_s,
        "stability": opts.stability,
    }
    if opts.now is not None:
        out["now"] = opts.now.isoformat()
    return out


def sim_run_options(opts: SimOptions) -> dict[str, Any]:
    """The run options of the service for the simulator's options."""
    out: dict[str, Any] = {
        "replications": opts.replications,
        "seed": opts.seed,
        "weeks": opts.model.weeks,
        "recourse": opts.recourse,
    }
    if opts.replan_every_s is not None:
        out["replan_every_s"] = opts.replan_every_s
    return out


def upload(remote: RunClient, ref: str) -> dict[str, Any]:
    """Upload the scenario ``ref`` names; the stored scenario (``scenario_id``, ``name``)."""
    from isoflow.scenario import overlays

    if overlays.split(ref) is not None:
        scenario_exists(ref)
        data, fmt, origin = load_valid(ref).model_dump_json().encode(), "json", ref
    else:
        path = scenario_exists(ref)
        data, fmt = scenario_upload(path)
        origin = str(path)
    err_console.print(f"uploading {origin} to {remote.url}", markup=False)
    return remote.upload(data, fmt, origin)


class Progress:
    """Prints each new state, progress and message of a run as one line on stderr."""

    def __init__(self) -> None:
        self.last: tuple[str, int, str] | None = None

    def __call__(self, event: Event) -> None:
        """Print the event unless it says what the previous one said."""
        seen = (event.state, round(100 * event.progress), event.message)
        if seen == self.last:
            return
        self.last = seen
        message = f"  {event.message}" if event.message else ""
        err_console.print(f"{event.state:>11} {seen[1]:3d}%{message}", markup=False)


def execute(
    remote: RunClient,
    kind: str,
    scenario_id: str,
    options: Mapping[str, Any],
    plan: Mapping[str, Any] | None = None,
) -> tuple[dict[str, Any], dict[str, Any]]:
    """Submit a run, print its progress until it ends, and fetch its result.

    Interrupted (Ctrl-C, SIGTERM), the remote run is cancelled before the interruption goes
    on. Returns the ended run and its result.
    """
    run = remote.submit(kind, scenario_id, options, plan)
    run_id = str(run["run_id"])
    err_console.print(f"submitted {kind} run {run_id} to {remote.url}", markup=False)
    try:
        final = remote.follow(run_id, Progress())
    except KeyboardInterrupt:
        try:
            remote.cancel(run_id, "interrupted on the command line (Ctrl-C)")
            err_console.print(f"cancelled run {run_id} on {remote.url}", markup=False)
        except RemoteError as exc:
            err_console.print(f"error: could not cancel run {run_id}: {exc}", markup=False)
        raise
    return final, remote.result(run_id)


def ended(run: Mapping[str, Any], ok: frozenset[str]) -> None:
    """Exit 1 with one line if the run did not end in one of the ``ok`` states."""
    if run.get("state") not in ok:
        message = run.get("message") or "no message"
        fail(f"run {run.get('run_id')} ended {run.get('state')}: {message}", 1)


def plan_input(plan_path: Path, the_plan: Plan, remote: RunClient) -> PlanInput:
    """How the service gets the plan at ``plan_path``.

    The run of this server that made it (named in its ``manifest.json``), or else the plan
    itself (as read here, so an earlier schema version is upgraded), uploaded with the run.
    """
    from isoflow.adapters.plan_files import PLAN_FILE
    from isoflow.adapters.results import MANIFEST

    folder = plan_path if plan_path.is_dir() else plan_path.parent
    try:
        manifest = json.loads((folder / MANIFEST).read_text(encoding="utf-8"))
        made_by = manifest["files"][PLAN_FILE]["command"]  # plan or replan
        options = manifest["commands"][made_by]["options"]
        run_id, server = options["remote_run_id"], options["server"]
    except (OSError, ValueError, KeyError, TypeError):
        run_id, server = None, None
    if isinstance(run_id, str) and server == remote.url:
        return PlanInput({"plan_run_id": run_id}, None)
    err_console.print(f"uploading the plan {plan_path} with the run", markup=False)
    return PlanInput({}, the_plan.model_dump(mode="json"))


@dataclass(frozen=True)
class PlanInput:
    """A plan as a run gets it: run options naming an earlier run, or the plan to upload."""

    options: dict[str, Any]
    plan: dict[str, Any] | None


@remote_errors
def plan(
    remote: RunClient,
    scenario: str,
    out: Path,
    kind: str,
    run_options: Mapping[str, Any],
    given: dict[str, Any],
    report: bool,
) -> None:
    """``isoflow --server URL plan``: plan on the service, write the plan files here."""
    from isoflow.adapters.cli.plan_cmds import print_summary
    from isoflow.adapters.plan_files import REPORT_FILE, write_plan_files
    from isoflow.records.plan import Plan

    stored = upload(remote, scenario)
    final, found = execute(remote, kind, str(stored["scenario_id"]), run_options)
    ended(final, PLAN_OK)
    the_plan = Plan.model_validate(found["result"])
    given |= {"server": remote.url, "remote_run_id": final["run_id"]}
    run = run_record("plan", given, the_plan.scenario, scenario=scenario)
    with results(out, run, optional=[REPORT_FILE]) as rs:
        rs.add(write_plan_files(the_plan, rs.folder))
        if report:
            from isoflow.adapters.cli.plan_cmds import _report

            rs.add([_report(the_plan, load_valid(scenario), rs.folder / REPORT_FILE)])
    print_summary(the_plan)
    print_wrote(rs)


@remote_errors
def verify(remote: RunClient, plan_path: Path, scenario: str) -> None:
    """``isoflow --server URL verify``: the service checks the plan (its own, or uploaded)."""
    the_plan = plan_from(plan_path, "argument 'PLAN'")
    given = plan_input(plan_path, the_plan, remote)
    stored = upload(remote, scenario)
    final, found = execute(remote, "verify", str(stored["scenario_id"]), given.options, given.plan)
    ended(final, frozenset({"succeeded"}))
    violations = [str(v) for v in found.get("violations") or []]
    if violations:
        for v in violations:
            console.print(v, markup=False)
        console.print(f"{len(violations)} violation(s)", markup=False)
        raise typer.Exit(1)
    console.print(
        f"plan OK: {len(the_plan.allocations)} allocations, {len(the_plan.runs)} runs, "
        f"{len(the_plan.shipments)} shipments checked against {stored.get('name')} "
        f"on {remote.url}",
        markup=False,
    )


@remote_errors
def simulate(
    remote: RunClient,
    scenario: str,
    plan_path: Path | None,
    out: Path,
    run_options: dict[str, Any],
    given: dict[str, Any],
) -> None:
    """``isoflow --server URL simulate``: simulate on the service, write its files here.

    ``kpis.json`` and the CSV tables ``isoflow simulate`` writes (the run's manifest names
    them; each is fetched from ``/runs/{id}/files/{name}``).
    """
    from isoflow.adapters.cli.simulate_cmd import print_kpis
    from isoflow.engines.simulate.output import FILES, _round

    the_plan: Plan | None = None
    plan_given = PlanInput({}, None)
    if plan_path is not None:
        the_plan = plan_from(plan_path, "option '--plan'")
        plan_given = plan_input(plan_path, the_plan, remote)
    stored = upload(remote, scenario)
    name = str(stored.get("name") or "")
    final, found = execute(remote, "simulate", str(stored["scenario_id"]),
                           {**run_options, **plan_given.options}, plan_given.plan)  # fmt: skip
    ended(final, frozenset({"succeeded"}))
    kpis = dict(found["result"])
    kpis["scenario"] = name
    given |= {"server": remote.url, "remote_run_id": final["run_id"]}
    run = run_record("simulate", given, name, scenario=scenario, plan=plan_path)
    with results(out, run) as rs:
        named = found.get("manifest", {}).get("files", {})
        for table_name in FILES[:3]:  # in the local command's order; only these are written
            if table_name in named:
                table = rs.folder / table_name
                table.write_bytes(remote.file(str(final["run_id"]), table_name))
                rs.add([table])
        path = rs.folder / FILES[3]
        text = json.dumps(_round(kpis), indent=1, allow_nan=False)
        path.write_text(text + "\n", encoding="utf-8")
        rs.add([path])
    doses = found.get("manifest", {}).get("plan_doses")
    planned = (
        (int(doses[0]), int(doses[1])) if isinstance(doses, list) and len(doses) == 2 else None
    )
    print_kpis(kpis, name, planned)
    print_wrote(rs)


def raw_events(path: Path) -> list[Any]:
    """The events of an event file as mappings (times as ISO text), for the service."""
    import yaml

    def plain(value: Any) -> Any:
        if isinstance(value, dict):
            return {str(k): plain(v) for k, v in value.items()}
        if isinstance(value, list):
            return [plain(v) for v in value]
        return value.isoformat() if isinstance(value, datetime | date) else value

    data = yaml.safe_load(path.read_text(encoding="utf-8"))
    return list(plain(data).get("events") or []) if isinstance(data, dict) else []


@remote_errors
def replan(
    remote: RunClient,
    plan_path: Path,
    event_paths: list[Path],
    scenario: str | None,
    out: Path | None,
    run_options: dict[str, Any],
    given: dict[str, Any],
) -> None:
    """``isoflow --server URL replan``: re-plan a plan the service made, after events."""
    from isoflow.adapters.cli.replan_cmd import _default_out, _events, print_revision
    from isoflow.adapters.plan_files import write_plan_files
    from isoflow.records.plan import Plan

    parent = plan_from(plan_path, "argument 'PLAN'")
    plan_given = plan_input(plan_path, parent, remote)
    run_options |= plan_given.options
    ref = scenario or parent.scenario
    _events(event_paths, load_valid(ref), parent)  # problems at their lines, here (exit 1)
    run_options["events"] = [e for path in event_paths for e in raw_events(path)]
    stored = upload(remote, ref)
    final, found = execute(remote, "replan", str(stored["scenario_id"]), run_options,
                           plan_given.plan)  # fmt: skip
    ended(final, PLAN_OK)
    revised = Plan.model_validate(found["result"])
    given |= {"server": remote.url, "remote_run_id": final["run_id"]}
    run = run_record("replan", given, revised.scenario, scenario=ref)
    with results(out or _default_out(plan_path, parent), run) as rs:
        rs.add(write_plan_files(revised, rs.folder))
    assert revised.revision is not None
    print_revision(revised, revised.revision)
    print_wrote(rs)


@remote_errors
def recommend(
    remote: RunClient,
    plan_path: Path,
    event_paths: list[Path],
    scenario: str | None,
    run_options: dict[str, Any],
) -> None:
    """``isoflow --server URL replan --mode recommend``: the ways, ranked on the service.

    Found and verified there, printed here.
    """
    from isoflow.adapters.cli.replan_cmd import _events, one_new_demand, print_recommendation

    parent = plan_from(plan_path, "argument 'PLAN'")
    plan_given = plan_input(plan_path, parent, remote)
    run_options |= plan_given.options
    ref = scenario or parent.scenario
    one_new_demand(_events(event_paths, load_valid(ref), parent))  # checked here, as locally
    run_options["events"] = [e for path in event_paths for e in raw_events(path)]
    stored = upload(remote, ref)
    final, found = execute(remote, "recommend", str(stored["scenario_id"]), run_options,
                           plan_given.plan)  # fmt: skip
    ended(final, frozenset({"succeeded"}))
    print_recommendation(found["result"])


@remote_errors
def analysis(
    remote: RunClient,
    kind: str,
    name: str,
    scenario: str,
    out: Path,
    run_options: Mapping[str, Any],
    given: dict[str, Any],
) -> None:
    """``isoflow --server URL analyze KIND``: the analysis on the service, its tables here.

    Writes ``NAME.json`` (the run's result) and the CSV tables (the run's files), as the
    local command does; the SVG chart is drawn by the local command only.
    """
    stored = upload(remote, scenario)
    final, found = execute(remote, kind, str(stored["scenario_id"]), run_options)
    ended(final, frozenset({"succeeded"}))
    given |= {"server": remote.url, "remote_run_id": final["run_id"]}
    scenario_name = str(stored.get("name") or scenario)
    run = run_record(f"analyze {kind}", given, scenario_name, scenario=scenario)
    with results(out, run) as rs:
        for table in found.get("manifest", {}).get("files", {}):
            path = rs.folder / Path(str(table)).name
            path.write_bytes(remote.file(str(final["run_id"]), str(table)))
            rs.add([path])
        path = rs.folder / f"{name}.json"
        path.write_text(json.dumps(found["result"], indent=1) + "\n", encoding="utf-8")
        rs.add([path])
    console.print(f"{kind} of {scenario_name}: {final.get('message') or 'done'}", markup=False)
    print_wrote(rs)
