"""Codes and units shared by the compiled model and both engines.

Cause codes of a missed (or recovered) dose (:data:`CAUSES`, ``C_*``), outcome codes of
a consignment's doses (:data:`OUTCOMES`, ``O_*``), option kinds (``K_*``, the same numbers as the
outcomes they give), and the week and year in seconds.
"""

from __future__ import annotations

WEEK = 7 * 86400.0
YEAR = 365.25 * 86400.0

CAUSES: tuple[str, ...] = (
    "none",
    "unserved_in_plan",
    "site_outage",
    "qc_failure",
    "lane_cancel",
    "lane_delay",
    "customs_hold",
    "policy_shock",
    "demand_surge",
    "input_short",
)
"""Cause codes of a missed (or recovered) dose; index = code. ``input_short``: the run
failed at its start, its site's stock of a consumed material (a short week's delivery,
less what earlier runs of the week took) not covering it."""
C_NONE, C_PLAN, C_OUTAGE, C_QC, C_CANCEL, C_DELAY, C_HOLD, C_SHOCK, C_SURGE, C_SHORT = range(10)

OUTCOMES: tuple[str, ...] = (
    "served",
    "rerouted",
    "alternative",
    "substitute",
    "missed",
    "cancelled",
)
"""Outcome codes of a consignment's doses (a booking's: its one dose); index = code."""
O_SERVED, O_REROUTED, O_ALTERNATIVE, O_SUBSTITUTE, O_MISSED, O_CANCELLED = range(6)

K_PLANNED, K_REBOOK, K_ALTERNATIVE, K_SUBSTITUTE = range(4)
"""Option kinds; a served consignment's outcome is its option kind (``O_*`` share the codes)."""
