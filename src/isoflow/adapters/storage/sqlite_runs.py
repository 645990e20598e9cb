"""Runs, their progress events and uploaded scenarios in the service's SQLite database.

One connection (opened by :func:`~isoflow.adapters.storage.sqlite.connect`: WAL,
``synchronous=FULL``) shared by the threads of one process behind a lock; every write is one
``BEGIN IMMEDIATE`` transaction, committed before the call returns.
"""

from __future__ import annotations

import json
import sqlite3
import threading
from collections.abc import Sequence
from contextlib import AbstractContextManager
from datetime import datetime
from pathlib import Path
from typing import Any

from isoflow.adapters.storage.sqlite import connect, write
from isoflow.service.codec import run_from_dict, run_to_dict
from isoflow.service.model import Run, RunEvent, RunState, ScenarioRecord

SCHEMA = """
CREATE TABLE IF NOT EXISTS runs (
    run_id TEXT PRIMARY KEY,
    org_id TEXT NOT NULL,
    idempotency_key TEXT,
    state TEXT NOT NULL,
    submitted_at TEXT NOT NULL,
    body TEXT NOT NULL
);
CREATE UNIQUE INDEX IF NOT EXISTS runs_idem ON runs(org_id, idempotency_key)
    WHERE idempotency_key IS NOT NULL;
CREATE INDEX IF NOT EXISTS runs_org ON runs(org_id, submitted_at);
CREATE TABLE IF NOT EXISTS run_events (
    run_id TEXT NOT NULL REFERENCES runs(run_id),
    seq INTEGER NOT NULL,
    at TEXT NOT NULL,
    state TEXT NOT NULL,
    progress REAL NOT NULL,
    message TEXT NOT NULL,
    PRIMARY KEY (run_id, seq)
);
CREATE TABLE IF NOT EXISTS scenarios (
    scenario_id TEXT PRIMARY KEY,
    org_id TEXT NOT NULL,
    name TEXT NOT NULL,
    sha256 TEXT NOT NULL,
    upload_sha256 TEXT NOT NULL,
    created_by TEXT NOT NULL,
    created_at TEXT NOT NULL
);
"""
_UNFINISHED = (str(RunState.QUEUED), str(RunState.RUNNING))


