"""In-memory :class:`~isoflow.service.ports.AuditLog` for tests: lists behind one lock."""

from __future__ import annotations

import threading
from collections.abc import Collection, Mapping, Sequence
from dataclasses import replace

from isoflow.service.audit import entry_leaf_hash, purge_range
from isoflow.service.model import AuditEntry, Checkpoint, Leaf


class MemoryAuditLog:
    """Leaves, payloads (``None`` once purged), checkpoints and keys held in memory."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._leaves: list[Leaf] = []
        self._payloads: list[AuditEntry | None] = []
        self._checkpoints: list[Checkpoint] = []
        self._keys: dict[str, bytes] = {}

    def append(self, entry: AuditEntry) -> AuditEntry:
        """Add ``entry`` at the next index, its leaf hash computed here."""
        with self._lock:
            placed = replace(entry, index=len(self._leaves), leaf_hash="")
            placed = replace(placed, leaf_hash=entry_leaf_hash(placed))
            self._leaves.append(Leaf(placed.index, placed.leaf_hash))
            self._payloads.append(placed)
            return placed

    def size(self) -> int:
        """Number of entries."""
        return len(self._leaves)

    def entries(self, start: int = 0, stop: int | None = None) -> Sequence[AuditEntry]:
        """Entries ``start <= index < stop`` whose payloads are kept."""
        with self._lock:
            return [e for e in self._payloads[start:stop] if e is not None]

    def entries_about(
        self, org_id: str, objects: Collection[tuple[str, str]]
    ) -> Sequence[AuditEntry]:
        """The organisation's kept entries about any of ``objects``, in order."""
        wanted = set(objects)
        with self._lock:
            return [
                e
                for e in self._payloads
                if e is not None and e.org_id == org_id and (e.object_type, e.object_id) in wanted
            ]

    def leaves(self, start: int = 0, stop: int | None = None) -> Sequence[Leaf]:
        """Leaves ``start <= index < stop``."""
        with self._lock:
            return list(self._leaves[start:stop])

    def purge(self, first: int, last: int) -> None:
        """Drop payloads ``first..last``; :class:`ValueError` unless a tombstone covers them."""
        with self._lock:
            ranges = [r for e in self._payloads if e is not None and (r := purge_range(e))]
            for index in range(first, last + 1):
                if not any(r.first <= index <= r.last for r in ranges):
                    raise ValueError(f"entry {index} is not inside a purge tombstone's range")
            for index in range(first, last + 1):
                self._payloads[index] = None

    def add_checkpoint(self, checkpoint: Checkpoint) -> None:
        """Store a signed tree head."""
        with self._lock:
            self._checkpoints.append(checkpoint)

    def checkpoints(self) -> Sequence[Checkpoint]:
        """Signed tree heads by size."""
        with self._lock:
            return sorted(self._checkpoints, key=lambda c: c.size)

    def add_public_key(self, key_id: str, public_key: bytes) -> None:
        """Keep a signer's public key."""
        with self._lock:
            self._keys.setdefault(key_id, public_key)

    def public_keys(self) -> Mapping[str, bytes]:
        """Kept public keys by key id."""
        with self._lock:
            return dict(self._keys)
