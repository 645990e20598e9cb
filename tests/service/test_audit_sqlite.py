"""The SQLite audit log: triggers, concurrent writers, and 100 seeded tamperings detected."""

from __future__ import annotations

import random
import shutil
import sqlite3
import subprocess
import sys
import threading
from dataclasses import replace
from pathlib import Path

import pytest
from audit_helpers import ACTOR, StepClock, fill, ref_leaf_hex, ref_root
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

import isoflow
from isoflow.adapters.storage.sqlite_audit import (
    TRIGGERS,
    SqliteAuditLog,
    _row,
    open_read_only,
    read_log,
)
from isoflow.service.audit import Recorder, Signer
from isoflow.service.audit_verify import ProblemKind, verify_log

N = 60


def verify_file(path: Path, trusted=None):
    con = open_read_only(path)
    try:
        stored = read_log(con)
    finally:
        con.close()
    report = verify_log(
        stored.entries, stored.checkpoints, list(stored.public_keys.values()), trusted,
        stored.leaves,
    )  # fmt: skip
    return report, stored


@pytest.fixture(scope="module")
def built(tmp_path_factory):
    path = tmp_path_factory.mktemp("audit") / "audit.db"
    log = SqliteAuditLog(path)
    signer = Signer(Ed25519PrivateKey.generate())
    rec = Recorder(log, StepClock(), signer, checkpoint_every=10)
    fill(rec, N, approve_every=17)
    checkpoints = list(log.checkpoints())
    log.close()  # the last connection folds the WAL into the file
    return path, signer, checkpoints


def test_built_log_verifies_against_reference(built):
    path, _signer, checkpoints = built
    report, stored = verify_file(path)
    assert report.ok, report.problems
    assert not stored.missing_triggers
    assert [leaf.index for leaf in stored.leaves] == list(range(N))
    for e in stored.entries:
        assert e.leaf_hash == ref_leaf_hex(e)
    leaves = [bytes.fromhex(x.leaf_hash) for x in stored.leaves]
    assert report.root_hash == ref_root(leaves).hex()
    assert [c.size for c in checkpoints] == [10, 17, 20, 30, 34, 40, 50, 51, 60]


def test_triggers_refuse_update_and_delete(built, tmp_path):
    copy = tmp_path / "c.db"
    shutil.copy(built[0], copy)
    con = sqlite3.connect(copy)
    statements = [
        "UPDATE audit_leaves SET leaf_hash = 'x' WHERE idx = 3",
        "DELETE FROM audit_leaves WHERE idx = 59",
        "UPDATE audit_entries SET reason = 'x' WHERE idx = 3",
        "DELETE FROM audit_entries WHERE idx = 3",
        "UPDATE audit_checkpoints SET size = 1",
        "DELETE FROM audit_checkpoints",
        "DELETE FROM audit_keys",
        "UPDATE audit_keys SET key_id = 'x'",
    ]
    for stmt in statements:
        with pytest.raises(sqlite3.IntegrityError, match=r"append-only|only payloads"):
            con.execute(stmt)
    con.close()
    assert verify_file(copy)[0].ok


def test_purge_through_the_trigger(built, tmp_path):
    copy = tmp_path / "p.db"
    shutil.copy(built[0], copy)
    log = SqliteAuditLog(copy)
    signer = Signer(Ed25519PrivateKey.generate())
    rec = Recorder(log, StepClock(), signer, checkpoint_every=10)
    kept: list[bytes] = []
    rec.purge(ACTOR, 5, 14, "retention", kept.append)
    with pytest.raises(sqlite3.IntegrityError, match="only payloads"):
        log.purge(20, 20)  # no tombstone covers it
    with pytest.raises(sqlite3.IntegrityError, match="only payloads"):
        log.purge(N, N)  # a tombstone itself
    log.close()
    report, stored = verify_file(copy)
    assert report.ok, report.problems
    assert report.purged == 10
    assert len(kept[0].splitlines()) == 10
    # a payload deleted without a tombstone (triggers dropped) is named
    con = sqlite3.connect(copy)
    con.execute("DROP TRIGGER audit_entries_purge_only")
    con.execute("DELETE FROM audit_entries WHERE idx = 33")
    con.commit()
    con.close()
    report, stored = verify_file(copy)
    assert report.first.kind == ProblemKind.PAYLOAD_REMOVED
    assert report.first.index == 33
    assert stored.missing_triggers == ("audit_entries_purge_only",)


