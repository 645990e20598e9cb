"""Monte Carlo driver: chunks of replications on any executor, reproducible by seed.

Replications are cut into fixed-size chunks; chunk ``i`` is seeded by
``SeedSequence(seed).spawn(n_chunks)[i]`` and its results are concatenated in chunk order,
so the same seed gives the same numbers with 1, 2 or 40 workers, or on a Dask cluster. The
executor is any :class:`concurrent.futures.Executor`; this module never imports Dask.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from concurrent.futures import Executor, Future, as_completed
from dataclasses import dataclass, field
from typing import Any, Literal

import numpy as np
import numpy.typing as npt

from isoflow import bounds
from isoflow.engines.simulate.fast import run_chunk
from isoflow.engines.simulate.model import (
    CAUSES,
    OUTCOMES,
    ModelOptions,
    SimModel,
    compile_model,
)
from isoflow.engines.simulate.tally import EXPORT_COLUMNS, SUMMARY_COLUMNS, ChunkResult
from isoflow.errors import OptionError, SimulationError
from isoflow.records.plan import Plan
from isoflow.scenario.schema import Scenario

F64 = npt.NDArray[np.float64]
I64 = npt.NDArray[np.int64]

Recourse = Literal["heuristic", "replan"]
"""How a replication responds to disruptions (:class:`SimOptions`)."""
RECOURSES: tuple[Recourse, ...] = ("heuristic", "replan")

Z95 = 1.959963984540054
"""Two-sided 95 % normal quantile; intervals are mean ± Z95 · standard error."""
PERCENTILES = (5, 50, 95, 99)
"""Percentiles of the tail KPIs (:func:`tail`)."""
LOSS_OVER = (0.01, 0.05, 0.10, 0.25, 0.50)
"""Loss shares ``x`` of the tail KPIs' ``P(loss > x)`` (:func:`tail`)."""


@dataclass(frozen=True)
class SimOptions:
    """What to simulate.

    Attributes
    ----------
    replications
        Number of replications (each one is the whole period of ``weeks``).
    seed
        Root seed; chunk ``i`` uses ``SeedSequence(seed).spawn(n_chunks)[i]``.
    chunk_size
        Replications per chunk (the unit of parallel work and of seeding). Changing it
        changes the random streams, so keep it fixed to reproduce a run.
    model
        Model options (weeks, arrival buffer, recourse breadth).
    recourse
        ``heuristic``: the recourse of :mod:`.recourse` (:func:`simulate`); ``replan``: the
        re-planner at each re-plan instant (:func:`.replanning.simulate_replan`; one week,
        few replications: each re-plan takes seconds). Both draw the same disruptions.
    replan_every_s
        With ``replan``: re-plan every this long from the plan's start [s]; ``None``: at
        each moment a disruption becomes known.
    """

    replications: int = 200
    seed: int = 0
    chunk_size: int = 250
    model: ModelOptions = field(default_factory=ModelOptions)
    recourse: Recourse = "heuristic"
    replan_every_s: float | None = None

    def __post_init__(self) -> None:
        bounds.REPLICATIONS.check(self.replications, "replications")
        bounds.SEED.check(self.seed, "seed")
        bounds.CHUNK_SIZE.check(self.chunk_size, "chunk_size")
        if self.recourse not in RECOURSES:
            raise OptionError("recourse", "heuristic or replan", repr(self.recourse))
        if self.replan_every_s is not None:
            if self.recourse != "replan":
                raise OptionError("replan_every_s", "none unless the recourse is replan", "given")
            bounds.REPLAN_EVERY.check(self.replan_every_s, "replan_every_s")
        if self.recourse == "replan" and self.model.weeks != 1:
            raise OptionError(
                "recourse",
                "heuristic with weeks over 1 (re-planning covers one plan's week)",
                "replan",
            )


