"""Use cases of runs: submit (idempotent), start, progress, finish, cancel, result, recover.

No HTTP and no paths: the use cases work on the injected ports (:class:`RunStore`,
:class:`ArtefactStore`, :class:`AuditRecorder`, :class:`Clock`, :class:`JobQueue`). Every
mutating use case records one audit entry with the actor, the run before and after, a diff
line and the reason for the change.
"""

from __future__ import annotations

import hashlib
import json
import threading
import uuid
from collections.abc import Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, replace
from typing import Any, Protocol

from isoflow.service.codec import run_bytes
from isoflow.service.execute import SUPPORTED_KINDS, VERDICT_OK, Job, Outcome, versions
from isoflow.service.model import Actor, Role, Run, RunEvent, RunKind, RunState
from isoflow.service.ports import ArtefactStore, AuditRecorder, Clock, RunStore, ScenarioStore

NEEDS_PLAN = frozenset({RunKind.VERIFY, RunKind.REPLAN, RunKind.RECOMMEND})
"""Kinds of run that work on a plan: an earlier run's (``options.plan_run_id``) or one
uploaded with the submission (:attr:`Submission.plan`, stored as ``options.plan_sha256``)."""
TAKES_PLAN = NEEDS_PLAN | {
    RunKind.SIMULATE,
    RunKind.SELF_SUFFICIENCY,
    RunKind.CONTINGENCY,
    RunKind.MAKE_OR_BUY,
}
"""Kinds of run that may be given a plan (the others make their own, or need none)."""

UPLOADED_PLAN = "plan_sha256"
"""The run option the service sets to the digest of a plan uploaded with the submission."""


class ServiceError(Exception):
    """Base of the errors the use cases raise on purpose; ``message`` is safe to show."""

    def __init__(self, message: str) -> None:
        self.message = message
        super().__init__(message)


class NotFound(ServiceError):
    """No such object for this organisation."""


class Invalid(ServiceError):
    """The request is well-formed but cannot be accepted (e.g. idempotency key reused)."""


class InProgress(ServiceError):
    """Another request with the same idempotency key is still being processed."""


class JobQueue(Protocol):
    """Where accepted runs wait for a worker, and how a running one is stopped."""

    def enqueue(self, run: Run) -> None:
        """Hand a queued run to the workers."""
        ...

    def cancel(self, run_id: str) -> None:
        """Stop the run's process (and its children) if it is running; else nothing."""
        ...


@dataclass(frozen=True, slots=True)
class Submission:
    """A request to run an engine."""

    kind: RunKind
    scenario_id: str
    options: Mapping[str, Any]
    reason: str
    idempotency_key: str | None = None
    plan: bytes | None = None
    """A plan (``plan.json``) to work on, uploaded with the request (verify, simulate, replan)."""

    def sha256(self) -> str:
        """Digest of the request's canonical JSON (what idempotency compares)."""
        body = {
            "kind": str(self.kind),
            "scenario_id": self.scenario_id,
            "options": dict(self.options),
            "reason": self.reason,
            "plan": hashlib.sha256(self.plan).hexdigest() if self.plan is not None else None,
        }
        text = json.dumps(body, sort_keys=True, separators=(",", ":"), default=str)
        return hashlib.sha256(text.encode()).hexdigest()


@dataclass(frozen=True, slots=True)
class RunResult:
    """A finished run with its result bytes (``None`` if it produced none)."""

    run: Run
    result: bytes | None
    violations: tuple[str, ...]


def worker_actor(org_id: str) -> Actor:
    """The actor the job workers act as when they start and finish runs."""
    return Actor("isoflow-worker", "isoflow worker", org_id, frozenset({Role.ADMIN}))


