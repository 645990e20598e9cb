"""Helpers of the reliability suite: what a command line gave, and the checks every case makes."""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path

SMALL = Path(__file__).parents[1] / "scenario" / "data" / "small.yaml"


def count(default: int) -> int:
    """``default``, or it times ``ISOFLOW_RELIABILITY_COUNT`` (a whole number) if that is set."""
    return default * int(os.environ.get("ISOFLOW_RELIABILITY_COUNT", "1"))


@dataclass(frozen=True)
class Ran:
    """What one command line gave: exit code and the two streams."""

    code: int
    out: str
    err: str

    @property
    def text(self) -> str:
        return self.out + self.err

    @property
    def errors(self) -> list[str]:
        """The ``error:`` lines of stderr."""
        return [ln for ln in self.err.splitlines() if ln.startswith("error:")]


def no_crash(ran: Ran) -> None:
    """No traceback and no internal error (exit 70) in what a command gave."""
    assert "Traceback" not in ran.text, ran.text
    assert ran.code != 70, ran.text
    assert "internal error" not in ran.text, ran.text
