"""SQLite stores of organisations, users, API keys, failed sign-ins, approvals and signatures.

Connections come from :func:`isoflow.adapters.storage.sqlite.connect` (WAL,
``synchronous=FULL``); every write is one ``BEGIN IMMEDIATE`` transaction.
"""

from __future__ import annotations

import sqlite3
import threading
from collections.abc import Sequence
from contextlib import AbstractContextManager
from datetime import datetime
from pathlib import Path
from typing import Any

from isoflow.adapters.storage.sqlite import connect, write
from isoflow.service.model import (
    ApiKey,
    ApprovalRecord,
    Organisation,
    PlanApproval,
    Role,
    Signature,
    SignatureMeaning,
    User,
)

SCHEMA = """
CREATE TABLE IF NOT EXISTS orgs (
  org_id TEXT PRIMARY KEY, name TEXT NOT NULL UNIQUE, created_at TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS users (
  user_id TEXT PRIMARY KEY, org_id TEXT NOT NULL REFERENCES orgs(org_id),
  username TEXT NOT NULL, full_name TEXT NOT NULL, password_hash TEXT NOT NULL,
  roles TEXT NOT NULL, created_at TEXT NOT NULL, time_zone TEXT NOT NULL,
  active INTEGER NOT NULL, service_account INTEGER NOT NULL, version INTEGER NOT NULL,
  UNIQUE (org_id, username));
CREATE TABLE IF NOT EXISTS api_keys (
  key_id TEXT PRIMARY KEY, org_id TEXT NOT NULL, user_id TEXT NOT NULL REFERENCES users(user_id),
  label TEXT NOT NULL, key_sha256 TEXT NOT NULL, created_at TEXT NOT NULL, revoked_at TEXT);
CREATE TABLE IF NOT EXISTS login_failures (subject TEXT NOT NULL, at TEXT NOT NULL);
CREATE INDEX IF NOT EXISTS login_failures_subject ON login_failures (subject, at);
CREATE TABLE IF NOT EXISTS plan_approvals (
  org_id TEXT NOT NULL, plan_id TEXT NOT NULL, state TEXT NOT NULL, plan_sha256 TEXT NOT NULL,
  author_id TEXT NOT NULL, updated_at TEXT NOT NULL, version INTEGER NOT NULL,
  PRIMARY KEY (org_id, plan_id));
CREATE TABLE IF NOT EXISTS signatures (
  seq INTEGER PRIMARY KEY AUTOINCREMENT, signature_id TEXT NOT NULL UNIQUE,
  org_id TEXT NOT NULL, plan_id TEXT NOT NULL, plan_sha256 TEXT NOT NULL,
  signer_id TEXT NOT NULL, signer_name TEXT NOT NULL, meaning TEXT NOT NULL,
  signed_at TEXT NOT NULL, time_zone TEXT NOT NULL, reason TEXT NOT NULL);
"""


def _t(at: datetime) -> str:
    return at.isoformat()


def _dt(text: str) -> datetime:
    return datetime.fromisoformat(text)


class _Base:
    """One connection, shared by the API's worker threads under a lock."""

    def __init__(self, path: Path | str) -> None:
        self._con = connect(path)
        self._lock = threading.Lock()
        self._con.executescript(SCHEMA)

    def _tx(self) -> AbstractContextManager[sqlite3.Connection]:
        return write(self._con, self._lock)

    def _rows(self, sql: str, args: tuple[object, ...]) -> list[tuple[Any, ...]]:
        with self._lock:
            return list(self._con.execute(sql, args).fetchall())

    def _row(self, sql: str, args: tuple[object, ...]) -> tuple[Any, ...] | None:
        rows = self._rows(sql, args)
        return rows[0] if rows else None

    def close(self) -> None:
        """Close the connection."""
        self._con.close()


_USER_COLS = (
    "user_id, org_id, username, full_name, password_hash, roles, created_at, time_zone, "
    "active, service_account, version"
)


