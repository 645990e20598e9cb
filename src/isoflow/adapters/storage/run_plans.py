"""The :class:`~isoflow.service.ports.PlanSource` of the served app: plans are run results.

A plan is a finished ``plan``, ``baseline`` or ``replan`` run of the organisation that left
a result (any final state but ``failed``): its id is the run id, its bytes the stored result
artefact (``plan.json``) as the store holds it now, its author the run's ``submitted_by``.
The bytes are read as they are, not checked against the digest they were stored under, so a
plan edited on disk is seen edited and its signatures show void.
"""

from __future__ import annotations

from isoflow.service.model import RunState
from isoflow.service.plan_history import PLAN_KINDS
from isoflow.service.ports import ArtefactStore, RunStore, SubmittedPlan


class RunPlanSource:
    """Plans read from the run store and its artefacts."""

    def __init__(self, runs: RunStore, artefacts: ArtefactStore) -> None:
        self._runs = runs
        self._artefacts = artefacts

    def plan(self, org_id: str, plan_id: str) -> SubmittedPlan | None:
        """The organisation's finished plan run of this id, or ``None``."""
        run = self._runs.get(org_id, plan_id)
        if run is None or run.kind not in PLAN_KINDS or not run.state.final:
            return None
        if run.state is RunState.FAILED or run.result_sha256 is None:
            return None
        try:
            data = self._artefacts.get(run.result_sha256)
        except KeyError:
            return None
        return SubmittedPlan(run.org_id, run.run_id, run.submitted_by, data)
