"""Decay physics: exact chain (Bateman) solutions and vectorised decay factors.

Two tools for two jobs:

* :class:`ChainSolver` / :class:`Inventory` solve ``dN/dt = A·N`` for a nuclide and all its
  progeny, with branching, in arbitrary-precision arithmetic (mpmath). Double precision loses
  the small members of a chain at short times (Ac-225 after 1 ms, Th-228 after 1 s) through
  cancellation; here the precision adapts until every printed digit is right. A call costs
  about a millisecond.
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
"""Decimal digits the chain solver starts with."""

GUARD_DIGITS = 40
"""Digits that must survive cancellation; with fewer, the solver retries with twice the digits."""

MAX_PRECISION_DIGITS = 12800
"""Upper limit of the adaptive precision (reached only for sub-attosecond times)."""

BACK_CALCULATION_SLACK = 1e-12
"""Relative size of a negative start amount in :func:`required_before` put down to rounding:
targets are floats, known to about 1e-16, and a daughter's own share can be smaller still."""

_CTX = mpmath.MPContext()
_CTX.dps = PRECISION_DIGITS

MpVector = list[mpmath.mpf]


class ChainSolver:
    """Exact solution of the decay equations for a closed set of nuclides.

    Parameters
    ----------
    names
        Canonical nuclide names; all their progeny are added.
    data
        Nuclear data (default: ICRP-107).
    digits
        Decimal digits of the arithmetic. A result whose sum cancels more than
        ``digits - GUARD_DIGITS`` digits (the deep members of a long chain at very short times,
        e.g. Pb-206 from U-238 after 1 s) is recomputed by a solver with twice the digits, up
        to :data:`MAX_PRECISION_DIGITS`; so at least ``GUARD_DIGITS`` digits are right.
    """

    def __init__(
        self, names: Iterable[str], data: NuclideData | None = None, digits: int = PRECISION_DIGITS
    ) -> None:
        self.data = data or default_data()
        self.digits = digits
        self.ctx = mpmath.MPContext()
        self.ctx.dps = digits
        self.members: tuple[str, ...] = tuple(self.data.descendants(list(names)))
        self.position = {name: i for i, name in enumerate(self.members)}
        self.lam: MpVector = [self._decay_constant(n) for n in self.members]
        self.lam_float = np.array([float(x) for x in self.lam])
        self._parents: list[list[tuple[int, mpmath.mpf]]] = [[] for _ in self.members]
        for k, parent in enumerate(self.members):
            for branch in self.data.branches(parent):
                i = self.position[branch.daughter]
                self._parents[i].append((k, self.ctx.mpf(branch.fraction) * self.lam[k]))
        self._c = self._eigenvectors()
        self._c_inv = self._unit_lower_inverse(self._c)
        self._c_abs = [[abs(x) for x in row] for row in self._c]
        self._c_inv_abs = [[abs(x) for x in row] for row in self._c_inv]
        self._tolerance = self.ctx.mpf(10) ** -(digits - GUARD_DIGITS)
        self._finer_solver: ChainSolver | None = None

    def _decay_constant(self, name: str) -> mpmath.mpf:
        half_life = self.data.half_life_s(name)
        if math.isinf(half_life):
            return self.ctx.mpf(0)
        return self.ctx.log(2) / self.ctx.mpf(half_life)

    def _eigenvectors(self) -> list[MpVector]:
        ctx = self.ctx
        n = len(self.members)
        c = [[ctx.mpf(0)] * n for _ in range(n)]
        for j in range(n):
            c[j][j] = ctx.mpf(1)
            for i in range(j + 1, n):
                feed = ctx.fsum(rate * c[k][j] for k, rate in self._parents[i] if k >= j)
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

    def _unit_lower_inverse(self, c: list[MpVector]) -> list[MpVector]:
        ctx = self.ctx
        n = len(c)
        inv = [[ctx.mpf(0)] * n for _ in range(n)]
        for j in range(n):
            inv[j][j] = ctx.mpf(1)
            for i in range(j + 1, n):
                inv[i][j] = -ctx.fsum(c[i][k] * inv[k][j] for k in range(j, i) if c[i][k])
        return inv

    def vector(self, atoms: Mapping[str, float]) -> MpVector:
        """Convert an atoms mapping to a high-precision vector over :attr:`members`."""
        vec = [self.ctx.mpf(0)] * len(self.members)
        for name, value in atoms.items():
            vec[self.position[name]] = self.ctx.mpf(value)
        return vec

    def evolve(self, n0: MpVector, t: float) -> MpVector:
        """Numbers of atoms after ``t`` seconds [s], from ``n0`` at time 0."""
        if t == 0:
            return [self.ctx.mpf(x) for x in n0]
        return self._solve(n0, t, derivative=False)

    def rates(self, n0: MpVector, t: float, rows: Sequence[int] | None = None) -> MpVector:
        """Time derivatives dN/dt [atoms/s] at ``t`` seconds, from ``n0`` at time 0.

        With ``rows`` (positions in :attr:`members`), only those derivatives, in that order:
        cheaper, and the precision then adapts to those members alone.
        """
        wanted = range(len(self.members)) if rows is None else rows
        if t == 0:  # dN/dt = A·N(0), exactly
            x0 = [self.ctx.mpf(x) for x in n0]
            return [
                self.ctx.fsum([-self.lam[i] * x0[i], *(r * x0[k] for k, r in self._parents[i])])
                for i in wanted
            ]
        return self._solve(n0, t, derivative=True, rows=wanted)

    def _solve(
        self, n0: MpVector, t: float, derivative: bool, rows: Sequence[int] | None = None
    ) -> MpVector:
        """Rows of ``C·diag(f(λ, t))·C⁻¹·n0`` with ``f = exp(-λt)`` or ``-λ·exp(-λt)``.

        The same sums taken over absolute values bound the rounding error; where a result
        is too small against that bound (cancellation), a finer solver recomputes it.
        """
        ctx = self.ctx
        x0 = [ctx.mpf(x) for x in n0]
        wanted = range(len(x0)) if rows is None else rows
        n = max(wanted, default=-1) + 1  # rows below the last wanted one are not needed
        nonzero = [k for k in range(n) if x0[k]]
        modal = [ctx.fsum(self._c_inv[i][k] * x0[k] for k in nonzero if k <= i) for i in range(n)]
        scale = [
            ctx.fsum(self._c_inv_abs[i][k] * abs(x0[k]) for k in nonzero if k <= i)
            for i in range(n)
        ]
        tt = ctx.mpf(t)
        factor = [
            (-lam if derivative else 1) * ctx.exp(-lam * tt) if s else s
            for lam, s in zip(self.lam, scale, strict=False)
        ]
        live = [j for j in range(n) if scale[j]]
        out = [
            ctx.fsum(self._c[i][j] * modal[j] * factor[j] for j in live if j <= i) for i in wanted
        ]
        bound = [
            ctx.fsum(self._c_abs[i][j] * scale[j] * abs(factor[j]) for j in live if j <= i)
            for i in wanted
        ]
        if self.digits < MAX_PRECISION_DIGITS and any(
            abs(o) < b * self._tolerance for o, b in zip(out, bound, strict=True)
        ):
            finer = self._finer()._solve(x0, t, derivative, rows)
            return [ctx.mpf(x) for x in finer]
        return out

    def _finer(self) -> ChainSolver:
        if self._finer_solver is None:
            self._finer_solver = ChainSolver(self.members, self.data, 2 * self.digits)
        return self._finer_solver

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
        return {n: float(lam[n]) * float(x) for n, x in self.atoms.items()}

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
    requested below what its listed parent alone grows in). A start amount that is negative
    only by rounding (at most :data:`BACK_CALCULATION_SLACK` of what the target alone would
    need, e.g. a daughter target equal to the ingrowth from its parent) is taken as 0.
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
    atoms: dict[str, float] = {}
    negative: list[str] = []
    for i, name in enumerate(names):
        x = solution[i]
        if x < 0:
            alone = rhs[i] / matrix[i][i]  # atoms needed if nothing grew in
            if -x > BACK_CALCULATION_SLACK * alone:
                negative.append(name)
            x = 0
        atoms[name] = float(x)
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
