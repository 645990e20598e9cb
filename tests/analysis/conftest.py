"""Analysis tests reuse the planner tests' hand-solved scenarios (``test_orders``)."""

from __future__ import annotations

import sys
from pathlib import Path

sys.path.append(str(Path(__file__).parents[1] / "planner"))