class RunService:
    """The use cases of runs over injected ports."""

    def __init__(
        self,
        runs: RunStore,
        scenarios: ScenarioStore,
        artefacts: ArtefactStore,
        audit: AuditRecorder,
        clock: Clock,
    ) -> None:
        self.runs = runs
        self.scenarios = scenarios
        self.artefacts = artefacts
        self.audit = audit
        self.clock = clock
        self.queue: JobQueue | None = None
        self._keys_lock = threading.Lock()
        self._keys: set[tuple[str, str]] = set()
        self._event_lock = threading.Lock()

    # ------------------------------------------------------------------ helpers

    def _audit(
        self, actor: Actor, action: str, before: Run | None, after: Run, reason: str
    ) -> None:
        diff = (
            f"state {before.state} -> {after.state}"
            if before is not None
            else f"new {after.kind} run of scenario {after.scenario_id}: {after.state}"
        )
        if after.message and before is not None:
            diff += f" ({after.message[:200]})"
        self.audit.record(
            actor,
            action,
            "run",
            after.run_id,
            len(self.runs.events(after.run_id)) + 1,
            None if before is None else run_bytes(before),
            run_bytes(after),
            diff,
            reason,
        )

    def _event(self, run: Run) -> None:
        with self._event_lock:
            seen = self.runs.events(run.run_id)
            seq = seen[-1].seq + 1 if seen else 1
            at = self.clock.now()
            self.runs.add_event(RunEvent(run.run_id, seq, at, run.state, run.progress, run.message))

    @contextmanager
    def _claim(self, org_id: str, key: str | None) -> Iterator[None]:
        if key is None:
            yield
            return
        with self._keys_lock:
            if (org_id, key) in self._keys:
                raise InProgress("a request with this Idempotency-Key is still being processed")
            self._keys.add((org_id, key))
        try:
            yield
        finally:
            with self._keys_lock:
                self._keys.discard((org_id, key))

    # ------------------------------------------------------------------ use cases

    def submit(self, actor: Actor, sub: Submission) -> tuple[Run, bool]:
        """Accept a run (queued) and hand it to the queue; ``(run, created)``.

        The same idempotency key with the same request returns the stored run; with another
        request :class:`Invalid`; while the first is still being processed :class:`InProgress`.
        """
        digest = sub.sha256()
        with self._claim(actor.org_id, sub.idempotency_key):
            if sub.plan is not None:
                sub = self._with_uploaded_plan(sub)
            run = self._new_run(actor, sub, digest)
            if sub.plan is not None:  # stored once the request is accepted, not before
                self.artefacts.put(sub.plan)
            stored = self.runs.insert(run)
            if stored.run_id != run.run_id:
                if stored.request_sha256 != digest:
                    raise Invalid("this Idempotency-Key was used with a different request")
                return stored, False
            self._audit(actor, "run.submit", None, stored, sub.reason)
            self._event(stored)
        if self.queue is not None:
            self.queue.enqueue(stored)
        return stored, True

    def _with_uploaded_plan(self, sub: Submission) -> Submission:
        """The submission with its plan checked; the run names it by its SHA-256."""
        from pydantic import ValidationError

        from isoflow.records import Plan

        assert sub.plan is not None
        if sub.kind not in TAKES_PLAN:
            raise Invalid(f"runs of kind {sub.kind!s} take no plan")
        if sub.options.get("plan_run_id"):
            raise Invalid("give either a plan or plan_run_id, not both")
        try:
            Plan.model_validate_json(sub.plan)
        except ValidationError as exc:
            first = exc.errors()[0]
            where = ".".join(str(x) for x in first["loc"]) or "plan"
            raise Invalid(f"the plan is not a plan.json: {where}: {first['msg']}") from None
        digest = hashlib.sha256(sub.plan).hexdigest()  # the artefact store's own key
        return replace(sub, options={**sub.options, UPLOADED_PLAN: digest})

    def _new_run(self, actor: Actor, sub: Submission, digest: str) -> Run:
        if sub.kind not in SUPPORTED_KINDS:
            raise Invalid(f"runs of kind {sub.kind!s} are not offered by this service")
        if self.scenarios.get_scenario(actor.org_id, sub.scenario_id) is None:
            raise NotFound(f"no scenario {sub.scenario_id!r}")
        uploaded = UPLOADED_PLAN in sub.options
        if sub.options.get("plan_run_id") and sub.kind not in TAKES_PLAN:
            raise Invalid(f"runs of kind {sub.kind!s} take no plan (plan_run_id)")
        if not uploaded and (sub.kind in NEEDS_PLAN or sub.options.get("plan_run_id")):
            self._plan_of(actor.org_id, str(sub.options.get("plan_run_id") or ""))
        return Run(
            run_id=uuid.uuid4().hex,
            org_id=actor.org_id,
            kind=sub.kind,
            state=RunState.QUEUED,
            submitted_by=actor.user_id,
            submitted_at=self.clock.now(),
            options=dict(sub.options),
            request_sha256=digest,
            idempotency_key=sub.idempotency_key,
            scenario_id=sub.scenario_id,
            message="queued",
        )

    def _plan_of(self, org_id: str, run_id: str) -> str:
        """The result digest of a finished plan-making run of the organisation."""
        parent = self.runs.get(org_id, run_id)
        plan_kinds = (RunKind.PLAN, RunKind.BASELINE, RunKind.REPLAN)
        if parent is None or parent.kind not in plan_kinds:
            raise NotFound(f"no plan run {run_id!r}")
        if parent.result_sha256 is None or parent.state is RunState.FAILED:
            raise Invalid(f"run {run_id!r} has no plan to work on")
        return parent.result_sha256

    def get(self, actor: Actor, run_id: str) -> Run:
        """The actor's organisation's run; :class:`NotFound` otherwise."""
        run = self.runs.get(actor.org_id, run_id)
        if run is None:
            raise NotFound(f"no run {run_id!r}")
        return run

    def list(self, actor: Actor, limit: int = 100) -> Sequence[Run]:
        """The organisation's runs, newest first."""
        return self.runs.list(actor.org_id, limit)

    def events(self, actor: Actor, run_id: str, after: int = 0) -> Sequence[RunEvent]:
        """The run's progress events after ``after`` (the SSE stream's source)."""
        self.get(actor, run_id)
        return self.runs.events(run_id, after)

    def result(self, actor: Actor, run_id: str) -> RunResult:
        """The run with its stored result; :class:`Invalid` if it has not ended."""
        run = self.get(actor, run_id)
        if not run.state.final:
            raise Invalid(f"run {run_id!r} is {run.state}; no result yet")
        data = self.artefacts.get(run.result_sha256) if run.result_sha256 else None
        violations = tuple(run.manifest.get("violations", ()))
        return RunResult(run, data, violations)

    def file(self, actor: Actor, run_id: str, name: str) -> bytes:
        """One of a finished run's further result files (its manifest's ``files``)."""
        run = self.get(actor, run_id)
        digest = run.manifest.get("files", {}).get(name)
        if not isinstance(digest, str):
            raise NotFound(f"run {run_id!r} has no file {name!r}")
        return self.artefacts.get(digest)

    def job(self, run: Run) -> Job:
        """The inputs of a run's job, read from the artefact store."""
        record = self.scenarios.get_scenario(run.org_id, run.scenario_id or "")
        if record is None:
            raise NotFound(f"no scenario {run.scenario_id!r}")
        return Job(run.kind, run.options, self.artefacts.get(record.sha256), self._plan_bytes(run))

    def _plan_bytes(self, run: Run) -> bytes | None:
        """The plan a run works on: uploaded with it, or an earlier run's (None: no plan)."""
        digest = self._plan_digest(run)
        return self.artefacts.get(digest) if digest else None

    def _plan_digest(self, run: Run) -> str | None:
        if run.options.get(UPLOADED_PLAN):
            return str(run.options[UPLOADED_PLAN])
        plan_id = run.options.get("plan_run_id")
        return self._plan_of(run.org_id, str(plan_id)) if plan_id else None

    def start(self, run: Run) -> Run | None:
        """Mark a queued run running; ``None`` if it is no longer queued (cancelled)."""
        current = self.runs.get(run.org_id, run.run_id)
        if current is None or current.state is not RunState.QUEUED:
            return None
        after = replace(
            current, state=RunState.RUNNING, started_at=self.clock.now(), message="running"
        )
        self.runs.update(after)
        self._audit(worker_actor(run.org_id), "run.start", current, after, "a worker took the run")
        self._event(after)
        return after

    def progress(self, run: Run, fraction: float, message: str) -> None:
        """Record a running run's progress (not audited: no change of state)."""
        current = self.runs.get(run.org_id, run.run_id)
        if current is None or current.state is not RunState.RUNNING:
            return
        after = replace(current, progress=max(0.0, min(1.0, fraction)), message=message)
        self.runs.update(after)
        self._event(after)

    def finish(self, run: Run, outcome: Outcome) -> Run | None:
        """Record a run's outcome, its result and manifest; ``None`` if it already ended.

        A plan whose verdict is not ``ok`` is never recorded as optimal (or any success).
        """
        current = self.runs.get(run.org_id, run.run_id)
        if current is None or current.state.final:
            return None
        state = outcome.state
        if outcome.violations and state in (RunState.OPTIMAL, RunState.FEASIBLE):
            state = RunState.FAILED
        digest = self.artefacts.put(outcome.result) if outcome.result is not None else None
        files = {name: self.artefacts.put(data) for name, data in outcome.files}
        after = replace(
            current,
            state=state,
            finished_at=self.clock.now(),
            progress=1.0,
            message=outcome.message,
            gap=outcome.gap,
            result_sha256=digest,
            verdict=outcome.verdict,
            manifest=self._manifest(current, outcome, digest) | ({"files": files} if files else {}),
        )
        if not self.runs.update(after):  # cancelled meanwhile: nothing of it is recorded
            return None
        self._audit(worker_actor(run.org_id), "run.finish", current, after, "the run ended")
        self._event(after)
        return after

    def keep_best(self, run: Run, outcome: Outcome) -> Run | None:
        """Keep on a cancelled run the plan its solve returned when stopped (best so far).

        Only a plan that ``isoflow verify`` finds sound is kept, and the run stays
        ``cancelled``: its message says a plan was kept and its gap. ``None`` if nothing is
        kept (the run is not cancelled, already holds a result, or the outcome has no sound
        plan).
        """
        current = self.runs.get(run.org_id, run.run_id)
        plan_states = (RunState.OPTIMAL, RunState.FEASIBLE, RunState.TIME_LIMIT)
        if (
            current is None
            or current.state is not RunState.CANCELLED
            or current.result_sha256 is not None
            or outcome.result is None
            or outcome.violations
            or outcome.verdict != VERDICT_OK
            or outcome.state not in plan_states
        ):
            return None
        digest = self.artefacts.put(outcome.result)
        gap = "" if outcome.gap is None else f" (gap {outcome.gap:.2%})"
        after = replace(
            current,
            message=f"{current.message}; the best plan found before the stop is kept{gap}",
            gap=outcome.gap,
            result_sha256=digest,
            verdict=outcome.verdict,
            manifest=self._manifest(current, outcome, digest),
        )
        if not self.runs.keep_result(after):
            return None
        reason = "the solve was stopped by the cancel and returned its best plan"
        self._audit(worker_actor(run.org_id), "run.keep_best", current, after, reason)
        self._event(after)
        return after

    def _manifest(self, run: Run, outcome: Outcome, digest: str | None) -> dict[str, Any]:
        record = self.scenarios.get_scenario(run.org_id, run.scenario_id or "")
        inputs: dict[str, Any] = {"scenario_sha256": record.sha256 if record else None}
        plan_id = run.options.get("plan_run_id")
        if run.options.get(UPLOADED_PLAN):
            inputs["plan_sha256"] = run.options[UPLOADED_PLAN]
        elif plan_id:
            parent = self.runs.get(run.org_id, str(plan_id))
            inputs["plan_sha256"] = parent.result_sha256 if parent else None
        return {
            "inputs": inputs,
            "options": run.options,
            "versions": versions(),
            "seeds": outcome.manifest.get("seeds", {}),
            **(
                {"plan_doses": outcome.manifest["plan_doses"]}
                if "plan_doses" in outcome.manifest
                else {}
            ),
            "result_sha256": digest,
            "verdict": outcome.verdict,
            "violations": list(outcome.violations),
        }

    def cancel(self, actor: Actor, run_id: str, reason: str) -> Run:
        """Cancel a queued or running run (its process is stopped); an ended run as it is."""
        current = self.get(actor, run_id)
        if current.state.final:
            return current
        after = replace(
            current,
            state=RunState.CANCELLED,
            finished_at=self.clock.now(),
            message=f"cancelled by {actor.user_id}",
        )
        self.runs.update(after)
        stored = self.runs.get(actor.org_id, run_id)
        if stored is not None and stored.state is not RunState.CANCELLED:
            return stored  # the run ended on its own in the meantime
        if self.queue is not None:
            self.queue.cancel(run_id)
        self._audit(actor, "run.cancel", current, after, reason)
        self._event(after)
        return after

    def recover(self) -> int:
        """On start-up: mark every run a stopped server left queued or running interrupted."""
        count = 0
        for run in self.runs.unfinished():
            after = replace(
                run,
                state=RunState.INTERRUPTED,
                finished_at=self.clock.now(),
                message="interrupted: the server stopped before the run ended",
            )
            self.runs.update(after)
            reason = "the server restarted with the run unfinished"
            self._audit(worker_actor(run.org_id), "run.interrupt", run, after, reason)
            self._event(after)
            count += 1
        return count
