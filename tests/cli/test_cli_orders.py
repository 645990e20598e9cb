"""Orders end to end on the command line: generate, plan, verify; doses, not bookings."""

from __future__ import annotations

import csv
import json
from pathlib import Path

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
