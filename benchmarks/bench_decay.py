"""Throughput of isoflow's decay factors against radioactivedecay's per-call decay.

Run with ``python benchmarks/bench_decay.py``. Everything is measured in this one process:

* decay factors/s of :func:`isoflow.domain.decay.decay_factors` and
  :meth:`isoflow.domain.decay.DecayTable.factors` on ~10 million (nuclide, Δt) pairs
  (the hot path of the planner and the simulator; target >= 10 million/s on one core);
* the per-call time of ``radioactivedecay.Inventory.decay`` (float version) and of
  :meth:`isoflow.Inventory.decay` (exact, high-precision chain solution);
* the ratio of factors/s to radioactivedecay calls/s.

NumPy's ``exp`` is single-threaded, so the factor rates are one-core rates.
"""

from __future__ import annotations

import math
import os
import statistics
import time
from collections.abc import Callable

os.environ.setdefault("OMP_NUM_THREADS", "1")  # one core, set before NumPy loads

import numpy as np
import radioactivedecay as rd

from isoflow.domain.decay import DecayTable, Inventory, decay_factors

PAIRS = 10_000_000
REPEATS = 3
NUCLIDES = [
    "F-18",
    "Ga-68",
    "Cu-64",
    "Zr-89",
    "Tc-99m",
    "Mo-99",
    "In-111",
    "I-123",
    "I-131",
    "Tl-201",
    "Y-90",
    "Sr-90",
    "Lu-177",
    "Lu-177m",
    "Ga-67",
    "Ge-68",
    "Ra-224",
    "Pb-212",
    "Ac-225",
    "Th-228",
]
CALL_CASES = [("Lu-177", 86400.0), ("Mo-99", 24 * 3600.0), ("Ac-225", 3600.0), ("Th-228", 1.0)]


def best_of(fn: Callable[[], object], repeats: int = REPEATS) -> float:
    """Best wall time [s] of ``repeats`` calls of ``fn``."""
    times = []
    for _ in range(repeats):
        start = time.perf_counter()
        fn()
        times.append(time.perf_counter() - start)
    return min(times)


def per_call(fn: Callable[[], object], min_time: float = 0.5) -> float:
    """Mean time per call [s] of ``fn``, repeated for at least ``min_time`` seconds."""
    fn()  # warm caches (solver construction, data loading)
    calls, start = 0, time.perf_counter()
    while (elapsed := time.perf_counter() - start) < min_time:
        fn()
        calls += 1
    return elapsed / calls


def main() -> None:
    table = DecayTable(NUCLIDES)
    rng = np.random.default_rng(2025)
    idx = rng.integers(0, len(NUCLIDES), PAIRS)
    dt = rng.uniform(0.0, 30 * 86400.0, PAIRS)
    lam = table.lam[idx]

    # sanity: the fast path equals exp(-λΔt) evaluated one by one
    got = decay_factors(lam[:1000], dt[:1000])
    expected = [math.exp(-float(a) * float(b)) for a, b in zip(lam[:1000], dt[:1000], strict=True)]
    assert np.allclose(got, expected, rtol=1e-15, atol=0.0)

    t_factors = best_of(lambda: decay_factors(lam, dt))
    t_table = best_of(lambda: table.factors(idx, dt))
    rate_factors = PAIRS / t_factors
    rate_table = PAIRS / t_table

    rd_times, our_times = [], []
    for name, t in CALL_CASES:
        rd_inv = rd.Inventory({name: 1e9}, "Bq")
        our_inv = Inventory.from_activities({name: 1e9})
        rd_times.append(per_call(lambda inv=rd_inv, t=t: inv.decay(t, "s"), 0.4))
        our_times.append(per_call(lambda inv=our_inv, t=t: inv.decay(t), 0.4))
    rd_call = statistics.mean(rd_times)
    our_call = statistics.mean(our_times)

    print(f"pairs: {PAIRS:,} (nuclide, dt) over {len(NUCLIDES)} nuclides, best of {REPEATS}")
    print(f"decay_factors(lam, dt):      {rate_factors / 1e6:8.1f} M factors/s")
    print(f"DecayTable.factors(idx, dt): {rate_table / 1e6:8.1f} M factors/s  (gather included)")
    print(
        "per-call decay of one nuclide and its chain (mean over "
        + ", ".join(f"{n} {t:g} s" for n, t in CALL_CASES)
        + "):"
    )
    for (name, _), a, b in zip(CALL_CASES, rd_times, our_times, strict=True):
        print(
            f"  {name:8s} radioactivedecay.Inventory.decay {a * 1e6:8.1f} µs   "
            f"isoflow Inventory.decay {b * 1e6:8.1f} µs"
        )
    print(
        f"radioactivedecay.Inventory.decay: {rd_call * 1e6:8.1f} µs/call "
        f"({1 / rd_call:,.0f} calls/s)"
    )
    print(
        f"isoflow Inventory.decay (exact):  {our_call * 1e6:8.1f} µs/call "
        f"({1 / our_call:,.0f} calls/s)"
    )
    print(
        f"ratio decay_factors factors/s : radioactivedecay calls/s = "
        f"{rate_factors * rd_call:,.0f} : 1"
    )
    print(
        f"ratio DecayTable.factors/s : radioactivedecay calls/s   = {rate_table * rd_call:,.0f} : 1"
    )
    status = "met" if min(rate_factors, rate_table) >= 10e6 else "NOT met"
    print(f"target >= 10 M factors/s on one core: {status}")


if __name__ == "__main__":
    main()
