"""SQLite :class:`~isoflow.service.ports.AuditLog`: append-only tables guarded by triggers.

Tables:

* ``audit_leaves(idx, leaf_hash)``: one row per entry, kept for ever;
* ``audit_entries(idx, at, actor_id, ...)``: the payloads (every field but the hash);
* ``audit_checkpoints``: signed tree heads; ``audit_keys``: signers' raw public keys.

Triggers ``RAISE(ABORT)`` on every ``UPDATE`` and ``DELETE`` of these tables, with one
exception: a payload row of ``audit_entries`` may be deleted when a later tombstone entry
(action ``audit.purge``) declares its index in its ``first..last`` range, and is not itself
a tombstone. A purge therefore never updates a row: the leaf stays and every Merkle root
still verifies. Appends run in ``BEGIN IMMEDIATE`` transactions, so concurrent writers
(threads with their own connections, or processes) get contiguous indices.
"""

from __future__ import annotations

import json
import sqlite3
import threading
from collections.abc import Collection, Mapping, Sequence
from dataclasses import dataclass, replace
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from isoflow.adapters.storage.sqlite import connect, write
from isoflow.service.audit import PURGE_ACTION, entry_leaf_hash, utc_text
from isoflow.service.model import AuditEntry, Checkpoint, Leaf

PAYLOAD_COLUMNS = (
    "at",
    "actor_id",
    "actor_roles",
    "org_id",
    "time_zone",
    "action",
    "object_type",
    "object_id",
    "object_version",
    "before_sha256",
    "after_sha256",
    "diff",
    "reason",
)
"""Columns of ``audit_entries`` after ``idx``, in :class:`AuditEntry` order."""

SCHEMA = """
CREATE TABLE IF NOT EXISTS audit_leaves (
    idx INTEGER PRIMARY KEY, leaf_hash TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS audit_entries (
    idx INTEGER PRIMARY KEY REFERENCES audit_leaves(idx),
    at TEXT NOT NULL, actor_id TEXT NOT NULL, actor_roles TEXT NOT NULL,
    org_id TEXT NOT NULL, time_zone TEXT NOT NULL, action TEXT NOT NULL,
    object_type TEXT NOT NULL, object_id TEXT NOT NULL, object_version INTEGER NOT NULL,
    before_sha256 TEXT, after_sha256 TEXT, diff TEXT NOT NULL, reason TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS audit_checkpoints (
    seq INTEGER PRIMARY KEY, size INTEGER NOT NULL, root_hash TEXT NOT NULL,
    at TEXT NOT NULL, key_id TEXT NOT NULL, signature TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS audit_keys (
    key_id TEXT PRIMARY KEY, public_key BLOB NOT NULL);
CREATE INDEX IF NOT EXISTS audit_entries_object ON audit_entries (org_id, object_type, object_id);
"""

APPEND_ONLY = ("audit_leaves", "audit_entries", "audit_checkpoints", "audit_keys")
"""Tables whose rows are never updated (nor deleted, but for purged payloads)."""


def _trigger_sql() -> dict[str, str]:
    """The guarding triggers by name: no UPDATE anywhere, DELETE only of purged payloads."""
    out: dict[str, str] = {}
    for table in APPEND_ONLY:
        out[f"{table}_no_update"] = (
            f"CREATE TRIGGER IF NOT EXISTS {table}_no_update BEFORE UPDATE ON {table} "
            f"BEGIN SELECT RAISE(ABORT, '{table} is append-only: no UPDATE'); END"
        )
        if table == "audit_entries":
            continue
        out[f"{table}_no_delete"] = (
            f"CREATE TRIGGER IF NOT EXISTS {table}_no_delete BEFORE DELETE ON {table} "
            f"BEGIN SELECT RAISE(ABORT, '{table} is append-only: no DELETE'); END"
        )
    out["audit_entries_purge_only"] = (
        "CREATE TRIGGER IF NOT EXISTS audit_entries_purge_only BEFORE DELETE ON audit_entries "
        f"WHEN OLD.action = '{PURGE_ACTION}' OR NOT EXISTS (SELECT 1 FROM audit_entries t "
        f"WHERE t.action = '{PURGE_ACTION}' AND t.idx > OLD.idx "
        "AND OLD.idx BETWEEN json_extract(t.diff, '$.first') AND json_extract(t.diff, '$.last')) "
        "BEGIN SELECT RAISE(ABORT, 'audit_entries: only payloads inside a purge tombstone "
        "may be deleted'); END"
    )
    return out


TRIGGERS = _trigger_sql()
"""Every guarding trigger's ``CREATE`` statement by name."""


