"""In-memory fakes of the service's ports, for tests and for running without the real ones.

:class:`MemoryStore` (runs, events, scenarios), :class:`MemoryArtefactStore`,
:class:`TokenAuthenticator` (a token -> actor table); the role table is
:mod:`isoflow.service.roles`.
"""

from __future__ import annotations

import hashlib
import threading
from collections.abc import Mapping, Sequence
from dataclasses import replace
from datetime import datetime

from isoflow.service.model import Actor, Run, RunEvent, RunState, ScenarioRecord


class MemoryStore:
    """Runs, their events and scenarios in dictionaries (one process, thread-safe)."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._runs: dict[str, Run] = {}
        self._events: dict[str, list[RunEvent]] = {}
        self._scenarios: dict[str, ScenarioRecord] = {}

    def insert(self, run: Run) -> Run:
        """Store a new run, or return the stored one of the same idempotency key."""
        with self._lock:
            if run.idempotency_key is not None:
                for stored in self._runs.values():
                    same = (stored.org_id, stored.idempotency_key)
                    if same == (run.org_id, run.idempotency_key):
                        return stored
            self._runs[run.run_id] = run
            return run

    def get(self, org_id: str, run_id: str) -> Run | None:
        """The organisation's run, or ``None``."""
        run = self._runs.get(run_id)
        return run if run is not None and run.org_id == org_id else None

    def list(self, org_id: str, limit: int = 100) -> Sequence[Run]:
        """The organisation's runs, newest first."""
        runs = [r for r in self._runs.values() if r.org_id == org_id]
        return sorted(runs, key=lambda r: r.submitted_at, reverse=True)[:limit]

    def update(self, run: Run) -> bool:
        """Replace the stored run unless it has ended; whether it was replaced."""
        with self._lock:
            stored = self._runs.get(run.run_id)
            if stored is None or stored.state.final:
                return False
            self._runs[run.run_id] = run
            return True

    def keep_result(self, run: Run) -> bool:
        """Store the result of a cancelled run that has none (:class:`RunStore`)."""
        with self._lock:
            stored = self._runs.get(run.run_id)
            if (
                stored is None
                or stored.state is not RunState.CANCELLED
                or stored.result_sha256 is not None
                or run.state is not RunState.CANCELLED
            ):
                return False
            self._runs[run.run_id] = run
            return True

    def unfinished(self) -> Sequence[Run]:
        """Every queued or running run, oldest first."""
        runs = [r for r in self._runs.values() if not r.state.final]
        return sorted(runs, key=lambda r: r.submitted_at)

    def interrupt_unfinished(self, at: datetime) -> int:
        """Mark every queued or running run interrupted; the count."""
        runs = self.unfinished()
        for run in runs:
            self.update(replace(run, state=RunState.INTERRUPTED, finished_at=at))
        return len(runs)

    def add_event(self, event: RunEvent) -> None:
        """Append a progress event."""
        with self._lock:
            self._events.setdefault(event.run_id, []).append(event)

    def events(self, run_id: str, after: int = 0) -> Sequence[RunEvent]:
        """The run's events after ``after``."""
        return [e for e in self._events.get(run_id, []) if e.seq > after]

    def insert_scenario(self, record: ScenarioRecord) -> None:
        """Store a scenario record."""
        self._scenarios[record.scenario_id] = record

    def get_scenario(self, org_id: str, scenario_id: str) -> ScenarioRecord | None:
        """The organisation's scenario, or ``None``."""
        record = self._scenarios.get(scenario_id)
        return record if record is not None and record.org_id == org_id else None

    def list_scenarios(self, org_id: str, limit: int = 100) -> Sequence[ScenarioRecord]:
        """The organisation's scenarios, newest first."""
        records = [r for r in self._scenarios.values() if r.org_id == org_id]
        return sorted(records, key=lambda r: r.created_at, reverse=True)[:limit]


class MemoryArtefactStore:
    """Artefacts in a dictionary keyed by SHA-256."""

    def __init__(self) -> None:
        self._data: dict[str, bytes] = {}

    def put(self, data: bytes) -> str:
        """Store ``data``; its digest."""
        digest = hashlib.sha256(data).hexdigest()
        self._data[digest] = data
        return digest

    def get(self, sha256: str) -> bytes:
        """The artefact; :class:`KeyError` if there is none."""
        return self._data[sha256]

    def has(self, sha256: str) -> bool:
        """Whether it is stored."""
        return sha256 in self._data


class TokenAuthenticator:
    """Actors by bearer token or API key (one table for both)."""

    def __init__(self, tokens: Mapping[str, Actor]) -> None:
        self._tokens = dict(tokens)

    def authenticate(self, bearer: str | None, api_key: str | None) -> Actor | None:
        """The actor of the token or key, else ``None``."""
        for credential in (bearer, api_key):
            if credential and credential in self._tokens:
                return self._tokens[credential]
        return None