def test_concurrent_threads_and_processes(tmp_path):
    path = tmp_path / "con.db"
    SqliteAuditLog(path).close()
    key = Ed25519PrivateKey.generate()
    errors: list[BaseException] = []

    def writer(t: int) -> None:
        try:
            log = SqliteAuditLog(path)
            rec = Recorder(log, StepClock(), Signer(key), checkpoint_every=7)
            for i in range(8):
                rec.record(ACTOR, "plan.save", "plan", f"t{t}", i, None, b"x", "d", "r")
            log.close()
        except BaseException as exc:
            errors.append(exc)

    src = str(Path(isoflow.__file__).parents[1])
    script = (
        "import sys; sys.path.insert(0, sys.argv[1]); sys.path.insert(0, sys.argv[2])\n"
        "from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey\n"
        "from audit_helpers import StepClock, fill\n"
        "from isoflow.adapters.storage.sqlite_audit import SqliteAuditLog\n"
        "from isoflow.service.audit import Recorder, Signer\n"
        "log = SqliteAuditLog(sys.argv[3])\n"
        "fill(Recorder(log, StepClock(), Signer(Ed25519PrivateKey.generate())), 15, 4)\n"
    )
    here = str(Path(__file__).parent)
    procs = [
        subprocess.Popen([sys.executable, "-c", script, src, here, str(path)]) for _ in range(2)
    ]
    threads = [threading.Thread(target=writer, args=(t,)) for t in range(20)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert [p.wait(timeout=120) for p in procs] == [0, 0]
    assert not errors
    report, stored = verify_file(path)
    assert [leaf.index for leaf in stored.leaves] == list(range(20 * 8 + 2 * 15))
    assert report.ok, report.problems
    assert report.checkpoints >= 20


# --- tampering -------------------------------------------------------------------------
EDITS = {
    "reason": lambda v: v + "!",
    "diff": lambda v: "",
    "actor_id": lambda v: "mallory",
    "object_version": lambda v: v + 1,
    "at": lambda v: v[:20] + "999999+00:00",
    "action": lambda v: "plan.delete",
    "after_sha256": lambda v: "0" * 64,
    "actor_roles": lambda v: '["admin"]',
}


def tamper(con: sqlite3.Connection, rng: random.Random) -> tuple[str, int, ProblemKind]:
    """One random tampering; returns (what, first bad index, expected kind)."""
    kind = rng.choice(["edit", "edit", "leaf", "delete", "payload", "swap", "truncate"])
    i = rng.randrange(N - 1)
    if kind == "edit":
        col = rng.choice(sorted(EDITS))
        (v,) = con.execute(f"SELECT {col} FROM audit_entries WHERE idx = ?", (i,)).fetchone()
        con.execute(f"UPDATE audit_entries SET {col} = ? WHERE idx = ?", (EDITS[col](v), i))
        return f"edit {col}", i, ProblemKind.HASH_MISMATCH
    if kind == "leaf":
        con.execute("UPDATE audit_leaves SET leaf_hash = ? WHERE idx = ?", (f"{i:064x}", i))
        return "edit leaf", i, ProblemKind.HASH_MISMATCH
    if kind == "delete":
        con.execute("DELETE FROM audit_entries WHERE idx = ?", (i,))
        con.execute("DELETE FROM audit_leaves WHERE idx = ?", (i,))
        return "delete", i, ProblemKind.MISSING
    if kind == "payload":
        con.execute("DELETE FROM audit_entries WHERE idx = ?", (i,))
        return "delete payload", i, ProblemKind.PAYLOAD_REMOVED
    if kind == "swap":
        j = rng.randrange(i + 1, N)
        for table in rng.choice([("audit_entries",), ("audit_entries", "audit_leaves")]):
            con.execute(f"UPDATE {table} SET idx = -1 WHERE idx = ?", (i,))
            con.execute(f"UPDATE {table} SET idx = ? WHERE idx = ?", (i, j))
            con.execute(f"UPDATE {table} SET idx = ? WHERE idx = -1", (j,))
        return f"swap {j}", i, ProblemKind.HASH_MISMATCH
    t = rng.randrange(1, N)
    con.execute("DELETE FROM audit_entries WHERE idx >= ?", (t,))
    con.execute("DELETE FROM audit_leaves WHERE idx >= ?", (t,))
    return "truncate", t, ProblemKind.TRUNCATED


@pytest.mark.parametrize("seed", range(100))
def test_tampering_detected_with_first_bad_entry(built, tmp_path, seed):
    rng = random.Random(seed)
    copy = tmp_path / "t.db"
    shutil.copy(built[0], copy)
    con = sqlite3.connect(copy)
    for name in TRIGGERS:
        con.execute(f"DROP TRIGGER {name}")
    what, index, kind = tamper(con, rng)
    restore = rng.random() < 0.5
    if restore:  # cover the tracks: put the triggers back
        for stmt in TRIGGERS.values():
            con.execute(stmt)
    con.commit()
    con.close()
    report, stored = verify_file(copy)
    assert not report.ok, what
    assert report.first.index == index, (what, report.first)
    assert report.first.kind == kind, (what, report.first)
    assert bool(stored.missing_triggers) != restore


@pytest.mark.parametrize("seed", range(10))
def test_tail_truncation_with_checkpoints_dropped_needs_client_checkpoint(built, tmp_path, seed):
    path, _, checkpoints = built
    t = random.Random(seed).randrange(1, N)
    copy = tmp_path / "tr.db"
    shutil.copy(path, copy)
    con = sqlite3.connect(copy)
    for name in TRIGGERS:
        con.execute(f"DROP TRIGGER {name}")
    con.execute("DELETE FROM audit_entries WHERE idx >= ?", (t,))
    con.execute("DELETE FROM audit_leaves WHERE idx >= ?", (t,))
    con.execute("DELETE FROM audit_checkpoints WHERE size > ?", (t,))
    for stmt in TRIGGERS.values():
        con.execute(stmt)
    con.commit()
    con.close()
    assert verify_file(copy)[0].ok  # the stored log alone cannot tell
    report, _ = verify_file(copy, trusted=checkpoints[-1])
    assert report.first.kind == ProblemKind.TRUNCATED
    assert report.first.index == t


@pytest.mark.parametrize("i", [0, 9, 10, 33, 59])
def test_recomputed_leaf_caught_by_signed_root(built, tmp_path, i):
    path, _, checkpoints = built
    copy = tmp_path / "r.db"
    shutil.copy(path, copy)
    report, stored = verify_file(copy)
    e = replace(stored.entries[i], reason="rewritten")
    e = replace(e, leaf_hash=ref_leaf_hex(e))
    con = sqlite3.connect(copy)
    for name in TRIGGERS:
        con.execute(f"DROP TRIGGER {name}")
    con.execute("DELETE FROM audit_entries WHERE idx = ?", (i,))
    marks = ", ".join("?" * 14)
    con.execute(f"INSERT INTO audit_entries VALUES ({marks})", _row(e))
    con.execute("UPDATE audit_leaves SET leaf_hash = ? WHERE idx = ?", (e.leaf_hash, i))
    for stmt in TRIGGERS.values():
        con.execute(stmt)
    con.commit()
    con.close()
    report, _ = verify_file(copy)
    assert report.first.kind == ProblemKind.ROOT_MISMATCH
    first_covering = min(c.size for c in checkpoints if c.size > i)
    assert report.first.checkpoint_size == first_covering


def test_entries_about_objects_are_read_through_the_index(built, tmp_path):
    """The entries about a few objects, as a filter over every entry gives them; the query
    plan uses the index (no scan of the whole log); other organisations' are not returned."""
    from isoflow.adapters.storage.sqlite_audit import entries_about_sql

    copy = tmp_path / "i.db"
    shutil.copy(built[0], copy)
    log = SqliteAuditLog(copy)
    other = replace(ACTOR, org_id="org2")
    rec = Recorder(log, StepClock(), Signer(Ed25519PrivateKey.generate()), checkpoint_every=10)
    theirs = rec.record(other, "plan.save", "plan", "p1", 1, None, b"x", "diff", "reason")
    wanted = [("plan", "p1"), ("plan", "p4"), ("plan", "nothing")]
    every = log.entries()
    expected = [e for e in every if e.org_id == "org1" and (e.object_type, e.object_id) in wanted]
    assert expected
    assert list(log.entries_about("org1", wanted)) == expected
    assert list(log.entries_about("org2", wanted)) == [theirs]
    con = sqlite3.connect(copy)
    plan = con.execute("EXPLAIN QUERY PLAN " + entries_about_sql(3), ["org1", *sum(wanted, ())])
    details = " ".join(str(row[-1]) for row in plan)
    con.close()
    log.close()
    assert "audit_entries_object" in details, details
