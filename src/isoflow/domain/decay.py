"""Decay physics: exact chain (Bateman) solutions and vectorised decay factors.

Two tools for two jobs:

* :class:`ChainSolver` / :class:`Inventory` solve ``dN/dt = A·N`` for a nuclide and all its
  progeny, with branching, in arbitrary-precision arithmetic (mpmath). Double precision loses
  the small members of a chain at short times (Ac-225 after 1 ms, Th-228 after 1 s) through
  cancellation; here every printed digit is right. A call costs about a millisecond.
* :func:`decay_factors` and :class:`DecayTable` give ``exp(-λ·Δt)`` for arrays of
  (nuclide, elapsed time) at NumPy speed: the hot path of the planner and the simulator.

The chain solution is the eigen-decomposition ``A = C·diag(-λ)·C⁻¹`` of the (lower-triangular,
parents-first) decay matrix: ``N(t) = C·diag(exp(-λt))·C⁻¹·N(0)``, with
``C[i,i] = 1`` and ``C[i,j] = Σ_k b(k→i)·λ_k·C[k,j] / (λ_i − λ_j)`` over the parents ``k`` of ``i``.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from functools import lru_cache

import mpmath  # type: ignore[import-untyped]
import numpy as np
import numpy.typing as npt

from isoflow.domain.nuclides import NuclideData, default_data
from isoflow.errors import InputError, PhysicsError

PRECISION_DIGITS = 100
"""Decimal digits carried by the chain solver (cancellation never reaches float64 digits)."""

_CTX = mpmath.MPContext()
_CTX.dps = PRECISION_DIGITS
_LN2 = _CTX.log(2)

MpVector = list[mpmath.mpf]


class ChainSolver:
    """Exact solution of the decay equations for a closed set of nuclides.

    Parameters
    ----------
    names
        Canonical nuclide names; all their progeny are added.
    data
        Nuclear data (default: ICRP-107).
    """

    def __init__(self, names: Iterable[str], data: NuclideData | None = None) -> None:
        self.data = data or default_data()
        self.members: tuple[str, ...] = tuple(self.data.descendants(list(names)))
        self.position = {name: i for i, name in enumerate(self.members)}
        self.lam: MpVector = [self._decay_constant(n) for n in self.members]
        self.lam_float = np.array([float(x) for x in self.lam])
        self._parents: list[list[tuple[int, mpmath.mpf]]] = [[] for _ in self.members]
        for k, parent in enumerate(self.members):
            for branch in self.data.branches(parent):
                i = self.position[branch.daughter]
                self._parents[i].append((k, _CTX.mpf(branch.fraction) * self.lam[k]))
        self._c = self._eigenvectors()
        self._c_inv = self._unit_lower_inverse(self._c)

    def _decay_constant(self, name: str) -> mpmath.mpf:
        half_life = self.data.half_life_s(name)
        return _CTX.mpf(0) if math.isinf(half_life) else _LN2 / _CTX.mpf(half_life)

    def _eigenvectors(self) -> list[MpVector]:
        n = len(self.members)
        c = [[_CTX.mpf(0)] * n for _ in range(n)]
        for j in range(n):
            c[j][j] = _CTX.mpf(1)
            for i in range(j + 1, n):
                feed = _CTX.fsum(rate * c[k][j] for k, rate in self._parents[i] if k >= j)
                if feed == 0:
                    continue
                gap = self.lam[i] - self.lam[j]
                if gap == 0:
                    raise PhysicsError(
                        f"{self.members[j]} and its descendant {self.members[i]} have equal "
                        "half-lives; the closed-form chain solution does not apply"
                    )
                c[i][j] = feed / gap
        return c

    @staticmethod
    def _unit_lower_inverse(c: list[MpVector]) -> list[MpVector]:
        n = len(c)
        inv = [[_CTX.mpf(0)] * n for _ in range(n)]
        for j in range(n):
            inv[j][j] = _CTX.mpf(1)
            for i in range(j + 1, n):
                inv[i][j] = -_CTX.fsum(c[i][k] * inv[k][j] for k in range(j, i) if c[i][k])
        return inv

    def vector(self, atoms: Mapping[str, float]) -> MpVector:
        """Convert an atoms mapping to a high-precision vector over :attr:`members`."""
        vec = [_CTX.mpf(0)] * len(self.members)
        for name, value in atoms.items():
            vec[self.position[name]] = _CTX.mpf(value)
        return vec

    def _modal(self, n0: MpVector) -> MpVector:
        n = len(n0)
        return [
            _CTX.fsum(self._c_inv[i][k] * n0[k] for k in range(i + 1) if n0[k]) for i in range(n)
        ]

    def evolve(self, n0: MpVector, t: float) -> MpVector:
        """Numbers of atoms after ``t`` seconds [s], from ``n0`` at time 0."""
        modal = self._modal(n0)
        tt = _CTX.mpf(t)
        weighted = [
            m * _CTX.exp(-lam * tt) if m else m for m, lam in zip(modal, self.lam, strict=True)
        ]
        n = len(n0)
        return [_CTX.fsum(self._c[i][j] * weighted[j] for j in range(i + 1)) for i in range(n)]

    def rates(self, n0: MpVector, t: float) -> MpVector:
        """Time derivatives dN/dt [atoms/s] at ``t`` seconds, from ``n0`` at time 0."""
        modal = self._modal(n0)
        tt = _CTX.mpf(t)
        weighted = [
            -lam * m * _CTX.exp(-lam * tt) if m else m
            for m, lam in zip(modal, self.lam, strict=True)
        ]
        n = len(n0)
        return [_CTX.fsum(self._c[i][j] * weighted[j] for j in range(i + 1)) for i in range(n)]

    def activities(self, n: MpVector) -> MpVector:
        """Activities λ·N [Bq] of a vector of atoms."""
        return [lam * x for lam, x in zip(self.lam, n, strict=True)]


@lru_cache(maxsize=256)
def _solver(names: tuple[str, ...]) -> ChainSolver:
    return ChainSolver(names)


def solver_for(names: Iterable[str], data: NuclideData | None = None) -> ChainSolver:
    """Return a :class:`ChainSolver` for ``names`` and progeny (cached for the default data)."""
    key = tuple(sorted(set(names)))
    return ChainSolver(key, data) if data is not None else _solver(key)


@dataclass(frozen=True)
class Inventory:
    """Amounts of nuclides, held as numbers of atoms; immutable.

    Build with :meth:`from_atoms` or :meth:`from_activities`; :meth:`decay` returns a new
    inventory that holds every progeny nuclide.
    """

    atoms: Mapping[str, float]
    data: NuclideData = field(default_factory=default_data, compare=False, repr=False)

    @classmethod
    def from_atoms(cls, atoms: Mapping[str, float], data: NuclideData | None = None) -> Inventory:
        """Inventory from numbers of atoms keyed by (any spelling of) nuclide name."""
        nd = data or default_data()
        merged: dict[str, float] = {}
        for name, value in atoms.items():
            canon = nd.canonical(name)
            _check_amount(value, canon)
            merged[canon] = merged.get(canon, 0.0) + float(value)
        return cls(merged, nd)

    @classmethod
    def from_activities(
        cls, activities: Mapping[str, float], data: NuclideData | None = None
    ) -> Inventory:
        """Inventory from activities [Bq] keyed by nuclide name (radioactive nuclides only)."""
        nd = data or default_data()
        atoms: dict[str, float] = {}
        for name, bq in activities.items():
            canon = nd.canonical(name)
            _check_amount(bq, canon)
            half_life = nd.half_life_s(canon)
            if math.isinf(half_life):
                if bq == 0:
                    atoms.setdefault(canon, 0.0)
                    continue
                raise InputError(
                    canon, "is stable and has no activity; give a number of atoms instead"
                )
            atoms[canon] = atoms.get(canon, 0.0) + float(bq) * half_life / math.log(2.0)
        return cls(atoms, nd)

    def activities(self) -> dict[str, float]:
        """Activity [Bq] of every nuclide held (0 for stable ones)."""
        lam = dict(zip(self.atoms, self.data.decay_constants(list(self.atoms)), strict=True))
        return {n: float(lam[n] * x) for n, x in self.atoms.items()}

    def decay(self, t_s: float) -> Inventory:
        """Return the inventory after ``t_s`` seconds [s] of decay, progeny included."""
        _check_time(t_s)
        solver = solver_for(self.atoms, self.data if self.data is not default_data() else None)
        n_t = solver.evolve(solver.vector(self.atoms), t_s)
        return Inventory({n: float(x) for n, x in zip(solver.members, n_t, strict=True)}, self.data)

    def nuclides(self) -> list[str]:
        """Nuclides held, parents first."""
        return sorted(self.atoms, key=self.data.index)


def required_before(target_bq: Mapping[str, float], t_s: float) -> Inventory:
    """Back-calculate the inventory of the listed nuclides that decays to ``target_bq``.

    ``t_s`` is the time [s] between the returned inventory and the target.

    Solves ``M·x = target`` where ``M[i, j]`` is the number of atoms of nuclide ``i`` found
    after ``t_s`` per atom of nuclide ``j`` at the start; so the ingrowth of one listed nuclide
    from another (Lu-177 from Lu-177m) is accounted for. For a single nuclide this is
    ``A·exp(λt)``.

    Raises :class:`PhysicsError` when no non-negative inventory reaches the target (a daughter
    requested below what its listed parent alone grows in).
    """
    _check_time(t_s)
    wanted = Inventory.from_activities(target_bq)
    names = wanted.nuclides()
    solver = solver_for(names)
    size = len(names)
    matrix = [[_CTX.mpf(0)] * size for _ in range(size)]
    for j, source in enumerate(names):
        after = solver.evolve(solver.vector({source: 1.0}), t_s)
        for i, sink in enumerate(names):
            matrix[i][j] = after[solver.position[sink]]
    rhs = [_CTX.mpf(wanted.atoms[n]) for n in names]
    solution = _CTX.lu_solve(_CTX.matrix(matrix), _CTX.matrix(rhs))
    atoms = {n: float(solution[i]) for i, n in enumerate(names)}
    negative = [n for n, x in atoms.items() if x < 0]
    if negative:
        raise PhysicsError(
            f"no starting inventory of {', '.join(names)} decays to the requested amounts: "
            f"{', '.join(negative)} would have to be negative (its listed parent alone grows in "
            "more than requested)"
        )
    return Inventory(atoms)


def _check_amount(value: float, name: str) -> None:
    if not math.isfinite(value) or value < 0:
        raise InputError(name, f"expected a finite, non-negative amount, got {value!r}")


def _check_time(t_s: float) -> None:
    if not math.isfinite(t_s) or t_s < 0:
        raise InputError("time", f"expected a finite, non-negative time [s], got {t_s!r}")


FloatArray = npt.NDArray[np.float64]


def decay_factors(lam: npt.ArrayLike, dt: npt.ArrayLike) -> FloatArray:
    """Decay factors ``exp(-λ·Δt)`` [1] for broadcastable arrays of λ [1/s] and Δt [s].

    A negative Δt gives the growth factor of a back-calculation.
    """
    return np.exp(-np.multiply(lam, dt, dtype=np.float64))


class DecayTable:
    """Decay constants of a fixed list of nuclides, for vectorised look-ups.

    >>> table = DecayTable(["F-18", "Lu-177"])
    >>> float(table.factors([0], [6586.2])[0])  # one F-18 half-life (109.77 min)
    0.5
    """

    def __init__(self, names: Sequence[str], data: NuclideData | None = None) -> None:
        nd = data or default_data()
        self.names = tuple(nd.canonical(n) for n in names)
        self.index = {n: i for i, n in enumerate(self.names)}
        self.lam: FloatArray = nd.decay_constants(self.names)

    def factors(self, nuclide_idx: npt.ArrayLike, dt: npt.ArrayLike) -> FloatArray:
        """``exp(-λ[idx]·Δt)`` for arrays of nuclide indices and elapsed times [s]."""
        return decay_factors(self.lam[np.asarray(nuclide_idx, dtype=np.intp)], dt)