@dataclass
class SimResult:
    """Concatenated results of all chunks (see :class:`ChunkResult`) and the model."""

    model: SimModel
    options: SimOptions
    summary: F64
    missed_country: I64
    missed_product: I64
    wanted_country: I64
    wanted_product: I64
    missed_cause: I64
    book_outcome: I64
    book_cause: I64
    book_late: I64
    exceptions: F64
    exports: F64

    @property
    def replications(self) -> int:
        """Number of replications."""
        return int(self.summary.shape[0])

    def column(self, name: str) -> F64:
        """One per-replication summary column (:data:`SUMMARY_COLUMNS`)."""
        return self.summary[:, SUMMARY_COLUMNS.index(name)]


def build_model(
    scenario: Scenario, plan: Plan | None = None, options: ModelOptions | None = None
) -> tuple[SimModel, Plan]:
    """Compile the simulation model of ``plan`` (planned now with the optimiser if none)."""
    from isoflow.engines.planner.api import PlanOptions, make_plan, network_for
    from isoflow.engines.planner.candidates import generate

    if plan is None:
        plan = make_plan(scenario, PlanOptions())
    if plan.scenario != scenario.meta.name:
        raise SimulationError(
            f"the plan was made for scenario {plan.scenario!r}, not {scenario.meta.name!r}"
        )
    start = plan.start_utc
    popts = PlanOptions(
        start=start,
        horizon_s=(plan.end_utc - start).total_seconds(),
        lead_s=(start - plan.earliest_run_utc).total_seconds(),
    )
    net = network_for(scenario, popts)
    cand = generate(net, popts.candidates)
    try:
        model = compile_model(scenario, plan, net, cand, options)
    except KeyError as exc:
        raise SimulationError(f"the plan refers to {exc} that the scenario lacks") from None
    return model, plan


def chunks(options: SimOptions) -> list[tuple[np.random.SeedSequence, int, int]]:
    """(seed, size, first replication) of every chunk."""
    n = math.ceil(options.replications / options.chunk_size)
    seeds = np.random.SeedSequence(options.seed).spawn(n)
    out = []
    for i, seed in enumerate(seeds):
        first = i * options.chunk_size
        out.append((seed, min(options.chunk_size, options.replications - first), first))
    return out


def simulate(
    model: SimModel,
    options: SimOptions,
    executor: Executor | None = None,
    progress: Callable[[int, int], None] | None = None,
) -> SimResult:
    """Run ``options.replications`` replications of ``model``, chunk by chunk.

    ``executor`` runs the chunks (default: in this process); ``progress(done, total)`` is
    called as chunks finish, in completion order. Results are in chunk order. With
    ``options.recourse == "replan"`` use :func:`.replanning.simulate_replan` instead.
    """
    if options.recourse != "heuristic":
        raise SimulationError("recourse 'replan' needs simulate_replan (scenario and plan)")
    work = chunks(options)
    results: list[ChunkResult | None] = [None] * len(work)
    if executor is None:
        for i, (seed, size, first) in enumerate(work):
            results[i] = run_chunk(model, seed, size, first)
            if progress is not None:
                progress(i + 1, len(work))
    else:
        futures: dict[Future[ChunkResult], int] = {
            executor.submit(run_chunk, model, seed, size, first): i
            for i, (seed, size, first) in enumerate(work)
        }
        for done, fut in enumerate(as_completed(futures), start=1):
            results[futures[fut]] = fut.result()
            if progress is not None:
                progress(done, len(work))
    return as_result(model, options, [r for r in results if r is not None])


def as_result(model: SimModel, options: SimOptions, parts: list[ChunkResult]) -> SimResult:
    """Concatenate chunk results (in the given order) into one :class:`SimResult`."""
    return SimResult(
        model=model,
        options=options,
        summary=np.concatenate([r.summary for r in parts]),
        missed_country=np.concatenate([r.missed_country for r in parts]),
        missed_product=np.concatenate([r.missed_product for r in parts]),
        wanted_country=np.concatenate([r.wanted_country for r in parts]),
        wanted_product=np.concatenate([r.wanted_product for r in parts]),
        missed_cause=np.concatenate([r.missed_cause for r in parts]),
        book_outcome=np.sum([r.book_outcome for r in parts], axis=0),
        book_cause=np.sum([r.book_cause for r in parts], axis=0),
        book_late=np.sum([r.book_late for r in parts], axis=0),
        exceptions=np.concatenate([r.exceptions for r in parts]),
        exports=np.concatenate([r.exports for r in parts]),
    )


