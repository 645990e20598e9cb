"""`isoflow audit verify` and `isoflow audit checkpoint`: verdict lines and exit codes."""

from __future__ import annotations

import json
import sqlite3
import sys
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).parents[1] / "service"))
from audit_helpers import StepClock, fill

from isoflow.adapters.cli.app import run
from isoflow.adapters.storage.audit_keys import (
    load_or_create_signer,
    public_key_pem,
)
from isoflow.adapters.storage.sqlite_audit import TRIGGERS, SqliteAuditLog
from isoflow.service.audit import Recorder


@pytest.fixture
def db(tmp_path):
    path = tmp_path / "svc.db"
    key = tmp_path / "signing.pem"
    signer = load_or_create_signer(key)
    assert key.stat().st_mode & 0o777 == 0o600
    assert load_or_create_signer(key).key_id == signer.key_id
    (tmp_path / "pub.pem").write_bytes(public_key_pem(signer))
    log = SqliteAuditLog(path)
    fill(Recorder(log, StepClock(), signer, checkpoint_every=10), 25)
    log.close()
    return path


def test_verify_ok_and_checkpoint_export(db, tmp_path, capsys):
    assert run(["audit", "verify", str(db)]) == 0
    out = capsys.readouterr().out
    assert out.startswith("audit log OK: 25 entries, 2 checkpoints")
    assert len(out.strip().splitlines()) == 1
    cp = tmp_path / "cp.json"
    assert run(["audit", "checkpoint", str(db), "--out", str(cp)]) == 0
    assert json.loads(cp.read_text())["size"] == 20
    pub = tmp_path / "pub.pem"
    assert run(["audit", "verify", str(db), "--checkpoint", str(cp), "--public-key", str(pub)]) == 0


def test_tampered_entry_named_exit_1(db, capsys):
    con = sqlite3.connect(db)
    con.execute("DROP TRIGGER audit_entries_no_update")
    con.execute("UPDATE audit_entries SET reason = 'x' WHERE idx = 13")
    con.commit()
    con.close()
    assert run(["audit", "verify", str(db)]) == 1
    err = capsys.readouterr().err
    assert "entry 13 (plan.save): its fields do not match its leaf hash" in err
    assert "audit_entries_no_update" in err


def test_truncation_against_client_checkpoint(db, tmp_path, capsys):
    cp = tmp_path / "cp.json"
    assert run(["audit", "checkpoint", str(db), "--out", str(cp)]) == 0
    con = sqlite3.connect(db)
    for name in TRIGGERS:
        con.execute(f"DROP TRIGGER {name}")
    for table in ("audit_entries", "audit_leaves"):
        con.execute(f"DELETE FROM {table} WHERE idx >= 15")
    con.execute("DELETE FROM audit_checkpoints WHERE size > 15")
    for stmt in TRIGGERS.values():
        con.execute(stmt)
    con.commit()
    con.close()
    assert run(["audit", "verify", str(db)]) == 0
    capsys.readouterr()
    assert run(["audit", "verify", str(db), "--checkpoint", str(cp)]) == 1
    assert "client checkpoint of size 20: the log holds only 15 entries" in capsys.readouterr().err


def test_other_public_key_rejects_signatures(db, tmp_path, capsys):
    other = load_or_create_signer(tmp_path / "other.pem")
    (tmp_path / "other.pub").write_bytes(public_key_pem(other))
    assert run(["audit", "verify", str(db), "--public-key", str(tmp_path / "other.pub")]) == 1
    assert "checkpoint of size 10: bad signature" in capsys.readouterr().err


@pytest.mark.parametrize("kind", ["missing", "not-db", "empty-db"])
def test_bad_files_one_line_exit_2(tmp_path, capsys, kind):
    path = tmp_path / "x.db"
    if kind == "not-db":
        path.write_bytes(b"this is not sqlite at all" * 100)
    elif kind == "empty-db":
        sqlite3.connect(path).execute("CREATE TABLE t (a)").connection.close()
    assert run(["audit", "verify", str(path)]) == 2
    err = capsys.readouterr().err
    assert err.startswith("error: argument 'DB': ")
    assert len(err.strip().splitlines()) == 1
    assert "Traceback" not in err
