"""Radionuclide generators: a long-lived parent loaded once, a short-lived daughter eluted.

A generator (Mo-99/Tc-99m, Ge-68/Ga-68, Ra-224/Pb-212, ...) holds a parent inventory fixed at
calibration (time 0). The daughter grows in by decay; an elution at time ``t`` removes the
fraction ``efficiency`` of *every* isotope of the daughter's element present at ``t`` (the
column cannot tell Tc-99m from Tc-99, nor Pb-212 from Pb-208); the rest stays and keeps
decaying. Between elutions the contents evolve by the exact chain solution of
:class:`~isoflow.domain.decay.ChainSolver`, carried in high precision from one elution to the
next (no rounding to float in between)::

    N(t_k⁻) = C·diag(exp(-λ·(t_k − t_{k-1})))·C⁻¹·N(t_{k-1}⁺)
    removed_i = ε·N_i(t_k⁻)  for i of the daughter's element,   N(t_k⁺) = N(t_k⁻) − removed

>>> from isoflow.domain.decay import Inventory
>>> gen = Generator(Inventory.from_activities({"Mo-99": 100e9}), "Tc-99m")
>>> round(gen.t_max_s() / 3600, 2)  # [h]
22.86
"""

from __future__ import annotations

import bisect
import math
from collections.abc import Callable, Sequence
from dataclasses import dataclass

import mpmath  # type: ignore[import-untyped]
import numpy as np

from isoflow.domain.decay import ChainSolver, Inventory, MpVector, solver_for
from isoflow.domain.nuclides import default_data
from isoflow.errors import InputError

_RateFunction = Callable[[float], mpmath.mpf]

GRID_POINTS_PER_DECADE = 24
"""Density of the log-spaced time grid that brackets the activity maxima in :meth:`t_max_s`."""

GRID_START_S = 1e-9
"""First time [s] of the bracketing grid."""

GRID_END_HALF_LIVES = 1e3
"""The grid ends at this many times the longest half-life among the daughter's ancestors."""


@dataclass(frozen=True, slots=True)
class Elution:
    """What one elution removed from the generator.

    Attributes
    ----------
    time_s
        Time of the elution since calibration [s].
    activities_bq
        Activity removed [Bq] per isotope of the daughter's element, parents first
        (0 for stable isotopes).
    atoms
        Atoms removed per isotope of the daughter's element, parents first.
    """

    time_s: float
    activities_bq: dict[str, float]
    atoms: dict[str, float]


def _check_efficiency(value: float, field: str = "efficiency") -> float:
    try:
        fraction = float(value)
    except (TypeError, ValueError):
        fraction = math.nan
    if not (math.isfinite(fraction) and 0.0 <= fraction <= 1.0):
        raise InputError(field, f"expected a fraction between 0 and 1, got {value!r}")
    return fraction


