"""RFC 6962 / 9162 Merkle trees against a tiny recursive reference written here, and every
kind of broken proof rejected."""

from __future__ import annotations

import hashlib

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from isoflow.service import merkle


# --- reference: the RFC's recursive definitions, transcribed literally -----------------
def ref_leaf(d: bytes) -> bytes:
    return hashlib.sha256(bytes([0]) + d).digest()


def ref_k(n: int) -> int:
    k = 1
    while k * 2 < n:
        k *= 2
    return k


def ref_mth(d: list[bytes]) -> bytes:  # d are raw entries
    if not d:
        return hashlib.sha256(b"").digest()
    if len(d) == 1:
        return ref_leaf(d[0])
    k = ref_k(len(d))
    return hashlib.sha256(bytes([1]) + ref_mth(d[:k]) + ref_mth(d[k:])).digest()


def ref_path(m: int, d: list[bytes]) -> list[bytes]:
    if len(d) == 1:
        return []
    k = ref_k(len(d))
    if m < k:
        return [*ref_path(m, d[:k]), ref_mth(d[k:])]
    return [*ref_path(m - k, d[k:]), ref_mth(d[:k])]


def ref_subproof(m: int, d: list[bytes], b: bool) -> list[bytes]:
    if m == len(d):
        return [] if b else [ref_mth(d)]
    k = ref_k(len(d))
    if m <= k:
        return [*ref_subproof(m, d[:k], b), ref_mth(d[k:])]
    return [*ref_subproof(m - k, d[k:], False), ref_mth(d[:k])]


def ref_dirs(m: int, n: int) -> list[str]:
    """Which side each audit-path node sits on, deepest first (the proof's shape)."""
    if n == 1:
        return []
    k = ref_k(n)
    return [*ref_dirs(m, k), "R"] if m < k else [*ref_dirs(m - k, n - k), "L"]


def ref_cshape(m: int, n: int, b: bool = True) -> list[str]:
    """The shape of SUBPROOF(m, D[n], b)."""
    if m == n:
        return [] if b else ["H"]
    k = ref_k(n)
    return [*ref_cshape(m, k, b), "R"] if m <= k else [*ref_cshape(m - k, n - k, False), "L"]


def data(n: int, salt: str = "") -> list[bytes]:
    return [f"entry {i}{salt}".encode() for i in range(n)]


def hashes(d: list[bytes]) -> list[bytes]:
    return [ref_leaf(x) for x in d]


# --- known vectors ----------------------------------------------------------------------
def test_empty_and_single_leaf():
    assert merkle.root([]).hex() == (
        "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"
    )
    assert merkle.leaf_hash(b"") == hashlib.sha256(b"\x00").digest()
    assert merkle.root([ref_leaf(b"x")]) == ref_leaf(b"x")


def test_three_leaves_by_hand():
    a, b, c = (ref_leaf(x) for x in (b"a", b"b", b"c"))
    ab = hashlib.sha256(b"\x01" + a + b).digest()
    assert merkle.root([a, b, c]) == hashlib.sha256(b"\x01" + ab + c).digest()
    assert merkle.inclusion_proof([a, b, c], 2) == [ab]
    assert merkle.inclusion_proof([a, b, c], 0) == [b, c]
    assert merkle.consistency_proof([a, b, c], 2) == [c]


@settings(max_examples=60, deadline=None)
@given(st.integers(1, 200), st.data())
def test_roots_and_proofs_match_reference(n, draw):
    d = data(n)
    leaves = hashes(d)
    top = ref_mth(d)
    assert merkle.root(leaves) == top
    i = draw.draw(st.integers(0, n - 1))
    proof = merkle.inclusion_proof(leaves, i)
    assert proof == ref_path(i, d)
    assert merkle.verify_inclusion(i, n, leaves[i], proof, top)
    m = draw.draw(st.integers(1, n))
    cproof = merkle.consistency_proof(leaves, m)
    assert cproof == (ref_subproof(m, d, True) if m < n else [])
    assert merkle.verify_consistency(m, n, ref_mth(d[:m]), top, cproof)


def test_every_index_and_prefix_of_small_trees():
    for n in range(1, 34):
        d = data(n)
        leaves, top = hashes(d), ref_mth(d)
        for i in range(n):
            assert merkle.verify_inclusion(i, n, leaves[i], ref_path(i, d), top)
        for m in range(1, n + 1):
            proof = ref_subproof(m, d, True) if m < n else []
            assert merkle.verify_consistency(m, n, ref_mth(d[:m]), top, proof)


