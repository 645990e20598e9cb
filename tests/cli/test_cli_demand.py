"""``isoflow scenario demand``: a scenario's demand at 100 % of its rates, as a YAML file."""

from __future__ import annotations

from pathlib import Path

from typer.testing import CliRunner

from isoflow.adapters.cli.app import _register, app
from isoflow.scenario.bookings import generate_demand
from isoflow.scenario.load import load_scenario

SMALL = str(Path(__file__).parents[1] / "scenario" / "data" / "small.yaml")


def test_demand_writes_the_scenario_with_its_full_demand(tmp_path: Path) -> None:
    _register()
    out = tmp_path / "full.yaml"
    res = CliRunner().invoke(
        app, ["scenario", "demand", SMALL, "--days", "7", "--seed", "3", "--out", str(out)]
    )
    assert res.exit_code == 0, res.output
    written = load_scenario(out)
    small = load_scenario(SMALL)
    bookings, orders = generate_demand(small, small.meta.start, 7, 3)
    assert written.demand.bookings == bookings
    assert written.demand.orders == orders
    assert written.sites == small.sites
    assert f"{len(bookings)} therapy bookings and {len(orders)} orders" in res.output


def test_demand_refuses_bad_days_in_one_line(tmp_path: Path) -> None:
    _register()
    res = CliRunner().invoke(
        app, ["scenario", "demand", SMALL, "--days", "0", "--out", str(tmp_path / "x.yaml")]
    )
    assert res.exit_code == 2, res.output
    assert "--days" in res.output
    assert not (tmp_path / "x.yaml").exists()
