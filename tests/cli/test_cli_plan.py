"""`isoflow plan` and `isoflow verify` end to end on the small scenario: files, exit codes,
reproducibility, and one clear line for bad input."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from typer.testing import CliRunner

from isoflow.adapters.cli.app import COMMAND_MODULES, _register, app

SMALL = str(Path(__file__).parents[1] / "scenario" / "data" / "small.yaml")


@pytest.fixture(scope="module")
def cli():
    assert "plan_cmds" in COMMAND_MODULES
    _register()
    runner = CliRunner()

    def invoke(*args: str):
        return runner.invoke(app, list(args))

    return invoke


@pytest.fixture(scope="module")
def planned(cli, tmp_path_factory):
    out = tmp_path_factory.mktemp("plan")
    result = cli("plan", SMALL, "--out", str(out), "--report")
    assert result.exit_code == 0, result.output
    return out, result


def test_plan_writes_json_tables_and_report(planned):
    out, result = planned
    names = sorted(p.name for p in out.iterdir())
    assert names == [
        "allocations.csv",
        "generator_use.csv",
        "generators.csv",
        "manifest.json",
        "plan.json",
        "report.html",
        "runs.csv",
        "shipments.csv",
        "unserved.csv",
    ]
    plan = json.loads((out / "plan.json").read_text())
    assert plan["kpis"]["doses"] == {
        "total": 4,
        "served": 3,
        "unserved": 1,
        "served_share": 0.75,
    }
    assert plan["unserved"][0]["reason"] == "no_dose"
    assert "doses served: 3 of 4" in result.output
    header = (out / "allocations.csv").read_text().splitlines()[0].split(",")
    assert header[:3] == ["booking", "hospital", "product"]
    assert len((out / "allocations.csv").read_text().splitlines()) == 1 + 3


def test_verify_accepts_the_plan(cli, planned):
    out, _ = planned
    result = cli("verify", str(out), "--scenario", SMALL)
    assert result.exit_code == 0, result.output
    assert "plan OK" in result.output


def test_verify_catches_a_tampered_activity(cli, planned, tmp_path):
    out, _ = planned
    plan = json.loads((out / "plan.json").read_text())
    plan["allocations"][0]["activity_eop_bq"] *= 0.8
    (tmp_path / "plan.json").write_text(json.dumps(plan))
    result = cli("verify", str(tmp_path), "--scenario", SMALL)
    assert result.exit_code == 1
    assert "decay_mismatch" in result.output
    assert "dose_out_of_tolerance" in result.output


def test_same_inputs_give_the_same_plan(cli, planned, tmp_path):
    out, _ = planned
    result = cli("plan", SMALL, "--out", str(tmp_path))
    assert result.exit_code == 0, result.output
    first = json.loads((out / "plan.json").read_text())
    second = json.loads((tmp_path / "plan.json").read_text())
    for plan in (first, second):
        plan["solver"].pop("seconds")
        plan["solver"].pop("build_seconds")
    assert first == second
    for table in ("allocations.csv", "runs.csv", "shipments.csv"):
        assert (out / table).read_text() == (tmp_path / table).read_text()


def test_baseline_plan_passes_verify(cli, tmp_path):
    result = cli("plan", SMALL, "--baseline", "--out", str(tmp_path))
    assert result.exit_code == 0, result.output
    assert json.loads((tmp_path / "plan.json").read_text())["planner"] == "baseline"
    assert cli("verify", str(tmp_path), "--scenario", SMALL).exit_code == 0


@pytest.mark.parametrize(
    ("args", "expected"),
    [
        (["plan", "no-such-scenario"], "no such scenario"),
        (["plan", SMALL, "--horizon", "0h"], "'--horizon'"),
        (["plan", SMALL, "--horizon", "7 parsecs"], "unknown time unit"),
        (["plan", SMALL, "--start", "2025-08-04T00:00"], "no UTC offset"),
        (["plan", SMALL, "--gap", "1.5"], "'--gap'"),
        (["plan", SMALL, "--threads", "0"], "'--threads'"),
        (["plan", SMALL, "--time-limit", "-5s"], "'--time-limit'"),
        (["verify", "/no/such/plan.json", "--scenario", SMALL], "no plan found"),
    ],
)
def test_bad_input_is_one_clear_line_and_exit_2(cli, args, expected):
    result = cli(*args)
    assert result.exit_code == 2, result.output
    assert expected in result.output
    assert "Traceback" not in result.output


def test_invalid_scenario_lists_problems_and_exits_1(cli, tmp_path):
    bad = tmp_path / "bad.yaml"
    text = Path(SMALL).read_text().replace("destination: hosp-sydney", "destination: nowhere")
    bad.write_text(text)
    result = cli("plan", str(bad), "--out", str(tmp_path / "out"))
    assert result.exit_code == 1
    assert "nowhere" in result.output
    assert not (tmp_path / "out").exists()


REASON_CODES = (
    "no_dose",
    "not_approved",
    "no_producer",
    "gmp_market",
    "no_licence",
    "outside_service_area",
    "exceeds_batch_max",
    "order_cutoff",
    "lead_time",
    "site_in_outage",
    "outside_operating_hours",
    "contract_excludes",
    "export_restricted",
    "no_route_within_shelf_life",
    "no_input_supply",
    "input_stock",
    "capacity_exhausted",
)
"""Every unserved reason code, typed here from the design note's table."""


def test_every_reason_code_is_documented_in_help_and_design_note(cli):
    from isoflow.records.reasons import Reason

    assert {r.value for r in Reason} == set(REASON_CODES)
    result = cli("plan", "--help")
    assert result.exit_code == 0
    text = " ".join(result.output.split())
    design = (Path(__file__).parents[2] / "docs" / "planner-design.md").read_text("utf-8")
    for code in REASON_CODES:
        assert f"{code}:" in text, code
        assert f"| `{code}` |" in design, code


def test_plan_plans_the_rest_when_one_booking_is_not_approved(cli, tmp_path):
    text = (
        Path(SMALL)
        .read_text(encoding="utf-8")
        .replace("countries: [KR, AU, SG]", "countries: [KR, SG]")
    )
    path = tmp_path / "small.yaml"
    path.write_text(text, encoding="utf-8")
    out = tmp_path / "out"
    result = cli("plan", str(path), "--out", str(out))
    assert result.exit_code == 0, result.output
    plan = json.loads((out / "plan.json").read_text(encoding="utf-8"))
    reasons = {u["booking"]: u["reason"] for u in plan["unserved"]}
    assert reasons.get("b1") == "not_approved"
    assert plan["allocations"], "the other bookings are planned"
