"""The audit trail's recorder: canonical entries, leaf hashes, signed checkpoints, purges.

* **canonical entry**: sorted-key JSON (no spaces, UTF-8) of every field of
  :class:`~isoflow.service.model.AuditEntry` except ``leaf_hash``; times as
  ``YYYY-MM-DDTHH:MM:SS.ffffff+00:00``, roles as a list;
* **leaf hash**: ``SHA-256(0x00 || canonical entry)`` (RFC 6962), hex;
* **checkpoint**: Ed25519 signature over the canonical JSON of
  ``{"at", "key_id", "root_hash", "size"}``; ``key_id = SHA-256(raw public key)``, hex;
* **purge**: the payloads of a range are exported (JSON lines of canonical entries), a
  tombstone entry (action :data:`PURGE_ACTION`) records the range and the export's SHA-256,
  then the payloads are removed; the leaves stay, so every root still verifies.

The recorder has no switch to pause it and no buffer to flush: :meth:`Recorder.record`
returns only once the entry is in the log.
"""

from __future__ import annotations

import hashlib
import json
import threading
from collections.abc import Callable, Collection, Mapping
from dataclasses import dataclass, fields
from datetime import UTC, datetime
from typing import Any

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey
from cryptography.hazmat.primitives.serialization import Encoding, PublicFormat

from isoflow.service import merkle
from isoflow.service.model import Actor, AuditEntry, Checkpoint
from isoflow.service.ports import AuditLog, Clock

PURGE_ACTION = "audit.purge"
"""Action of a tombstone entry; its ``diff`` is ``{"export_sha256", "first", "last"}``."""

CHECKPOINT_EVERY = 100
"""Default: a signed checkpoint after every this many entries."""

CHECKPOINT_ACTIONS = frozenset({"plan.approve", "plan.sign", PURGE_ACTION})
"""Default: actions whose entry is covered by a signed checkpoint at once (prefix match)."""


def utc_text(at: datetime) -> str:
    """``at`` as ``YYYY-MM-DDTHH:MM:SS.ffffff+00:00``; naive datetimes are refused."""
    if at.tzinfo is None:
        raise ValueError("audit times must be aware datetimes")
    return at.astimezone(UTC).isoformat(timespec="microseconds")


def canonical_json(value: Mapping[str, Any]) -> bytes:
    """``json.dumps(value, sort_keys, separators=(",", ":"), ensure_ascii=False)``, UTF-8."""
    text = json.dumps(value, sort_keys=True, separators=(",", ":"), ensure_ascii=False)
    return text.encode("utf-8")


def entry_fields(entry: AuditEntry) -> dict[str, Any]:
    """Every field of ``entry`` but ``leaf_hash``, as JSON values."""
    out: dict[str, Any] = {}
    for f in fields(entry):
        if f.name == "leaf_hash":
            continue
        value = getattr(entry, f.name)
        if isinstance(value, datetime):
            value = utc_text(value)
        elif isinstance(value, tuple):
            value = list(value)
        out[f.name] = value
    return out


def canonical_entry(entry: AuditEntry) -> bytes:
    """The canonical bytes of an entry: sorted-key JSON of :func:`entry_fields`."""
    return canonical_json(entry_fields(entry))


def entry_leaf_hash(entry: AuditEntry) -> str:
    """``SHA-256(0x00 || canonical entry)`` as hex."""
    return merkle.leaf_hash(canonical_entry(entry)).hex()


def sha256_hex(data: bytes | None) -> str | None:
    """``SHA-256(data)`` as hex, or ``None`` for no data."""
    return None if data is None else hashlib.sha256(data).hexdigest()


def checkpoint_message(size: int, root_hash: str, at: datetime, key_id: str) -> bytes:
    """The signed bytes: canonical JSON of ``{"at", "key_id", "root_hash", "size"}``."""
    return canonical_json(
        {"size": size, "root_hash": root_hash, "at": utc_text(at), "key_id": key_id}
    )


