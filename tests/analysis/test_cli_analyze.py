"""`isoflow analyze ...` and `isoflow compare`: files written, summaries, exit codes 0/1/2."""

from __future__ import annotations

import csv
import json
from pathlib import Path

import pytest
import typer
from analysis_cases import korea_japan
from typer.testing import CliRunner

from isoflow.adapters.cli import analyze_cmds, compare_cmd, contingency_cmd, makeorbuy_cmd

SMALL = str(Path(__file__).parents[1] / "scenario" / "data" / "small.yaml")


def read_csv(path: Path) -> list[dict[str, str]]:
    with path.open(encoding="utf-8", newline="") as fh:
        return list(csv.DictReader(fh))


@pytest.fixture(scope="module")
def run():
    app = typer.Typer()
    analyze_cmds.register(app, typer.Typer())
    contingency_cmd.register(app, typer.Typer())
    compare_cmd.register(app, typer.Typer())
    makeorbuy_cmd.register(app, typer.Typer())
    runner = CliRunner()

    def invoke(*args: str):
        return runner.invoke(app, list(args))

    return invoke


@pytest.fixture(scope="module")
def kj_file(tmp_path_factory):
    path = tmp_path_factory.mktemp("kj") / "kj.json"
    path.write_text(json.dumps(korea_japan().model_dump(mode="json")), encoding="utf-8")
    return str(path)


def test_capacity_writes_tables_json_and_svg(run, tmp_path):
    res = run(
        "analyze", "capacity", SMALL, "--from", "2025", "--to", "2030", "--out", str(tmp_path)
    )
    assert res.exit_code == 0, res.output
    assert "Lu-177" in res.stdout
    assert "OECD-NEA" in res.stdout
    names = {p.name for p in tmp_path.iterdir()}
    assert {"capacity_rows.csv", "capacity_summary.csv", "capacity.json", "capacity.svg"} <= names
    rows = read_csv(tmp_path / "capacity_rows.csv")
    assert {r["year"] for r in rows} == {str(y) for y in range(2025, 2031)}
    data = json.loads((tmp_path / "capacity.json").read_text(encoding="utf-8"))
    assert data["tables"]["summary"]
    assert data["assumptions"]
    assert (tmp_path / "capacity.svg").read_text(encoding="utf-8").startswith("<svg")


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (("--by", "planet"), "--by"),
        (("--from", "2030", "--to", "2025"), "before first year"),
        (("--reserve", "-1"), "--reserve"),
    ],
)
def test_capacity_bad_options_exit_2(run, tmp_path, args, message):
    res = run("analyze", "capacity", SMALL, *args, "--out", str(tmp_path))
    assert res.exit_code == 2
    assert message in res.output


def test_unknown_scenario_exits_2(run, tmp_path):
    res = run("analyze", "capacity", "no-such-scenario", "--out", str(tmp_path))
    assert res.exit_code == 2
    assert "no such scenario" in res.output


def test_invalid_scenario_exits_1(run, tmp_path):
    bad = tmp_path / "bad.yaml"
    bad.write_text(
        Path(SMALL).read_text(encoding="utf-8").replace("site: cdmo-sg", "site: nowhere")
    )
    res = run("analyze", "capacity", str(bad), "--out", str(tmp_path))
    assert res.exit_code == 1


def test_unwritable_out_exits_2(run, tmp_path):
    blocker = tmp_path / "file"
    blocker.write_text("x")
    res = run("analyze", "make-or-buy", "--out", str(blocker / "sub"))
    assert res.exit_code == 2
    assert "--out" in res.output


