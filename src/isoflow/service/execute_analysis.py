"""Runs of the strategic analyses: capacity, self-sufficiency, contingency and make-or-buy.

Each runner builds the engine's own options from the run's options (so each bound has one
home, the engine's), runs the analysis in the job's process, and returns the same JSON and
CSV tables that ``isoflow analyze`` writes (:mod:`isoflow.engines.analysis.outputs`): the
JSON as the run's result, the tables as its files. The plans an analysis makes inside (the
base plan of self-sufficiency and contingency, and their re-plans) are the analysis's own
working; its result is the tables.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Mapping
from typing import TYPE_CHECKING, Any

import isoflow
from isoflow.service.model import RunKind, RunState

if TYPE_CHECKING:
    from isoflow.engines.analysis.capacity import CapacityOptions
    from isoflow.engines.analysis.contingency import ContingencyOptions
    from isoflow.engines.analysis.makeorbuy import MakeOrBuyInputs
    from isoflow.engines.analysis.outputs import AnalysisOutput
    from isoflow.records import Plan
    from isoflow.scenario.schema import Scenario
    from isoflow.service.execute import Job, Outcome, Progress


def _given(options: Mapping[str, Any], *names: str) -> dict[str, Any]:
    return {n: options[n] for n in names if options.get(n) is not None}


def capacity_options(options: Mapping[str, Any]) -> CapacityOptions:
    """``CapacityOptions`` (years, reserve, grouping, growth scale) from a run's options."""
    from isoflow.engines.analysis.capacity import CapacityOptions

    names = ("first_year", "last_year", "reserve_margin", "grouping", "growth_scale")
    return CapacityOptions(**_given(options, *names))


def contingency_options(options: Mapping[str, Any]) -> ContingencyOptions:
    """``ContingencyOptions`` (elements, N-2, kinds, method, stability) and the plan's."""
    from isoflow.engines.analysis.contingency import ContingencyOptions
    from isoflow.service.execute import plan_options

    given = _given(options, "all_elements", "n2_top", "kinds", "method", "stability")
    if "kinds" in given:
        given["kinds"] = tuple(given["kinds"])
    solve = ContingencyOptions().plan.solve  # the engine's own time limit and gap per re-plan
    engine = {"time_limit_s": solve.time_limit_s, "mip_gap": solve.mip_gap}
    return ContingencyOptions(plan=plan_options({**engine, **options}), **given)


def make_or_buy_inputs(
    options: Mapping[str, Any], base: MakeOrBuyInputs | None = None
) -> MakeOrBuyInputs:
    """The make-or-buy inputs: ``base`` (or the defaults) with the run's ``inputs`` over it.

    A bad input raises :class:`~isoflow.errors.OptionError` naming ``inputs.KEY``.
    """
    from isoflow.engines.analysis.makeorbuy import MakeOrBuyInputs
    from isoflow.errors import InputError, OptionError

    try:
        return MakeOrBuyInputs.from_mapping(dict(options.get("inputs") or {}), base)
    except OptionError as exc:
        raise OptionError(f"inputs.{exc.field}", exc.expected, exc.got) from None
    except InputError as exc:
        raise OptionError(f"inputs.{exc.field}", exc.message, "") from None


def check_options(options: Mapping[str, Any]) -> None:
    """Build every analysis's options, raising the engine's ``OptionError`` on a bad one."""
    from isoflow import bounds

    capacity_options(options)
    contingency_options(options)
    make_or_buy_inputs(options)
    if options.get("capacity_year") is not None:
        bounds.YEAR.check(options["capacity_year"], "capacity_year")
    if options.get("swing") is not None:
        bounds.SWING.check(options["swing"], "swing")


def _given_plan(job: Job) -> Plan | None:
    """The plan the run names (``plan_run_id`` or uploaded), as the analysis's base plan."""
    from isoflow.records import Plan

    return None if job.plan is None else Plan.model_validate_json(job.plan)


def _outcome(output: AnalysisOutput, message: str) -> Outcome:
    from isoflow.service.execute import Outcome

    files = tuple(output.csv_files())
    return Outcome(RunState.SUCCEEDED, message, None, output.json_bytes(), None, (), {}, files)


