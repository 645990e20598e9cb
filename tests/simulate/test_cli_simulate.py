"""`isoflow simulate`: a run on the small scenario, and one clear line with exit 2 for bad
options."""

from __future__ import annotations

import json

import pytest
import typer
from typer.testing import CliRunner

from isoflow.adapters.cli import simulate_cmd

SMALL = "tests/scenario/data/small.yaml"


@pytest.fixture(scope="module")
def run():
    app = typer.Typer()
    simulate_cmd.register(app, typer.Typer())
    app.command("noop")(lambda: None)  # keep 'simulate' a sub-command
    runner = CliRunner()

    def invoke(*args: str):
        return runner.invoke(app, ["simulate", *args])

    return invoke


def test_simulate_small_writes_records_and_kpis(run, tmp_path):
    out = tmp_path / "sim"
    res = run(SMALL, "--replications", "120", "--weeks", "2", "--seed", "3", "--out", str(out))
    assert res.exit_code == 0, res.output
    assert "P(dose missed)" in res.stdout
    assert "P(patient missed)" in res.stdout  # small's bookings are patients
    assert "booking" not in res.stdout.split("wrote")[0].lower()  # the KPIs count doses
    assert "wrote 5 files" in res.stdout  # the four records and manifest.json
    k = json.loads((out / "kpis.json").read_text())
    assert (k["replications"], k["weeks"], k["scenario"]) == (120, 2, "small")
    # the tails: percentiles and P(loss > x), overall, by country and product, activity
    assert "A week's loss over replications" in res.stdout
    assert "P(loss > x)" in res.stdout
    tails = k["tails"]
    assert set(tails["missed_per_week_by_country"]) == {"AU", "KR"}
    for t in (tails["missed_per_week"], tails["lost_activity_bq_per_week"]):
        assert t["p5"] <= t["p50"] <= t["p95"] <= t["p99"]
        assert list(t["p_loss_over"]) == ["1%", "5%", "10%", "25%", "50%"]
    rows = (out / "replications.csv").read_text().splitlines()
    assert len(rows) == 121
    assert rows[0].startswith("replication,doses,cancelled,")
    # the same seed again: the same bytes
    again = run(
        SMALL, "--replications", "120", "--weeks", "2", "--seed", "3", "--out", str(out / "b")
    )
    assert again.exit_code == 0
    for name in ("replications.csv", "bookings.csv", "exceptions.csv", "kpis.json"):
        assert (out / name).read_bytes() == (out / "b" / name).read_bytes()


@pytest.mark.parametrize(
    ("args", "needle"),
    [
        (["--replications", "0"], "'--replications'"),
        (["--weeks", "0"], "'--weeks'"),
        (["--seed", "-1"], "'--seed'"),
        (["--workers", "0"], "'--workers'"),
        (["--workers", "2", "--scheduler", "tcp://127.0.0.1:1"], "not both"),
        (["no-such-scenario"], "no such scenario"),
        (["--plan", "/nonexistent/plan.json"], "'--plan'"),
    ],
)
def test_bad_options_exit_2_with_one_line(run, args, needle):
    res = run(*args)
    assert res.exit_code == 2, res.output
    lines = [ln for ln in res.stderr.splitlines() if ln.strip()]
    assert len(lines) == 1
    assert lines[0].startswith("error:")
    assert needle in lines[0]


def test_simulate_an_order_prints_doses_and_names_the_order(run, tmp_path):
    from sim_cases import order_week_qc

    from isoflow.scenario.load import save_scenario

    path = save_scenario(order_week_qc(0.2), tmp_path / "orders.yaml")
    out = tmp_path / "sim"
    res = run(str(path), "--replications", "50", "--seed", "1", "--out", str(out))
    assert res.exit_code == 0, res.output
    assert "plan serves 5 of 5 doses a week" in res.stdout
    assert "P(dose missed)" in res.stdout
    assert "patient" not in res.stdout  # an order of doses, no patient bookings
    header, *rows = (out / "bookings.csv").read_text().splitlines()
    assert header.startswith("booking,kind,doses,")
    assert sorted(r.split(",")[:3] for r in rows) == [
        ["order", "order", "2"],
        ["order", "order", "3"],
    ]