def test_make_or_buy_options_and_yaml(run, tmp_path):
    spec = tmp_path / "inputs.yaml"
    spec.write_text(
        "capex: 1000\nopex_per_year: 0\nlifetime_years: 2\ndiscount_rate: 0.1\n"
        "variable_cost_per_dose: 0\ncdmo_price_per_dose: 10\n"
        "demand_doses_year1: 100\ndemand_growth: 0\nramp_up_years: 0\n"
    )
    res = run("analyze", "make-or-buy", "--inputs", str(spec), "--out", str(tmp_path))
    assert res.exit_code == 0, res.output
    data = json.loads((tmp_path / "make_or_buy.json").read_text(encoding="utf-8"))
    assert data["result"]["npv_buy"] == pytest.approx(1000 / 1.1 + 1000 / 1.21)
    assert data["result"]["decision"] == "make"
    assert (tmp_path / "make_or_buy.svg").exists()
    res = run("analyze", "make-or-buy", "--capex", "1e12", "--out", str(tmp_path))
    assert res.exit_code == 0
    assert "BUY" in res.stdout
    spec.write_text("capx: 1\n")
    res = run("analyze", "make-or-buy", "--inputs", str(spec), "--out", str(tmp_path))
    assert res.exit_code == 2
    assert "unknown make-or-buy input" in res.output
    res = run("analyze", "make-or-buy", "--lifetime", "0", "--out", str(tmp_path))
    assert res.exit_code == 2


def test_contingency_and_self_sufficiency_on_a_tiny_network(run, kj_file, tmp_path):
    res = run("analyze", "contingency", kj_file, "--kinds", "site", "--out", str(tmp_path))
    assert res.exit_code == 0, res.output
    ranking = read_csv(tmp_path / "contingency_ranking.csv")
    assert (ranking[0]["elements"], ranking[0]["lost"]) == ("site:cyc-kr", "4")
    assert "time limit" in res.stdout
    res = run("analyze", "self-sufficiency", kj_file, "--out", str(tmp_path))
    assert res.exit_code == 0, res.output
    rows = read_csv(tmp_path / "self_sufficiency_plan.csv")
    jp = next(r for r in rows if r["country"] == "JP")
    assert float(jp["share_domestic"]) == pytest.approx(1 / 3)


def test_contingency_bad_kinds_and_workers_exit_2(run, kj_file, tmp_path):
    res = run("analyze", "contingency", kj_file, "--kinds", "rail", "--out", str(tmp_path))
    assert res.exit_code == 2
    assert "--kinds" in res.output
    res = run("analyze", "contingency", kj_file, "--workers", "0", "--out", str(tmp_path))
    assert res.exit_code == 2


def test_compare_scenario_with_a_plan_file(run, kj_file, tmp_path):
    from isoflow.adapters.plan_files import write_plan
    from isoflow.engines.analysis.contingency import Element, without
    from isoflow.engines.planner.api import PlanOptions, make_plan

    cut = without(korea_japan(), [Element("lane", "kr-jp-air")], PlanOptions())
    write_plan(make_plan(cut), tmp_path / "b")
    res = run("compare", kj_file, str(tmp_path / "b" / "plan.json"), "--out", str(tmp_path))
    assert res.exit_code == 0, res.output
    assert "doses.served" in res.stdout
    changed = read_csv(tmp_path / "compare_bookings.csv")
    assert {r["booking"] for r in changed} == {"j-tue", "j-thu"}
    assert "not variants of one scenario" not in res.output
    res = run("compare", kj_file, "missing.json", "--out", str(tmp_path))
    assert res.exit_code == 2


def test_compare_of_plans_of_two_scenarios_says_so(run, kj_file, tmp_path):
    from isoflow.adapters.plan_files import write_plan
    from isoflow.engines.planner.api import make_plan
    from isoflow.scenario.load import load_scenario

    small = load_scenario(SMALL)
    write_plan(make_plan(small), tmp_path / "small")
    res = run("compare", kj_file, str(tmp_path / "small" / "plan.json"), "--out", str(tmp_path))
    assert res.exit_code == 0, res.output
    names = (korea_japan().meta.name, small.meta.name)
    assert names[0] != names[1]
    assert f"note: A plans scenario {names[0]!r} and B {names[1]!r}" in res.output
