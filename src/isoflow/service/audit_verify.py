"""Offline verification of an audit log: leaves, entries, tombstones, roots and signatures.

:func:`verify_log` recomputes every leaf hash from its entry's fields, checks the indices
are ``0..n-1`` without gaps, that a payload is missing only inside a range a tombstone
declares, recomputes the Merkle root at every stored checkpoint's size and checks its
signature, and checks a client-held (older) checkpoint against the current log with a
consistency proof. The report names the first bad entry, else the first bad checkpoint.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from enum import StrEnum

from isoflow.service import merkle
from isoflow.service.audit import (
    PurgeRange,
    entry_leaf_hash,
    key_id_of,
    purge_range,
    signature_ok,
)
from isoflow.service.model import AuditEntry, Checkpoint, Leaf


class ProblemKind(StrEnum):
    """What is wrong with an entry or a checkpoint."""

    MISSING = "missing"
    OUT_OF_ORDER = "out_of_order"
    HASH_MISMATCH = "hash_mismatch"
    ORPHAN_PAYLOAD = "orphan_payload"
    DUPLICATE = "duplicate"
    PAYLOAD_REMOVED = "payload_removed"
    TRUNCATED = "truncated"
    ROOT_MISMATCH = "root_mismatch"
    BAD_SIGNATURE = "bad_signature"
    INCONSISTENT = "inconsistent"
    STORE = "store"


@dataclass(frozen=True, slots=True)
class Problem:
    """One finding; ``index`` is the bad entry's, ``checkpoint_size`` the bad checkpoint's."""

    kind: ProblemKind
    message: str
    index: int | None = None
    checkpoint_size: int | None = None


@dataclass(frozen=True, slots=True)
class AuditReport:
    """What :func:`verify_log` found: the log's size and root, and its problems in order."""

    size: int
    root_hash: str
    checkpoints: int
    purged: int
    problems: tuple[Problem, ...]

    @property
    def ok(self) -> bool:
        """Whether nothing is wrong."""
        return not self.problems

    @property
    def first(self) -> Problem | None:
        """The first problem: the lowest bad entry, else the first bad checkpoint."""
        return self.problems[0] if self.problems else None


def verify_log(
    entries: Sequence[AuditEntry],
    checkpoints: Sequence[Checkpoint],
    public_key: bytes | Iterable[bytes],
    trusted_checkpoint: Checkpoint | None = None,
    leaves: Sequence[Leaf] | None = None,
) -> AuditReport:
    """Check a whole log offline, as the module's docstring says.

    ``leaves`` default to the entries' own (a log without purges); ``public_key`` is one raw
    Ed25519 key or several.
    """
    keys = _keys(public_key)
    stored = [Leaf(e.index, e.leaf_hash) for e in entries] if leaves is None else leaves
    tree, problems = _contiguous(stored)
    problems += _entry_problems(entries, tree)
    ranges = [r for e in entries if (r := _trusted_range(e, tree)) is not None]
    purged = _purged(entries, tree, ranges, problems)
    hashes = [bytes.fromhex(h) for h in tree]
    root = merkle.root(hashes)
    problems.sort(key=lambda p: p.index if p.index is not None else len(tree))
    checks = _checkpoint_problems(hashes, checkpoints, keys)
    if trusted_checkpoint is not None:
        checks += _trusted_problems(hashes, root, trusted_checkpoint, keys)
    checks.sort(key=lambda p: (p.kind != ProblemKind.TRUNCATED, p.checkpoint_size or 0))
    # entry problems by index, then truncation (at index n), then the checkpoints'
    return AuditReport(len(tree), root.hex(), len(checkpoints), purged, tuple(problems + checks))


def _keys(public_key: bytes | Iterable[bytes]) -> dict[str, bytes]:
    """Trusted public keys by key id."""
    raws = [public_key] if isinstance(public_key, bytes) else list(public_key)
    return {key_id_of(raw): raw for raw in raws}


def _contiguous(leaves: Sequence[Leaf]) -> tuple[list[str], list[Problem]]:
    """The leaf hashes of the prefix ``0..n-1`` whose indices follow one another.

    The first leaf whose index is not its position ends the tree: a gap names the first
    missing index, a repeat or step back names the position.
    """
    tree: list[str] = []
    for pos, leaf in enumerate(leaves):
        if leaf.index == pos and _is_hash(leaf.leaf_hash):
            tree.append(leaf.leaf_hash)
            continue
        if leaf.index > pos:
            msg = f"entry {pos} is missing (the next stored entry is {leaf.index})"
            return tree, [Problem(ProblemKind.MISSING, msg, pos)]
        if leaf.index == pos:
            msg = f"entry {pos}: stored leaf hash {leaf.leaf_hash!r} is not a SHA-256"
            return tree, [Problem(ProblemKind.HASH_MISMATCH, msg, pos)]
        msg = f"entry {pos}: found index {leaf.index} at position {pos} (out of order)"
        return tree, [Problem(ProblemKind.OUT_OF_ORDER, msg, pos)]
    return tree, []


def _is_hash(text: str) -> bool:
    """Whether ``text`` is 64 lower-case hex digits."""
    return len(text) == 64 and all(c in "0123456789abcdef" for c in text)