def key_id_of(public_key: bytes) -> str:
    """``SHA-256(raw 32-byte Ed25519 public key)`` as hex."""
    return hashlib.sha256(public_key).hexdigest()


def raw_public_key(key: Ed25519PublicKey) -> bytes:
    """The 32 raw bytes of an Ed25519 public key."""
    return key.public_bytes(Encoding.Raw, PublicFormat.Raw)


class Signer:
    """Signs checkpoints with one Ed25519 private key."""

    def __init__(self, private_key: Ed25519PrivateKey) -> None:
        self._key = private_key
        self.public_key = raw_public_key(private_key.public_key())
        self.key_id = key_id_of(self.public_key)

    def sign(self, size: int, root_hash: str, at: datetime) -> Checkpoint:
        """The checkpoint ``(size, root_hash, at)`` signed over :func:`checkpoint_message`."""
        message = checkpoint_message(size, root_hash, at, self.key_id)
        signature = self._key.sign(message).hex()
        return Checkpoint(size, root_hash, at.astimezone(UTC), self.key_id, signature)


def signature_ok(checkpoint: Checkpoint, public_keys: Mapping[str, bytes]) -> bool:
    """Whether the checkpoint's key is known and its signature valid over its message."""
    raw = public_keys.get(checkpoint.key_id)
    if raw is None or key_id_of(raw) != checkpoint.key_id:
        return False
    try:
        message = checkpoint_message(
            checkpoint.size, checkpoint.root_hash, checkpoint.at, checkpoint.key_id
        )
        Ed25519PublicKey.from_public_bytes(raw).verify(bytes.fromhex(checkpoint.signature), message)
    except (InvalidSignature, ValueError):
        return False
    return True


def checkpoint_to_json(checkpoint: Checkpoint) -> dict[str, Any]:
    """A checkpoint as a JSON object (what a client keeps)."""
    return {
        "size": checkpoint.size,
        "root_hash": checkpoint.root_hash,
        "at": utc_text(checkpoint.at),
        "key_id": checkpoint.key_id,
        "signature": checkpoint.signature,
    }


def checkpoint_from_json(data: object) -> Checkpoint:
    """The checkpoint of :func:`checkpoint_to_json`'s object; :class:`ValueError` if malformed."""
    if not isinstance(data, dict):
        raise ValueError("a checkpoint is a JSON object")
    try:
        size, at = data["size"], datetime.fromisoformat(data["at"])
        texts = [data[k] for k in ("root_hash", "key_id", "signature")]
    except (KeyError, TypeError) as exc:
        raise ValueError(
            f"a checkpoint needs size, root_hash, at, key_id, signature: {exc}"
        ) from None
    if type(size) is not int or size < 0 or not all(isinstance(t, str) for t in texts):
        raise ValueError("checkpoint size must be a count and its hashes text")
    if at.tzinfo is None:
        raise ValueError("checkpoint time must carry its UTC offset")
    return Checkpoint(size, texts[0], at.astimezone(UTC), texts[1], texts[2])


@dataclass(frozen=True, slots=True)
class PurgeRange:
    """What a tombstone declares: payloads ``first..last`` removed, their export's digest."""

    tombstone: int
    first: int
    last: int
    export_sha256: str


def tombstone_diff(first: int, last: int, export_sha256: str) -> str:
    """A tombstone's ``diff``: canonical JSON of ``{"export_sha256", "first", "last"}``."""
    data = {"first": first, "last": last, "export_sha256": export_sha256}
    return canonical_json(data).decode("utf-8")


def purge_range(entry: AuditEntry) -> PurgeRange | None:
    """The range a tombstone entry declares (``first <= last < its index``), else ``None``."""
    if entry.action != PURGE_ACTION:
        return None
    try:
        data = json.loads(entry.diff)
        first, last, digest = data["first"], data["last"], data["export_sha256"]
    except (ValueError, KeyError, TypeError):
        return None
    if type(first) is not int or type(last) is not int or not isinstance(digest, str):
        return None
    if not 0 <= first <= last < entry.index:
        return None
    return PurgeRange(entry.index, first, last, digest)


