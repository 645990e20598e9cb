"""A planned run's views: its map, a dose's decay curve and a consignment's.

``/runs/{run_id}/network``, ``/decay`` and ``/consignment-decay`` (a bulk input, a delivery of
generators).
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Annotated, Any

from fastapi import APIRouter, Depends, Query
from starlette.concurrency import run_in_threadpool

from isoflow.adapters.api.consignment import (
    ConsignmentDecayOut,
    ConsignmentKind,
    consignment_view,
)
from isoflow.adapters.api.decay import DEFAULT_POINTS, MAX_POINTS, DecayOut, decay_view
from isoflow.adapters.api.dependencies import Services, allowed, services
from isoflow.adapters.api.network import NetworkOut, network_view
from isoflow.adapters.api.schemas import Problem
from isoflow.adapters.api.whatif import EventFormOut, event_form
from isoflow.service.model import Actor, RunKind
from isoflow.service.roles import Operation
from isoflow.service.runs import Invalid

if TYPE_CHECKING:
    from isoflow.records.plan import Plan
    from isoflow.scenario.schema import Scenario

router = APIRouter(prefix="/runs", tags=["runs"])
Svc = Annotated[Services, Depends(services)]
ERRORS: dict[int | str, dict[str, Any]] = {
    code: {"model": Problem} for code in (401, 403, 404, 422, 503)
}
PLAN_KINDS = (RunKind.PLAN, RunKind.BASELINE, RunKind.REPLAN)
"""Kinds of run whose result is a plan."""


def _planned(svc: Services, who: Actor, run_id: str) -> tuple[Plan, Scenario]:
    from isoflow.records.plan import Plan
    from isoflow.scenario.schema import Scenario

    run = svc.runs.get(who, run_id)
    if run.kind not in PLAN_KINDS:
        raise Invalid(f"run {run_id!r} is a {run.kind} run; it makes no plan")
    found = svc.runs.result(who, run_id)
    if found.result is None or run.scenario_id is None:
        raise Invalid(f"run {run_id!r} is {run.state}; it has no plan")
    plan = Plan.model_validate_json(found.result)
    scenario = Scenario.model_validate_json(svc.scenarios.content(who, run.scenario_id))
    return plan, scenario


def _network(svc: Services, who: Actor, run_id: str) -> NetworkOut:
    plan, scenario = _planned(svc, who, run_id)
    try:
        return network_view(run_id, plan, scenario)
    except ValueError as exc:  # a plan over lanes its scenario lacks
        raise Invalid(f"run {run_id!r}: {exc}") from exc


@router.get("/{run_id}/network", response_model=NetworkOut, responses=ERRORS)
async def network(
    run_id: str, svc: Svc, who: Annotated[Actor, Depends(allowed(Operation.RUNS_READ))]
) -> NetworkOut:
    """The planned run's sites (lat/lon), lanes and flows per lane and product.

    Each flow states the activity at end of production, at departure and at arrival, and the
    share lost to decay by arrival; 422 for a run that has not ended or makes no plan.
    """
    return await run_in_threadpool(_network, svc, who, run_id)


def _decay(
    svc: Services, who: Actor, run_id: str, allocation: str, batch: str | None, points: int
) -> DecayOut:
    plan, scenario = _planned(svc, who, run_id)
    try:
        return decay_view(run_id, plan, scenario, allocation, batch, points)
    except (LookupError, ValueError) as exc:
        raise Invalid(f"run {run_id!r}: {exc}") from exc


@router.get("/{run_id}/decay", response_model=DecayOut, responses=ERRORS)
async def decay(
    run_id: str,
    svc: Svc,
    who: Annotated[Actor, Depends(allowed(Operation.RUNS_READ))],
    allocation: Annotated[str, Query(min_length=1, max_length=200)],
    batch: Annotated[str | None, Query(max_length=200)] = None,
    points: Annotated[int, Query(ge=2, le=MAX_POINTS)] = DEFAULT_POINTS,
) -> DecayOut:
    """The decay curve of one dose of the planned run's ``allocation`` (a booking or order id).

    The activity of one dose sampled evenly from its batch's end of production to its
    administration (the domain's decay law), its end of production, QC release, departures,
    arrivals and administration marked, and the prescribed activity with its tolerance band;
    ``batch`` picks one when the plan serves the order from several. 422 for a run without a
    plan or an allocation it does not make.
    """
    return await run_in_threadpool(_decay, svc, who, run_id, allocation, batch, points)


def _event_form(svc: Services, who: Actor, run_id: str) -> EventFormOut:
    plan, scenario = _planned(svc, who, run_id)
    return event_form(run_id, plan, scenario)


def _consignment(
    svc: Services, who: Actor, run_id: str, kind: ConsignmentKind, batch: str, to: str, points: int
) -> ConsignmentDecayOut:
    plan, _ = _planned(svc, who, run_id)
    try:
        return consignment_view(run_id, plan, kind, batch, to, points)
    except (LookupError, ValueError) as exc:
        raise Invalid(f"run {run_id!r}: {exc}") from exc


@router.get("/{run_id}/consignment-decay", response_model=ConsignmentDecayOut, responses=ERRORS)
async def consignment_decay(
    run_id: str,
    svc: Svc,
    who: Annotated[Actor, Depends(allowed(Operation.RUNS_READ))],
    kind: ConsignmentKind,
    batch: Annotated[str, Query(min_length=1, max_length=200)],
    to: Annotated[str, Query(min_length=1, max_length=200)],
    points: Annotated[int, Query(ge=2, le=MAX_POINTS)] = DEFAULT_POINTS,
) -> ConsignmentDecayOut:
    """The decay curve of a bulk input or a delivery of generators of the planned run.

    ``kind=input``: the activity of source ``batch`` shipped into the run ``to`` (a batch), from
    the source's end of production to the use, departures and arrivals marked.
    ``kind=generator``: the parent held by the generators of assembly ``batch`` at site ``to``,
    from calibration to the last elution, each elution marked with the daughter it gives.
    422 for a run without a plan or a consignment it does not make.
    """
    return await run_in_threadpool(_consignment, svc, who, run_id, kind, batch, to, points)


@router.get("/{run_id}/event-form", response_model=EventFormOut, responses=ERRORS)
async def event_kinds(
    run_id: str, svc: Svc, who: Annotated[Actor, Depends(allowed(Operation.RUNS_READ))]
) -> EventFormOut:
    """The events a ``replan`` of this planned run accepts, with the values its plan offers.

    Per kind of event (the event file's form, ``docs/replanning.md``): its fields, the input
    each needs and, where the plan and scenario name them, the possible values (lanes, sites,
    the plan's batches, each lane's planned departures, countries, products, bookings).
    """
    return await run_in_threadpool(_event_form, svc, who, run_id)