def _user_row(u: User) -> tuple[object, ...]:
    roles = ",".join(sorted(r.value for r in u.roles))
    return (
        u.user_id,
        u.org_id,
        u.username,
        u.full_name,
        u.password_hash,
        roles,
        _t(u.created_at),
        u.time_zone,
        int(u.active),
        int(u.service_account),
        u.version,
    )


def _user(row: sqlite3.Row | tuple[object, ...]) -> User:
    roles = frozenset(Role(r) for r in str(row[5]).split(",") if r)
    return User(
        str(row[0]),
        str(row[1]),
        str(row[2]),
        str(row[3]),
        str(row[4]),
        roles,
        _dt(str(row[6])),
        str(row[7]),
        bool(row[8]),
        bool(row[9]),
        int(str(row[10])),
    )


def _key(row: tuple[object, ...]) -> ApiKey:
    revoked = _dt(str(row[6])) if row[6] is not None else None
    return ApiKey(
        str(row[0]), str(row[1]), str(row[2]), str(row[3]), str(row[4]), _dt(str(row[5])), revoked
    )


class SqliteUserStore(_Base):
    """The :class:`~isoflow.service.ports.UserStore` in SQLite."""

    def add_org(self, org: Organisation) -> None:
        """Store a new organisation (:class:`KeyError` if taken)."""
        try:
            with self._tx() as con:
                con.execute(
                    "INSERT INTO orgs VALUES (?,?,?)", (org.org_id, org.name, _t(org.created_at))
                )
        except sqlite3.IntegrityError as exc:
            raise KeyError(org.org_id) from exc

    def _org(self, where: str, value: str) -> Organisation | None:
        row = self._row(f"SELECT * FROM orgs WHERE {where} = ?", (value,))
        return Organisation(row[0], row[1], _dt(row[2])) if row else None

    def get_org(self, org_id: str) -> Organisation | None:
        """The organisation, or ``None``."""
        return self._org("org_id", org_id)

    def find_org(self, name: str) -> Organisation | None:
        """The organisation of this name, or ``None``."""
        return self._org("name", name)

    def add_user(self, user: User) -> None:
        """Store a new user (:class:`KeyError` if taken)."""
        try:
            with self._tx() as con:
                con.execute(
                    f"INSERT INTO users ({_USER_COLS}) VALUES (?,?,?,?,?,?,?,?,?,?,?)",
                    _user_row(user),
                )
        except sqlite3.IntegrityError as exc:
            raise KeyError(user.user_id) from exc

    def update_user(self, user: User) -> None:
        """Replace the stored user of the same id and organisation."""
        with self._tx() as con:
            row = _user_row(user)
            cur = con.execute(
                "UPDATE users SET username=?, full_name=?, password_hash=?, roles=?, "
                "created_at=?, time_zone=?, active=?, service_account=?, version=? "
                "WHERE user_id=? AND org_id=?",
                (*row[2:], row[0], row[1]),
            )
            if cur.rowcount != 1:
                raise KeyError(user.user_id)

    def _users(self, where: str, args: tuple[str, ...]) -> list[User]:
        sql = f"SELECT {_USER_COLS} FROM users WHERE {where} ORDER BY username"
        return [_user(r) for r in self._rows(sql, args)]

    def get_user(self, org_id: str, user_id: str) -> User | None:
        """The organisation's user, or ``None``."""
        found = self._users("org_id = ? AND user_id = ?", (org_id, user_id))
        return found[0] if found else None

    def find_user(self, org_id: str, username: str) -> User | None:
        """The organisation's user of this username, or ``None``."""
        found = self._users("org_id = ? AND username = ?", (org_id, username))
        return found[0] if found else None

    def list_users(self, org_id: str) -> Sequence[User]:
        """The organisation's users, by username."""
        return self._users("org_id = ?", (org_id,))

    def add_api_key(self, key: ApiKey) -> None:
        """Store a new API key."""
        with self._tx() as con:
            con.execute(
                "INSERT INTO api_keys VALUES (?,?,?,?,?,?,?)",
                (
                    key.key_id,
                    key.org_id,
                    key.user_id,
                    key.label,
                    key.key_sha256,
                    _t(key.created_at),
                    None,
                ),
            )

    def get_api_key(self, key_id: str) -> ApiKey | None:
        """The API key, or ``None``."""
        row = self._row("SELECT * FROM api_keys WHERE key_id = ?", (key_id,))
        return _key(row) if row else None

    def update_api_key(self, key: ApiKey) -> None:
        """Replace the stored API key (its label and revocation)."""
        revoked = _t(key.revoked_at) if key.revoked_at else None
        with self._tx() as con:
            con.execute(
                "UPDATE api_keys SET label = ?, revoked_at = ? WHERE key_id = ?",
                (key.label, revoked, key.key_id),
            )

    def add_failure(self, subject: str, at: datetime) -> None:
        """Note a failed sign-in."""
        with self._tx() as con:
            con.execute("INSERT INTO login_failures VALUES (?, ?)", (subject, _t(at)))

    def failures_since(self, subject: str, since: datetime) -> int:
        """Failed sign-ins at or after ``since``."""
        row = self._row(
            "SELECT COUNT(*) FROM login_failures WHERE subject = ? AND at >= ?",
            (subject, _t(since)),
        )
        return int(row[0]) if row else 0

    def clear_failures(self, subject: str) -> None:
        """Forget the subject's failures."""
        with self._tx() as con:
            con.execute("DELETE FROM login_failures WHERE subject = ?", (subject,))


