"""The scenario commands: exit codes 0 (valid), 1 (invalid), 2 (usage) and their output."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
import typer
from typer.testing import CliRunner

from isoflow.adapters.cli import scenario_cmds


@pytest.fixture(scope="module")
def app() -> typer.Typer:
    root = typer.Typer()
    scenario = typer.Typer()
    root.add_typer(scenario, name="scenario")
    scenario_cmds.register(root, scenario)
    return root


runner = CliRunner()


def test_validate_valid_exits_0(app: typer.Typer, small_path: Path) -> None:
    result = runner.invoke(app, ["validate", str(small_path)])
    assert result.exit_code == 0, result.output
    assert result.output.strip().endswith(
        "valid (5 sites, 6 products, 4 processes, 5 lanes, 4 bookings; 0 error(s), 0 warning(s))"
    )


def test_validate_invalid_exits_1(app: typer.Typer, small_text: str, tmp_path: Path) -> None:
    bad = tmp_path / "bad.yaml"
    bad.write_text(small_text.replace("kind: [cyclotron]", "kind: [cyclotrn]"), encoding="utf-8")
    result = runner.invoke(app, ["validate", str(bad)])
    assert result.exit_code == 1
    line = small_text[: small_text.index("kind: [cyclotron]")].count("\n") + 1
    assert f"bad.yaml:{line}: sites.0.kind.0: Input should be" in result.output
    assert "invalid, 1 error(s), 0 warning(s)" in result.output


def test_validate_json_output(app: typer.Typer, small_text: str, tmp_path: Path) -> None:
    bad = tmp_path / "bad.yaml"
    bad.write_text(small_text.replace("origin: cyc-seoul", "origin: nowhere"), encoding="utf-8")
    result = runner.invoke(app, ["validate", str(bad), "--json"])
    assert result.exit_code == 1
    data = json.loads(result.output)
    assert data["valid"] is False
    assert [(i["severity"], i["path"], i["code"]) for i in data["issues"]] == [
        ("error", "lanes.3.origin", "unknown_ref"),
        ("warning", "demand.bookings.2.hospital", "no_route"),
    ]


def test_validate_missing_path_exits_2(app: typer.Typer, tmp_path: Path) -> None:
    result = runner.invoke(app, ["validate", str(tmp_path / "nope.yaml")])
    assert result.exit_code == 2
    assert "no such scenario file, folder or built-in name" in result.output


def test_schema_writes_json_schema(app: typer.Typer, tmp_path: Path) -> None:
    out = tmp_path / "schema.json"
    result = runner.invoke(app, ["schema", "--out", str(out)])
    assert result.exit_code == 0
    schema = json.loads(out.read_text(encoding="utf-8"))
    assert schema["title"] == "Scenario"
    assert set(schema["required"]) == {"meta", "products", "sites"}


def test_show_json_summary(app: typer.Typer, small_path: Path) -> None:
    result = runner.invoke(app, ["scenario", "show", str(small_path), "--json"])
    assert result.exit_code == 0, result.output
    data = json.loads(result.output)
    assert data["lanes_by_mode"] == [
        {"mode": "air", "lanes": 3, "median_transit_h": 8.0},
        {"mode": "road", "lanes": 2, "median_transit_h": 2.0},
    ]
    assert {"product": "lu177-psma", "country": "KR", "bookings": 1, "doses": 1} in data[
        "bookings_by_product_country"
    ]


def test_show_tables(app: typer.Typer, small_path: Path) -> None:
    result = runner.invoke(app, ["scenario", "show", str(small_path)])
    assert result.exit_code == 0
    for title in (
        "Sites by kind and country",
        "Products",
        "Lanes by mode",
        "Bookings and orders by product",
    ):
        assert title in result.output


def test_show_invalid_exits_1(app: typer.Typer, small_text: str, tmp_path: Path) -> None:
    bad = tmp_path / "bad.yaml"
    bad.write_text(small_text.replace("lat: 1.35", "lat: .nan"), encoding="utf-8")
    result = runner.invoke(app, ["scenario", "show", str(bad)])
    assert result.exit_code == 1
    assert "sites.2.lat: got .nan; expected a finite number" in result.output


def test_list_runs(app: typer.Typer) -> None:
    result = runner.invoke(app, ["scenario", "list", "--json"])
    assert result.exit_code == 0
    assert isinstance(json.loads(result.output), list)