class SqliteAuditLog:
    """The audit log in an SQLite database (opened with :func:`~.sqlite.connect`).

    One connection per instance, used under a lock; give each thread or process its own
    instance for parallel writers (``BEGIN IMMEDIATE`` serialises them in the database).
    """

    def __init__(self, path: Path | str) -> None:
        self._con = connect(path)
        self._lock = threading.Lock()
        with write(self._con, self._lock):
            for stmt in SCHEMA.split(";"):
                if stmt.strip():
                    self._con.execute(stmt)
            for stmt in TRIGGERS.values():
                self._con.execute(stmt)

    def close(self) -> None:
        """Close the connection."""
        self._con.close()

    def append(self, entry: AuditEntry) -> AuditEntry:
        """Add ``entry`` at ``max(idx) + 1`` inside one ``BEGIN IMMEDIATE`` transaction."""
        with write(self._con, self._lock):
            (index,) = self._con.execute(
                "SELECT COALESCE(MAX(idx) + 1, 0) FROM audit_leaves"
            ).fetchone()
            placed = replace(entry, index=index, leaf_hash="")
            placed = replace(placed, leaf_hash=entry_leaf_hash(placed))
            self._con.execute("INSERT INTO audit_leaves VALUES (?, ?)", (index, placed.leaf_hash))
            marks = ", ".join("?" * (len(PAYLOAD_COLUMNS) + 1))
            self._con.execute(f"INSERT INTO audit_entries VALUES ({marks})", _row(placed))
            return placed

    def size(self) -> int:
        """Number of leaves."""
        with self._lock:
            (n,) = self._con.execute("SELECT COUNT(*) FROM audit_leaves").fetchone()
            return int(n)

    def entries(self, start: int = 0, stop: int | None = None) -> Sequence[AuditEntry]:
        """Kept payloads ``start <= idx < stop`` with their leaf hashes."""
        with self._lock:
            return read_entries(self._con, start, stop)

    def entries_about(
        self, org_id: str, objects: Collection[tuple[str, str]]
    ) -> Sequence[AuditEntry]:
        """The organisation's kept entries about any of ``objects``, in index order.

        Read through the index on (organisation, object type, object id), not by a scan.
        """
        with self._lock:
            return read_entries_about(self._con, org_id, sorted(set(objects)))

    def leaves(self, start: int = 0, stop: int | None = None) -> Sequence[Leaf]:
        """Leaves ``start <= idx < stop``."""
        with self._lock:
            return read_leaves(self._con, start, stop)

    def purge(self, first: int, last: int) -> None:
        """Delete payloads ``first..last`` (the trigger refuses any a tombstone does not cover)."""
        with write(self._con, self._lock):
            self._con.execute("DELETE FROM audit_entries WHERE idx BETWEEN ? AND ?", (first, last))

    def add_checkpoint(self, checkpoint: Checkpoint) -> None:
        """Store a signed tree head."""
        c = checkpoint
        with write(self._con, self._lock):
            self._con.execute(
                "INSERT INTO audit_checkpoints (size, root_hash, at, key_id, signature) "
                "VALUES (?, ?, ?, ?, ?)",
                (c.size, c.root_hash, utc_text(c.at), c.key_id, c.signature),
            )

    def checkpoints(self) -> Sequence[Checkpoint]:
        """Signed tree heads by size."""
        with self._lock:
            return read_checkpoints(self._con)

    def add_public_key(self, key_id: str, public_key: bytes) -> None:
        """Keep a signer's public key (once)."""
        with write(self._con, self._lock):
            self._con.execute(
                "INSERT OR IGNORE INTO audit_keys VALUES (?, ?)", (key_id, public_key)
            )

    def public_keys(self) -> Mapping[str, bytes]:
        """Kept public keys by key id."""
        with self._lock:
            return read_keys(self._con)


def _row(e: AuditEntry) -> tuple[Any, ...]:
    """The ``audit_entries`` row of an entry."""
    roles = json.dumps(list(e.actor_roles))
    return (e.index, utc_text(e.at), e.actor_id, roles, e.org_id, e.time_zone, e.action,
            e.object_type, e.object_id, e.object_version, e.before_sha256, e.after_sha256,
            e.diff, e.reason)  # fmt: skip


@dataclass(frozen=True, slots=True)
class StoredLog:
    """Everything an offline verifier reads from the database."""

    entries: tuple[AuditEntry, ...]
    leaves: tuple[Leaf, ...]
    checkpoints: tuple[Checkpoint, ...]
    public_keys: Mapping[str, bytes]
    missing_triggers: tuple[str, ...]


class NoAuditLog(Exception):
    """The file is no SQLite database, or holds no audit log."""


def open_read_only(path: Path) -> sqlite3.Connection:
    """Open ``path`` read-only (``mode=ro``); :class:`NoAuditLog` if it cannot be read."""
    if not path.is_file():
        raise NoAuditLog(f"no such file: {path}")
    try:
        con = sqlite3.connect(f"{path.resolve().as_uri()}?mode=ro", uri=True)
        names = {r[0] for r in con.execute("SELECT name FROM sqlite_master WHERE type='table'")}
    except sqlite3.DatabaseError as exc:
        raise NoAuditLog(f"{path} is not an SQLite database ({exc})") from None
    if not {"audit_leaves", "audit_entries", "audit_checkpoints"} <= names:
        con.close()
        raise NoAuditLog(f"{path} holds no audit log (no audit_leaves table)")
    return con


