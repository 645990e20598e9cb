"""Simulator test fixtures: hand scenarios and their plans (planned once per session).

The planner's hand-solved cases (``tests/planner``) are importable too: the simulator's
order tests reuse its order week.
"""

from __future__ import annotations

import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).parent))
sys.path.append(str(Path(__file__).parents[1] / "planner"))