class Generator:
    """A radionuclide generator loaded with ``load`` at calibration (time 0).

    Parameters
    ----------
    load
        Contents at calibration, e.g. ``Inventory.from_activities({"Mo-99": 100e9})``.
    daughter
        The eluted nuclide (any spelling, e.g. ``99mTc``); must be a descendant of a loaded
        nuclide.
    efficiency
        Default elution efficiency [1], the fraction of the daughter's element removed per
        elution; in [0, 1].

    Raises
    ------
    InputError
        On an unknown daughter, a daughter no loaded nuclide decays to, or a bad efficiency.

    Notes
    -----
    The generator keeps its elution history: :meth:`elute` appends to it and
    :meth:`contents` reads it. One :class:`ChainSolver` over the loaded nuclides and all
    their progeny serves every computation.
    """

    def __init__(self, load: Inventory, daughter: str, efficiency: float = 1.0) -> None:
        self.data = load.data
        self.load = load
        self.daughter = self.data.canonical(daughter, "daughter")
        self.efficiency = _check_efficiency(efficiency)
        loaded = load.nuclides()
        ancestors = [
            n
            for n in loaded
            if self.daughter in self.data.descendants([b.daughter for b in self.data.branches(n)])
        ]
        if not ancestors:
            raise InputError(
                "daughter",
                f"{self.daughter} is not a decay product of the loaded "
                f"{', '.join(loaded) or 'nothing'}; load one of its parents",
            )
        self.solver: ChainSolver = solver_for(
            loaded, self.data if self.data is not default_data() else None
        )
        element = self.daughter.split("-", 1)[0]
        self.eluted: tuple[str, ...] = tuple(
            n for n in self.solver.members if n.split("-", 1)[0] == element
        )
        """Isotopes of the daughter's element that an elution removes, parents first."""
        self._eluted_pos = [self.solver.position[n] for n in self.eluted]
        self._n0: MpVector = self.solver.vector(load.atoms)
        self._times: list[float] = [0.0]
        self._states: list[MpVector] = [self._n0]
        self._elutions: list[Elution] = []

    @property
    def elutions(self) -> list[Elution]:
        """Every elution performed so far, in time order."""
        return list(self._elutions)

    def elute(self, times_s: Sequence[float], efficiency: float | None = None) -> list[Elution]:
        """Elute at each of ``times_s`` [s since calibration] and return what was removed.

        Parameters
        ----------
        times_s
            Elution times [s]; finite, >= 0, non-decreasing and not before an earlier elution.
        efficiency
            Fraction [1] of the daughter's element removed; default: the generator's.

        Raises
        ------
        InputError
            On a bad time or efficiency; nothing is eluted then.
        """
        eff = self.efficiency if efficiency is None else _check_efficiency(efficiency)
        times = [float(t) for t in times_s]
        previous = self._elutions[-1].time_s if self._elutions else 0.0
        for t in times:
            if not math.isfinite(t) or t < 0:
                raise InputError(
                    "elution times", f"expected finite times >= 0 [s], got {t!r} in {times!r}"
                )
            if t < previous:
                raise InputError(
                    "elution times",
                    f"expected non-decreasing times not before earlier elutions, got {t!r} "
                    f"after {previous!r}",
                )
            previous = t
        lam = {n: self.solver.lam[i] for n, i in zip(self.eluted, self._eluted_pos, strict=True)}
        done: list[Elution] = []
        for t in times:
            before = self._state_at(t)
            after = list(before)
            removed: dict[str, mpmath.mpf] = {}
            for name, i in zip(self.eluted, self._eluted_pos, strict=True):
                taken = before[i] * eff
                removed[name] = taken
                after[i] = before[i] - taken
            elution = Elution(
                time_s=t,
                activities_bq={n: float(lam[n] * x) for n, x in removed.items()},
                atoms={n: float(x) for n, x in removed.items()},
            )
            self._times.append(t)
            self._states.append(after)
            self._elutions.append(elution)
            done.append(elution)
        return done

    def _state_at(self, t_s: float) -> MpVector:
        """High-precision atoms at ``t_s`` [s] after every elution at times <= ``t_s``."""
        k = bisect.bisect_right(self._times, t_s) - 1
        if self._times[k] == t_s:
            return list(self._states[k])
        return self.solver.evolve(self._states[k], t_s - self._times[k])

    def contents(self, t_s: float) -> Inventory:
        """Contents at ``t_s`` [s since calibration], after every elution at times <= ``t_s``.

        Every nuclide of the chain is listed (parents first), eluted or not.
        """
        if not math.isfinite(t_s) or t_s < 0:
            raise InputError("time", f"expected a finite time >= 0 [s], got {t_s!r}")
        state = self._state_at(float(t_s))
        return Inventory(
            {n: float(x) for n, x in zip(self.solver.members, state, strict=True)}, self.data
        )

    def ancestors(self) -> list[str]:
        """Members of the chain that decay (directly or not) to the daughter, parents first."""
        return [
            n
            for n in self.solver.members
            if n != self.daughter
            and self.daughter in self.data.descendants([b.daughter for b in self.data.branches(n)])
        ]

    def t_max_s(self) -> float:
        """Time [s] since calibration at which the daughter's activity is largest, no elutions.

        The activity ``A_d = λ_d·N_d`` of the full chain (branching included) is maximal where
        ``dN_d/dt = 0``. The rate (from :meth:`ChainSolver.rates`, high precision) is sampled
        on a log-spaced grid from 1 ns to 10³ times the longest half-life among the daughter's
        ancestors; every change of sign from + to - is refined by Brent's method (relative
        tolerance 1e-15) and the time of largest activity among those maxima and t = 0 is
        returned. If the daughter's activity never rises, this is 0.

        For a two-member chain (Mo-99 → Tc-99m) this is ``ln(λ_d/λ_p) / (λ_d − λ_p)``.
        """
        d = self.solver.position[self.daughter]
        lam_d = self.solver.lam[d]
        if lam_d == 0:
            return 0.0  # a stable daughter has no activity
        longest = max(self.data.half_life_s(n) for n in self.ancestors())
        end = GRID_END_HALF_LIVES * longest if math.isfinite(longest) else 1e20
        decades = math.log10(end / GRID_START_S)
        grid = np.geomspace(GRID_START_S, end, max(2, math.ceil(decades * GRID_POINTS_PER_DECADE)))
        grid_t = [0.0, *(float(t) for t in grid)]

        def rate(t: float) -> mpmath.mpf:
            return self.solver.rates(self._n0, t, rows=[d])[0]

        rates = [rate(t) for t in grid_t]
        candidates: list[float] = [0.0]
        rising = False
        for i in range(len(grid_t) - 1):
            rising = rising or rates[i] > 0
            if rates[i] > 0 and rates[i + 1] <= 0:
                candidates.append(self._refine(rate, grid_t[i], grid_t[i + 1], rates[i + 1]))
        if not rising:
            return 0.0
        if rates[-1] > 0:  # still rising at the end of the grid (not seen in real chains)
            candidates.append(grid_t[-1])
        activity = [self.solver.evolve(self._n0, t)[d] for t in candidates]
        best = max(range(len(candidates)), key=activity.__getitem__)
        return candidates[best]

    @staticmethod
    def _refine(rate: _RateFunction, lo: float, hi: float, rate_hi: mpmath.mpf) -> float:
        """Root of ``rate`` in ``[lo, hi]`` where ``rate(lo) > 0 >= rate_hi`` (Brent)."""
        from scipy.optimize import brentq  # imported here: keeps `import isoflow` fast

        if rate_hi == 0:
            return hi
        scale = abs(rate_hi)

        def scaled(t: float) -> float:
            return float(rate(t) / scale)

        root: float = brentq(scaled, lo, hi, xtol=1e-300, rtol=1e-15, maxiter=200)
        return root
