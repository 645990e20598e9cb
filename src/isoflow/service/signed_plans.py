"""A plan with its signatures, for the signed HTML report and the export.

:meth:`SignedPlans.get` reads a plan (a finished plan run's result, as the store holds it
now), its approval status checked against exactly those bytes, and the scenario its run was
made from (the report draws the plan over it). Reading needs ``plans:read``; another
organisation's plan, a run that is not a plan and a plan whose scenario is gone are
:class:`~isoflow.service.access.NotFound`.
"""

from __future__ import annotations

from dataclasses import dataclass

from isoflow.service.access import NotFound
from isoflow.service.approvals import Approvals, ApprovalStatus
from isoflow.service.model import Actor
from isoflow.service.ports import ArtefactStore, RunStore, ScenarioStore


@dataclass(frozen=True, slots=True)
class SignedPlan:
    """A plan's stored bytes, its checked signatures and its scenario's canonical JSON."""

    plan_id: str
    plan: bytes
    scenario: bytes
    status: ApprovalStatus


class SignedPlans:
    """The read use case behind the signed report and the export."""

    def __init__(
        self,
        approvals: Approvals,
        runs: RunStore,
        scenarios: ScenarioStore,
        artefacts: ArtefactStore,
    ) -> None:
        self._approvals = approvals
        self._runs = runs
        self._scenarios = scenarios
        self._artefacts = artefacts

    def get(self, actor: Actor, plan_id: str) -> SignedPlan:
        """The organisation's plan with its status and scenario; :class:`NotFound` if not."""
        plan, status = self._approvals.signed(actor, plan_id)
        run = self._runs.get(actor.org_id, plan_id)
        record = None
        if run is not None and run.scenario_id:
            record = self._scenarios.get_scenario(actor.org_id, run.scenario_id)
        if record is None:
            raise NotFound(f"the scenario of plan {plan_id} is not stored")
        try:
            scenario = self._artefacts.get(record.sha256)
        except KeyError:
            raise NotFound(f"the scenario of plan {plan_id} is not stored") from None
        return SignedPlan(plan.plan_id, plan.data, scenario, status)