def _record(row: tuple[object, ...]) -> ApprovalRecord:
    return ApprovalRecord(
        str(row[0]),
        str(row[1]),
        PlanApproval(str(row[2])),
        str(row[3]),
        str(row[4]),
        _dt(str(row[5])),
        int(str(row[6])),
    )


class SqliteApprovalStore(_Base):
    """The :class:`~isoflow.service.ports.ApprovalStore` in SQLite."""

    def get(self, org_id: str, plan_id: str) -> ApprovalRecord | None:
        """The plan's approval record, or ``None``."""
        row = self._row(
            "SELECT * FROM plan_approvals WHERE org_id = ? AND plan_id = ?", (org_id, plan_id)
        )
        return _record(row) if row else None

    def find_by_hash(self, org_id: str, plan_sha256: str) -> Sequence[ApprovalRecord]:
        """The org's records reached on a plan of this hash."""
        rows = self._rows(
            "SELECT * FROM plan_approvals WHERE org_id = ? AND plan_sha256 = ?",
            (org_id, plan_sha256),
        )
        return [_record(r) for r in rows]

    def commit(self, records: Sequence[ApprovalRecord], signature: Signature | None) -> None:
        """Store the records and the signature in one transaction."""
        with self._tx() as con:
            for r in records:
                con.execute(
                    "INSERT OR REPLACE INTO plan_approvals VALUES (?,?,?,?,?,?,?)",
                    (
                        r.org_id,
                        r.plan_id,
                        r.state.value,
                        r.plan_sha256,
                        r.author_id,
                        _t(r.updated_at),
                        r.version,
                    ),
                )
            if signature is not None:
                s = signature
                con.execute(
                    "INSERT INTO signatures (signature_id, org_id, plan_id, plan_sha256, "
                    "signer_id, signer_name, meaning, signed_at, time_zone, reason) "
                    "VALUES (?,?,?,?,?,?,?,?,?,?)",
                    (
                        s.signature_id,
                        s.org_id,
                        s.plan_id,
                        s.plan_sha256,
                        s.signer_id,
                        s.signer_name,
                        s.meaning.value,
                        _t(s.signed_at),
                        s.time_zone,
                        s.reason,
                    ),
                )

    def signatures(self, org_id: str, plan_id: str) -> Sequence[Signature]:
        """The plan's signatures, oldest first."""
        rows = self._rows(
            "SELECT signature_id, org_id, plan_id, plan_sha256, signer_id, signer_name, "
            "meaning, signed_at, time_zone, reason FROM signatures "
            "WHERE org_id = ? AND plan_id = ? ORDER BY seq",
            (org_id, plan_id),
        )
        return [
            Signature(
                r[0], r[1], r[2], r[3], r[4], r[5], SignatureMeaning(r[6]), _dt(r[7]), r[8], r[9]
            )
            for r in rows
        ]