def test_compact_range_roots_at_each_size():
    d = data(70)
    cr = merkle.CompactRange()
    for i, leaf in enumerate(hashes(d)):
        cr.append(leaf)
        assert cr.size == i + 1
        assert cr.root() == ref_mth(d[: i + 1])


# --- broken proofs ------------------------------------------------------------------------
def flip(h: bytes, bit: int) -> bytes:
    b = bytearray(h)
    b[bit // 8] ^= 1 << (bit % 8)
    return bytes(b)


def broken_variants(proof: list[bytes]):
    for j in range(len(proof)):
        for bit in (0, 77, 255):
            yield [*proof[:j], flip(proof[j], bit), *proof[j + 1 :]]
        yield proof[:j] + proof[j + 1 :]  # missing node
    yield [*proof, proof[0] if proof else b"\x00" * 32]  # extra node
    yield [b"\x00" * 32, *proof]
    for j in range(len(proof) - 1):
        if proof[j] != proof[j + 1]:
            yield [*proof[:j], proof[j + 1], proof[j], *proof[j + 2 :]]  # swapped
    if proof:
        yield [proof[0][:31], *proof[1:]]  # short node


@pytest.mark.parametrize("n", [2, 3, 5, 8, 13, 64, 100, 131])
def test_broken_inclusion_proofs_rejected(n):
    d = data(n)
    leaves, top = hashes(d), ref_mth(d)
    for i in sorted({0, 1, n // 2, n - 2, n - 1}):
        proof = ref_path(i, d)
        for bad in broken_variants(proof):
            assert not merkle.verify_inclusion(i, n, leaves[i], bad, top)
        assert not merkle.verify_inclusion(i, n, flip(leaves[i], 3), proof, top)
        assert not merkle.verify_inclusion(i, n, leaves[i], proof, flip(top, 9))
        for j in {i - 1, i + 1, n}:  # wrong index
            if j >= 0:
                assert not merkle.verify_inclusion(j, n, leaves[i], proof, top)
        for size in {n - 1, n + 1, 2 * n}:  # wrong size: rejected unless same shape
            same = i < size and ref_dirs(i, size) == ref_dirs(i, n)
            assert merkle.verify_inclusion(i, size, leaves[i], proof, top) == same


@pytest.mark.parametrize("n", [3, 5, 8, 13, 64, 100, 131])
def test_broken_consistency_proofs_rejected(n):
    d = data(n)
    top = ref_mth(d)
    for m in sorted({1, 2, n // 2, n - 1}):
        old = ref_mth(d[:m])
        proof = ref_subproof(m, d, True)
        assert merkle.verify_consistency(m, n, old, top, proof)
        for bad in broken_variants(proof):
            assert not merkle.verify_consistency(m, n, old, top, bad)
        assert not merkle.verify_consistency(m, n, flip(old, 1), top, proof)
        assert not merkle.verify_consistency(m, n, old, flip(top, 200), proof)
        for old_size, new_size in {(m + 1, n), (m - 1, n), (m, n + 1), (m, 2 * n)}:
            if 0 < old_size < new_size:  # wrong size: rejected unless same shape
                same = ref_cshape(old_size, new_size) == ref_cshape(m, n) and (
                    (old_size & (old_size - 1) == 0) == (m & (m - 1) == 0)
                )
                got = merkle.verify_consistency(old_size, new_size, old, top, proof)
                assert got == same or (got is False and same)
        assert not merkle.verify_consistency(m, n, old, top, [])


@pytest.mark.parametrize(("m", "n", "at"), [(4, 10, 2), (7, 20, 6), (16, 17, 0), (50, 130, 49)])
def test_old_root_rejects_rewritten_history(m, n, at):
    d = data(n)
    old = ref_mth(d[:m])
    rewritten = [*d[:at], b"rewritten", *d[at + 1 :]]
    leaves = hashes(rewritten)
    new_top = ref_mth(rewritten)
    proof = merkle.consistency_proof(leaves, m)
    assert not merkle.verify_consistency(m, n, old, new_top, proof)
    # the honest proof of the rewritten tree proves its own rewritten prefix only
    assert merkle.verify_consistency(m, n, ref_mth(rewritten[:m]), new_top, proof)


def test_argument_errors():
    with pytest.raises(ValueError, match="not in a tree"):
        merkle.inclusion_proof(hashes(data(3)), 3)
    with pytest.raises(ValueError, match="no prefix"):
        merkle.consistency_proof(hashes(data(3)), 4)
    assert merkle.verify_consistency(0, 5, merkle.empty_root(), b"x" * 32, [])
    assert not merkle.verify_consistency(0, 5, b"y" * 32, b"x" * 32, [])
    assert not merkle.verify_consistency(3, 2, b"y" * 32, b"x" * 32, [])
