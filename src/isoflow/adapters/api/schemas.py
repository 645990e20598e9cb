"""The API's wire format: pydantic models of requests and responses (typed records at the edge)."""

from __future__ import annotations

from datetime import datetime
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, model_validator

from isoflow.bounds import RECOMMEND_TOP
from isoflow.service.access import REASON_CHARS
from isoflow.service.model import Run, RunKind, RunState, ScenarioRecord


class RunOptions(BaseModel):
    """Options of a run; each kind reads the ones it needs.

    An engine option left out (None) takes the engine's own default.
    """

    model_config = ConfigDict(extra="forbid", frozen=True)

    time_limit_s: float = Field(60.0, gt=0, le=3600, description="Solver time limit [s].")
    mip_gap: float = Field(0.01, ge=0, le=1, description="Relative MIP gap to stop at.")
    threads: int = Field(1, ge=1, le=16, description="Solver threads (1 = reproducible).")
    plan_run_id: str | None = Field(
        None,
        max_length=64,
        description="Run whose plan a verify, simulate, replan, recommend or analysis (not "
        "capacity) uses.",
    )
    replications: int = Field(50, ge=1, le=100_000, description="Simulation replications.")
    seed: int = Field(0, ge=0, le=2**32 - 1, description="Simulation seed.")
    events: list[dict[str, Any]] = Field(
        default_factory=list,
        max_length=10_000,
        description="Re-plan and recommend events (event-file form).",
    )
    start: datetime | None = Field(
        None, description="Plan: horizon start, with an offset (default: the scenario's)."
    )
    horizon_s: float | None = Field(
        None, description="Plan: horizon length [s] (default: the scenario's)."
    )
    lead_s: float | None = Field(
        None, description="Plan: how early production may start [s] (default: the planner's)."
    )
    now: datetime | None = Field(
        None, description="Re-plan: its instant, with an offset (default: the plan's start)."
    )
    mode: Literal["hard", "soft"] | None = Field(
        None, description="Re-plan: hard or soft (default: hard)."
    )
    top: int | None = Field(
        None,
        ge=int(RECOMMEND_TOP.lo),
        le=int(RECOMMEND_TOP.hi),
        description="Recommend: how many ways to rank (default 3).",
    )
    freeze_s: float | None = Field(
        None, description="Re-plan, hard: also keep the plan's decisions before now + this [s]."
    )
    stability: float | None = Field(
        None,
        description="Re-plan, soft, and contingency: cost of each dose served otherwise.",
    )
    weeks: int | None = Field(None, description="Simulation: weeks each replication covers.")
    recourse: Literal["heuristic", "replan"] | None = Field(
        None, description="Simulation: the recourse, the heuristic (default) or re-planning."
    )
    replan_every_s: float | None = Field(
        None, description="Simulation with replan: re-plan every this long [s]."
    )
    first_year: int | None = Field(None, description="Capacity: first year (default 2025).")
    last_year: int | None = Field(None, description="Capacity: last year (default 2035).")
    reserve_margin: float | None = Field(
        None, description="Capacity: outage reserve, fraction of demand (default 0.35)."
    )
    grouping: Literal["world", "region", "country"] | None = Field(
        None, description="Capacity: rows per world, region (default) or country."
    )
    growth_scale: float | None = Field(
        None, description="Capacity: multiplies every demand growth rate (default 1)."
    )
    capacity_year: int | None = Field(
        None, description="Self-sufficiency: year of the capacity-based table."
    )
    all_elements: bool | None = Field(
        None, description="Contingency: try every element, not only those the plan uses."
    )
    n2_top: int | None = Field(
        None, description="Contingency: also take out pairs among the top K (default 0)."
    )
    kinds: list[Literal["site", "lane", "exports"]] | None = Field(
        None, max_length=3, description="Contingency: element kinds (default all three)."
    )
    process: str | None = Field(
        None, max_length=200, description="Make-or-buy: the process whose plan gives inputs."
    )
    inputs: dict[str, float] | None = Field(
        None, max_length=20, description="Make-or-buy: inputs over the defaults (or the plan's)."
    )
    swing: float | None = Field(
        None, description="Make-or-buy: relative swing of the tornado (default 0.2)."
    )
    method: Literal["replan", "scratch"] | None = Field(
        None, description="Contingency: re-plan each failure on the base plan, or from scratch."
    )

    @model_validator(mode="after")
    def _within_the_engines_bounds(self) -> RunOptions:
        """The engines' own checks of their options (one home for each bound)."""
        from isoflow.errors import OptionError
        from isoflow.service.execute import replan_options, sim_options
        from isoflow.service.execute_analysis import check_options

        given = self.model_dump(mode="json", exclude_defaults=True)
        try:
            replan_options(given)  # the plan's options too
            sim_options(given)
            check_options(given)
        except OptionError as exc:
            raise ValueError(str(exc)) from None
        return self


class RunIn(BaseModel):
    """A request to run an engine on an uploaded scenario."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    kind: RunKind
    scenario_id: str = Field(max_length=64)
    options: RunOptions = Field(default_factory=RunOptions)
    plan: dict[str, Any] | None = Field(
        None,
        description="A plan (plan.json) for a verify, simulate, replan or recommend run to "
        "work on, "
        "instead of an earlier run's (options.plan_run_id).",
    )
    reason: str | None = Field(
        None,
        min_length=1,
        max_length=REASON_CHARS,
        description="Reason for the change (or X-Reason).",
    )


class RunOut(BaseModel):
    """A run as the API shows it."""

    run_id: str
    kind: str
    state: RunState
    scenario_id: str | None
    submitted_by: str
    submitted_at: datetime
    started_at: datetime | None
    finished_at: datetime | None
    progress: float
    message: str
    gap: float | None
    verdict: str | None
    result_sha256: str | None
    options: dict[str, Any]

    @classmethod
    def of(cls, run: Run) -> RunOut:
        """The wire form of a run."""
        return cls(
            run_id=run.run_id,
            kind=str(run.kind),
            state=run.state,
            scenario_id=run.scenario_id,
            submitted_by=run.submitted_by,
            submitted_at=run.submitted_at,
            started_at=run.started_at,
            finished_at=run.finished_at,
            progress=run.progress,
            message=run.message,
            gap=run.gap,
            verdict=run.verdict,
            result_sha256=run.result_sha256,
            options=run.options,
        )


class ResultOut(BaseModel):
    """A finished run's result with its manifest and verification verdict."""

    run: RunOut
    manifest: dict[str, Any]
    verdict: str | None
    violations: list[str]
    result: Any


class ScenarioOut(BaseModel):
    """An uploaded scenario."""

    scenario_id: str
    name: str
    sha256: str
    upload_sha256: str
    created_by: str
    created_at: datetime

    @classmethod
    def of(cls, record: ScenarioRecord) -> ScenarioOut:
        """The wire form of a scenario record."""
        return cls(
            scenario_id=record.scenario_id,
            name=record.name,
            sha256=record.sha256,
            upload_sha256=record.upload_sha256,
            created_by=record.created_by,
            created_at=record.created_at,
        )


class Problem(BaseModel):
    """An error (RFC 9457 problem details); ``errors`` lists validation problems."""

    type: str = "about:blank"
    title: str
    status: int
    detail: str = ""
    errors: list[dict[str, Any]] = Field(default_factory=list)