def interval(values: F64) -> dict[str, float]:
    """Mean of per-replication ``values`` with its 95 % normal interval."""
    n = values.size
    mean = float(values.mean()) if n else 0.0
    half = Z95 * float(values.std(ddof=1)) / math.sqrt(n) if n > 1 else 0.0
    return {"mean": mean, "lo": mean - half, "hi": mean + half}


def ratio_interval(num: F64, den: F64) -> dict[str, float]:
    """Ratio of sums ``Σnum / Σden`` with a 95 % delta-method interval over replications."""
    n = num.size
    total = float(den.sum())
    if total == 0:
        return {"mean": 0.0, "lo": 0.0, "hi": 0.0}
    ratio = float(num.sum()) / total
    if n < 2:
        return {"mean": ratio, "lo": ratio, "hi": ratio}
    resid = num - ratio * den
    half = Z95 * float(resid.std(ddof=1)) / math.sqrt(n) / (total / n)
    return {"mean": ratio, "lo": ratio - half, "hi": ratio + half}


def kpis(result: SimResult) -> dict[str, Any]:
    """Aggregate KPIs with 95 % intervals (JSON-ready), counted in doses.

    ``p_missed`` is the mean over replications of doses missed over doses still wanted (not
    cancelled), ``p_missed_pooled`` the ratio of their sums; counts per week are doses;
    ``patients`` gives the same for the doses of per-patient bookings; ``tails`` the
    distribution over replications of doses missed and activity lost (:func:`tails`).
    Exports (orders at markets) are no doses: ``exports``, present when the plan has any,
    counts them in units and activity (:func:`_exports`).
    """
    m = result.model
    weeks = m.weeks
    active = result.column("doses") - result.column("cancelled")
    missed = result.column("missed")
    total_missed = result.missed_cause.sum(axis=0)
    by_cause = {}
    for c, name in enumerate(CAUSES):
        if c == 0:
            continue
        by_cause[name] = {
            "per_week": interval(result.missed_cause[:, c] / weeks),
            "share": ratio_interval(result.missed_cause[:, c].astype(np.float64), missed),
            "total": int(total_missed[c]),
        }
    dose = ~m.book_export
    out: dict[str, Any] = {
        "scenario": "",
        "replications": result.replications,
        "weeks": weeks,
        "seed": result.options.seed,
        "recourse": result.options.recourse,
        "replan_every_s": result.options.replan_every_s,
        "chunk_size": result.options.chunk_size,
        "doses_per_week": m.n_doses / weeks,
        "p_missed": interval(_share(missed, active)),
        "p_missed_pooled": ratio_interval(missed, active),
        "missed_per_week": interval(missed / weeks),
        "served_late_per_week": interval(result.column("served_late") / weeks),
        "recourse_per_week": {
            name: interval(result.column(name) / weeks)
            for name in ("rerouted", "alternative", "substitute")
        },
        "cancelled_per_week": interval(result.column("cancelled") / weeks),
        "extra_per_week": interval(result.column("extra") / weeks),
        "patients": _patients(result),
        "lost_activity_bq_per_week": interval(result.column("lost_activity_bq") / weeks),
        "cost_per_week": interval(result.column("cost") / weeks),
        "missed_per_week_by_country": {
            c: interval(result.missed_country[:, i] / weeks) for i, c in _shown(m, "country")
        },
        "missed_per_week_by_product": {
            p: interval(result.missed_product[:, i] / weeks) for i, p in _shown(m, "product")
        },
        "missed_by_cause": by_cause,
        "outcomes": {
            name: int(result.book_outcome[dose, i].sum()) for i, name in enumerate(OUTCOMES)
        },
        "tails": tails(result),
    }
    if m.n_export_units:
        out["exports"] = _exports(result)
    return out


