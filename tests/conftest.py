"""Shared test oracles: nuclear data typed in by hand and closed-form decay laws.

Nothing here calls isoflow. The half-lives and branching fractions are the ICRP-107 values
as shipped by radioactivedecay 0.6.1 (``radioactivedecay.DEFAULTDATA.hldata`` / ``.bfs``),
copied as literals so that a test compares the implementation with an independent
derivation, never with its own output.
"""

from __future__ import annotations

import math
from collections.abc import Sequence

import mpmath
import pytest
from hypothesis import settings

# Hypothesis's per-example deadline is a wall-clock assertion: on a busy two-core machine a
# correct example can take longer than 200 ms. Tests assert results, never times.
settings.register_profile("isoflow", deadline=None)
settings.load_profile("isoflow")

MINUTE = 60.0
HOUR = 3600.0
DAY = 86400.0
YEAR = 365.2422 * DAY  # ICRP-107 year


class Ref:
    """Reference data [s] and closed-form solutions of the decay equations."""

    # ICRP-107 half-lives [s] (value and unit as evaluated)
    T_MO99 = 65.94 * HOUR
    T_TC99M = 6.015 * HOUR
    T_TC99 = 211100.0 * YEAR  # 0.2111 My
    T_RA224 = 3.66 * DAY
    T_RN220 = 55.6
    T_PO216 = 0.145
    T_PB212 = 10.64 * HOUR
    T_BI212 = 60.55 * MINUTE
    T_PO212 = 0.299e-6
    T_TL208 = 3.053 * MINUTE
    T_TH228 = 1.9116 * YEAR
    T_LU177 = 6.647 * DAY
    T_LU177M = 160.4 * DAY
    T_AC225 = 10.0 * DAY
    T_F18 = 109.77 * MINUTE

    # ICRP-107 branching fractions
    B_MO99_TC99M = 0.8773
    B_MO99_TC99 = 0.1227
    B_TC99M_TC99 = 0.99996  # IT
    B_BI212_PO212 = 0.6406
    B_BI212_TL208 = 0.3594
    B_LU177M_LU177 = 0.217  # IT
    B_BI213_TL209 = 0.0209
    B_AT217_BI213 = 0.99988

    @staticmethod
    def lam(half_life_s: float) -> float:
        """Decay constant [1/s] of a half-life [s]; 0 for infinity."""
        return 0.0 if math.isinf(half_life_s) else math.log(2.0) / half_life_s

    @staticmethod
    def bateman(lams: Sequence[float], t: float, n0: float = 1.0, branching: float = 1.0) -> float:
        """Atoms of the last member of a linear chain after ``t`` [s] (Bateman, 1910).

        ``N_n(t) = N_1(0)·B·Π_{i<n} λ_i · Σ_i exp(-λ_i t) / Π_{j≠i} (λ_j − λ_i)``; ``lams``
        must be distinct, the last may be 0 (stable end). The sum cancels at short times, so
        it is evaluated with more and more digits until two precisions agree.
        """
        previous = None
        for dps in (60, 120, 240, 480, 960, 1920, 3840):
            with mpmath.workdps(dps):
                lm = [mpmath.mpf(x) for x in lams]
                tt = mpmath.mpf(t)
                coef = mpmath.mpf(n0) * mpmath.mpf(branching) * mpmath.fprod(lm[:-1])
                total = coef * mpmath.fsum(
                    mpmath.exp(-li * tt)
                    / mpmath.fprod(lj - li for j, lj in enumerate(lm) if j != i)
                    for i, li in enumerate(lm)
                )
                if t == 0 or (total and previous and abs(total - previous) <= 1e-25 * total):
                    return float(total)
                previous = total
        raise AssertionError("Bateman reference did not converge")

    @staticmethod
    def bateman_rate(lams: Sequence[float], t: mpmath.mpf, n0: float = 1.0) -> mpmath.mpf:
        """Time derivative dN_n/dt [1/s] of :meth:`bateman` (high precision, no branching)."""
        lm = [mpmath.mpf(x) for x in lams]
        coef = mpmath.mpf(n0) * mpmath.fprod(lm[:-1])
        return coef * mpmath.fsum(
            -li * mpmath.exp(-li * t) / mpmath.fprod(lj - li for j, lj in enumerate(lm) if j != i)
            for i, li in enumerate(lm)
        )


@pytest.fixture(scope="session")
def ref() -> type[Ref]:
    """Reference data and closed-form decay laws (see :class:`Ref`)."""
    return Ref
