"""Orders end to end on the command line: generate, plan, verify; doses, not bookings."""

from __future__ import annotations

import csv
import json
from pathlib import Path

import pytest
from typer.testing import CliRunner

from isoflow.adapters.cli.app import _register, app
from isoflow.scenario.load import load_scenario


def test_generate_plan_and_verify_a_network_of_orders(tmp_path: Path) -> None:
    _register()
    runner = CliRunner()
    scenario = tmp_path / "orders.yaml"
    res = runner.invoke(
        app,
        [
            "scenario",
            "generate",
            "--sites",
            "6",
            "--hospitals",
            "4",
            "--days",
            "7",
            "--seed",
            "3",
            "--orders",
            "--out",
            str(scenario),
        ],
    )
    assert res.exit_code == 0, res.output
    sc = load_scenario(scenario)
    ordered = sum(o.doses for o in sc.demand.orders)
    patients = len(sc.demand.bookings)
    assert f"{len(sc.demand.orders)} orders of {ordered} doses" in res.output
    out = tmp_path / "plan"
    res = runner.invoke(app, ["plan", str(scenario), "--out", str(out), "--time-limit", "30s"])
    assert res.exit_code == 0, res.output
    plan = json.loads((out / "plan.json").read_text(encoding="utf-8"))
    with (out / "allocations.csv").open(encoding="utf-8") as handle:
        rows = list(csv.DictReader(handle))
    with (out / "unserved.csv").open(encoding="utf-8") as handle:
        short = list(csv.DictReader(handle))
    served = sum(int(r["doses"]) for r in rows)
    missing = sum(int(r["doses"]) for r in short)
    # every dose ordered or booked is served or listed short, in the tables and the KPIs
    assert served + missing == ordered + patients
    assert plan["kpis"]["doses"]["total"] == ordered + patients
    assert plan["kpis"]["doses"]["served"] == served
    assert f"doses served: {served} of {ordered + patients}" in res.output
    res = runner.invoke(app, ["verify", str(out), "--scenario", str(scenario)])
    assert res.exit_code == 0, res.output
    assert "plan OK" in res.output


def test_make_or_buy_takes_its_volumes_from_a_process_of_the_plan(tmp_path: Path) -> None:
    _register()
    runner = CliRunner()
    scenario = tmp_path / "orders.yaml"
    args = ["--sites", "6", "--hospitals", "4", "--days", "7", "--seed", "3", "--orders"]
    assert (
        runner.invoke(app, ["scenario", "generate", *args, "--out", str(scenario)]).exit_code == 0
    )
    out = tmp_path / "plan"
    res = runner.invoke(app, ["plan", str(scenario), "--out", str(out), "--time-limit", "30s"])
    assert res.exit_code == 0, res.output
    plan = json.loads((out / "plan.json").read_text(encoding="utf-8"))
    by_process: dict[str, int] = {}
    runs = {r["batch"]: r["process"] for r in plan["runs"]}
    for a in plan["allocations"]:
        by_process[runs[a["batch"]]] = by_process.get(runs[a["batch"]], 0) + a["doses"]
    process, doses = max(by_process.items(), key=lambda kv: kv[1])
    res = runner.invoke(
        app,
        [
            "analyze",
            "make-or-buy",
            "--scenario",
            str(scenario),
            "--process",
            process,
            "--plan",
            str(out),
            "--capex",
            "5e6",
            "--out",
            str(tmp_path / "mob"),
        ],
    )
    assert res.exit_code == 0, res.output
    assert f"{process} makes" in res.output
    assert f"{doses} doses" in res.output
    data = json.loads((tmp_path / "mob" / "make_or_buy.json").read_text(encoding="utf-8"))
    assert data["inputs"]["demand_doses_year1"] == pytest.approx(doses * 365.2425 / 7, rel=1e-12)
    assert data["inputs"]["capex"] == 5e6  # a flag still wins over the defaults
    unknown = ["--process", "nowhere", "--plan", str(out), "--out", str(tmp_path / "mob2")]
    res = runner.invoke(app, ["analyze", "make-or-buy", "--scenario", str(scenario), *unknown])
    assert res.exit_code == 2, res.output
    assert "option '--process': no process 'nowhere' in the scenario" in res.output
    assert not (tmp_path / "mob2").exists()