def _run_capacity(job: Job, scenario: Scenario, progress: Progress) -> Outcome:
    from isoflow.engines.analysis.capacity import capacity_vs_demand
    from isoflow.engines.analysis.outputs import capacity_output
    from isoflow.engines.analysis.weekly import weekly_profile

    opts = capacity_options(job.options)
    progress(0.2, "capacity against demand, year by year")
    t0 = time.perf_counter()
    res = capacity_vs_demand(scenario, opts)
    progress(0.6, f"week by week in {opts.first_year}")
    weeks = weekly_profile(scenario, opts.first_year, opts)
    output = capacity_output(res, weeks, scenario.meta.name, time.perf_counter() - t0)
    short = sum(1 for s in res.summary if s.first_shortfall_year is not None)
    return _outcome(output, f"{len(res.rows)} rows; {short} of {len(res.summary)} groups short")


def _run_self_sufficiency(job: Job, scenario: Scenario, progress: Progress) -> Outcome:
    from isoflow.engines.analysis.outputs import self_sufficiency_output
    from isoflow.engines.analysis.selfsufficiency import self_sufficiency
    from isoflow.service.execute import plan_options

    progress(0.1, "planning the network and the domestic-only case")
    t0 = time.perf_counter()
    res = self_sufficiency(
        scenario,
        plan_options(job.options),
        base_plan=_given_plan(job),
        capacity_year=job.options.get("capacity_year"),
    )
    output = self_sufficiency_output(res, scenario.meta.name, time.perf_counter() - t0)
    return _outcome(output, f"{len(res.rows)} country-isotope rows")


def _run_contingency(job: Job, scenario: Scenario, progress: Progress) -> Outcome:
    from isoflow.engines.analysis.contingency import contingency
    from isoflow.engines.analysis.outputs import contingency_output

    opts = contingency_options(job.options)
    progress(0.05, "planning the base week")

    def cases(done: int, total: int) -> None:
        progress(0.1 + 0.85 * done / max(total, 1), f"re-planned {done} of {total} failures")

    t0 = time.perf_counter()
    res = contingency(scenario, opts, progress=cases, base_plan=_given_plan(job))
    output = contingency_output(res, scenario.meta.name, time.perf_counter() - t0, 1)
    worst = max((r.lost for r in res.rows), default=0)
    return _outcome(output, f"{len(res.rows)} failure cases; the worst loses {worst} doses")


def _run_make_or_buy(job: Job, scenario: Scenario, progress: Progress) -> Outcome:
    """Make or buy: the inputs given, over those derived from a process's plan if named."""
    from isoflow.engines.analysis.makeorbuy import make_or_buy
    from isoflow.engines.analysis.makeorbuy_plan import inputs_from_plan
    from isoflow.engines.analysis.outputs import make_or_buy_output
    from isoflow.service.execute import plan_options

    base = None
    process = job.options.get("process")
    if process:
        plan = _given_plan(job)
        if plan is None:
            progress(0.1, f"planning {scenario.meta.name} for {process}")
            plan = isoflow.make_plan(scenario, plan_options(job.options))
        base, _ = inputs_from_plan(scenario, plan, str(process))
    x = make_or_buy_inputs(job.options, base)
    swing = job.options.get("swing")
    res = make_or_buy(x) if swing is None else make_or_buy(x, float(swing))
    output = make_or_buy_output(res, x, scenario.meta.currency)
    money = f"{res.savings:,.0f} {scenario.meta.currency}"
    return _outcome(output, f"{res.decision}: NPV of buying less NPV of making = {money}")


ANALYSIS_RUNNERS: dict[RunKind, Callable[[Job, Scenario, Progress], Outcome]] = {
    RunKind.CAPACITY: _run_capacity,
    RunKind.SELF_SUFFICIENCY: _run_self_sufficiency,
    RunKind.CONTINGENCY: _run_contingency,
    RunKind.MAKE_OR_BUY: _run_make_or_buy,
}
"""The engine of each analysis the service runs."""
