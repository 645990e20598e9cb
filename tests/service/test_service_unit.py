"""Use cases over the in-memory fakes: a plan failing verification is never optimal."""

from __future__ import annotations

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from service_cases import TINY

from isoflow.adapters.storage.memory import MemoryArtefactStore, MemoryStore
from isoflow.adapters.storage.memory_audit import MemoryAuditLog
from isoflow.service import execute
from isoflow.service.audit import Recorder, Signer
from isoflow.service.execute import Outcome, judge
from isoflow.service.model import Actor, Role, RunKind, RunState
from isoflow.service.ports import SystemClock
from isoflow.service.runs import RunService, Submission
from isoflow.service.scenarios import ScenarioService

ALICE = Actor("alice", "Alice", "org-a", frozenset({Role.PLANNER}))


def _services() -> tuple[RunService, ScenarioService, MemoryAuditLog]:
    store, art, log, clock = MemoryStore(), MemoryArtefactStore(), MemoryAuditLog(), SystemClock()
    audit = Recorder(log, clock, Signer(Ed25519PrivateKey.generate()))
    return (
        RunService(store, store, art, audit, clock),
        ScenarioService(store, art, audit, clock),
        log,
    )


def test_tampered_plan_is_failed_not_optimal() -> None:
    import isoflow

    plan = isoflow.make_plan(TINY)
    empty = plan.runs[0].model_copy(update={"activity_eop_bq": 0.0})
    broken = plan.model_copy(update={"runs": (empty, *plan.runs[1:])})
    assert broken.solver is not None
    assert broken.solver.status == "optimal"
    outcome = judge(broken, TINY, {})
    assert outcome.state is RunState.FAILED
    assert outcome.violations
    assert judge(plan, TINY, {}).state is RunState.OPTIMAL


def test_finish_never_records_optimal_with_violations() -> None:
    runs, scenarios, audit = _services()
    rec = scenarios.create(ALICE, "tiny", TINY.model_dump_json().encode(), b"x", "upload")
    run, created = runs.submit(ALICE, Submission(RunKind.PLAN, rec.scenario_id, {}, "why"))
    assert created
    started = runs.start(run)
    assert started is not None
    lying = Outcome(RunState.OPTIMAL, "", 0.0, b"{}", "violations: 1", ("overdrawn: r1: x",))
    done = runs.finish(started, lying)
    assert done is not None
    assert done.state is RunState.FAILED
    assert done.manifest["violations"] == ["overdrawn: r1: x"]
    actions = [e.action for e in audit.entries()]
    assert actions == ["scenario.create", "run.submit", "run.start", "run.finish"]
    assert all(e.reason for e in audit.entries())


def test_execute_tampered_engine(monkeypatch: object) -> None:
    import isoflow

    real = isoflow.make_plan

    def tampered(sc: object, opts: object = None) -> object:
        plan = real(sc, opts)  # type: ignore[arg-type]
        empty = plan.runs[0].model_copy(update={"activity_eop_bq": 0.0})
        return plan.model_copy(update={"runs": (empty, *plan.runs[1:])})

    import pytest

    mp = pytest.MonkeyPatch()
    mp.setattr(isoflow, "make_plan", tampered)
    try:
        job = execute.Job(RunKind.PLAN, {}, TINY.model_dump_json().encode())
        outcome = execute.execute(job, lambda f, m: None)
    finally:
        mp.undo()
    assert outcome.state is RunState.FAILED
    assert outcome.verdict != "ok"


def test_recover_interrupts_unfinished() -> None:
    runs, scenarios, _ = _services()
    rec = scenarios.create(ALICE, "tiny", TINY.model_dump_json().encode(), b"x", "upload")
    a, _ = runs.submit(ALICE, Submission(RunKind.PLAN, rec.scenario_id, {}, "why"))
    b, _ = runs.submit(ALICE, Submission(RunKind.PLAN, rec.scenario_id, {"seed": 1}, "why"))
    runs.start(a)
    assert runs.recover() == 2
    assert {runs.get(ALICE, r.run_id).state for r in (a, b)} == {RunState.INTERRUPTED}


