"""A departure just before a closed window is stated before it.

A cancelled departure closes its lane one minute either side; the latest departure before
that window is the float just below its start. Rounded to the nearest microsecond, plan.json
stated it as the start itself, inside the closure, and ``verify`` reported ``lane_closed``
for the planner's own plan.
"""

from __future__ import annotations

import math

from isoflow.domain.calendar import epoch
from isoflow.engines.planner.extract import stated_departure

START = 1_754_369_040.0  # 2025-08-05T04:44:00Z


def test_the_float_below_a_window_is_stated_below_it():
    dep = math.nextafter(START, -math.inf)
    stated = epoch(stated_departure(dep))
    assert stated < START
    assert START - stated <= 1.01e-6  # one microsecond early at most


def test_whole_and_microsecond_instants_are_stated_as_they_are():
    assert epoch(stated_departure(START)) == START
    assert epoch(stated_departure(START + 0.000123)) == START + 0.000123