def _shown(m: SimModel, group: str) -> list[tuple[int, str]]:
    """Countries (or products) the dose KPIs list: all but those only exports concern."""
    names, of = (
        (m.countries, m.book_country) if group == "country" else (m.products, m.book_product)
    )
    only_exports = set(of[m.book_export].tolist()) - set(of[~m.book_export].tolist())
    return [(i, name) for i, name in enumerate(names) if i not in only_exports]


def _exports(result: SimResult) -> dict[str, Any]:
    """Export units and activity: ordered a week, missed a week, share missed (95 % intervals).

    Units are never cancelled; activity is at calibration (each unit's stated activity).
    """
    m = result.model
    weeks = m.weeks
    col = {name: result.exports[:, i] for i, name in enumerate(EXPORT_COLUMNS)}
    ordered_bq = np.full(result.replications, m.export_bq)
    return {
        "units_per_week": m.n_export_units / weeks,
        "activity_bq_per_week": m.export_bq / weeks,
        "p_missed": interval(_share(col["missed"], col["units"])),
        "missed_per_week": interval(col["missed"] / weeks),
        "served_per_week": interval(col["served"] / weeks),
        "missed_activity_bq_per_week": interval(col["missed_bq"] / weeks),
        "p_missed_activity": interval(_share(col["missed_bq"], ordered_bq)),
    }


def tail(per_week: F64, share: F64) -> dict[str, Any]:
    """The distribution over replications of a loss, next to its mean.

    ``per_week`` is the loss of each replication a week (over its weeks), ``share`` the
    same loss as a share of what was at stake. Gives the mean with its 95 % interval
    (:func:`interval`), the percentiles :data:`PERCENTILES` of ``per_week`` (``p5``...: the
    smallest value that at least that share of replications does not exceed, the inverse
    of the empirical distribution) and, for each ``x`` of :data:`LOSS_OVER`, the share of
    replications whose ``share`` is over ``x`` (``p_loss_over``, keyed ``"1%"``...).
    """
    out: dict[str, Any] = interval(per_week)
    for q in PERCENTILES:
        out[f"p{q}"] = float(np.percentile(per_week, q, method="inverted_cdf"))
    out["p_loss_over"] = {f"{x:.0%}": float((share > x).mean()) for x in LOSS_OVER}
    return out


def tails(result: SimResult) -> dict[str, Any]:
    """Tail KPIs (:func:`tail`) of doses missed and of planned activity lost.

    Doses missed a week, overall, by country and by product, each against the doses still
    wanted of it; planned activity lost [Bq at EOP] a week, against all the activity the
    plan makes.
    """
    m = result.model
    weeks = m.weeks
    missed = result.column("missed")
    active = result.column("doses") - result.column("cancelled")
    mc, wc = result.missed_country.astype(np.float64), result.wanted_country.astype(np.float64)
    mp, wp = result.missed_product.astype(np.float64), result.wanted_product.astype(np.float64)
    lost = result.column("lost_activity_bq")
    made = float(m.run_eop_bq[m.run_planned].sum())
    return {
        "missed_per_week": tail(missed / weeks, _share(missed, active)),
        "missed_per_week_by_country": {
            c: tail(mc[:, i] / weeks, _share(mc[:, i], wc[:, i])) for i, c in _shown(m, "country")
        },
        "missed_per_week_by_product": {
            p: tail(mp[:, i] / weeks, _share(mp[:, i], wp[:, i])) for i, p in _shown(m, "product")
        },
        "lost_activity_bq_per_week": tail(lost / weeks, lost / made if made > 0 else lost * 0.0),
    }


def _share(part: F64, whole: F64) -> F64:
    """``part / whole`` per replication, 0 where ``whole`` is 0."""
    return np.divide(part, whole, out=np.zeros_like(part), where=whole > 0)


def _patients(result: SimResult) -> dict[str, Any]:
    """Patients (doses of per-patient bookings): booked per week, missed, share missed."""
    weeks = result.model.weeks
    active = result.column("patients") - result.column("patients_cancelled")
    missed = result.column("patients_missed")
    return {
        "per_week": result.model.n_patients / weeks,
        "p_missed": interval(_share(missed, active)),
        "p_missed_pooled": ratio_interval(missed, active),
        "missed_per_week": interval(missed / weeks),
    }
