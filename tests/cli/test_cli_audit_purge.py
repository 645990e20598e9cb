"""`isoflow audit purge`: retention exports, tombstones, a chain that still verifies.

The log holds 25 entries written by a clock that steps 1.000007 s per reading, with a
checkpoint (one more reading) after every 10th entry: entry ``i`` is read at step ``i + 1``
for ``i < 10``, so entries 0..4 are recorded before 09:00:05.5 and entries 5..7 before
09:00:08.5 (steps 6..8).
"""

from __future__ import annotations

import hashlib
import json
import sys
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).parents[1] / "service"))
from audit_helpers import ACTOR, StepClock, fill, ref_leaf_hex

from isoflow.adapters.cli.app import run
from isoflow.adapters.storage.audit_keys import load_or_create_signer
from isoflow.adapters.storage.sqlite_audit import SqliteAuditLog, open_read_only, read_log
from isoflow.service.audit import PURGE_ACTION, Recorder, tombstone_diff
from isoflow.service.audit_retention import retention_ranges

N = 25
FIRST_FIVE = "2026-12-01T09:00:05.5Z"
NEXT_THREE = "2026-12-01T09:00:08.5Z"


def stored(db: Path):  # type: ignore[no-untyped-def]
    con = open_read_only(db)
    try:
        return read_log(con)
    finally:
        con.close()


@pytest.fixture
def db(tmp_path):  # type: ignore[no-untyped-def]
    path = tmp_path / "svc.db"
    signer = load_or_create_signer(Path(f"{path}.audit-key.pem"))  # where serve keeps it
    log = SqliteAuditLog(path)
    fill(Recorder(log, StepClock(), signer, checkpoint_every=10), N)
    log.close()
    return path


def purge(db: Path, before: str, out: Path, *extra: str) -> int:
    return run(
        ["audit", "purge", str(db), "--before", before, "--reason", "retention: 5 years",
         "--by", "Q. A. Officer", "--export-dir", str(out), *extra]
    )  # fmt: skip


def test_purge_exports_the_old_payloads_and_leaves_a_signed_tombstone(db, tmp_path, capsys):
    before = {e.index: e for e in stored(db).entries}
    out = tmp_path / "exports"
    assert purge(db, FIRST_FIVE, out) == 0
    assert "purged 5 payloads (entries 0..4); audit log OK" in capsys.readouterr().out
    after = stored(db)
    assert sorted(e.index for e in after.entries) == list(range(5, N + 1))
    (tomb,) = [e for e in after.entries if e.action == PURGE_ACTION]
    assert (tomb.index, tomb.actor_id, tomb.reason) == (
        N,
        "operator:Q. A. Officer",
        "retention: 5 years",
    )
    (export,) = sorted(out.iterdir())
    assert export.name == "audit-00000000-00000004.jsonl"
    data = export.read_bytes()
    assert json.loads(tomb.diff) == {
        "first": 0, "last": 4, "export_sha256": hashlib.sha256(data).hexdigest()
    }  # fmt: skip
    lines = [json.loads(line) for line in data.splitlines()]
    assert [x["index"] for x in lines] == [0, 1, 2, 3, 4]
    for x in lines:  # the purged entries as they were, hashed independently
        assert x["reason"] == before[x["index"]].reason
        assert x["leaf_hash"] == ref_leaf_hex(before[x["index"]])
    # the tombstone is covered by a signed checkpoint of the whole log
    assert max(c.size for c in after.checkpoints) == N + 1
    assert run(["audit", "verify", str(db), "--exports", str(out)]) == 0
    assert "1 exports match their tombstones" in capsys.readouterr().out


