"""The real ``isoflow`` process on a sample of the corpus: the exit codes a shell sees.

The other tests run the command line in-process through its guard; this one starts
``python -m isoflow`` for a broken scenario of each form, a broken plan and an option
beyond its bounds (``deep`` runs every corpus case): 1 for an invalid input file, 2 for bad
usage, one message naming the file and line or the flag, no traceback.
"""

from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path

import pytest
from corpus import Case, cases
from harness import SMALL

import isoflow

SRC = Path(isoflow.__file__).resolve().parents[1]
SAMPLE = {"syntax-yaml", "unknown_reference-json", "unterminated_quote-csv", "bad_time-yaml"}
CORPUS = [
    pytest.param(c, id=c.id, marks=() if c.id in SAMPLE else pytest.mark.deep) for c in cases()
]


def isoflow_process(*args: str | Path, cwd: Path) -> subprocess.CompletedProcess[str]:
    env = dict(os.environ, PYTHONPATH=str(SRC), XDG_STATE_HOME=str(cwd / "state"))
    return subprocess.run(
        [sys.executable, "-m", "isoflow", *map(str, args)],
        env=env, capture_output=True, text=True, timeout=120, cwd=cwd,
    )  # fmt: skip


@pytest.mark.parametrize("case", CORPUS)
def test_a_broken_scenario_exits_1_naming_file_and_line(tmp_path: Path, case: Case) -> None:
    target = case.lay_down(tmp_path / "in")
    done = isoflow_process("plan", target, "--baseline", "--out", tmp_path / "out", cwd=tmp_path)
    assert done.returncode == 1, done.stderr
    assert "Traceback" not in done.stdout + done.stderr
    name = re.escape(Path(case.culprit).name)
    assert re.search(rf"{name}:\d+: ", done.stderr), done.stderr
    assert not (tmp_path / "out").exists()


def test_a_broken_plan_exits_1_naming_file_and_line(tmp_path: Path) -> None:
    plan = tmp_path / "plan.json"
    plan.write_text('{"scenario": "small",\n "planner": 7,,\n', encoding="utf-8")
    done = isoflow_process("verify", plan, "--scenario", SMALL, cwd=tmp_path)
    assert done.returncode == 1, done.stderr
    assert done.stderr.strip() == (
        f"error: {plan}:2: not a readable JSON plan: Expecting property name enclosed in "
        "double quotes"
    )


def test_an_option_beyond_its_bounds_exits_2_naming_the_flag(tmp_path: Path) -> None:
    done = isoflow_process("simulate", SMALL, "--replications", "9" * 400, cwd=tmp_path)
    assert done.returncode == 2, done.stderr
    assert done.stderr.strip() == (
        "error: option '--replications': expected a whole number between 1 and 1,000,000, "
        f"got {'9' * 40}..."
    )
    assert not (tmp_path / "isoflow-sim").exists()