def export_bytes(entries: Collection[AuditEntry]) -> bytes:
    """The export of purged payloads: one canonical entry (with its leaf hash) per line."""
    lines = [canonical_json({**entry_fields(e), "leaf_hash": e.leaf_hash}) for e in entries]
    return b"".join(line + b"\n" for line in lines)


class Recorder:
    """The :class:`~isoflow.service.ports.AuditRecorder` over an :class:`AuditLog`.

    A signed checkpoint is written after every ``checkpoint_every`` entries and after every
    entry whose action starts with one of ``checkpoint_actions``.
    """

    def __init__(
        self,
        log: AuditLog,
        clock: Clock,
        signer: Signer,
        *,
        checkpoint_every: int = CHECKPOINT_EVERY,
        checkpoint_actions: Collection[str] = CHECKPOINT_ACTIONS,
    ) -> None:
        if checkpoint_every < 1:
            raise ValueError("checkpoint_every must be at least 1")
        self._log, self._clock, self._signer = log, clock, signer
        self.checkpoint_every = checkpoint_every
        self.checkpoint_actions = tuple(checkpoint_actions)
        self._tree = merkle.CompactRange()
        self._lock = threading.Lock()
        log.add_public_key(signer.key_id, signer.public_key)

    def record(
        self,
        actor: Actor,
        action: str,
        object_type: str,
        object_id: str,
        object_version: int,
        before: bytes | None,
        after: bytes | None,
        diff: str,
        reason: str,
    ) -> AuditEntry:
        """Append one entry (hashing ``before``/``after``), checkpointing when due."""
        entry = AuditEntry(
            index=-1,
            at=self._clock.now().astimezone(UTC),
            actor_id=actor.user_id,
            actor_roles=tuple(sorted(str(r) for r in actor.roles)),
            org_id=actor.org_id,
            time_zone=actor.time_zone,
            action=action,
            object_type=object_type,
            object_id=object_id,
            object_version=object_version,
            before_sha256=sha256_hex(before),
            after_sha256=sha256_hex(after),
            diff=diff,
            reason=reason,
            leaf_hash="",
        )
        stored = self._log.append(entry)
        if self.wants_checkpoint(stored):
            self.checkpoint()
        return stored

    def wants_checkpoint(self, entry: AuditEntry) -> bool:
        """Whether ``(index + 1) % checkpoint_every == 0`` or the action is a signing one."""
        due = (entry.index + 1) % self.checkpoint_every == 0
        return due or entry.action.startswith(self.checkpoint_actions)

    def checkpoint(self) -> Checkpoint:
        """Sign and store the log's current size and root (at least every entry so far)."""
        with self._lock:
            size = self._log.size()
            new = self._log.leaves(self._tree.size, size)
            self._tree.extend(bytes.fromhex(leaf.leaf_hash) for leaf in new)
            cp = self._signer.sign(self._tree.size, self._tree.root().hex(), self._clock.now())
            self._log.add_checkpoint(cp)
            return cp

    def purge(
        self, actor: Actor, first: int, last: int, reason: str, keep: Callable[[bytes], None]
    ) -> AuditEntry:
        """Export payloads ``first..last``, record the tombstone, then remove the payloads.

        ``keep`` stores the export (durably) before anything is removed; the tombstone's
        ``diff`` records the range and ``SHA-256(export)``. Tombstones are never purged.
        """
        size = self._log.size()
        if not 0 <= first <= last < size:
            raise ValueError(f"no entries {first}..{last} in a log of {size}")
        entries = self._log.entries(first, last + 1)
        if len(entries) != last - first + 1 or any(e.action == PURGE_ACTION for e in entries):
            raise ValueError(f"entries {first}..{last} hold purged payloads or tombstones")
        data = export_bytes(entries)
        keep(data)
        digest = hashlib.sha256(data).hexdigest()
        diff = tombstone_diff(first, last, digest)
        tomb = self.record(
            actor, PURGE_ACTION, "audit", f"{first}-{last}", 0, None, data, diff, reason
        )
        self._log.purge(first, last)
        return tomb
