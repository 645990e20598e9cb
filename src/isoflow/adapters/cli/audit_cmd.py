"""``isoflow audit verify DB``, ``isoflow audit checkpoint DB --out FILE`` and ``audit purge``.

``verify`` reads the SQLite file read-only and checks the whole log offline (leaf hashes,
indices, tombstones, roots and signatures of the stored checkpoints, and a client-held
checkpoint given with ``--checkpoint``). Signatures are checked against ``--public-key``
(PEM), else against the keys stored in the database. Exit codes: 0 the log verifies, 1 it
does not (the first bad entry or checkpoint is named), 2 usage error (no such file, not a
database, no audit log, unreadable key or checkpoint). ``verify --exports DIR`` also checks
each ``*.jsonl`` export of a retention purge (:mod:`.audit_purge`) against its tombstone and
the log's leaves.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer

from isoflow.adapters.cli.common import console, err_console, fail, usage_error
from isoflow.service.model import Checkpoint

if TYPE_CHECKING:
    from isoflow.adapters.storage.sqlite_audit import StoredLog

audit_app = typer.Typer(
    help="Verify the audit trail, export its signed checkpoints, purge old payloads.",
    no_args_is_help=True,
    add_completion=False,
)

DbArg = Annotated[Path, typer.Argument(help="The service's SQLite database file.")]


def stored_log(db: Path) -> StoredLog:
    """The audit log read from ``db`` (read-only); a usage error (exit 2) if it holds none."""
    from isoflow.adapters.storage.sqlite_audit import NoAuditLog, open_read_only, read_log

    try:
        con = open_read_only(db)
        try:
            return read_log(con)
        finally:
            con.close()
    except NoAuditLog as exc:
        raise usage_error(f"argument 'DB': {exc}") from None


def verify_cmd(
    db: DbArg,
    checkpoint: Annotated[
        Path | None, typer.Option("--checkpoint", help="A checkpoint JSON file kept earlier.")
    ] = None,
    public_key: Annotated[
        Path | None, typer.Option("--public-key", help="The signer's public key (PEM).")
    ] = None,
    exports: Annotated[
        Path | None,
        typer.Option("--exports", help="A folder of purge exports to check against the log."),
    ] = None,
) -> None:
    """Check the whole audit log offline; name the first bad entry or checkpoint."""
    from isoflow.service.audit_verify import verify_log

    trusted = None if checkpoint is None else _read_checkpoint(checkpoint)
    stored = stored_log(db)
    keys = list(stored.public_keys.values()) if public_key is None else [_read_key(public_key)]
    report = verify_log(stored.entries, stored.checkpoints, keys, trusted, stored.leaves)
    summary = (
        f"{report.size} entries, {report.checkpoints} checkpoints, {report.purged} purged, "
        f"root {report.root_hash}"
    )
    if stored.missing_triggers:
        err_console.print(
            f"error: append-only triggers dropped: {', '.join(stored.missing_triggers)}",
            markup=False,
        )
    if report.first is not None:
        more = len(report.problems) - 1
        fail(f"audit log does not verify: {report.first.message}"
             + (f" (and {more} more problem(s))" if more else "") + f"; {summary}", 1)  # fmt: skip
    if stored.missing_triggers:
        raise typer.Exit(1)
    if exports is not None:
        if not exports.is_dir():
            raise usage_error(f"option '--exports': {exports} is not a folder")
        problems = export_problems(stored, exports)
        if problems:
            fail(f"purge export does not match the log: {problems[0]}; {summary}", 1)
        summary += f", {len(list(exports.glob('*.jsonl')))} exports match their tombstones"
    console.print(f"audit log OK: {summary}", markup=False)


def export_problems(stored: StoredLog, folder: Path) -> list[str]:
    """Each ``*.jsonl`` file in ``folder`` that is not the export of a tombstone's range."""
    from isoflow.service.audit import PURGE_ACTION
    from isoflow.service.audit_retention import check_export

    tombstones = [e for e in stored.entries if e.action == PURGE_ACTION]
    problems = []
    for path in sorted(folder.glob("*.jsonl")):
        try:
            found = check_export(path.read_bytes(), tombstones, stored.leaves)
        except OSError as exc:
            found = f"cannot be read ({exc.strerror})"
        if found is not None:
            problems.append(f"{path.name}: {found}")
    return problems


def checkpoint_cmd(
    db: DbArg,
    out: Annotated[Path, typer.Option("--out", help="Where to write the checkpoint JSON.")],
) -> None:
    """Export the latest signed checkpoint as JSON, for a client to keep."""
    from isoflow.service.audit import checkpoint_to_json

    stored = stored_log(db)
    if not stored.checkpoints:
        fail("the audit log holds no signed checkpoint yet", 1)
    latest = max(stored.checkpoints, key=lambda c: c.size)
    try:
        out.write_text(json.dumps(checkpoint_to_json(latest), indent=2) + "\n", "utf-8")
    except OSError as exc:
        raise usage_error(f"option '--out': cannot write to {out}: {exc.strerror}") from None
    console.print(f"wrote the checkpoint of size {latest.size} to {out}", markup=False)


def _read_checkpoint(path: Path) -> Checkpoint:
    """A client checkpoint file; a usage error if unreadable or malformed."""
    from isoflow.service.audit import checkpoint_from_json

    try:
        return checkpoint_from_json(json.loads(path.read_text("utf-8")))
    except (OSError, ValueError) as exc:
        raise usage_error(f"option '--checkpoint': {path}: {exc}") from None


def _read_key(path: Path) -> bytes:
    """The raw public key of a PEM file; a usage error if unreadable."""
    from isoflow.adapters.storage.audit_keys import load_public_key

    try:
        return load_public_key(path.read_bytes())
    except (OSError, ValueError) as exc:
        raise usage_error(f"option '--public-key': {path}: {exc}") from None


def register(app: typer.Typer, scenario_app: typer.Typer) -> None:
    """Add ``isoflow audit verify``, ``checkpoint`` and ``purge`` to the app."""
    from isoflow.adapters.cli.audit_purge import purge_cmd

    del scenario_app
    audit_app.command("verify")(verify_cmd)
    audit_app.command("checkpoint")(checkpoint_cmd)
    audit_app.command("purge")(purge_cmd)
    app.add_typer(audit_app, name="audit")
