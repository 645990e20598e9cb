"""A plan file that is not a plan: one line with file, line and field, exit 1, no traceback.

verify, simulate --plan and compare read plans the same way: a corrupt time, a value of the
wrong type or JSON nested beyond the limit is an invalid input file (exit 1); no plan at the
path is a usage error (exit 2).
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from typer.testing import CliRunner

from isoflow.adapters.cli.app import _register, app

SMALL = str(Path(__file__).parents[1] / "scenario" / "data" / "small.yaml")


@pytest.fixture(scope="module")
def planned(tmp_path_factory: pytest.TempPathFactory) -> Path:
    _register()
    out = tmp_path_factory.mktemp("plan")
    res = CliRunner().invoke(app, ["plan", SMALL, "--out", str(out), "--baseline"])
    assert res.exit_code == 0, res.output
    return out / "plan.json"


def _broken(planned: Path, tmp_path: Path, edit: str) -> tuple[Path, int]:
    """A copy of the plan (one field a line) with one fault; the fault's line."""
    data = json.loads(planned.read_text(encoding="utf-8"))
    first = data["allocations"][0]
    if edit == "time":
        first["end_of_production_utc"] = "2025-13-45T99:00:00Z"
    else:
        first["activity_eop_bq"] = "plenty"
    text = json.dumps(data, indent=2)
    key = '"end_of_production_utc"' if edit == "time" else '"activity_eop_bq"'
    line = text[: text.index(key)].count("\n") + 1
    path = tmp_path / "plan.json"
    path.write_text(text, encoding="utf-8")
    return path, line


COMMANDS = {
    "verify": lambda plan: ["verify", str(plan), "--scenario", SMALL],
    "simulate": lambda plan: ["simulate", SMALL, "--plan", str(plan), "--replications", "2"],
    "compare": lambda plan: ["compare", str(plan), str(plan)],
}


@pytest.mark.parametrize("command", sorted(COMMANDS))
@pytest.mark.parametrize(
    ("edit", "field", "expected"),
    [
        ("time", "allocations.0.end_of_production_utc", "expected an ISO-8601 time"),
        ("number", "allocations.0.activity_eop_bq", "valid number"),
    ],
)
def test_a_corrupt_plan_names_file_line_and_field(
    planned: Path, tmp_path: Path, command: str, edit: str, field: str, expected: str
) -> None:
    plan, line = _broken(planned, tmp_path, edit)
    res = CliRunner().invoke(app, COMMANDS[command](plan))
    assert res.exit_code == 1, res.output
    assert res.exception is None or isinstance(res.exception, SystemExit)
    (message,) = [x for x in res.output.splitlines() if x.startswith("error:")]
    assert message.startswith(f"error: {plan}:{line}: {field}: ")
    assert expected in message
    assert "Traceback" not in res.output


def test_a_plan_nested_beyond_the_limit_is_refused_in_one_line(tmp_path: Path) -> None:
    _register()
    plan = tmp_path / "plan.json"
    plan.write_text('{"scenario": ' + "[" * 5000 + "]" * 5000 + "}", encoding="utf-8")
    res = CliRunner().invoke(app, ["verify", str(plan), "--scenario", SMALL])
    assert res.exit_code == 1, res.output
    assert f"error: {plan}:1: not a readable JSON plan: nested deeper than 32 levels" in res.output


def test_no_plan_at_the_path_is_a_usage_error(tmp_path: Path) -> None:
    _register()
    res = CliRunner().invoke(app, ["verify", str(tmp_path / "none"), "--scenario", SMALL])
    assert res.exit_code == 2, res.output
    assert "argument 'PLAN'" in res.output
    assert "no plan found" in res.output
