"""Merkle Tree Hash, inclusion and consistency proofs of RFC 6962 / RFC 9162 (pure, no I/O).

* leaf hash ``SHA-256(0x00 || data)``, node hash ``SHA-256(0x01 || left || right)``;
* ``MTH({}) = SHA-256()``, ``MTH({d0}) = leaf(d0)``, and for ``n > 1``, with ``k`` the
  largest power of two smaller than ``n``,
  ``MTH(D[n]) = node(MTH(D[0:k]), MTH(D[k:n]))``;
* inclusion proofs (``PATH``, RFC 9162 §2.1.3) and consistency proofs (``PROOF``,
  §2.1.4), generated from the leaf hashes and verified from the proof and the roots alone.

Every function here takes *leaf hashes* (already ``SHA-256(0x00 || data)``) as 32-byte
strings; hex is for the edges (stores, JSON).
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterable, Sequence

HASH_BYTES = 32
"""Size of a SHA-256 digest."""


def leaf_hash(data: bytes) -> bytes:
    """``SHA-256(0x00 || data)``: the hash of one leaf."""
    return hashlib.sha256(b"\x00" + data).digest()


def node_hash(left: bytes, right: bytes) -> bytes:
    """``SHA-256(0x01 || left || right)``: the hash of an interior node."""
    return hashlib.sha256(b"\x01" + left + right).digest()


def empty_root() -> bytes:
    """``MTH({}) = SHA-256()``: the root of the empty tree."""
    return hashlib.sha256(b"").digest()


def split(n: int) -> int:
    """``k``: the largest power of two strictly smaller than ``n`` (``n > 1``)."""
    if n < 2:
        raise ValueError(f"a tree of {n} leaves has no split")
    return 1 << ((n - 1).bit_length() - 1)


def root(leaves: Sequence[bytes]) -> bytes:
    """``MTH(D[n])`` over the leaf hashes ``leaves`` (computed as a compact range, O(n))."""
    cr = CompactRange()
    cr.extend(leaves)
    return cr.root()


class CompactRange:
    """The perfect subtrees covering leaves ``0..size-1``: appends and roots in O(log n).

    The subtrees are the binary digits of ``size`` from the largest down; the Merkle Tree
    Hash is their right fold ``node(h1, node(h2, ... node(h_{j-1}, h_j)))``, which is
    exactly RFC 6962's split at the largest power of two.
    """

    def __init__(self) -> None:
        self.size = 0
        self._stack: list[tuple[int, bytes]] = []  # (leaf count, hash), largest first

    def append(self, leaf: bytes) -> None:
        """Add one leaf hash, merging equal-sized subtrees: ``node(left, right)``."""
        count, h = 1, leaf
        while self._stack and self._stack[-1][0] == count:
            left_count, left = self._stack.pop()
            count, h = left_count + count, node_hash(left, h)
        self._stack.append((count, h))
        self.size += 1

    def extend(self, leaves: Iterable[bytes]) -> None:
        """Add leaf hashes in order."""
        for leaf in leaves:
            self.append(leaf)

    def root(self) -> bytes:
        """``MTH`` of the leaves so far: the right fold of the subtree hashes."""
        if not self._stack:
            return empty_root()
        h = self._stack[-1][1]
        for _, left in reversed(self._stack[:-1]):
            h = node_hash(left, h)
        return h


def _mth(leaves: Sequence[bytes]) -> bytes:
    """``MTH`` of a slice (small helper of the proof generators)."""
    return root(leaves)


def inclusion_proof(leaves: Sequence[bytes], index: int) -> list[bytes]:
    """``PATH(m, D[n])`` of RFC 9162 §2.1.3.1: the audit path of leaf ``index``.

    ``PATH(0, {d0}) = {}``; for ``n > 1``: ``PATH(m, D[0:k]) : MTH(D[k:n])`` if ``m < k``,
    else ``PATH(m - k, D[k:n]) : MTH(D[0:k])``.
    """
    if not 0 <= index < len(leaves):
        raise ValueError(f"leaf {index} is not in a tree of {len(leaves)} leaves")
    lo, hi, m = 0, len(leaves), index
    siblings: list[bytes] = []
    while hi - lo > 1:
        k = split(hi - lo)
        if m < k:
            siblings.append(_mth(leaves[lo + k : hi]))
            hi = lo + k
        else:
            siblings.append(_mth(leaves[lo : lo + k]))
            lo, m = lo + k, m - k
    return list(reversed(siblings))


def verify_inclusion(
    index: int, size: int, leaf: bytes, proof: Sequence[bytes], root_hash: bytes
) -> bool:
    """Whether ``proof`` shows leaf hash ``leaf`` at ``index`` of the tree ``(size, root)``.

    RFC 9162 §2.1.3.2: ``fn = index``, ``sn = size - 1``, ``r = leaf``; for each ``p``:
    if ``LSB(fn)`` or ``fn == sn`` then ``r = node(p, r)`` (and, unless ``LSB(fn)``, shift
    ``fn, sn`` right until ``LSB(fn)`` or ``fn == 0``), else ``r = node(r, p)``; then shift
    both once. Valid iff ``sn == 0`` at the end and ``r == root``.
    """
    if not 0 <= index < size:
        return False
    fn, sn, r = index, size - 1, leaf
    for p in proof:
        if sn == 0 or len(p) != HASH_BYTES:
            return False
        if fn & 1 or fn == sn:
            r = node_hash(p, r)
            if not fn & 1:
                while not (fn & 1 or fn == 0):
                    fn, sn = fn >> 1, sn >> 1
        else:
            r = node_hash(r, p)
        fn, sn = fn >> 1, sn >> 1
    return sn == 0 and r == root_hash


def consistency_proof(leaves: Sequence[bytes], old_size: int) -> list[bytes]:
    """``PROOF(m, D[n]) = SUBPROOF(m, D[n], true)`` of RFC 9162 §2.1.4.1.

    ``SUBPROOF(m, D[m], true) = {}``, ``SUBPROOF(m, D[m], false) = {MTH(D[m])}``; for
    ``m < n``: ``SUBPROOF(m, D[0:k], b) : MTH(D[k:n])`` if ``m <= k``, else
    ``SUBPROOF(m - k, D[k:n], false) : MTH(D[0:k])``. Empty for ``m == 0`` or ``m == n``.
    """
    n = len(leaves)
    if not 0 <= old_size <= n:
        raise ValueError(f"a tree of {n} leaves has no prefix of {old_size}")
    if old_size in (0, n):
        return []
    lo, hi, m, whole = 0, n, old_size, True
    tail: list[bytes] = []
    while m != hi - lo:
        k = split(hi - lo)
        if m <= k:
            tail.append(_mth(leaves[lo + k : hi]))
            hi = lo + k
        else:
            tail.append(_mth(leaves[lo : lo + k]))
            lo, m, whole = lo + k, m - k, False
    head = [] if whole else [_mth(leaves[lo:hi])]
    return head + list(reversed(tail))


def verify_consistency(
    old_size: int, new_size: int, old_root: bytes, new_root: bytes, proof: Sequence[bytes]
) -> bool:
    """Whether ``proof`` shows the tree ``(old_size, old_root)`` is a prefix of the new one.

    RFC 9162 §2.1.4.2: if ``old_size`` is a power of two, prepend ``old_root``;
    ``fn = old_size - 1``, ``sn = new_size - 1``; shift both right while ``LSB(fn)``;
    ``fr = sr = proof[0]``; for each further ``c``: if ``LSB(fn)`` or ``fn == sn`` then
    ``fr = node(c, fr)``, ``sr = node(c, sr)`` (and, unless ``LSB(fn)``, shift until
    ``LSB(fn)`` or ``fn == 0``), else ``sr = node(sr, c)``; shift both once. Valid iff
    ``fr == old_root``, ``sr == new_root`` and ``sn == 0``. Equal sizes need an empty proof
    and equal roots; the empty tree (``SHA-256()``) is a prefix of every tree.
    """
    if not 0 <= old_size <= new_size or any(len(c) != HASH_BYTES for c in proof):
        return False
    if old_size == 0:
        return not proof and old_root == empty_root()
    if old_size == new_size:
        return not proof and old_root == new_root
    path = list(proof)
    if old_size & (old_size - 1) == 0:
        path.insert(0, old_root)
    if not path:
        return False
    fn, sn = old_size - 1, new_size - 1
    while fn & 1:
        fn, sn = fn >> 1, sn >> 1
    fr = sr = path[0]
    for c in path[1:]:
        if sn == 0:
            return False
        if fn & 1 or fn == sn:
            fr, sr = node_hash(c, fr), node_hash(c, sr)
            if not fn & 1:
                while not (fn & 1 or fn == 0):
                    fn, sn = fn >> 1, sn >> 1
        else:
            sr = node_hash(sr, c)
        fn, sn = fn >> 1, sn >> 1
    return fr == old_root and sr == new_root and sn == 0