class SqliteStore:
    """:class:`~isoflow.service.ports.RunStore` and ``ScenarioStore`` on one database file."""

    def __init__(self, path: Path | str) -> None:
        self._con = connect(path)
        self._lock = threading.Lock()
        with self._write() as con:
            for statement in SCHEMA.split(";"):
                if statement.strip():
                    con.execute(statement)

    def _write(self) -> AbstractContextManager[sqlite3.Connection]:
        return write(self._con, self._lock)

    def _read(self, sql: str, args: tuple[Any, ...]) -> list[tuple[Any, ...]]:
        with self._lock:
            return list(self._con.execute(sql, args).fetchall())

    def close(self) -> None:
        """Close the connection."""
        with self._lock:
            self._con.close()

    # ------------------------------------------------------------------ runs

    def insert(self, run: Run) -> Run:
        """Store a new run, or return the stored one of the same idempotency key."""
        with self._write() as con:
            if run.idempotency_key is not None:
                row = con.execute(
                    "SELECT body FROM runs WHERE org_id = ? AND idempotency_key = ?",
                    (run.org_id, run.idempotency_key),
                ).fetchone()
                if row is not None:
                    return run_from_dict(json.loads(row[0]))
            con.execute(
                "INSERT INTO runs VALUES (?, ?, ?, ?, ?, ?)",
                (
                    run.run_id,
                    run.org_id,
                    run.idempotency_key,
                    str(run.state),
                    run.submitted_at.isoformat(),
                    json.dumps(run_to_dict(run)),
                ),
            )
        return run

    def get(self, org_id: str, run_id: str) -> Run | None:
        """The organisation's run, or ``None``."""
        rows = self._read("SELECT body FROM runs WHERE run_id = ? AND org_id = ?", (run_id, org_id))
        return run_from_dict(json.loads(rows[0][0])) if rows else None

    def list(self, org_id: str, limit: int = 100) -> Sequence[Run]:
        """The organisation's runs, newest first."""
        rows = self._read(
            "SELECT body FROM runs WHERE org_id = ? ORDER BY submitted_at DESC, rowid DESC LIMIT ?",
            (org_id, limit),
        )
        return [run_from_dict(json.loads(r[0])) for r in rows]

    def update(self, run: Run) -> bool:
        """Replace the stored run; a run in a final state is left as it is (False)."""
        with self._write() as con:
            done = con.execute(
                "UPDATE runs SET state = ?, body = ? WHERE run_id = ? AND state IN (?, ?)",
                (str(run.state), json.dumps(run_to_dict(run)), run.run_id, *_UNFINISHED),
            )
            return bool(done.rowcount == 1)

    def keep_result(self, run: Run) -> bool:
        """Store the result of a cancelled run that has none (:class:`RunStore`)."""
        if run.state is not RunState.CANCELLED:
            return False
        with self._write() as con:
            done = con.execute(
                "UPDATE runs SET body = ? WHERE run_id = ? AND state = ? "
                "AND json_extract(body, '$.result_sha256') IS NULL",
                (json.dumps(run_to_dict(run)), run.run_id, str(RunState.CANCELLED)),
            )
            return bool(done.rowcount == 1)

    def unfinished(self) -> Sequence[Run]:
        """Every queued or running run, oldest first."""
        rows = self._read(
            "SELECT body FROM runs WHERE state IN (?, ?) ORDER BY submitted_at, rowid",
            _UNFINISHED,
        )
        return [run_from_dict(json.loads(r[0])) for r in rows]

    def interrupt_unfinished(self, at: datetime) -> int:
        """Mark every queued or running run interrupted; the count."""
        from dataclasses import replace

        count = 0
        for run in self.unfinished():
            self.update(
                replace(
                    run,
                    state=RunState.INTERRUPTED,
                    finished_at=at,
                    message="interrupted: the server stopped before the run ended",
                )
            )
            count += 1
        return count

    def add_event(self, event: RunEvent) -> None:
        """Append a progress event."""
        with self._write() as con:
            con.execute(
                "INSERT OR IGNORE INTO run_events VALUES (?, ?, ?, ?, ?, ?)",
                (
                    event.run_id,
                    event.seq,
                    event.at.isoformat(),
                    str(event.state),
                    event.progress,
                    event.message,
                ),
            )

    def events(self, run_id: str, after: int = 0) -> Sequence[RunEvent]:
        """The run's events after ``after``."""
        rows = self._read(
            "SELECT run_id, seq, at, state, progress, message FROM run_events "
            "WHERE run_id = ? AND seq > ? ORDER BY seq",
            (run_id, after),
        )
        return [
            RunEvent(r[0], r[1], datetime.fromisoformat(r[2]), RunState(r[3]), r[4], r[5])
            for r in rows
        ]

    # ------------------------------------------------------------------ scenarios

    def insert_scenario(self, record: ScenarioRecord) -> None:
        """Store a scenario record."""
        with self._write() as con:
            con.execute(
                "INSERT INTO scenarios VALUES (?, ?, ?, ?, ?, ?, ?)",
                (
                    record.scenario_id,
                    record.org_id,
                    record.name,
                    record.sha256,
                    record.upload_sha256,
                    record.created_by,
                    record.created_at.isoformat(),
                ),
            )

    def get_scenario(self, org_id: str, scenario_id: str) -> ScenarioRecord | None:
        """The organisation's scenario, or ``None``."""
        rows = self._read(
            "SELECT * FROM scenarios WHERE scenario_id = ? AND org_id = ?", (scenario_id, org_id)
        )
        return _scenario(rows[0]) if rows else None

    def list_scenarios(self, org_id: str, limit: int = 100) -> Sequence[ScenarioRecord]:
        """The organisation's scenarios, newest first."""
        rows = self._read(
            "SELECT * FROM scenarios WHERE org_id = ? ORDER BY created_at DESC LIMIT ?",
            (org_id, limit),
        )
        return [_scenario(r) for r in rows]


def _scenario(row: tuple[Any, ...]) -> ScenarioRecord:
    return ScenarioRecord(
        row[0], row[1], row[2], row[3], row[4], row[5], datetime.fromisoformat(row[6])
    )
