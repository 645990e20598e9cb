"""The recorder and the offline verifier over the in-memory log."""

from __future__ import annotations

import hashlib
from dataclasses import replace

import pytest
from audit_helpers import ACTOR, StepClock, fill, ref_leaf_hex, ref_root
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from isoflow.adapters.storage.memory_audit import MemoryAuditLog
from isoflow.service.audit import Recorder, Signer, checkpoint_from_json, checkpoint_to_json
from isoflow.service.audit_verify import ProblemKind, verify_log


def make(n=0, every=10, approve_every=0):
    log, signer = MemoryAuditLog(), Signer(Ed25519PrivateKey.generate())
    rec = Recorder(log, StepClock(), signer, checkpoint_every=every)
    fill(rec, n, approve_every)
    return log, signer, rec


def test_entries_hashes_and_checkpoints_against_reference():
    log, signer, _ = make(35, every=10, approve_every=13)
    entries = log.entries()
    assert [e.index for e in entries] == list(range(35))
    for e in entries:
        assert e.leaf_hash == ref_leaf_hex(e)
    assert entries[1].before_sha256 == hashlib.sha256(b"before 1").hexdigest()
    assert entries[0].before_sha256 is None
    assert entries[0].actor_roles == ("planner",)
    sizes = [c.size for c in log.checkpoints()]
    assert sizes == [10, 13, 20, 26, 30]  # every 10, and after each approval (index 12, 25)
    leaves = [bytes.fromhex(e.leaf_hash) for e in entries]
    for c in log.checkpoints():
        assert c.root_hash == ref_root(leaves[: c.size]).hex()
        assert c.key_id == hashlib.sha256(signer.public_key).hexdigest()
    report = verify_log(entries, log.checkpoints(), signer.public_key)
    assert report.ok, report.problems
    assert report.root_hash == ref_root(leaves).hex()


def test_naive_time_refused():
    log, _, _ = make(1)
    e = log.entries()[0]
    with pytest.raises(ValueError, match="aware"):
        log.append(replace(e, at=e.at.replace(tzinfo=None)))


def test_forged_checkpoint_signature_rejected():
    log, signer, _ = make(20)
    other = Signer(Ed25519PrivateKey.generate())
    entries = log.entries()
    forged = other.sign(20, log.checkpoints()[-1].root_hash, log.checkpoints()[-1].at)
    report = verify_log(entries, [*log.checkpoints(), forged], signer.public_key)
    assert report.first.kind == ProblemKind.BAD_SIGNATURE
    # same key id, signature from the other key
    fake = replace(forged, key_id=signer.key_id)
    report = verify_log(entries, [fake], signer.public_key)
    assert report.first.kind == ProblemKind.BAD_SIGNATURE
    assert report.first.checkpoint_size == 20
    # a client checkpoint forged by another key
    report = verify_log(entries, log.checkpoints(), signer.public_key, forged)
    assert report.first.kind == ProblemKind.BAD_SIGNATURE


def test_client_with_old_checkpoint_rejects_rewritten_history():
    log, signer, _rec = make(30)
    held = checkpoint_from_json(checkpoint_to_json(log.checkpoints()[1]))  # size 20
    assert held.size == 20
    # the operator rewrites entry 7 and re-signs everything with the real key
    entries = list(log.entries())
    bad = replace(entries[7], reason="nothing happened")
    bad = replace(bad, leaf_hash=ref_leaf_hex(bad))
    entries[7] = bad
    leaves = [bytes.fromhex(e.leaf_hash) for e in entries]
    resigned = [signer.sign(s, ref_root(leaves[:s]).hex(), held.at) for s in (10, 20, 30)]
    assert verify_log(entries, resigned, signer.public_key).ok  # looks fine on its own
    report = verify_log(entries, resigned, signer.public_key, held)
    assert report.first.kind == ProblemKind.INCONSISTENT
    assert report.first.checkpoint_size == 20
    # the honest log is consistent with it
    assert verify_log(log.entries(), log.checkpoints(), signer.public_key, held).ok


def test_truncation_detected_by_client_checkpoint():
    log, signer, _ = make(25)
    held = log.checkpoints()[-1]  # size 20
    report = verify_log(log.entries()[:17], [], signer.public_key, held)
    assert report.first.kind == ProblemKind.TRUNCATED
    assert report.first.index == 17


def test_purge_and_tombstone_keep_log_verifiable():
    log, signer, rec = make(30)
    kept: list[bytes] = []
    tomb = rec.purge(ACTOR, 3, 9, "retention ended", kept.append)
    assert tomb.index == 30
    assert hashlib.sha256(kept[0]).hexdigest() in tomb.diff
    assert len(kept[0].splitlines()) == 7
    assert [e.index for e in log.entries()] == [0, 1, 2, *range(10, 31)]
    report = verify_log(log.entries(), log.checkpoints(), signer.public_key, leaves=log.leaves())
    assert report.ok, report.problems
    assert report.purged == 7
    # a payload missing outside the tombstone's range is named
    entries = [e for e in log.entries() if e.index != 12]
    report = verify_log(entries, log.checkpoints(), signer.public_key, leaves=log.leaves())
    assert report.first.kind == ProblemKind.PAYLOAD_REMOVED
    assert report.first.index == 12
    with pytest.raises(ValueError, match="tombstone"):
        log.purge(15, 16)
    with pytest.raises(ValueError, match="tombstones"):
        rec.purge(ACTOR, 25, 30, "no", kept.append)


def test_key_file_created_0600_and_loose_permissions_refused(tmp_path):
    from cryptography.hazmat.primitives.serialization import load_pem_public_key

    from isoflow.adapters.storage.audit_keys import (
        load_or_create_signer,
        load_public_key,
        public_key_pem,
    )

    path = tmp_path / "k.pem"
    signer = load_or_create_signer(path)
    assert path.stat().st_mode & 0o777 == 0o600
    assert b"PRIVATE KEY" in path.read_bytes()
    raw = load_pem_public_key(public_key_pem(signer)).public_bytes_raw()
    assert raw == signer.public_key
    assert load_public_key(public_key_pem(signer)) == raw
    assert signer.key_id == hashlib.sha256(raw).hexdigest()
    assert load_or_create_signer(path).key_id == signer.key_id
    path.chmod(0o644)
    with pytest.raises(PermissionError, match="must be 600"):
        load_or_create_signer(path)
