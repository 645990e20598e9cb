"""Service records to and from JSON-ready dictionaries (for stores and audit bytes)."""

from __future__ import annotations

import json
from datetime import datetime
from typing import Any

from isoflow.service.model import Run, RunKind, RunState


def _time(value: str | None) -> datetime | None:
    return None if value is None else datetime.fromisoformat(value)


def run_to_dict(run: Run) -> dict[str, Any]:
    """The run as plain JSON values (times in ISO-8601)."""
    return {
        "run_id": run.run_id,
        "org_id": run.org_id,
        "kind": str(run.kind),
        "state": str(run.state),
        "submitted_by": run.submitted_by,
        "submitted_at": run.submitted_at.isoformat(),
        "options": run.options,
        "request_sha256": run.request_sha256,
        "idempotency_key": run.idempotency_key,
        "scenario_id": run.scenario_id,
        "started_at": run.started_at.isoformat() if run.started_at else None,
        "finished_at": run.finished_at.isoformat() if run.finished_at else None,
        "progress": run.progress,
        "message": run.message,
        "gap": run.gap,
        "result_sha256": run.result_sha256,
        "verdict": run.verdict,
        "manifest": run.manifest,
    }


def run_from_dict(data: dict[str, Any]) -> Run:
    """The run of :func:`run_to_dict`'s output."""
    submitted = _time(data["submitted_at"])
    assert submitted is not None
    return Run(
        run_id=data["run_id"],
        org_id=data["org_id"],
        kind=RunKind(data["kind"]),
        state=RunState(data["state"]),
        submitted_by=data["submitted_by"],
        submitted_at=submitted,
        options=data["options"],
        request_sha256=data["request_sha256"],
        idempotency_key=data["idempotency_key"],
        scenario_id=data["scenario_id"],
        started_at=_time(data["started_at"]),
        finished_at=_time(data["finished_at"]),
        progress=data["progress"],
        message=data["message"],
        gap=data["gap"],
        result_sha256=data["result_sha256"],
        verdict=data["verdict"],
        manifest=data["manifest"],
    )


def run_bytes(run: Run) -> bytes:
    """Canonical JSON bytes of a run (sorted keys), as audited."""
    return json.dumps(run_to_dict(run), sort_keys=True, separators=(",", ":")).encode()
