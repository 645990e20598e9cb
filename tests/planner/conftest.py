"""Planner tests: the verifier's cases (``tests/verify``) on the import path."""

from __future__ import annotations

import sys
from pathlib import Path

sys.path.append(str(Path(__file__).parents[1] / "verify"))