def test_a_later_purge_takes_the_next_range_and_never_a_tombstone(db, tmp_path, capsys):
    out = tmp_path / "exports"
    assert purge(db, FIRST_FIVE, out) == 0
    assert purge(db, NEXT_THREE, out) == 0
    assert "purged 3 payloads (entries 5..7)" in capsys.readouterr().out
    now = (datetime.now(UTC) - timedelta(seconds=1)).isoformat()
    assert purge(db, now, out) == 0  # everything older, the two tombstones (25, 26) aside
    log = stored(db)
    assert sorted(e.index for e in log.entries if e.action != PURGE_ACTION) == []
    assert sorted(e.index for e in log.entries) == [N, N + 1, N + 2]
    assert len(list(out.glob("*.jsonl"))) == 3
    assert run(["audit", "verify", str(db), "--exports", str(out)]) == 0
    assert f"{N + 3} entries" in capsys.readouterr().out


def test_a_changed_export_does_not_verify(db, tmp_path, capsys):
    out = tmp_path / "exports"
    assert purge(db, FIRST_FIVE, out) == 0
    (export,) = out.iterdir()
    export.write_bytes(export.read_bytes().replace(b"reason 3", b"reason 9"))
    capsys.readouterr()
    assert run(["audit", "verify", str(db), "--exports", str(out)]) == 1
    err = capsys.readouterr().err
    assert "audit-00000000-00000004.jsonl: its SHA-256" in err


def test_dry_run_and_usage_errors_change_nothing(db, tmp_path, capsys):
    out = tmp_path / "exports"
    assert purge(db, FIRST_FIVE, out, "--dry-run") == 0
    assert "would purge 5 payloads: entries 0..4" in capsys.readouterr().out
    future = (datetime.now(UTC) + timedelta(days=1)).isoformat()
    assert purge(db, future, out) == 2
    assert "is in the future" in capsys.readouterr().err
    assert purge(db, "2026-13-01", out) == 2
    assert "option '--before'" in capsys.readouterr().err
    assert run(["audit", "purge", str(db), "--before", FIRST_FIVE, "--reason", " ", "--by", "Q",
                "--export-dir", str(out)]) == 2  # fmt: skip
    assert "option '--reason'" in capsys.readouterr().err
    Path(f"{db}.audit-key.pem").rename(tmp_path / "elsewhere.pem")
    assert purge(db, FIRST_FIVE, out) == 2
    assert "no checkpoint key" in capsys.readouterr().err
    assert len(stored(db).entries) == N
    assert not out.exists()


def test_an_export_in_the_way_stops_the_purge_before_anything_is_removed(db, tmp_path, capsys):
    out = tmp_path / "exports"
    out.mkdir()
    (out / "audit-00000000-00000004.jsonl").write_text("kept\n")
    assert purge(db, FIRST_FIVE, out) == 1
    assert "nothing of entries 0..4 was purged" in capsys.readouterr().err
    assert len(stored(db).entries) == N
    assert (out / "audit-00000000-00000004.jsonl").read_text() == "kept\n"


def test_a_purge_stopped_after_its_tombstone_is_finished_without_another(db, tmp_path, capsys):
    """Exported and tombstoned, but stopped before the payloads were removed."""
    export = b"exported elsewhere\n"
    log = SqliteAuditLog(db)
    signer = load_or_create_signer(Path(f"{db}.audit-key.pem"))
    Recorder(log, StepClock(), signer).record(
        ACTOR, PURGE_ACTION, "audit", "0-4", 0, None, export,
        tombstone_diff(0, 4, hashlib.sha256(export).hexdigest()), "retention",
    )  # fmt: skip
    log.close()
    assert purge(db, FIRST_FIVE, tmp_path / "exports") == 0
    log_after = stored(db)
    assert [e.index for e in log_after.entries] == list(range(5, N + 1))
    assert list((tmp_path / "exports").iterdir()) == []  # no second export or tombstone
    assert "audit log OK" in capsys.readouterr().out


def test_retention_ranges_split_around_removed_payloads(db):
    """Payloads 0..4 and 8 gone: a cut-off at entry 13's time gives 5..7 and 9..12."""
    entries = [e for e in stored(db).entries if e.index != 8]
    cutoff = entries[12].at  # entry 13
    plan = retention_ranges([e for e in entries if e.index >= 5], cutoff)
    assert plan.ranges == ((5, 7), (9, 12))
    assert plan.unfinished == ()
