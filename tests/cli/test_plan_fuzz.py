"""Property: a mutated plan file is read, verified and simulated without a crash.

From a sound plan of the small scenario, hypothesis breaks one to three things (a value
replaced by junk, a key deleted, an unknown key added, a list item duplicated). Reading it
either gives a plan or a ``PlanFileError`` naming the file; ``verify`` of what was read
returns violations, never raises; ``isoflow simulate --plan`` on it exits 0 (a sound plan) or
1 (a plan that does not hold), with one line, never a traceback.
"""

from __future__ import annotations

import copy
import json
import tempfile
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from typer.testing import CliRunner

from isoflow.adapters.cli.app import _register, app
from isoflow.adapters.plan_files import read_plan
from isoflow.engines.planner.api import PlanOptions
from isoflow.engines.planner.baseline import baseline_plan
from isoflow.engines.verify import verify
from isoflow.errors import PlanFileError
from isoflow.scenario.load import load_scenario
from mutations import mutated

SMALL = Path(__file__).parents[1] / "scenario" / "data" / "small.yaml"
SCENARIO = load_scenario(SMALL)
BASE: dict[str, Any] = json.loads(baseline_plan(SCENARIO, PlanOptions()).model_dump_json())

junk = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(min_value=-(10**30), max_value=10**30),
    st.floats(allow_nan=True, allow_infinity=True),
    st.text(max_size=12),
    st.sampled_from(["2025-13-45T99:00:00Z", "2025-08-05T10:00:00Z", "ghost", "1e999", ""]),
    st.lists(st.integers(), max_size=3),
    st.dictionaries(st.text(max_size=5), st.integers(), max_size=2),
)


def test_the_unmutated_plan_is_sound() -> None:
    assert BASE["allocations"]
    plan = read_plan(_write(BASE))
    assert verify(plan, SCENARIO) == []


FOLDER = tempfile.TemporaryDirectory(prefix="plan-fuzz-")
"""One folder for every example's file, removed when the test session ends."""


def _write(data: dict[str, Any]) -> Path:
    path = Path(FOLDER.name) / "plan.json"  # each example overwrites the last one's file
    path.write_text(json.dumps(data, allow_nan=True), encoding="utf-8")
    return path


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(data=mutated(BASE, junk))
def test_a_mutated_plan_is_read_and_verified_without_a_crash(data: dict[str, Any]) -> None:
    path = _write(data)
    try:
        plan = read_plan(path)
    except PlanFileError as exc:
        message = str(exc)
        plan = None
    if plan is None:
        assert str(path) in message
        return
    found = verify(plan, SCENARIO)
    assert all(v.code and v.detail for v in found)


@pytest.mark.parametrize("seed", range(6))
def test_simulating_a_mutated_plan_exits_0_or_1_in_one_line(seed: int) -> None:
    _register()
    data = copy.deepcopy(BASE) if seed == 0 else _seeded(seed)
    path = _write(data)
    res = CliRunner().invoke(
        app,
        [
            "simulate",
            str(SMALL),
            "--plan",
            str(path),
            "--replications",
            "2",
            "--out",
            str(path.parent / "out"),
        ],
    )
    assert res.exit_code == 0 if seed == 0 else res.exit_code in (0, 1), res.output
    assert "Traceback" not in res.output
    if res.exit_code == 1:
        errors = [x for x in res.output.splitlines() if x.startswith("error:")]
        assert len(errors) == 1, res.output


def _seeded(seed: int) -> dict[str, Any]:
    """A fixed mutation for each seed (1-5): junk in a field the simulator reads."""
    data = copy.deepcopy(BASE)
    targets = [
        ("allocations", 0, "batch"),
        ("allocations", 0, "doses"),
        ("runs", 0, "activity_eop_bq"),
        ("shipments", 0, "depart_utc"),
        ("allocations", 0, "legs"),
    ]
    *head, last = targets[(seed - 1) % len(targets)]
    parent: Any = data
    for key in head:
        parent = parent[key]
    parent[last] = ["ghost", 7, "2025-13-45T99:00:00Z", [], 0][(seed - 1) % 5]
    return data