def read_log(con: sqlite3.Connection) -> StoredLog:
    """Read every leaf, payload, checkpoint and key, and name the triggers that are gone."""
    present = {r[0] for r in con.execute("SELECT name FROM sqlite_master WHERE type='trigger'")}
    return StoredLog(
        tuple(read_entries(con, 0, None)),
        tuple(read_leaves(con, 0, None)),
        tuple(read_checkpoints(con)),
        read_keys(con),
        tuple(name for name in TRIGGERS if name not in present),
    )


def read_leaves(con: sqlite3.Connection, start: int, stop: int | None) -> list[Leaf]:
    """Leaves in index order (a non-text hash is read as its text)."""
    rows = con.execute(
        "SELECT idx, leaf_hash FROM audit_leaves WHERE idx >= ? AND idx < ? ORDER BY idx",
        (start, _stop(stop)),
    )
    return [Leaf(int(i), str(h)) for i, h in rows]


def read_entries(con: sqlite3.Connection, start: int, stop: int | None) -> list[AuditEntry]:
    """Payloads in index order with the leaf hash of the same index (``""`` if none)."""
    cols = ", ".join(f"e.{c}" for c in PAYLOAD_COLUMNS)
    rows = con.execute(
        f"SELECT e.idx, {cols}, COALESCE(l.leaf_hash, '') FROM audit_entries e "
        "LEFT JOIN audit_leaves l ON l.idx = e.idx WHERE e.idx >= ? AND e.idx < ? "
        "ORDER BY e.idx",
        (start, _stop(stop)),
    )
    return [_entry(row) for row in rows]


OBJECTS_PER_QUERY = 400
"""Objects looked up per query (two parameters each, within SQLite's parameter limit)."""


def entries_about_sql(count: int) -> str:
    """The query of the entries about ``count`` objects of one organisation."""
    cols = ", ".join(f"e.{c}" for c in PAYLOAD_COLUMNS)
    pairs = ", ".join(["(?, ?)"] * count)
    return (
        f"SELECT e.idx, {cols}, COALESCE(l.leaf_hash, '') FROM audit_entries e "
        "LEFT JOIN audit_leaves l ON l.idx = e.idx "
        f"WHERE e.org_id = ? AND (e.object_type, e.object_id) IN (VALUES {pairs})"
    )


def read_entries_about(
    con: sqlite3.Connection, org_id: str, objects: Sequence[tuple[str, str]]
) -> list[AuditEntry]:
    """Payloads of ``org_id`` about ``objects`` (type, id), in index order."""
    found: list[AuditEntry] = []
    for i in range(0, len(objects), OBJECTS_PER_QUERY):
        chunk = objects[i : i + OBJECTS_PER_QUERY]
        params = [org_id, *(part for pair in chunk for part in pair)]
        found += [_entry(row) for row in con.execute(entries_about_sql(len(chunk)), params)]
    return sorted(found, key=lambda e: e.index)


def _stop(stop: int | None) -> int:
    """An upper bound for ``idx < ?`` (``None``: no bound)."""
    return 2**63 - 1 if stop is None else stop


UNREADABLE_AT = datetime(1, 1, 1, tzinfo=UTC)
"""The time read for an unparsable ``at`` (so that its leaf hash cannot match)."""


def _entry(row: Sequence[Any]) -> AuditEntry:
    """An entry from its row; unreadable values become ones whose leaf hash cannot match."""
    idx, at, actor, roles, org, tz, action, otype, oid, version, before, after, diff, reason, h = (
        row
    )
    try:
        when = datetime.fromisoformat(str(at))
        when = UNREADABLE_AT if when.tzinfo is None else when
    except ValueError:
        when = UNREADABLE_AT
    try:
        parsed = json.loads(roles)
        role_tuple = tuple(str(r) for r in parsed) if isinstance(parsed, list) else ("?",)
    except (ValueError, TypeError):
        role_tuple = ("?",)
    return AuditEntry(
        index=int(idx),
        at=when,
        actor_id=str(actor),
        actor_roles=role_tuple,
        org_id=str(org),
        time_zone=str(tz),
        action=str(action),
        object_type=str(otype),
        object_id=str(oid),
        object_version=version if type(version) is int else -1,
        before_sha256=None if before is None else str(before),
        after_sha256=None if after is None else str(after),
        diff=str(diff),
        reason=str(reason),
        leaf_hash=str(h),
    )


def read_checkpoints(con: sqlite3.Connection) -> list[Checkpoint]:
    """Checkpoints by size, then by insertion."""
    rows = con.execute(
        "SELECT size, root_hash, at, key_id, signature FROM audit_checkpoints ORDER BY size, seq"
    )
    out = []
    for size, root_hash, at, key_id, signature in rows:
        try:
            when = datetime.fromisoformat(str(at))
        except ValueError:
            when = UNREADABLE_AT
        when = UNREADABLE_AT if when.tzinfo is None else when
        out.append(Checkpoint(int(size), str(root_hash), when, str(key_id), str(signature)))
    return out


def read_keys(con: sqlite3.Connection) -> dict[str, bytes]:
    """Public keys by key id."""
    rows = con.execute("SELECT key_id, public_key FROM audit_keys")
    return {str(k): bytes(v) for k, v in rows}