def test_an_uploaded_plan_is_kept_only_when_its_run_is_accepted() -> None:
    """A refused submission (no such scenario) stores nothing; an accepted one stores the
    plan under the digest its run names, and the job gets those bytes back."""
    import hashlib

    import pytest

    import isoflow
    from isoflow.service.runs import NotFound

    runs, scenarios, _ = _services()
    data = isoflow.make_plan(TINY).model_dump_json().encode()
    digest = hashlib.sha256(data).hexdigest()
    with pytest.raises(NotFound):
        runs.submit(ALICE, Submission(RunKind.VERIFY, "no-such-scenario", {}, "why", plan=data))
    assert not runs.artefacts.has(digest)
    rec = scenarios.create(ALICE, "tiny", TINY.model_dump_json().encode(), b"x", "upload")
    sub = Submission(RunKind.VERIFY, rec.scenario_id, {}, "why", plan=data)
    run, created = runs.submit(ALICE, sub)
    assert created
    assert run.options["plan_sha256"] == digest
    assert runs.artefacts.has(digest)
    assert runs.job(run).plan == data


def test_a_cancelled_run_keeps_only_a_sound_plan_and_only_once() -> None:
    """After a cancel, the outcome the stopped solve sends is kept if verify found no
    violation; the run stays cancelled, a second outcome or a run never cancelled is not
    changed, and each kept plan is audited."""
    import isoflow

    runs, scenarios, audit = _services()
    rec = scenarios.create(ALICE, "tiny", TINY.model_dump_json().encode(), b"x", "upload")

    def cancelled_run():  # type: ignore[no-untyped-def]
        run, _ = runs.submit(ALICE, Submission(RunKind.PLAN, rec.scenario_id, {}, "why"))
        started = runs.start(run)
        assert started is not None
        runs.cancel(ALICE, run.run_id, "enough")
        return started

    sound = judge(isoflow.make_plan(TINY), TINY, {})
    lying = Outcome(RunState.TIME_LIMIT, "", 0.1, b"{}", "violations: 1", ("overdrawn: r1: x",))
    first, second = cancelled_run(), cancelled_run()
    assert runs.finish(first, sound) is None  # already ended: finish records nothing
    kept = runs.keep_best(first, sound)
    assert kept is not None
    assert kept.state is RunState.CANCELLED
    assert kept.result_sha256 is not None
    assert (
        kept.message
        == "cancelled by alice; the best plan found before the stop is kept (gap 0.00%)"
    )
    assert runs.keep_best(first, sound) is None  # once only
    assert runs.keep_best(second, lying) is None  # violations: nothing kept
    assert runs.get(ALICE, second.run_id).result_sha256 is None
    third, _ = runs.submit(ALICE, Submission(RunKind.PLAN, rec.scenario_id, {}, "why"))
    assert runs.keep_best(third, sound) is None  # not cancelled
    assert [e.action for e in audit.entries()].count("run.keep_best") == 1


def test_finish_records_nothing_when_the_run_ended_in_between() -> None:
    """A cancel that lands between finish's read and its write: the store keeps the
    cancelled run, and finish says so (None) with no run.finish entry, so that the job
    then offers the outcome to keep_best instead."""
    import isoflow

    class LateCancel(MemoryStore):
        def update(self, run):  # type: ignore[no-untyped-def]
            if run.state is RunState.OPTIMAL:  # the cancel won the race
                return False
            return super().update(run)

    store, art, log, clock = LateCancel(), MemoryArtefactStore(), MemoryAuditLog(), SystemClock()
    audit = Recorder(log, clock, Signer(Ed25519PrivateKey.generate()))
    runs, scenarios = (
        RunService(store, store, art, audit, clock),
        ScenarioService(store, art, audit, clock),
    )
    rec = scenarios.create(ALICE, "tiny", TINY.model_dump_json().encode(), b"x", "upload")
    run, _ = runs.submit(ALICE, Submission(RunKind.PLAN, rec.scenario_id, {}, "why"))
    started = runs.start(run)
    assert started is not None
    assert runs.finish(started, judge(isoflow.make_plan(TINY), TINY, {})) is None
    assert "run.finish" not in [e.action for e in log.entries()]
    assert runs.get(ALICE, run.run_id).state is RunState.RUNNING
