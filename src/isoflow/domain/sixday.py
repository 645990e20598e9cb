"""Mo-99 in six-day curies, the unit the Mo-99 market trades in.

A *six-day curie* (6-day Ci) of Mo-99 is the activity that remains six days after the
processor's reference time (its end of processing): a batch of ``n`` six-day Ci holds
``n · 1 Ci · exp(λ · 6 d)`` at its reference time, about 4.54 Ci per six-day Ci with the Mo-99
half-life of 65.94 h. The half-life comes from the nuclide data, like every decay in
isoflow.
"""

from __future__ import annotations

import math
from functools import lru_cache

from isoflow.domain.nuclides import default_data

CURIE_BQ = 3.7e10
"""One curie in becquerel (exact by definition)."""

SIX_DAYS_S = 6 * 86400.0
"""Six days [s]."""


@lru_cache(maxsize=1)
def bq_per_six_day_ci() -> float:
    """Mo-99 activity [Bq] at the reference time of one six-day curie."""
    data = default_data()
    half_life = data.half_life_s(data.canonical("Mo-99"))
    return CURIE_BQ * math.exp(math.log(2.0) / half_life * SIX_DAYS_S)


def six_day_ci(activity_at_reference_bq: float) -> float:
    """Six-day curies of a Mo-99 activity [Bq] given at its reference time (EOP)."""
    return activity_at_reference_bq / bq_per_six_day_ci()


def from_six_day_ci(six_day_curies: float) -> float:
    """Mo-99 activity [Bq] at the reference time of ``six_day_curies`` six-day Ci."""
    return six_day_curies * bq_per_six_day_ci()
