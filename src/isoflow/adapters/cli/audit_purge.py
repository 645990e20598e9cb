"""``isoflow audit purge DB --before DATE --reason TEXT --by NAME --export-dir DIR``.

The retention purge of the audit trail, run where the service runs (it signs with the
service's checkpoint key, ``DB.audit-key.pem``); it may run while the service serves, since
every writer appends in its own transaction. Every payload recorded before ``--before`` is
exported and removed, one range of consecutive entries at a time
(:mod:`isoflow.service.audit_retention`): the range's export is written to
``DIR/audit-FIRST-LAST.jsonl`` and flushed to disk, a tombstone entry naming the range, the
export's SHA-256, ``--by`` and ``--reason`` is recorded and signed in a checkpoint, and only
then are the payloads removed. The leaves stay, so every checkpoint still verifies; ``isoflow
audit verify DB --exports DIR`` shows that the exports are the purged payloads. Tombstones are
never purged. ``--dry-run`` lists the ranges and changes nothing. Exit codes: 0 done (or
nothing to purge), 1 the purge or the verification after it failed, 2 usage error.
"""

from __future__ import annotations

import functools
import os
import sqlite3
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer

from isoflow.adapters.cli.common import console, fail, usage_error
from isoflow.service.access import REASON_CHARS

if TYPE_CHECKING:
    from isoflow.adapters.storage.sqlite_audit import SqliteAuditLog
    from isoflow.service.audit import Signer
    from isoflow.service.audit_retention import RetentionPlan


NAME_CHARS = 200
"""Longest name of who purges."""


def purge_cmd(
    db: Annotated[Path, typer.Argument(help="The service's SQLite database file.")],
    before: Annotated[
        str, typer.Option("--before", help="Purge payloads recorded before this ISO time.")
    ],
    reason: Annotated[str, typer.Option("--reason", help="Reason for the purge (recorded).")],
    by: Annotated[str, typer.Option("--by", help="Who purges (recorded as the actor).")],
    export_dir: Annotated[
        Path, typer.Option("--export-dir", help="Folder for the exports of purged payloads.")
    ],
    dry_run: Annotated[
        bool, typer.Option("--dry-run", help="List what would be purged; change nothing.")
    ] = False,
) -> None:
    """Export and remove audit payloads older than a date, leaving a signed tombstone."""
    from isoflow.adapters.cli.audit_cmd import stored_log
    from isoflow.service.audit_retention import retention_ranges

    cutoff = _cutoff(before)
    for flag, text, longest in (("--reason", reason, REASON_CHARS), ("--by", by, NAME_CHARS)):
        if not text.strip():
            raise usage_error(f"option '{flag}': expected some text, got none")
        if len(text) > longest:
            raise usage_error(f"option '{flag}': expected at most {longest} characters")
    plan = retention_ranges(stored_log(db).entries, cutoff)
    ranges = ", ".join(f"{a}..{b}" for a, b in (*plan.ranges, *plan.unfinished))
    if not plan.entries:
        console.print(f"nothing recorded before {before} is left to purge", markup=False)
        return
    if dry_run:
        console.print(f"would purge {plan.entries} payloads: entries {ranges}", markup=False)
        return
    signer = _signer(db)
    _export_folder(export_dir)
    _purge(db, plan, signer, by.strip(), reason.strip(), export_dir)
    _verify_after(db, export_dir, plan.entries, ranges)


def _cutoff(before: str) -> datetime:
    """``--before`` as an aware UTC instant, not in the future (a date alone is 00:00 UTC)."""
    from isoflow.errors import InputError
    from isoflow.units import parse_datetime

    text = before.strip()
    if len(text) == 10:  # YYYY-MM-DD
        text += "T00:00Z"
    try:
        cutoff = parse_datetime(text, "--before")
    except InputError as exc:
        raise usage_error(f"option '--before': {exc.message}") from None
    if cutoff > datetime.now(UTC):
        raise usage_error(f"option '--before': {before} is in the future")
    return cutoff