def _entry_problems(entries: Sequence[AuditEntry], tree: Sequence[str]) -> list[Problem]:
    """Each payload's recomputed leaf hash against its stored leaf (and stored copy)."""
    problems: list[Problem] = []
    seen: set[int] = set()
    for e in entries:
        if e.index in seen:
            problems.append(
                Problem(ProblemKind.DUPLICATE, f"entry {e.index} is stored twice", e.index)
            )
            continue
        seen.add(e.index)
        if not 0 <= e.index < len(tree):
            msg = f"entry {e.index} has a payload but no leaf in the log"
            problems.append(Problem(ProblemKind.ORPHAN_PAYLOAD, msg, e.index))
            continue
        try:
            recomputed = entry_leaf_hash(e)
        except (ValueError, TypeError) as exc:
            msg = f"entry {e.index}: fields cannot be serialised ({exc})"
            problems.append(Problem(ProblemKind.HASH_MISMATCH, msg, e.index))
            continue
        if recomputed != tree[e.index] or e.leaf_hash != tree[e.index]:
            msg = f"entry {e.index} ({e.action}): its fields do not match its leaf hash"
            problems.append(Problem(ProblemKind.HASH_MISMATCH, msg, e.index))
    return problems


def _trusted_range(entry: AuditEntry, tree: Sequence[str]) -> PurgeRange | None:
    """The range of a tombstone whose own leaf hash verifies."""
    if not 0 <= entry.index < len(tree):
        return None
    r = purge_range(entry)
    if r is None:
        return None
    try:
        return r if entry_leaf_hash(entry) == tree[entry.index] else None
    except (ValueError, TypeError):
        return None


def _purged(
    entries: Sequence[AuditEntry],
    tree: Sequence[str],
    ranges: Sequence[PurgeRange],
    problems: list[Problem],
) -> int:
    """Count payloads missing inside tombstone ranges; add a problem for any outside one."""
    present = {e.index for e in entries}
    count = 0
    for index in range(len(tree)):
        if index in present:
            continue
        if any(r.first <= index <= r.last for r in ranges):
            count += 1
            continue
        msg = f"entry {index}: its payload was removed outside any purge tombstone"
        problems.append(Problem(ProblemKind.PAYLOAD_REMOVED, msg, index))
    return count


def _checkpoint_problems(
    hashes: Sequence[bytes], checkpoints: Sequence[Checkpoint], keys: Mapping[str, bytes]
) -> list[Problem]:
    """Each stored checkpoint: its signature, its size within the log, its root."""
    problems: list[Problem] = []
    by_size = sorted(checkpoints, key=lambda c: c.size)
    roots = _roots_at(hashes, {c.size for c in by_size if c.size <= len(hashes)})
    good = 0
    for cp in by_size:
        where = f"checkpoint of size {cp.size}"
        if not signature_ok(cp, keys):
            problems.append(
                Problem(ProblemKind.BAD_SIGNATURE, f"{where}: bad signature", None, cp.size)
            )
        elif cp.size > len(hashes):
            msg = f"{where}: the log holds only {len(hashes)} entries (truncated)"
            problems.append(Problem(ProblemKind.TRUNCATED, msg, len(hashes), cp.size))
        elif roots[cp.size].hex() != cp.root_hash:
            msg = f"{where}: root differs; an entry in {good}..{cp.size - 1} was rewritten"
            problems.append(Problem(ProblemKind.ROOT_MISMATCH, msg, None, cp.size))
        else:
            good = cp.size
    return problems


def _roots_at(hashes: Sequence[bytes], sizes: set[int]) -> dict[int, bytes]:
    """``MTH(D[0:s])`` for each ``s`` in ``sizes``, in one pass of a compact range."""
    cr = merkle.CompactRange()
    roots = {0: merkle.empty_root()} if 0 in sizes else {}
    for h in hashes:
        cr.append(h)
        if cr.size in sizes:
            roots[cr.size] = cr.root()
    return roots


def _trusted_problems(
    hashes: Sequence[bytes], root: bytes, trusted: Checkpoint, keys: Mapping[str, bytes]
) -> list[Problem]:
    """A client-held checkpoint: signed, not beyond the log, consistent with it."""
    where = f"client checkpoint of size {trusted.size}"
    if not signature_ok(trusted, keys):
        return [Problem(ProblemKind.BAD_SIGNATURE, f"{where}: bad signature", None, trusted.size)]
    if trusted.size > len(hashes):
        msg = f"{where}: the log holds only {len(hashes)} entries (truncated)"
        return [Problem(ProblemKind.TRUNCATED, msg, len(hashes), trusted.size)]
    proof = merkle.consistency_proof(hashes, trusted.size)
    try:
        old_root = bytes.fromhex(trusted.root_hash)
    except ValueError:
        old_root = b""
    if not merkle.verify_consistency(trusted.size, len(hashes), old_root, root, proof):
        msg = f"{where}: the log is not an extension of it (history rewritten)"
        return [Problem(ProblemKind.INCONSISTENT, msg, None, trusted.size)]
    return []
