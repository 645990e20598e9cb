"""Retention of the audit trail: which payloads a purge removes, and checks of its exports.

A retention purge removes the payloads of entries older than a date (:func:`retention_ranges`
finds them as runs of consecutive indices, since a tombstone declares one range) through
:meth:`~isoflow.service.audit.Recorder.purge`: each range is exported, a tombstone recorded,
then its payloads removed. Tombstones are never purged. The export of a range is JSON lines
of canonical entries with their leaf hashes; :func:`check_export` shows that an export holds
exactly the payloads its tombstone removed: its SHA-256 is the tombstone's, and each line's
fields hash to the stored leaf at its index.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

from isoflow.service import merkle
from isoflow.service.audit import PURGE_ACTION, PurgeRange, canonical_json, purge_range
from isoflow.service.model import AuditEntry, Leaf


@dataclass(frozen=True, slots=True)
class RetentionPlan:
    """What a purge of entries older than a date does.

    ``ranges``: ``(first, last)`` runs of consecutive kept entries to export and purge;
    ``unfinished``: kept payloads that a tombstone already declares removed (a purge stopped
    between its tombstone and the removal), to remove without a new tombstone.
    """

    ranges: tuple[tuple[int, int], ...]
    unfinished: tuple[tuple[int, int], ...]

    @property
    def entries(self) -> int:
        """How many payloads the purge removes."""
        return sum(b - a + 1 for a, b in (*self.ranges, *self.unfinished))


def retention_ranges(entries: Sequence[AuditEntry], before: datetime) -> RetentionPlan:
    """Kept payloads of entries recorded before ``before``, tombstones aside, as index runs.

    ``before`` must be timezone-aware (:class:`ValueError` otherwise).
    """
    if before.tzinfo is None:
        raise ValueError("the retention date must carry its UTC offset")
    declared = [r for e in entries if (r := purge_range(e)) is not None]
    due: list[int] = []
    unfinished: list[int] = []
    for e in sorted(entries, key=lambda x: x.index):
        if e.action == PURGE_ACTION or e.at >= before:
            continue
        inside = any(r.first <= e.index <= r.last for r in declared)
        (unfinished if inside else due).append(e.index)
    return RetentionPlan(_runs(due), _runs(unfinished))


def _runs(indices: Sequence[int]) -> tuple[tuple[int, int], ...]:
    """Sorted indices as ``(first, last)`` runs of consecutive values."""
    out: list[tuple[int, int]] = []
    for i in indices:
        if out and out[-1][1] == i - 1:
            out[-1] = (out[-1][0], i)
        else:
            out.append((i, i))
    return tuple(out)


def check_export(
    data: bytes, tombstones: Sequence[AuditEntry], leaves: Sequence[Leaf]
) -> str | None:
    """Why ``data`` is not the export of one of the ``tombstones``' ranges, else None.

    The export's SHA-256 must be a tombstone's ``export_sha256``; it must hold one line per
    index of that range, in order; each line's fields but ``leaf_hash`` must hash
    (``SHA-256(0x00 || canonical JSON)``) to its ``leaf_hash`` and to the stored leaf.
    """
    digest = hashlib.sha256(data).hexdigest()
    ranges = [r for t in tombstones if (r := purge_range(t)) is not None]
    match = next((r for r in ranges if r.export_sha256 == digest), None)
    if match is None:
        return f"its SHA-256 {digest[:12]}... is no tombstone's export digest"
    return _lines_problem(data, match, {leaf.index: leaf.leaf_hash for leaf in leaves})


def _lines_problem(data: bytes, r: PurgeRange, stored: dict[int, str]) -> str | None:
    """The first line of the export of ``r`` that does not hash to its stored leaf."""
    lines = data.splitlines()
    if len(lines) != r.last - r.first + 1:
        return f"{len(lines)} lines for entries {r.first}..{r.last}"
    for n, (index, line) in enumerate(zip(range(r.first, r.last + 1), lines, strict=True), 1):
        try:
            fields = json.loads(line)
            leaf = fields.pop("leaf_hash")
            ok = fields["index"] == index
        except (ValueError, KeyError, TypeError, AttributeError):
            return f"line {n}: not a canonical audit entry"
        if not ok:
            return f"line {n}: holds entry {fields['index']}, expected {index}"
        recomputed = merkle.leaf_hash(canonical_json(fields)).hex()
        if recomputed != leaf or stored.get(index) != leaf:
            return f"line {n}: entry {index} does not hash to the log's leaf"
    return None