def _signer(db: Path) -> Signer:
    """The service's checkpoint key next to ``db``; a usage error if it is not there."""
    from isoflow.adapters.storage.audit_keys import load_or_create_signer

    key = Path(f"{db}.audit-key.pem")
    if not key.is_file():
        raise usage_error(
            f"argument 'DB': no checkpoint key {key}; purge where the service keeps its database"
        )
    try:
        return load_or_create_signer(key)
    except (OSError, ValueError) as exc:
        raise usage_error(f"argument 'DB': {key}: {exc}") from None


def _export_folder(folder: Path) -> None:
    """Create ``folder`` (a usage error if that fails or it is no writable folder)."""
    try:
        folder.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise usage_error(f"option '--export-dir': cannot create {folder}: {exc}") from None
    if not folder.is_dir() or not os.access(folder, os.W_OK):
        raise usage_error(f"option '--export-dir': {folder} is not a writable folder")


def _purge(
    db: Path, plan: RetentionPlan, signer: Signer, by: str, reason: str, folder: Path
) -> None:
    """Finish interrupted purges, then purge each range (export, tombstone, removal)."""
    from isoflow.adapters.storage.sqlite_audit import SqliteAuditLog
    from isoflow.service.audit import Recorder
    from isoflow.service.model import Actor, Role
    from isoflow.service.ports import SystemClock

    log = SqliteAuditLog(db)
    recorder = Recorder(log, SystemClock(), signer)
    actor = Actor(f"operator:{by}", by, "operator", frozenset({Role.ADMIN}))
    for first, last in plan.unfinished:
        log.purge(first, last)
    for first, last in plan.ranges:
        target = folder / f"audit-{first:08d}-{last:08d}.jsonl"
        try:
            tomb = recorder.purge(actor, first, last, reason, functools.partial(_keep, target))
        except FileExistsError:
            fail(f"{target} exists; nothing of entries {first}..{last} was purged", 1)
        except (OSError, ValueError, sqlite3.Error) as exc:
            _forget_unused_export(log, target, first)
            fail(f"entries {first}..{last} were not purged: {exc}", 1)
        console.print(
            f"purged entries {first}..{last} (tombstone {tomb.index}); export {target}",
            markup=False,
        )


def _forget_unused_export(log: SqliteAuditLog, target: Path, first: int) -> None:
    """Remove the export of a purge whose tombstone was not recorded (a retry writes it again).

    Kept if a tombstone for the range exists (the purge then only needs finishing).
    """
    from isoflow.service.audit import purge_range

    try:
        recorded = any(
            (r := purge_range(e)) is not None and r.first == first for e in log.entries(first)
        )
    except sqlite3.Error:
        return  # cannot tell: keep the file, the message names it
    if not recorded:
        target.unlink(missing_ok=True)


def _keep(target: Path, data: bytes) -> None:
    """Write the export (never over another file) and flush it and its folder to disk."""
    fd = os.open(target, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    try:
        with os.fdopen(fd, "wb") as fh:
            fh.write(data)
            fh.flush()
            os.fsync(fh.fileno())
    except OSError:
        target.unlink(missing_ok=True)
        raise
    dir_fd = os.open(target.parent, os.O_RDONLY)
    try:
        os.fsync(dir_fd)
    finally:
        os.close(dir_fd)


def _verify_after(db: Path, folder: Path, count: int, ranges: str) -> None:
    """The whole log and the exports verify after the purge; exit 1 if not."""
    from isoflow.adapters.cli.audit_cmd import export_problems, stored_log
    from isoflow.service.audit_verify import verify_log

    stored = stored_log(db)
    report = verify_log(
        stored.entries, stored.checkpoints, list(stored.public_keys.values()), None, stored.leaves
    )
    problems = export_problems(stored, folder)
    if report.first is not None or problems:
        first = report.first.message if report.first is not None else problems[0]
        fail(f"the audit log does not verify after the purge: {first}", 1)
    console.print(
        f"purged {count} payloads (entries {ranges}); audit log OK: {report.size} entries, "
        f"{report.purged} purged, root {report.root_hash}",
        markup=False,
    )
