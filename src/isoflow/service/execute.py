"""One run of an engine, from stored bytes to an :class:`Outcome` (no HTTP, no paths).

:func:`execute` is what a job's child process calls: it loads the scenario (canonical JSON),
runs the engine of the run's kind with its options, and for every plan it makes asks
``isoflow verify`` for a verdict. A plan with violations is never reported as optimal: its
outcome is :attr:`RunState.FAILED` with the violations as the message.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import datetime
from importlib import metadata
from typing import TYPE_CHECKING, Any

import isoflow
from isoflow.service.execute_analysis import ANALYSIS_RUNNERS
from isoflow.service.model import RunKind, RunState

if TYPE_CHECKING:
    from isoflow.engines.planner.api import PlanOptions
    from isoflow.engines.planner.replan import ReplanOptions
    from isoflow.engines.simulate import SimOptions, SimResult
    from isoflow.records import Plan
    from isoflow.scenario.schema import Scenario

Progress = Callable[[float, str], None]
"""Reports progress: a fraction in [0, 1] and a short message."""

VERDICT_OK = "ok"
"""The verdict of a plan that ``isoflow verify`` finds sound."""


@dataclass(frozen=True, slots=True)
class Job:
    """What a run needs to execute: its kind, options and input artefacts."""

    kind: RunKind
    options: Mapping[str, Any]
    scenario: bytes
    plan: bytes | None = None


@dataclass(frozen=True, slots=True)
class Outcome:
    """What became of a run: the state to record, the result bytes and the verdict."""

    state: RunState
    message: str = ""
    gap: float | None = None
    result: bytes | None = None
    verdict: str | None = None
    violations: tuple[str, ...] = ()
    manifest: dict[str, Any] = field(default_factory=dict)
    files: tuple[tuple[str, bytes], ...] = ()
    """Further result files by name (a simulation's CSV tables), kept beside the result."""


def versions() -> dict[str, str]:
    """The versions recorded in every manifest: isoflow's and HiGHS's."""
    try:
        highs = metadata.version("highspy")
    except metadata.PackageNotFoundError:  # pragma: no cover - highspy ships with isoflow
        highs = "unknown"
    return {"isoflow": isoflow.__version__, "highs": highs}


def _json(data: Any) -> bytes:
    return json.dumps(data, indent=1, sort_keys=True, allow_nan=False).encode()


def _plan_bytes(plan: Plan) -> bytes:
    return _json(plan.model_dump(mode="json"))


def judge(plan: Plan, scenario: Scenario, extra: dict[str, Any]) -> Outcome:
    """The outcome of a plan: its solver status mapped to a state, checked by the verifier.

    A plan that fails verification is :attr:`RunState.FAILED`, whatever its solver said.
    """
    from isoflow.records import SolveStatus

    violations = tuple(str(v) for v in isoflow.verify(plan, scenario))
    result = _plan_bytes(plan)
    solver = plan.solver
    gap = None if solver is None else solver.gap
    if violations:
        shown = "; ".join(violations[:5])
        return Outcome(
            RunState.FAILED,
            f"the plan fails verification ({len(violations)} violation(s)): {shown}",
            gap,
            result,
            f"violations: {len(violations)}",
            violations,
            extra,
        )
    status = None if solver is None else solver.status
    state = {
        SolveStatus.OPTIMAL: RunState.OPTIMAL,
        SolveStatus.FEASIBLE: RunState.TIME_LIMIT,
        SolveStatus.INFEASIBLE: RunState.INFEASIBLE,
        None: RunState.FEASIBLE,
    }.get(status, RunState.FEASIBLE)
    message = "" if solver is None else solver.message
    return Outcome(state, message, gap, result, VERDICT_OK, (), extra)


def execute(job: Job, progress: Progress) -> Outcome:
    """Run the job's engine and return its outcome; engine errors become ``failed``."""
    from isoflow.errors import IsoflowError
    from isoflow.scenario.schema import Scenario

    progress(0.05, "loading the scenario")
    scenario = Scenario.model_validate_json(job.scenario)
    runner = _RUNNERS[job.kind]
    try:
        return runner(job, scenario, progress)
    except IsoflowError as exc:
        return Outcome(RunState.FAILED, f"{type(exc).__name__}: {exc}")


def _given(options: Mapping[str, Any], *names: str) -> dict[str, Any]:
    """The options among ``names`` that are given (not None); instants parsed."""
    out = {n: options[n] for n in names if options.get(n) is not None}
    for name in ("start", "now"):
        if isinstance(out.get(name), str):
            out[name] = datetime.fromisoformat(out[name])
    return out


def plan_options(options: Mapping[str, Any]) -> PlanOptions:
    """The planner's options from a run's options (its JSON form).

    Bounds are the planner's own: an option outside them raises
    :class:`~isoflow.errors.OptionError` naming its field.
    """
    from isoflow.engines.planner.api import PlanOptions
    from isoflow.engines.planner.solve import SolveOptions

    return PlanOptions(
        **_given(options, "start", "horizon_s", "lead_s"),
        solve=SolveOptions(
            time_limit_s=float(options.get("time_limit_s", 60.0)),
            mip_gap=float(options.get("mip_gap", 0.01)),
            threads=int(options.get("threads", 1)),
        ),
    )


def replan_options(options: Mapping[str, Any]) -> ReplanOptions:
    """The re-planner's options (``now``, ``mode``, ``freeze_s``, ``stability``)."""
    from isoflow.engines.planner.replan import ReplanOptions
    from isoflow.records.revision import ReplanMode

    given = _given(options, "now", "freeze_s", "stability", "mode")
    if "mode" in given:
        given["mode"] = ReplanMode(str(given["mode"]))
    return ReplanOptions(**given, plan=plan_options(options))


def sim_options(options: Mapping[str, Any]) -> SimOptions:
    """The simulator's options (replications, seed, weeks, recourse, re-plan interval)."""
    from isoflow.engines.simulate import ModelOptions, SimOptions

    return SimOptions(
        replications=int(options.get("replications", 50)),
        seed=int(options.get("seed", 0)),
        model=ModelOptions(**_given(options, "weeks")),
        **_given(options, "recourse", "replan_every_s"),
    )


def _run_plan(job: Job, scenario: Scenario, progress: Progress) -> Outcome:
    progress(0.1, "planning")
    opts = plan_options(job.options)
    if job.kind is RunKind.BASELINE or job.options.get("baseline"):
        from isoflow.engines.planner.baseline import baseline_plan

        plan = baseline_plan(scenario, opts)
    else:
        plan = isoflow.make_plan(scenario, opts)
    progress(0.9, "verifying the plan")
    return judge(plan, scenario, {"seeds": {}})


def _parent(job: Job) -> Plan:
    from isoflow.errors import InputError
    from isoflow.records import Plan

    if job.plan is None:
        raise InputError("plan_run_id", "this kind of run needs a plan")
    return Plan.model_validate_json(job.plan)


def _run_verify(job: Job, scenario: Scenario, progress: Progress) -> Outcome:
    progress(0.2, "verifying")
    plan = _parent(job)
    violations = tuple(str(v) for v in isoflow.verify(plan, scenario))
    verdict = VERDICT_OK if not violations else f"violations: {len(violations)}"
    message = "plan OK" if not violations else f"{len(violations)} violation(s)"
    return Outcome(RunState.SUCCEEDED, message, None, _json(list(violations)), verdict, violations)


def _run_simulate(job: Job, scenario: Scenario, progress: Progress) -> Outcome:
    from isoflow.engines.simulate import build_model, kpis
    from isoflow.engines.simulate.run import run_model

    opts = sim_options(job.options)
    seed = opts.seed
    plan = _parent(job) if job.plan is not None else None
    progress(0.1, "planning the week" if plan is None else "compiling the plan")
    model, planned = build_model(scenario, plan, opts.model)
    progress(0.3, "simulating")
    result = run_model(scenario, model, planned, opts)
    summary = kpis(result)
    # in the simulator's order, not sorted: the order of the KPIs is the order of their table
    body = json.dumps(json.loads(json.dumps(summary, default=str)), indent=1, allow_nan=False)
    extra: dict[str, Any] = {"seeds": {"simulate": seed}}
    if (doses := planned.kpis.doses) is not None:  # for the summary line of a remote client
        extra["plan_doses"] = [doses.served, doses.total]
    tables = _tables(result, scenario)
    return Outcome(RunState.SUCCEEDED, "", None, body.encode(), None, (), extra, tables)


def _tables(result: SimResult, scenario: Scenario) -> tuple[tuple[str, bytes], ...]:
    """The simulation's CSV tables, as ``isoflow simulate`` writes them (not ``kpis.json``)."""
    import tempfile
    from pathlib import Path

    from isoflow.engines.simulate import write_results

    with tempfile.TemporaryDirectory(prefix="isoflow-tables-") as tmp:
        paths = write_results(result, Path(tmp), scenario.meta.name)
        return tuple((p.name, p.read_bytes()) for p in paths if p.suffix == ".csv")


def _run_replan(job: Job, scenario: Scenario, progress: Progress) -> Outcome:
    parent = _parent(job)
    events = list(job.options.get("events", []))
    opts = replan_options(job.options)
    progress(0.2, "re-planning")
    revision = isoflow.replan(scenario, parent, events, opts)
    progress(0.9, "verifying the revision")
    return judge(revision, scenario, {"seeds": {}})


def _run_recommend(job: Job, scenario: Scenario, progress: Progress) -> Outcome:
    """The ranked ways to serve one new booking or order inside the plan, each verified.

    A way that fails verification fails the run: no unverified way is ever shown.
    """
    from isoflow.engines.planner.recommend import as_record, check_ways, recommend
    from isoflow.errors import InputError
    from isoflow.scenario.events import BookingAdded, OrderAdded, parse_events

    parent = _parent(job)
    events = parse_events({"events": list(job.options.get("events", []))}).events
    new = [e for e in events if isinstance(e, BookingAdded | OrderAdded)]
    if len(new) != 1 or len(events) != 1:
        raise InputError("events", "a recommendation takes one booking_added or order_added")
    opts = replan_options(job.options)
    progress(0.2, "finding the ways")
    rec = recommend(scenario, parent, new[0], opts.now, int(job.options.get("top", 3)), opts.plan)
    progress(0.9, "verifying each way")
    verdicts = check_ways(rec)
    bad = [(w.rank, found) for w, found in zip(rec.ways, verdicts, strict=True) if found]
    if bad:
        rank, found = bad[0]
        message = f"way {rank} fails verification ({len(found)} violation(s)): {found[0]}"
        count = sum(len(f) for _, f in bad)
        violations = tuple(v for _, f in bad for v in f)
        # no result: a way that fails verification is never shown (the violations say why)
        return Outcome(RunState.FAILED, message, None, None, f"violations: {count}", violations)
    message = (
        f"{len(rec.ways)} way(s) to serve {rec.demand}"
        if rec.ways
        else (f"no way to serve {rec.demand} inside the plan")
    )
    return Outcome(RunState.SUCCEEDED, message, None, _json(as_record(rec, verdicts)), VERDICT_OK)


_RUNNERS: dict[RunKind, Callable[[Job, Scenario, Progress], Outcome]] = {
    RunKind.PLAN: _run_plan,
    RunKind.BASELINE: _run_plan,
    RunKind.VERIFY: _run_verify,
    RunKind.SIMULATE: _run_simulate,
    RunKind.REPLAN: _run_replan,
    RunKind.RECOMMEND: _run_recommend,
    **ANALYSIS_RUNNERS,
}
"""The engine of each kind of run the service executes."""

SUPPORTED_KINDS = frozenset(_RUNNERS)
"""Kinds of run the service accepts."""
